/**
 * 10,000 graphql-ws subscribers of one push query (10 sockets x 1,000),
 * 100 rows: each gets every row exactly once, in order, from ONE push query
 * in the engine. Its own file: about 20 s on the shared 2-core machine with
 * shared execution (155 s before it).
 *
 * 10,000 is exactly the default --max-subscriptions (the 10,001st would be
 * refused), so only the per-connection cap is lifted.
 */
import { afterAll, beforeAll, it } from 'vitest';
import { expectPushQueryFanOut } from '../utils/fanout.js';
import { startStack, type Stack } from '../utils/stack.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack(['--max-subscriptions-per-connection', '0']);
});
afterAll(async () => {
  // Unassigned if beforeAll failed before assigning it.
  await (stack as Stack | undefined)?.close();
});

it('10,000 subscribers x 100 rows: every row exactly once, in order, one upstream push query', { timeout: 300_000 }, async () => {
  await expectPushQueryFanOut(stack, { prefix: 'FANOUT_10K', sockets: 10, subscribers: 10_000, rows: 100 });
});
