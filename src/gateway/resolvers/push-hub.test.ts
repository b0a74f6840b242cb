import { describe, expect, it } from 'vitest';
import type { GatewayContext } from '../context.js';
import { KsqlServerError } from '../ksql-client/errors.js';
import { createFakeKsqlClient } from '../testing/fake-ksql-client.js';
import { silentLogger } from '../../shared/logger.js';
import { PushQueryHub, shareKey } from './push-hub.js';
import type { QueryEventView } from './rows.js';
import { SubscriptionRegistry } from './subscription-registry.js';

const SQL = 'SELECT * FROM S EMIT CHANGES;';

function setup(bufferSize?: number) {
  const client = createFakeKsqlClient();
  const registry = new SubscriptionRegistry();
  const hub = new PushQueryHub({ registry, logger: silentLogger, subscriberBufferSize: bufferSize });
  const join = (sql = SQL, authorization?: string, properties?: Record<string, unknown>, signal?: AbortSignal) => {
    const request = { ksql: sql, streamsProperties: properties };
    const key = shareKey(request, authorization);
    if (key === undefined) throw new Error('not shareable');
    const context: GatewayContext = { ksqlClient: client, authorization, signal, ksqlCalls: () => 0 };
    return hub.subscribe(key, request, context);
  };
  return { client, registry, hub, join };
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
    expect(columnsOf(ea as QueryEventView[])).toEqual(['header', ['x']]);
    expect(ea?.[0]).toBe(eb?.[0]);
    expect(ea?.[1]).toBe(eb?.[1]);
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

  it('ends a slow subscriber alone with SUBSCRIBER_TOO_SLOW; the others get every row', async () => {
    const { client, hub, join } = setup(3);
    const fast = join();
    const slow = join();
    const stream = await client.nextStream();
    stream.sendHeader('`N` INTEGER');
    const got: QueryEventView[] = [];
    const reading = (async () => {
      for await (const e of fast) {
        got.push(e);
        if (got.length === 11) break;
      }
    })();
    for (let i = 0; i < 10; i++) stream.sendRow([i]);
    await reading;
    expect(columnsOf(got)).toEqual(['header', ...Array.from({ length: 10 }, (_, i) => [i])]);
    // The slow one drains what it buffered (header + 2 rows), then fails.
    expect(columnsOf(await take(slow, 3))).toEqual(['header', [0], [1]]);
    await expect(slow.next()).rejects.toMatchObject({ extensions: { code: 'SUBSCRIBER_TOO_SLOW', bufferSize: 3 } });
    // The fast one left by break; the query is closed.
    expect(hub.size).toBe(0);
  });

  it('a lone subscriber is not ended: the pump waits for it (backpressure)', async () => {
    const { client, join } = setup(2);
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
});

