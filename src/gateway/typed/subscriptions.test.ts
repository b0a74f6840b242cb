import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import type { GatewayContext } from '../context.js';
import { PushQueryHub } from '../resolvers/push-hub.js';
import { SubscriptionRegistry } from '../resolvers/subscription-registry.js';
import { createFakeKsqlClient } from '../testing/fake-ksql-client.js';
import { silentLogger } from '../../shared/logger.js';
import { rowCursor } from '../schema/index.js';
import { SourceSubscriptions } from './subscriptions.js';

function setup() {
  const client = createFakeKsqlClient();
  const registry = new SubscriptionRegistry();
  const hub = new PushQueryHub({ registry, logger: silentLogger });
  const subscriptions = new SourceSubscriptions({ registry, logger: silentLogger, hub, sourceExists: async () => true });
  // One signal for all, as a graphql-ws connection gives all of its subscriptions.
  const connection = new AbortController();
  const context: GatewayContext = { ksqlClient: client, authorization: undefined, signal: connection.signal, ksqlCalls: () => 0 };
  const subscribe = () =>
    subscriptions.subscribe(
      { source: 'S' },
      { request: { ksql: 'SELECT * FROM S EMIT CHANGES;' }, shareable: true, limited: false, context },
    );
  return { client, registry, hub, subscriptions, connection, subscribe };
}

describe('SourceSubscriptions', () => {
  it('N typed subscribers share one query, get every row, and leave nothing behind', async () => {
    const { client, registry, hub, subscriptions, connection, subscribe } = setup();
    const N = 50;
    const ROWS = 20;
    const its = Array.from({ length: N }, subscribe);
    expect(hub.size).toBe(1);
    expect(registry.size).toBe(N);
    expect(subscriptions.count('S')).toBe(N);
    // However many subscriptions share the connection's signal: one listener on it.
    expect(getEventListeners(connection.signal, 'abort')).toHaveLength(1);
    const stream = await client.nextStream();
    stream.sendHeader('`ID` STRING, `V` INTEGER');
    for (let i = 0; i < ROWS; i++) stream.sendRow([`k${i}`, i]);
    for (const it of its) {
      const got: unknown[] = [];
      for (let i = 0; i < ROWS; i++) {
        const step = await it.next();
        got.push(step.value);
      }
      expect(got).toEqual(Array.from({ length: ROWS }, (_, i) => ({ ID: `k${i}`, V: i })));
    }
    // Half leave with return() (unsubscribe), the rest when the connection goes away.
    for (const it of its.slice(0, N / 2)) await it.return?.();
    expect(hub.subscriberCounts()).toEqual([N / 2]);
    const pending = its.slice(N / 2).map((it) => it.next());
    connection.abort();
    for (const step of await Promise.all(pending)) expect(step).toEqual({ value: undefined, done: true });
    expect(hub.size).toBe(0);
    expect(hub.logBytes()).toEqual([]);
    expect(registry.size).toBe(0);
    expect(subscriptions.count('S')).toBe(0);
    expect(stream.options?.signal?.aborted).toBe(true);
  });

  it('a dropped source ends a subscriber waiting for a row, and it leaves the hub', async () => {
    const { client, registry, hub, subscriptions, subscribe } = setup();
    const a = subscribe();
    const b = subscribe();
    const stream = await client.nextStream();
    stream.sendHeader('`ID` STRING');
    const waiting = a.next();
    subscriptions.dropSources(['S']);
    await expect(waiting).rejects.toMatchObject({ extensions: { code: 'SOURCE_DROPPED' } });
    await expect(b.next()).rejects.toMatchObject({ extensions: { code: 'SOURCE_DROPPED' } });
    expect(hub.size).toBe(0);
    expect(registry.size).toBe(0);
    expect(subscriptions.count('S')).toBe(0);
  });

  /** An unshared subscription that gives cursors, from `offsets` (a catch-up query when `skipToPosition`). */
  function positioned(offsets: Array<[number, number]>, skipToPosition: boolean) {
    const { client, subscriptions } = setup();
    const context: GatewayContext = { ksqlClient: client, authorization: undefined, signal: undefined, ksqlCalls: () => 0 };
    const it = subscriptions.subscribe(
      { source: 'S' },
      {
        request: { ksql: 'SELECT V, ROWPARTITION, ROWOFFSET FROM S EMIT CHANGES;' },
        shareable: false,
        limited: false,
        context,
        positions: { fingerprint: 'f', from: { since: 0, offsets: new Map(offsets.map(([p, o]) => [p, BigInt(o)])) } },
        skipToPosition,
      },
    );
    return { client, subscriptions, it };
  }

  it("a row's cursor is where that row left the subscriber, even when it is read after later rows (batches, shared executions)", async () => {
    const { client, subscriptions, it } = positioned([], false);
    const stream = await client.nextStream();
    stream.sendHeader('`V` INTEGER, `ROWPARTITION` INTEGER, `ROWOFFSET` BIGINT');
    for (const row of [[0, 0, 5], [1, 1, 7], [2, 0, 6]]) stream.sendRow(row);
    const rows = [];
    for (let i = 0; i < 3; i++) rows.push((await it.next()).value as Record<string, unknown>);
    // Read only now, after all three rows have moved the position on.
    const positions = rows.map((row) => [...subscriptions.cursors.decode('f', rowCursor(row) as string).offsets]);
    expect(positions).toEqual([[[0, 5n]], [[0, 5n], [1, 7n]], [[0, 6n], [1, 7n]]]);
    await it.return?.();
  });

  describe('a catch-up query (after:)', () => {
    const resume = (offsets: Array<[number, number]>) => positioned(offsets, true);

    it("skips the cursor's own rows and goes on after them", async () => {
      const { client, it } = resume([[0, 5], [1, 7]]);
      const stream = await client.nextStream();
      stream.sendHeader('`V` INTEGER, `ROWPARTITION` INTEGER, `ROWOFFSET` BIGINT');
      for (const row of [[5, 0, 5], [7, 1, 7], [6, 0, 6], [9, 1, 9]]) stream.sendRow(row);
      const got = [];
      for (let i = 0; i < 2; i++) got.push(((await it.next()).value as Record<string, unknown>)['V']);
      expect(got).toEqual([6, 9]);
      await it.return?.();
    });

    it("ends with CURSOR_EXPIRED when a partition's first row shows rows after the cursor are gone", async () => {
      const { client, it } = resume([[0, 5], [1, 7]]);
      const stream = await client.nextStream();
      stream.sendHeader('`V` INTEGER, `ROWPARTITION` INTEGER, `ROWOFFSET` BIGINT');
      // Partition 1: the cursor's row is gone but the next one is there, so nothing is lost.
      // Partition 0: offsets 5 to 8 are gone.
      for (const row of [[8, 1, 8], [9, 0, 9]]) stream.sendRow(row);
      expect(((await it.next()).value as Record<string, unknown>)['V']).toBe(8);
      await expect(it.next()).rejects.toMatchObject({ extensions: { code: 'CURSOR_EXPIRED', argumentName: 'after' } });
      expect(stream.options?.signal?.aborted).toBe(true);
      expect(await it.next()).toEqual({ value: undefined, done: true });
    });
  });
});
