/**
 * A decorator over any {@link KsqlClient} that tells an observer about every
 * call: when it starts (the observer may refuse it by throwing, before
 * anything is sent) and how it ended. Metrics, traces, the per-operation call
 * budget and the operation log are observers; the client itself knows
 * nothing of them.
 *
 * What an observer sees never holds statement values or credentials: the
 * endpoint, the kind of query, and the statement's leading keywords
 * (`CREATE STREAM`, `SELECT`, ...).
 *
 * @module
 */
import type { KsqlEntity, KsqlRequest } from '../../protocol/index.js';
import type { CallOptions, InsertRowResult, KsqlClient, PullQueryResult, QueryEvent, QueryHeader, QueryStream } from './types.js';

export type KsqlEndpoint =
  | '/info'
  | '/healthcheck'
  | '/clusterStatus'
  | '/ksql'
  | '/status'
  | '/ksql/terminate'
  | '/query'
  | '/close-query'
  | '/inserts-stream';

export interface KsqlCall {
  readonly endpoint: KsqlEndpoint;
  /** `/query` only: a push query (streamed) or a pull query (collected). */
  readonly queryKind?: 'push' | 'pull' | undefined;
  /** The statements' leading keywords, e.g. `CREATE STREAM`, `SELECT`, `INSERT;SHOW` (never values). */
  readonly statementKind?: string | undefined;
}

export interface KsqlCallOutcome {
  /** `cancelled`: the caller went away or ended a push query itself. */
  readonly result: 'ok' | 'error' | 'cancelled';
  /** The error's stable code (`KSQL_SERVER_ERROR`, `KSQL_TRANSPORT`, ...). */
  readonly code?: string | undefined;
  /** ksqlDB's HTTP status, when it answered with an error. */
  readonly httpStatus?: number | undefined;
  readonly error?: unknown;
}

/**
 * Called as a call starts; may throw to refuse it (nothing is sent). What it
 * returns is called once, when the call ends (a push query: when its stream
 * ends, however it ends).
 */
export type KsqlCallObserver = (call: KsqlCall) => ((outcome: KsqlCallOutcome) => void) | void;

const LISTED = new Set(['STREAMS', 'TABLES', 'TOPICS', 'ALL', 'QUERIES', 'PROPERTIES', 'FUNCTIONS', 'TYPES', 'CONNECTORS', 'SOURCE', 'SINK', 'VARIABLES']);

/**
 * The keywords that may follow each statement's first one in a kind. Any
 * other word is an identifier (`DESCRIBE users`, `TERMINATE CSAS_1`) and is
 * left out: a kind names the statement, never what it is about.
 */
const SECOND_KEYWORDS: Readonly<Record<string, ReadonlySet<string>>> = {
  CREATE: new Set(['STREAM', 'TABLE', 'TYPE', 'CONNECTOR', 'SOURCE', 'SINK', 'OR']),
  DROP: new Set(['STREAM', 'TABLE', 'TYPE', 'CONNECTOR']),
  ALTER: new Set(['STREAM', 'TABLE', 'SYSTEM']),
  DESCRIBE: new Set(['STREAMS', 'TABLES', 'FUNCTION', 'CONNECTOR', 'EXTENDED']),
  SHOW: LISTED,
  LIST: LISTED,
  TERMINATE: new Set(['ALL']),
  PAUSE: new Set(['ALL']),
  RESUME: new Set(['ALL']),
  ASSERT: new Set(['TOPIC', 'SCHEMA', 'NOT']),
};

/** CREATE OR REPLACE, CREATE SOURCE TABLE. */
const THIRD_KEYWORDS: Readonly<Record<string, ReadonlySet<string>>> = {
  OR: new Set(['REPLACE']),
  SOURCE: new Set(['STREAM', 'TABLE', 'CONNECTOR']),
};

/** Statements' first keywords; any other first word (a typo, text that is no statement) is `OTHER`. */
const FIRST_KEYWORDS = new Set([
  ...Object.keys(SECOND_KEYWORDS),
  'SELECT',
  'INSERT',
  'PRINT',
  'EXPLAIN',
  'SET',
  'UNSET',
  'DEFINE',
  'UNDEFINE',
  'RUN',
]);

/**
 * The leading keywords of each statement of `sql` (`CREATE STREAM`,
 * `INSERT`, ...), joined by `;`, at most 5; no identifier or value: words
 * that are not ksqlDB keywords in that place are left out, and a statement
 * that does not start with one is `OTHER`.
 */
export function statementKind(sql: string): string {
  const kinds: string[] = [];
  // Comments and quoted text cannot hold a statement's leading keyword.
  const text = sql
    .replace(/--[^\n]*/g, ' ')
    .replace(/\/\*[\s\S]*?\*\//g, ' ')
    .replace(/'(?:[^']|'')*'|`(?:[^`]|``)*`|"(?:[^"]|"")*"/g, ' x ');
  for (const statement of text.split(';')) {
    const words = statement.trim().split(/\s+/, 3).map((w) => w.toUpperCase());
    const [first = '', second = '', third = ''] = words;
    if (first === '') continue;
    let kind = 'OTHER';
    if (FIRST_KEYWORDS.has(first)) {
      kind = first;
      if (SECOND_KEYWORDS[first]?.has(second)) {
        kind = `${first} ${second}`;
        if (THIRD_KEYWORDS[second]?.has(third)) kind = `${first} ${second} ${third}`;
      }
    }
    kinds.push(kind);
    if (kinds.length === 5) break;
  }
  return kinds.join(';');
}

