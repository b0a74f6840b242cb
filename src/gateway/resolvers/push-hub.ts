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
 * - One pump reads the upstream; each row is encoded once and the same
 *   object is pushed to every subscriber's bounded buffer. The pump is paced
 *   by the fastest subscriber: it stops reading (TCP backpressure reaches
 *   ksqlDB, as with an unshared query) only while every buffer is full. A
 *   subscriber whose buffer is full while another has room leaves the query
 *   at once: it drains what it has buffered, then ends with
 *   `SUBSCRIBER_TOO_SLOW`. The others go on and miss nothing.
 * - The upstream ending (final message, end of body, error) ends every
 *   subscriber the same way, after its buffered events.
 * - The last subscriber leaving (unsubscribe, disconnect, too slow, gateway
 *   closing) aborts the HTTP request and calls `/close-query` best-effort.
 *
 * @module
 */
import { createHash } from 'node:crypto';
import type { GatewayContext } from '../context.js';
import type { KsqlClient, QueryStream } from '../ksql-client/types.js';
import type { RowShape } from '../schema/index.js';
import { AsyncQueue } from '../../shared/async-queue.js';
import type { Logger } from '../../shared/logger.js';
import { gatewayClosing, subscriberTooSlow } from '../errors/index.js';
import type { QueryRequest } from './push-query.js';
import { createRowShape, headerView, rowView, type HeaderView, type QueryEventView } from './rows.js';
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
   * Events (header and rows) one subscriber may have waiting before it is
   * ended with `SUBSCRIBER_TOO_SLOW`.
   * @default 1000
   */
  readonly subscriberBufferSize?: number | undefined;
  /** Called each time a subscriber is ended with `SUBSCRIBER_TOO_SLOW` (metrics). */
  readonly onSubscriberTooSlow?: (() => void) | undefined;
}

/** The default of {@link PushQueryHubOptions.subscriberBufferSize}. */
export const DEFAULT_SUBSCRIBER_BUFFER_SIZE = 1_000;

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

