/**
 * A scriptable in-memory {@link KsqlClient} for gateway tests. Every call is
 * recorded with its options; each method can be replaced; `query()` returns a
 * {@link FakeQueryStream} the test drives event by event. Like the real
 * client, a stream's pending `next()` rejects with a KsqlAbortError when the
 * call's signal aborts, and `return()` ends it at once.
 *
 * @module
 */
import type { ClusterStatusResponse, CommandStatus, HealthCheckResponse, JsonValue, KsqlEntity, KsqlRequest, ServerInfo, WireColumn } from '../../protocol/index.js';
import { parseSchemaString } from '../../protocol/index.js';
import { AsyncQueue } from '../../shared/async-queue.js';
import { deferred, type Deferred } from '../../shared/deferred.js';
import { KsqlAbortError } from '../ksql-client/errors.js';
import type { CallOptions, KsqlClient, PullQueryResult, QueryEvent, QueryHeader, QueryStream } from '../ksql-client/types.js';

export interface RecordedCall {
  readonly method: keyof KsqlClient;
  readonly args: readonly unknown[];
  readonly options: CallOptions | undefined;
}

export class FakeQueryStream implements QueryStream {
  readonly request: KsqlRequest;
  readonly options: CallOptions | undefined;
  readonly header: Promise<QueryHeader>;
  /** How many times `return()` was called. */
  returnCalls = 0;
  /** Resolves at the first `return()`. */
  readonly returned: Promise<void>;
  readonly #queue = new AsyncQueue<QueryEvent>({ capacity: 10_000 });
  readonly #header: Deferred<QueryHeader> = deferred();
  readonly #returned: Deferred<void> = deferred();

  constructor(request: KsqlRequest, options: CallOptions | undefined) {
    this.request = request;
    this.options = options;
    this.header = this.#header.promise;
    this.header.catch(() => {});
    this.returned = this.#returned.promise;
    const signal = options?.signal;
    if (signal) {
      const onAbort = () => this.fail(new KsqlAbortError('POST /query was aborted', { cause: signal.reason }));
      if (signal.aborted) onAbort();
      else signal.addEventListener('abort', onAbort, { once: true });
    }
  }

  /** Sends the header; `schema` is a ksqlDB schema string such as "`ID` STRING KEY, `V` BIGINT". */
  sendHeader(schema: string, queryId = 'transient_TEST_1'): QueryHeader {
    const columns: WireColumn[] = parseSchemaString(schema);
    const header: QueryHeader = { queryId, schema, columns };
    this.#queue.push({ kind: 'header', ...header });
    this.#header.resolve(header);
    return header;
  }

  sendRow(columns: JsonValue[], tombstone = false): void {
    this.#queue.push({ kind: 'row', columns, tombstone });
  }

  /** A `finalMessage`, then the end of the body. */
  finish(message = 'Query Completed'): void {
    this.#queue.push({ kind: 'final', message });
    this.#queue.end();
  }

  /** The body ends with an error (e.g. an `errorMessage` element → KsqlServerError). */
  fail(error: unknown): void {
    this.#header.reject(error);
    this.#queue.fail(error);
  }

  get closed(): boolean {
    return this.#queue.closed;
  }

  next(): Promise<IteratorResult<QueryEvent>> {
    return this.#queue.next();
  }

  return(): Promise<IteratorResult<QueryEvent>> {
    this.returnCalls++;
    this.#returned.resolve();
    this.#header.reject(new KsqlAbortError('closed'));
    return this.#queue.return();
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}

export interface FakeKsqlClient extends KsqlClient {
  readonly calls: RecordedCall[];
  /** Every stream `query()` returned, in order. */
  readonly streams: FakeQueryStream[];
  /** Resolves with the next stream `query()` returns (or the latest one not yet awaited). */
  nextStream(): Promise<FakeQueryStream>;
  /** Calls of one method. */
  callsOf(method: keyof KsqlClient): RecordedCall[];
}

export const defaultServerInfo: ServerInfo = {
  version: '0.29.0',
  kafkaClusterId: 'kafka-1',
  ksqlServiceId: 'default_',
  serverStatus: 'RUNNING',
};

export const defaultHealth: HealthCheckResponse = {
  isHealthy: true,
  details: { metastore: { isHealthy: true }, kafka: { isHealthy: true }, commandRunner: { isHealthy: true } },
  serverState: 'READY',
};

/** A fake client; `overrides` replace methods (they are still recorded). */
export function createFakeKsqlClient(overrides: Partial<KsqlClient> = {}): FakeKsqlClient {
  const calls: RecordedCall[] = [];
  const streams: FakeQueryStream[] = [];
  const waiters: Array<Deferred<FakeQueryStream>> = [];
  let handedOut = 0;

  const record = (method: keyof KsqlClient, args: unknown[], options: CallOptions | undefined) =>
    calls.push({ method, args, options });

  const base: KsqlClient = {
    info: async () => defaultServerInfo,
    healthcheck: async () => defaultHealth,
    clusterStatus: async (): Promise<ClusterStatusResponse> => ({
      clusterStatus: {
        'localhost:8088': { hostAlive: true, lastStatusUpdateMs: 1_700_000_000_000, activeStandbyPerQuery: {}, hostStoreLags: {} },
      },
    }),
    ksql: async (): Promise<KsqlEntity[]> => [],
    status: async (): Promise<CommandStatus> => ({ status: 'SUCCESS', message: 'Stream created', queryId: null }),
    terminateCluster: async (): Promise<KsqlEntity[]> => [],
    query: (request, options) => {
      const stream = new FakeQueryStream(request, options);
      streams.push(stream);
      const waiter = waiters.shift();
      if (waiter) {
        handedOut++;
        waiter.resolve(stream);
      }
      return stream;
    },
    pullQuery: async (): Promise<PullQueryResult> => {
      throw new Error('pullQuery not scripted');
    },
    closeQuery: async () => {},
    close: async () => {},
  };

  const client = {
    calls,
    streams,
    nextStream(): Promise<FakeQueryStream> {
      if (handedOut < streams.length) return Promise.resolve(streams[handedOut++] as FakeQueryStream);
      const waiter = deferred<FakeQueryStream>();
      waiters.push(waiter);
      return waiter.promise;
    },
    callsOf(method: keyof KsqlClient) {
      return calls.filter((c) => c.method === method);
    },
  } as FakeKsqlClient;

  for (const name of Object.keys(base) as Array<keyof KsqlClient>) {
    const impl = (overrides[name] ?? base[name]) as (...args: unknown[]) => unknown;
    (client as unknown as Record<string, unknown>)[name] = (...args: unknown[]) => {
      const options = name === 'close' ? undefined : (args[name === 'info' || name === 'healthcheck' || name === 'clusterStatus' ? 0 : 1] as CallOptions | undefined);
      record(name, name === 'info' || name === 'healthcheck' || name === 'clusterStatus' ? [] : args.slice(0, 1), options);
      return impl(...args);
    };
  }
  // Optional on the interface: present only when the test scripts it (absent means "not offered").
  const insertsStream = overrides.insertsStream;
  if (insertsStream !== undefined) {
    (client as unknown as Record<string, unknown>)['insertsStream'] = (...args: Parameters<typeof insertsStream>) => {
      record('insertsStream', args.slice(0, 2), args[2]);
      return insertsStream(...args);
    };
  }
  return client;
}
