/**
 * The {@link Broker}: topics of partitions, each a {@link PartitionLog}
 * (`partition-log.ts`), consumers that merge partitions in global append
 * order, and wake-ups for consumers waiting at the end of the log. Without a
 * journal each partition is an array of records.
 *
 * The same class is the file-backed broker (`file.ts`): given a
 * {@link BrokerJournal}, it records topic and group changes through it, its
 * partitions are the journal's segment logs (which write records to disk and
 * read them back on demand), and it shows consumers only what the journal
 * has made durable, as Kafka consumers read only up to the high watermark. A
 * query therefore never acts on a record a crash could still take away.
 *
 * @module
 */
import {
  InvalidPartitionError,
  StorageError,
  TopicExistsError,
  UnknownTopicError,
  type Broker,
  type Consumer,
  type ConsumerOptions,
  type CreateTopicOptions,
  type PartitionOffsets,
  type ProduceOptions,
  type ProducerRecord,
  type RecordMetadata,
  type StoredRecord,
  type TopicDescription,
  describeNewTopic,
} from './log.js';
import { MemoryPartitionLog, type JournalRecord, type PartitionLog, type ProducerTag } from './partition-log.js';
import { createDefaultPartitioner, type Partitioner } from './partitioner.js';


/**
 * Where a broker writes its changes to be durable. Writes are synchronous
 * (into the OS page cache) and become durable at the next {@link sync}.
 * Records are written by the partition logs the journal hands out.
 */
export interface BrokerJournal {
  /** Records the topic and returns its partitions' logs. */
  createTopic(description: TopicDescription): readonly PartitionLog[];
  deleteTopic(name: string): void;
  /** Records a consumer group's start sequence, or its removal (`undefined`). */
  putGroup(group: string, start: number | undefined): void;
  /** Resolves once everything written before the call is durable. */
  sync(): Promise<void>;
}

/** A topic handed to {@link MemoryBroker} at start (recovery). */
export interface RestoredTopic {
  readonly description: TopicDescription;
  /** Per partition, its log (with what it holds). */
  readonly logs: readonly PartitionLog[];
  /** Per partition, the last producer sequence per producer id. */
  readonly producers: readonly ReadonlyMap<string, number>[];
}

export interface MemoryBrokerOptions {
  /** Timestamps for records produced without one. @default Date.now */
  readonly now?: (() => number) | undefined;
  /** @default Kafka's murmur2 partitioner */
  readonly partitioner?: Partitioner | undefined;
  /** Persistence; records are visible to consumers once synced. @default none (in memory) */
  readonly journal?: BrokerJournal | undefined;
  /** Contents to start with (recovered from disk). @default none */
  readonly restore?:
    | {
        readonly topics: readonly RestoredTopic[];
        readonly groups: ReadonlyMap<string, number>;
        /** At least this for the next record's sequence. */
        readonly nextSequence: number;
      }
    | undefined;
}

/**
 * A topic's partitions: their logs, and per partition the offsets that
 * bound what consumers see. Retention moves `trimmed[p]` (the first offset
 * still held for readers) up and lets the log drop what lies below;
 * `visible[p]` is where publishing has got to.
 */
class MemoryTopic {
  readonly description: TopicDescription;
  readonly logs: readonly PartitionLog[];
  /** Per partition: the offset of the first record still held (>= the log's start). */
  readonly trimmed: number[];
  /** Per partition: the offset up to which consumers may see records. */
  readonly visible: number[];
  /** Per partition: last producer sequence per producer id. */
  readonly producers: Map<string, number>[];
  readonly waiters = new Set<() => void>();
  deleted = false;

  constructor(description: TopicDescription, logs: readonly PartitionLog[], producers?: readonly ReadonlyMap<string, number>[]) {
    if (logs.length !== description.partitions) throw new Error(`Invariant violated: ${logs.length} logs for ${description.partitions} partitions`);
    this.description = description;
    this.logs = logs;
    this.trimmed = logs.map((l) => l.start);
    this.visible = logs.map((l) => l.end);
    this.producers = logs.map((_, p) => new Map(producers?.[p] ?? []));
  }

