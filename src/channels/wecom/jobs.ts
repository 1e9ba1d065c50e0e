/** Replies as the messages an official API sends: texts merged (every message counts against a limit), files apart. */
import { renderText, type FileRef, type Notice, type Reply } from '../../core/message.ts';
import type { FileResolvers } from '../../core/files.ts';
import type { MediaFile } from './api.ts';

/** A text message may carry 2048 bytes; a little is kept in reserve. */
export const MAX_TEXT_BYTES = 2000;

export interface OfficialJob {
  text?: string;
  /** A file: its bytes, or (personal files) only how to produce them again at send time. */
  file?: { name: string; mimeType: string; dataBase64?: string; ref?: FileRef };
  /** The text carries an important notice (a template message can stand in for it when the window has closed). */
  notice?: Notice;
}

/** Splits text into pieces of at most `maxBytes` UTF-8 bytes, at line ends where possible. */
export function splitBytes(text: string, maxBytes = MAX_TEXT_BYTES): string[] {
  const out: string[] = [];
  let current = '';
  const bytes = (s: string) => Buffer.byteLength(s);
  for (const line of text.split('\n')) {
    const candidate = current ? `${current}\n${line}` : line;
    if (bytes(candidate) <= maxBytes) {
      current = candidate;
      continue;
    }
    if (current) out.push(current);
    current = '';
    let rest = line;
    while (bytes(rest) > maxBytes) {
      let cut = '';
      for (const ch of rest) {
        if (bytes(cut + ch) > maxBytes) break;
        cut += ch;
      }
      out.push(cut);
      rest = rest.slice(cut.length);
    }
    current = rest;
  }
  if (current) out.push(current);
  return out;
}

/** Consecutive texts become one message (split only when too long); each file is a message of its own. */
export function repliesToJobs(replies: Reply[]): OfficialJob[] {
  const jobs: OfficialJob[] = [];
  let texts: string[] = [];
  let notice: Notice | undefined;
  const flush = () => {
    if (texts.length) jobs.push(...splitBytes(texts.join('\n\n')).map((text, i) => ({ text, ...(i === 0 && notice ? { notice } : {}) })));
    texts = [];
    notice = undefined;
  };
  for (const reply of replies) {
    const text = renderText(reply);
    if (text) texts.push(text);
    if (reply.notice) notice ??= reply.notice;
    if (reply.file) {
      flush();
      const { name, mimeType, data, ref } = reply.file;
      // A personal file (claim document, roster) is never queued decrypted: only its reference is.
      jobs.push({ file: ref ? { name, mimeType, ref } : { name, mimeType, dataBase64: data.toString('base64') } });
    }
  }
  flush();
  return jobs;
}

/** The bytes of a queued file, or null when a personal file can no longer be produced for its viewer. */
export async function jobFile(job: OfficialJob, files: FileResolvers): Promise<MediaFile | null> {
  if (!job.file) return null;
  const data = job.file.dataBase64 !== undefined ? Buffer.from(job.file.dataBase64, 'base64') : job.file.ref ? await files.open(job.file.ref) : null;
  return data ? { name: job.file.name, mimeType: job.file.mimeType, data } : null;
}

/** Images go as pictures, everything else as files. */
export const mediaType = (mimeType: string): 'image' | 'file' => (/^image\/(jpe?g|png)$/i.test(mimeType) ? 'image' : 'file');
