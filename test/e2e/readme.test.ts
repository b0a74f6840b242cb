/**
 * The README's GraphQL examples, run as written and in order against the
 * gateway on the embedded engine: the docs cannot drift from the product.
 */
import { readFileSync } from 'node:fs';
import { Kind, parse, print, type OperationDefinitionNode } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, gql, pushQueryCount, startStack, wsClient, type Stack } from '../utils/stack.js';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
// Each graphql block, with the variables of a json block that directly follows it.
const examples = [...readme.matchAll(/```graphql\n([\s\S]*?)```(?:\s*```json\n([\s\S]*?)```)?/g)];
const operations = examples.flatMap((m) =>
  parse(m[1] as string)
    .definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION)
    .map((op) => Object.assign(op, { variables: m[2] ? (JSON.parse(m[2]) as Record<string, unknown>) : undefined })),
);

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  await stack?.close();
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
    ]);
  });

  it('runs every example as written', async () => {
    const client = wsClient(stack);
    const subscriptions = new Map<string, Promise<unknown[]>>();
    try {
      for (const op of operations) {
        const name = op.name?.value ?? '';
        const query = print(op);
        if (op.operation === 'subscription') {
          const events: unknown[] = [];
          const it = client.iterate({ query, ...(op.variables ? { variables: op.variables } : {}) });
          const first = await it.next();
          events.push(first.value);
          subscriptions.set(
            name,
            (async () => {
              for (;;) {
                const r = await it.next();
                if (r.done) return events;
                events.push(r.value);
                // The unbounded example is read until it has the two inserted rows.
                if (name === 'Pageviews' && events.length === 3) {
                  await it.return?.();
                  return events;
                }
              }
            })(),
          );
          if (name === 'Pageviews') await eventually(() => pushQueryCount(stack), (n) => n === 1);
          continue;
        }
        const res = await gql(stack, query, op.variables);
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
    } finally {
      await client.dispose();
    }
  });
});