  /** Makes records with a sequence below `bound` visible; wakes consumers if any became so. */
  publish(bound: number): void {
    let moved = false;
    for (let p = 0; p < this.logs.length; p++) {
      const log = this.logs[p] as PartitionLog;
      const end = log.end;
      let v = this.visible[p] as number;
      while (v < end && log.sequence(v) < bound) v++;
      if (v !== this.visible[p]) {
        this.visible[p] = v;
        moved = true;
      }
    }
    if (moved) this.wake();
  }

  /** Drops the published records older than `retentionMs` from the head of each partition. */
  enforceRetention(now: number): void {
    const retention = this.description.retentionMs;
    if (retention === undefined) return;
    const oldest = now - retention;
    for (let p = 0; p < this.logs.length; p++) {
      const log = this.logs[p] as PartitionLog;
      const visible = this.visible[p] as number;
      const before = this.trimmed[p] as number;
      let first = before;
      // Record by record: a gap compaction left is skipped, not walked.
      for (first = log.nextHeld(first); first < visible && log.timestamp(first) < oldest; first = log.nextHeld(first + 1));
      first = Math.min(first, visible);
      if (first <= before) continue;
      this.trimmed[p] = first;
      log.trim(first);
    }
  }

  /** The offset of the next record of partition `p`. */
  end(p: number): number {
    return (this.logs[p] as PartitionLog).end;
  }

  wake(): void {
    if (this.waiters.size === 0) return;
    const ws = [...this.waiters];
    this.waiters.clear();
    for (const w of ws) w();
  }
}

/** First offset of `log` whose sequence is at least `sequence`. */
function offsetOfSequence(log: PartitionLog, sequence: number): number {
  let lo = log.start;
  let hi = log.end;
  while (lo < hi) {
    const mid = lo + Math.floor((hi - lo) / 2);
    if (log.sequence(mid) < sequence) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

class MemoryConsumer implements Consumer {
  readonly #topic: MemoryTopic;
  readonly #positions: number[];
  #closed = false;

  constructor(topic: MemoryTopic, from: 'earliest' | 'latest' | number) {
    this.#topic = topic;
    // A position below `trimmed` (a slot retention dropped) moves up to it on the next poll.
    this.#positions = topic.logs.map((log, i) =>
      from === 'earliest' ? (topic.trimmed[i] as number) : from === 'latest' ? log.end : offsetOfSequence(log, from),
    );
  }

  get closed(): boolean {
    return this.#closed || this.#topic.deleted;
  }

  poll(max: number): StoredRecord[] {
    const out: StoredRecord[] = [];
    if (this.closed) return out;
    const logs = this.#topic.logs;
    const visible = this.#topic.visible;
    const trimmed = this.#topic.trimmed;
    const positions = this.#positions;
    // Records dropped by retention before this consumer read them: it goes on from the first held.
    for (let p = 0; p < logs.length; p++) if ((positions[p] as number) < (trimmed[p] as number)) positions[p] = trimmed[p] as number;
    if (logs.length === 1) {
      // One partition (the common case): no merge.
      const log = logs[0] as PartitionLog;
      const stop = visible[0] as number;
      let pos = log.nextHeld(positions[0] as number);
      for (; pos < stop && out.length < max; pos = log.nextHeld(pos + 1)) out.push(log.record(pos));
      pos = Math.min(pos, stop);
      positions[0] = pos;
      return out;
    }
    while (out.length < max) {
      let best = -1;
      let bestSeq = Infinity;
      for (let p = 0; p < logs.length; p++) {
        const log = logs[p] as PartitionLog;
        const pos = Math.min(log.nextHeld(positions[p] as number), visible[p] as number);
        positions[p] = pos;
        if (pos >= (visible[p] as number)) continue;
        const seq = log.sequence(pos);
        if (seq < bestSeq) {
          best = p;
          bestSeq = seq;
        }
      }
      if (best === -1) break;
      const pos = positions[best] as number;
      out.push((logs[best] as PartitionLog).record(pos));
      positions[best] = pos + 1;
    }
    return out;
  }

  #hasRecords(): boolean {
    const trimmed = this.#topic.trimmed;
    return this.#topic.visible.some((v, i) => v > Math.max(this.#positions[i] as number, trimmed[i] as number));
  }

  waitForRecords(signal?: AbortSignal): Promise<void> {
    if (this.closed || this.#hasRecords() || signal?.aborted) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const done = () => {
        this.#topic.waiters.delete(done);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      this.#topic.waiters.add(done);
      signal?.addEventListener('abort', done, { once: true });
    });
  }

  positions(): ReadonlyMap<number, number> {
    return new Map(this.#positions.map((o, p) => [p, o]));
  }

  close(): void {
    this.#closed = true;
  }
}

