/**
 * Files produced on demand: a service registers a resolver per kind (claim documents, rosters) that makes
 * the bytes for one viewer — checking that viewer's role again and auditing the view — so personal files
 * are served without ever being stored decrypted (see FileRef in message.ts).
 */
import type { FileRef, MemberKey } from './message.ts';

/** The bytes for `viewer`, or null when the file is gone or the viewer may no longer see it. */
export type FileResolver = (ref: string, viewer: MemberKey) => Promise<Buffer | null>;

export class FileResolvers {
  private readonly resolvers = new Map<string, FileResolver>();

  /** One resolver per kind; registering again (a service built twice on the same deps) replaces it. */
  register(kind: string, resolver: FileResolver): void {
    this.resolvers.set(kind, resolver);
  }

  /** null for an unknown kind too: a link made by another version of the bot simply no longer works. */
  async open(file: FileRef): Promise<Buffer | null> {
    return (await this.resolvers.get(file.kind)?.(file.ref, file.viewer)) ?? null;
  }
}
