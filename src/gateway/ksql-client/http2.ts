/**
 * The client's HTTP/2 connection to one ksqlDB server, for the endpoints
 * ksqlDB serves over HTTP/2 (`/query-stream`, `/inserts-stream`,
 * `/close-query`): every push query is a stream of ONE connection instead
 * of a socket of its own.
 *
 * - `http:` uses h2c with prior knowledge (undici's `H2CClient`), as
 *   ksqlDB's Java client does; `https:` negotiates `h2` by ALPN (an undici
 *   `Client` with `allowH2`, with the client's TLS options).
 * - undici's `Client` is one connection: it is shared by all streams, and
 *   reconnected on the next request once it has closed (GOAWAY, reset).
 * - Flow control: the query stream's `pause()` pauses the HTTP/2 stream,
 *   so a consumer that is behind stops WINDOW_UPDATEs for that stream only.
 * - Support is detected once per server by a `GET /info` over HTTP/2: a
 *   server that speaks only HTTP/1.1 fails the preface (or, over TLS, picks
 *   `http/1.1` by ALPN), and the answer is remembered. A connection that
 *   could not be made at all (refused, DNS, timeout) says nothing about
 *   HTTP/2 and is asked again next time. A 404 on `/query-stream` later
 *   also means no (see `markUnsupported`).
 *
 * @module
 */
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls';
import { Client, H2CClient, type Dispatcher } from 'undici';
import type { buildConnector } from 'undici';

export interface Http2UpstreamOptions {
  /** The server's origin (`http://host:port` or `https://…`). */
  readonly origin: string;
  /** Path prefix of the server (`''` for none). */
  readonly basePath: string;
  /** TLS options for `https:` (the client's `tlsConnectOptions`). */
  readonly tls?: buildConnector.BuildOptions | undefined;
  /**
   * Concurrent streams allowed on the connection (the server's SETTINGS may
   * lower it): push queries are open-ended, so past this they would wait.
   * @default 10000
   */
  readonly maxStreams?: number | undefined;
  /**
   * Budget of the support probe, in ms.
   * @default 5000 (ms)
   */
  readonly probeTimeoutMs?: number | undefined;
}

/** Error codes of a connection that was never made: no answer about HTTP/2. */
const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_CONNECT_TIMEOUT']);

function unreachable(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && UNREACHABLE.has(code)) return true;
    if (e instanceof AggregateError && e.errors.some(unreachable)) return true;
  }
  return false;
}

export class Http2Upstream {
  readonly #opts: Http2UpstreamOptions;
  #client: Dispatcher | undefined;
  /** true/false once known; a pending probe while asked. */
  #supported: boolean | Promise<boolean> | undefined;
  #closed = false;

  constructor(options: Http2UpstreamOptions) {
    this.#opts = options;
  }

  /** The shared HTTP/2 connection (created on first use). */
  get dispatcher(): Dispatcher {
    if (this.#client === undefined) {
      const { origin, tls, maxStreams = 10_000 } = this.#opts;
      const common = { maxConcurrentStreams: maxStreams, pipelining: maxStreams, keepAliveTimeout: 10_000 };
      this.#client = origin.startsWith('https:')
        ? new Client(origin, { ...common, allowH2: true, ...(tls === undefined ? {} : { connect: tls }) })
        : new H2CClient(origin, common);
    }
    return this.#client;
  }

  /** Known support without waiting: undefined while not asked or being asked. */
  get known(): boolean | undefined {
    return typeof this.#supported === 'boolean' ? this.#supported : undefined;
  }

  /** Whether the server speaks HTTP/2; asks once. */
  supported(): Promise<boolean> {
    if (this.#closed) return Promise.resolve(false);
    if (typeof this.#supported === 'boolean') return Promise.resolve(this.#supported);
    this.#supported ??= this.#probe().then(
      (yes) => {
        this.#supported = yes;
        if (!yes) this.#dropClient();
        return yes;
      },
      (err: unknown) => {
        // Nothing learned: ask again next time.
        this.#supported = unreachable(err) ? undefined : false;
        this.#dropClient();
        return false;
      },
    );
    return this.#supported;
  }

  /** The server answered an HTTP/2 endpoint with 404 (a proxy without it, say): use HTTP/1.1 from now on. */
  markUnsupported(): void {
    this.#supported = false;
  }

  /** A connection that failed the preface is of no further use. */
  #dropClient(): void {
    const client = this.#client;
    this.#client = undefined;
    if (client !== undefined) void client.destroy().catch(() => {});
  }

  async close(): Promise<void> {
    this.#closed = true;
    const client = this.#client;
    this.#client = undefined;
    // The client has already ended its streams; a probe still waiting is cut, not awaited.
    if (client !== undefined) await client.destroy().catch(() => {});
  }

  async #probe(): Promise<boolean> {
    const { origin, basePath, probeTimeoutMs = 5_000 } = this.#opts;
    // Over TLS, ask ALPN first: an undici Client that fell back to HTTP/1.1
    // would serialise every push query on its one connection.
    if (origin.startsWith('https:') && !(await this.#alpnH2(probeTimeoutMs))) return false;
    // Closed while asking: open no connection that nobody would close.
    if (this.#closed) return false;
    const signal = AbortSignal.timeout(probeTimeoutMs);
    const response = await this.dispatcher.request({
      origin,
      path: `${basePath}/info`,
      method: 'GET',
      headers: { accept: 'application/json' },
      signal,
      headersTimeout: probeTimeoutMs,
      bodyTimeout: probeTimeoutMs,
    });
    // Any HTTP/2 answer (even 401) says the server speaks it; the body is not needed.
    await response.body.dump({ limit: 64 * 1024 });
    return true;
  }

  #alpnH2(timeoutMs: number): Promise<boolean> {
    const url = new URL(this.#opts.origin);
    const tls = (this.#opts.tls ?? {}) as ConnectionOptions;
    return new Promise<boolean>((resolve, reject) => {
      const socket = tlsConnect({
        ...tls,
        host: url.hostname.replace(/^\[|\]$/g, ''),
        port: Number(url.port || 443),
        servername: tls.servername ?? (/^[\d.]+$|:/.test(url.hostname) ? undefined : url.hostname),
        ALPNProtocols: ['h2', 'http/1.1'],
      } as ConnectionOptions);
      const timer = setTimeout(() => socket.destroy(Object.assign(new Error('ALPN probe timed out'), { code: 'UND_ERR_CONNECT_TIMEOUT' })), timeoutMs);
      timer.unref();
      socket.once('secureConnect', () => {
        clearTimeout(timer);
        const h2 = socket.alpnProtocol === 'h2';
        socket.end();
        resolve(h2);
      });
      socket.once('error', (err: Error) => {
        clearTimeout(timer);
        reject(err);
      });
    });
  }
}
