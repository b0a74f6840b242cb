/**
 * The engine's REST handler in process for tests: a fresh engine per test
 * (manual clock at 1000, `auto.offset.reset=earliest`) and small helpers for
 * `/ksql`, `/query`, `/topics` produce and read-back.
 *
 * Call {@link inProcessRest} at the top of a test file; it registers the
 * `beforeEach`/`afterEach` hooks.
 *
 * @module
 */
import { afterEach, beforeEach, expect } from 'vitest';
import { createEngine, manualClock, type Engine } from '../index.js';
import { createHandler, type FetchHandler } from './handler.js';

/** A response body as JSON.parse gives it: tests read its shape with assertions. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- parsed JSON of many shapes, checked by expect(), as JSON.parse types it
export type JsonBody = any;

export interface StoredRecord {
  readonly key: unknown;
  readonly value: unknown;
  readonly timestamp: number;
}

export interface InProcessRest {
  post(path: string, body: unknown): Promise<Response>;
  get(path: string): Promise<Response>;
  ksql(sql: string, streamsProperties?: Record<string, unknown>): Promise<{ status: number; body: JsonBody }>;
  query(sql: string, streamsProperties?: Record<string, unknown>): Promise<{ status: number; text: string }>;
  produce(topic: string, records: unknown[]): Promise<void>;
  /** A topic's records once it holds `n` (persistent queries run when they wake up on new input). */
  topicRecords(topic: string, n: number): Promise<StoredRecord[]>;
}

export function inProcessRest(): InProcessRest {
  let engine: Engine;
  let handle: FetchHandler;
  beforeEach(() => {
    engine = createEngine({ clock: manualClock(1000), properties: { 'ksql.streams.auto.offset.reset': 'earliest' } });
    handle = createHandler({ engine });
  });
  afterEach(async () => {
    await engine.close();
  });

  const post = (path: string, body: unknown): Promise<Response> =>
    handle(
      new Request(`http://engine${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify(body),
      }),
    );
  const request = (sql: string, streamsProperties?: Record<string, unknown>) =>
    streamsProperties === undefined ? { ksql: sql } : { ksql: sql, streamsProperties };

  return {
    post,
    get: (path) => handle(new Request(`http://engine${path}`)),
    async ksql(sql, streamsProperties) {
      const res = await post('/ksql', request(sql, streamsProperties));
      return { status: res.status, body: await res.json() };
    },
    async query(sql, streamsProperties) {
      const res = await post('/query', request(sql, streamsProperties));
      return { status: res.status, text: await res.text() };
    },
    async produce(topic, records) {
      const res = await post(`/topics/${topic}`, { records });
      expect(res.status).toBe(200);
    },
    async topicRecords(topic, n) {
      for (let i = 0; ; i++) {
        const res = await handle(new Request(`http://engine/topics/${topic}/records`));
        const records = (await res.json()) as StoredRecord[];
        if (records.length >= n || i >= 100) return records;
        await new Promise((r) => setTimeout(r, 10));
      }
    },
  };
}
