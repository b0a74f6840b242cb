/**
 * Configuration: one table of options drives flag parsing, environment
 * variables, validation, `--help` and the README's configuration table, so
 * the four cannot drift apart. A loaded config is frozen.
 *
 * Every flag `--some-name` has the environment variable
 * `KSQLDB_GATEWAY_SOME_NAME`; a flag wins over the environment.
 *
 * @module
 */
import { readFileSync } from 'node:fs';
import { parseArgs as parseArgsUtil } from 'node:util';
import { parse as parseYaml } from 'yaml';
import type { LogLevel } from '../../shared/logger.js';
import { GatewayError } from '../gateway-error.js';

/** An invalid command line, environment or config file (`CONFIG_INVALID`). */
export class ConfigError extends GatewayError {
  constructor(message: string) {
    super('CONFIG_INVALID', message);
  }
}

export type Command = 'serve' | 'engine';

type Kind = 'string' | 'integer' | 'boolean' | 'list';

export interface OptionSpec {
  /** Flag name without the leading dashes. */
  readonly flag: string;
  readonly kind: Kind;
  readonly commands: readonly Command[];
  readonly description: string;
  /** Shown in help; `undefined` means "not set". Command-specific defaults use `defaults`. */
  readonly defaults?: Partial<Record<Command, string | number | boolean>>;
  readonly valueName?: string;
  /** Never echoed in help defaults or errors. */
  readonly secret?: boolean;
}

export const ENV_PREFIX = 'KSQLDB_GATEWAY_';

export function envName(flag: string): string {
  return ENV_PREFIX + flag.toUpperCase().replaceAll('-', '_');
}

