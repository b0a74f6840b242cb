/**
 * Direct topic access for tools and tests (the engine's REST extensions):
 * produce JSON records, read every record back.
 *
 * @module
 */
import { BadRequestError, EngineError } from '../errors.js';
import { InvalidPartitionError, type Broker } from '../storage/index.js';
import { unwrapWindowedKey, wrapWindowedKey } from '../operators/index.js';
import { parseJsonTree } from '../types/index.js';

export interface ProduceInput {
  /** Key as JSON text, or null for no key. */
  readonly key: string | null;
  /** Value as JSON text, or null for a tombstone. */
  readonly value: string | null;
  readonly partition?: number | undefined;
  readonly timestamp?: number | undefined;
  readonly headers?: readonly { readonly key: string; readonly value: string | null }[] | undefined;
  /** The window of a windowed key (stored inside the key text, see operators/keys.ts). */
  readonly window?: { readonly start: number; readonly end: number } | undefined;
}

export interface ProduceOutcome {
  readonly partition: number;
  readonly offset: number;
  readonly timestamp: number;
}

export interface TopicRecordView {
  readonly partition: number;
  readonly offset: number;
  readonly timestamp: number;
  /** JSON text or null. */
  readonly key: string | null;
  /** JSON text or null. */
  readonly value: string | null;
  readonly headers: readonly { readonly key: string; readonly value: string | null }[];
  /** Present for windowed keys. */
  readonly window?: { readonly start: number; readonly end: number } | undefined;
}

export class PartitionNotFoundError extends EngineError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('ENGINE_PARTITION_NOT_FOUND', message, options);
  }
}

export class TopicNotFoundError extends EngineError {
  constructor(topic: string) {
    super('ENGINE_TOPIC_NOT_FOUND', `Topic ${topic} not found.`);
  }
}

function checkJson(text: string | null, what: string): void {
  if (text === null) return;
  try {
    parseJsonTree(text);
  } catch (err) {
    throw new BadRequestError(`Invalid JSON ${what}: ${(err as Error).message}`, { cause: err });
  }
}

/**
 * Produces records; a missing topic is created with `partitions` partitions
 * (default one, or as many as the highest explicit partition needs).
 */
export function produceRecords(
  broker: Broker,
  topic: string,
  records: readonly ProduceInput[],
  now: () => number,
  partitions?: number,
): ProduceOutcome[] {
  for (const r of records) {
    checkJson(r.key, 'key');
    checkJson(r.value, 'value');
    if (r.partition !== undefined && (!Number.isInteger(r.partition) || r.partition < 0)) {
      throw new PartitionNotFoundError('Partition not found.');
    }
  }
  if (!broker.topicExists(topic)) {
    const needed = Math.max(partitions ?? 1, ...records.map((r) => (r.partition ?? 0) + 1));
    broker.createTopic(topic, { partitions: needed });
  }
  try {
    return broker
      .produce(
        topic,
        records.map((r) => ({
          key: r.window === undefined ? r.key : wrapWindowedKey(r.key, r.window),
          value: r.value,
          partition: r.partition,
          timestamp: r.timestamp ?? now(),
          headers: r.headers,
        })),
      )
      .map((m) => ({ partition: m.partition, offset: m.offset, timestamp: m.timestamp }));
  } catch (err) {
    if (err instanceof InvalidPartitionError) throw new PartitionNotFoundError('Partition not found.', { cause: err });
    throw err;
  }
}

export function readRecords(broker: Broker, topic: string): TopicRecordView[] {
  if (!broker.topicExists(topic)) throw new TopicNotFoundError(topic);
  return broker.readAll(topic).map((r) => {
    const w = unwrapWindowedKey(r.key);
    const base = { partition: r.partition, offset: r.offset, timestamp: r.timestamp, value: r.value, headers: r.headers };
    return w === undefined ? { ...base, key: r.key } : { ...base, key: w.key, window: w.window };
  });
}
