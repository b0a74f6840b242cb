/**
 * A {@link KsqlClient} over the servers of one ksqlDB cluster: one
 * {@link createKsqlClient} per URL, a health poller, and routing rules that
 * say which calls may be sent again to another server.
 *
 * - Health: every server's `/healthcheck` is polled every `healthIntervalMs`
 *   (the first check at once). A server is healthy while its last check
 *   answered `isHealthy: true` and no call has failed to reach it since: a
 *   connection failure on a real call marks it unhealthy at once, and only a
 *   passing check brings it back.
 * - Routing: calls go round-robin over the healthy servers, then (when those
 *   fail, or none is known healthy) to the others in the order given.
 * - Retries: a call is sent to the next server only if running it twice
 *   cannot matter, and only for failures that say nothing ran or the server
 *   is not serving (transport errors, timeouts, HTTP 503):
 *   `info`, `healthcheck`, `clusterStatus`, `status`, `pullQuery`, and `ksql`
 *   when every statement is SHOW/LIST/DESCRIBE/EXPLAIN. Any other `ksql` and
 *   `terminateCluster` go to one server and its error goes to the caller:
 *   the statement may have run there.
 * - Push queries (`query`) open on the first server that sends their header;
 *   a failure before the header is retried on the next one (a transient query
 *   lives only as long as its connection, so nothing is left running). The
 *   query id is remembered with its server, so `closeQuery` goes there.
 * - A push query whose server goes away ends with a KsqlTransportError marked
 *   `inStream` (the gateway's `KSQL_CONNECTION_LOST`): either its connection
 *   broke, or its body ended without the final message a push query ends with
 *   and the server then failed a health check (a server shutting down ends
 *   its responses cleanly, as the embedded engine does).
 *
 * @example
 * const ksql = createKsqlCluster({
 *   urls: ['http://ksqldb-1:8088', 'http://ksqldb-2:8088'],
 *   client: { requestTimeoutMs: 10_000 },
 * });
 * console.log(ksql.servers()); // [{ url, healthy, lastCheckAt, lastError }, ...]
 * await ksql.close();
 *
 * @module
 */
import type {
  ClusterStatusResponse,
  CommandStatus,
  HealthCheckResponse,
  KsqlEntity,
  KsqlRequest,
  ServerInfo,
} from '../../protocol/index.js';
import { silentLogger, type Logger } from '../../shared/logger.js';
import { createKsqlClient, type KsqlClientOptions } from './client.js';
import { KsqlAbortError, KsqlClientConfigError, KsqlClientErrorCode, KsqlTransportError } from './errors.js';
import type {
  CallOptions,
  InsertRowResult,
  KsqlClient,
  KsqlServerState,
  PullQueryResult,
  QueryEvent,
  QueryHeader,
  QueryStream,
} from './types.js';

export interface KsqlClusterOptions {
  /**
   * Base URLs of the servers of one ksqlDB cluster, at least one, no
   * duplicates. When no server is known healthy they are tried in this order.
   */
  readonly urls: readonly (string | URL)[];
  /**
   * Options of every server's client (everything but `baseUrl`); a
   * `dispatcher` given here is shared by all of them.
   * @default {}
   */
  readonly client?: Omit<KsqlClientOptions, 'baseUrl'> | undefined;
  /**
   * Time between the end of one `/healthcheck` of a server and the start of
   * the next (timers are unref'd).
   * @default 5000 (ms)
   */
  readonly healthIntervalMs?: number | undefined;
  /**
   * How long one `/healthcheck` may take before the server counts as unhealthy.
   * @default 2000 (ms)
   */
  readonly healthTimeoutMs?: number | undefined;
  /**
   * Where health changes are logged, one child logger per server carrying
   * its URL (`ksqlServer`).
   * @default a silent logger
   */
  readonly logger?: Logger | undefined;
  /**
   * Builds one server's client; tests inject fakes.
   * @default createKsqlClient
   */
  readonly createClient?: ((options: KsqlClientOptions) => KsqlClient) | undefined;
  /**
   * The clock of `lastCheckAt`.
   * @default Date.now
   */
  readonly now?: (() => number) | undefined;
}

