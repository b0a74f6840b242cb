/**
 * In-memory {@link Broker}: one array of records per partition, consumers
 * that merge partitions in global append order, and wake-ups for consumers
 * waiting at the end of the log.
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
  type ProducerRecord,
  type RecordMetadata,
  type StoredRecord,
  type TopicDescription,
} from './log.js';
import { createDefaultPartitioner, type Partitioner } from './partitioner.js';

export interface MemoryBrokerOptions {
  /** Timestamps for records produced without one. @default Date.now */
  readonly now?: (() => number) | undefined;
  /** @default Kafka's murmur2 partitioner */
  readonly partitioner?: Partitioner | undefined;
}

class MemoryTopic {
  readonly description: TopicDescription;
  readonly partitions: StoredRecord[][];
  readonly waiters = new Set<() => void>();
  deleted = false;

  constructor(description: TopicDescription) {
    this.description = description;
    this.partitions = Array.from({ length: description.partitions }, () => []);
  }

  wake(): void {
    if (this.waiters.size === 0) return;
    const ws = [...this.waiters];
    this.waiters.clear();
    for (const w of ws) w();
  }
}

class MemoryConsumer implements Consumer {
  readonly #topic: MemoryTopic;
  readonly #positions: number[];
  #closed = false;

  constructor(topic: MemoryTopic, options: ConsumerOptions) {
    this.#topic = topic;
    this.#positions = topic.partitions.map((p) => (options.from === 'earliest' ? 0 : p.length));
  }

  get closed(): boolean {
    return this.#closed || this.#topic.deleted;
  }

  poll(max: number): StoredRecord[] {
    const out: StoredRecord[] = [];
    if (this.closed) return out;
    const parts = this.#topic.partitions;
    while (out.length < max) {
      let best = -1;
      let bestSeq = Infinity;
      for (let p = 0; p < parts.length; p++) {
        const rec = (parts[p] as StoredRecord[])[this.#positions[p] as number];
        if (rec !== undefined && rec.sequence < bestSeq) {
          best = p;
          bestSeq = rec.sequence;
        }
      }
      if (best === -1) break;
      const pos = this.#positions[best] as number;
      out.push((parts[best] as StoredRecord[])[pos] as StoredRecord);
      this.#positions[best] = pos + 1;
    }
    return out;
  }

  #hasRecords(): boolean {
    return this.#topic.partitions.some((p, i) => p.length > (this.#positions[i] as number));
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
  readonly #now: () => number;
  readonly #partitioner: Partitioner;
  #sequence = 0;
  #closed = false;

  constructor({ now = Date.now, partitioner = createDefaultPartitioner() }: MemoryBrokerOptions = {}) {
    this.#now = now;
    this.#partitioner = partitioner;
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
    const description: TopicDescription = {
      name,
      partitions: options.partitions,
      replicas: options.replicas ?? 1,
      cleanupPolicy: options.cleanupPolicy ?? 'delete',
    };
    this.#topics.set(name, new MemoryTopic(description));
    return description;
  }

  deleteTopic(name: string): void {
    const t = this.#topic(name);
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
    return this.#topic(topic).partitions.map((p, partition) => ({ partition, start: 0, end: p.length }));
  }

  produce(topic: string, records: readonly ProducerRecord[]): RecordMetadata[] {
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
    for (const { r, partition } of placed) {
      const log = t.partitions[partition] as StoredRecord[];
      const rec: StoredRecord = {
        topic,
        partition,
        offset: log.length,
        timestamp: r.timestamp ?? this.#now(),
        key: r.key,
        value: r.value,
        headers: r.headers ?? [],
        sequence: this.#sequence++,
      };
      log.push(rec);
      out.push({ topic, partition, offset: rec.offset, timestamp: rec.timestamp });
    }
    if (out.length > 0) t.wake();
    return out;
  }

  readAll(topic: string): StoredRecord[] {
    return this.#topic(topic).partitions.flat();
  }

  consumer(topic: string, options: ConsumerOptions): Consumer {
    return new MemoryConsumer(this.#topic(topic), options);
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
