/**
 * Shared upstream push queries. ksqlDB caps the push queries one server runs
 * (`ksql.max.push.queries`, default 100), so subscribers of the same
 * unbounded `EMIT CHANGES` query share ONE upstream `POST /query`.
 *
 * - Key: the normalised SQL text (whitespace outside literals, quoted
 *   identifiers and comments collapsed, trailing `;` dropped), the
 *   properties as JSON with sorted keys, and a SHA-256 of the incoming
 *   `Authorization` value (the credential the upstream call is made with
 *   when forwarding is on; keyed even when it is off, so that two callers
 *   with different credentials never share a query). The raw credential is
 *   kept only for the upstream calls, never in a key, log or error.
 * - Only unbounded push queries are shared: SQL with a `LIMIT` (each
 *   subscriber expects its own N rows), or without `EMIT CHANGES`, or with
 *   more than one statement, runs unshared ({@link shareKey} → undefined).
 * - The first subscriber starts the query; a later one joins it and gets the
 *   header (at once if it has arrived), then the rows that arrive after it
 *   joined: a push query shows changes from when you subscribe, so a late
 *   joiner does not get rows produced before it joined.
 * - One pump reads the upstream into one event log per query (a
 *   {@link FanoutLog}): each row is encoded once and stored once, with its
 *   approximate size in bytes; each subscriber is a cursor into the log. The
 *   log holds at most `pushLogBytes` (plus the one event that crossed the
 *   bound), whatever the number of subscribers.
 * - The slowest subscriber is the one that ends: when an event takes the log
 *   past its bound while a subscriber still holds the head and another is
 *   ahead of it, the one at the head ends with `SUBSCRIBER_TOO_SLOW` (after
 *   the events it has not read went with the head: it gets the error on its
 *   next read). The others go on and miss nothing.
 * - The pump reads the upstream while the log has room: below its bound, or
 *   while some subscriber waits at the tail for the next event. So a
 *   subscriber that keeps up is never starved by a stalled one; only when
 *   every subscriber is behind does the pump stop reading, and TCP
 *   backpressure reaches ksqlDB, as with an unshared query.
 * - The upstream ending (final message, end of body, error) ends every
 *   subscriber the same way, after the events it has not read.
 * - The last subscriber leaving (unsubscribe, disconnect, too slow, gateway
 *   closing) aborts the HTTP request and calls `/close-query` best-effort.
 * - A query may keep a {@link ReplayWindow} of its recent rows (the typed
 *   layer's resumable queries do): {@link PushQueryHub.join} lets a
 *   subscriber start with some of them, then read on from the log's tail.
 *
 * @module
 */
import { createHash } from 'node:crypto';
import type { GatewayContext } from '../context.js';
import type { KsqlClient, QueryStream } from '../ksql-client/types.js';
import type { RowShape } from '../schema/index.js';
import { FanoutLog } from '../../shared/fanout-log.js';
import { stableJson } from '../../shared/json.js';
import type { Logger } from '../../shared/logger.js';
import { gatewayClosing, subscriberTooSlow } from '../errors/index.js';
import { closeStream, SubscriptionEnded, type QueryRequest } from './push-query.js';
import { createRowShape, headerView, rowView, type HeaderView, type QueryEventView, type RowView } from './rows.js';
import type { Closable, SubscriptionRegistry } from './subscription-registry.js';

export interface PushQueryHubOptions {
  readonly registry: SubscriptionRegistry;
  readonly logger: Logger;
  /**
   * Timeout of the best-effort `/close-query` call.
   * @default 5000 (ms)
   */
  readonly closeQueryTimeoutMs?: number | undefined;
  /**
   * Bytes (approximate, see {@link jsonBytes}) the event log of one
   * upstream query may hold. Past it, the subscribers at the log's head end
   * with `SUBSCRIBER_TOO_SLOW` while another keeps up; when none keeps up,
   * the upstream is paused instead.
   * @default 8388608 (bytes, 8 MiB)
   */
  readonly pushLogBytes?: number | undefined;
  /**
   * @deprecated Replaced by {@link pushLogBytes}: subscribers no longer have
   * buffers of their own.
   */
  readonly subscriberBufferSize?: never;
  /** Called each time a subscriber is ended with `SUBSCRIBER_TOO_SLOW` (metrics). */
  readonly onSubscriberTooSlow?: (() => void) | undefined;
}

/** The default of {@link PushQueryHubOptions.pushLogBytes}: 8 MiB. */
export const DEFAULT_PUSH_LOG_BYTES = 8 * 1024 * 1024;

/**
 * The approximate heap size of a decoded JSON value, in bytes: what a row
 * costs the log. An estimate (V8's real layout varies), counted once per
 * row: strings at two bytes a character, every value and container with a
 * fixed overhead so that many small values are not counted as free.
 */
