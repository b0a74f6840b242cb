/**
 * A transient query (push, or pull over a stream) and its handle: the one
 * place where the synchronous operator pipeline meets an AsyncIterable.
 * The driver polls the topic, pushes each record through
 * the operators, and puts rows in a bounded queue; when the queue is full it
 * waits for the consumer to catch up before reading more (backpressure: the
 * log is not read faster than the client drains it).
 *
 * The query ends when its LIMIT is reached, when a stream pull reaches the
 * end offsets it saw at the start, when it is closed (`/close-query`,
 * TERMINATE), or when the consumer stops iterating (`return()`, e.g. the
 * HTTP client went away). Deregistration happens synchronously in every case.
 *
 * @module
 */
import { AsyncQueue } from '../../shared/async-queue.js';
import type { QueryRegistry, RegisteredQuery } from '../catalog/index.js';
import type { FunctionRegistry } from '../functions/index.js';
import { buildPipeline, createLimitOperator, type Downstream, type Row } from '../operators/index.js';
import { planScans, type PlanColumn, type TransientQueryPlan } from '../plan/index.js';
import type { Broker, Consumer, OffsetReset, StoredRecord } from '../storage/index.js';
import type { Value } from '../types/index.js';
import { planConsumer } from './consumers.js';

export type FinalMessage = 'Limit Reached' | 'Query Completed';

export type QueryEvent =
  | { readonly kind: 'row'; readonly values: readonly Value[]; readonly tombstone?: boolean | undefined }
  | { readonly kind: 'final'; readonly message: FinalMessage };

/** A running transient query, consumed as an async iterable of events. */
export interface TransientQueryHandle extends AsyncIterable<QueryEvent> {
  readonly queryId: string;
  /** Output columns (push headers list these as value columns). */
  readonly schema: readonly PlanColumn[];
  /** `tablePull`: a pull query over a materialized table (KEY columns in the header, no final message). */
  readonly mode: 'push' | 'streamPull' | 'tablePull';
  /** Stops the query; the iterator completes after what is already queued. */
  close(): void;
  /** True once the query has stopped for any reason. */
  readonly closed: boolean;
}

export interface TransientQueryOptions {
  readonly queryId: string;
  readonly statementText: string;
  readonly plan: TransientQueryPlan;
  readonly mode: 'push' | 'streamPull';
  readonly broker: Broker;
  readonly registry: QueryRegistry;
  readonly functions: FunctionRegistry;
  readonly offsetReset: OffsetReset;
  /**
   * Rows buffered for a slow client before reading pauses.
   * @default 256 (rows)
   */
  readonly capacity?: number | undefined;
  /**
   * Records read from the log per step.
   * @default 200 (records)
   */
  readonly batchSize?: number | undefined;
  readonly onError?: ((err: unknown) => void) | undefined;
}

class TransientQuery implements TransientQueryHandle {
  readonly queryId: string;
  readonly schema: readonly PlanColumn[];
  readonly mode: 'push' | 'streamPull';
  readonly #queue: AsyncQueue<QueryEvent>;
  readonly #controller = new AbortController();
  readonly #registry: QueryRegistry;
  readonly #consumer: Consumer;
  readonly #pipeline: Downstream<StoredRecord>;
  readonly #pending: QueryEvent[] = [];
  readonly #endOffsets: ReadonlyMap<number, number> | undefined;
  readonly #batchSize: number;
  #finished = false;
  #deregistered = false;

