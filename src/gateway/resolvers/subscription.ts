/**
 * `Subscription` resolvers: push queries (see push-query.ts).
 *
 * @module
 */
import type { GatewayContext } from '../context.js';
import { objectArgument } from './args.js';
import { subscribePushQuery, type PushQueryOptions } from './push-query.js';
import type { QueryEventView } from './rows.js';

export function createSubscriptionResolvers(options: PushQueryOptions) {
  return {
    Subscription: {
      pushQuery: {
        subscribe(_root: unknown, args: { sql: string; properties?: unknown }, context: GatewayContext) {
          return subscribePushQuery(
            { ksql: args.sql, streamsProperties: objectArgument(args.properties, 'properties') },
            context,
            options,
          );
        },
        resolve: (event: QueryEventView) => event,
      },
    },
  };
}
