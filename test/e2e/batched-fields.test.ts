/**
 * The batched subscription fields against the real stack (CLI composition,
 * embedded engine over HTTP), over graphql-ws and SSE: the generic
 * `pushQueryBatches` and a typed `<field>Batches` twin deliver every row
 * exactly once, in order, in batches of at most `maxRows`, the header alone
 * first; an unbounded one shares the upstream query and closes it on
 * unsubscribe.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, gql, ksql, pushQueries, sseEvents, startStack, wsClient, type GraphQLResponse, type Stack } from '../utils/stack.js';

const ROWS = 23;
const MAX_ROWS = 4;
const STREAM = 'BATCH_ROWS';
const TYPED_FIELD = 'batchRowsBatches';

let stack: Stack;

beforeAll(async () => {
  stack = await startStack(['--schema-refresh-ms', '0']);
  // Through the gateway, so that the typed schema picks the stream up.
  const res = await gql(stack, `mutation($k: String!) { execute(ksql: $k) { type } }`, {
    k: `CREATE STREAM ${STREAM} (ID STRING KEY, N INTEGER) WITH (kafka_topic='batch_rows', value_format='JSON', partitions=1);`,
  });
  expect(res.errors).toBeUndefined();
  await ksql(stack, Array.from({ length: ROWS }, (_, i) => `INSERT INTO ${STREAM} (ID, N) VALUES ('k${i}', ${i});`).join('\n'));
});
afterAll(async () => {
  // Unassigned if beforeAll failed before assigning it.
  await (stack as Stack | undefined)?.close();
});

type Transport = 'graphql-ws' | 'sse';

/**
 * Every result of a subscription that ends by itself (it has a LIMIT);
 * `whileOpen` runs alongside it (to insert live rows).
 */
async function run(transport: Transport, query: string, whileOpen: () => Promise<void> = async () => {}): Promise<GraphQLResponse[]> {
  if (transport === 'sse') {
    const ac = new AbortController();
    const out: GraphQLResponse[] = [];
    const reading = (async () => {
      for await (const event of sseEvents(stack, query, ac.signal)) out.push(event);
    })();
    try {
      await Promise.all([reading, whileOpen()]);
    } finally {
      ac.abort();
    }
    return out;
  }
  const client = wsClient(stack);
  try {
    const results = new Promise<GraphQLResponse[]>((resolve, reject) => {
      const out: GraphQLResponse[] = [];
      client.subscribe({ query }, { next: (r) => out.push(r as GraphQLResponse), error: reject, complete: () => resolve(out) });
    });
    const [out] = await Promise.all([results, whileOpen()]);
    return out;
  } finally {
    await client.dispose();
  }
}

/** Checks the batches' sizes and returns their rows' N values in order. */
function rowsOfBatches(batches: Array<ReadonlyArray<{ n: number }>>): number[] {
  for (const batch of batches) {
    expect(batch.length).toBeGreaterThan(0);
    expect(batch.length).toBeLessThanOrEqual(MAX_ROWS);
  }
  return batches.flat().map((r) => r.n);
}

const ALL = Array.from({ length: ROWS }, (_, i) => i);