export class MemoryBroker implements Broker {
  readonly #topics = new Map<string, MemoryTopic>();
  readonly #groups = new Map<string, number>();
  readonly #now: () => number;
  readonly #partitioner: Partitioner;
  readonly #journal: BrokerJournal | undefined;
  #sequence = 0;
  /** Highest sequence bound a sync has been started for (publishing is pending up to it). */
  #syncRequested = 0;
  #closed = false;

  constructor({ now = Date.now, partitioner = createDefaultPartitioner(), journal, restore }: MemoryBrokerOptions = {}) {
    this.#now = now;
    this.#partitioner = partitioner;
    this.#journal = journal;
    if (restore !== undefined) {
      let next = restore.nextSequence;
      for (const t of restore.topics) {
        const topic = new MemoryTopic(t.description, t.logs, t.producers);
        // What expired while the engine was down is not read again.
        topic.enforceRetention(this.#now());
        this.#topics.set(t.description.name, topic);
        for (const log of t.logs) {
          if (log.end > log.start) next = Math.max(next, log.sequence(log.end - 1) + 1);
        }
      }
      for (const [g, s] of restore.groups) this.#groups.set(g, s);
      this.#sequence = next;
      this.#syncRequested = next;
    }
  }

  get nextSequence(): number {
    return this.#sequence;
  }

  #topic(name: string): MemoryTopic {
    this.#assertOpen();
    const t = this.#topics.get(name);
    if (t === undefined) throw new UnknownTopicError(name);
    return t;
  }

  #assertOpen(): void {
    if (this.#closed) throw new StorageError('STORAGE_CLOSED', 'The broker is closed.');
  }

