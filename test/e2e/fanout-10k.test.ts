/**
 * 10,000 graphql-ws subscribers of one push query (10 sockets x 1,000),
 * 100 rows: each gets every row exactly once, in order, from ONE push query
 * in the engine. Its own file: about 20 s on the shared 2-core machine with
 * shared execution (155 s before it).
 *
 * 10,000 is exactly the default --max-subscriptions (the 10,001st would be
 * refused), so only the per-connection cap is lifted.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { fanOut, insertRows } from '../utils/fanout.js';
import { eventually, gql, pushQueryCount, startStack, type Stack } from '../utils/stack.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack(['--max-subscriptions-per-connection', '0']);
});
afterAll(async () => {
  await stack?.close();
});

it('10,000 subscribers x 100 rows: every row exactly once, in order, one upstream push query', { timeout: 300_000 }, async () => {
  const name = `FANOUT_10K_${Date.now()}`;
  const created = await gql(stack, `mutation($k: String!) { execute(ksql: $k) { type } }`, {
    k: `CREATE STREAM ${name} (ID STRING KEY, V INT) WITH (kafka_topic='${name.toLowerCase()}', value_format='JSON', partitions=1);`,
  });
  expect(created.errors).toBeUndefined();
  const ROWS = 100;
  const run = fanOut(stack, {
    sockets: 10,
    subscribers: 10_000,
    rows: ROWS,
    query: `subscription { pushQuery(sql: "SELECT ID, V FROM ${name} EMIT CHANGES;") { __typename ... on QueryRow { columns } } }`,
    value: (data) => {
      const event = (data as { pushQuery: { __typename: string; columns?: unknown[] } }).pushQuery;
      return event.__typename === 'QueryHeader' ? 'header' : (event.columns?.[1] as number);
    },
  });
  try {
    await run.joined;
    expect(await pushQueryCount(stack)).toBe(1);
    await insertRows(stack, name, ROWS, (i) => `('k${i}', ${i})`, '(ID, V)');
    const result = await run.done;
    expect(result.failures).toEqual([]);
    expect(result.complete).toBe(10_000);
    expect(await pushQueryCount(stack)).toBe(1);
  } finally {
    await run.close();
  }
  await eventually(() => pushQueryCount(stack), (n) => n === 0, { timeoutMs: 30_000 });
});