export const OPTIONS: readonly OptionSpec[] = [
  {
    flag: 'config',
    kind: 'string',
    commands: ['serve', 'engine'],
    description:
      'Read options from a JSON or YAML file whose keys are these flag names (e.g. {"port": 4000, "ksql-url": ["http://a:8088"]}); flags and environment variables win over it.',
    valueName: 'FILE',
  },
  {
    flag: 'port',
    kind: 'integer',
    commands: ['serve', 'engine'],
    description: 'TCP port to listen on; 0 picks a free port.',
    defaults: { serve: 4000, engine: 8088 },
    valueName: 'PORT',
  },
  {
    flag: 'host',
    kind: 'string',
    commands: ['serve', 'engine'],
    description: 'Interface to bind (use 0.0.0.0 to accept remote connections).',
    defaults: { serve: '127.0.0.1', engine: '127.0.0.1' },
    valueName: 'HOST',
  },
  {
    flag: 'ksql-url',
    kind: 'list',
    commands: ['serve'],
    description:
      'Base URL of a ksqlDB server (e.g. http://localhost:8088); several (comma-separated or repeated) for the servers of one cluster, with health checks and failover. When absent, the embedded engine starts on a free loopback port.',
    valueName: 'URLS',
  },
  {
    flag: 'ksql-ca-file',
    kind: 'string',
    commands: ['serve'],
    description: 'PEM file of the certificate authorities to trust for https ksqlDB URLs (instead of the system ones).',
    valueName: 'FILE',
  },
  {
    flag: 'ksql-cert-file',
    kind: 'string',
    commands: ['serve'],
    description: 'PEM client certificate for ksqlDB servers that ask for one (mutual TLS), with --ksql-key-file.',
    valueName: 'FILE',
  },
  {
    flag: 'ksql-key-file',
    kind: 'string',
    commands: ['serve'],
    description: 'PEM private key of --ksql-cert-file.',
    valueName: 'FILE',
  },
  {
    flag: 'ksql-tls-insecure',
    kind: 'boolean',
    commands: ['serve'],
    description: 'Development only: accept any certificate from ksqlDB (no verification). Logged loudly at start.',
    defaults: { serve: false },
  },
  {
    flag: 'ksql-health-interval-ms',
    kind: 'integer',
    commands: ['serve'],
    description: 'How often each ksqlDB server\'s /healthcheck is polled when several are given, in milliseconds.',
    defaults: { serve: 5000 },
    valueName: 'MS',
  },
  {
    flag: 'ksql-max-line-bytes',
    kind: 'integer',
    commands: ['serve'],
    description: 'Longest line (one row) of a ksqlDB /query response, in bytes; a longer one ends the query with KSQL_RESPONSE_TOO_LARGE.',
    defaults: { serve: 16777216 },
    valueName: 'BYTES',
  },
  {
    flag: 'ksql-max-body-bytes',
    kind: 'integer',
    commands: ['serve'],
    description: 'Largest ksqlDB response body read whole (statements, pull queries, /info, ...), in bytes; past it the call fails with KSQL_RESPONSE_TOO_LARGE.',
    defaults: { serve: 67108864 },
    valueName: 'BYTES',
  },
  {
    flag: 'ksql-username',
    kind: 'string',
    commands: ['serve'],
    description: 'Basic-auth user name for ksqlDB (with --ksql-password).',
    valueName: 'USER',
  },
  {
    flag: 'ksql-password',
    kind: 'string',
    commands: ['serve'],
    description: 'Basic-auth password for ksqlDB. Prefer the environment variable.',
    valueName: 'PASSWORD',
    secret: true,
  },
  {
    flag: 'ksql-token',
    kind: 'string',
    commands: ['serve'],
    description: 'Bearer token for ksqlDB. Prefer the environment variable.',
    valueName: 'TOKEN',
    secret: true,
  },
  {
    flag: 'forward-authorization',
    kind: 'boolean',
    commands: ['serve'],
    description:
      "Send each incoming request's Authorization header to ksqlDB instead of the configured credential (the configured one is used when a request has none).",
    defaults: { serve: false },
  },
  {
    flag: 'request-timeout-ms',
    kind: 'integer',
    commands: ['serve'],
    description: 'Timeout for each ksqlDB call, in milliseconds (push-query bodies have none).',
    defaults: { serve: 30000 },
    valueName: 'MS',
  },
  {
    flag: 'graphiql',
    kind: 'boolean',
    commands: ['serve'],
    description: 'Serve GraphiQL at the GraphQL path (bundled; no CDN). --no-graphiql turns it off.',
    defaults: { serve: true },
  },
  {
    flag: 'graphql-path',
    kind: 'string',
    commands: ['serve'],
    description: 'Path of the GraphQL endpoint (HTTP, SSE, WebSocket and GraphiQL).',
    defaults: { serve: '/graphql' },
    valueName: 'PATH',
  },
  {
    flag: 'typed-schema',
    kind: 'boolean',
    commands: ['serve'],
    description:
      'Generate GraphQL types, pull-query fields, subscriptions and insert mutations from the ksqlDB catalog, and keep them in step (--no-typed-schema serves the generic API only).',
    defaults: { serve: true },
  },
  {
    flag: 'include-sources',
    kind: 'list',
    commands: ['serve'],
    description:
      'Typed schema: only sources whose name matches one of these glob patterns (`*`, `?`; whole name, case-sensitive); comma-separated or repeated. Default: all.',
    valueName: 'PATTERNS',
  },
  {
    flag: 'exclude-sources',
    kind: 'list',
    commands: ['serve'],
    description: 'Typed schema: leave out sources matching these glob patterns (applied after --include-sources). Setting it replaces the default.',
    defaults: { serve: 'KSQL_PROCESSING_LOG' },
    valueName: 'PATTERNS',
  },
  {
    flag: 'schema-refresh-ms',
    kind: 'integer',
    commands: ['serve'],
    description:
      'Typed schema: re-read the catalog this often, in milliseconds; 0 turns the interval off (DDL run through the gateway refreshes at once either way).',
    defaults: { serve: 30000 },
    valueName: 'MS',
  },
  {
    flag: 'federation',
    kind: 'boolean',
    commands: ['serve'],
    description:
      'Serve as an Apollo Federation v2 subgraph: materialized tables become entities (@key on their primary key), with _service and _entities.',
    defaults: { serve: false },
  },
  {
    flag: 'cors-origins',
    kind: 'list',
    commands: ['serve'],
    description:
      'Browser origins (scheme://host[:port]) allowed to call the gateway cross-origin, with credentials, and to open WebSockets; comma-separated or repeated. Default: none (only pages the gateway serves itself, such as GraphiQL).',
    valueName: 'ORIGINS',
  },
  {
    flag: 'allowed-hosts',
    kind: 'list',
    commands: ['serve'],
    description:
      'Host header names accepted (DNS-rebinding protection); `*.example.com` matches sub-domains, `*` any name. Default: localhost, *.localhost, 127.0.0.1 and ::1 when --host is a loopback address, else any.',
    valueName: 'HOSTS',
  },
  {
    flag: 'request-content-types',
    kind: 'list',
    commands: ['serve'],
    description:
      'Content types accepted for POST bodies: application/json (GraphQL over HTTP), and optionally application/graphql, application/x-www-form-urlencoded, multipart/form-data (these three run only with a CSRF header such as x-graphql-yoga-csrf).',
    defaults: { serve: 'application/json' },
    valueName: 'TYPES',
  },
  {
    flag: 'admin-api',
    kind: 'string',
    commands: ['serve'],
    description:
      'Who may use execute, terminateCluster and the raw-SQL pushQuery/pullQuery: open (anyone), secret (requests carrying x-admin-secret), off (nobody). Default: open when --host is a loopback address, else secret when an admin secret is set, else off.',
    valueName: 'open|secret|off',
  },
  {
    flag: 'admin-secret',
    kind: 'string',
    commands: ['serve'],
    description:
      'The value the x-admin-secret header (or graphql-ws connection_init payload key) must carry to use the admin API; at least 16 characters. Prefer the environment variable.',
    valueName: 'SECRET',
    secret: true,
  },
  {
    flag: 'read-only',
    kind: 'boolean',
    commands: ['serve'],
    description: 'Leave the typed insert mutations out of the schema.',
    defaults: { serve: false },
  },
  {
    flag: 'persisted-documents',
    kind: 'string',
    commands: ['serve'],
    description:
      'JSON manifest of persisted documents: an object from id to document (graphql-codegen client preset, Relay), or an Apollo persisted query manifest. Requests may then send only the id (documentId, or extensions.persistedQuery.sha256Hash).',
    valueName: 'FILE',
  },
  {
    flag: 'only-persisted',
    kind: 'boolean',
    commands: ['serve'],
    description:
      'Run only the documents of --persisted-documents; any other document is refused (requests carrying the admin secret excepted).',
    defaults: { serve: false },
  },
  {
    flag: 'max-request-bytes',
    kind: 'integer',
    commands: ['serve'],
    description: 'Largest HTTP request body and WebSocket message, in bytes (413 past it); 0 = no limit.',
    defaults: { serve: 1048576 },
    valueName: 'BYTES',
  },
  {
    flag: 'max-tokens',
    kind: 'integer',
    commands: ['serve'],
    description: 'Most GraphQL tokens in one document (parsing stops past it); 0 = no limit.',
    defaults: { serve: 1000 },
    valueName: 'N',
  },
  {
    flag: 'max-depth',
    kind: 'integer',
    commands: ['serve'],
    description: 'Deepest field nesting of an operation (fragments flattened, introspection not counted); 0 = no limit.',
    defaults: { serve: 10 },
    valueName: 'N',
  },
  {
    flag: 'max-aliases',
    kind: 'integer',
    commands: ['serve'],
    description: 'Most aliases in an operation; 0 = no limit.',
    defaults: { serve: 15 },
    valueName: 'N',
  },
  {
    flag: 'max-directives',
    kind: 'integer',
    commands: ['serve'],
    description: 'Most directives in an operation; 0 = no limit.',
    defaults: { serve: 50 },
    valueName: 'N',
  },
  {
    flag: 'max-cost',
    kind: 'integer',
    commands: ['serve'],
    description:
      'Highest cost of an operation (graphql-armor: object 2, scalar 1, times 1.5 per level of depth; introspection not counted); 0 = no limit.',
    defaults: { serve: 5000 },
    valueName: 'N',
  },
  {
    flag: 'max-upstream-calls',
    kind: 'integer',
    commands: ['serve'],
    description:
      'Most calls to ksqlDB one operation may make; the call past it fails (a federation _entities batch is one call per table); 0 = no limit.',
    defaults: { serve: 10 },
    valueName: 'N',
  },
  {
    flag: 'max-subscriptions',
    kind: 'integer',
    commands: ['serve'],
    description: 'Most subscriptions running in the process at once, over graphql-ws and SSE; 0 = no limit.',
    defaults: { serve: 10000 },
    valueName: 'N',
  },
  {
    flag: 'max-subscriptions-per-connection',
    kind: 'integer',
    commands: ['serve'],
    description: 'Most subscriptions one connection (a graphql-ws socket) may run at once; 0 = no limit.',
    defaults: { serve: 100 },
    valueName: 'N',
  },
  {
    flag: 'metrics',
    kind: 'boolean',
    commands: ['serve'],
    description: 'Serve Prometheus metrics at --metrics-path (--no-metrics turns them off).',
    defaults: { serve: true },
  },
  {
    flag: 'metrics-path',
    kind: 'string',
    commands: ['serve'],
    description: 'Path of the Prometheus metrics endpoint.',
    defaults: { serve: '/metrics' },
    valueName: 'PATH',
  },
  {
    flag: 'ksql-http2',
    kind: 'string',
    commands: ['serve'],
    description:
      'auto: push queries share one HTTP/2 connection per ksqlDB server (/query-stream; h2c, or ALPN h2 over https) when the server speaks it, else /query over HTTP/1.1; multi-row inserts use /inserts-stream. off: HTTP/1.1 only.',
    defaults: { serve: 'auto' },
    valueName: 'auto|off',
  },
  {
    flag: 'push-log-bytes',
    kind: 'integer',
    commands: ['serve'],
    description:
      'Bytes (approximate) the event log of one shared push query may hold, whatever its number of subscribers; a subscriber that falls this far behind another that keeps up ends with SUBSCRIBER_TOO_SLOW.',
    defaults: { serve: 8388608 },
    valueName: 'BYTES',
  },
  {
    flag: 'resume-gather-ms',
    kind: 'integer',
    commands: ['serve'],
    description:
      'How long resumers of the same subscription (after:, typed or pushQuery) are gathered into one upstream catch-up query, from the first of them; a resume that the replay window cannot serve waits this long. 0: each resumer runs its own query at once.',
    defaults: { serve: 250 },
    valueName: 'MS',
  },
  {
    flag: 'resume-window-bytes',
    kind: 'integer',
    commands: ['serve'],
    description:
      'Bytes (approximate) of recent rows each shared subscription that gives cursors (typed `_cursor`, `QueryRow.cursor`) keeps, so that a client away briefly resumes (after:) from them without a catch-up query. 0: none kept; every resume runs a catch-up query.',
    defaults: { serve: 1048576 },
    valueName: 'BYTES',
  },
  {
    flag: 'cursor-secret',
    kind: 'string',
    commands: ['serve'],
    description:
      'Key that signs resume cursors (`_cursor` of typed subscriptions, `QueryRow.cursor`, `after`); at least 16 characters. Give every instance behind one load balancer the same, so that each resumes the cursors of the others. Unset: a built-in key, so cursors still survive restarts and move between instances, but a client could forge one (of a subscription it may run anyway). Prefer the environment variable.',
    valueName: 'SECRET',
    secret: true,
  },
  {
    flag: 'shutdown-timeout-ms',
    kind: 'integer',
    commands: ['serve', 'engine'],
    description:
      'On SIGTERM/SIGINT: how long running subscriptions and requests get to end before the process exits anyway, in milliseconds.',
    defaults: { serve: 10000, engine: 10000 },
    valueName: 'MS',
  },
  {
    flag: 'log-format',
    kind: 'string',
    commands: ['serve', 'engine'],
    description: 'json (one JSON object per line) or pretty (readable lines). Default: pretty when stderr is a terminal, else json.',
    valueName: 'json|pretty',
  },
  {
    flag: 'log-level',
    kind: 'string',
    commands: ['serve', 'engine'],
    description: 'One of debug, info, warn, error, silent.',
    defaults: { serve: 'info', engine: 'info' },
    valueName: 'LEVEL',
  },
  {
    flag: 'data-dir',
    kind: 'string',
    commands: ['serve', 'engine'],
    description:
      'Embedded engine: directory for its topics, command log and query state (created if absent; one engine at a time). A write is acknowledged once fsynced; after a crash the engine recovers everything acknowledged.',
    defaults: { serve: './ksql-data', engine: './ksql-data' },
    valueName: 'DIR',
  },
  {
    flag: 'in-memory',
    kind: 'boolean',
    commands: ['serve', 'engine'],
    description: 'Embedded engine: keep nothing on disk (ignores --data-dir); everything is lost at exit.',
    defaults: { serve: false, engine: false },
  },
  {
    flag: 'max-sql-tokens',
    kind: 'integer',
    commands: ['serve', 'engine'],
    description:
      'Embedded engine: most SQL tokens one request may hold; parsing stops past it with a statement error (40001); 0 = no limit.',
    defaults: { serve: 100000, engine: 100000 },
    valueName: 'N',
  },
  {
    flag: 'checkpoint-interval-ms',
    kind: 'integer',
    commands: ['serve', 'engine'],
    description:
      "Embedded engine, durable: least time between checkpoints of persistent queries' state, from which a restart resumes them; 0 = after every batch of input.",
    defaults: { serve: 1000, engine: 1000 },
    valueName: 'MS',
  },
  {
    flag: 'segment-bytes',
    kind: 'integer',
    commands: ['serve', 'engine'],
    description:
      "Embedded engine, durable: size past which a partition's segment file is closed and a new one started (Kafka's log.segment.bytes); retention drops and compaction rewrites whole closed segments.",
    defaults: { serve: 67108864, engine: 67108864 },
    valueName: 'BYTES',
  },
  {
    flag: 'tls-cert-file',
    kind: 'string',
    commands: ['engine'],
    description: 'Serve HTTPS with this PEM certificate (with --tls-key-file), as ksqlDB can.',
    valueName: 'FILE',
  },
  {
    flag: 'tls-key-file',
    kind: 'string',
    commands: ['engine'],
    description: 'PEM private key of --tls-cert-file.',
    valueName: 'FILE',
  },
  {
    flag: 'tls-client-ca-file',
    kind: 'string',
    commands: ['engine'],
    description: 'With HTTPS: require a client certificate signed by these PEM certificate authorities (mutual TLS).',
    valueName: 'FILE',
  },
  {
    flag: 'set',
    kind: 'list',
    commands: ['serve', 'engine'],
    description:
      'Embedded engine server property, KEY=VALUE; repeatable (e.g. --set ksql.max.push.queries=200). In the environment, separate entries with newlines or commas.',
    valueName: 'KEY=VALUE',
  },
];