/** JSON with object keys sorted at every level. */
function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stableJson((value as Record<string, unknown>)[k])}`);
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
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

class SubscriptionEnded extends DOMException {
  constructor() {
    super('The subscription ended.', 'AbortError');
  }
}

interface Subscriber {
  readonly queue: AsyncQueue<QueryEventView>;
}

interface SharedQuery {
  readonly key: string;
  readonly client: KsqlClient;
  /** The credential of the upstream calls (never logged). */
  readonly authorization: string | undefined;
  readonly controller: AbortController;
  readonly stream: QueryStream;
  readonly subscribers: Set<Subscriber>;
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
  readonly #bufferSize: number;
  readonly #onSubscriberTooSlow: (() => void) | undefined;

  constructor(options: PushQueryHubOptions) {
    this.#registry = options.registry;
    this.#logger = options.logger;
    this.#closeQueryTimeoutMs = options.closeQueryTimeoutMs ?? 5_000;
    const bufferSize = options.subscriberBufferSize ?? DEFAULT_SUBSCRIBER_BUFFER_SIZE;
    if (!Number.isInteger(bufferSize) || bufferSize < 1) {
      throw new RangeError(`subscriberBufferSize must be an integer >= 1, got ${bufferSize}`);
    }
    this.#bufferSize = bufferSize;
    this.#onSubscriberTooSlow = options.onSubscriberTooSlow;
  }

  /** Upstream queries running now. */
  get size(): number {
    return this.#entries.size;
  }

  /** The subscriber count of each upstream query running now (read at each metrics scrape). */
  subscriberCounts(): number[] {
    return Array.from(this.#entries.values(), (entry) => entry.subscribers.size);
  }

  /** Subscribers of the query with `key` (0 if none runs). */
  subscriberCount(key: string): number {
    return this.#entries.get(key)?.subscribers.size ?? 0;
  }

  /**
   * Joins the query with `key` (see {@link shareKey}), starting it with
   * `request` if none runs. The iterator must be consumed or returned.
   */
  subscribe(key: string, request: QueryRequest, context: GatewayContext): AsyncIterableIterator<QueryEventView> {
    const registry = this.#registry;
    if (registry.closing) throw gatewayClosing();
    let entry = this.#entries.get(key);
    if (entry === undefined || entry.closed) entry = this.#start(key, request, context);
    const query = entry;

    const signal = context.signal;
    let unwatch: (() => void) | undefined;
    const queue: AsyncQueue<QueryEventView> = new AsyncQueue<QueryEventView>({
      capacity: this.#bufferSize,
      // Runs once, whatever ends this subscriber: leave the query.
      onClose: () => {
        unwatch?.();
        this.#leave(query, subscriber);
      },
    });
    const subscriber: Subscriber = { queue };
    query.subscribers.add(subscriber);
    if (query.header) queue.push(query.header);

    const iterator: AsyncIterableIterator<QueryEventView> & Closable = {
      async next() {
        try {
          const step = await queue.next();
          if (step.done) registry.delete(iterator);
          return step;
        } catch (err) {
          registry.delete(iterator);
          throw err;
        }
      },
      async return() {
        registry.delete(iterator);
        await queue.return();
        return { value: undefined, done: true };
      },
      async throw(err?: unknown) {
        registry.delete(iterator);
        await queue.return();
        throw err;
      },
      [Symbol.asyncIterator]() {
        return this;
      },
    };
    registry.add(iterator);
    // The client went away (e.g. the WebSocket closed): complete quietly.
    if (signal?.aborted) void queue.return();
    else if (signal) unwatch = onAbort(signal, () => void queue.return());
    return iterator;
  }

  #start(key: string, request: QueryRequest, context: GatewayContext): SharedQuery {
    const controller = new AbortController();
    const stream = context.ksqlClient.query(request, {
      signal: controller.signal,
      authorization: context.authorization,
    });
    const entry: SharedQuery = {
      key,
      client: context.ksqlClient,
      authorization: context.authorization,
      controller,
      stream,
      subscribers: new Set(),
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
    let shape: RowShape | undefined;
    try {
      for (;;) {
        const step = await entry.stream.next();
        if (entry.closed) return;
        if (step.done) break;
        // Paced by the fastest subscriber: wait only while every buffer is full.
        if (this.#allFull(entry)) await this.#room(entry);
        if (entry.closed) return;
        const event = step.value;
        if (event.kind === 'header') {
          shape = createRowShape(event.columns);
          entry.queryId = event.queryId;
          entry.header = headerView(event, shape);
          this.#broadcast(entry, entry.header);
        } else if (event.kind === 'row') {
          if (!shape) throw new Error('Invariant violated: /query sent a row before its header');
          this.#broadcast(entry, rowView(event, shape)); // encoded once, shared by every subscriber
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

  #allFull(entry: SharedQuery): boolean {
    for (const subscriber of entry.subscribers) {
      if (subscriber.queue.size < this.#bufferSize) return false;
    }
    return entry.subscribers.size > 0;
  }

  /** Resolves once some subscriber has room (or the query closed). */
  async #room(entry: SharedQuery): Promise<void> {
    while (!entry.closed && this.#allFull(entry)) {
      await Promise.race([...entry.subscribers].map((s) => s.queue.waitForSpace()));
    }
  }

  #broadcast(entry: SharedQuery, event: QueryEventView): void {
    for (const subscriber of entry.subscribers) {
      if (!subscriber.queue.push(event)) {
        // Full: this subscriber alone ends (after what it has buffered); its
        // onClose removes it from the set (safe while iterating a Set).
        this.#logger.debug(
          `push query ${entry.queryId ?? '(starting)'}: a subscriber fell ${this.#bufferSize} events behind and was ended`,
        );
        subscriber.queue.fail(subscriberTooSlow(this.#bufferSize));
        this.#onSubscriberTooSlow?.();
      }
    }
  }

  /** The upstream query ended on its own: every subscriber ends the same way. */
  #end(entry: SharedQuery, error: { err: unknown } | undefined): void {
    if (entry.closed) return;
    entry.ended = true;
    this.#detach(entry);
    void closeStream(entry.stream, this.#logger);
    for (const subscriber of [...entry.subscribers]) {
      if (error) subscriber.queue.fail(error.err);
      else subscriber.queue.end();
    }
  }

  #leave(entry: SharedQuery, subscriber: Subscriber): void {
    if (!entry.subscribers.delete(subscriber)) return;
    if (entry.subscribers.size > 0 || entry.closed) return;
    // The last subscriber left: close the upstream query.
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

async function closeStream(stream: QueryStream, logger: Logger): Promise<void> {
  try {
    await stream.return(undefined);
  } catch (err) {
    logger.debug('closing the /query stream failed (ignored):', err);
  }
}
