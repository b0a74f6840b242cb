/**
 * `Subscription` resolvers: push queries. Unbounded `EMIT CHANGES` queries
 * are shared through the {@link PushQueryHub} (one upstream query per SQL,
 * properties and credential); the rest (LIMIT, ...) run one upstream query
 * per subscriber (see push-query.ts).
 *
 * @module
 */
import type { GraphQLResolveInfo } from 'graphql';
import type { GatewayContext } from '../context.js';
import { badUserInput } from '../errors/index.js';
import {
  BUILT_IN_CURSOR_KEY,
  CLOCK_SLACK_MS,
  DEFAULT_RESUME_GATHER_MS,
  DEFAULT_RESUME_WINDOW_BYTES,
  POSITION_COLUMNS,
  PositionTracker,
  RESUME_COLUMNS,
  ResumeGatherer,
  createCursorCodec,
  cursorEvents,
  cursorFingerprint,
  deferredIterator,
  positionWindowFactory,
  positionedStatement,
  replayAfter,
  resumableSelect,
  resumeCondition,
  type CursorCodec,
  type ResumableSelect,
} from '../resume/index.js';
import { selectedFieldNames } from '../schema/index.js';
import { objectArgument } from './args.js';
import { BATCH_MAX_BYTES, approximateJsonBytes, batchArguments, batchEvents, type BatchEvent } from './batch-events.js';
import { PushQueryHub, shareKey, type PushQueryHubOptions } from './push-hub.js';
import { subscribePushQuery, type PushQueryOptions, type QueryRequest } from './push-query.js';
import type { HeaderView, QueryEventView, RowView } from './rows.js';
import { NOT_READY_SCHEMA_CHANGE } from './schema-change.js';
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
  /** Signs and reads the cursors of `QueryRow.cursor` and `after` (docs/resume.md). @default a codec with the built-in key */
  readonly cursors?: CursorCodec | undefined;
  /** Bytes of recent rows a shared query that gives cursors keeps for resumers; 0: none. @default 1048576 */
  readonly resumeWindowBytes?: number | undefined;
  /** How long resumers of one statement are gathered into one catch-up query; 0: not gathered. @default 250 (ms) */
  readonly resumeGatherMs?: number | undefined;
}

/** A `PushQueryBatchEvent`: the header alone, or a `QueryRowBatch`. */
export type QueryBatchEventView = HeaderView | { readonly kind: 'batch'; readonly rows: readonly RowView[] };

interface PushQueryArgs {
  readonly sql: string;
  readonly properties?: unknown;
  /** GraphQL's `String`: a string when given. */
  readonly after?: string | null | undefined;
}

/** The name of `QueryRow`'s cursor field. */
const ROW_CURSOR = 'cursor';

const EARLIEST = 'earliest';
const OFFSET_RESET = 'ksql.streams.auto.offset.reset';
const startsAtEarliest = (properties: Record<string, unknown> | undefined) =>
  properties?.[OFFSET_RESET] === EARLIEST || properties?.['auto.offset.reset'] === EARLIEST;

