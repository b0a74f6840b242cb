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
import { BATCH_MAX_BYTES, approximateJsonBytes, batchArguments, batchEvents, type BatchEvent } from './batch-events.js';
import { PushQueryHub, shareKey, type PushQueryHubOptions } from './push-hub.js';
import { subscribePushQuery, type PushQueryOptions } from './push-query.js';
import type { HeaderView, QueryEventView, RowView } from './rows.js';
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

/** A `PushQueryBatchEvent`: the header alone, or a `QueryRowBatch`. */
export type QueryBatchEventView = HeaderView | { readonly kind: 'batch'; readonly rows: readonly RowView[] };

interface PushQueryArgs {
  readonly sql: string;
  readonly properties?: unknown;
}

export function createSubscriptionResolvers(options: SubscriptionOptions) {
  const hub = options.sharePushQueries === false ? undefined : (options.hub ?? new PushQueryHub(options));
  const subscribe = (args: PushQueryArgs, context: GatewayContext): AsyncIterableIterator<QueryEventView> => {
    const request = { ksql: args.sql, streamsProperties: objectArgument(args.properties, 'properties') };
    const key = hub && shareKey(request, context.authorization);
    if (hub && key !== undefined) {
      noteUpstream(context, key);
      return hub.subscribe(key, request, context);
    }
    return subscribePushQuery(request, context, options);
  };
  return {
    Subscription: {
      pushQuery: {
        // One execution may serve several subscribers (gateway/execution)
        // exactly when the hub would share the upstream query: the same
        // unbounded push query shows every subscriber the same rows.
        subscribe: shareableWhen(
          (_root: unknown, args: PushQueryArgs, context: GatewayContext) => subscribe(args, context),
          (args) => hub !== undefined && typeof args['sql'] === 'string' && shareKey({ ksql: args['sql'] }, undefined) !== undefined,
          // The header, as the hub gives it to a late joiner.
          { replayFirst: true },
        ),
        resolve: parentOnly((event: QueryEventView) => event),
      },
      pushQueryBatches: {
        subscribe(_root: unknown, args: PushQueryArgs & { maxRows?: unknown; maxDelayMs?: unknown }, context: GatewayContext) {
          // Checked before the upstream query starts.
          const batching = batchArguments(args);
          // The same events as pushQuery (shared through the hub when unbounded), batched on the way out.
          return batchEvents(subscribe(args, context), {
            ...batching,
            maxBytes: BATCH_MAX_BYTES,
            sizeOf: (event) => (event.kind === 'row' ? approximateJsonBytes(event.columns) : 0),
            alone: (event) => event.kind === 'header',
          });
        },
        resolve: (event: BatchEvent<QueryEventView>): QueryBatchEventView =>
          event.kind === 'alone' ? (event.item as HeaderView) : { kind: 'batch', rows: event.items as readonly RowView[] },
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
