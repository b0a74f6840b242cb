/**
 * The resolvers of the generic API over the `KsqlClient` interface taken
 * from the GraphQL context ({@link GatewayContext}).
 *
 * @module
 */
import type { ResolverMap } from '../schema/index.js';
import { JSONScalar } from '../schema/index.js';
import { createMutationResolvers, type MutationOptions } from './mutation.js';
import { queryResolvers } from './query.js';
import { rowResolvers } from './rows.js';
import { statementResultResolvers } from './statement-results.js';
import { createSubscriptionResolvers, type SubscriptionOptions } from './subscription.js';

export { SubscriptionRegistry } from './subscription-registry.js';
export { subscribePushQuery, type PushQueryOptions, type QueryRequest } from './push-query.js';
export { PushQueryHub, shareKey } from './push-hub.js';
export { BATCH_MAX_BYTES, BATCH_MAX_DELAY_MS_LIMIT, BATCH_MAX_ROWS_LIMIT, DEFAULT_BATCH_MAX_DELAY_MS, DEFAULT_BATCH_MAX_ROWS, approximateJsonBytes, batchArguments, batchEvents, type BatchEvent } from './batch-events.js';
export { NOT_READY_SCHEMA_CHANGE, type SchemaChange } from './schema-change.js';
export type { SubscriptionOptions } from './subscription.js';
export type { MutationOptions } from './mutation.js';
export type { QueryEventView } from './rows.js';

export type ResolverOptions = SubscriptionOptions & MutationOptions;

/** Every resolver of the generic API. */
export function createResolvers(options: ResolverOptions): ResolverMap {
  return {
    JSON: {
      // The `__` form keeps the SDL description of the scalar.
      __serialize: JSONScalar.serialize,
      __parseValue: JSONScalar.parseValue,
      __parseLiteral: JSONScalar.parseLiteral,
    },
    ...queryResolvers,
    ...createMutationResolvers(options),
    ...createSubscriptionResolvers(options),
    ...rowResolvers,
    ...statementResultResolvers,
  };
}
