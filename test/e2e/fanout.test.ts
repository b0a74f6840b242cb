/**
 * Fan-out of one upstream push query to many subscribers: every
 * subscriber of the same SQL reads one shared event log, bounded in bytes
 * (`--push-log-bytes`), whatever their number.
 *
 * - 1,000 graphql-ws subscribers over a few sockets each get every row
 *   exactly once, in order, from ONE push query in the engine.
 * - A stalled subscriber (its socket no longer read) does not grow the
 *   gateway's memory: the log stays within its bound, read through the
 *   `ksqldb_gateway_push_log_max_bytes` gauge, and the stalled one is the
 *   one ended with SUBSCRIBER_TOO_SLOW while the healthy one gets every row.
 *
 * The 10,000-subscriber run is test/e2e/fanout-10k.test.ts (it is slow).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { parseExposition, sampleValue } from '../../src/gateway/testing/prometheus.js';
import { messageText } from '../../src/gateway/testing/ws-message.js';
import { expectPushQueryFanOut, fanOut, insertRows } from '../utils/fanout.js';
import { eventually, gql, pushQueryCount, startStack, type Stack } from '../utils/stack.js';

async function execute(stack: Stack, statement: string): Promise<void> {
  const res = await gql(stack, `mutation($k: String!) { execute(ksql: $k) { type } }`, { k: statement });
  expect(res.errors).toBeUndefined();
}

async function metric(stack: Stack, name: string, labels: Record<string, string> = {}): Promise<number> {
  return sampleValue(parseExposition(await (await fetch(`${stack.url}/metrics`)).text()), name, labels);
}

describe('fan-out of one push query', () => {
  let stack: Stack;
  beforeAll(async () => {
    // Subscriptions are multiplexed 250 to a socket: no per-connection cap.
    // 1,000 is within the default --max-subscriptions (10,000).
    stack = await startStack(['--max-subscriptions-per-connection', '0']);
  });
  afterAll(async () => {
    // Unassigned if beforeAll failed before assigning it.
    await (stack as Stack | undefined)?.close();
  });

  it('1,000 graphql-ws subscribers on 4 sockets each get every row exactly once, in order, from one push query', { timeout: 180_000 }, async () => {
    await expectPushQueryFanOut(stack, { prefix: 'FANOUT', sockets: 4, subscribers: 1_000, rows: 200 });
    expect(await metric(stack, 'ksqldb_gateway_shared_push_queries')).toBe(0);
  });

  it('typed fields: 1,000 subscribers get every row exactly once, and when they leave the hub holds nothing', { timeout: 180_000 }, async () => {
    const name = `FANOUT_TYPED_${Date.now()}`;
    await execute(stack, `CREATE STREAM ${name} (ID STRING KEY, V INT) WITH (kafka_topic='${name.toLowerCase()}', value_format='JSON', partitions=1);`);
    const field = await eventually(
      () => gql<{ __type: { fields: Array<{ name: string }> } | null }>(stack, `{ __type(name: "Subscription") { fields { name } } }`),
      (r) => (r.data?.__type?.fields ?? []).some((f) => f.name.toLowerCase() === name.replace(/_/g, '').toLowerCase()),
    ).then((r) => (r.data?.__type?.fields ?? []).find((f) => f.name.toLowerCase() === name.replace(/_/g, '').toLowerCase())?.name as string);
    const ROWS = 200;
    const run = fanOut(stack, {
      sockets: 4,
      subscribers: 1_000,
      rows: ROWS,
      headerless: true,
      query: `subscription { ${field} { id v } }`,
      value: (data) => (data as Record<string, { v: number }>)[field]?.v as number,
    });
    try {
      await eventually(() => pushQueryCount(stack), (n) => n === 1);
      await eventually(() => metric(stack, 'ksqldb_gateway_shared_push_query_subscribers'), (n) => n === 1_000);
      await insertRows(stack, name, ROWS, (i) => `('k${i}', ${i})`, '(ID, V)');
      const result = await run.done;
      expect(result.failures).toEqual([]);
      expect(result.complete).toBe(1_000);
    } finally {
      await run.close();
    }
    await eventually(() => pushQueryCount(stack), (n) => n === 0);
    await eventually(() => metric(stack, 'ksqldb_gateway_shared_push_queries'), (n) => n === 0);
    expect(await metric(stack, 'ksqldb_gateway_push_log_bytes')).toBe(0);
    await eventually(() => metric(stack, 'ksqldb_gateway_subscriptions_active'), (n) => n === 0);
  });
});

describe('a stalled subscriber', () => {
  const LOG_BYTES = 256 * 1024;
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack(['--push-log-bytes', String(LOG_BYTES)]);
  });
  afterAll(async () => {
    // Unassigned if beforeAll failed before assigning it.
    await (stack as Stack | undefined)?.close();
  });

  it('does not grow the log past its bound; it alone ends with SUBSCRIBER_TOO_SLOW, a healthy one gets every row', { timeout: 180_000 }, async () => {
    const name = `STALL_${Date.now()}`;
    await execute(stack, `CREATE STREAM ${name} (ID STRING KEY, PAD STRING) WITH (kafka_topic='${name.toLowerCase()}', value_format='JSON', partitions=1);`);
    const query = `subscription { pushQuery(sql: "SELECT ID, PAD FROM ${name} EMIT CHANGES;") { __typename ... on QueryRow { columns } } }`;
    // Rows of ~4,000 characters (~8 KB as the log counts them).
    const PAD = 'x'.repeat(4_000);
    const CHUNK = 200;
    let inserted = 0;
    const insert = async () => {
      const from = inserted;
      inserted += CHUNK;
      await insertRows(stack, name, CHUNK, (i) => `('k${from + i}', '${PAD}')`, '(ID, PAD)');
    };
    const logBytes = async () => metric(stack, 'ksqldb_gateway_push_log_max_bytes');
    const BOUND = LOG_BYTES + 16 * 1024; // the bound plus the one row that crossed it
    let peak = 0;

    // The stalled subscriber: a raw graphql-ws socket that is no longer read once it has joined.
    const stalled = new WebSocket(stack.wsUrl, 'graphql-transport-ws');
    // Only each message's type and whether it says SUBSCRIBER_TOO_SLOW: not the rows.
    const messages: Array<{ type: string; tooSlow: boolean }> = [];
    stalled.on('message', (data: WebSocket.RawData) => {
      const text = messageText(data);
      messages.push({ type: (JSON.parse(text) as { type: string }).type, tooSlow: text.includes('SUBSCRIBER_TOO_SLOW') });
    });
    const received = (type: string) => eventually(async () => messages.some((m) => m.type === type), Boolean);
    let run: ReturnType<typeof fanOut> | undefined;
    try {
      await new Promise((resolve, reject) => stalled.once('open', resolve).once('error', reject));
      stalled.send(JSON.stringify({ type: 'connection_init' }));
      await received('connection_ack');
      stalled.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query } }));
      await received('next'); // the header: it has joined
      stalled.pause();

      // Alone, it is never ended: rows go in until its socket is full (no
      // more events are sent to it) and the log holds a whole bound of rows
      // it has not read (the upstream waits). Until then it is not stalled
      // but fast: its socket takes rows as quickly as the server sends them.
      const sent = async () => metric(stack, 'ksqldb_gateway_subscription_events_total', { transport: 'graphql-ws' });
      for (let unchanged = 0, last = -1; unchanged < 3; ) {
        expect(inserted).toBeLessThan(20_000); // ~80 MB: its socket must have filled long before
        const held = await logBytes();
        peak = Math.max(peak, held);
        if (held < LOG_BYTES - 16 * 1024) {
          unchanged = 0;
          await insert();
          continue;
        }
        const now = await sent();
        unchanged = now === last ? unchanged + 1 : 0;
        last = now;
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(await metric(stack, 'ksqldb_gateway_subscribers_too_slow_total')).toBe(0);

      // A healthy subscriber joins; every row from its first one to the last reaches it, in order.
      const last = inserted + 5 * CHUNK;
      run = fanOut(stack, { sockets: 1, subscribers: 1, rows: last, anyFirstRow: true, query, value: (data) => {
        const event = (data as { pushQuery: { __typename: string; columns?: unknown[] } }).pushQuery;
        return event.__typename === 'QueryHeader' ? 'header' : Number(String(event.columns?.[0]).slice(1));
      } });
      await run.joined;
      while (inserted < last) {
        await insert();
        peak = Math.max(peak, await logBytes());
      }
      const result = await run.done;
      expect(result.failures).toEqual([]);
      expect(result.complete).toBe(1);
      expect(await metric(stack, 'ksqldb_gateway_subscribers_too_slow_total')).toBe(1);
      expect(peak).toBeLessThanOrEqual(BOUND);

      // The stalled one, read again, gets what its socket held, then SUBSCRIBER_TOO_SLOW.
      stalled.resume();
      await eventually(async () => messages.some((m) => m.tooSlow), Boolean, { timeoutMs: 30_000 });
    } finally {
      stalled.terminate();
      await run?.close();
    }
    await eventually(() => pushQueryCount(stack), (n) => n === 0);
    expect(await metric(stack, 'ksqldb_gateway_push_log_bytes')).toBe(0);
  });
});