/** A {@link KsqlClient} over several servers, with what it knows of each. */
export interface KsqlCluster extends KsqlClient {
  /** Each server's state, in the order of `urls`. */
  servers(): readonly KsqlServerState[];
  /** Checks every server now (joining checks already running) and resolves with the states. */
  checkHealth(): Promise<readonly KsqlServerState[]>;
}

/** How long a push query's server is remembered after its stream ended, for a late `closeQuery`. */
const CLOSED_QUERY_MEMORY_MS = 60_000;

const LISTING_KEYWORDS = new Set(['SHOW', 'LIST', 'DESCRIBE', 'EXPLAIN']);

/**
 * True when every statement of `sql` only reads (SHOW, LIST, DESCRIBE,
 * EXPLAIN), so that sending it to a second server cannot change anything.
 * Comments and quoted text are ignored; an empty request runs nothing.
 */
export function isListingOnly(sql: string): boolean {
  // Quoted text and comments may hold `;` or keywords that start no statement.
  const text = sql
    .replace(/--[^\n]*/g, ' ')
    .replace(/\/\*[\s\S]*?\*\//g, ' ')
    .replace(/'(?:[^']|'')*'|`(?:[^`]|``)*`|"(?:[^"]|"")*"/g, ' x ');
  // An unterminated quote or comment leaves its opener: better not to guess.
  if (/['`"]|\/\*/.test(text)) return false;
  return text
    .split(';')
    .map((statement) => statement.trim())
    .filter((statement) => statement !== '')
    .every((statement) => LISTING_KEYWORDS.has((statement.split(/\s+/, 1)[0] ?? '').toUpperCase()));
}

function codeOf(err: unknown): string | undefined {
  const code = typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : undefined;
  return typeof code === 'string' ? code : undefined;
}

function httpStatusOf(err: unknown): number | undefined {
  const status = typeof err === 'object' && err !== null ? (err as { httpStatus?: unknown }).httpStatus : undefined;
  return typeof status === 'number' ? status : undefined;
}

/** The server could not be reached or broke the connection: it is marked unhealthy at once. */
function isConnectionFailure(err: unknown): boolean {
  // Timeouts are not: a slow query says nothing of the server; its health check will.
  return codeOf(err) === KsqlClientErrorCode.TRANSPORT;
}

/** Nothing ran, or the server is not serving: another server may be asked. */
function isRetryable(err: unknown): boolean {
  const code = codeOf(err);
  if (code === KsqlClientErrorCode.TRANSPORT || code === KsqlClientErrorCode.TIMEOUT) return true;
  return code === KsqlClientErrorCode.SERVER_ERROR && httpStatusOf(err) === 503;
}

/** A short plain reason for `lastError`: no URL, no upstream text. */
export function failureReason(err: unknown): string {
  switch (codeOf(err)) {
    case KsqlClientErrorCode.TIMEOUT:
      return 'timed out';
    case KsqlClientErrorCode.TRANSPORT: {
      if ((err as KsqlTransportError).inStream) return 'connection lost';
      // Built from error codes only (transport-reason.ts): no host, path or secret.
      return (err as KsqlTransportError).reason;
    }
    case KsqlClientErrorCode.SERVER_ERROR:
      return `HTTP ${httpStatusOf(err) ?? '?'}`;
    case KsqlClientErrorCode.PROTOCOL:
      return 'unreadable response';
    case KsqlClientErrorCode.ABORTED:
      return 'cancelled';
    default:
      return 'unexpected error';
  }
}

/** The URL as shown in logs and `/readiness`: origin and path, nothing else. */
function displayUrl(url: string | URL): string {
  const u = new URL(String(url));
  return u.origin + u.pathname.replace(/\/+$/, '');
}

function checkDuration(name: string, value: number, min: number): number {
  if (!Number.isFinite(value) || value < min) {
    throw new KsqlClientConfigError(`${name} must be a finite number of milliseconds >= ${min}, got ${value}`);
  }
  return value;
}

class Server {
  readonly url: string;
  readonly client: KsqlClient;
  readonly log: Logger;
  healthy = false;
  /** A verdict has been logged (the first one is logged whatever it is). */
  known = false;
  lastCheckAt: number | null = null;
  lastError: string | null = null;
  /** Bumped by every failed call: a check that started before it cannot mark the server healthy. */
  failures = 0;
  checking: Promise<void> | undefined;
  timer: NodeJS.Timeout | undefined;

  constructor(url: string, client: KsqlClient, log: Logger) {
    this.url = url;
    this.client = client;
    this.log = log;
  }

  state(): KsqlServerState {
    return { url: this.url, healthy: this.healthy, lastCheckAt: this.lastCheckAt, lastError: this.lastError };
  }
}

interface QueryRoute {
  readonly server: Server;
  timer: NodeJS.Timeout | undefined;
}

class Cluster implements KsqlCluster {
  readonly #servers: readonly Server[];
  readonly #intervalMs: number;
  readonly #healthTimeoutMs: number;
  readonly #now: () => number;
  readonly #stop = new AbortController();
  /** Running (and recently ended) push queries by id: where `closeQuery` goes. */
  readonly #queries = new Map<string, QueryRoute>();
  #turn = 0;
  #closing: Promise<void> | undefined;

  constructor(options: KsqlClusterOptions) {
    const {
      urls,
      client = {},
      healthIntervalMs = 5_000,
      healthTimeoutMs = 2_000,
      logger = silentLogger,
      createClient = createKsqlClient,
      now = Date.now,
    } = options;
    if (urls.length === 0) throw new KsqlClientConfigError('urls must name at least one ksqlDB server');
    this.#intervalMs = checkDuration('healthIntervalMs', healthIntervalMs, 1);
    this.#healthTimeoutMs = checkDuration('healthTimeoutMs', healthTimeoutMs, 1);
    this.#now = now;
    const servers: Server[] = [];
    try {
      for (const url of urls) {
        // The client validates the URL (and refuses credentials in it) first.
        const serverClient = createClient({ ...client, baseUrl: url });
        const shown = displayUrl(url);
        servers.push(new Server(shown, serverClient, logger.child({ ksqlServer: shown })));
        if (servers.filter((s) => s.url === shown).length > 1) {
          throw new KsqlClientConfigError(`urls lists ${shown} twice`);
        }
      }
    } catch (err) {
      for (const server of servers) void server.client.close().catch(() => {});
      throw err;
    }
    this.#servers = servers;
    for (const server of servers) void this.#check(server).finally(() => this.#schedule(server));
  }

  // ------------------------------------------------------------ state

  servers(): readonly KsqlServerState[] {
    return this.#servers.map((server) => server.state());
  }

  async checkHealth(): Promise<readonly KsqlServerState[]> {
    await Promise.all(this.#servers.map((server) => this.#check(server)));
    return this.servers();
  }

  #schedule(server: Server): void {
    if (this.#stop.signal.aborted) return;
    server.timer = setTimeout(() => {
      server.timer = undefined;
      void this.#check(server).finally(() => this.#schedule(server));
    }, this.#intervalMs);
    server.timer.unref();
  }

  /** One `/healthcheck` of `server` (or the one already running). Never rejects. */
  #check(server: Server): Promise<void> {
    server.checking ??= (async () => {
      const failuresBefore = server.failures;
      try {
        const health = await server.client.healthcheck({
          timeoutMs: this.#healthTimeoutMs,
          signal: this.#stop.signal,
        });
        if (this.#stop.signal.aborted) return;
        server.lastCheckAt = this.#now();
        if (!health.isHealthy) this.#setUnhealthy(server, 'reported unhealthy');
        // A call failed to reach it while the check ran: the failure is newer.
        else if (server.failures === failuresBefore) this.#setHealthy(server);
      } catch (err) {
        if (this.#stop.signal.aborted) return;
        server.lastCheckAt = this.#now();
        this.#setUnhealthy(server, failureReason(err));
      } finally {
        server.checking = undefined;
      }
    })();
    return server.checking;
  }

  #setHealthy(server: Server): void {
    server.lastError = null;
    if (server.healthy && server.known) return;
    server.healthy = true;
    server.known = true;
    server.log.info('ksqlDB server is healthy');
  }

  #setUnhealthy(server: Server, reason: string): void {
    const changed = server.healthy || !server.known || server.lastError !== reason;
    server.healthy = false;
    server.known = true;
    server.lastError = reason;
    if (changed) server.log.warn(`ksqlDB server is unhealthy: ${reason}`);
  }

  /** A real call failed: a connection failure takes the server out of rotation at once. */
  #noteFailure(server: Server, err: unknown): void {
    if (!isConnectionFailure(err)) return;
    server.failures++;
    this.#setUnhealthy(server, failureReason(err));
  }

  /** Healthy servers round-robin, then the others in the configured order. */
  #candidates(): Server[] {
    const healthy = this.#servers.filter((s) => s.healthy);
    const others = this.#servers.filter((s) => !s.healthy);
    if (healthy.length > 1) {
      const start = this.#turn % healthy.length;
      this.#turn = (this.#turn + 1) % 1_000_000;
      healthy.push(...healthy.splice(0, start));
    }
    return [...healthy, ...others];
  }

  // ------------------------------------------------------------ routing

  /** A call that may have run: one server, its error to the caller. */
  async #once<T>(run: (client: KsqlClient) => Promise<T>): Promise<T> {
    const server = this.#candidates()[0] as Server;
    try {
      return await run(server.client);
    } catch (err) {
      this.#noteFailure(server, err);
      throw err;
    }
  }

  /** An idempotent call: the next server on failures that say nothing ran. */
  async #retrying<T>(what: string, options: CallOptions | undefined, run: (client: KsqlClient) => Promise<T>): Promise<T> {
    const failures: Array<{ server: Server; err: unknown }> = [];
    for (const server of this.#candidates()) {
      try {
        return await run(server.client);
      } catch (err) {
        this.#noteFailure(server, err);
        if (!isRetryable(err) || options?.signal?.aborted) throw err;
        failures.push({ server, err });
      }
    }
    throw this.#allFailed(what, failures);
  }

  /** The error when every server failed: the only one, all 503s as the last, else one transport error. */
  #allFailed(what: string, failures: ReadonlyArray<{ server: Server; err: unknown }>): unknown {
    const last = failures[failures.length - 1]?.err;
    if (failures.length <= 1 || failures.every(({ err }) => codeOf(err) === KsqlClientErrorCode.SERVER_ERROR)) {
      return last;
    }
    const reasons = failures.map(({ server, err }) => `${server.url}: ${failureReason(err)}`).join('; ');
    return new KsqlTransportError(`${what}: no ksqlDB server answered (${reasons})`, {
      cause: new AggregateError(failures.map(({ err }) => err)),
      causeCode: (last as { causeCode?: string } | undefined)?.causeCode,
    });
  }

  // ------------------------------------------------------------ KsqlClient

  info(options?: CallOptions): Promise<ServerInfo> {
    return this.#retrying('GET /info', options, (c) => c.info(options));
  }

  healthcheck(options?: CallOptions): Promise<HealthCheckResponse> {
    return this.#retrying('GET /healthcheck', options, (c) => c.healthcheck(options));
  }

  clusterStatus(options?: CallOptions): Promise<ClusterStatusResponse> {
    return this.#retrying('GET /clusterStatus', options, (c) => c.clusterStatus(options));
  }

  ksql(request: KsqlRequest, options?: CallOptions): Promise<KsqlEntity[]> {
    if (isListingOnly(request.ksql)) return this.#retrying('POST /ksql', options, (c) => c.ksql(request, options));
    return this.#once((c) => c.ksql(request, options));
  }

  status(commandId: string, options?: CallOptions): Promise<CommandStatus> {
    return this.#retrying('GET /status', options, (c) => c.status(commandId, options));
  }

  terminateCluster(deleteTopicList?: readonly string[], options?: CallOptions): Promise<KsqlEntity[]> {
    return this.#once((c) => c.terminateCluster(deleteTopicList, options));
  }

  pullQuery(request: KsqlRequest, options?: CallOptions): Promise<PullQueryResult> {
    return this.#retrying('POST /query', options, (c) => c.pullQuery(request, options));
  }

  /** Writes, like `/ksql`: sent once, to one server (no retry); null when that server offers no `/inserts-stream`. */
  insertsStream(target: string, rows: readonly Readonly<Record<string, unknown>>[], options?: CallOptions): Promise<InsertRowResult[] | null> {
    return this.#once(async (c) => (c.insertsStream === undefined ? null : c.insertsStream(target, rows, options)));
  }

  query(request: KsqlRequest, options?: CallOptions): QueryStream {
    return new ClusterQueryStream(
      {
        candidates: this.#candidates(),
        open: (server) => server.client.query(request, options),
        signal: options?.signal,
        onFailure: (server, err) => this.#noteFailure(server, err),
        onHeader: (server, queryId) => this.#remember(queryId, server),
        onEnd: (queryId) => this.#forgetLater(queryId),
        probe: async (server) => {
          // A check already running may have started before the body ended: ask afresh.
          await server.checking;
          await this.#check(server);
          return server.healthy ? undefined : (server.lastError ?? 'unhealthy');
        },
      },
    );
  }

  async closeQuery(queryId: string, options?: CallOptions): Promise<void> {
    const route = this.#queries.get(queryId);
    if (route) {
      this.#forget(queryId);
      try {
        await route.server.client.closeQuery(queryId, options);
      } catch (err) {
        this.#noteFailure(route.server, err);
        throw err;
      }
      return;
    }
    // Not opened here (or long ended): ask each server until one knows it.
    let first: unknown;
    for (const server of this.#candidates()) {
      try {
        await server.client.closeQuery(queryId, options);
        return;
      } catch (err) {
        this.#noteFailure(server, err);
        if (codeOf(err) === KsqlClientErrorCode.ABORTED) throw err;
        first ??= err;
      }
    }
    throw first;
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#stop.abort(new KsqlAbortError('the ksqlDB cluster client is closed'));
      for (const server of this.#servers) {
        if (server.timer !== undefined) clearTimeout(server.timer);
        server.timer = undefined;
      }
      for (const queryId of [...this.#queries.keys()]) this.#forget(queryId);
      // The checks were aborted above; they settle before their clients close.
      await Promise.all(this.#servers.flatMap((server) => server.checking ?? []));
      await Promise.all(this.#servers.map((server) => server.client.close()));
    })();
    return this.#closing;
  }

  // ------------------------------------------------------------ query routes

  #remember(queryId: string, server: Server): void {
    this.#forget(queryId);
    this.#queries.set(queryId, { server, timer: undefined });
  }

  /** The stream ended: a `closeQuery` may still follow (consumers call it after `return()`). */
  #forgetLater(queryId: string): void {
    const route = this.#queries.get(queryId);
    if (!route || route.timer !== undefined || this.#stop.signal.aborted) return;
    route.timer = setTimeout(() => {
      if (this.#queries.get(queryId) === route) this.#queries.delete(queryId);
    }, CLOSED_QUERY_MEMORY_MS);
    route.timer.unref();
  }

  #forget(queryId: string): void {
    const route = this.#queries.get(queryId);
    if (route?.timer !== undefined) clearTimeout(route.timer);
    this.#queries.delete(queryId);
  }
}