const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'silent'] as const satisfies readonly LogLevel[];

export type KsqlCredentials =
  | { readonly type: 'basic'; readonly username: string; readonly password: string }
  | { readonly type: 'bearer'; readonly token: string };

export const ADMIN_API_POLICIES = ['open', 'secret', 'off'] as const;
/** Who may use the admin API (see docs/security.md). */
export type AdminApiPolicy = (typeof ADMIN_API_POLICIES)[number];

/** POST body content types the gateway can parse; application/json is GraphQL over HTTP's own. */
export const REQUEST_CONTENT_TYPES = [
  'application/json',
  'application/graphql',
  'application/x-www-form-urlencoded',
  'multipart/form-data',
] as const;
export type RequestContentType = (typeof REQUEST_CONTENT_TYPES)[number];

/** The shortest admin secret accepted. */
export const MIN_ADMIN_SECRET_LENGTH = 16;

/** Per-operation and per-process limits; 0 means no limit. */
export interface LimitsConfig {
  readonly maxRequestBytes: number;
  readonly maxTokens: number;
  readonly maxDepth: number;
  readonly maxAliases: number;
  readonly maxDirectives: number;
  readonly maxCost: number;
  readonly maxUpstreamCalls: number;
  readonly maxSubscriptions: number;
  readonly maxSubscriptionsPerConnection: number;
}

