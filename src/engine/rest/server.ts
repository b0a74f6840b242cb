/**
 * Starts the engine's REST server on node:http (loopback, port 0 by
 * default) for the CLI and tests.
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
}

export interface EngineServer {
  /** `http://host:port`, no trailing slash. */
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
  const server: Server = createServer(toNodeListener(fetch, { logger }));
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
    url: `http://${urlHost}:${address.port}`,
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
