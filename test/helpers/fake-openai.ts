/** A local chat-completions server (node:http) for tests: scripted replies, errors, or no answer at all. */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeChatRequest {
  model: string;
  messages: Array<{ role: string; content: string }>;
  [key: string]: unknown;
}

/** What the server does with one request: reply with text, fail with an HTTP status, or never answer. */
export type FakeBehaviour = { reply: string } | { status: number; body?: unknown } | { hang: true };

export interface FakeOpenAI {
  /** Pass as OPENAI_BASE_URL (ends in /v1). */
  baseURL: string;
  /** Every chat-completions request received, parsed. */
  requests: FakeChatRequest[];
  /** Change the behaviour for later requests. */
  setHandler(handler: (req: FakeChatRequest) => FakeBehaviour): void;
  close(): Promise<void>;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

/** Starts the server on a free port of 127.0.0.1. Hanging requests are released by `close()`. */
export async function startFakeOpenAI(handler: (req: FakeChatRequest) => FakeBehaviour): Promise<FakeOpenAI> {
  let current = handler;
  const requests: FakeChatRequest[] = [];
  const hanging = new Set<ServerResponse>();
  const server = createServer((req, res) => {
    void (async () => {
      if (req.method !== 'POST' || !req.url?.endsWith('/chat/completions')) {
        send(res, 404, { error: { message: `no route ${req.method} ${req.url}`, type: 'invalid_request_error' } });
        return;
      }
      const parsed = JSON.parse(await readBody(req)) as FakeChatRequest;
      requests.push(parsed);
      const b = current(parsed);
      if ('hang' in b) {
        hanging.add(res);
        res.on('close', () => hanging.delete(res));
        return;
      }
      if ('status' in b) {
        send(res, b.status, b.body ?? { error: { message: 'fake failure', type: 'server_error' } });
        return;
      }
      send(res, 200, {
        id: `chatcmpl-fake-${requests.length}`,
        object: 'chat.completion',
        created: Math.floor(Date.now() / 1000),
        model: parsed.model,
        choices: [{ index: 0, message: { role: 'assistant', content: b.reply }, finish_reason: 'stop', logprobs: null }],
        usage: { prompt_tokens: 10, completion_tokens: 10, total_tokens: 20 },
      });
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseURL: `http://127.0.0.1:${port}/v1`,
    requests,
    setHandler(h) {
      current = h;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of hanging) res.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
