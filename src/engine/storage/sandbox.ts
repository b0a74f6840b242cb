/**
 * A sandbox over a broker, for validating a request before running it:
 * topic creation and deletion are recorded in an overlay, produce only
 * checks that the topic exists, and nothing reaches the real broker.
 *
 * @module
 */
import {
  UnknownTopicError,
  TopicExistsError,
  type Broker,
  type Consumer,
  type CreateTopicOptions,
  type PartitionOffsets,
  type RecordMetadata,
  type StoredRecord,
  type TopicDescription,
} from './log.js';
import { createMemoryCommandStore, type CommandStore } from './commands.js';

export function createSandboxBroker(real: Broker): Broker {
  const created = new Map<string, TopicDescription>();
  const deleted = new Set<string>();
  const describe = (name: string): TopicDescription | undefined => {
    if (created.has(name)) return created.get(name);
    if (deleted.has(name)) return undefined;
    return real.describeTopic(name);
  };
  return {
    createTopic(name: string, options: CreateTopicOptions): TopicDescription {
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
      if (describe(name) === undefined) throw new UnknownTopicError(name);
      created.delete(name);
      deleted.add(name);
    },
    topicExists: (name) => describe(name) !== undefined,
    describeTopic: describe,
    listTopics(): TopicDescription[] {
      const names = new Set([...real.listTopics().map((t) => t.name), ...created.keys()]);
      return [...names].map(describe).filter((t): t is TopicDescription => t !== undefined);
    },
    offsets(topic: string): PartitionOffsets[] {
      const d = describe(topic);
      if (d === undefined) throw new UnknownTopicError(topic);
      if (created.has(topic)) return Array.from({ length: d.partitions }, (_, partition) => ({ partition, start: 0, end: 0 }));
      return real.offsets(topic);
    },
    produce(topic: string, records): RecordMetadata[] {
      const d = describe(topic);
      if (d === undefined) throw new UnknownTopicError(topic);
      return records.map((r) => ({ topic, partition: r.partition ?? 0, offset: -1, timestamp: r.timestamp ?? 0 }));
    },
    readAll(topic: string): StoredRecord[] {
      if (describe(topic) === undefined) throw new UnknownTopicError(topic);
      return created.has(topic) ? [] : real.readAll(topic);
    },
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
