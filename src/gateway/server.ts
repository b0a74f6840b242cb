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
import type { Registry } from 'prom-client';
import type { GatewayContext } from './context.js';
import { maskError } from './errors/index.js';
import { observeClient } from './ksql-client/observe.js';
import type { KsqlClient, KsqlServerState } from './ksql-client/types.js';
import {
  ADMIN_SECRET_HEADER,
  corsOptionsFor,
  CSRF_HEADERS,
  createAdminPolicy,
  createMetrics,
  createPersistedDocuments,
  createSchemaSlot,
  createShutdown,
  createSubscriptionCaps,
  createTracing,
  defaultAdminPolicy,
  DEFAULT_OPERATION_LIMITS,
  useErrorTranslation,
  useHttpEdge,
  useKsqlContext,
  useKsqlReadiness,
  useOperationLimits,
  useOperationLog,
  useSchemaReadiness,
  type AdminApiPolicy,
  type Metrics,
  type MetricsOptions,
  type OperationLimits,
  type TracingOptions,
} from './plugins/index.js';
import { createSharedSubscriptions, useCompiledProjection, type SharedSubscriptionsOptions } from './execution/index.js';
import { createResolvers, PushQueryHub, SubscriptionRegistry } from './resolvers/index.js';
import { makeGatewaySchema, type SchemaPart } from './schema/index.js';
import { useBatchedSse, useGraphQLWs, type GraphQLWsTransport, type UpgradeRefusal } from './transport/index.js';
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
import { BUILT_IN_CURSOR_KEY, createCursorCodec } from './resume/index.js';
import { createLogger, silentLogger, type Logger, type LogLevel } from '../shared/logger.js';
import { hostHeaderName, hostMatches, isLoopbackHost, LOOPBACK_HOST_NAMES } from '../shared/net.js';

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

/** Limits on operations, requests and subscriptions (docs/security.md); 0 turns one off. */
export interface GatewayLimits extends OperationLimits {
  /**
   * Largest HTTP request body and graphql-ws message.
   * @default 1048576 (bytes)
   */
  readonly maxRequestBytes?: number | undefined;
  /**
   * Calls to ksqlDB one operation may make.
   * @default 10
   */
  readonly maxUpstreamCalls?: number | undefined;
  /**
   * Subscriptions running in the process at once.
   * @default 10000
   */
  readonly maxSubscriptions?: number | undefined;
  /**
   * Subscriptions running on one connection (graphql-ws socket) at once.
   * @default 100
   */
  readonly maxSubscriptionsPerConnection?: number | undefined;
}

export const DEFAULT_GATEWAY_LIMITS = Object.freeze({
  ...DEFAULT_OPERATION_LIMITS,
  maxRequestBytes: 1_048_576,
  maxUpstreamCalls: 10,
  maxSubscriptions: 10_000,
  maxSubscriptionsPerConnection: 100,
});

