/**
 * The gateway and the embedded engine composed as the CLI composes them,
 * with the ksqlDB client on HTTP/2 (`--ksql-http2 auto`, the default) and on
 * HTTP/1.1 (`off`): typed subscriptions deliver every row exactly once, in
 * order, to every subscriber, and the plural insert mutation writes its rows
 * (over /inserts-stream, or as INSERT statements) with one result per row.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, gql, pushQueries, startStack, wsClient, type Stack } from '../utils/stack.js';

async function execute(s: Stack, statement: string): Promise<void> {
  const res = await gql(s, `mutation($k: String!) { execute(ksql: $k) { type } }`, { k: statement });
  expect(res.errors).toBeUndefined();
}

for (const mode of ['auto', 'off'] as const) {
  describe(`--ksql-http2 ${mode}`, () => {
    let stack: Stack;
    beforeAll(async () => {
      stack = await startStack(['--schema-refresh-ms', '0', '--ksql-http2', mode]);
      await execute(stack, "CREATE STREAM TICK (ID STRING KEY, N INT, LABEL STRING) WITH (kafka_topic='tick', value_format='JSON', partitions=1);");
    });
    afterAll(async () => {
      // Unassigned if beforeAll failed before assigning it.
      await (stack as Stack | undefined)?.close();
    });

    it('insertTicks writes several rows with one result per row; two subscribers each get every row exactly once', async () => {
      const clients = [wsClient(stack), wsClient(stack)];
      const seen: string[][] = [[], []];
      const unsubscribe = clients.map((client, i) =>
        client.subscribe<{ tick: { id: string; n: number } }>(
          { query: 'subscription { tick { id n } }' },
          {
            next: (v) => void (v.data ? seen[i]?.push(`${v.data.tick.id}:${v.data.tick.n}`) : seen[i]?.push(`error:${JSON.stringify(v.errors)}`)),
            error: (e) => seen[i]?.push(`error:${String(e)}`),
            complete: () => {},
          },
        ),
      );
      try {
        // Both subscriptions run (shared: one upstream query) before the rows are written.
        await eventually(() => pushQueries(stack), (q) => q.length === 1);
        const res = await gql<{ insertTicks: Array<{ seq: number; status: string }> }>(
          stack,
          `mutation { insertTicks(rows: [{ id: "a", n: 1, label: "x" }, { id: "b", n: 2 }, { id: "c", n: 3, label: "it's" }]) { seq status } }`,
        );
        expect(res.errors).toBeUndefined();
        expect(res.data?.insertTicks).toEqual([
          { seq: 0, status: 'OK' },
          { seq: 1, status: 'OK' },
          { seq: 2, status: 'OK' },
        ]);
        // A last row written after them: once it has arrived, everything before it has too.
        await gql(stack, `mutation { insertTick(row: { id: "z", n: 9 }) { id } }`);
        await eventually(async () => seen.map((s) => s.at(-1)), (last) => last.every((x) => x === 'z:9'));
        expect(seen).toEqual([
          ['a:1', 'b:2', 'c:3', 'z:9'],
          ['a:1', 'b:2', 'c:3', 'z:9'],
        ]);
      } finally {
        for (const u of unsubscribe) u();
        for (const c of clients) await c.dispose();
      }
      await eventually(() => pushQueries(stack), (q) => q.length === 0);
    });

    it('insertTicks with no rows writes nothing; a row that sets no column is refused before any is sent', async () => {
      const empty = await gql(stack, `mutation { insertTicks(rows: []) { seq } }`);
      expect(empty.data).toEqual({ insertTicks: [] });
      const bad = await gql(stack, `mutation { insertTicks(rows: [{ id: "q" }, {}]) { seq } }`);
      expect(bad.errors?.[0]?.extensions?.['code']).toBe('BAD_USER_INPUT');
    });
  });
}
