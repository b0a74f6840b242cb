/**
 * Persistent queries (CSAS, CTAS, INSERT INTO ... SELECT, source-table
 * materializations) and the materialized tables pull queries read.
 *
 * Processing is synchronous and deterministic: {@link PersistentQueries.drain}
 * runs every query, in creation order, over the records appended since it
 * last ran (each query consumes its source in global append order) until
 * no query makes progress, so a query reading another's sink sees its
 * output in the same drain. The engine drains after every produce and
 * statement batch, and before a query starts; a wake-up on new records
 * covers anything else that appends.
 *
 * @module
 */
import type { QueryRegistry, RegisteredQuery } from '../catalog/index.js';
import type { FunctionRegistry } from '../functions/index.js';
import {
  buildPipeline,
  createMemoryStore,
  createSinkOperator,
  type Downstream,
  type KeyValueStore,
  type SinkRecord,
  unwrapWindowedKey,
} from '../operators/index.js';
import { planScans, type PersistentQueryPlan } from '../plan/index.js';
import { createDefaultPartitioner, murmur2, toPositive } from '../storage/partitioner.js';
import type { Broker, Consumer, OffsetReset, StoredRecord } from '../storage/index.js';
import { keySerde, type Value } from '../types/index.js';
import { planConsumer } from './consumers.js';

const storePartitioner = createDefaultPartitioner();
const encoder = new TextEncoder();

/**
 * The partition Kafka would give a key: murmur2 of its serialized bytes. A
 * single KAFKA-format primitive is binary there (big-endian numbers, UTF-8
 * strings); other formats serialize to about the text stored here.
 */
function storePartition(plan: PersistentQueryPlan, keyText: string, partitions: number): number {
  const column = plan.sink.key.format === 'KAFKA' && plan.sink.key.columns.length === 1 ? plan.sink.key.columns[0] : undefined;
  if (partitions <= 1 || column === undefined) return storePartitioner.partition(keyText, partitions);
  let bytes: Uint8Array | undefined;
  try {
    const value: unknown = JSON.parse(keyText);
    const view = new DataView(new ArrayBuffer(8));
    switch (column.type.type) {
      case 'INTEGER':
        view.setInt32(0, Number(value));
        bytes = new Uint8Array(view.buffer, 0, 4);
        break;
      case 'BIGINT':
        view.setBigInt64(0, BigInt(keyText));
        bytes = new Uint8Array(view.buffer);
        break;
      case 'DOUBLE':
        view.setFloat64(0, Number(value));
        bytes = new Uint8Array(view.buffer);
        break;
      case 'STRING':
        bytes = typeof value === 'string' ? encoder.encode(value) : undefined;
        break;
      default:
        bytes = undefined;
    }
  } catch {
    bytes = undefined;
  }
  return bytes === undefined ? storePartitioner.partition(keyText, partitions) : toPositive(murmur2(bytes)) % partitions;
}

/** The latest record per key of a table, as its changelog topic would be compacted to. */
export interface MaterializedTable {
  readonly name: string;
  /** Current rows (no tombstones), as records of the table's topic. */
  records(): Iterable<StoredRecord>;
  /**
   * The current row of one key (its key columns' values, typed as the
   * table's key columns), found without a scan; undefined when it has none.
   * Absent for windowed tables (a key has a row per window).
   */
  readonly lookup?: ((key: readonly Value[]) => StoredRecord | undefined) | undefined;
}

export interface PersistentQueryInfo {
  readonly id: string;
  readonly statementText: string;
  readonly plan: PersistentQueryPlan;
}

class PersistentQuery {
  readonly id: string;
  readonly statementText: string;
  readonly plan: PersistentQueryPlan;
  readonly #consumer: Consumer;
  readonly #pipeline: Downstream<StoredRecord>;
  readonly #store: KeyValueStore<StoredRecord> | undefined;
  readonly #controller = new AbortController();
  #sequence = 0;
  /** Outputs produced so far: the producer sequence of the next one. */
  #outputs = 0;
  /** The headers of the input record being processed: a source table's store keeps them for its header columns. */
  #inputHeaders: StoredRecord['headers'] = [];
  stopped = false;

  constructor(
    id: string,
    statementText: string,
    plan: PersistentQueryPlan,
    options: { broker: Broker; functions: FunctionRegistry; offsetReset: OffsetReset; onError?: ((err: unknown) => void) | undefined },
    onRecords: () => void,
  ) {
    this.id = id;
    this.statementText = statementText;
    this.plan = plan;
    const { broker } = options;
    this.#store = plan.materialize ? createMemoryStore<StoredRecord>() : undefined;
    const ctx = { functions: options.functions, onError: options.onError };
    const emit = (r: SinkRecord) => {
      if (plan.produce && broker.topicExists(plan.sink.topic)) {
        // Idempotent (storage/README.md, "Exactly once"): after a restart the query re-reads its
        // input from its group's start and numbers its outputs from 0 again; the sink drops the
        // outputs it already holds.
        // Windowed keys go where Kafka Streams' WindowedStreamPartitioner puts them: by the serialized inner key.
        const inner = plan.sink.windowed && r.key !== null ? unwrapWindowedKey(r.key)?.key : undefined;
        const count = inner === undefined || inner === null ? 1 : (broker.describeTopic(plan.sink.topic)?.partitions ?? 1);
        const partition = count > 1 ? storePartition(plan, inner as string, count) : undefined;
        broker.produce(plan.sink.topic, [{ key: r.key, value: r.value, timestamp: r.timestamp, partition }], {
          producerId: id,
          sequence: this.#outputs++,
        });
      }
      const store = this.#store;
      if (store === undefined) return;
      const k = r.key ?? 'null';
      // The store is split the way Kafka Streams splits it: by the partition of
      // the (unwindowed) key. A table scan reads it partition by partition.
      const partitions = broker.describeTopic(plan.sink.topic)?.partitions ?? 1;
      const unwindowed = r.key === null ? null : (unwrapWindowedKey(r.key)?.key ?? r.key);
      const partition = unwindowed === null ? 0 : storePartition(plan, unwindowed, partitions);
      if (r.value === null) store.delete(k);
      else {
        store.delete(k);
        store.put(k, {
          topic: plan.sink.topic,
          partition,
          offset: this.#sequence,
          timestamp: r.timestamp,
          key: r.key,
          value: r.value,
          headers: this.#inputHeaders,
          sequence: this.#sequence++,
        });
      }
    };
    this.#pipeline = buildPipeline(plan.root, createSinkOperator(plan.sink, emit, ctx), ctx);
    // The group keeps the query's start durably: a restarted engine resumes it from there.
    this.#consumer = planConsumer(broker, plan.root, { from: options.offsetReset, group: id });
    void this.#watch(onRecords);
  }