export interface ServeConfig {
  readonly command: 'serve';
  readonly port: number;
  readonly host: string;
  /** ksqlDB servers of one cluster; empty: run the embedded engine. */
  readonly ksqlUrls: readonly string[];
  readonly ksqlTls: KsqlTlsConfig;
  readonly ksqlHealthIntervalMs: number;
  readonly ksqlMaxLineBytes: number;
  readonly ksqlMaxBodyBytes: number;
  /** HTTP/2 towards ksqlDB (`--ksql-http2`). */
  readonly ksqlHttp2: 'auto' | 'off';
  readonly metrics: boolean;
  readonly metricsPath: string;
  readonly shutdownTimeoutMs: number;
  /** undefined: pretty on a terminal, else json. */
  readonly logFormat: LogFormat | undefined;
  readonly credentials: KsqlCredentials | undefined;
  readonly forwardAuthorization: boolean;
  readonly requestTimeoutMs: number;
  readonly graphiql: boolean;
  readonly graphqlPath: string;
  readonly typedSchema: boolean;
  readonly includeSources: readonly string[];
  readonly excludeSources: readonly string[];
  readonly schemaRefreshMs: number;
  readonly federation: boolean;
  /** Origins allowed cross-origin (CORS, WebSocket upgrades); empty = same origin only. */
  readonly corsOrigins: readonly string[];
  /** Host header patterns; undefined = by listen address (loopback names on loopback, else any). */
  readonly allowedHosts: readonly string[] | undefined;
  readonly requestContentTypes: readonly RequestContentType[];
  /** undefined = by listen address and secret (see {@link AdminApiPolicy}). */
  readonly adminApi: AdminApiPolicy | undefined;
  readonly adminSecret: string | undefined;
  readonly readOnly: boolean;
  /** Path of the persisted documents manifest. */
  readonly persistedDocuments: string | undefined;
  readonly onlyPersisted: boolean;
  readonly limits: LimitsConfig;
  readonly logLevel: LogLevel;
  readonly inMemory: boolean;
  /** The embedded engine's data directory (unused when `inMemory`). */
  readonly dataDir: string;
  readonly maxSqlTokens: number;
  readonly checkpointIntervalMs: number;
  readonly segmentBytes: number;
  readonly engineProperties: Readonly<Record<string, string>>;
  /** Bytes the event log of one shared push query may hold. */
  readonly pushLogBytes: number;
  /** undefined = the built-in cursor key. */
  readonly cursorSecret: string | undefined;
  /** 0 = resumers are not gathered. */
  readonly resumeGatherMs: number;
  /** 0 = no replay window. */
  readonly resumeWindowBytes: number;
}

export interface EngineConfig {
  readonly command: 'engine';
  readonly port: number;
  readonly host: string;
  readonly tls: EngineTlsConfig | undefined;
  readonly shutdownTimeoutMs: number;
  /** undefined: pretty on a terminal, else json. */
  readonly logFormat: LogFormat | undefined;
  readonly logLevel: LogLevel;
  readonly inMemory: boolean;
  /** The data directory (unused when `inMemory`). */
  readonly dataDir: string;
  readonly maxSqlTokens: number;
  readonly checkpointIntervalMs: number;
  readonly segmentBytes: number;
  readonly engineProperties: Readonly<Record<string, string>>;
}

