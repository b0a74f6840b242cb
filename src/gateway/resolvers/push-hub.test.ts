import { describe, expect, it } from 'vitest';
import type { GatewayContext } from '../context.js';
import { KsqlServerError } from '../ksql-client/errors.js';
import { createFakeKsqlClient } from '../testing/fake-ksql-client.js';
import { silentLogger } from '../../shared/logger.js';
import { PushQueryHub, shareKey, type ReplayWindow } from './push-hub.js';
import type { QueryEventView, RowView } from './rows.js';
import { SubscriptionRegistry } from './subscription-registry.js';

const SQL = 'SELECT * FROM S EMIT CHANGES;';

function setup(pushLogBytes?: number) {
  const client = createFakeKsqlClient();
  const registry = new SubscriptionRegistry();
  let tooSlow = 0;
  const hub = new PushQueryHub({ registry, logger: silentLogger, pushLogBytes, onSubscriberTooSlow: () => tooSlow++ });
  const join = (sql = SQL, authorization?: string, properties?: Record<string, unknown>, signal?: AbortSignal) => {
    const request = { ksql: sql, streamsProperties: properties };
    const key = shareKey(request, authorization);
    if (key === undefined) throw new Error('not shareable');
    const context: GatewayContext = { ksqlClient: client, authorization, signal, ksqlCalls: () => 0 };
    return hub.subscribe(key, request, context);
  };
  return { client, registry, hub, join, tooSlow: () => tooSlow };
}

async function take(it: AsyncIterator<QueryEventView>, n: number): Promise<QueryEventView[]> {
  const out: QueryEventView[] = [];
  for (let i = 0; i < n; i++) {
    const step = await it.next();
    if (step.done) throw new Error(`ended after ${i} events`);
    out.push(step.value);
  }
  return out;
}

const flush = () => new Promise((r) => setImmediate(r));
async function eventuallyTrue(check: () => boolean): Promise<void> {
  for (let i = 0; i < 1000 && !check(); i++) await flush();
  expect(check()).toBe(true);
}
const columnsOf = (events: QueryEventView[]) => events.map((e) => (e.kind === 'row' ? e.columns : e.kind));

describe('shareKey', () => {
  it('normalises whitespace and trailing semicolons outside literals, sorts property keys', () => {
    const a = shareKey({ ksql: 'SELECT *  FROM S\n EMIT CHANGES;', streamsProperties: { b: 1, a: { y: 1, x: 2 } } }, undefined);
    const b = shareKey({ ksql: ' SELECT * FROM S EMIT CHANGES ', streamsProperties: { a: { x: 2, y: 1 }, b: 1 } }, undefined);
    expect(a).toBe(b);
    expect(shareKey({ ksql: "SELECT * FROM S WHERE T = 'a  b' EMIT CHANGES;" }, undefined)).not.toBe(
      shareKey({ ksql: "SELECT * FROM S WHERE T = 'a b' EMIT CHANGES;" }, undefined),
    );
    expect(shareKey({ ksql: SQL }, undefined)).toBe(shareKey({ ksql: SQL, streamsProperties: {} }, ''));
  });

  it('keys on the credential, hashed, and never shares LIMIT or non-push queries', () => {
    const alice = shareKey({ ksql: SQL }, 'Basic YWxpY2U6c2VjcmV0');
    const bob = shareKey({ ksql: SQL }, 'Basic Ym9iOnNlY3JldA==');
    expect(alice).not.toBe(bob);
    expect(alice).not.toContain('YWxpY2U6c2VjcmV0');
    expect(shareKey({ ksql: 'SELECT * FROM S EMIT CHANGES LIMIT 3;' }, undefined)).toBeUndefined();
    expect(shareKey({ ksql: 'select * from s emit changes limit 3' }, undefined)).toBeUndefined();
    expect(shareKey({ ksql: 'SELECT * FROM T WHERE K = 1;' }, undefined)).toBeUndefined();
    expect(shareKey({ ksql: `SELECT * FROM S WHERE T = 'LIMIT 1' EMIT CHANGES;` }, undefined)).toBeDefined();
    expect(shareKey({ ksql: 'SELECT * FROM S EMIT CHANGES; SELECT 1;' }, undefined)).toBeUndefined();
  });
});

