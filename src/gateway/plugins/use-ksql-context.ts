/**
 * Builds the {@link GatewayContext} of every operation: the ksqlDB client,
 * the caller's `Authorization` (to forward) and the signal that fires when
 * the caller goes away.
 *
 * - HTTP (including SSE): the `Authorization` header and `request.signal`.
 * - graphql-ws: the `Authorization`/`authorization` connection parameter,
 *   else the upgrade request's header; the socket's lifetime signal, which
 *   the transport puts in the initial context.
 *
 * @module
 */
import type { Plugin } from 'graphql-yoga';
import type { GatewayContext } from '../context.js';
import type { KsqlClient } from '../ksql-client/types.js';
import { callerHeader, type InitialContext } from './initial-context.js';
import { withUpstreamBudget } from './upstream-budget.js';

export interface KsqlContextOptions {
  /** The client every resolver calls. */
  readonly client: KsqlClient;
  /**
   * Calls to ksqlDB one operation may make (see upstream-budget.ts); 0 = no limit.
   * @default 0
   */
  readonly maxUpstreamCalls?: number | undefined;
  /**
   * Wraps the client for each operation (`context`: its GraphQL context),
   * inside the call budget, so that calls the budget refuses never reach it:
   * the ksqlDB call spans of use-tracing.ts.
   * @default none
   */
  readonly decorateClient?: ((client: KsqlClient, context: object) => KsqlClient) | undefined;
}

export function authorizationOf(context: InitialContext): string | undefined {
  return callerHeader(context, 'authorization');
}

export function useKsqlContext({ client, maxUpstreamCalls = 0, decorateClient }: KsqlContextOptions): Plugin {
  return {
    onContextBuilding({ context, extendContext }) {
      const initial = context as InitialContext;
      const budget = withUpstreamBudget(decorateClient ? decorateClient(client, context) : client, maxUpstreamCalls);
      const extension: GatewayContext = {
        ksqlClient: budget.client,
        ksqlCalls: budget.calls,
        authorization: authorizationOf(initial),
        signal: initial.signal ?? initial.request?.signal,
      };
      extendContext(extension as unknown as Partial<typeof context>);
    },
  };
}
