/**
 * The GraphQL context every resolver receives. Built per operation by the
 * `useKsqlContext` plugin, for HTTP (including SSE) and graphql-ws alike.
 * Types only, shared by `plugins/` (which builds it) and `resolvers/` (which
 * reads it).
 *
 * @module
 */
import type { CallOptions, KsqlClient } from './ksql-client/types.js';

export interface GatewayContext {
  /** The ksqlDB client every resolver calls. */
  readonly ksqlClient: KsqlClient;
  /**
   * The incoming `Authorization` header (HTTP), or the `Authorization` /
   * `authorization` connection parameter or upgrade-request header
   * (graphql-ws). Passed to the client, which forwards it when configured to.
   */
  readonly authorization: string | undefined;
  /**
   * Aborts when the client goes away: the HTTP request's signal, or the
   * WebSocket's lifetime for graphql-ws operations.
   */
  readonly signal: AbortSignal | undefined;
  /** Calls to ksqlDB this operation has made so far (for the operation log). */
  readonly ksqlCalls: () => number;
}

/** The per-call options a resolver passes to the client. */
export function callOptions(context: GatewayContext): CallOptions {
  return { signal: context.signal, authorization: context.authorization };
}