export const LOG_FORMATS = ['json', 'pretty'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

/** TLS towards ksqlDB (`--ksql-*-file`): paths, read by the CLI. */
export interface KsqlTlsConfig {
  readonly caFile: string | undefined;
  readonly certFile: string | undefined;
  readonly keyFile: string | undefined;
  /** No certificate verification at all (development only). */
  readonly insecure: boolean;
}

/** The engine's own HTTPS (`engine --tls-*-file`): paths, read by the CLI. */
export interface EngineTlsConfig {
  readonly certFile: string;
  readonly keyFile: string;
  /** Require client certificates signed by these CAs. */
  readonly clientCaFile: string | undefined;
}

export type Config = ServeConfig | EngineConfig;

type RawValue = string | number | boolean | string[] | undefined;

function parseFlagValue(spec: OptionSpec, raw: string, source: string): RawValue {
  switch (spec.kind) {
    case 'string':
      return raw;
    case 'integer': {
      if (!/^-?\d+$/.test(raw.trim())) {
        throw new ConfigError(`${source}: expected an integer, got "${raw}"`);
      }
      return Number(raw.trim());
    }
    case 'boolean': {
      const v = raw.trim().toLowerCase();
      if (['1', 'true', 'yes', 'on'].includes(v)) return true;
      if (['0', 'false', 'no', 'off'].includes(v)) return false;
      throw new ConfigError(`${source}: expected true or false, got "${raw}"`);
    }
    case 'list':
      return raw
        .split(/[\n,]/)
        .map((s) => s.trim())
        .filter(Boolean);
  }
}

export interface ParsedArgs {
  readonly command: Command;
  readonly help: boolean;
  readonly version: boolean;
  readonly values: ReadonlyMap<string, RawValue>;
}

/**
 * Parses argv (without node and script) with `node:util` `parseArgs`, from
 * the options table; unknown flags and bad values are ConfigErrors.
 */
export function parseArgs(argv: readonly string[]): ParsedArgs {
  let command: Command = 'serve';
  let rest = argv;
  const first = argv[0];
  if (first !== undefined && !first.startsWith('-')) {
    if (first !== 'serve' && first !== 'engine' && first !== 'help') {
      throw new ConfigError(`Unknown command "${first}". Commands: serve (default), engine.`);
    }
    if (first === 'help') return { command, help: true, version: false, values: new Map() };
    command = first;
    rest = argv.slice(1);
  }
  const specs = OPTIONS.filter((o) => o.commands.includes(command));
  const options: Record<string, { type: 'string' | 'boolean'; multiple?: boolean; short?: string }> = {
    help: { type: 'boolean', short: 'h' },
    version: { type: 'boolean', short: 'v' },
  };
  for (const spec of specs) {
    options[spec.flag] = spec.kind === 'boolean' ? { type: 'boolean' } : { type: 'string', multiple: true };
  }
  let parsed: ReturnType<typeof parseArgsUtil>;
  try {
    parsed = parseArgsUtil({ args: [...rest], options, strict: true, allowPositionals: false, allowNegative: true });
  } catch (err) {
    throw argsError(err, command);
  }
  const values = new Map<string, RawValue>();
  for (const spec of specs) {
    const raw = parsed.values[spec.flag];
    if (raw === undefined) continue;
    if (spec.kind === 'boolean') {
      values.set(spec.flag, raw as boolean);
      continue;
    }
    const all = raw as string[];
    if (spec.kind === 'list') {
      values.set(spec.flag, all.flatMap((v) => parseFlagValue(spec, v, `--${spec.flag}`) as string[]));
    } else {
      // The last one wins, as with most CLIs.
      values.set(spec.flag, parseFlagValue(spec, all[all.length - 1] as string, `--${spec.flag}`));
    }
  }
  for (const name of ['help', 'version']) {
    if (parsed.values[name] === false) throw new ConfigError(`Unknown option "--no-${name}". See --help.`);
  }
  return { command, help: parsed.values['help'] === true, version: parsed.values['version'] === true, values };
}

/** `parseArgs`' errors, in our words. */
function argsError(err: unknown, command: Command): ConfigError {
  const code = (err as { code?: unknown }).code;
  const message = err instanceof Error ? err.message : String(err);
  const option = /'(-[^' ]+)/.exec(message)?.[1];
  switch (code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return new ConfigError(`Unknown option "${option ?? message}" for "${command}". See --help.`);
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE': {
      const spec = OPTIONS.find((o) => `--${o.flag}` === option);
      if (spec && spec.kind === 'boolean') return new ConfigError(`Option ${option} takes no value (use --no-${spec.flag} to turn it off).`);
      return new ConfigError(`Option ${option ?? ''} needs a value (${spec?.valueName ?? 'VALUE'}).`);
    }
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return new ConfigError(`Unexpected argument: ${message.replace(/^Unexpected argument '([^']*)'.*$/s, '"$1"')}. See --help.`);
    default:
      return new ConfigError(message);
  }
}

/**
 * Reads a configuration file (`--config`): JSON or YAML (by its extension,
 * `.json` or `.yaml`/`.yml`; otherwise JSON, then YAML), an object whose
 * keys are flag names (`port`, `ksql-url`, `cors-origins`, ...), with values
 * of the flag's kind (lists as arrays or comma-separated strings).
 */
