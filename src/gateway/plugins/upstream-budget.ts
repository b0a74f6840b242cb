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
import type { CallOptions, KsqlClient, PullQueryResult, QueryStream } from '../ksql-client/types.js';
import type { KsqlRequest } from '../../protocol/index.js';

class BudgetedClient implements KsqlClient {
  readonly #client: KsqlClient;
  readonly #max: number;
  #calls = 0;

  constructor(client: KsqlClient, max: number) {
    this.#client = client;
    this.#max = max;
  }

  #spend(endpoint: string): void {
    this.#calls++;
    if (this.#calls > this.#max) {
      throw refusal(
        'UPSTREAM_CALL_LIMIT_EXCEEDED',
        `This operation may make at most ${this.#max} calls to ksqlDB (--max-upstream-calls); the call to ${endpoint} was not made.`,
        { extensions: { limit: this.#max } },
      );
    }
  }

  async info(options?: CallOptions) {
    this.#spend('/info');
    return this.#client.info(options);
  }

  async healthcheck(options?: CallOptions) {
    this.#spend('/healthcheck');
    return this.#client.healthcheck(options);
  }

  async clusterStatus(options?: CallOptions) {
    this.#spend('/clusterStatus');
    return this.#client.clusterStatus(options);
  }

  async ksql(request: KsqlRequest, options?: CallOptions) {
    this.#spend('/ksql');
    return this.#client.ksql(request, options);
  }

  async status(commandId: string, options?: CallOptions) {
    this.#spend('/status');
    return this.#client.status(commandId, options);
  }

  async terminateCluster(deleteTopicList?: readonly string[], options?: CallOptions) {
    this.#spend('/ksql/terminate');
    return this.#client.terminateCluster(deleteTopicList, options);
  }

  query(request: KsqlRequest, options?: CallOptions): QueryStream {
    this.#spend('/query');
    return this.#client.query(request, options);
  }

  async pullQuery(request: KsqlRequest, options?: CallOptions): Promise<PullQueryResult> {
    this.#spend('/query');
    return this.#client.pullQuery(request, options);
  }

  closeQuery(queryId: string, options?: CallOptions) {
    return this.#client.closeQuery(queryId, options);
  }

  /** The shared client outlives every operation: an operation's view never closes it. */
  async close(): Promise<void> {}
}

/**
 * A view of `client` for one operation that allows `max` calls; `max` 0
 * returns the client itself (no limit).
 */
export function withUpstreamBudget(client: KsqlClient, max: number): KsqlClient {
  return max > 0 ? new BudgetedClient(client, max) : client;
}
