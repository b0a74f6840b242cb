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
  type Broker,
  type Consumer,
  type ConsumerOptions,
  type ProduceOptions,
  type ProducerRecord,
  type RecordMetadata,
  type StoredRecord,
} from './log.js';
import { TopicOverlay } from './overlay.js';
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
  const overlay = new TopicOverlay(real);
  /** During replay: true when the topic is only in the overlay. */
  const virtual = (name: string): boolean => replaying && overlay.isOnlyHere(name);
  return {
    finish() {
      replaying = false;
      overlay.clear();
    },
    createTopic: (name, options) => (replaying ? overlay.create(name, options) : real.createTopic(name, options)),
    deleteTopic: (name) => (replaying ? overlay.delete(name) : real.deleteTopic(name)),
    topicExists: (name) => (replaying ? overlay.describe(name) : real.describeTopic(name)) !== undefined,
    describeTopic: (name) => (replaying ? overlay.describe(name) : real.describeTopic(name)),
    listTopics: () => (replaying ? overlay.list() : real.listTopics()),
    offsets: (topic) => (virtual(topic) ? overlay.emptyOffsets(topic) : real.offsets(topic)),
    produce(topic: string, records: readonly ProducerRecord[], options?: ProduceOptions): RecordMetadata[] {
      return virtual(topic) ? TopicOverlay.unwritten(topic, records) : real.produce(topic, records, options);
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
