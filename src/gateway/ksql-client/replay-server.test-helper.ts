/**
 * Test support (not part of the client): a real `node:http` server on port 0
 * that replays recorded ksqlDB bodies, records what it received, and reports
 * when a response or its socket closes. Plus a dispose registry so every
 * server and client is closed after each test.
 *
 * @module
 */
import { readFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

const FIXTURES = new URL('../../../test/fixtures/ksql/', import.meta.url);

/** A recorded body, byte-exact. */
export function fixture(name: string): Buffer {
  return readFileSync(new URL(name, FIXTURES));
}

export interface ReceivedRequest {
  readonly method: string;
  /** The raw request target, exactly as sent (percent-encoding kept). */
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

export type Route = (req: ReceivedRequest, res: ServerResponse, raw: IncomingMessage) => void | Promise<void>;

export interface ReplayServer {
  readonly url: string;
  readonly port: number;
  readonly requests: ReceivedRequest[];
  /**
   * Resolves when the response to request `index` (0-based, in arrival
   * order) closes; `finished` is false when the client went away first.
   */
  closed(index: number): Promise<{ finished: boolean }>;
  close(): Promise<void>;
}

/** Registers async cleanups; `disposeAll()` runs them in reverse order. */
export class Disposer {
  #items: Array<() => Promise<void> | void> = [];
  add<T>(item: T, dispose: (item: T) => Promise<void> | void): T {
    this.#items.push(() => dispose(item));
    return item;
  }
  async disposeAll(): Promise<void> {
    const items = this.#items.splice(0).reverse();
    for (const d of items) await d();
  }
}

export async function startReplayServer(route: Route): Promise<ReplayServer> {
  const requests: ReceivedRequest[] = [];
  const closes = new Map<number, { promise: Promise<{ finished: boolean }>; resolve: (v: { finished: boolean }) => void }>();
  const closeEntry = (i: number) => {
    let entry = closes.get(i);
    if (!entry) {
      let resolve!: (v: { finished: boolean }) => void;
      const promise = new Promise<{ finished: boolean }>((r) => (resolve = r));
      entry = { promise, resolve };
      closes.set(i, entry);
    }
    return entry;
  };
  const server = createServer((raw, res) => {
    const chunks: Buffer[] = [];
    raw.on('data', (c: Buffer) => chunks.push(c));
    raw.on('end', () => {
      const req: ReceivedRequest = {
        method: raw.method ?? '',
        url: raw.url ?? '',
        headers: raw.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      const entry = closeEntry(requests.push(req) - 1);
      res.on('close', () => entry.resolve({ finished: res.writableFinished }));
      Promise.resolve(route(req, res, raw)).catch((err: unknown) => {
        if (!res.headersSent) res.writeHead(500);
        res.end(String(err));
      });
    });
  });
  // Node advertises `Keep-Alive: timeout=<floor(s)>`; undici closes sockets
  // whose advertised timeout is under its ~1 s threshold, so stay above it.
  // close() ends every connection anyway.
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    closed: (index) => closeEntry(index).promise,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Writes a ksqlDB-like JSON response; `contentType: null` sends none (FailureHandler). */
export function send(res: ServerResponse, status: number, body: string | Buffer, contentType: string | null = 'application/json'): void {
  const headers: Record<string, string> = {};
  if (contentType !== null) headers['content-type'] = contentType;
  headers['content-length'] = String(Buffer.byteLength(body));
  res.writeHead(status, headers);
  res.end(body);
}

/** Writes the pieces of a chunked body one by one, waiting for each to be flushed. */
export async function writeChunks(res: ServerResponse, pieces: readonly Buffer[]): Promise<void> {
  if (!res.headersSent) res.writeHead(200, { 'content-type': 'application/vnd.ksql.v1+json' });
  for (const piece of pieces) {
    if (piece.length === 0) continue;
    await new Promise<void>((resolve, reject) => res.write(piece, (err) => (err ? reject(err) : resolve())));
    await new Promise((resolve) => setImmediate(resolve));
  }
  res.end();
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