export function jsonBytes(value: unknown): number {
  if (typeof value === 'string') return 16 + 2 * value.length;
  if (value === null || typeof value !== 'object') return 8;
  let bytes = 16;
  if (Array.isArray(value)) {
    for (const item of value as unknown[]) bytes += 8 + jsonBytes(item);
  } else {
    // Also lossless-json's JsonNumber ({ value: '123...' }).
    for (const [key, item] of Object.entries(value)) bytes += 8 + jsonBytes(key) + jsonBytes(item);
  }
  return bytes;
}

/** Bytes counted for one event in the log: its values plus the view object around them. */
function eventBytes(values: unknown): number {
  return 64 + jsonBytes(values);
}

// ------------------------------------------------------------ keying

interface ScannedSql {
  /** Whitespace runs outside literals/identifiers/comments collapsed, trimmed, trailing `;` dropped. */
  readonly normalised: string;
  /** The code outside literals, quoted identifiers and comments, upper-cased (for keyword checks). */
  readonly code: string;
}

function scanSql(sql: string): ScannedSql {
  let normalised = '';
  let code = '';
  let i = 0;
  const n = sql.length;
  const copyUntil = (end: number) => {
    normalised += sql.slice(i, end);
    i = end;
  };
  while (i < n) {
    const c = sql[i] as string;
    if (c === "'" || c === '`' || c === '"') {
      // Quoted: copy verbatim up to the closing quote (a doubled quote escapes it).
      let j = i + 1;
      for (;;) {
        if (j >= n) break;
        if (sql[j] === c) {
          if (sql[j + 1] === c) {
            j += 2;
            continue;
          }
          j++;
          break;
        }
        j++;
      }
      code += ' ';
      copyUntil(j);
    } else if (c === '-' && sql[i + 1] === '-') {
      const end = sql.indexOf('\n', i);
      code += ' ';
      copyUntil(end === -1 ? n : end + 1);
    } else if (c === '/' && sql[i + 1] === '*') {
      const end = sql.indexOf('*/', i + 2);
      code += ' ';
      copyUntil(end === -1 ? n : end + 2);
    } else if (/\s/.test(c)) {
      while (i < n && /\s/.test(sql[i] as string)) i++;
      normalised += ' ';
      code += ' ';
    } else {
      normalised += c;
      code += c.toUpperCase();
      i++;
    }
  }
  normalised = normalised.trim().replace(/(?:\s*;)+$/, '');
  return { normalised, code: code.trim().replace(/(?:\s*;)+$/, '') };
}

/**
 * The hub key of `request` made with `authorization`, or `undefined` when the
 * query must not be shared (a LIMIT, no `EMIT CHANGES`, several statements).
 */
export function shareKey(request: QueryRequest, authorization: string | undefined): string | undefined {
  const { normalised, code } = scanSql(request.ksql);
  if (code.includes(';')) return undefined;
  if (!/\bEMIT\s+CHANGES\b/.test(code) || /\bLIMIT\b/.test(code)) return undefined;
  // '' and absent both mean "no credential" to the client.
  const credential =
    authorization === undefined || authorization === ''
      ? '-'
      : createHash('sha256').update(authorization).digest('base64url');
  return JSON.stringify([normalised, stableJson(request.streamsProperties ?? {}), credential]);
}

// ------------------------------------------------------------ the hub

/**
 * Recent rows of one shared query, kept after every subscriber has read
 * them so that a subscriber can join with some of them replayed (resumed
 * typed subscriptions, docs/resume.md). The hub only feeds it: what to keep
 * (bounded in bytes) and what a joiner gets are the window's.
 */
export interface ReplayWindow {
  /** A row the query delivered, in order; `bytes` as the log counts it. */
  push(row: RowView, bytes: number): void;
}

/** How a subscriber joins through {@link PushQueryHub.join}: the rows of the window it gets first, or undefined when the window does not hold what it needs. */
export type WindowReplay = (window: ReplayWindow) => readonly RowView[] | undefined;

/**
 * One `abort` listener per signal however many subscriptions share it (a
 * graphql-ws connection multiplexes many on its one lifetime signal).
 */
const abortWatchers = new WeakMap<AbortSignal, Set<() => void>>();

function onAbort(signal: AbortSignal, callback: () => void): () => void {
  let callbacks = abortWatchers.get(signal);
  if (callbacks === undefined) {
    const created = new Set<() => void>();
    callbacks = created;
    abortWatchers.set(signal, created);
    signal.addEventListener(
      'abort',
      () => {
        abortWatchers.delete(signal);
        for (const cb of [...created]) cb();
        created.clear();
      },
      { once: true },
    );
  }
  const set = callbacks;
  set.add(callback);
  return () => void set.delete(callback);
}

