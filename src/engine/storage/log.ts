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
  readonly offset: number;
  readonly timestamp: number;
}

export interface TopicDescription {
  readonly name: string;
  readonly partitions: number;
  readonly replicas: number;
  /** Kafka `cleanup.policy`, e.g. `delete` or `compact`. */
  readonly cleanupPolicy: string;
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
}

export type OffsetReset = 'earliest' | 'latest';

export interface ConsumerOptions {
  /** Where to start in every partition. */
  readonly from: OffsetReset;
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
  /** Appends records; all or none are written. Throws {@link UnknownTopicError}. */
  produce(topic: string, records: readonly ProducerRecord[]): RecordMetadata[];
  /** Every record of a topic, partition by partition, in offset order. */
  readAll(topic: string): StoredRecord[];
  consumer(topic: string, options: ConsumerOptions): Consumer;
  /** Ends every consumer; further calls throw. */
  close(): void;
}
