/**
 * One execution per selection set, against the real stack: subscribers of
 * the same document share one execution (counted by
 * `ksqldb_gateway_subscription_executions_total`), different selection sets
 * get their own execution over one upstream query, and SSE and graphql-ws
 * subscribers of one document share.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from 'graphql-ws';
import { parseExposition, sampleValue } from '../../src/gateway/testing/prometheus.js';
import { eventually, gql, pushQueryCount, sseEvents, startStack, wsClient, type Stack } from '../utils/stack.js';

const CLIENTS = 2;
const PER_CLIENT = 100;
const ROWS = 20;

let stack: Stack;

beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  // Unassigned if beforeAll failed before assigning it.
  await (stack as Stack | undefined)?.close();
});

async function execute(statement: string): Promise<void> {
  const res = await gql(stack, `mutation($k: String!) { execute(ksql: $k) { type } }`, { k: statement });
  expect(res.errors).toBeUndefined();
}

async function createStream(prefix: string): Promise<string> {
  const name = `${prefix}_${Date.now()}`;
  await execute(`CREATE STREAM ${name} (ID STRING KEY, V BIGINT) WITH (kafka_topic='${name.toLowerCase()}', value_format='JSON', partitions=1);`);
  return name;
}

/** Subscription events turned into results so far, by path. */
async function executions(): Promise<{ compiled: number; executed: number }> {
  const samples = parseExposition(await (await fetch(`${stack.url}/metrics`)).text());
  const name = 'ksqldb_gateway_subscription_executions_total';
  return { compiled: sampleValue(samples, name, { path: 'compiled' }), executed: sampleValue(samples, name, { path: 'executed' }) };
}

type Event = { __typename: string; columns?: unknown[] };

interface Subscriber {
  readonly events: Event[];
  readonly header: Promise<void>;
  readonly done: Promise<void>;
  readonly unsubscribe: () => void;
}

function subscribe(client: Client, query: string, rows: number): Subscriber {
  const events: Event[] = [];
  let gotHeader!: () => void;
  const header = new Promise<void>((r) => (gotHeader = r));
  let unsubscribe!: () => void;
  const done = new Promise<void>((resolve, reject) => {
    unsubscribe = client.subscribe<{ pushQuery: Event }>(
      { query },
      {
        next: (result) => {
          if (result.errors) reject(new Error(JSON.stringify(result.errors)));
          const event = result.data?.pushQuery;
          if (!event) return;
          events.push(event);
          if (event.__typename === 'QueryHeader') gotHeader();
          if (events.length === rows + 1) resolve();
        },
        error: reject,
        complete: () => resolve(),
      },
    );
  });
  return { events, header, done, unsubscribe };
}

const expected = (rows: number): Event[] => [
  { __typename: 'QueryHeader' },
  ...Array.from({ length: rows }, (_, i) => ({ __typename: 'QueryRow', columns: [`k${i}`, String(i)] })),
];

describe('shared execution', () => {
  it(`${CLIENTS * PER_CLIENT} graphql-ws subscribers of one document: every row once and in order, one execution per event`, async () => {
    const name = await createStream('SHARED_EXEC');
    const query = `subscription { pushQuery(sql: "SELECT ID, V FROM ${name} EMIT CHANGES;") { __typename ... on QueryRow { columns } } }`;
    const clients = Array.from({ length: CLIENTS }, () => wsClient(stack));
    try {
      const before = await executions();
      const subscribers = clients.flatMap((client) => Array.from({ length: PER_CLIENT }, () => subscribe(client, query, ROWS)));
      await Promise.all(subscribers.map((s) => s.header));
      expect(await pushQueryCount(stack)).toBe(1);
      for (let i = 0; i < ROWS; i++) await execute(`INSERT INTO ${name} (ID, V) VALUES ('k${i}', ${i});`);
      await Promise.all(subscribers.map((s) => s.done));
      for (const s of subscribers) expect(s.events).toEqual(expected(ROWS));
      // The header and each row: executed once for all 200, through the compiled projection.
      const after = await executions();
      expect(after.compiled - before.compiled).toBe(ROWS + 1);
      expect(after.executed - before.executed).toBe(0);
      for (const s of subscribers) s.unsubscribe();
      await eventually(() => pushQueryCount(stack), (n) => n === 0);
    } finally {
      await Promise.all(clients.map(async (c) => c.dispose()));
    }
  });

  it('different selection sets get their own executions over one upstream query', async () => {
    const name = await createStream('SHARED_SEL');
    const sql = `SELECT ID, V FROM ${name} EMIT CHANGES;`;
    const client = wsClient(stack);
    try {
      const before = await executions();
      const a = subscribe(client, `subscription { pushQuery(sql: "${sql}") { __typename ... on QueryRow { columns } } }`, 3);
      const b = subscribe(client, `subscription { pushQuery(sql: "${sql}") { __typename ... on QueryRow { values: columns } } }`, 3);
      const a2 = subscribe(client, `subscription { pushQuery(sql: "${sql}") { __typename ... on QueryRow { columns } } }`, 3);
      await Promise.all([a.header, b.header, a2.header]);
      expect(await pushQueryCount(stack)).toBe(1);
      for (let i = 0; i < 3; i++) await execute(`INSERT INTO ${name} (ID, V) VALUES ('k${i}', ${i});`);
      await Promise.all([a.done, b.done, a2.done]);
      expect(a.events).toEqual(expected(3));
      expect(a2.events).toEqual(expected(3));
      expect(b.events).toEqual(expected(3).map((e) => (e.columns ? { __typename: e.__typename, values: e.columns } : e)));
      const after = await executions();
      // Two executions (a and a2 share one), 4 events each.
      expect(after.compiled - before.compiled + (after.executed - before.executed)).toBe(2 * 4);
      for (const s of [a, b, a2]) s.unsubscribe();
      await eventually(() => pushQueryCount(stack), (n) => n === 0);
    } finally {
      await client.dispose();
    }
  });

  it('an SSE and a graphql-ws subscriber of one document share one execution', async () => {
    const name = await createStream('SHARED_SSE');
    const query = `subscription { pushQuery(sql: "SELECT ID, V FROM ${name} EMIT CHANGES;") { __typename ... on QueryRow { columns } } }`;
    const client = wsClient(stack);
    const abort = new AbortController();
    try {
      const before = await executions();
      const ws = subscribe(client, query, 2);
      await ws.header;
      const sse = sseEvents(stack, query, abort.signal);
      // The SSE subscriber joined late: the header first (as the hub gives it), then the rows.
      const first = await sse.next();
      expect(first.value).toEqual({ data: { pushQuery: { __typename: 'QueryHeader' } } });
      expect(await pushQueryCount(stack)).toBe(1);
      for (let i = 0; i < 2; i++) await execute(`INSERT INTO ${name} (ID, V) VALUES ('k${i}', ${i});`);
      await ws.done;
      const sseRows = [(await sse.next()).value, (await sse.next()).value];
      expect(sseRows).toEqual(expected(2).slice(1).map((pushQuery) => ({ data: { pushQuery } })));
      expect(ws.events).toEqual(expected(2));
      const after = await executions();
      expect(after.compiled - before.compiled + (after.executed - before.executed)).toBe(3);
      ws.unsubscribe();
      abort.abort();
      await sse.return(undefined);
      await eventually(() => pushQueryCount(stack), (n) => n === 0);
    } finally {
      abort.abort();
      await client.dispose();
    }
  });
});
