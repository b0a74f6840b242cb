/**
 * Starts the engine's REST server (loopback, port 0 by default) for the CLI
 * and tests. Like ksqlDB (Vert.x), one port speaks HTTP/1.1 and HTTP/2:
 *
 * - cleartext: a `net` server reads the first bytes of each connection; the
 *   HTTP/2 connection preface (`PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n`, h2c with
 *   prior knowledge) hands the socket to a node:http2 server, anything else
 *   to the node:http server (`server.emit('connection', socket)`, the
 *   documented way to give a server a socket it did not accept). Node's
 *   `allowHTTP1` only does this over TLS.
 * - `tls`: `http2.createSecureServer({ allowHTTP1: true })`, which offers
 *   `h2` and `http/1.1` by ALPN, as ksqlDB serves HTTPS
 *   (`listeners=https://...`, `ssl.*`), optionally requiring client
 *   certificates (`ssl.client.authentication=REQUIRED`).
 *
 * Every protocol serves the same fetch handler through the same node binding.
 *
 * @example
 * ```ts
 * const server = await startEngineServer();
 * await fetch(`${server.url}/info`);
 * await server.close();
 * ```
 *
 * @module
 */
import { createServer as createHttp1Server } from 'node:http';
import { createSecureServer, createServer as createHttp2Server, type Http2Session } from 'node:http2';
import { createServer as createNetServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { silentLogger, type Logger } from '../../shared/logger.js';
import { createEngine, type Engine, type EngineOptions } from '../index.js';
import { createHandler, type FetchHandler } from './handler.js';
import { toNodeListener } from './node-adapter.js';

export interface EngineServerOptions {
  /** Serve this engine (the caller keeps ownership: `close()` leaves it open). */
  readonly engine?: Engine | undefined;
  /** Options for the engine created when `engine` is not given. */
  readonly engineOptions?: EngineOptions | undefined;
  /** Shorthand for `engineOptions.properties`. */
  readonly properties?: Readonly<Record<string, string | number | boolean>> | undefined;
  /**
   * Interface to listen on.
   * @default '127.0.0.1'
   */
  readonly host?: string | undefined;
  /**
   * Port; 0 picks a free one.
   * @default 0
   */
  readonly port?: number | undefined;
  /** @default a silent logger */
  readonly logger?: Logger | undefined;
  /**
   * Serve HTTPS with this certificate and key instead of HTTP.
   * @default none (HTTP)
   */
  readonly tls?: EngineServerTlsOptions | undefined;
}

/** PEM text or its bytes. */
type Pem = string | Buffer;

export interface EngineServerTlsOptions {
  /** The server's certificate (PEM, optionally followed by its intermediates). */
  readonly cert: Pem;
  /** Its private key (PEM, unencrypted). */
  readonly key: Pem;
  /**
   * Certificate authorities (PEM) that sign the client certificates
   * accepted when `requestCert` is on.
   * @default Node's root certificates
   */
  readonly ca?: Pem | readonly Pem[] | undefined;
  /**
   * Require a client certificate signed by `ca` on every connection and
   * refuse the handshake without one (mutual TLS, as ksqlDB's
   * `ssl.client.authentication=REQUIRED`). There is no optional mode:
   * a certificate asked for is a certificate checked.
   * @default true when `ca` is given, else false
   */
  readonly requestCert?: boolean | undefined;
}

export interface EngineServer {
  /** `http://host:port` (`https://` with `tls`), no trailing slash. */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  readonly engine: Engine;
  /** The fetch handler, for in-process use without a socket. */
  readonly fetch: FetchHandler;
  /** Ends open responses, stops listening, and closes the engine if this server created it. */
  close(): Promise<void>;
  /**
   * Test seam: calls `listener` for every TCP connection accepted from now
   * on (e.g. to count the connections of a client); returns the remover.
   */
  onConnection(listener: (socket: Socket) => void): () => void;
}

/** How long a new connection may stay silent before its protocol is known. */
const SNIFF_TIMEOUT_MS = 60_000;

/** The HTTP/2 client connection preface (RFC 9113 §3.4). */
const H2_PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');

/**
 * Reads a connection's first bytes until they either are the HTTP/2 preface
 * or cannot be, then puts them back (`unshift`) and hands the socket on.
 * At most the preface's 24 bytes are held.
 */
function sniffPreface(socket: Socket, route: (h2: boolean) => void): void {
  let head: Buffer = Buffer.alloc(0);
  const done = (h2: boolean) => {
    socket.off('data', onData);
    socket.off('end', onEnd);
    socket.off('error', onError);
    socket.setTimeout(0);
    socket.pause();
    if (head.length > 0) socket.unshift(head);
    route(h2);
  };
  const onData = (chunk: Buffer) => {
    head = head.length === 0 ? chunk : Buffer.concat([head, chunk]);
    const n = Math.min(head.length, H2_PREFACE.length);
    if (!head.subarray(0, n).equals(H2_PREFACE.subarray(0, n))) done(false);
    else if (n === H2_PREFACE.length) done(true);
  };
  // A connection that ends before it said anything: HTTP/1.1 closes it politely.
  const onEnd = () => done(false);
  // No server owns the socket yet: without a listener a reset would be an uncaught error.
  const onError = () => socket.destroy();
  socket.on('data', onData);
  socket.on('end', onEnd);
  socket.on('error', onError);
  // A connection that never says anything is not kept (node:http's headersTimeout starts only once it has it).
  socket.setTimeout(SNIFF_TIMEOUT_MS, () => socket.destroy());
}

export async function startEngineServer(options: EngineServerOptions = {}): Promise<EngineServer> {
  const { host = '127.0.0.1', port = 0, logger = silentLogger } = options;
  const ownsEngine = options.engine === undefined;
  const engine =
    options.engine ??
    createEngine({
      ...options.engineOptions,
      properties: { ...options.engineOptions?.properties, ...options.properties },
      logger: options.engineOptions?.logger ?? logger,
    });
  const fetch = createHandler({ engine, logger });
  const listener = toNodeListener(fetch, { logger });
  const { tls } = options;
  const sockets = new Set<Socket>();
  const sessions = new Set<Http2Session>();
  const connectionListeners = new Set<(socket: Socket) => void>();
  const track = (socket: Socket) => {
    // Responses are written in several small pieces (a header, rows, the end):
    // with Nagle's algorithm on, each piece after the first waits for the
    // client's delayed ACK, about 40 ms per pull query on a kept-alive connection.
    socket.setNoDelay(true);
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    for (const l of connectionListeners) l(socket);
  };
  const trackSession = (session: Http2Session) => {
    sessions.add(session);
    session.once('close', () => sessions.delete(session));
  };

  let server: Server;
  let http1: ReturnType<typeof createHttp1Server> | undefined;
  if (tls === undefined) {
    http1 = createHttp1Server(listener);
    http1.keepAliveTimeout = 5_000;
    const h1 = http1;
    const h2 = createHttp2Server({}, listener);
    h2.on('session', trackSession);
    server = createNetServer((socket) => {
      track(socket);
      sniffPreface(socket, (isH2) => {
        if (isH2) {
          // node:http2 takes the bytes put back on the socket as its first input.
          h2.emit('connection', socket);
          return;
        }
        h1.emit('connection', socket);
        // node:http reads through 'data' events; the socket was paused for the sniffing.
        socket.resume();
      });
    });
  } else {
    const { cert, key, ca, requestCert = ca !== undefined } = tls;
    const secure = createSecureServer(
      {
        cert,
        key,
        ...(ca === undefined ? {} : { ca: Array.isArray(ca) ? [...(ca as readonly Pem[])] : (ca as Pem) }),
        requestCert,
        rejectUnauthorized: requestCert,
        // ALPN offers h2 and http/1.1; HTTP/1.1 requests get node:http's request and response.
        allowHTTP1: true,
      },
      listener,
    );
    secure.on('session', trackSession);
    secure.on('connection', (socket: Socket) => track(socket));
    // A refused handshake never reaches the handler; say why at debug (it is the client's problem).
    secure.on('tlsClientError', (err: Error & { code?: string }) => {
      logger.debug(`TLS handshake refused: ${err.code ?? err.message}`);
    });
    server = secure;
  }

  await new Promise<void>((resolve, reject) => {
    const onError = (err: Error) => {
      server.off('listening', onListening);
      reject(err);
    };
    const onListening = () => {
      server.off('error', onError);
      resolve();
    };
    server.once('error', onError);
    server.once('listening', onListening);
    server.listen(port, host);
  });
  const address = server.address() as AddressInfo;
  const urlHost = address.family === 'IPv6' || host.includes(':') ? `[${address.address}]` : address.address;
  let closing: Promise<void> | undefined;

  return {
    url: `${tls === undefined ? 'http' : 'https'}://${urlHost}:${address.port}`,
    host: address.address,
    port: address.port,
    engine,
    fetch,
    close() {
      closing ??= (async () => {
        const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
        http1?.closeIdleConnections();
        // GOAWAY: no new streams; the open ones end with the engine below.
        for (const session of sessions) session.close();
        if (ownsEngine) await engine.close();
        // Give streaming responses a moment to write their last bytes, then cut what is left.
        await new Promise((r) => setTimeout(r, 10));
        http1?.closeAllConnections();
        for (const session of sessions) session.destroy();
        for (const socket of sockets) socket.destroy();
        await stopped;
      })();
      return closing;
    },
    onConnection(listener) {
      connectionListeners.add(listener);
      return () => connectionListeners.delete(listener);
    },
  };
}