  constructor(options: TransientQueryOptions) {
    const { queryId, plan, mode, broker, registry, functions, capacity = 256, batchSize = 200 } = options;
    this.queryId = queryId;
    this.schema = plan.schema;
    this.mode = mode;
    this.#registry = registry;
    this.#batchSize = batchSize;
    this.#queue = new AsyncQueue<QueryEvent>({ capacity, onClose: () => this.#stop() });

    const toQueue: Downstream<Row> = {
      push: (row) => this.#emit(row.tombstone === true ? { kind: 'row', values: row.values, tombstone: true } : { kind: 'row', values: row.values }),
    };
    const limit = plan.limit;
    const sink = limit === undefined ? toQueue : createLimitOperator(limit, toQueue, () => this.#finish('Limit Reached'));
    this.#pipeline = buildPipeline(plan.root, sink, { functions, onError: options.onError });

    if (mode === 'streamPull') {
      this.#endOffsets = new Map(broker.offsets(plan.topic).map((o) => [o.partition, o.end]));
      this.#consumer = broker.consumer(plan.topic, { from: 'earliest' });
    } else {
      this.#consumer = planConsumer(broker, plan.root, { from: options.offsetReset });
    }

    const registered: RegisteredQuery = {
      id: queryId,
      queryType: 'PUSH',
      statementText: options.statementText,
      sources: [...new Set([plan.sourceName, ...planScans(plan.root).map((scan) => scan.sourceName)])],
      sinks: [],
      sinkTopics: [],
      state: 'RUNNING',
      terminate: () => this.close(),
    };
    registry.register(registered);

    if (limit === 0) this.#finish('Limit Reached');
    else void this.#run();
  }

  get closed(): boolean {
    return this.#queue.closed || this.#finished;
  }

  [Symbol.asyncIterator](): AsyncIterator<QueryEvent> {
    return this.#queue;
  }

  close(): void {
    this.#flushPending();
    this.#queue.end();
  }

  #emit(event: QueryEvent): void {
    if (this.#pending.length > 0 || !this.#queue.push(event)) this.#pending.push(event);
  }

  #flushPending(): void {
    while (this.#pending.length > 0 && !this.#queue.closed) {
      if (!this.#queue.push(this.#pending[0] as QueryEvent)) return;
      this.#pending.shift();
    }
  }

  /** Ends with a final message (LIMIT, or a stream pull reaching its end). */
  #finish(message: FinalMessage): void {
    if (this.#finished) return;
    this.#finished = true;
    this.#emit({ kind: 'final', message });
    this.#deregister();
    this.#controller.abort();
    void this.#drainThenEnd();
  }

  async #drainThenEnd(): Promise<void> {
    while (this.#pending.length > 0 && !this.#queue.closed) {
      await this.#queue.waitForSpace();
      this.#flushPending();
    }
    this.#queue.end();
  }

  #stop(): void {
    this.#controller.abort();
    this.#consumer.close();
    this.#deregister();
  }

  #deregister(): void {
    if (this.#deregistered) return;
    this.#deregistered = true;
    this.#registry.deregister(this.queryId);
  }

  #reachedEnd(): boolean {
    const end = this.#endOffsets;
    if (end === undefined) return false;
    const pos = this.#consumer.positions();
    for (const [p, o] of end) if ((pos.get(p) ?? 0) < o) return false;
    return true;
  }

  async #run(): Promise<void> {
    const signal = this.#controller.signal;
    // A function, read afresh: pushing a row (LIMIT) or a close while this waits stops the query.
    const stopped = () => signal.aborted || this.#finished;
    try {
      while (!stopped()) {
        if (this.#reachedEnd()) {
          this.#finish('Query Completed');
          return;
        }
        const batch = this.#consumer.poll(this.#batchSize);
        if (batch.length === 0) {
          if (this.#consumer.closed) break;
          await this.#consumer.waitForRecords(signal);
          continue;
        }
        for (const record of batch) {
          if (this.#endOffsets !== undefined && record.offset >= (this.#endOffsets.get(record.partition) ?? 0)) continue;
          this.#pipeline.push(record);
          if (stopped()) return;
          while (this.#pending.length > 0) {
            await this.#queue.waitForSpace();
            if (this.#queue.closed) return;
            this.#flushPending();
          }
        }
        // Yield to the event loop between batches so a busy topic cannot starve I/O.
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
      if (!this.#finished) this.close();
    } catch (err) {
      this.#queue.fail(err);
    } finally {
      this.#consumer.close();
      if (this.#queue.closed) this.#deregister();
    }
  }
}

export function startTransientQuery(options: TransientQueryOptions): TransientQueryHandle {
  return new TransientQuery(options);
}
