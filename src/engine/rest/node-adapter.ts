/**
 * Binds a fetch handler to node:http and to node:http2's compatibility API
 * (the same request/response members; HTTP/2 pseudo-headers are not passed
 * on). The handler learns the protocol through {@link ConnectionInfo}.
 * Request bodies are read whole, bounded in bytes, except `/inserts-stream`,
 * whose body is handed on as a stream: its acks answer rows while the client
 * is still sending. Streams response bodies with
 * backpressure (waits for `drain`) and, when the client goes away before the
 * response is done, aborts the request signal and cancels the body stream,
 * so a push query's iterator `return()` runs and the query is deregistered
 * at once.
 *
 * @module
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Http2ServerRequest, Http2ServerResponse } from 'node:http2';
import { Readable } from 'node:stream';
import type { Logger } from '../../shared/logger.js';
import type { FetchHandler } from './handler.js';
import { drainOrClose } from '../../shared/drain.js';

export interface NodeAdapterOptions {
  /**
   * Largest request body accepted.
   * @default 16777216 (bytes, 16 MiB)
   */
  readonly maxBodyBytes?: number | undefined;
  readonly logger?: Logger | undefined;
}

export type NodeListener = (req: IncomingMessage | Http2ServerRequest, res: ServerResponse | Http2ServerResponse) => void;

/** Paths whose request body the handler reads as a stream. */
const STREAMED_BODY_PATHS = new Set(['/inserts-stream', '/inserts-stream/']);

async function readBody(req: IncomingMessage | Http2ServerRequest, max: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const b = chunk as Buffer;
    size += b.length;
    if (size > max) throw new Error(`Request body larger than ${max} bytes`);
    chunks.push(b);
  }
  return Buffer.concat(chunks);
}

function toHeaders(req: IncomingMessage | Http2ServerRequest): Headers {
  const h = new Headers();
  for (const [k, v] of Object.entries(req.headers)) {
    // HTTP/2 pseudo-headers (`:path`, ...) are not header names for fetch.
    if (v === undefined || k.startsWith(':')) continue;
    if (Array.isArray(v)) for (const x of v) h.append(k, x);
    else h.set(k, v);
  }
  return h;
}

export function toNodeListener(handler: FetchHandler, options: NodeAdapterOptions = {}): NodeListener {
  const { maxBodyBytes = 16 * 1024 * 1024, logger } = options;
  return (req, res) => {
    const controller = new AbortController();
    let responded = false;
    res.on('close', () => {
      if (!res.writableFinished || !responded) controller.abort();
    });

    void (async () => {
      let response: Response;
      try {
        const method = req.method ?? 'GET';
        const authority = req.headers.host ?? (req.headers as Record<string, string | string[] | undefined>)[':authority'];
        const url = new URL(req.url ?? '/', `http://${typeof authority === 'string' ? authority : 'localhost'}`);
        const httpVersion = req.httpVersionMajor === 2 ? '2' : '1.1';
        const init: RequestInit & { duplex?: 'half' } = { method, headers: toHeaders(req), signal: controller.signal };
        if (method !== 'GET' && method !== 'HEAD') {
          if (method === 'POST' && STREAMED_BODY_PATHS.has(url.pathname)) {
            // The handler bounds what it reads (per line); a fetch body stream needs duplex 'half'.
            init.body = Readable.toWeb(req) as ReadableStream<Uint8Array>;
            init.duplex = 'half';
          } else {
            init.body = Uint8Array.from(await readBody(req, maxBodyBytes));
          }
        }
        response = await handler(new Request(url, init), { httpVersion });
      } catch (err) {
        logger?.error('request failed', err);
        if (!res.headersSent) {
          res.writeHead(500, { 'content-type': 'application/json' });
          res.end('{"@type":"generic_error","error_code":50000,"message":"The server encountered an internal error when processing the query. Please consult the server logs for more information."}');
        }
        return;
      }

      const headers: Record<string, string> = {};
      response.headers.forEach((v, k) => {
        headers[k] = v;
      });
      res.writeHead(response.status, headers);
      const stream = response.body;
      if (stream === null) {
        responded = true;
        res.end();
        return;
      }
      (res as ServerResponse).flushHeaders();
      const reader = stream.getReader();
      const onClose = () => {
        if (!res.writableFinished) void reader.cancel().catch(() => {});
      };
      res.on('close', onClose);
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          if (res.destroyed) break;
          if (!(res as ServerResponse).write(value)) await drainOrClose(res);
          // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- the client can go away during the await; TS keeps the narrowing from before it
          if (res.destroyed) break;
        }
        responded = true;
        if (!res.destroyed) res.end();
      } catch (err) {
        logger?.error('response stream failed', err);
        res.destroy();
      } finally {
        res.off('close', onClose);
        if (res.destroyed) void reader.cancel().catch(() => {});
        reader.releaseLock();
      }
    })();
  };
}
