/**
 * Topic administration recorded over a broker without reaching it: topics
 * created and deleted here are seen through {@link TopicOverlay.describe} and
 * {@link TopicOverlay.list}, while the broker keeps its own. Used by the
 * validation sandbox (sandbox.ts) and by the broker of a command-log replay
 * (replay.ts).
 *
 * @module
 */
import {
  describeNewTopic,
  TopicExistsError,
  UnknownTopicError,
  type Broker,
  type CreateTopicOptions,
  type PartitionOffsets,
  type ProducerRecord,
  type RecordMetadata,
  type TopicDescription,
} from './log.js';

export class TopicOverlay {
  readonly #real: Broker;
  readonly #created = new Map<string, TopicDescription>();
  readonly #deleted = new Set<string>();

  constructor(real: Broker) {
    this.#real = real;
  }

  describe(name: string): TopicDescription | undefined {
    if (this.#created.has(name)) return this.#created.get(name);
    if (this.#deleted.has(name)) return undefined;
    return this.#real.describeTopic(name);
  }

  create(name: string, options: CreateTopicOptions): TopicDescription {
    if (this.describe(name) !== undefined) throw new TopicExistsError(name);
    const d = describeNewTopic(name, options);
    this.#created.set(name, d);
    this.#deleted.delete(name);
    return d;
  }

  delete(name: string): void {
    if (this.describe(name) === undefined) throw new UnknownTopicError(name);
    this.#created.delete(name);
    this.#deleted.add(name);
  }

  /** Every topic seen through the overlay, by name. */
  list(): TopicDescription[] {
    const names = new Set([...this.#real.listTopics().map((t) => t.name), ...this.#created.keys()]);
    return [...names]
      .sort()
      .map((name) => this.describe(name))
      .filter((t): t is TopicDescription => t !== undefined);
  }

  /**
   * Whether `name` was created here (its records are not the broker's: it
   * reads as empty).
   *
   * @throws UnknownTopicError when the overlay does not see it.
   */
  isCreated(name: string): boolean {
    if (this.describe(name) === undefined) throw new UnknownTopicError(name);
    return this.#created.has(name);
  }

  /**
   * Whether `name` exists only in the overlay, not in the broker (a topic
   * that was created, or deleted and created again, here while the broker
   * also has one reads as the broker's).
   *
   * @throws UnknownTopicError when the overlay does not see it.
   */
  isOnlyHere(name: string): boolean {
    if (this.describe(name) === undefined) throw new UnknownTopicError(name);
    return !this.#real.topicExists(name);
  }

  /** The offsets of a topic created here: empty partitions. */
  emptyOffsets(name: string): PartitionOffsets[] {
    const d = this.describe(name) as TopicDescription;
    return Array.from({ length: d.partitions }, (_, partition) => ({ partition, start: 0, end: 0 }));
  }

  /** Nothing written: the metadata a produce would report, without offsets. */
  static unwritten(topic: string, records: readonly ProducerRecord[]): RecordMetadata[] {
    return records.map((r) => ({ topic, partition: r.partition ?? 0, offset: -1, timestamp: r.timestamp ?? 0 }));
  }

  /** Forgets every change: the broker's topics show through again. */
  clear(): void {
    this.#created.clear();
    this.#deleted.clear();
  }
}
