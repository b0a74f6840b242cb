/**
 * The README's GraphQL examples, run as written and in order against the
 * gateway on the embedded engine: the docs cannot drift from the product.
 */
import { readFileSync } from 'node:fs';
import { Kind, OperationTypeNode, parse, print, type OperationDefinitionNode } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, gql, pushQueries, pushQueryCount, startStack, wsClient, type Stack } from '../utils/stack.js';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
// Each graphql block, with the variables of a json block that directly follows it.
const examples = [...readme.matchAll(/```graphql\n([\s\S]*?)```(?:\s*```json\n([\s\S]*?)```)?/g)];
const operations = examples.flatMap((m) =>
  parse(m[1] as string)
    .definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION)
    .map((op) => Object.assign(op, { variables: m[2] ? (JSON.parse(m[2]) as Record<string, unknown>) : undefined })),
);

/** Events read from each unbounded subscription example before it is closed. */
const UNBOUNDED: Record<string, number> = { Pageviews: 3, WatchUser: 1, SchemaChanged: 1 };

const VIEWS_PER_USER = {
  u1: [{ userId: 'u1', views: '1', lastViewtime: '9007199254740993' }],
  busy: [
    { userId: 'u2', views: '1' },
    { userId: 'u3', views: '1' },
  ],
};

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  // Unassigned if beforeAll failed before assigning it.
  await (stack as Stack | undefined)?.close();
});

describe('README walkthrough', () => {
  it('has examples to run', () => {
    expect(operations.map((o) => o.name?.value)).toEqual([
      'CreateStream',
      'Pageviews',
      'Insert',
      'Info',
      'Streams',
      'Broken',
      'TwoRows',
      'CreateTable',
      'WatchUser',
      'TypedInsert',
      'ViewsPerUser',
      'Filtered',
      'SchemaChanged',
      'WithCursor',
      'Resume',
    ]);
  });

  it('runs every example as written', async () => {
    const client = wsClient(stack);
    const subscriptions = new Map<string, Promise<unknown[]>>();
    try {
      for (const op of operations) {
        const name = op.name?.value ?? '';
        const query = print(op);
        if (op.operation === OperationTypeNode.SUBSCRIPTION) {
          const events: unknown[] = [];
          // The README says what to pass: the cursor of the last event the example before got.
          const variables =
            name === 'Resume'
              ? { after: ((await subscriptions.get('WithCursor')) as Array<{ data: { pageviews: { _cursor: string } } }>).at(-1)?.data.pageviews._cursor }
              : op.variables;
          const it = client.iterate({ query, ...(variables ? { variables } : {}) });
          subscriptions.set(
            name,
            (async () => {
              for (;;) {
                const r = await it.next();
                if (r.done) return events;
                events.push(r.value);
                // Unbounded examples are read until they have the rows inserted after them.
                if (events.length === UNBOUNDED[name]) {
                  await it.return?.();
                  return events;
                }
              }
            })(),
          );
          if (name === 'Pageviews') await eventually(() => pushQueryCount(stack), (n) => n === 1);
          // Bounded examples finish before the next example runs, as when pasted one by one.
          if (UNBOUNDED[name] === undefined) await subscriptions.get(name);
          if (name === 'WatchUser') await eventually(() => pushQueries(stack), (q) => q.some((sql) => sql.includes("'u3'")));
          continue;
        }
        // The table fills as its query catches up with the stream.
        const res =
          name === 'ViewsPerUser'
            ? await eventually(
                () => gql(stack, query, op.variables),
                (r) => JSON.stringify(r.data) === JSON.stringify(VIEWS_PER_USER),
              )
            : await gql(stack, query, op.variables);
        if (name === 'Broken') {
          expect(res.errors?.[0]?.extensions).toMatchObject({ code: 'KSQL_BAD_STATEMENT', ksqlErrorCode: 40001, httpStatus: 400 });
        } else {
          expect(res.errors, name).toBeUndefined();
        }
      }
      const pageviews = (await subscriptions.get('Pageviews')) as Array<{ data: { pushQuery: Record<string, unknown> } }>;
      expect(pageviews.slice(1).map((e) => e.data.pushQuery['row'])).toEqual([
        { USER_ID: 'u1', PAGE_ID: 'home', VIEWTIME: '9007199254740993' },
        { USER_ID: 'u2', PAGE_ID: 'cart', VIEWTIME: '42' },
      ]);
      const twoRows = (await subscriptions.get('TwoRows')) as Array<{ data: { pushQuery: Record<string, unknown> } }>;
      expect(twoRows.filter((e) => e.data.pushQuery['row'] !== undefined).map((e) => e.data.pushQuery['row'])).toEqual([
        { USER_ID: 'u1', VIEWTIME: '9007199254740993' },
        { USER_ID: 'u2', VIEWTIME: '42' },
      ]);
      expect(await subscriptions.get('WatchUser')).toEqual([
        { data: { pageviews: { userId: 'u3', pageId: 'home', viewtime: '1700000000000' } } },
      ]);
      expect(await subscriptions.get('Filtered')).toEqual([
        { data: { pageviews: { userId: 'u1', pageId: 'home' } } },
        { data: { pageviews: { userId: 'u2', pageId: 'cart' } } },
      ]);
      const withCursor = (await subscriptions.get('WithCursor')) as Array<{ data: { pageviews: Record<string, unknown> } }>;
      expect(withCursor.map((e) => [e.data.pageviews['userId'], typeof e.data.pageviews['_cursor']])).toEqual([
        ['u1', 'string'],
        ['u2', 'string'],
      ]);
      // Right after u2's row: the two rows inserted after it, and nothing before.
      expect(await subscriptions.get('Resume')).toEqual([
        { data: { pageviews: { userId: 'u3', pageId: 'home' } } },
        { data: { pageviews: { userId: 'u4', pageId: 'cart' } } },
      ]);
      const [change] = (await subscriptions.get('SchemaChanged')) as Array<{ data: { schemaChanged: Record<string, unknown> } }>;
      expect(change?.data.schemaChanged).toMatchObject({ ready: true, sources: ['PAGEVIEWS', 'VIEWS_PER_USER'] });
    } finally {
      await client.dispose();
    }
  });
});