/** Persisted documents (docs/security.md). */
export interface GatewayPersistedDocuments {
  /** Documents by id (the manifest, see gateway/config/persisted-documents.ts). */
  readonly documents: ReadonlyMap<string, string>;
  /**
   * Run only these documents; requests carrying the admin secret excepted.
   * @default false
   */
  readonly only?: boolean | undefined;
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
   * The states of several ksqlDB servers (`createKsqlCluster`'s `servers`):
   * readiness then reports each and is ready while one is healthy, without
   * calling ksqlDB.
   * @default undefined (readiness calls `client.healthcheck`)
   */
  readonly ksqlServers?: (() => readonly KsqlServerState[]) | undefined;
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
   * Bytes (approximate) the event log of one shared push query may hold,
   * whatever its number of subscribers. Past it, a subscriber a whole log
   * behind another that keeps up is ended alone with `SUBSCRIBER_TOO_SLOW`;
   * when none keeps up, the upstream query is paused instead.
   * @default 8388608 (bytes, 8 MiB)
   */
  readonly pushLogBytes?: number | undefined;
  /** @deprecated Replaced by {@link pushLogBytes} (a bound in bytes per query, not in events per subscriber). */
  readonly subscriberBufferSize?: never;
  /**
   * Key that signs the resume cursors of typed subscriptions (docs/resume.md):
   * every instance behind one load balancer needs the same. Unset: a built-in
   * key (cursors survive restarts and move between instances, but can be
   * forged, for a subscription the client may run anyway).
   */
  readonly cursorSecret?: string | undefined;
  /**
   * How long resumers of the same typed subscription are gathered into one
   * upstream query (docs/resume.md); 0: each runs its own at once.
   * @default 250 (ms)
   */
  readonly resumeGatherMs?: number | undefined;
  /**
   * Bytes of recent rows each shared resumable typed query keeps, so that a
   * client away briefly resumes without a catch-up query (docs/resume.md);
   * 0: none.
   * @default 1048576 (1 MiB)
   */
  readonly resumeWindowBytes?: number | undefined;
  /**
   * Subscribers of the same shareable operation (same document, variables
   * and `Authorization`; see docs/subscriptions.md) share one execution and
   * one result object per event. Needs {@link sharePushQueries}. An object
   * turns it on with these settings.
   * @default true
   */
  readonly sharedExecution?: boolean | SharedExecutionOptions | undefined;
  /**
   * How long {@link Gateway.close} may take in all: subscriptions end with
   * `SHUTTING_DOWN`, graphql-ws and HTTP connections drain, and whatever is
   * left then is cut.
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
  /**
   * Browser origins (`scheme://host[:port]`) allowed to call the gateway
   * cross-origin with credentials (CORS) and to open WebSockets. Other
   * foreign origins get no CORS headers and their WebSocket upgrades are
   * refused; same-origin pages (GraphiQL) always work.
   * @default []
   */
  readonly corsOrigins?: readonly string[] | undefined;
  /**
   * Host header names accepted, for HTTP and WebSocket upgrades (DNS-rebinding
   * protection): exact names, `*.example.com`, or 'any'.
   * @default loopback names when {@link Gateway.listen} binds a loopback
   *   address, else 'any'
   */
  readonly allowedHosts?: readonly string[] | 'any' | undefined;
  /**
   * POST body content types accepted (`application/json`,
   * `application/graphql`, `application/x-www-form-urlencoded`,
   * `multipart/form-data`); the last three still need a CSRF header.
   * @default ['application/json']
   */
  readonly requestContentTypes?: readonly string[] | undefined;
  /**
   * Who may use `execute`, `terminateCluster`, `pushQuery` and `pullQuery`.
   * @default 'open' when {@link Gateway.listen} binds loopback only; else
   *   'secret' when {@link adminSecret} is set, else 'off' (also when the
   *   gateway is served without `listen`, e.g. through {@link Gateway.handleNodeRequest})
   */
  readonly adminApi?: AdminApiPolicy | undefined;
  /** The secret the `x-admin-secret` header must carry (policy 'secret'). */
  readonly adminSecret?: string | undefined;
  /**
   * Leave the typed insert mutations out of the schema.
   * @default false
   */
  readonly readOnly?: boolean | undefined;
  /** Limits; each defaults to {@link DEFAULT_GATEWAY_LIMITS}. */
  readonly limits?: GatewayLimits | undefined;
  /** Persisted documents; none by default. */
  readonly persistedDocuments?: GatewayPersistedDocuments | undefined;
  /**
   * Prometheus metrics (docs/operations.md#metrics), served unauthenticated
   * at `endpoint`; `false` collects none.
   * @default true (served at '/metrics', with the process metrics)
   */
  readonly metrics?: boolean | GatewayMetricsOptions | undefined;
  /**
   * OpenTelemetry spans: one per operation, under the caller's `traceparent`,
   * and one per ksqlDB call under it (docs/operations.md#traces). `true`
   * uses the global tracer provider and propagator (the SDK the CLI starts).
   * `false` adds nothing to the request path.
   * @default false
   */
  readonly tracing?: boolean | TracingOptions | undefined;
}

/** Shared execution settings; see {@link GatewayOptions.sharedExecution}. */
export type SharedExecutionOptions = Pick<SharedSubscriptionsOptions, 'maxBytes'>;

/** Metrics settings; see {@link GatewayOptions.metrics}. */
export type GatewayMetricsOptions = Pick<MetricsOptions, 'endpoint' | 'processMetrics'>;

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
  /** The admin API policy in force now (settled by {@link listen} when not set). */
  readonly adminApi: AdminApiPolicy;
  /** The gateway's Prometheus metrics (without the process metrics); undefined when off. */
  readonly metricsRegistry: Registry | undefined;
  /** Subscriptions running now (over graphql-ws and SSE). */
  readonly activeSubscriptions: number;
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

/** True when a browser page at `origin` is the gateway's own (same host and port as the request). */
function sameOrigin(origin: string, host: string | undefined): boolean {
  if (host === undefined) return false;
  try {
    return new URL(origin).host === host.trim().toLowerCase();
  } catch {
    return false; // "null" (sandboxed or file: pages) and garbage
  }
}

function adminPolicyLine(policy: AdminApiPolicy, explicit: boolean, loopbackOnly: boolean): string {
  const why = explicit
    ? '(--admin-api)'
    : loopbackOnly
      ? '(listening on loopback only)'
      : policy === 'secret'
        ? '(listening beyond loopback, admin secret set)'
        : '(listening beyond loopback and no admin secret is set)';
  const what =
    policy === 'open'
      ? 'execute, terminateCluster, pushQuery and pullQuery are open to every caller'
      : policy === 'secret'
        ? `execute, terminateCluster, pushQuery and pullQuery need the ${ADMIN_SECRET_HEADER} header`
        : 'execute, terminateCluster, pushQuery and pullQuery are refused';
  return `admin API: ${policy} ${why}: ${what}`;
}

type ResolvedLimits = { -readonly [K in keyof typeof DEFAULT_GATEWAY_LIMITS]: number };

function resolveLimits(given: GatewayLimits = {}): Readonly<ResolvedLimits> {
  const limits: ResolvedLimits = { ...DEFAULT_GATEWAY_LIMITS };
  for (const key of Object.keys(limits) as (keyof ResolvedLimits)[]) {
    const value = given[key];
    if (value !== undefined) {
      if (!(Number.isInteger(value) && value >= 0)) throw new Error(`limits.${key} must be an integer >= 0, got ${value}`);
      limits[key] = value;
    }
  }
  return limits;
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
    pushLogBytes,
    cursorSecret,
    resumeGatherMs,
    resumeWindowBytes,
    sharedExecution = true,
    shutdownTimeoutMs = 5_000,
    schemaParts = [],
    plugins = [],
    typedSchema = true,
    federation = false,
    corsOrigins = [],
    allowedHosts,
    requestContentTypes = ['application/json'],
    adminApi,
    adminSecret,
    readOnly = false,
    persistedDocuments,
    metrics: metricsOption = true,
    tracing = false,
  } = options;
  const limits = resolveLimits(options.limits);
  // Until listen() tells where the gateway is reachable from, assume anywhere.
  let adminPolicy: AdminApiPolicy = adminApi ?? defaultAdminPolicy(false, adminSecret !== undefined);
  let hosts: readonly string[] | 'any' = allowedHosts ?? 'any';
  if (adminPolicy === 'secret' && adminSecret === undefined) {
    throw new Error('adminApi "secret" needs adminSecret');
  }

