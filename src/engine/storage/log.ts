/**
 * The record log: topics with partitions, offsets and timestamps, as Kafka
 * has them. Interfaces only; {@link ./memory.ts} is the in-memory
 * implementation, a file-backed one can follow behind the same contract.
 *
 * Keys and values are stored as text (JSON in this engine, see
 * `types/serde.ts`) or null; the log never interprets them.
 *
 * @module
 */
import { BaseError } from '../../shared/errors.js';

export interface RecordHeader {
  readonly key: string;
  /** Header values are bytes in Kafka; text here. */
  readonly value: string | null;
}

/** A record as stored: where it is and what it holds. */
export interface StoredRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  /** Milliseconds since the epoch. */
  readonly timestamp: number;
  readonly key: string | null;
  readonly value: string | null;
  readonly headers: readonly RecordHeader[];
  /**
   * Position in the broker's global append order. Lets a consumer of several
   * partitions see records in the order they were produced.
   */
  readonly sequence: number;
}

/** What a producer sends. */
export interface ProducerRecord {
  readonly key: string | null;
  readonly value: string | null;
  /** Explicit partition; otherwise chosen by {@link Partitioner}. */
  readonly partition?: number | undefined;
  /** Record timestamp; otherwise the broker clock's now. */
  readonly timestamp?: number | undefined;
  readonly headers?: readonly RecordHeader[] | undefined;
}

export interface RecordMetadata {
  readonly topic: string;
  readonly partition: number;
  /** -1 for a {@link RecordMetadata.duplicate duplicate}. */
  readonly offset: number;
  readonly timestamp: number;
  /**
   * True when an idempotent producer sent a record the partition already
   * holds (see {@link ProduceOptions}); it was not appended again.
   */
  readonly duplicate?: boolean | undefined;
}

/**
 * Idempotent produce, as Kafka's idempotent producer: record `i` of the call
 * gets producer sequence `sequence + i`, and a partition drops a record whose
 * producer sequence is not above the last one it stored from `producerId`.
 * A persistent query that rebuilds its state by re-reading its inputs from
 * its start after a restart numbers its outputs from 0 again; the outputs it
 * wrote before the crash are dropped, so its sink gets each output once.
 *
 * The producer id must be unique for the life of the log (a persistent
 * query's id, which embeds its command sequence number).
 */
export interface ProduceOptions {
  readonly producerId: string;
  /** Producer sequence of the first record of the call; 0, 1, 2, ... over the producer's life. */
  readonly sequence: number;
}

export interface TopicDescription {
  readonly name: string;
  readonly partitions: number;
  readonly replicas: number;
  /** Kafka `cleanup.policy`, e.g. `delete` or `compact`. */
  readonly cleanupPolicy: string;
  /**
   * Kafka `retention.ms`: records whose timestamp is older are dropped from
   * the head of their partition (offsets go on; `start` moves up).
   * Undefined: records are kept (this engine's default).
   */
  readonly retentionMs?: number | undefined;
}

export interface PartitionOffsets {
  readonly partition: number;
  /** First offset still held. */
  readonly start: number;
  /** Offset the next record will get. */
  readonly end: number;
}

export interface CreateTopicOptions {
  readonly partitions: number;
  /** @default 1 */
  readonly replicas?: number | undefined;
  /** @default 'delete' */
  readonly cleanupPolicy?: string | undefined;
  /** See {@link TopicDescription.retentionMs}. @default kept */
  readonly retentionMs?: number | undefined;
}

/** A topic's description as created with `options`. */
export function describeNewTopic(name: string, options: CreateTopicOptions): TopicDescription {
  return {
    name,
    partitions: options.partitions,
    replicas: options.replicas ?? 1,
    cleanupPolicy: options.cleanupPolicy ?? 'delete',
    ...(options.retentionMs === undefined ? {} : { retentionMs: options.retentionMs }),
  };
}

export type OffsetReset = 'earliest' | 'latest';

export interface ConsumerOptions {
  /**
   * Where to start in every partition: the first record, the end, or the
   * first record whose {@link StoredRecord.sequence} is at least `sequence`.
   */
  readonly from: OffsetReset | { readonly sequence: number };
  /**
   * A persistent consumer's name (a persistent query's id). The first
   * consumer of a group fixes the group's start, as a sequence number, and
   * the store keeps it durably; a consumer of the same group created later,
   * after a restart too, starts there whatever `from` says. The position is
   * not advanced: a restarted query re-reads its inputs from its start to
   * rebuild its state (see storage/README.md, "Exactly once").
   */
  readonly group?: string | undefined;
}

/**
 * A reader over all partitions of one topic. Records come out in global
 * append order. Single-threaded use only.
 */
export interface Consumer {
  /** Up to `max` records past the current position; advances the position. */
  poll(max: number): StoredRecord[];
  /**
   * Resolves once a record is available past the current position, the topic
   * is deleted, the consumer is closed, or `signal` aborts.
   */
  waitForRecords(signal?: AbortSignal): Promise<void>;
  /** Current position per partition (the next offset to read). */
  positions(): ReadonlyMap<number, number>;
  /** True once closed or the topic was deleted. */
  readonly closed: boolean;
  close(): void;
}

export class StorageError extends BaseError {}

export class TopicExistsError extends StorageError {
  readonly topic: string;
  constructor(topic: string) {
    super('STORAGE_TOPIC_EXISTS', `Topic '${topic}' already exists.`);
    this.topic = topic;
  }
}

export class UnknownTopicError extends StorageError {
  readonly topic: string;
  constructor(topic: string) {
    super('STORAGE_UNKNOWN_TOPIC', `Topic '${topic}' does not exist.`);
    this.topic = topic;
  }
}

export class InvalidPartitionError extends StorageError {
  constructor(topic: string, partition: number, partitions: number) {
    super(
      'STORAGE_INVALID_PARTITION',
      `Invalid partition ${partition} for topic '${topic}': the topic has ${partitions} partition(s).`,
    );
  }
}

/** The broker: topic administration, producing and consuming. */
export interface Broker {
  createTopic(name: string, options: CreateTopicOptions): TopicDescription;
  deleteTopic(name: string): void;
  topicExists(name: string): boolean;
  describeTopic(name: string): TopicDescription | undefined;
  listTopics(): TopicDescription[];
  offsets(topic: string): PartitionOffsets[];
  /**
   * Appends records; all or none are written. Throws {@link UnknownTopicError}.
   * Consumers see the records once they are durable (at once in memory);
   * see {@link EngineStorage.flush}.
   */
  produce(topic: string, records: readonly ProducerRecord[], options?: ProduceOptions  ): RecordMetadata[];
  /** The sequence number the next appended record gets. */
  readonly nextSequence: number;
  /** Forgets a consumer group's start (a persistent query was terminated). */
  deleteGroup(group: string): void;
  /** Every record of a topic, partition by partition, in offset order. */
  readAll(topic: string): StoredRecord[];
  consumer(topic: string, options: ConsumerOptions): Consumer;
  /** Ends every consumer; further calls throw. */
  close(): void;
}
