/**
 * The interface the rest of the gateway programs against. The undici
 * implementation lives in client.ts; tests may pass any object of this shape.
 *
 * @module
 */
import type {
  ClusterStatusResponse,
  CommandStatus,
  HealthCheckResponse,
  JsonValue,
  KsqlEntity,
  KsqlRequest,
  ServerInfo,
  WireColumn,
} from '../../protocol/index.js';
import type { KsqlServerError } from './errors.js';

export interface CallOptions {
  /** Cancels the call; the HTTP request is aborted at once. */
  readonly signal?: AbortSignal | undefined;
  /**
   * Per-call timeout for the whole response (headers and body).
   * Push-query bodies never time out; their header still does.
   * @default the client's `requestTimeoutMs`
   */
  readonly timeoutMs?: number | undefined;
  /**
   * The `Authorization` header value of the incoming request, forwarded when
   * the client is configured to forward credentials. Never logged.
   */
  readonly authorization?: string | undefined;
}

export interface QueryHeader {
  readonly queryId: string;
  /** The schema string exactly as ksqlDB sent it. */
  readonly schema: string;
  readonly columns: readonly WireColumn[];
}

export interface QueryRow {
  /** Values in header column order. BIGINT/DECIMAL beyond a double's precision are JsonNumber. */
  readonly columns: readonly JsonValue[];
  readonly tombstone: boolean;
}

/** The events of one `/query` response, in order: header, rows, then at most one final. */
export type QueryEvent =
  | ({ readonly kind: 'header' } & QueryHeader)
  | ({ readonly kind: 'row' } & QueryRow)
  | { readonly kind: 'final'; readonly message: string };

/**
 * A running `/query`. Iterate it for events; an `errorMessage` in the body is
 * thrown from the iterator as a KsqlServerError. `return()` (or breaking out
 * of `for await`) closes the HTTP response at once.
 */
export interface QueryStream extends AsyncIterableIterator<QueryEvent> {
  /** Resolves with the header once it has arrived. */
  readonly header: Promise<QueryHeader>;
  /**
   * Closes the HTTP response at once, also while a `next()` is pending (that
   * `next()` then resolves `done`). Always present, unlike on AsyncIterator.
   */
  return(value?: unknown): Promise<IteratorResult<QueryEvent>>;
}

/**
 * The outcome of one row of {@link KsqlClient.insertsStream}, by `seq` (its
 * index in the rows given): acknowledged, refused (ksqlDB then stops, so
 * every later row is `skipped`: never inserted), or skipped.
 */
export type InsertRowResult =
  | { readonly seq: number; readonly status: 'ok' }
  | { readonly seq: number; readonly status: 'error'; readonly error: KsqlServerError }
  | { readonly seq: number; readonly status: 'skipped' };

export interface PullQueryResult {
  readonly header: QueryHeader;
  readonly rows: readonly QueryRow[];
  readonly finalMessage: string | null;
}

export interface KsqlClient {
  info(options?: CallOptions): Promise<ServerInfo>;
  healthcheck(options?: CallOptions): Promise<HealthCheckResponse>;
  clusterStatus(options?: CallOptions): Promise<ClusterStatusResponse>;
  /** `POST /ksql`: one entity per statement that produces one. */
  ksql(request: KsqlRequest, options?: CallOptions): Promise<KsqlEntity[]>;
  /** `GET /status/{commandId}`; backticks and other characters are percent-encoded. */
  status(commandId: string, options?: CallOptions): Promise<CommandStatus>;
  /** `POST /ksql/terminate`. */
  terminateCluster(deleteTopicList?: readonly string[], options?: CallOptions): Promise<KsqlEntity[]>;
  /** `POST /query`, streamed. The response body has no timeout. */
  query(request: KsqlRequest, options?: CallOptions): QueryStream;
  /** `POST /query` collected to the end (pull queries, or push queries with LIMIT). */
  pullQuery(request: KsqlRequest, options?: CallOptions): Promise<PullQueryResult>;
  /** `POST /close-query` (over HTTP/2 when the server is known to speak it). */
  closeQuery(queryId: string, options?: CallOptions): Promise<void>;
  /**
   * `POST /inserts-stream` (HTTP/2 only): `rows` into the stream `target`,
   * one acknowledgement per row. Row keys are column names as ksqlDB reads
   * them (unquoted names are uppercased; `` `quoted` `` ones are kept).
   * Resolves `null`, having inserted nothing, when the server does not offer
   * it (HTTP/1.1 only, or `http2: 'off'`): send `INSERT INTO … VALUES`
   * statements instead. Optional: clients without it are treated the same.
   */
  insertsStream?(target: string, rows: readonly Readonly<Record<string, unknown>>[], options?: CallOptions): Promise<InsertRowResult[] | null>;
  /** Closes pooled connections. */
  close(): Promise<void>;
}

/** What is known of one ksqlDB server of a cluster (see `createKsqlCluster`). */
export interface KsqlServerState {
  /** The server's base URL (never with credentials: the client refuses those). */
  readonly url: string;
  /** Its last health check answered `isHealthy: true`, and no call has failed to reach it since. */
  readonly healthy: boolean;
  /** When its last health check ended (ms since the epoch); null before the first. */
  readonly lastCheckAt: number | null;
  /** Why it is not healthy, as a short plain reason (`connection refused`, `HTTP 503`, ...); null when healthy. */
  readonly lastError: string | null;
}
