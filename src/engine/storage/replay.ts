/**
 * The broker the engine uses while it replays its command log at start.
 *
 * The recovered broker already holds the final truth about topics (its own
 * metadata log), so replayed statements must not create or delete topics:
 * replaying `DROP STREAM s DELETE TOPIC` would otherwise delete a topic of
 * the same name created later. During replay, topic administration goes to
 * an overlay (as in the sandbox) that starts from the recovered topics;
 * reads, consumers and producers go to the real broker, or see an empty
 * topic when the topic exists only in the overlay (it was deleted later in
 * the log, and so are the sources and queries that use it).
 *
 * After {@link ReplayBroker.finish} every call passes through: persistent
 * queries started during replay keep this object as their broker.
 *
 * @module
 */
import {
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
} from './log.js';
import type { CommandRecord, CommandStore } from './commands.js';

export interface ReplayBroker extends Broker {
  /** Ends the replay: from now on every call goes to the real broker. */
  finish(): void;
}

const emptyConsumer = (): Consumer => {
  let closed = false;
  return {
    poll: () => [],
    waitForRecords: (signal) =>
      closed || signal?.aborted === true
        ? Promise.resolve()
        : new Promise<void>((resolve) => signal?.addEventListener('abort', () => resolve(), { once: true })),
    positions: () => new Map(),
    get closed() {
      return closed;
    },
    close() {
      closed = true;
    },
  };
};

export function createReplayBroker(real: Broker): ReplayBroker {
  let replaying = true;
  const created = new Map<string, TopicDescription>();
  const deleted = new Set<string>();
  const describe = (name: string): TopicDescription | undefined => {
    if (!replaying) return real.describeTopic(name);
    if (created.has(name)) return created.get(name);
    if (deleted.has(name)) return undefined;
    return real.describeTopic(name);
  };
  /** During replay: true when the topic is only in the overlay. */
  const virtual = (name: string): boolean => {
    if (!replaying) return false;
    if (describe(name) === undefined) throw new UnknownTopicError(name);
    return !real.topicExists(name);
  };
  return {
    finish() {
      replaying = false;
      created.clear();
      deleted.clear();
    },
    createTopic(name: string, options: CreateTopicOptions): TopicDescription {
      if (!replaying) return real.createTopic(name, options);
      if (describe(name) !== undefined) throw new TopicExistsError(name);
      const d: TopicDescription = {
        name,
        partitions: options.partitions,
        replicas: options.replicas ?? 1,
        cleanupPolicy: options.cleanupPolicy ?? 'delete',
      };
      created.set(name, d);
      deleted.delete(name);
      return d;
    },
    deleteTopic(name: string): void {
      if (!replaying) return real.deleteTopic(name);
      if (describe(name) === undefined) throw new UnknownTopicError(name);
      created.delete(name);
      deleted.add(name);
    },
    topicExists: (name) => describe(name) !== undefined,
    describeTopic: describe,
    listTopics(): TopicDescription[] {
      if (!replaying) return real.listTopics();
      const names = new Set([...real.listTopics().map((t) => t.name), ...created.keys()]);
      return [...names]
        .sort()
        .map(describe)
        .filter((t): t is TopicDescription => t !== undefined);
    },
    offsets(topic: string): PartitionOffsets[] {
      if (!virtual(topic)) return real.offsets(topic);
      const d = describe(topic) as TopicDescription;
      return Array.from({ length: d.partitions }, (_, partition) => ({ partition, start: 0, end: 0 }));
    },
    produce(topic: string, records: readonly ProducerRecord[], options?: ProduceOptions): RecordMetadata[] {
      if (!virtual(topic)) return real.produce(topic, records, options);
      return records.map((r) => ({ topic, partition: r.partition ?? 0, offset: -1, timestamp: r.timestamp ?? 0 }));
    },
    readAll(topic: string): StoredRecord[] {
      return virtual(topic) ? [] : real.readAll(topic);
    },
    consumer(topic: string, options: ConsumerOptions): Consumer {
      return virtual(topic) ? emptyConsumer() : real.consumer(topic, options);
    },
    get nextSequence() {
      return real.nextSequence;
    },
    deleteGroup: (group) => real.deleteGroup(group),
    close: () => real.close(),
  };
}

export interface ReplayCommandStore extends CommandStore {
  /**
   * While replaying: the recovered command being replayed. Its statement's
   * appends are not written again, and `nextSequenceNumber` is its sequence
   * number, as when it first ran (query ids derived from it come out the same).
   */
  replaying(command: CommandRecord): void;
  /** Ends the replay: from now on every call goes to the real store. */
  finish(): void;
}

/** The command store the engine uses while it replays its command log (see {@link createReplayBroker}). */
export function createReplayCommandStore(real: CommandStore): ReplayCommandStore {
  let current: CommandRecord | undefined;
  let done = false;
  return {
    replaying(command) {
      current = command;
    },
    finish() {
      done = true;
      current = undefined;
    },
    append(commandId, statementText, status, properties) {
      if (done) return real.append(commandId, statementText, status, properties);
      return { commandId, statementText, status, sequenceNumber: current?.sequenceNumber ?? real.nextSequenceNumber };
    },
    get: (id) => real.get(id),
    statuses: () => real.statuses(),
    list: () => real.list(),
    get nextSequenceNumber() {
      return done || current === undefined ? real.nextSequenceNumber : current.sequenceNumber;
    },
  };
}
