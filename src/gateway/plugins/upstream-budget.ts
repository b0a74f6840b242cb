/**
 * The per-operation budget of calls to ksqlDB (`--max-upstream-calls`): each
 * operation's context gets a view of the shared client that counts the calls
 * its resolvers make, and fails the one past the budget with
 * `UPSTREAM_CALL_LIMIT_EXCEEDED` before it leaves the gateway (that field
 * fails; GraphQL's null propagation decides what else is nulled). A
 * federation `_entities` batch makes one pull query per table, so it counts
 * once per table.
 *
 * `/close-query` is not counted: it cleans up a push query already paid for,
 * and must run even when the budget is spent.
 *
 * @module
 */
import { refusal } from '../errors/index.js';
import { observeClient } from '../ksql-client/observe.js';
import type { KsqlClient } from '../ksql-client/types.js';

/** One operation's view of the client, and how many calls it made. */
export interface BudgetedClient {
  readonly client: KsqlClient;
  /** Calls made (refused ones not counted). */
  readonly calls: () => number;
}

/** A view of `client` for one operation that allows `max` calls; `max` 0 = no limit (still counted). */
export function withUpstreamBudget(client: KsqlClient, max: number): BudgetedClient {
  let calls = 0;
  const view = observeClient(client, (call) => {
    if (call.endpoint === '/close-query') return;
    if (max > 0 && calls >= max) {
      throw refusal(
        'UPSTREAM_CALL_LIMIT_EXCEEDED',
        `This operation may make at most ${max} calls to ksqlDB (--max-upstream-calls); the call to ${call.endpoint} was not made.`,
        { extensions: { limit: max } },
      );
    }
    calls++;
  });
  return { client: view, calls: () => calls };
}
