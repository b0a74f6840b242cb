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
import { createHash } from 'node:crypto';
import type { Logger } from '../../shared/logger.js';
import {
  buildPipeline,
  createCheckpointedState,
  createMemoryState,
  createSinkOperator,
  type CheckpointedState,
  type Downstream,
  type KeyValueStore,
  type SinkRecord,
  type StateCell,
  unwrapWindowedKey,
} from '../operators/index.js';
import { planScans, type PersistentQueryPlan } from '../plan/index.js';
import { createDefaultPartitioner, murmur2, toPositive } from '../storage/partitioner.js';
import { encodeState, type Broker, type CheckpointWrite, type Consumer, type LoadedCheckpoint, type OffsetReset, type StateDb, type StoredRecord } from '../storage/index.js';
import { keySerde, type Value } from '../types/index.js';
import { planConsumer } from './consumers.js';
import { StoreOrder } from './store-order.js';

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
  /**
   * Current rows (no tombstones), as records of the table's topic, in store
   * order (`store-order.ts`): a snapshot, read lazily.
   */
  scan(): Iterable<StoredRecord>;
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
  /** The store's rows in store order, for scans. */
  readonly #order: StoreOrder | undefined;
  readonly #controller = new AbortController();
  /** The materialized table's next store offset (its rows' `offset` and `sequence`). */
  readonly #sequence: StateCell<number>;
  /** Outputs produced so far: the producer sequence of the next one. */
  #outputs: number;
  /** Checkpointed queries: their state, and what identifies its plan. */
  readonly #checkpointed: { readonly state: CheckpointedState; readonly fingerprint: string } | undefined;
  /** The sequence of the first input record not processed yet (undefined: none processed since the start or the checkpoint). */
  #position: number | undefined;
  /** {@link #position} as of the last snapshot. */
  #snapshotPosition: number | undefined;
  /** The headers of the input record being processed: a source table's store keeps them for its header columns. */
  #inputHeaders: StoredRecord['headers'] = [];
  stopped = false;

  constructor(
    id: string,
    statementText: string,
    plan: PersistentQueryPlan,
    options: {
      broker: Broker;
      functions: FunctionRegistry;
      offsetReset: OffsetReset;
      onError?: ((err: unknown) => void) | undefined;
      /** Given: the query's state is checkpointed; `restored` is its last checkpoint, if any. */
      checkpoint?: { readonly fingerprint: string; readonly restored: LoadedCheckpoint | undefined } | undefined;
    },
    onRecords: () => void,
  ) {
    this.id = id;
    this.statementText = statementText;
    this.plan = plan;
    const { broker, checkpoint } = options;
    const restored = checkpoint?.restored;
    this.#checkpointed = checkpoint === undefined ? undefined : { state: createCheckpointedState(restored), fingerprint: checkpoint.fingerprint };
    const state = this.#checkpointed?.state ?? createMemoryState();
    this.#outputs = restored?.outputs ?? 0;
    this.#position = restored?.position;
    this.#snapshotPosition = restored?.position;
    const table = state.operator('table');
    const store = plan.materialize ? table.store<StoredRecord>('rows') : undefined;
    this.#store = store;
    this.#order = store === undefined ? undefined : new StoreOrder(plan.sink, () => store.scan());
    this.#sequence = table.cell('sequence', 0);
    const ctx = { functions: options.functions, onError: options.onError, state };
    const emit = (r: SinkRecord) => {
      if (plan.produce && broker.topicExists(plan.sink.topic)) {
        // Idempotent (storage/README.md, "Exactly once"): after a restart the query re-reads its
        // input from its checkpoint (or its group's start) and numbers its outputs from the
        // checkpoint's count (or 0) again; the sink drops the outputs it already holds.
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
      if (r.value === null) {
        store.delete(k);
        this.#order?.delete(partition, r.key);
      } else {
        const row: StoredRecord = {
          topic: plan.sink.topic,
          partition,
          offset: this.#sequence.value,
          timestamp: r.timestamp,
          key: r.key,
          value: r.value,
          headers: this.#inputHeaders,
          sequence: this.#sequence.value++,
        };
        store.delete(k);
        store.put(k, row);
        this.#order?.put(row);
      }
    };
    this.#pipeline = buildPipeline(plan.root, createSinkOperator(plan.sink, emit, ctx), ctx);
    // The group keeps the query's start durably: a restarted engine without a checkpoint resumes it from there.
    this.#consumer =
      restored === undefined
        ? planConsumer(broker, plan.root, { from: options.offsetReset, group: id })
        : planConsumer(broker, plan.root, { from: { sequence: restored.position } });
    void this.#watch(onRecords);
  }

  async #watch(onRecords: () => void): Promise<void> {
    const signal = this.#controller.signal;
    // A function, read afresh: the query can be stopped while this waits.
    const stopped = () => signal.aborted || this.#consumer.closed;
    while (!stopped()) {
      await this.#consumer.waitForRecords(signal);
      if (stopped()) return;
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
      this.#position = (batch[batch.length - 1] as StoredRecord).sequence + 1;
    }
  }

  /**
   * What changed since the last snapshot (taken at the end of a drain, when the
   * query has processed every record it polled); undefined when nothing did or
   * the query is not checkpointed.
   */
  snapshot(): CheckpointWrite | undefined {
    const c = this.#checkpointed;
    if (c === undefined || this.stopped || this.#position === undefined || this.#position === this.#snapshotPosition) return undefined;
    this.#snapshotPosition = this.#position;
    return { queryId: this.id, fingerprint: c.fingerprint, position: this.#position, outputs: this.#outputs, ...c.state.snapshot(encodeState) };
  }

  get table(): MaterializedTable | undefined {
    const store = this.#store;
    const order = this.#order;
    if (store === undefined || order === undefined) return undefined;
    const { sink } = this.plan;
    if (sink.windowed) return { name: sink.name, scan: () => order.scan() };
    // The store is keyed by the sink's serialized key (operators/sink.ts): serializing a key the same way finds its row.
    const keys = keySerde(sink.key.format, sink.key.columns, { wrapSingle: sink.key.wrapSingle, delimiter: sink.key.delimiter });
    return {
      name: sink.name,
      scan: () => order.scan(),
      lookup: (key) => store.peek(keys.serialize(key) ?? 'null'),
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

/** Checkpointing of persistent queries' state (durable engines). */
export interface CheckpointOptions {
  readonly db: StateDb;
  /** Resolves once every record appended so far is durable (`EngineStorage.flush`). */
  readonly flush: () => Promise<void>;
  /** The least time between checkpoints; 0 writes one after every drain (one at a time). */
  readonly intervalMs: number;
  readonly logger: Logger;
}

/** What a checkpoint must match: the statement and the plan it was planned to (a newer engine may plan it otherwise). */
function planFingerprint(statementText: string, plan: PersistentQueryPlan): string {
  const json = JSON.stringify(plan, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v));
  return createHash('sha256').update(statementText).update('\u0000').update(json).digest('base64');
}

export class PersistentQueries {
  readonly #queries = new Map<string, PersistentQuery>();
  readonly #broker: Broker;
  readonly #functions: FunctionRegistry;
  readonly #onError: ((err: unknown) => void) | undefined;
  readonly #checkpoints: CheckpointOptions | undefined;
  #draining = false;
  /** The checkpoint being written and the drops queued behind it: one write to the state database at a time. */
  #writing: Promise<void> = Promise.resolve();
  /** The checkpoint being taken and written, if one is. */
  #inFlight: Promise<void> | undefined;
  #checkpointAgain = false;
  #checkpointTimer: NodeJS.Timeout | undefined;
  #lastCheckpoint = 0;
  /** Set when a checkpoint failed: the changes it took are gone, so later ones would be wrong. */
  #checkpointsOff = false;
  #closed = false;

  constructor(options: {
    broker: Broker;
    functions: FunctionRegistry;
    onError?: ((err: unknown) => void) | undefined;
    checkpoints?: CheckpointOptions | undefined;
  }) {
    this.#broker = options.broker;
    this.#functions = options.functions;
    this.#onError = options.onError;
    this.#checkpoints = options.checkpoints;
  }

  start({ id, statementText, plan, offsetReset, registry }: StartPersistentQuery): void {
    let checkpoint: { fingerprint: string; restored: LoadedCheckpoint | undefined } | undefined;
    const cp = this.#checkpoints;
    if (cp !== undefined && !this.#checkpointsOff) {
      const fingerprint = planFingerprint(statementText, plan);
      const restored = cp.db.load(id, fingerprint);
      if (restored !== undefined) {
        cp.logger.info(`state: ${id} resumes from its checkpoint at input sequence ${restored.position} (${restored.entries} state entries)`);
      }
      checkpoint = { fingerprint, restored };
    }
    const q = new PersistentQuery(
      id,
      statementText,
      plan,
      { broker: this.#broker, functions: this.#functions, offsetReset, onError: this.#onError, checkpoint },
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
      // Terminated (not the engine closing): its state goes, after any checkpoint still being written.
      const cp = this.#checkpoints;
      if (cp !== undefined && !this.#closed) {
        this.#writing = this.#writing.then(() => cp.db.drop(id)).catch((err: unknown) => {
          cp.logger.warn(`state: could not remove the state of ${id}: ${err instanceof Error ? err.message : String(err)}`);
        });
      }
    }
    registry.deregister(id);
  }

  #scheduleCheckpoint(): void {
    const cp = this.#checkpoints;
    if (cp === undefined || this.#checkpointsOff || this.#closed) return;
    if (this.#inFlight !== undefined) {
      this.#checkpointAgain = true;
      return;
    }
    if (this.#checkpointTimer !== undefined) return;
    const wait = this.#lastCheckpoint + cp.intervalMs - Date.now();
    if (wait <= 0) {
      void this.#checkpoint();
      return;
    }
    this.#checkpointTimer = setTimeout(() => {
      this.#checkpointTimer = undefined;
      void this.#checkpoint();
    }, wait);
    this.#checkpointTimer.unref();
  }

  /**
   * Snapshots every query (synchronously, between drains), waits until the
   * outputs the snapshots reflect are durable, then writes them in one
   * transaction.
   */
  #checkpoint(): Promise<void> {
    const cp = this.#checkpoints;
    if (cp === undefined || this.#checkpointsOff || this.#closed) return Promise.resolve();
    this.#inFlight ??= this.#takeCheckpoint(cp).finally(() => {
      this.#inFlight = undefined;
      if (this.#checkpointAgain) {
        this.#checkpointAgain = false;
        this.#scheduleCheckpoint();
      }
    });
    return this.#inFlight;
  }

  async #takeCheckpoint(cp: CheckpointOptions): Promise<void> {
    this.#lastCheckpoint = Date.now();
    try {
      const writes = [...this.#queries.values()].map((q) => q.snapshot()).filter((w): w is CheckpointWrite => w !== undefined);
      if (writes.length === 0) return;
      const written = this.#writing.then(async () => {
        await cp.flush();
        await cp.db.commit(writes);
      });
      this.#writing = written.catch(() => {});
      await written;
    } catch (err) {
      // The previous checkpoints are intact (a transaction is all or nothing) and still match the
      // input they name; later ones cannot be written without the changes this one took.
      this.#checkpointsOff = true;
      cp.logger.error(`state: checkpoint failed; no more checkpoints until a restart: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  /** Writes a last checkpoint and stops every query, keeping their state (the engine is closing). */
  async close(): Promise<void> {
    if (this.#closed) return;
    clearTimeout(this.#checkpointTimer);
    this.#checkpointTimer = undefined;
    while (this.#inFlight !== undefined) await this.#inFlight;
    await this.#checkpoint();
    this.#closed = true;
    // The last checkpoint may have scheduled the next one (clearTimeout ignores undefined).
    clearTimeout(this.#checkpointTimer);
    await this.#writing;
    this.stopAll();
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
    this.#scheduleCheckpoint();
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