  createTopic(name: string, options: CreateTopicOptions): TopicDescription {
    this.#assertOpen();
    if (this.#topics.has(name)) throw new TopicExistsError(name);
    if (!Number.isInteger(options.partitions) || options.partitions < 1) {
      throw new StorageError('STORAGE_INVALID_PARTITIONS', `Invalid partition count ${options.partitions} for topic '${name}'.`);
    }
    const description = describeNewTopic(name, options);
    const logs = this.#journal?.createTopic(description) ?? Array.from({ length: description.partitions }, () => new MemoryPartitionLog());
    this.#topics.set(name, new MemoryTopic(description, logs));
    return description;
  }

  deleteTopic(name: string): void {
    const t = this.#topic(name);
    this.#journal?.deleteTopic(name);
    t.deleted = true;
    this.#topics.delete(name);
    t.wake();
  }

  topicExists(name: string): boolean {
    return this.#topics.has(name);
  }

  describeTopic(name: string): TopicDescription | undefined {
    return this.#topics.get(name)?.description;
  }

  listTopics(): TopicDescription[] {
    return [...this.#topics.values()].map((t) => t.description).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  offsets(topic: string): PartitionOffsets[] {
    const t = this.#topic(topic);
    return t.visible.map((end, partition) => ({ partition, start: Math.min(t.trimmed[partition] as number, end), end }));
  }

  produce(topic: string, records: readonly ProducerRecord[], options?: ProduceOptions): RecordMetadata[] {
    const t = this.#topic(topic);
    const count = t.description.partitions;
    const placed = records.map((r) => {
      const partition = r.partition ?? this.#partitioner.partition(r.key, count);
      if (!Number.isInteger(partition) || partition < 0 || partition >= count) {
        throw new InvalidPartitionError(topic, partition, count);
      }
      return { r, partition };
    });
    const out: RecordMetadata[] = [];
    const appended = new Map<number, JournalRecord[]>();
    // Before appending: records produced with old timestamps are still read once.
    if (t.description.retentionMs !== undefined) t.enforceRetention(this.#now());
    const nextOffset = t.logs.map((log) => log.end);
    const lastProducerSeq = new Map<number, number>();
    let sequence = this.#sequence;
    placed.forEach(({ r, partition }, i) => {
      const timestamp = r.timestamp ?? this.#now();
      let producer: ProducerTag | undefined;
      if (options !== undefined) {
        producer = { id: options.producerId, sequence: options.sequence + i };
        const last = lastProducerSeq.get(partition) ?? (t.producers[partition] as Map<string, number>).get(options.producerId) ?? -1;
        if (producer.sequence <= last) {
          out.push({ topic, partition, offset: -1, timestamp, duplicate: true });
          return;
        }
        lastProducerSeq.set(partition, producer.sequence);
      }
      const offset = nextOffset[partition] as number;
      nextOffset[partition] = offset + 1;
      const record: StoredRecord = {
        topic,
        partition,
        offset,
        timestamp,
        key: r.key,
        value: r.value,
        headers: r.headers ?? [],
        sequence: sequence++,
      };
      let batch = appended.get(partition);
      if (batch === undefined) appended.set(partition, (batch = []));
      batch.push(producer === undefined ? { record } : { record, producer });
      out.push({ topic, partition, offset, timestamp });
    });
    if (appended.size === 0) return out;
    // Written first, every partition or none: if a write throws, nothing changed.
    const undo: (() => void)[] = [];
    try {
      for (const [partition, batch] of appended) undo.push((t.logs[partition] as PartitionLog).write(batch));
    } catch (err) {
      for (const u of undo.reverse()) u();
      throw err;
    }
    this.#sequence = sequence;
    for (const [partition, batch] of appended) (t.logs[partition] as PartitionLog).append(batch);
    for (const [partition, seq] of lastProducerSeq) (t.producers[partition] as Map<string, number>).set(options?.producerId as string, seq);
    if (this.#journal === undefined) {
      for (let p = 0; p < count; p++) t.visible[p] = t.end(p);
      t.wake();
    } else {
      this.#requestPublish();
    }
    return out;
  }

  /** Publishes everything appended so far once the journal has synced it. */
  #requestPublish(): void {
    const bound = this.#sequence;
    if (bound <= this.#syncRequested) return;
    this.#syncRequested = bound;
    (this.#journal as BrokerJournal).sync().then(
      () => {
        for (const t of this.#topics.values()) t.publish(bound);
      },
      // A failed sync leaves the records invisible; the storage reports the failure to producers.
      () => {},
    );
  }

  readAll(topic: string): StoredRecord[] {
    const t = this.#topic(topic);
    const out: StoredRecord[] = [];
    t.logs.forEach((log, p) => {
      const visible = t.visible[p] as number;
      for (let o = log.nextHeld(t.trimmed[p] as number); o < visible; o = log.nextHeld(o + 1)) out.push(log.record(o));
    });
    return out;
  }

  consumer(topic: string, options: ConsumerOptions): Consumer {
    const t = this.#topic(topic);
    const requested = typeof options.from === 'object' ? options.from.sequence : options.from;
    if (options.group === undefined) return new MemoryConsumer(t, requested);
    const key = `${options.group}\u0000${topic}`;
    let start = this.#groups.get(key);
    if (start === undefined) {
      start = requested === 'earliest' ? 0 : requested === 'latest' ? this.#sequence : requested;
      this.#journal?.putGroup(key, start);
      this.#groups.set(key, start);
    }
    return new MemoryConsumer(t, start);
  }

  deleteGroup(group: string): void {
    for (const key of [...this.#groups.keys()]) {
      if (key.startsWith(`${group}\u0000`)) {
        this.#journal?.putGroup(key, undefined);
        this.#groups.delete(key);
      }
    }
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const t of this.#topics.values()) {
      t.deleted = true;
      t.wake();
    }
    this.#topics.clear();
  }
}

export function createMemoryBroker(options: MemoryBrokerOptions = {}): Broker {
  return new MemoryBroker(options);
}