export function createSubscriptionResolvers(options: SubscriptionOptions) {
  const hub = options.sharePushQueries === false ? undefined : (options.hub ?? new PushQueryHub(options));
  const cursors = options.cursors ?? createCursorCodec(BUILT_IN_CURSOR_KEY);
  const windowBytes = options.resumeWindowBytes ?? DEFAULT_RESUME_WINDOW_BYTES;
  const gatherer = hub && new ResumeGatherer(options.resumeGatherMs ?? DEFAULT_RESUME_GATHER_MS);
  const join = (request: QueryRequest, context: GatewayContext, window?: Parameters<PushQueryHub['subscribe']>[3]) => {
    const key = hub && shareKey(request, context.authorization);
    if (hub && key !== undefined) {
      noteUpstream(context, key);
      return hub.subscribe(key, request, context, window);
    }
    return subscribePushQuery(request, context, options);
  };
  /**
   * A resumable statement run with the position columns: its rows get
   * cursors; with `after`, it resumes from the replay window of the live
   * query when that holds the rows, else with a catch-up query (docs/resume.md).
   */
  const subscribeWithCursors = (
    select: ResumableSelect,
    properties: Record<string, unknown> | undefined,
    after: string | undefined,
    context: GatewayContext,
  ): AsyncIterableIterator<QueryEventView> => {
    const fingerprint = cursorFingerprint(`sql ${select.source}`, select.whereKey);
    // Read (and refused) before any query starts.
    const from = after === undefined ? undefined : cursors.decode(fingerprint, after);
    if (from === undefined) {
      const start = { since: startsAtEarliest(properties) ? 0 : Math.max(0, Date.now() - CLOCK_SLACK_MS), offsets: new Map<number, bigint>() };
      const request = { ksql: positionedStatement(select, undefined, select.limit), streamsProperties: properties };
      const upstream = join(request, context, positionWindowFactory(start, windowBytes));
      return cursorEvents(upstream, new PositionTracker(cursors, fingerprint, start), {
        skipToPosition: false,
        maxRows: undefined,
        hidden: POSITION_COLUMNS.length,
      });
    }
    const tracker = new PositionTracker(cursors, fingerprint, from);
    const earliest = { ...properties, [OFFSET_RESET]: EARLIEST };
    if (hub !== undefined && select.limit === undefined) {
      const live = shareKey({ ksql: positionedStatement(select, undefined, undefined), streamsProperties: properties }, context.authorization);
      const joined = live === undefined ? undefined : hub.join(live, context, replayAfter(from));
      if (joined !== undefined) {
        noteUpstream(context, live as string);
        return cursorEvents(joined, tracker, { skipToPosition: false, maxRows: undefined, hidden: POSITION_COLUMNS.length });
      }
      // A reconnect storm: resumers of this statement gather into one catch-up query (docs/resume.md).
      const base = shareKey({ ksql: positionedStatement(select, undefined, undefined, RESUME_COLUMNS), streamsProperties: earliest }, context.authorization);
      const gathered = base === undefined ? undefined : gatherer?.gather(base, from);
      if (gathered !== undefined) {
        return deferredIterator(
          gathered.then(({ key, condition }) => {
            noteUpstream(context, key);
            const request = { ksql: positionedStatement(select, condition, undefined, RESUME_COLUMNS), streamsProperties: earliest };
            return cursorEvents(hub.subscribe(key, request, context), tracker, { skipToPosition: true, maxRows: undefined, hidden: RESUME_COLUMNS.length });
          }),
        );
      }
    }
    // ksqlDB's LIMIT also counts the cursor's own rows, which are skipped.
    const request = {
      ksql: positionedStatement(select, resumeCondition(from), select.limit === undefined ? undefined : select.limit + from.offsets.size),
      streamsProperties: earliest,
    };
    return cursorEvents(subscribePushQuery(request, context, options), tracker, {
      skipToPosition: true,
      maxRows: select.limit,
      hidden: POSITION_COLUMNS.length,
    });
  };
  const subscribe = (args: PushQueryArgs, context: GatewayContext, info?: GraphQLResolveInfo): AsyncIterableIterator<QueryEventView> => {
    const properties = objectArgument(args.properties, 'properties');
    const after = args.after ?? undefined;
    if (after !== undefined || (info !== undefined && selectedFieldNames(info, { deep: true }).has(ROW_CURSOR))) {
      const select = resumableSelect(args.sql);
      if (select !== undefined) return subscribeWithCursors(select, properties, after, context);
      if (after !== undefined) {
        throw badUserInput(
          '`after` resumes only SELECT ... FROM <one source> [WHERE ...] EMIT CHANGES [LIMIT n], without joins, grouping or table functions (docs/resume.md).',
          'after',
        );
      }
    }
    return join({ ksql: args.sql, streamsProperties: properties }, context);
  };
  return {
    Subscription: {
      pushQuery: {
        // One execution may serve several subscribers (gateway/execution)
        // exactly when the hub would share the upstream query: the same
        // unbounded push query shows every subscriber the same rows.
        subscribe: shareableWhen(
          (_root: unknown, args: PushQueryArgs, context: GatewayContext, info: GraphQLResolveInfo) => subscribe(args, context, info),
          (args) =>
            hub !== undefined &&
            typeof args['sql'] === 'string' &&
            shareKey({ ksql: args['sql'] }, undefined) !== undefined &&
            (args['after'] === undefined || args['after'] === null),
          // The header, as the hub gives it to a late joiner.
          { replayFirst: true },
        ),
        resolve: parentOnly((event: QueryEventView) => event),
      },
      pushQueryBatches: {
        subscribe(_root: unknown, args: PushQueryArgs & { maxRows?: unknown; maxDelayMs?: unknown }, context: GatewayContext, info: GraphQLResolveInfo) {
          // Checked before the upstream query starts.
          const batching = batchArguments(args);
          // The same events as pushQuery (shared through the hub when unbounded), batched on the way out.
          return batchEvents(subscribe(args, context, info), {
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
          // eslint-disable-next-line @typescript-eslint/require-await -- an async generator only to make an AsyncIterable of one event: nothing to await
          return (async function* () {
            yield NOT_READY_SCHEMA_CHANGE;
          })();
        },
        resolve: (change: unknown) => change,
      },
    },
  };
}