  const logger = resolveLogger(logging);
  const registry = new SubscriptionRegistry();
  const metrics: Metrics | undefined =
    metricsOption === false
      ? undefined
      : createMetrics({
          ...(metricsOption === true ? {} : metricsOption),
          // Read at scrape time, when the hub and the manager exist.
          sharedPushQueries: sharePushQueries
            ? () => {
                const counts = hub?.subscriberCounts() ?? [];
                // A shared execution is one hub subscriber standing for all of its own.
                return shared && hub ? shared.withSubscribers(counts, (key) => hub.subscriberCount(key)) : counts;
              }
            : undefined,
          sharedPushLogBytes: sharePushQueries ? () => hub?.logBytes() ?? [] : undefined,
          typedSchemaVersion: typedSchema === false ? undefined : () => manager?.current.version ?? 0,
        });
  // What the resolvers and the typed schema call; readiness probes keep the bare client.
  const ksqlClient = metrics ? observeClient(client, metrics.observeKsqlCall) : client;
  const hub: PushQueryHub | undefined = sharePushQueries
    ? new PushQueryHub({
        registry,
        logger: logger.child({ component: 'push-hub' }),
        closeQueryTimeoutMs, pushLogBytes,
        onSubscriberTooSlow: metrics?.subscriberTooSlow,
      })
    : undefined;
  // One key for typed and generic cursors (docs/resume.md).
  const cursors = createCursorCodec(cursorSecret ?? BUILT_IN_CURSOR_KEY);
  const typedOptions: TypedSchemaOptions | undefined =
    typedSchema === false ? undefined : typedSchema === true ? {} : typedSchema;
  let manager: TypedSchemaManager | undefined;
  const resolvers = createResolvers({
    registry,
    logger,
    closeQueryTimeoutMs,
    sharePushQueries,
    pushLogBytes,
    hub,
    cursors,
    resumeWindowBytes,
    resumeGatherMs,
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
    const subscriptionsOfSources = new SourceSubscriptions({
      registry,
      logger,
      closeQueryTimeoutMs,
      hub,
      sourceExists: (source) => (manager as TypedSchemaManager).sourceExists(source),
      cursors,
      resumeGatherMs,
      resumeWindowBytes,
    });
    manager = new TypedSchemaManager({
      client: ksqlClient,
      logger: logger.child({ component: 'typed-schema' }),
      build: (catalog: Catalog) =>
        catalog.sources.length === 0 ? [] : [buildTypedPart(catalog, { subscriptions: subscriptionsOfSources, readOnly })],
      apply: (parts) => {
        // Typed parts go first: user parts may extend the generated types.
        slot.replace(buildSchema([...parts, ...userParts]));
        typedParts = parts;
      },
      onRemoved: (sources) => subscriptionsOfSources.dropSources(sources),
      filter: sourceFilter(typedOptions.include ?? [], typedOptions.exclude ?? DEFAULT_EXCLUDED_SOURCES),
      refreshIntervalMs: typedOptions.refreshIntervalMs,
      retryInitialMs: typedOptions.retryInitialMs,
      retryMaxMs: typedOptions.retryMaxMs,
      onRefresh: metrics && ((result) => metrics.typedSchemaRefreshed(result)),
    });
  }

  const graphiqlOptions: GatewayGraphiQLOptions | false =
    graphiql === false ? false : graphiql === true ? {} : graphiql;

  const lifecycle = createShutdown();
  const tracer = tracing === false ? undefined : createTracing(tracing === true ? {} : tracing);
  const admin = createAdminPolicy({ policy: () => adminPolicy, secret: adminSecret });
  const caps = createSubscriptionCaps(limits);
  // Only what the hub would share upstream is shared (docs/subscriptions.md).
  const shared =
    sharedExecution !== false && sharePushQueries
      ? createSharedSubscriptions({
          // One bound for both logs a shared subscription's events pass through.
          ...(pushLogBytes !== undefined ? { maxBytes: pushLogBytes } : {}),
          ...(sharedExecution === true ? {} : sharedExecution),
          onSubscriberTooSlow: metrics?.subscriberTooSlow,
        })
      : undefined;
  const persisted = persistedDocuments
    ? createPersistedDocuments({
        documents: persistedDocuments.documents,
        only: persistedDocuments.only,
        mayBypass: (context) => adminPolicy !== 'off' && admin.isAdmin(context),
      })
    : undefined;

  const yoga = createYoga<Record<string, unknown>, GatewayContext>({
    graphqlEndpoint,
    cors: corsOptionsFor(corsOrigins),
    multipart: requestContentTypes.includes('multipart/form-data'),
    maxRequestBodySize: limits.maxRequestBytes > 0 ? limits.maxRequestBytes : false,
    healthCheckEndpoint: healthEndpoint,
    landingPage: false,
    logging: logger,
    // Masked by useErrorTranslation below: yoga's masking wraps every
    // subscriber's stream in an iterator of its own.
    maskedErrors: false,
    graphiql: graphiqlOptions
      ? {
          title: graphiqlOptions.title ?? 'ksqlDB GraphQL gateway',
          subscriptionsProtocol: graphiqlOptions.subscriptionsProtocol ?? 'SSE',
          // GraphiQL's SSE subscriptions are GETs, which the CSRF check lets through only with such a header.
          additionalHeaders: { [CSRF_HEADERS[0] as string]: 'graphiql' },
          ...(graphiqlOptions.defaultQuery === undefined ? {} : { defaultQuery: graphiqlOptions.defaultQuery }),
        }
      : false,
    renderGraphiQL: cachedGraphiQL(),
    plugins: [
      // These two make the subscribe function, so they come first: every
      // other plugin wraps it, per subscriber.
      useCompiledProjection({ onExecution: metrics?.subscriptionExecuted }),
      ...(shared ? [shared.plugin] : []),
      slot.plugin,
      // Subscriptions over SSE: one write per macrotask (transport/sse.ts).
      useBatchedSse(),
      // Probes and scrapes answer whatever the Host (kubelets and Prometheus use the pod address).
      ...(metrics ? [metrics.plugin] : []),
      useKsqlReadiness({
        client,
        endpoint: readinessEndpoint,
        timeoutMs: readinessTimeoutMs,
        servers: options.ksqlServers,
        typedSchema: manager ? () => ({ ready: manager.ready, version: manager.current.version }) : undefined,
        draining: () => lifecycle.draining,
        logger: logger.child({ component: 'readiness' }),
      }),
      useHttpEdge({ allowedHosts: () => hosts, contentTypes: requestContentTypes }),
      ...(persisted ? [persisted.plugin] : []),
      useOperationLimits(limits),
      // Before the plugins that refuse operations, so that refusals get a span too.
      ...(tracer ? [tracer.plugin] : []),
      ...(manager ? [useSchemaReadiness({ ready: () => manager.ready })] : []),
      useKsqlContext({ client: ksqlClient, maxUpstreamCalls: limits.maxUpstreamCalls, decorateClient: tracer?.traceClient }),
      // Before the plugins that refuse operations: it logs those too.
      useOperationLog({ logger: logger.child({ component: 'operations' }) }),
      lifecycle.plugin,
      admin.plugin,
      caps.plugin,
      ...plugins,
      useErrorTranslation({ mask: maskedErrors ? { logger } : false }),
    ],
  });

  /** WebSocket upgrades: the same Host rule as HTTP, and the Origin rule CORS applies in browsers. */
  function verifyUpgrade(req: IncomingMessage): UpgradeRefusal | undefined {
    if (lifecycle.draining) {
      return { status: 503, code: 'SHUTTING_DOWN', message: 'The gateway is shutting down; reconnect (to another instance).' };
    }
    const host = req.headers.host;
    const name = hostHeaderName(host);
    if (hosts !== 'any' && (name === undefined || !hostMatches(name, hosts))) {
      return {
        status: 403,
        code: 'HOST_NOT_ALLOWED',
        message: `Host ${JSON.stringify(name ?? '(none)')} is not allowed (--allowed-hosts).`,
      };
    }
    const origin = req.headers.origin;
    // No Origin: not a browser, so not a cross-site request.
    if (origin === undefined || corsOrigins.includes(origin) || sameOrigin(origin, host)) return undefined;
    return {
      status: 403,
      code: 'ORIGIN_NOT_ALLOWED',
      message: `WebSocket connections from origin ${JSON.stringify(origin)} are not allowed (--cors-origins).`,
    };
  }

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
      const state = connections.get(req.socket);
      if (state) state.upgraded = true;
    });
    httpServer.on('request', (req: IncomingMessage, res: ServerResponse) => {
      const socket = req.socket;
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
    const loopbackOnly = isLoopbackHost(host);
    if (adminApi === undefined) adminPolicy = defaultAdminPolicy(loopbackOnly, adminSecret !== undefined);
    if (allowedHosts === undefined) hosts = loopbackOnly ? [...LOOPBACK_HOST_NAMES, host] : 'any';
    // SSE batching is the useBatchedSse plugin's, through yoga's public hooks.
    const httpServer = createServer(yoga.requestListener);
    server = httpServer;
    trackConnections(httpServer);
    transport = useGraphQLWs({
      server: httpServer,
      yoga: yoga,
      path: graphqlEndpoint,
      keepAliveMs,
      connectionInitWaitTimeoutMs,
      formatError: (error: GraphQLError) => (maskedErrors ? (maskError(error) as GraphQLError) : error).toJSON(),
      verifyUpgrade,
      maxPayloadBytes: limits.maxRequestBytes,
      resolveDocument: persisted ? (payload, context) => persisted.resolve(payload, context) : undefined,
      onInternalError: (err: unknown) => logger.warn('graphql-ws: internal error, socket closed with 1011:', err),
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
    logger.info(adminPolicyLine(adminPolicy, adminApi !== undefined, loopbackOnly));
    if (adminPolicy === 'open' && !loopbackOnly) {
      logger.warn(`the admin API is open to anyone who can reach ${formatHost(host)}:${address.port}: set --admin-api secret or off`);
    }
    return { url, host, port: address.port };
  }

  async function shutdown(): Promise<void> {
    // Every step shares one budget: the whole shutdown takes at most shutdownTimeoutMs.
    const deadline = Date.now() + shutdownTimeoutMs;
    const left = () => Math.max(0, deadline - Date.now());
    logger.info(`shutting down: refusing new operations, ending ${lifecycle.running} subscription(s)`);
    // 1. Readiness turns 503, new operations get SHUTTING_DOWN, and every
    //    running subscription ends with SHUTTING_DOWN (its upstream query closes).
    await lifecycle.begin(left());
    manager?.close();
    // 2. Whatever is left in the registry, and the background /close-query calls.
    await registry.closeAll(left());
    // 3. Let graphql-ws send the last events and `complete`, then close its sockets (1001) and server.
    if (transport) await transport.dispose(left()).catch((err: unknown) => logger.debug('ws dispose:', err));
    // 4. Stop the HTTP server: idle keep-alive connections go at once, busy
    //    ones when their response ends, the rest when the budget is spent.
    const httpServer = server;
    if (httpServer?.listening) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => httpServer.closeAllConnections(), left());
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
    handleNodeRequest: yoga.requestListener,
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
    metricsRegistry: metrics?.registry,
    get adminApi() {
      return adminPolicy;
    },
    get activeSubscriptions() {
      return caps.active;
    },
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