function outcomeOf(error: unknown): KsqlCallOutcome {
  const code = (error as { code?: unknown } | null)?.code;
  const httpStatus = (error as { httpStatus?: unknown } | null)?.httpStatus;
  return {
    result: code === 'KSQL_ABORTED' || (error as { name?: unknown } | null)?.name === 'AbortError' ? 'cancelled' : 'error',
    code: typeof code === 'string' ? code : undefined,
    httpStatus: typeof httpStatus === 'number' ? httpStatus : undefined,
    error,
  };
}

class ObservedQueryStream implements QueryStream {
  readonly #inner: QueryStream;
  readonly #end: (outcome: KsqlCallOutcome) => void;
  #ended = false;

  constructor(inner: QueryStream, end: (outcome: KsqlCallOutcome) => void) {
    this.#inner = inner;
    this.#end = end;
  }

  get header(): Promise<QueryHeader> {
    return this.#inner.header;
  }

  #finish(outcome: KsqlCallOutcome): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#end(outcome);
  }

  async next(): Promise<IteratorResult<QueryEvent>> {
    try {
      const step = await this.#inner.next();
      if (step.done) this.#finish({ result: 'ok' });
      return step;
    } catch (error) {
      this.#finish(outcomeOf(error));
      throw error;
    }
  }

  async return(value?: unknown): Promise<IteratorResult<QueryEvent>> {
    try {
      return await this.#inner.return(value);
    } finally {
      this.#finish({ result: 'cancelled' });
    }
  }

  async throw(error?: unknown): Promise<IteratorResult<QueryEvent>> {
    try {
      if (this.#inner.throw) return await this.#inner.throw(error);
      throw error;
    } finally {
      this.#finish(outcomeOf(error));
    }
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}

class ObservedClient implements KsqlClient {
  readonly #client: KsqlClient;
  readonly #observer: KsqlCallObserver;

  constructor(client: KsqlClient, observer: KsqlCallObserver) {
    this.#client = client;
    this.#observer = observer;
  }

  async #observe<T>(call: KsqlCall, run: () => Promise<T>): Promise<T> {
    const end = this.#observer(call);
    try {
      const value = await run();
      end?.({ result: 'ok' });
      return value;
    } catch (error) {
      end?.(outcomeOf(error));
      throw error;
    }
  }

  info(options?: CallOptions) {
    return this.#observe({ endpoint: '/info' }, () => this.#client.info(options));
  }

  healthcheck(options?: CallOptions) {
    return this.#observe({ endpoint: '/healthcheck' }, () => this.#client.healthcheck(options));
  }

  clusterStatus(options?: CallOptions) {
    return this.#observe({ endpoint: '/clusterStatus' }, () => this.#client.clusterStatus(options));
  }

  ksql(request: KsqlRequest, options?: CallOptions): Promise<KsqlEntity[]> {
    return this.#observe({ endpoint: '/ksql', statementKind: statementKind(request.ksql) }, () =>
      this.#client.ksql(request, options),
    );
  }

  status(commandId: string, options?: CallOptions) {
    return this.#observe({ endpoint: '/status' }, () => this.#client.status(commandId, options));
  }

  terminateCluster(deleteTopicList?: readonly string[], options?: CallOptions) {
    return this.#observe({ endpoint: '/ksql/terminate' }, () => this.#client.terminateCluster(deleteTopicList, options));
  }

  query(request: KsqlRequest, options?: CallOptions): QueryStream {
    const end = this.#observer({ endpoint: '/query', queryKind: 'push', statementKind: statementKind(request.ksql) });
    let stream: QueryStream;
    try {
      stream = this.#client.query(request, options);
    } catch (error) {
      end?.(outcomeOf(error));
      throw error;
    }
    return end ? new ObservedQueryStream(stream, end) : stream;
  }

  pullQuery(request: KsqlRequest, options?: CallOptions): Promise<PullQueryResult> {
    return this.#observe({ endpoint: '/query', queryKind: 'pull', statementKind: statementKind(request.ksql) }, () =>
      this.#client.pullQuery(request, options),
    );
  }

  closeQuery(queryId: string, options?: CallOptions) {
    return this.#observe({ endpoint: '/close-query' }, () => this.#client.closeQuery(queryId, options));
  }

  insertsStream(target: string, rows: readonly Readonly<Record<string, unknown>>[], options?: CallOptions): Promise<InsertRowResult[] | null> {
    const client = this.#client;
    // A client without it is "not offered", as the interface says; nothing to observe.
    if (client.insertsStream === undefined) return Promise.resolve(null);
    return this.#observe({ endpoint: '/inserts-stream' }, () => client.insertsStream!(target, rows, options));
  }

  /** Closing belongs to whoever made the client: an observed view closes nothing. */
  async close(): Promise<void> {}
}

/** `client`, with `observer` told of every call. The view's `close()` does nothing. */
export function observeClient(client: KsqlClient, observer: KsqlCallObserver): KsqlClient {
  return new ObservedClient(client, observer);
}