export function readConfigFile(path: string, command: Command): ReadonlyMap<string, RawValue> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    throw new ConfigError(`--config: cannot read ${path}${typeof code === 'string' ? ` (${code})` : ''}`);
  }
  let data: unknown;
  const yamlFirst = /\.ya?ml$/i.test(path);
  try {
    data = yamlFirst ? parseYaml(text) : JSON.parse(text);
  } catch (first) {
    if (yamlFirst || /\.json$/i.test(path)) {
      throw new ConfigError(`--config ${path}: ${first instanceof Error ? first.message.split('\n')[0] : String(first)}`);
    }
    try {
      data = parseYaml(text);
    } catch (err) {
      throw new ConfigError(`--config ${path}: neither JSON nor YAML (${err instanceof Error ? err.message.split('\n')[0] : String(err)})`);
    }
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new ConfigError(`--config ${path}: expected an object of options (e.g. { "port": 4000 })`);
  }
  const values = new Map<string, RawValue>();
  for (const [key, value] of Object.entries(data as Record<string, unknown>)) {
    const spec = OPTIONS.find((o) => o.flag === key);
    const where = `--config ${path}: "${key}"`;
    if (!spec || key === 'config') throw new ConfigError(`${where} is not an option. See --help for the names.`);
    if (!spec.commands.includes(command)) throw new ConfigError(`${where} does not apply to "${command}"`);
    values.set(key, fileValue(spec, value, where));
  }
  return values;
}

function fileValue(spec: OptionSpec, value: unknown, where: string): RawValue {
  switch (spec.kind) {
    case 'boolean':
      if (typeof value === 'boolean') return value;
      if (typeof value === 'string') return parseFlagValue(spec, value, where);
      break;
    case 'integer':
      if (typeof value === 'number' && Number.isInteger(value)) return value;
      if (typeof value === 'string') return parseFlagValue(spec, value, where);
      break;
    case 'string':
      if (typeof value === 'string') return value;
      if (typeof value === 'number') return String(value);
      break;
    case 'list':
      if (typeof value === 'string') return parseFlagValue(spec, value, where);
      if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value.map((v) => v.trim()).filter(Boolean);
      break;
  }
  throw new ConfigError(`${where}: expected ${spec.kind === 'list' ? 'a list of strings' : `a ${spec.kind}`}, got ${JSON.stringify(value)}`);
}

function resolve(
  spec: OptionSpec,
  command: Command,
  flags: ReadonlyMap<string, RawValue>,
  env: NodeJS.ProcessEnv,
  file: ReadonlyMap<string, RawValue>,
): RawValue {
  if (flags.has(spec.flag)) return flags.get(spec.flag);
  const fromEnv = env[envName(spec.flag)];
  if (fromEnv !== undefined && fromEnv !== '') {
    return parseFlagValue(spec, fromEnv, envName(spec.flag));
  }
  if (file.has(spec.flag)) return file.get(spec.flag);
  return spec.defaults?.[command];
}

function parseProperties(entries: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const entry of entries) {
    const eq = entry.indexOf('=');
    if (eq <= 0) throw new ConfigError(`--set expects KEY=VALUE, got "${entry}"`);
    out[entry.slice(0, eq).trim()] = entry.slice(eq + 1).trim();
  }
  return out;
}

