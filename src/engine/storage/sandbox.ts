/**
 * A sandbox over a broker, for validating a request before running it:
 * topic creation and deletion are recorded in an overlay, produce only
 * checks that the topic exists, and nothing reaches the real broker.
 *
 * @module
 */
import { UnknownTopicError, type Broker, type Consumer, type RecordMetadata, type StoredRecord } from './log.js';
import { TopicOverlay } from './overlay.js';
import { createMemoryCommandStore, type CommandStore } from './commands.js';

export function createSandboxBroker(real: Broker): Broker {
  const overlay = new TopicOverlay(real);
  return {
    createTopic: (name, options) => overlay.create(name, options),
    deleteTopic: (name) => overlay.delete(name),
    topicExists: (name) => overlay.describe(name) !== undefined,
    describeTopic: (name) => overlay.describe(name),
    listTopics: () => overlay.list(),
    offsets: (topic) => (overlay.isCreated(topic) ? overlay.emptyOffsets(topic) : real.offsets(topic)),
    produce(topic, records): RecordMetadata[] {
      if (overlay.describe(topic) === undefined) throw new UnknownTopicError(topic);
      return TopicOverlay.unwritten(topic, records);
    },
    readAll: (topic): StoredRecord[] => (overlay.isCreated(topic) ? [] : real.readAll(topic)),
    consumer(): Consumer {
      throw new Error('Invariant violated: a sandbox broker cannot be consumed');
    },
    get nextSequence() {
      return real.nextSequence;
    },
    deleteGroup(): void {},
    close(): void {},
  };
}

/** A command store that accepts commands and forgets them. */
export function createSandboxCommandStore(real: CommandStore): CommandStore {
  const scratch = createMemoryCommandStore();
  return {
    append: (id, text, status) => ({ ...scratch.append(id, text, status), sequenceNumber: real.nextSequenceNumber }),
    get: (id) => scratch.get(id) ?? real.get(id),
    statuses: () => real.statuses(),
    list: () => real.list(),
    get nextSequenceNumber() {
      return real.nextSequenceNumber;
    },
  };
}
