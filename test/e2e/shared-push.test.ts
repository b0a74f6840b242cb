/**
 * Shared upstream push queries against the real stack: 1,000 subscribers of
 * one subscription (4 graphql-ws clients x 250 multiplexed subscriptions)
 * run ONE push query in the engine, each gets every row, and the query goes
 * when the last one leaves.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from 'graphql-ws';
import { eventually, gql, pushQueryCount, startStack, wsClient, type Stack } from '../utils/stack.js';

const CLIENTS = 4;
const PER_CLIENT = 250;
const ROWS = 5;

let stack: Stack;

beforeAll(async () => {
  // 250 subscriptions multiplexed on one socket: above the default per-connection cap of 100.
  stack = await startStack(['--max-subscriptions-per-connection', String(PER_CLIENT)]);
});
afterAll(async () => {
  // Unassigned if beforeAll failed before assigning it.
  await (stack as Stack | undefined)?.close();
});

async function execute(statement: string): Promise<void> {
  const res = await gql(stack, `mutation($k: String!) { execute(ksql: $k) { type } }`, { k: statement });
  expect(res.errors).toBeUndefined();
}

type Event = { __typename: string; columns?: unknown[] };

describe('shared push queries', () => {
  it(`runs one upstream query for ${CLIENTS * PER_CLIENT} subscribers, each of which gets every row`, async () => {
    const name = `SHARED_${Date.now()}`;
    await execute(
      `CREATE STREAM ${name} (ID STRING KEY, V BIGINT) WITH (kafka_topic='${name.toLowerCase()}', value_format='JSON', partitions=1);`,
    );
    const clients: Client[] = Array.from({ length: CLIENTS }, () => wsClient(stack));
    const received: Event[][] = [];
    const headers: Array<Promise<void>> = [];
    const done: Array<Promise<void>> = [];
    const unsubscribes: Array<() => void> = [];
    try {
      for (const client of clients) {
        for (let i = 0; i < PER_CLIENT; i++) {
          const events: Event[] = [];
          received.push(events);
          let gotHeader!: () => void;
          headers.push(new Promise<void>((r) => (gotHeader = r)));
          done.push(
            new Promise<void>((resolve, reject) => {
              unsubscribes.push(
                client.subscribe<{ pushQuery: Event }>(
                  // Spelling differs per client: the hub keys on normalised text.
                  { query: `subscription { pushQuery(sql: "SELECT ID, V FROM ${name}${' '.repeat(clients.indexOf(client) + 1)}EMIT CHANGES;") { __typename ... on QueryRow { columns } } }` },
                  {
                    next: (result) => {
                      if (result.errors) reject(new Error(JSON.stringify(result.errors)));
                      const event = result.data?.pushQuery;
                      if (!event) return;
                      events.push(event);
                      if (event.__typename === 'QueryHeader') gotHeader();
                      if (events.length === ROWS + 1) resolve();
                    },
                    error: reject,
                    complete: () => resolve(),
                  },
                ),
              );
            }),
          );
        }
      }
      await Promise.all(headers);
      expect(await pushQueryCount(stack)).toBe(1);

      for (let i = 0; i < ROWS; i++) await execute(`INSERT INTO ${name} (ID, V) VALUES ('k${i}', ${i});`);
      await Promise.all(done);
      const expected = [{ __typename: 'QueryHeader' }, ...Array.from({ length: ROWS }, (_, i) => ({ __typename: 'QueryRow', columns: [`k${i}`, String(i)] }))];
      expect(received).toHaveLength(CLIENTS * PER_CLIENT);
      for (const events of received) expect(events).toEqual(expected);
      expect(await pushQueryCount(stack)).toBe(1);

      // Everyone but one leaves: the query stays; the last one leaves: it goes.
      for (const unsubscribe of unsubscribes.slice(1)) unsubscribe();
      await new Promise((r) => setTimeout(r, 200));
      expect(await pushQueryCount(stack)).toBe(1);
      unsubscribes[0]?.();
      await eventually(() => pushQueryCount(stack), (n) => n === 0);
    } finally {
      await Promise.all(clients.map(async (c) => c.dispose()));
    }
  });

  it('does not share LIMIT queries, nor queries made with different credentials', async () => {
    const name = `UNSHARED_${Date.now()}`;
    await execute(
      `CREATE STREAM ${name} (ID STRING KEY, V BIGINT) WITH (kafka_topic='${name.toLowerCase()}', value_format='JSON', partitions=1);`,
    );
    const clients = [wsClient(stack), wsClient(stack)];
    try {
      const limited = clients.map((c) =>
        c.iterate({ query: `subscription { pushQuery(sql: "SELECT * FROM ${name} EMIT CHANGES LIMIT 1;") { __typename } }` }),
      );
      await Promise.all(limited.map((it) => it.next()));
      expect(await pushQueryCount(stack)).toBe(2);
      await Promise.all(limited.map(async (it) => it.return?.()));
      await eventually(() => pushQueryCount(stack), (n) => n === 0);
    } finally {
      await Promise.all(clients.map(async (c) => c.dispose()));
    }
  });
});
