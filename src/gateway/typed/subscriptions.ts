/**
 * Typed subscriptions: a push query's events turned into row objects (keyed
 * by ksqlDB column names, which the typed row type resolves), started
 * through the shared hub when shareable, and tracked per source so that a
 * source that disappears from the catalog ends its subscriptions with
 * `SOURCE_DROPPED` instead of leaving them silent.
 *
 * @module
 */
import type { GatewayContext } from '../context.js';
import { sourceDropped } from '../errors/index.js';
import {
  subscribePushQuery,
  shareKey,
  type PushQueryHub,
  type PushQueryOptions,
  type QueryEventView,
  type QueryRequest,
} from '../resolvers/index.js';
import { plainRowObject } from '../schema/index.js';
import {
  BUILT_IN_CURSOR_KEY,
  DEFAULT_RESUME_GATHER_MS,
  DEFAULT_RESUME_WINDOW_BYTES,
  PositionTracker,
  ResumeGatherer,
  createCursorCodec,
  positionWindowFactory,
  replayAfter,
  type CursorCodec,
  type ResumeGroup,
  type ResumePosition,
} from '../resume/index.js';

/**
 * Typed rows are not marked JSON-safe like the generic `row`: typed fields
 * serialize each value through its scalar, and a WeakSet entry per row is
 * measurable on this path.
 */
export const typedRow = plainRowObject;

/** Which source a typed subscription reads. */
export interface TypedRowSource {
  readonly source: string;
}

export interface TypedSubscribeOptions {
  readonly request: QueryRequest;
  /** May join a shared upstream query (no LIMIT, not from the beginning). */
  readonly shareable: boolean;
  /** Has a LIMIT: ends by itself. */
  readonly limited: boolean;
  readonly context: GatewayContext;
  /**
   * "Snapshot, then changes": run once the push query is running (its
   * header has arrived), and its rows are sent before the first change.
   */
  readonly snapshot?: (() => Promise<ReadonlyArray<Record<string, unknown>>>) | undefined;
  /** End after this many rows (snapshot rows included); the gateway counts, not ksqlDB. */
  readonly maxRows?: number | undefined;
  /**
   * Give every event a resume cursor (the statement selects `ROWPARTITION`
   * and `ROWOFFSET`): `fingerprint` names the subscription's source and
   * filter, `from` is where it starts (the `after` cursor's position, or
   * nothing seen yet).
   */
  readonly positions?: { readonly fingerprint: string; readonly from: ResumePosition } | undefined;
  /**
   * The statement is a catch-up query from `positions.from` (see
   * `resumeCondition`): it returns the cursor's own rows, and a group's
   * query also rows before them (it starts from the oldest of its members'
   * cursors). Skip those, and end with `CURSOR_EXPIRED` when the first row
   * of a partition shows that rows after the cursor are gone. A group's
   * statement also selects `ROWTIME`.
   */
  readonly skipToPosition?: boolean | undefined;
  /** Join the hub's query under this key instead of the request's own share key (a resume group's). */
  readonly key?: string | undefined;
  /** Read these events instead of starting or joining a query (a resumer joined through a replay window). */
  readonly upstream?: AsyncIterableIterator<QueryEventView> | undefined;
}

interface Tracked {
  drop(error: Error): void;
}

export interface SourceSubscriptionsOptions extends PushQueryOptions {
  /** Undefined: every subscription runs its own upstream query. */
  readonly hub: PushQueryHub | undefined;
  /**
   * Whether a source still exists; asked when an unbounded push query ends
   * on its own, so that the end of a dropped source reads as such.
   */
  readonly sourceExists: (source: string) => Promise<boolean>;
  /** Signs and reads resume cursors. @default a codec with the built-in key */
  readonly cursors?: CursorCodec | undefined;
  /**
   * How long resumers of the same statement are gathered into one upstream
   * query (see {@link SourceSubscriptions.gather}); 0: not gathered.
   * @default 250 (ms)
   */
  readonly resumeGatherMs?: number | undefined;
  /**
   * Bytes of recent rows each shared resumable query keeps so that a client
   * away briefly resumes without a catch-up query (see
   * {@link SourceSubscriptions.resumeFromWindow}); 0: none kept.
   * @default 1048576 (1 MiB)
   */
  readonly resumeWindowBytes?: number | undefined;
}


export class SourceSubscriptions {
  readonly #options: SourceSubscriptionsOptions;
  readonly #bySource = new Map<string, Set<Tracked>>();

  readonly #cursors: CursorCodec;
  readonly #gatherer: ResumeGatherer | undefined;

  constructor(options: SourceSubscriptionsOptions) {
    this.#options = options;
    this.#cursors = options.cursors ?? createCursorCodec(BUILT_IN_CURSOR_KEY);
    this.#gatherer = options.hub === undefined ? undefined : new ResumeGatherer(options.resumeGatherMs ?? DEFAULT_RESUME_GATHER_MS);
  }

  /** Reconnect storms: see {@link ResumeGatherer.gather}. Undefined without a hub: each resumer runs its own query. */
  gather(base: string, position: ResumePosition): Promise<ResumeGroup> | undefined {
    return this.#gatherer?.gather(base, position);
  }

  /**
   * A resumer served from the replay window of the running shared query
   * `key` (the live statement of its selection): the rows after its cursor
   * that the window holds, then the live rows, without another upstream
   * query. Undefined when no such query runs or its window does not reach
   * back to the cursor (see {@link PositionWindow}).
   */
  resumeFromWindow(
    row: TypedRowSource,
    key: string,
    options: Pick<TypedSubscribeOptions, 'request' | 'context'> & { readonly positions: NonNullable<TypedSubscribeOptions['positions']> },
  ): AsyncIterableIterator<Record<string, unknown>> | undefined {
    const { hub } = this.#options;
    if (hub === undefined) return undefined;
    const { from } = options.positions;
    const upstream = hub.join(key, options.context, replayAfter(from));
    return upstream && this.subscribe(row, { ...options, shareable: true, limited: false, upstream });
  }

