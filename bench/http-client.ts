/**
 * The HTTP bench's load generator: keep-alive HTTP/1.1 over plain sockets, one request at a time per connection
 * (as a reverse proxy sends them), a new connection only when every open one is busy.
 * It shares the machine's cores with the bot and Redis, and a late send counts as latency (open loop), so it
 * does the least it can: no per-request agent, parser or URL object (node:http's client took about 260 µs of
 * CPU per message here, more than Redis). It reads only the status line and Content-Length; a chunked
 * answer is an error.
 */
import { connect, type Socket } from 'node:net';

const HEADER_END = Buffer.from('\r\n\r\n');
const CONTENT_LENGTH = /\r\ncontent-length:\s*(\d+)/i;

interface Pending {
  resolve: (status: number) => void;
  reject: (err: Error) => void;
}

class Connection {
  private pending: Pending | undefined;
  private received: Buffer[] = [];
  private receivedBytes = 0;
  closed = false;

  constructor(
    private readonly socket: Socket,
    private readonly onIdle: (c: Connection) => void,
  ) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.read(chunk));
    const fail = (err: Error) => {
      this.closed = true;
      const p = this.pending;
      this.pending = undefined;
      p?.reject(err);
    };
    socket.on('error', fail);
    socket.on('close', () => fail(new Error('connection closed')));
  }

  send(request: string, pending: Pending): void {
    this.pending = pending;
    this.socket.write(request);
  }

  private read(chunk: Buffer): void {
    this.received.push(chunk);
    this.receivedBytes += chunk.length;
    const data = this.received.length === 1 ? chunk : Buffer.concat(this.received, this.receivedBytes);
    const headerEnd = data.indexOf(HEADER_END);
    if (headerEnd < 0) return;
    const head = data.toString('latin1', 0, headerEnd);
    const length = CONTENT_LENGTH.exec(head);
    if (!length) {
      this.socket.destroy(new Error('an answer without Content-Length'));
      return;
    }
    if (data.length < headerEnd + 4 + Number(length[1])) {
      this.received = [data];
      return;
    }
    this.received = [];
    this.receivedBytes = 0;
    const p = this.pending;
    this.pending = undefined;
    this.onIdle(this);
    p?.resolve(Number(head.slice(9, 12)));
  }

  destroy(): void {
    this.socket.destroy();
  }
}

export class LeanHttpClient {
  private readonly idle: Connection[] = [];
  private readonly all = new Set<Connection>();
  private opened = 0;

  constructor(
    private readonly host: string,
    private readonly port: number,
  ) {}

  /** POSTs a JSON body; resolves with the status code once the whole answer has arrived. */
  postJson(path: string, body: string): Promise<number> {
    const request = `POST ${path} HTTP/1.1\r\nHost: ${this.host}:${this.port}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
    return new Promise((resolve, reject) => this.connection().send(request, { resolve, reject }));
  }

  /** Connections opened so far (a stall shows as many: each costs the bot an accept and a parser). */
  connections(): number {
    return this.opened;
  }

  destroy(): void {
    for (const c of this.all) c.destroy();
  }

  private connection(): Connection {
    for (let c = this.idle.pop(); c; c = this.idle.pop()) if (!c.closed) return c;
    this.opened++;
    const c: Connection = new Connection(connect(this.port, this.host), (done) => {
      if (!done.closed) this.idle.push(done);
    });
    this.all.add(c);
    return c;
  }
}
