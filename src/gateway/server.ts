/**
 * The gateway's composition root: yoga (HTTP and SSE), the graphql-ws
 * binding, the plugins (context, error translation, masking, health,
 * readiness, schema slot) and the resolvers over one `KsqlClient`.
 *
 * @example
 * ```ts
 * const gateway = buildGateway({ client: createKsqlClient({ baseUrl }) });
 * const { url } = await gateway.listen(4000, '127.0.0.1');
 * // ...
 * await gateway.close();
 * ```
 *
 * @module
 */
import {
  createServer,
  type IncomingMessage,
  type Server as HttpServer,
  type RequestListener,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { assertValidSchema, type GraphQLError, type GraphQLSchema } from 'graphql';
import { createYoga, type GraphiQLOptions, type Plugin, type YogaServerInstance } from 'graphql-yoga';
import { renderGraphiQL } from '@graphql-yoga/render-graphiql';
import type { GatewayContext } from './context.js';
import { maskError } from './errors/index.js';
import type { KsqlClient } from './ksql-client/types.js';
import {
  createSchemaSlot,
  useErrorTranslation,
  useKsqlContext,
  useKsqlReadiness,
} from './plugins/index.js';
import { createResolvers, PushQueryHub, SubscriptionRegistry } from './resolvers/index.js';
import { makeGatewaySchema, type SchemaPart } from './schema/index.js';
import { useGraphQLWs, type GraphQLWsTransport } from './transport/index.js';
import {
  DEFAULT_EXCLUDED_SOURCES,
  SourceSubscriptions,
  TypedSchemaManager,
  buildTypedPart,
  sourceFilter,
  type Catalog,
  makeSubgraphSchema,
  type TypedSchemaOptions,
} from './typed/index.js';
import { createLogger, silentLogger, type Logger, type LogLevel } from '../shared/logger.js';

/** GraphiQL settings; the page and all its assets are served by the gateway itself (no CDN). */
export interface GatewayGraphiQLOptions {
  /**
   * The page title.
   * @default 'ksqlDB GraphQL gateway'
   */
  readonly title?: string | undefined;
  /** The query shown in a new tab. */
  readonly defaultQuery?: string | undefined;
  /**
   * How GraphiQL runs subscriptions: GraphQL over SSE (distinct connections,
   * works with `fetch` alone) or graphql-ws (needs {@link Gateway.listen}).
   * @default 'SSE'
   */
  readonly subscriptionsProtocol?: 'SSE' | 'WS' | undefined;
}

export interface GatewayOptions {
  /** The ksqlDB client every resolver calls. */
  readonly client: KsqlClient;
  /**
   * Close {@link client} at the end of {@link Gateway.close} (after the
   * subscriptions' `/close-query` calls). Set false when the client is shared.
   * @default true
   */
  readonly closeClient?: boolean | undefined;
  /**
   * The GraphQL path, for HTTP, SSE and graphql-ws alike.
   * @default '/graphql'
   */
  readonly graphqlEndpoint?: string | undefined;
  /**
   * GraphiQL on `GET {graphqlEndpoint}` with `Accept: text/html`.
   * @default true
   */
  readonly graphiql?: boolean | GatewayGraphiQLOptions | undefined;
  /**
   * Where the gateway (and yoga) log: a logger, a level for the default
   * stderr logger, `true` (= 'info') or `false` (nothing). Unexpected errors
   * are logged at `error` with their stack; expected ksqlDB errors are not.
   * @default 'info' on stderr
   */
  readonly logger?: Logger | LogLevel | boolean | undefined;
  /**
   * Replace unexpected errors by "Unexpected error." (`INTERNAL_SERVER_ERROR`).
   * Turn off only while developing: messages and internals then reach clients.
   * @default true
   */
  readonly maskedErrors?: boolean | undefined;
  /**
   * Liveness path (always 200 while serving).
   * @default '/health'
   */
  readonly healthEndpoint?: string | undefined;
  /**
   * Readiness path (200 when ksqlDB is reachable and healthy, else 503).
   * @default '/readiness'
   */
  readonly readinessEndpoint?: string | undefined;
  /**
   * How long the readiness check waits for ksqlDB.
   * @default 2000 (ms)
   */
  readonly readinessTimeoutMs?: number | undefined;
  /**
   * graphql-ws ping interval (and pong deadline). 0 disables.
   * @default 12000 (ms)
   */
  readonly keepAliveMs?: number | undefined;
  /**
   * How long a graphql-ws client may take to send `connection_init`.
   * @default 3000 (ms)
   */
  readonly connectionInitWaitTimeoutMs?: number | undefined;
  /**
   * Timeout of the best-effort `/close-query` after a subscription ends early.
   * @default 5000 (ms)
   */
  readonly closeQueryTimeoutMs?: number | undefined;
  /**
   * Share one upstream `/query` among the subscribers of the same unbounded
   * push query (same SQL, properties and `Authorization`); LIMIT queries are
   * never shared.
   * @default true
   */
  readonly sharePushQueries?: boolean | undefined;
  /**
   * Events one subscriber of a shared push query may have waiting before it
   * alone is ended with `SUBSCRIBER_TOO_SLOW`.
   * @default 1000
   */
  readonly subscriberBufferSize?: number | undefined;
  /**
   * How long {@link Gateway.close} waits for subscriptions to end and
   * connections to drain before cutting them.
   * @default 5000 (ms)
   */
  readonly shutdownTimeoutMs?: number | undefined;
  /** Further schema parts merged on top of the generic API and the typed schema. */
  readonly schemaParts?: readonly SchemaPart[] | undefined;
  /**
   * The typed schema: one type and root fields per ksqlDB stream or table,
   * read from the catalog in the background and kept in step with it
   * (see docs/typed-schema.md). `false` serves the generic API only.
   * @default true
   */
  readonly typedSchema?: boolean | TypedSchemaOptions | undefined;
  /**
   * Serve as an Apollo Federation v2 subgraph: materialized, unwindowed
   * tables become entities keyed by their primary key, with `_service` and
   * `_entities` (see docs/federation.md). Needs the typed schema.
   * @default false
   */
  readonly federation?: boolean | undefined;
  /** Further yoga plugins, run after the gateway's context plugin and before error translation. */
  readonly plugins?: readonly Plugin[] | undefined;
}

export interface GatewayAddress {
  /** The GraphQL endpoint URL, e.g. `http://127.0.0.1:4000/graphql` (`ws:` for graphql-ws on the same path). */
  readonly url: string;
  readonly host: string;
  readonly port: number;
}

export interface Gateway {
  /** The yoga instance (for `yoga.fetch`, `yoga.getEnveloped`, ...). */
  readonly yoga: YogaServerInstance<Record<string, unknown>, GatewayContext>;
  /** WHATWG fetch handler: every HTTP feature without a socket (no graphql-ws). */
  readonly fetch: (input: string | URL | Request, init?: RequestInit) => Promise<Response>;
  /** Node `http` request listener (yoga); graphql-ws needs {@link listen}. */
  readonly handleNodeRequest: RequestListener;
  /** The schema served now. */
  readonly schema: GraphQLSchema;
  /**
   * Rebuilds the schema from the generic API plus `parts` and swaps it in
   * atomically. Throws (and keeps serving the old schema) if the result is
   * invalid. Operations already running keep the schema they started with.
   */
  setSchemaParts(parts: readonly SchemaPart[]): GraphQLSchema;
  /** The typed schema's manager (refresh, state, change events); undefined when turned off. */
  readonly typedSchema: TypedSchemaManager | undefined;
  /** The HTTP server, once {@link listen} has been called. */
  readonly server: HttpServer | undefined;
  /**
   * Serves HTTP, SSE and graphql-ws on one port.
   * @param port default 0 (any free port)
   * @param host default '127.0.0.1'
   */
  listen(port?: number, host?: string): Promise<GatewayAddress>;
  /**
   * Ends every subscription (closing its upstream query), closes the
   * graphql-ws server and the HTTP server, and the client if `closeClient`.
   * Idempotent.
   */
  close(): Promise<void>;
}

function resolveLogger(logging: GatewayOptions['logger']): Logger {
  if (logging === undefined || logging === true) return createLogger('info');
  if (logging === false) return silentLogger;
  if (typeof logging === 'string') return createLogger(logging);
  return logging;
}

/** renderGraphiQL inlines ~9 MB of assets; render each distinct page once. */
function cachedGraphiQL(): (options: GraphiQLOptions) => string {
  const pages = new Map<string, string>();
  return (options) => {
    const key = JSON.stringify(options);
    let page = pages.get(key);
    if (page === undefined) {
      page = renderGraphiQL(options);
      pages.set(key, page);
    }
    return page;
  };
}

/**
 * Coalesces the writes a streamed response makes within one macrotask into
 * one socket write: the socket is corked at the first write and uncorked by
 * setImmediate (Node's own per-write cork lasts only until process.nextTick,
 * and yoga's SSE processor writes two chunks per event, so every row would
 * otherwise cost a write(2)). Backpressure is unchanged: `write()` still
 * returns false past the high-water mark and 'drain' follows the uncork.
 */
function batchStreamedWrites(res: ServerResponse): void {
  const write = res.write;
  let corked = false;
  const uncork = () => {
    corked = false;
    res.uncork();
  };
  res.write = function (this: ServerResponse, ...args: Parameters<ServerResponse['write']>) {
    if (!corked && !res.writableEnded && !res.destroyed) {
      corked = true;
      res.cork();
      setImmediate(uncork);
    }
    return (write as (...a: unknown[]) => boolean).apply(this, args);
  } as ServerResponse['write'];
}

function isEventStream(req: IncomingMessage): boolean {
  const accept = req.headers.accept;
  return accept !== undefined && accept.includes('text/event-stream');
}

function formatHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

export function buildGateway(options: GatewayOptions): Gateway {
  const {
    client,
    closeClient = true,
    graphqlEndpoint = '/graphql',
    graphiql = true,
    logger: logging,
    maskedErrors = true,
    healthEndpoint = '/health',
    readinessEndpoint = '/readiness',
    readinessTimeoutMs = 2_000,
    keepAliveMs = 12_000,
    connectionInitWaitTimeoutMs = 3_000,
    closeQueryTimeoutMs = 5_000,
    sharePushQueries = true,
    subscriberBufferSize,
    shutdownTimeoutMs = 5_000,
    schemaParts = [],
    plugins = [],
    typedSchema = true,
    federation = false,
  } = options;

  const logger = resolveLogger(logging);
  const registry = new SubscriptionRegistry();
  const hub = sharePushQueries
    ? new PushQueryHub({ registry, logger, closeQueryTimeoutMs, subscriberBufferSize })
    : undefined;
  const typedOptions: TypedSchemaOptions | undefined =
    typedSchema === false ? undefined : typedSchema === true ? {} : typedSchema;
  let manager: TypedSchemaManager | undefined;
  const resolvers = createResolvers({
    registry,
    logger,
    closeQueryTimeoutMs,
    sharePushQueries,
    subscriberBufferSize,
    hub,
    schemaChanges: typedOptions ? () => (manager as TypedSchemaManager).changes() : undefined,
    afterCommand: typedOptions
      ? async () => {
          await manager?.refresh().catch((err: unknown) => logger.warn('typed schema: refresh after a command failed:', err));
        }
      : undefined,
  });
  const buildSchema = (parts: readonly SchemaPart[]) => {
    // Federation: the same schema plus `@key`, `_service` and `_entities` (typed/federation.ts).
    const schema = federation ? makeSubgraphSchema(resolvers, parts) : makeGatewaySchema(resolvers, parts);
    assertValidSchema(schema);
    return schema;
  };
  let userParts: readonly SchemaPart[] = schemaParts;
  let typedParts: readonly SchemaPart[] = [];
  const slot = createSchemaSlot(buildSchema(userParts));

  if (typedOptions) {
    const subscriptions = new SourceSubscriptions({
      registry,
      logger,
      closeQueryTimeoutMs,
      hub,
      sourceExists: (source) => (manager as TypedSchemaManager).sourceExists(source),
    });
    manager = new TypedSchemaManager({
      client,
      logger,
      build: (catalog: Catalog) => (catalog.sources.length === 0 ? [] : [buildTypedPart(catalog, { subscriptions })]),
      apply: (parts) => {
        // Typed parts go first: user parts may extend the generated types.
        slot.replace(buildSchema([...parts, ...userParts]));
        typedParts = parts;
      },
      onRemoved: (sources) => subscriptions.dropSources(sources),
      filter: sourceFilter(typedOptions.include ?? [], typedOptions.exclude ?? DEFAULT_EXCLUDED_SOURCES),
      refreshIntervalMs: typedOptions.refreshIntervalMs,
      retryInitialMs: typedOptions.retryInitialMs,
      retryMaxMs: typedOptions.retryMaxMs,
    });
  }

  const graphiqlOptions: GatewayGraphiQLOptions | false =
    graphiql === false ? false : graphiql === true ? {} : graphiql;

  const yoga = createYoga<Record<string, unknown>, GatewayContext>({
    graphqlEndpoint,
    healthCheckEndpoint: healthEndpoint,
    landingPage: false,
    logging: logger,
    maskedErrors: maskedErrors ? { maskError: (error, message) => maskError(error, message) } : false,
    graphiql: graphiqlOptions
      ? {
          title: graphiqlOptions.title ?? 'ksqlDB GraphQL gateway',
          subscriptionsProtocol: graphiqlOptions.subscriptionsProtocol ?? 'SSE',
          ...(graphiqlOptions.defaultQuery === undefined ? {} : { defaultQuery: graphiqlOptions.defaultQuery }),
        }
      : false,
    renderGraphiQL: cachedGraphiQL(),
    plugins: [
      slot.plugin,
      useKsqlContext({ client }),
      useKsqlReadiness({
        client,
        endpoint: readinessEndpoint,
        timeoutMs: readinessTimeoutMs,
        typedSchema: manager ? () => ({ ready: manager!.ready, version: manager!.current.version }) : undefined,
      }),
      ...plugins,
      useErrorTranslation(),
    ],
  });

  let server: HttpServer | undefined;
  let transport: GraphQLWsTransport | undefined;
  let closing: Promise<void> | undefined;
  let draining = false;
  const connections = new Map<Socket, { requests: number; upgraded: boolean }>();

  /**
   * Per-socket request counts, so that shutdown can drop idle keep-alive
   * sockets at once (Node's closeIdleConnections misses sockets that never
   * carried a request) and busy ones as soon as their response ends.
   */
  function trackConnections(httpServer: HttpServer): void {
    httpServer.on('connection', (socket: Socket) => {
      connections.set(socket, { requests: 0, upgraded: false });
      socket.once('close', () => connections.delete(socket));
    });
    httpServer.on('upgrade', (req: IncomingMessage) => {
      const state = connections.get(req.socket as Socket);
      if (state) state.upgraded = true;
    });
    httpServer.on('request', (req: IncomingMessage, res: ServerResponse) => {
      const socket = req.socket as Socket;
      const state = connections.get(socket);
      if (!state) return;
      state.requests++;
      res.once('close', () => {
        state.requests--;
        if (draining && state.requests === 0) socket.destroy();
      });
    });
  }

  const fetch = (input: string | URL | Request, init?: RequestInit): Promise<Response> =>
    Promise.resolve(yoga.fetch(input as never, init as never) as Response | Promise<Response>);

  async function listen(port = 0, host = '127.0.0.1'): Promise<GatewayAddress> {
    if (closing) throw new Error('The gateway is closed');
    if (server) throw new Error('The gateway is already listening');
    const httpServer = createServer((req, res) => {
      if (isEventStream(req)) batchStreamedWrites(res);
      return (yoga as unknown as RequestListener)(req, res);
    });
    server = httpServer;
    trackConnections(httpServer);
    transport = useGraphQLWs({
      server: httpServer,
      yoga: yoga as never,
      path: graphqlEndpoint,
      keepAliveMs,
      connectionInitWaitTimeoutMs,
      formatError: (error: GraphQLError) => (maskedErrors ? (maskError(error) as GraphQLError) : error).toJSON(),
    });
    await new Promise<void>((resolve, reject) => {
      httpServer.once('error', reject);
      httpServer.listen(port, host, () => {
        httpServer.off('error', reject);
        resolve();
      });
    });
    const address = httpServer.address() as AddressInfo;
    const url = `http://${formatHost(host)}:${address.port}${graphqlEndpoint}`;
    logger.info(`GraphQL gateway listening on ${url}`);
    return { url, host, port: address.port };
  }

  async function shutdown(): Promise<void> {
    manager?.close();
    // 1. End every subscription: SSE responses complete, upstream queries close.
    await registry.closeAll(shutdownTimeoutMs);
    // 2. Let graphql-ws send their `complete`, then close its sockets (1001) and server.
    if (transport) await transport.dispose(shutdownTimeoutMs).catch((err: unknown) => logger.debug('ws dispose:', err));
    // 3. Stop the HTTP server: idle keep-alive connections go at once, busy
    //    ones when their response ends, the rest after shutdownTimeoutMs.
    const httpServer = server;
    if (httpServer?.listening) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => httpServer.closeAllConnections(), shutdownTimeoutMs);
        timer.unref();
        httpServer.close(() => {
          clearTimeout(timer);
          resolve();
        });
        draining = true;
        for (const [socket, state] of connections) {
          if (state.requests === 0 && !state.upgraded) socket.destroy();
        }
      });
    }
    await yoga.dispose();
    if (closeClient) await client.close();
  }

  manager?.start();

  return {
    yoga,
    fetch,
    handleNodeRequest: yoga as unknown as RequestListener,
    get schema() {
      return slot.current;
    },
    setSchemaParts(parts) {
      const schema = buildSchema([...typedParts, ...parts]);
      slot.replace(schema);
      userParts = parts;
      return schema;
    },
    typedSchema: manager,
    get server() {
      return server;
    },
    listen,
    close() {
      closing ??= shutdown();
      return closing;
    },
  };
}