interface SharedQuery {
  readonly key: string;
  readonly client: KsqlClient;
  /** The credential of the upstream calls (never logged). */
  readonly authorization: string | undefined;
  readonly controller: AbortController;
  readonly stream: QueryStream;
  /** The events since the slowest subscriber's position; one cursor per subscriber. */
  readonly log: FanoutLog<QueryEventView>;
  /** Recent rows for subscribers that join with a replay (see {@link ReplayWindow}), if the starter asked for one. */
  readonly window: ReplayWindow | undefined;
  header: HeaderView | undefined;
  queryId: string | undefined;
  /** The upstream query ended on its own (final message, end of body, error). */
  ended: boolean;
  /** No longer in the hub: ended, or its last subscriber left. */
  closed: boolean;
}

export class PushQueryHub {
  readonly #entries = new Map<string, SharedQuery>();
  readonly #registry: SubscriptionRegistry;
  readonly #logger: Logger;
  readonly #closeQueryTimeoutMs: number;
  readonly #logBytes: number;
  readonly #onSubscriberTooSlow: (() => void) | undefined;

  constructor(options: PushQueryHubOptions) {
    const { registry, logger, closeQueryTimeoutMs = 5_000, pushLogBytes = DEFAULT_PUSH_LOG_BYTES, onSubscriberTooSlow } = options;
    if (!Number.isSafeInteger(pushLogBytes) || pushLogBytes < 1) {
      throw new RangeError(`pushLogBytes must be an integer >= 1, got ${pushLogBytes}`);
    }
    this.#registry = registry;
    this.#logger = logger;
    this.#closeQueryTimeoutMs = closeQueryTimeoutMs;
    this.#logBytes = pushLogBytes;
    this.#onSubscriberTooSlow = onSubscriberTooSlow;
  }

  /** Upstream queries running now. */
  get size(): number {
    return this.#entries.size;
  }