  async #watch(onRecords: () => void): Promise<void> {
    const signal = this.#controller.signal;
    while (!signal.aborted && !this.#consumer.closed) {
      await this.#consumer.waitForRecords(signal);
      if (signal.aborted || this.#consumer.closed) return;
      onRecords();
      // Let the drain that follows a produce run first; then wait again.
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }

  /** Processes what is available; true when anything was read. */
  step(): boolean {
    if (this.stopped) return false;
    let progressed = false;
    for (;;) {
      const batch = this.#consumer.poll(500);
      if (batch.length === 0) return progressed;
      progressed = true;
      for (const r of batch) {
        this.#inputHeaders = r.headers;
        this.#pipeline.push(r);
      }
      this.#inputHeaders = [];
    }
  }

  get table(): MaterializedTable | undefined {
    const store = this.#store;
    if (store === undefined) return undefined;
    const { sink } = this.plan;
    if (sink.windowed) return { name: sink.name, records: () => store.values() };
    // The store is keyed by the sink's serialized key (operators/sink.ts): serializing a key the same way finds its row.
    const keys = keySerde(sink.key.format, sink.key.columns, { wrapSingle: sink.key.wrapSingle, delimiter: sink.key.delimiter });
    return {
      name: sink.name,
      records: () => store.values(),
      lookup: (key) => store.get(keys.serialize(key) ?? 'null'),
    };
  }

  stop(): void {
    this.stopped = true;
    this.#controller.abort();
    this.#consumer.close();
  }
}

export interface StartPersistentQuery {
  readonly id: string;
  readonly statementText: string;
  readonly plan: PersistentQueryPlan;
  readonly offsetReset: OffsetReset;
  readonly registry: QueryRegistry;
}

export class PersistentQueries {
  readonly #queries = new Map<string, PersistentQuery>();
  readonly #broker: Broker;
  readonly #functions: FunctionRegistry;
  readonly #onError: ((err: unknown) => void) | undefined;
  #draining = false;

  constructor(options: { broker: Broker; functions: FunctionRegistry; onError?: ((err: unknown) => void) | undefined }) {
    this.#broker = options.broker;
    this.#functions = options.functions;
    this.#onError = options.onError;
  }

  start({ id, statementText, plan, offsetReset, registry }: StartPersistentQuery): void {
    const q = new PersistentQuery(
      id,
      statementText,
      plan,
      { broker: this.#broker, functions: this.#functions, offsetReset, onError: this.#onError },
      () => this.drain(),
    );
    this.#queries.set(id, q);
    registry.register(registeredQuery(id, statementText, plan, () => this.stop(id, registry)));
    this.drain();
  }

  stop(id: string, registry: QueryRegistry): void {
    const q = this.#queries.get(id);
    if (q !== undefined) {
      q.stop();
      this.#queries.delete(id);
    }
    registry.deregister(id);
  }

  /** Runs every query until none makes progress. */
  drain(): void {
    if (this.#draining) return;
    this.#draining = true;
    try {
      for (let progressed = true; progressed; ) {
        progressed = false;
        for (const q of [...this.#queries.values()]) if (q.step()) progressed = true;
      }
    } finally {
      this.#draining = false;
    }
  }

  /** The materialized rows of a table (CTAS sink or source table). */
  table(name: string): MaterializedTable | undefined {
    for (const q of this.#queries.values()) {
      if (q.plan.materialize && q.plan.sink.name === name) return q.table;
    }
    return undefined;
  }

  get(id: string): PersistentQueryInfo | undefined {
    return this.#queries.get(id);
  }

  stopAll(): void {
    for (const q of this.#queries.values()) q.stop();
    this.#queries.clear();
  }
}

export function registeredQuery(id: string, statementText: string, plan: PersistentQueryPlan, terminate: () => void): RegisteredQuery {
  return {
    id,
    queryType: 'PERSISTENT',
    statementText,
    sources: [...new Set([plan.sourceName, ...planScans(plan.root).map((scan) => scan.sourceName)])],
    sinks: [plan.sink.name],
    sinkTopics: plan.produce ? [plan.sink.topic] : [],
    state: 'RUNNING',
    terminate,
  };
}
