/**
 * Starts the engine's REST server on node:http (loopback, port 0 by
 * default) for the CLI and tests, or on node:https with `tls`, as ksqlDB
 * serves HTTPS (`listeners=https://...`, `ssl.*`), optionally requiring
 * client certificates (`ssl.client.authentication=REQUIRED`). Both serve the
 * same fetch handler through the same node binding.
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
import { createServer, type Server } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
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
  // Both are net.Servers with the same connection handling: everything
  // below (listen, close*Connections, keepAliveTimeout) works on either.
  let server: Server | HttpsServer;
  if (tls === undefined) {
    server = createServer(listener);
  } else {
    const { cert, key, ca, requestCert = ca !== undefined } = tls;
    server = createHttpsServer(
      {
        cert,
        key,
        ...(ca === undefined ? {} : { ca: Array.isArray(ca) ? [...(ca as readonly Pem[])] : (ca as Pem) }),
        requestCert,
        rejectUnauthorized: requestCert,
      },
      listener,
    );
    // A refused handshake never reaches the handler; say why at debug (it is the client's problem).
    server.on('tlsClientError', (err: Error & { code?: string }) => {
      logger.debug(`TLS handshake refused: ${err.code ?? err.message}`);
    });
  }
  server.keepAliveTimeout = 5_000;

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
        server.closeIdleConnections();
        if (ownsEngine) await engine.close();
        // Give streaming responses a moment to write their last bytes, then cut what is left.
        await new Promise((r) => setTimeout(r, 10));
        server.closeAllConnections();
        await stopped;
      })();
      return closing;
    },
  };
}