  /** The subscriber count of each upstream query running now (read at each metrics scrape). */
  subscriberCounts(): number[] {
    return Array.from(this.#entries.values(), (entry) => entry.log.size);
  }

  /** The bytes each upstream query's event log holds now (read at each metrics scrape). */
  logBytes(): number[] {
    return Array.from(this.#entries.values(), (entry) => entry.log.bytes);
  }

  /** Subscribers of the query with `key` (0 if none runs). */
  subscriberCount(key: string): number {
    return this.#entries.get(key)?.log.size ?? 0;
  }

  /**
   * Joins the query with `key` (see {@link shareKey}), starting it with
   * `request` if none runs. The iterator must be consumed or returned.
   * `window` makes the replay window of a query this call starts.
   */
  subscribe(
    key: string,
    request: QueryRequest,
    context: GatewayContext,
    window?: () => ReplayWindow,
  ): AsyncIterableIterator<QueryEventView> {
    if (this.#registry.closing) throw gatewayClosing();
    let entry = this.#entries.get(key);
    if (entry === undefined || entry.closed) entry = this.#start(key, request, context, window);
    return this.#attach(entry, [], context);
  }

  /**
   * Joins the running query with `key` with rows of its replay window first:
   * `replay` picks them, and the subscriber then reads on from the row after
   * the window's last, so nothing falls between. Undefined (and nothing
   * started) when no such query runs, its header has not arrived, it keeps
   * no window, or `replay` finds the window does not hold what it needs.
   */
  join(key: string, context: GatewayContext, replay: WindowReplay): AsyncIterableIterator<QueryEventView> | undefined {
    if (this.#registry.closing) throw gatewayClosing();
    const entry = this.#entries.get(key);
    if (entry === undefined || entry.closed || entry.ended || entry.header === undefined || entry.window === undefined) return undefined;
    const rows = replay(entry.window);
    // Synchronously from here: the window's rows and the log's tail are the same point.
    return rows === undefined ? undefined : this.#attach(entry, rows, context);
  }

  #attach(entry: SharedQuery, replayed: readonly RowView[], context: GatewayContext): AsyncIterableIterator<QueryEventView> {
    const registry = this.#registry;
    // Joins at the log's tail. A header that has already arrived is not in
    // the log any more (or soon will not be): this subscriber gets it first,
    // then the replayed rows.
    const cursor = entry.log.cursor();
    const first: QueryEventView[] = entry.header === undefined ? [...replayed] : [entry.header, ...replayed];
    let next = 0;
    let unwatch: (() => void) | undefined;
    // Runs once, whatever ends this subscriber; the cursor has left the log by then.
    const release = () => {
      registry.delete(iterator);
      unwatch?.();
      unwatch = undefined;
    };
    const iterator: AsyncIterableIterator<QueryEventView> & Closable = {
      async next() {
        if (next < first.length) {
          const value = first[next++] as QueryEventView;
          return { value, done: false };
        }
        let step: IteratorResult<QueryEventView> | undefined;
        try {
          step = await cursor.next();
          return step;
        } finally {
          // Done or failed (too slow, upstream error): the cursor has left.
          if (step === undefined || step.done) release();
        }
      },
      async return() {
        next = first.length;
        try {
          await cursor.return();
        } finally {
          release();
        }
        return { value: undefined, done: true };
      },
      async throw(err?: unknown) {
        await iterator.return();
        throw err;
      },
      [Symbol.asyncIterator]() {
        return this;
      },
    };
    registry.add(iterator);
    // The client went away (e.g. the WebSocket closed): complete quietly.
    const signal = context.signal;
    if (signal?.aborted) void iterator.return();
    else if (signal) unwatch = onAbort(signal, () => void iterator.return());
    return iterator;
  }

  #start(key: string, request: QueryRequest, context: GatewayContext, window: (() => ReplayWindow) | undefined): SharedQuery {
    const controller = new AbortController();
    const stream = context.ksqlClient.query(request, {
      signal: controller.signal,
      authorization: context.authorization,
    });
    const maxBytes = this.#logBytes;
    const log: FanoutLog<QueryEventView> = new FanoutLog<QueryEventView>({
      maxBytes,
      tooSlow: () => subscriberTooSlow(maxBytes),
      onTooSlow: () => {
        this.#logger.debug(
          `push query ${entry.queryId ?? '(starting)'}: a subscriber fell ${maxBytes} bytes behind the others and was ended`,
        );
        this.#onSubscriberTooSlow?.();
      },
      onIdle: () => this.#idle(entry),
    });
    const entry: SharedQuery = {
      key,
      client: context.ksqlClient,
      authorization: context.authorization,
      controller,
      stream,
      log,
      window: window?.(),
      header: undefined,
      queryId: undefined,
      ended: false,
      closed: false,
    };
    this.#entries.set(key, entry);
    void this.#pump(entry);
    return entry;
  }

  async #pump(entry: SharedQuery): Promise<void> {
    const { log } = entry;
    let shape: RowShape | undefined;
    try {
      for (;;) {
        // Read on only while some subscriber has room (see the module comment):
        // otherwise the unread response is TCP backpressure on ksqlDB.
        await log.waitForRoom();
        if (entry.closed) return;
        const step = await entry.stream.next();
        // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- the last subscriber may leave while next() is awaited; TS keeps the narrowing across await
        if (entry.closed) return;
        if (step.done) break;
        const event = step.value;
        if (event.kind === 'header') {
          shape = createRowShape(event.columns);
          entry.queryId = event.queryId;
          entry.header = headerView(event, shape);
          log.append(entry.header, eventBytes(event.columns));
        } else if (event.kind === 'row') {
          if (!shape) throw new Error('Invariant violated: /query sent a row before its header');
          // Encoded once, stored once, read by every subscriber.
          const row = rowView(event, shape);
          const bytes = eventBytes(event.columns);
          log.append(row, bytes);
          entry.window?.push(row, bytes);
        } else {
          break; // final message
        }
      }
      this.#end(entry, undefined);
    } catch (err) {
      if (entry.closed) return; // we closed it: the last subscriber left
      this.#end(entry, { err });
    }
  }

  /** The upstream query ended on its own: every subscriber ends the same way. */
  #end(entry: SharedQuery, error: { err: unknown } | undefined): void {
    if (entry.closed) return;
    entry.ended = true;
    this.#detach(entry);
    void closeStream(entry.stream, this.#logger);
    if (error) entry.log.fail(error.err);
    else entry.log.end();
  }

  /** The last subscriber left (unsubscribed, went away, too slow): close the upstream query. */
  #idle(entry: SharedQuery): void {
    if (entry.closed) return;
    this.#detach(entry);
    if (!entry.controller.signal.aborted) entry.controller.abort(new SubscriptionEnded());
    void closeStream(entry.stream, this.#logger);
    const { queryId } = entry;
    if (queryId !== undefined && !entry.ended) {
      this.#registry.track(
        entry.client
          .closeQuery(queryId, { timeoutMs: this.#closeQueryTimeoutMs, authorization: entry.authorization })
          .catch((err: unknown) => this.#logger.debug(`close-query ${queryId} failed (ignored):`, err)),
      );
    }
  }

  #detach(entry: SharedQuery): void {
    entry.closed = true;
    if (this.#entries.get(entry.key) === entry) this.#entries.delete(entry.key);
  }
}