describe.each<Transport>(['graphql-ws', 'sse'])('batched subscription fields over %s', (transport) => {
  it('pushQueryBatches: the header alone, then every row once, in order, in batches of at most maxRows', async () => {
    type Event = { __typename: string; queryId?: string; rows?: Array<{ columns: [string, number] }> };
    // Live rows (a JSON literal cannot spell the offset-reset property's dotted name): a range of
    // its own per transport, inserted once the upstream query runs; the LIMIT ends the subscription.
    const base = transport === 'sse' ? 3000 : 2000;
    const sql = `SELECT ID, N FROM ${STREAM} WHERE N >= ${base} AND N < ${base + ROWS} EMIT CHANGES LIMIT ${ROWS};`;
    const results = await run(
      transport,
      `subscription {
        pushQueryBatches(sql: "${sql}", maxRows: ${MAX_ROWS}) {
          __typename
          ... on QueryHeader { queryId }
          ... on QueryRowBatch { rows { columns } }
        }
      }`,
      async () => {
        await eventually(() => pushQueries(stack), (q) => q.some((text) => text.includes(`N >= ${base}`)));
        await ksql(stack, ALL.map((i) => `INSERT INTO ${STREAM} (ID, N) VALUES ('k${base + i}', ${base + i});`).join('\n'));
      },
    );
    expect(results.every((r) => r.errors === undefined)).toBe(true);
    const events = results.map((r) => (r.data as { pushQueryBatches: Event }).pushQueryBatches);
    expect(events[0]).toMatchObject({ __typename: 'QueryHeader', queryId: expect.any(String) });
    const batches = events.slice(1);
    expect(batches.every((e) => e.__typename === 'QueryRowBatch')).toBe(true);
    expect(rowsOfBatches(batches.map((b) => (b.rows ?? []).map((r) => ({ n: r.columns[1] - base }))))).toEqual(ALL);
  });

  it(`${TYPED_FIELD}: every row once, in order, in batches of at most maxRows`, async () => {
    const results = await run(
      transport,
      `subscription { ${TYPED_FIELD}(fromBeginning: true, limit: ${ROWS}, maxRows: ${MAX_ROWS}, maxDelayMs: 1000) { id n } }`,
    );
    expect(results.every((r) => r.errors === undefined)).toBe(true);
    const batches = results.map((r) => (r.data as Record<string, Array<{ id: string; n: number }>>)[TYPED_FIELD] ?? []);
    expect(rowsOfBatches(batches)).toEqual(ALL);
    expect(batches.flat().map((r) => r.id)).toEqual(ALL.map((i) => `k${i}`));
  });

  it('refuses maxRows out of range with BAD_USER_INPUT', async () => {
    const results = await run(transport, `subscription { ${TYPED_FIELD}(maxRows: 10001) { id } }`).catch((err: unknown) => [
      { errors: err as GraphQLResponse['errors'] } as GraphQLResponse,
    ]);
    expect(results[0]?.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argumentName: 'maxRows' });
  });
});

describe('unbounded batched subscriptions', () => {
  it('share one upstream query with pushQuery, get live rows in order, and close it on unsubscribe', async () => {
    const sql = `SELECT ID, N FROM ${STREAM} WHERE N >= 1000 EMIT CHANGES;`;
    const client = wsClient(stack);
    const batched: number[][] = [];
    const plain: number[] = [];
    const stops: Array<() => void> = [];
    try {
      stops.push(
        client.subscribe<{ pushQueryBatches: { rows?: Array<{ columns: [string, number] }> } }>(
          { query: `subscription($s: String!) { pushQueryBatches(sql: $s, maxRows: 3, maxDelayMs: 10) { ... on QueryRowBatch { rows { columns } } } }`, variables: { s: sql } },
          { next: (r) => r.data?.pushQueryBatches.rows && batched.push(r.data.pushQueryBatches.rows.map((x) => x.columns[1])), error: () => {}, complete: () => {} },
        ),
        client.subscribe<{ pushQuery: { columns?: [string, number] } }>(
          { query: `subscription($s: String!) { pushQuery(sql: $s) { ... on QueryRow { columns } } }`, variables: { s: sql } },
          { next: (r) => r.data?.pushQuery.columns && plain.push(r.data.pushQuery.columns[1]), error: () => {}, complete: () => {} },
        ),
      );
      await eventually(() => pushQueries(stack), (q) => q.length === 1);
      const live = Array.from({ length: 10 }, (_, i) => 1000 + i);
      await ksql(stack, live.map((n) => `INSERT INTO ${STREAM} (ID, N) VALUES ('live${n}', ${n});`).join('\n'));
      await eventually(async () => batched.flat().length + plain.length, (n) => n === 2 * live.length);
      expect(batched.flat()).toEqual(live);
      expect(batched.every((b) => b.length >= 1 && b.length <= 3)).toBe(true);
      expect(plain).toEqual(live);
      expect(await pushQueries(stack)).toHaveLength(1);
    } finally {
      for (const stop of stops) stop();
      await client.dispose();
    }
    await eventually(() => pushQueries(stack), (q) => q.length === 0);
  });
});