/** Builds a validated, frozen config from parsed flags and the environment. */
export function loadConfig(args: ParsedArgs, env: NodeJS.ProcessEnv = process.env): Config {
  const { command, values } = args;
  const configSpec = OPTIONS.find((o) => o.flag === 'config') as OptionSpec;
  const configFile = resolve(configSpec, command, values, env, new Map()) as string | undefined;
  const file = configFile === undefined ? new Map<string, RawValue>() : readConfigFile(configFile, command);
  const get = (flag: string): RawValue => {
    const spec = OPTIONS.find((o) => o.flag === flag);
    if (!spec) throw new Error(`No option ${flag}`);
    return resolve(spec, command, values, env, file);
  };
  const port = get('port') as number;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new ConfigError(`--port must be between 0 and 65535, got ${port}`);
  }
  const host = get('host') as string;
  const logLevel = get('log-level') as string;
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) {
    throw new ConfigError(`--log-level must be one of ${LOG_LEVELS.join(', ')}, got "${logLevel}"`);
  }
  const logFormatRaw = get('log-format') as string | undefined;
  if (logFormatRaw !== undefined && !(LOG_FORMATS as readonly string[]).includes(logFormatRaw)) {
    throw new ConfigError(`--log-format must be one of ${LOG_FORMATS.join(', ')}, got "${logFormatRaw}"`);
  }
  const logFormat = logFormatRaw as LogFormat | undefined;
  const shutdownTimeoutMs = get('shutdown-timeout-ms') as number;
  if (!(shutdownTimeoutMs > 0)) throw new ConfigError(`--shutdown-timeout-ms must be positive, got ${shutdownTimeoutMs}`);
  const engineProperties = Object.freeze(parseProperties((get('set') as string[] | undefined) ?? []));
  const inMemory = get('in-memory') as boolean;
  const dataDir = get('data-dir') as string;
  if (dataDir.trim() === '') throw new ConfigError('--data-dir must not be empty');
  const maxSqlTokens = get('max-sql-tokens') as number;
  if (!(maxSqlTokens >= 0)) throw new ConfigError(`--max-sql-tokens must be 0 (no limit) or positive, got ${maxSqlTokens}`);
  const checkpointIntervalMs = get('checkpoint-interval-ms') as number;
  if (!(checkpointIntervalMs >= 0)) throw new ConfigError(`--checkpoint-interval-ms must be 0 or positive, got ${checkpointIntervalMs}`);
  const segmentBytes = get('segment-bytes') as number;
  if (!(segmentBytes >= 1024)) throw new ConfigError(`--segment-bytes must be at least 1024, got ${segmentBytes}`);
  if (command === 'engine') {
    const certFile = get('tls-cert-file') as string | undefined;
    const keyFile = get('tls-key-file') as string | undefined;
    const clientCaFile = get('tls-client-ca-file') as string | undefined;
    if ((certFile === undefined) !== (keyFile === undefined)) {
      throw new ConfigError('--tls-cert-file and --tls-key-file go together');
    }
    if (clientCaFile !== undefined && certFile === undefined) {
      throw new ConfigError('--tls-client-ca-file needs --tls-cert-file and --tls-key-file (client certificates are checked over HTTPS)');
    }
    return Object.freeze({
      command,
      port,
      host,
      tls: certFile === undefined || keyFile === undefined ? undefined : Object.freeze({ certFile, keyFile, clientCaFile }),
      shutdownTimeoutMs,
      logFormat,
      logLevel: logLevel as LogLevel,
      inMemory,
      dataDir,
      maxSqlTokens,
      checkpointIntervalMs,
      segmentBytes,
      engineProperties,
    });
  }
  const ksqlUrls = Object.freeze(((get('ksql-url') as string[] | undefined) ?? []).map(parseKsqlUrl));
  if (new Set(ksqlUrls).size !== ksqlUrls.length) throw new ConfigError('--ksql-url lists a server twice');
  const ksqlTls: KsqlTlsConfig = Object.freeze({
    caFile: get('ksql-ca-file') as string | undefined,
    certFile: get('ksql-cert-file') as string | undefined,
    keyFile: get('ksql-key-file') as string | undefined,
    insecure: get('ksql-tls-insecure') as boolean,
  });
  if ((ksqlTls.certFile === undefined) !== (ksqlTls.keyFile === undefined)) {
    throw new ConfigError('--ksql-cert-file and --ksql-key-file go together');
  }
  const positive = (flag: string): number => {
    const n = get(flag) as number;
    if (!(n > 0)) throw new ConfigError(`--${flag} must be positive, got ${n}`);
    return n;
  };
  const nonNegative = (flag: string): number => {
    const n = get(flag) as number;
    if (!(n >= 0)) throw new ConfigError(`--${flag} must be 0 or more, got ${n}`);
    return n;
  };
  const metricsPath = get('metrics-path') as string;
  if (!metricsPath.startsWith('/')) throw new ConfigError(`--metrics-path must start with "/", got "${metricsPath}"`);
  const username = get('ksql-username') as string | undefined;
  const password = get('ksql-password') as string | undefined;
  const token = get('ksql-token') as string | undefined;
  let credentials: KsqlCredentials | undefined;
  if (token !== undefined && (username !== undefined || password !== undefined)) {
    throw new ConfigError('Use either --ksql-token or --ksql-username/--ksql-password, not both');
  }
  if (token !== undefined) credentials = Object.freeze({ type: 'bearer', token });
  else if (username !== undefined || password !== undefined) {
    if (username === undefined || password === undefined) {
      throw new ConfigError('--ksql-username and --ksql-password go together');
    }
    credentials = Object.freeze({ type: 'basic', username, password });
  }
  const requestTimeoutMs = get('request-timeout-ms') as number;
  if (!(requestTimeoutMs > 0)) {
    throw new ConfigError(`--request-timeout-ms must be positive, got ${requestTimeoutMs}`);
  }
  const graphqlPath = get('graphql-path') as string;
  if (!graphqlPath.startsWith('/')) {
    throw new ConfigError(`--graphql-path must start with "/", got "${graphqlPath}"`);
  }
  const list = (flag: string): readonly string[] => {
    const v = get(flag);
    if (v === undefined) return Object.freeze([]);
    return Object.freeze(Array.isArray(v) ? v : String(v).split(/[\n,]/).map((x) => x.trim()).filter(Boolean));
  };
  const schemaRefreshMs = get('schema-refresh-ms') as number;
  if (!(schemaRefreshMs >= 0)) throw new ConfigError(`--schema-refresh-ms must be 0 or positive, got ${schemaRefreshMs}`);
  const limit = (flag: string): number => {
    const n = get(flag) as number;
    if (!(n >= 0)) throw new ConfigError(`--${flag} must be 0 (no limit) or positive, got ${n}`);
    return n;
  };
  const limits: LimitsConfig = Object.freeze({
    maxRequestBytes: limit('max-request-bytes'),
    maxTokens: limit('max-tokens'),
    maxDepth: limit('max-depth'),
    maxAliases: limit('max-aliases'),
    maxDirectives: limit('max-directives'),
    maxCost: limit('max-cost'),
    maxUpstreamCalls: limit('max-upstream-calls'),
    maxSubscriptions: limit('max-subscriptions'),
    maxSubscriptionsPerConnection: limit('max-subscriptions-per-connection'),
  });
  const adminApiRaw = get('admin-api') as string | undefined;
  if (adminApiRaw !== undefined && !(ADMIN_API_POLICIES as readonly string[]).includes(adminApiRaw)) {
    throw new ConfigError(`--admin-api must be one of ${ADMIN_API_POLICIES.join(', ')}, got "${adminApiRaw}"`);
  }
  const adminApi = adminApiRaw as AdminApiPolicy | undefined;
  const cursorSecret = get('cursor-secret') as string | undefined;
  if (cursorSecret !== undefined && cursorSecret.length < MIN_ADMIN_SECRET_LENGTH) {
    // The value is not echoed: it is a secret.
    throw new ConfigError(
      `--cursor-secret must be at least ${MIN_ADMIN_SECRET_LENGTH} characters (e.g. the output of \`openssl rand -hex 32\`)`,
    );
  }
  const adminSecret = get('admin-secret') as string | undefined;
  if (adminSecret !== undefined && adminSecret.length < MIN_ADMIN_SECRET_LENGTH) {
    // The value is not echoed: it is a secret.
    throw new ConfigError(
      `--admin-secret must be at least ${MIN_ADMIN_SECRET_LENGTH} characters (e.g. the output of \`openssl rand -hex 32\`)`,
    );
  }
  if (adminApi === 'secret' && adminSecret === undefined) {
    throw new ConfigError(`--admin-api secret needs --admin-secret (or ${envName('admin-secret')})`);
  }
  const persistedDocuments = get('persisted-documents') as string | undefined;
  const onlyPersisted = get('only-persisted') as boolean;
  if (onlyPersisted && persistedDocuments === undefined) {
    throw new ConfigError('--only-persisted needs --persisted-documents FILE');
  }
  const allowedHostsRaw = get('allowed-hosts');
  const ksqlHttp2 = get('ksql-http2') as string;
  if (ksqlHttp2 !== 'auto' && ksqlHttp2 !== 'off') {
    throw new ConfigError(`--ksql-http2 must be auto or off, got "${ksqlHttp2}"`);
  }
  return Object.freeze({
    command,
    port,
    host,
    ksqlUrls,
    ksqlTls,
    ksqlHealthIntervalMs: positive('ksql-health-interval-ms'),
    ksqlMaxLineBytes: positive('ksql-max-line-bytes'),
    ksqlMaxBodyBytes: positive('ksql-max-body-bytes'),
    ksqlHttp2,
    metrics: get('metrics') as boolean,
    metricsPath,
    shutdownTimeoutMs,
    logFormat,
    typedSchema: get('typed-schema') as boolean,
    includeSources: list('include-sources'),
    excludeSources: list('exclude-sources'),
    schemaRefreshMs,
    federation: get('federation') as boolean,
    corsOrigins: Object.freeze(list('cors-origins').map(parseOrigin)),
    allowedHosts: allowedHostsRaw === undefined ? undefined : list('allowed-hosts'),
    requestContentTypes: Object.freeze(list('request-content-types').map(parseContentType)),
    adminApi,
    adminSecret,
    readOnly: get('read-only') as boolean,
    persistedDocuments,
    onlyPersisted,
    limits,
    credentials,
    forwardAuthorization: get('forward-authorization') as boolean,
    requestTimeoutMs,
    graphiql: get('graphiql') as boolean,
    graphqlPath,
    logLevel: logLevel as LogLevel,
    inMemory,
    dataDir,
    maxSqlTokens,
    checkpointIntervalMs,
    segmentBytes,
    engineProperties,
    pushLogBytes: positive('push-log-bytes'),
    cursorSecret,
    resumeGatherMs: nonNegative('resume-gather-ms'),
    resumeWindowBytes: nonNegative('resume-window-bytes'),
  });
}

function parseKsqlUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(`--ksql-url is not a valid URL: "${raw}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError(`--ksql-url must be http or https, got ${url.protocol}`);
  }
  if (url.username || url.password) {
    // The value is not echoed: it holds a credential.
    throw new ConfigError('--ksql-url must not contain credentials; use --ksql-username/--ksql-password');
  }
  return url.toString().replace(/\/$/, '');
}

/**
 * A browser origin as the `Origin` header carries it: `scheme://host[:port]`,
 * lower-cased, default port dropped. `*` and `null` are refused: with
 * credentials they would let any page (or a sandboxed one) in.
 */
function parseOrigin(raw: string): string {
  if (raw === '*' || raw.toLowerCase() === 'null') {
    throw new ConfigError(`--cors-origins: "${raw}" is not allowed; list each origin (e.g. https://app.example.com)`);
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(`--cors-origins: "${raw}" is not an origin (scheme://host[:port])`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError(`--cors-origins: "${raw}" must be http or https`);
  }
  if (url.username || url.password || (url.pathname !== '/' && url.pathname !== '') || url.search || url.hash || raw.endsWith('/')) {
    throw new ConfigError(`--cors-origins: "${raw}" must be an origin only, without a path (e.g. https://app.example.com)`);
  }
  return url.origin;
}

function parseContentType(raw: string): RequestContentType {
  const type = raw.trim().toLowerCase();
  if (!(REQUEST_CONTENT_TYPES as readonly string[]).includes(type)) {
    throw new ConfigError(`--request-content-types: "${raw}" is not one of ${REQUEST_CONTENT_TYPES.join(', ')}`);
  }
  return type as RequestContentType;
}

/** `--help` text, generated from {@link OPTIONS}. */
export function helpText(command?: Command): string {
  const lines: string[] = [
    'ksqldb-gateway: a GraphQL gateway for ksqlDB, with an embedded ksqlDB-compatible engine',
    '',
    'Usage:',
    '  ksqldb-gateway [serve] [options]   GraphQL gateway (embedded engine unless --ksql-url)',
    '  ksqldb-gateway engine [options]    the embedded engine alone (ksqlDB REST API)',
    '',
    'Once ready, each prints one line with its URL (http://HOST:PORT) on stdout.',
    'SIGINT/SIGTERM close subscriptions and queries, then exit 0.',
    '',
  ];
  for (const cmd of command ? [command] : (['serve', 'engine'] as const)) {
    lines.push(`Options for ${cmd}:`);
    for (const o of OPTIONS.filter((x) => x.commands.includes(cmd))) {
      const value = o.kind === 'boolean' ? '' : ` ${o.valueName ?? 'VALUE'}`;
      const def = o.defaults?.[cmd];
      const negation = o.kind === 'boolean' && def === true ? ` (--no-${o.flag} to disable)` : '';
      lines.push(`  --${o.flag}${value}`);
      lines.push(`      ${o.description}${negation}`);
      lines.push(
        `      env ${envName(o.flag)}${def !== undefined && !o.secret ? `; default ${String(def)}` : ''}`,
      );
    }
    lines.push('');
  }
  lines.push('  --help, -h      this text', '  --version, -v   print the version');
  return lines.join('\n');
}

/** The README's configuration table, generated from {@link OPTIONS}. */
export function markdownTable(): string {
  const rows = [
    '| flag | environment variable | commands | default | meaning |',
    '|---|---|---|---|---|',
  ];
  for (const o of OPTIONS) {
    const value = o.kind === 'boolean' ? '' : ` ${o.valueName ?? 'VALUE'}`;
    const defs = o.defaults
      ? [...new Set(Object.values(o.defaults).map(String))].length === 1
        ? String(Object.values(o.defaults)[0])
        : Object.entries(o.defaults)
            .map(([c, v]) => `${String(v)} (${c})`)
            .join(', ')
      : '—';
    rows.push(
      `| \`--${o.flag}${value}\` | \`${envName(o.flag)}\` | ${o.commands.join(', ')} | ${defs} | ${o.description.replaceAll('|', '\\|')} |`,
    );
  }
  return rows.join('\n');
}