describe('PushQueryHub', () => {
  it('shares one upstream query; every subscriber gets the same header and row objects', async () => {
    const { client, hub, join } = setup();
    const a = join();
    const b = join('  SELECT * FROM S   EMIT CHANGES');
    expect(client.callsOf('query')).toHaveLength(1);
    expect(hub.size).toBe(1);
    const stream = await client.nextStream();
    stream.sendHeader('`ID` STRING', 'transient_S_1');
    stream.sendRow(['x']);
    const [ea, eb] = await Promise.all([take(a, 2), take(b, 2)]);
    expect(columnsOf(ea)).toEqual(['header', ['x']]);
    expect(ea[0]).toBe(eb[0]);
    expect(ea[1]).toBe(eb[1]);
    await a.return?.();
    await b.return?.();
  });

  it('never shares across different Authorization values or properties', async () => {
    const { client, hub, join } = setup();
    const a = join(SQL, 'Bearer alice');
    const b = join(SQL, 'Bearer bob');
    const c = join(SQL, 'Bearer alice', { 'auto.offset.reset': 'earliest' });
    const d = join(SQL, 'Bearer alice');
    expect(client.callsOf('query').map((call) => call.options?.authorization)).toEqual([
      'Bearer alice',
      'Bearer bob',
      'Bearer alice',
    ]);
    expect(hub.size).toBe(3);
    for (const it of [a, b, c, d]) await it.return?.();
    expect(hub.size).toBe(0);
  });

  it('a late joiner gets the header, then only rows produced after it joined', async () => {
    const { client, join } = setup();
    const a = join();
    const stream = await client.nextStream();
    stream.sendHeader('`ID` STRING');
    stream.sendRow(['before']);
    expect(columnsOf(await take(a, 2))).toEqual(['header', ['before']]);
    const late = join();
    stream.sendRow(['after']);
    expect(columnsOf(await take(late, 2))).toEqual(['header', ['after']]);
    expect(columnsOf(await take(a, 1))).toEqual([['after']]);
    await a.return?.();
    await late.return?.();
  });

  // The slow-subscriber rules (docs/subscriptions.md): a row is 64 + 16 + 8 + 8 = 96 bytes here.
  const LOG_BYTES = 1_000;
  const ROWS = 200;
  const rowsUpTo = (n: number) => Array.from({ length: n }, (_, i) => [i]);

  /** Reads `it` to its end, checking the log's bound after every event. */
  async function readAll(it: AsyncIterator<QueryEventView>, hub: PushQueryHub, peak: { bytes: number }) {
    const got: QueryEventView[] = [];
    for (;;) {
      const step = await it.next();
      peak.bytes = Math.max(peak.bytes, ...hub.logBytes());
      if (step.done) return got;
      got.push(step.value);
    }
  }

  for (const order of ['stalled first', 'healthy first'] as const) {
    it(`ends the stalled subscriber, not the healthy one (${order}); the healthy one gets every row once, in order`, async () => {
      const { client, hub, join, registry, tooSlow } = setup(LOG_BYTES);
      const first = join();
      const second = join();
      const [stalled, healthy] = order === 'stalled first' ? [first, second] : [second, first];
      const stream = await client.nextStream();
      stream.sendHeader('`N` INTEGER');
      const peak = { bytes: 0 };
      const reading = readAll(healthy, hub, peak);
      for (let i = 0; i < ROWS; i++) stream.sendRow([i]);
      stream.finish();
      expect(columnsOf(await reading)).toEqual(['header', ...rowsUpTo(ROWS)]);
      expect(tooSlow()).toBe(1);
      // What the stalled one had not read went with the log's head: it gets the error at once.
      await expect(stalled.next()).rejects.toMatchObject({
        extensions: { code: 'SUBSCRIBER_TOO_SLOW', logBytes: LOG_BYTES },
      });
      await expect(stalled.next()).resolves.toEqual({ value: undefined, done: true });
      // Bounded: the bound plus the one row that crossed it.
      expect(peak.bytes).toBeGreaterThan(0);
      expect(peak.bytes).toBeLessThanOrEqual(LOG_BYTES + 96);
      expect(hub.size).toBe(0);
      expect(registry.size).toBe(0);
    });
  }

  it('a stalled late joiner (after the header) ends; the healthy one goes on', async () => {
    const { client, hub, join, tooSlow } = setup(LOG_BYTES);
    const healthy = join();
    const stream = await client.nextStream();
    stream.sendHeader('`N` INTEGER');
    expect(columnsOf(await take(healthy, 1))).toEqual(['header']);
    const stalled = join();
    const reading = readAll(healthy, hub, { bytes: 0 });
    for (let i = 0; i < ROWS; i++) stream.sendRow([i]);
    stream.finish();
    expect(columnsOf(await reading)).toEqual(rowsUpTo(ROWS));
    expect(tooSlow()).toBe(1);
    // It joined after the header arrived: it still gets the header, then the error.
    expect(columnsOf(await take(stalled, 1))).toEqual(['header']);
    await expect(stalled.next()).rejects.toMatchObject({ extensions: { code: 'SUBSCRIBER_TOO_SLOW' } });
  });

  it('two healthy subscribers both get every row once, in order, and neither ends', async () => {
    const { client, hub, join, tooSlow } = setup(LOG_BYTES);
    const a = join();
    const b = join();
    const stream = await client.nextStream();
    stream.sendHeader('`N` INTEGER');
    const peak = { bytes: 0 };
    const reading = Promise.all([readAll(a, hub, peak), readAll(b, hub, peak)]);
    for (let i = 0; i < ROWS * 10; i++) stream.sendRow([i]);
    stream.finish();
    const [ga, gb] = await reading;
    const expected = ['header', ...rowsUpTo(ROWS * 10)];
    expect(columnsOf(ga)).toEqual(expected);
    expect(columnsOf(gb)).toEqual(expected);
    expect(tooSlow()).toBe(0);
    expect(peak.bytes).toBeLessThanOrEqual(LOG_BYTES + 96);
  });

  it('memory does not grow with the number of subscribers: each row is stored once', async () => {
    const { client, hub, join } = setup(1_000_000);
    const subscribers = Array.from({ length: 100 }, () => join());
    const stream = await client.nextStream();
    stream.sendHeader('`N` INTEGER');
    for (let i = 0; i < 5; i++) stream.sendRow([i]);
    await eventuallyTrue(() => (hub.logBytes()[0] ?? 0) > 5 * 96);
    // Header + 5 rows, once, for 100 subscribers that have read nothing.
    const header = hub.logBytes()[0] as number - 5 * 96;
    expect(header).toBeGreaterThan(0);
    expect(header).toBeLessThan(1_000); // not 100 copies
    for (const it of subscribers) expect(columnsOf(await take(it, 6))).toEqual(['header', ...rowsUpTo(5)]);
    expect(hub.logBytes()).toEqual([0]);
    for (const it of subscribers) await it.return?.();
    expect(hub.size).toBe(0);
  });

  it('a lone subscriber is not ended: the pump waits for it (backpressure)', async () => {
    const { client, join } = setup(200);
    const only = join();
    const stream = await client.nextStream();
    stream.sendHeader('`N` INTEGER');
    for (let i = 0; i < 6; i++) stream.sendRow([i]);
    await flush();
    expect(columnsOf(await take(only, 7))).toEqual(['header', [0], [1], [2], [3], [4], [5]]);
    await only.return?.();
  });

  it('closes the upstream query when the last subscriber leaves, not before', async () => {
    const { client, hub, join, registry } = setup();
    const a = join();
    const b = join();
    const stream = await client.nextStream();
    stream.sendHeader('`ID` STRING', 'transient_S_9');
    await Promise.all([take(a, 1), take(b, 1)]);
    expect(registry.size).toBe(2);
    await a.return?.();
    expect(stream.returnCalls).toBe(0);
    expect(stream.options?.signal?.aborted).toBe(false);
    await b.return?.();
    expect(stream.returnCalls).toBeGreaterThanOrEqual(1);
    expect(stream.options?.signal?.aborted).toBe(true);
    expect(client.callsOf('closeQuery').map((c) => c.args)).toEqual([['transient_S_9']]);
    expect(registry.size).toBe(0);
    expect(hub.size).toBe(0);
    // A new subscriber starts a new upstream query.
    const c = join();
    expect(client.callsOf('query')).toHaveLength(2);
    await c.return?.();
  });

  it('a subscriber whose client goes away leaves quietly', async () => {
    const { client, hub, join } = setup();
    const gone = new AbortController();
    const a = join(SQL, undefined, undefined, gone.signal);
    const b = join();
    await client.nextStream();
    const pending = a.next();
    gone.abort();
    await expect(pending).resolves.toEqual({ value: undefined, done: true });
    expect(hub.subscriberCount(shareKey({ ksql: SQL }, undefined) as string)).toBe(1);
    await b.return?.();
  });

  it('fans an upstream error out to every subscriber, and the completion too', async () => {
    const { client, hub, join } = setup();
    const a = join();
    const b = join();
    const stream = await client.nextStream();
    stream.sendHeader('`ID` STRING');
    stream.sendRow(['x']);
    const error = new KsqlServerError('Query failed', { httpStatus: 200, errorCode: 50000, inStream: true });
    stream.fail(error);
    for (const it of [a, b]) {
      expect(columnsOf(await take(it, 2))).toEqual(['header', ['x']]);
      await expect(it.next()).rejects.toBe(error);
    }
    expect(hub.size).toBe(0);
    expect(client.callsOf('closeQuery')).toEqual([]);

    const c = join();
    const d = join();
    const second = await client.nextStream();
    second.sendHeader('`ID` STRING');
    second.finish();
    for (const it of [c, d]) {
      expect(columnsOf(await take(it, 1))).toEqual(['header']);
      await expect(it.next()).resolves.toEqual({ value: undefined, done: true });
    }
  });

  it('ends every subscriber when the registry closes, and refuses new ones', async () => {
    const { client, join, registry } = setup();
    const a = join();
    const stream = await client.nextStream();
    stream.sendHeader('`ID` STRING', 'transient_S_3');
    await take(a, 1);
    await registry.closeAll();
    await expect(a.next()).resolves.toMatchObject({ done: true });
    expect(client.callsOf('closeQuery').map((c) => c.args)).toEqual([['transient_S_3']]);
    expect(() => join()).toThrow(/shutting down/);
  });

  it('join: a subscriber gets the rows its replay picks from the window, then every row after them, none twice', async () => {
    const { client, hub } = setup();
    const kept: RowView[] = [];
    const window: ReplayWindow = { push: (row) => void kept.push(row) };
    const request = { ksql: SQL };
    const key = shareKey(request, undefined) as string;
    const context: GatewayContext = { ksqlClient: client, authorization: undefined, signal: undefined, ksqlCalls: () => 0 };
    expect(hub.join(key, context, () => [])).toBeUndefined(); // nothing runs
    const live = hub.subscribe(key, request, context, () => window);
    const stream = await client.nextStream();
    expect(hub.join(key, context, () => [])).toBeUndefined(); // no header yet
    stream.sendHeader('`ID` STRING');
    for (const id of ['a', 'b', 'c']) stream.sendRow([id]);
    await take(live, 4);
    expect(kept.map((r) => r.columns)).toEqual([['a'], ['b'], ['c']]);
    expect(hub.join(key, context, () => undefined)).toBeUndefined(); // the window does not reach back far enough

    const joined = hub.join(key, context, (w) => (w === window ? kept.slice(1) : undefined));
    if (joined === undefined) throw new Error('did not join');
    stream.sendRow(['d']);
    expect(columnsOf(await take(joined, 4))).toEqual(['header', ['b'], ['c'], ['d']]);
    expect(hub.size).toBe(1);
    expect(client.streams).toHaveLength(1);
    await joined.return?.();
    await live.return?.();
  });
});