  /** The codec of the cursors of these subscriptions. */
  get cursors(): CursorCodec {
    return this.#cursors;
  }

  /** Running typed subscriptions on `source`. */
  count(source: string): number {
    return this.#bySource.get(source)?.size ?? 0;
  }

  /** Ends every subscription on each of `sources` with `SOURCE_DROPPED`. */
  dropSources(sources: Iterable<string>): void {
    for (const source of sources) {
      const set = this.#bySource.get(source);
      if (!set) continue;
      for (const t of [...set]) t.drop(sourceDropped(source));
    }
  }

  subscribe(row: TypedRowSource, options: TypedSubscribeOptions): AsyncIterableIterator<Record<string, unknown>> {
    const { request, shareable, limited, context, snapshot, maxRows, positions, skipToPosition = false } = options;
    const tracker = positions && new PositionTracker(this.#cursors, positions.fingerprint, positions.from);
    const { hub } = this.#options;
    const key = hub && shareable ? (options.key ?? shareKey(request, context.authorization)) : undefined;
    // A live resumable query keeps a replay window; a resume group's (own key) shows only what its members need.
    const window =
      positions && options.key === undefined
        ? positionWindowFactory(positions.from, this.#options.resumeWindowBytes ?? DEFAULT_RESUME_WINDOW_BYTES)
        : undefined;
    const upstream: AsyncIterableIterator<QueryEventView> =
      options.upstream ??
      (hub && key !== undefined ? hub.subscribe(key, request, context, window) : subscribePushQuery(request, context, this.#options));
    const sourceExists = this.#options.sourceExists;

    let set = this.#bySource.get(row.source);
    if (!set) {
      set = new Set();
      this.#bySource.set(row.source, set);
    }
    const members = set;
    let finished = false;
    let dropError: Error | undefined;
    // A fresh promise per wait, not one long-lived `dropped` promise raced on
    // every row: Promise.race adds a reaction to each promise it is given, and
    // a promise that never settles keeps every reaction (and through it each
    // row's step) for as long as the subscription lives.
    let wake: ((error: Error) => void) | undefined;
    const orDropped = async <T>(work: Promise<T>): Promise<T> => {
      if (dropError) {
        work.catch(() => {}); // not awaited: its outcome no longer matters
        throw dropError;
      }
      const dropped = new Promise<never>((_, reject) => (wake = reject));
      try {
        return await Promise.race([work, dropped]);
      } finally {
        wake = undefined;
      }
    };

    const finish = async () => {
      if (finished) return;
      finished = true;
      members.delete(tracked);
      if (members.size === 0 && this.#bySource.get(row.source) === members) this.#bySource.delete(row.source);
      await upstream.return?.();
    };
    const tracked: Tracked = {
      drop(error) {
        if (finished || dropError) return;
        dropError = error;
        wake?.(error);
      },
    };
    members.add(tracked);

    // Snapshot rows wait here until the push query's header has arrived:
    // every change after that point then reaches the subscriber too, so no
    // change is lost between the pull query and the push query (one made
    // in between may show in both, which is harmless for upserts by key).
    let pending: Array<Record<string, unknown>> | undefined;
    let sent = 0;
    const counted = async (value: Record<string, unknown>): Promise<IteratorResult<Record<string, unknown>>> => {
      sent++;
      if (maxRows !== undefined && sent >= maxRows) await finish();
      return { value, done: false };
    };

    const iterator: AsyncIterableIterator<Record<string, unknown>> = {
      async next() {
        for (;;) {
          if (pending !== undefined && pending.length > 0 && (maxRows === undefined || sent < maxRows)) {
            return counted(pending.shift() as Record<string, unknown>);
          }
          if (finished || (maxRows !== undefined && sent >= maxRows)) {
            await finish();
            return { value: undefined, done: true };
          }
          if (dropError) {
            const error = dropError;
            await finish();
            throw error;
          }
          let step: IteratorResult<QueryEventView>;
          try {
            step = await orDropped(upstream.next());
          } catch (err) {
            await finish();
            throw err;
          }
          if (step.done) {
            // An unbounded push query does not end by itself unless its
            // source went away (or ksqlDB stopped it): say which.
            // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- return() may finish while next() is awaited; TS keeps the narrowing across await
            const gone = !limited && !finished && !(await sourceExists(row.source).catch(() => true));
            await finish();
            if (gone) throw sourceDropped(row.source);
            return { value: undefined, done: true };
          }
          const event = step.value;
          if (event.kind === 'header') {
            if (snapshot !== undefined && pending === undefined) {
              try {
                pending = [...(await orDropped(snapshot()))];
              } catch (err) {
                await finish();
                throw err;
              }
              // A snapshot row's cursor is the start of the changes: resuming
              // from it gets every change since the subscription began.
              if (tracker) for (const value of pending) tracker.mark(value);
            }
            continue;
          }
          let skip = false;
          try {
            skip = skipToPosition && tracker !== undefined && tracker.before(event.names, event.columns);
          } catch (err) {
            await finish();
            throw err;
          }
          if (skip) continue;
          const value = typedRow(event.names, event.columns);
          tracker?.row(value, event.names, event.columns);
          return counted(value);
        }
      },
      async return() {
        await finish();
        return { value: undefined, done: true };
      },
      async throw(err?: unknown) {
        await finish();
        throw err;
      },
      [Symbol.asyncIterator]() {
        return this;
      },
    };
    return iterator;
  }
}
