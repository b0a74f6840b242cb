/**
 * `Subscription` resolvers: push queries. Unbounded `EMIT CHANGES` queries
 * are shared through the {@link PushQueryHub} (one upstream query per SQL,
 * properties and credential); the rest (LIMIT, ...) run one upstream query
 * per subscriber (see push-query.ts).
 *
 * @module
 */
import type { GatewayContext } from '../context.js';
import { objectArgument } from './args.js';
import { PushQueryHub, shareKey, type PushQueryHubOptions } from './push-hub.js';
import { subscribePushQuery, type PushQueryOptions } from './push-query.js';
import type { QueryEventView } from './rows.js';
import { NOT_READY_SCHEMA_CHANGE } from '../typed/manager.js';
import { noteUpstream, parentOnly, shareableWhen } from '../../shared/resolver-traits.js';

export interface SubscriptionOptions extends PushQueryOptions, PushQueryHubOptions {
  /**
   * Share one upstream query among the subscribers of the same unbounded
   * push query (see push-hub.ts).
   * @default true
   */
  readonly sharePushQueries?: boolean | undefined;
  /** The hub to share through (so that typed subscriptions share it too); made here when absent. */
  readonly hub?: PushQueryHub | undefined;
  /** The `schemaChanged` stream; without one it sends one not-ready event and completes. */
  readonly schemaChanges?: (() => AsyncIterableIterator<unknown>) | undefined;
}

export function createSubscriptionResolvers(options: SubscriptionOptions) {
  const hub = options.sharePushQueries === false ? undefined : (options.hub ?? new PushQueryHub(options));
  return {
    Subscription: {
      pushQuery: {
        // One execution may serve several subscribers (gateway/execution)
        // exactly when the hub would share the upstream query: the same
        // unbounded push query shows every subscriber the same rows.
        subscribe: shareableWhen(
          (_root: unknown, args: { sql: string; properties?: unknown }, context: GatewayContext) => {
            const request = { ksql: args.sql, streamsProperties: objectArgument(args.properties, 'properties') };
            const key = hub && shareKey(request, context.authorization);
            if (hub && key !== undefined) {
              noteUpstream(context, key);
              return hub.subscribe(key, request, context);
            }
            return subscribePushQuery(request, context, options);
          },
          (args) => hub !== undefined && typeof args['sql'] === 'string' && shareKey({ ksql: args['sql'] }, undefined) !== undefined,
          // The header, as the hub gives it to a late joiner.
          { replayFirst: true },
        ),
        resolve: parentOnly((event: QueryEventView) => event),
      },
      schemaChanged: {
        subscribe() {
          if (options.schemaChanges) return options.schemaChanges();
          return (async function* () {
            yield NOT_READY_SCHEMA_CHANGE;
          })();
        },
        resolve: (change: unknown) => change,
      },
    },
  };
}