// ------------------------------------------------------------ push queries

interface ClusterQueryOptions {
  /** Servers to try, in order. */
  readonly candidates: readonly Server[];
  readonly open: (server: Server) => QueryStream;
  readonly signal: AbortSignal | undefined;
  readonly onFailure: (server: Server, err: unknown) => void;
  readonly onHeader: (server: Server, queryId: string) => void;
  readonly onEnd: (queryId: string) => void;
  /** Checks the server now: undefined when healthy, else why not. */
  readonly probe: (server: Server) => Promise<string | undefined>;
}

interface Bound {
  readonly server: Server;
  readonly stream: QueryStream;
  readonly queryId: string;
}

/**
 * A push query over the cluster: opens on the first candidate that sends a
 * header, then passes that stream's events through.
 */
class ClusterQueryStream implements QueryStream {
  readonly header: Promise<QueryHeader>;
  readonly #opts: ClusterQueryOptions;
  /** The stream the events come from; undefined when closed before it opened. */
  readonly #opened: Promise<Bound | undefined>;
  #current: QueryStream | undefined;
  #returned = false;
  #done = false;
  #sawFinal = false;

  constructor(opts: ClusterQueryOptions) {
    this.#opts = opts;
    this.#opened = this.#open();
    // Nobody has to await either: a rejection must not become unhandled.
    this.#opened.catch(() => {});
    this.header = this.#opened.then((bound) => {
      if (bound === undefined) throw new KsqlAbortError('POST /query: the query stream was closed by its consumer');
      return bound.stream.header;
    });
    this.header.catch(() => {});
  }

  async #open(): Promise<Bound | undefined> {
    const { candidates, signal } = this.#opts;
    const failures: unknown[] = [];
    for (const [index, server] of candidates.entries()) {
      const stream = this.#opts.open(server);
      this.#current = stream;
      let header: QueryHeader;
      try {
        header = await stream.header;
      } catch (err) {
        void stream.return(undefined);
        if (this.#returned) return undefined;
        this.#opts.onFailure(server, err);
        failures.push(err);
        // Before its header a transient query has run nowhere: another server may take it.
        if (!isRetryable(err) || signal?.aborted || index === candidates.length - 1) throw err;
        continue;
      }
      this.#opts.onHeader(server, header.queryId);
      if (this.#returned) {
        // Closed while the header was on its way.
        void stream.return(undefined);
        this.#opts.onEnd(header.queryId);
        return undefined;
      }
      return { server, stream, queryId: header.queryId };
    }
    // candidates is never empty; this guards the invariant.
    const last: unknown = failures[failures.length - 1] ?? new KsqlClientConfigError('no ksqlDB server to open the query on');
    throw last;
  }

  async next(): Promise<IteratorResult<QueryEvent>> {
    if (this.#done) return { value: undefined, done: true };
    let bound: Bound | undefined;
    try {
      bound = await this.#opened;
    } catch (err) {
      this.#done = true;
      throw err;
    }
    if (bound === undefined) return { value: undefined, done: true };
    let step: IteratorResult<QueryEvent>;
    try {
      step = await bound.stream.next();
    } catch (err) {
      this.#finish(bound);
      this.#opts.onFailure(bound.server, err);
      throw err;
    }
    if (!step.done) {
      if (step.value.kind === 'final') this.#sawFinal = true;
      return step;
    }
    this.#finish(bound);
    if (!this.#sawFinal && !this.#returned) await this.#checkServer(bound);
    return step;
  }

  /**
   * A push query ends with a final message or an error; a body that just
   * ends means its query was closed (by someone) or its server is going
   * away. Asking the server tells the two apart.
   */
  async #checkServer(bound: Bound): Promise<void> {
    const reason = await this.#opts.probe(bound.server);
    // Closed by its consumer meanwhile: nobody is left to tell.
    if (reason === undefined || this.#returned) return;
    throw new KsqlTransportError(
      `POST ${bound.server.url}/query: the response of query ${bound.queryId} ended without a final message and the server no longer answers its health check (${reason})`,
      { method: 'POST', path: '/query', inStream: true },
    );
  }

  #finish(bound: Bound): void {
    if (this.#done) return;
    this.#done = true;
    this.#opts.onEnd(bound.queryId);
  }

  async return(value?: unknown): Promise<IteratorResult<QueryEvent>> {
    this.#returned = true;
    // Wakes a pending next() (it resolves done) and ends the attempt being opened.
    await this.#current?.return(value);
    const bound = await this.#opened.catch(() => undefined);
    if (bound) this.#finish(bound);
    this.#done = true;
    return { value: undefined, done: true };
  }

  throw(err?: unknown): Promise<IteratorResult<QueryEvent>> {
    void this.return();
    // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- the iterator protocol: throw(err) rejects with the caller's err, whatever it is
    return Promise.reject(err);
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}

/**
 * Creates a {@link KsqlCluster}: a {@link KsqlClient} over the servers of one
 * ksqlDB cluster, with health checks and the failover rules in this module's
 * header. `close()` stops the checks and closes every server's client.
 */
export function createKsqlCluster(options: KsqlClusterOptions): KsqlCluster {
  return new Cluster(options);
}
