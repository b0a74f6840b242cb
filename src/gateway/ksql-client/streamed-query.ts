/**
 * One `POST /query` response as a {@link QueryStream}: an undici dispatch
 * handler feeding {@link StreamedRowParser}, bridged to the consumer through a
 * bounded {@link AsyncQueue} of per-chunk event batches.
 *
 * - Backpressure: when `bufferBatches` × 256 events (or `bufferBatches` ×
 *   128 KiB of body) are waiting, the response is paused (undici stops
 *   reading the socket) until the consumer is down to a quarter of both.
 * - `return()` (or `break` in `for await`) and the caller's signal abort the
 *   request at once, also while a `next()` is pending and no bytes flow. On
 *   HTTP/1.1 this closes the socket, which is what ends a push query in
 *   ksqlDB; over HTTP/2 (`/query-stream`) it resets the stream,
 *   and the connection stays up for the others. `/close-query` is not called
 *   here (the resolvers call it after `return()`).
 * - `finalMessage` yields a `final` event and ends the iterator; the rest of
 *   the body (just `]`) is drained for connection reuse, bounded in bytes and
 *   time. A body that ends without `finalMessage` is a normal end (table
 *   pulls have none).
 * - An `errorMessage` element rejects the iterator with a KsqlServerError
 *   (`inStream: true`, `httpStatus: 200`) after the events that preceded it.
 * - The timeout covers the wait for the header element; the body after it
 *   has none, unless `timeoutCoversBody` (used by `pullQuery`).
 * - Bounds: a line (one element) longer than `maxLineBytes`, or a body
 *   longer than `maxBodyBytes` (set for `pullQuery`, which keeps every row),
 *   aborts the request and fails the stream with a
 *   {@link KsqlResponseTooLargeError}, at the limit: a line that never ends
 *   costs `maxLineBytes` of memory, not all the server can send.
 * - Fairness: body bytes are parsed at most {@link TURN_BYTES} per turn of
 *   the event loop, in slices of at most {@link SLICE_BYTES}; past that the
 *   response is paused and parsing goes on after `setImmediate`. Bytes
 *   received but not parsed yet wait in an inbox, which the pause bounds.
 *   The consumer, likewise, gets at most {@link CONSUMER_TURN_EVENTS}
 *   events (or {@link TURN_BYTES} of them) from queued batches per turn. So
 *   a fast stream or one huge chunk cannot keep other sockets (`/health`,
 *   other subscriptions) waiting.
 *
 * @module
 */
import type { Dispatcher } from 'undici';
import {
  DEFAULT_MAX_LINE_BYTES,
  LineTooLongError,
  parseSchemaString,
  type JsonValue,
  StreamedRowParser,
  StreamedRows,
  type StreamedRow,
} from '../../protocol/index.js';
import { AsyncQueue } from '../../shared/async-queue.js';
import { deferred } from '../../shared/deferred.js';
import {
  KsqlAbortError,
  KsqlProtocolError,
  KsqlResponseTooLargeError,
  KsqlServerError,
  KsqlTimeoutError,
  KsqlTransportError,
  secretsOf,
  serverErrorFromObject,
  toKsqlClientError,
} from './errors.js';
import type { GatewayError } from '../gateway-error.js';
import type { QueryEvent, QueryHeader, QueryStream } from './types.js';

/** Bytes read after `finalMessage` before the connection is given up. */
const MAX_DRAIN_BYTES = 64 * 1024;
/** Time allowed after `finalMessage` for the body to end. */
const DRAIN_TIMEOUT_MS = 1000;

export interface StreamedQueryOptions {
  readonly dispatcher: Dispatcher;
  /** origin, path, method, headers, body and undici timeouts. */
  readonly request: Dispatcher.DispatchOptions & { readonly origin: string; readonly method: string };
  readonly signal: AbortSignal | undefined;
  /** Header wait (or whole response, see below) in ms; 0 disables. */
  readonly timeoutMs: number;
  /** Apply `timeoutMs` to the whole response, not just the header. */
  readonly timeoutCoversBody: boolean;
  /**
   * Scales the read-ahead: the response is paused at `bufferBatches` × 256
   * queued events or `bufferBatches` × 128 KiB of queued body bytes.
   */
  readonly bufferBatches: number;
  /** Called once with a destroy function; returns the unregister function. */
  readonly track?: ((destroy: (reason: GatewayError) => void) => () => void) | undefined;
  /**
   * Longest element (line) of the body, in bytes.
   * @default 16777216 (bytes, 16 MiB)
   */
  readonly maxLineBytes?: number | undefined;
  /**
   * Longest body, in bytes; for responses that are collected whole.
   * @default undefined (no bound: a push query's body never ends)
   */
  readonly maxBodyBytes?: number | undefined;
}

type Phase = 'open' | 'draining' | 'closed';

/**
 * Backpressure counts events (rows), with hysteresis. ksqlDB (and the
 * embedded engine) send one HTTP chunk per row, so counting chunks means
 * pausing and resuming the response for nearly every row once the consumer is
 * the bottleneck, and each undici resume re-reads (concatenates) the whole
 * socket buffer (up to 64 KiB) and copies it into the parser's memory: O(64
 * KiB) of copying per row. The stream pauses at `bufferBatches` ×
 * EVENTS_PER_CHUNK_BUDGET queued events and resumes only once the consumer is
 * down to a quarter of that, so one cycle covers many rows.
 */
const EVENTS_PER_CHUNK_BUDGET = 256;
/**
 * The same in body bytes, so that memory stays bounded per query when rows
 * are large (an event count alone would let 2048 rows of 1 MiB pile up).
 */
const BYTES_PER_CHUNK_BUDGET = 128 * 1024;

/**
 * Body bytes parsed per turn of the event loop before the response is paused
 * and parsing yields (setImmediate): 15-35 ms of the lossless JSON parser on
 * small rows, measured on a busy core. Smaller would cost more pause/resume
 * cycles (each undici resume re-reads the socket buffer, see below), and a
 * socket read is at most 64 KiB anyway, so this only splits huge chunks and
 * bursts of buffered data delivered at once by resume().
 */
const TURN_BYTES = 1024 * 1024;
/**
 * Events (or body bytes behind them) the consumer may take from queued
 * batches before the next batch waits for a turn of the event loop. The
 * consumer's own work per event (GraphQL execution, a WebSocket send) runs
 * in microtasks, which never let timers or sockets in; without this a
 * consumer that keeps up with a fast stream would drain batch after batch
 * (resuming the response, which delivers more at once) in one turn.
 */
const CONSUMER_TURN_EVENTS = 256;
/** Largest piece handed to the parser at once (one batch of events). */
const SLICE_BYTES = 64 * 1024;
/**
 * Bytes the inbox may hold while the response is paused; more means the
 * dispatcher ignored pause().
 */
const INBOX_SLACK_BYTES = 4 * 1024 * 1024;

/** A batch of events and the body bytes they came from. */
interface Batch {
  readonly events: QueryEvent[];
  readonly bytes: number;
}

class KsqlQueryStream implements QueryStream {
  readonly header: Promise<QueryHeader>;
  readonly #header = deferred<QueryHeader>();
  readonly #queue: AsyncQueue<Batch>;
  readonly #parser: StreamedRowParser;
  readonly #opts: StreamedQueryOptions;
  readonly #maxLineBytes: number;
  #controller: Dispatcher.DispatchController | undefined;
  #phase: Phase = 'open';
  /** The response completed or failed: nothing left to abort or resume. */
  #responseDone = false;
  #abortReason: Error | undefined;
  #status = 0;
  #sawHeader = false;
  #drainedBytes = 0;
  #batch: QueryEvent[] = [];
  /** Events in the queue (not counting the batch being consumed). */
  #queuedEvents = 0;
  /** Body bytes behind the queued events. */
  #queuedBytes = 0;
  /** Bytes parsed since the last batch (a row split across slices). */
  #pendingBytes = 0;
  readonly #pauseAt: number;
  readonly #resumeAt: number;
  readonly #pauseAtBytes: number;
  readonly #resumeAtBytes: number;
  #index = 0;
  /** Events and bytes the consumer took since the event loop last had a turn. */
  #takenEvents = 0;
  #takenBytes = 0;
  #chain: Promise<unknown> = Promise.resolve();
  #timer: NodeJS.Timeout | undefined;
  #cleanups: Array<() => void> = [];
  /** Body bytes received so far (for `maxBodyBytes`). */
  #bodyBytes = 0;
  /** Received chunks not parsed yet, oldest first. */
  #inbox: Buffer[] = [];
  #inboxBytes = 0;
  /** Bytes parsed since the event loop last had a turn (see TURN_BYTES). */
  #turnBytes = 0;
  /** The setImmediate that continues parsing after a yield. */
  #nextTurn: NodeJS.Immediate | undefined;
  /** The consumer has enough queued: parse nothing more until it reads. */
  #backpressure = false;
  /** The response is paused, for backpressure or a yield. */
  #flowPaused = false;
  #pumping = false;
  /** The response ended (`null`: normally) while bytes waited in the inbox. */
  #ending: { readonly error: GatewayError | null } | undefined;

  constructor(opts: StreamedQueryOptions) {
    this.#opts = opts;
    this.#maxLineBytes = opts.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
    this.#parser = new StreamedRowParser({ maxLineBytes: this.#maxLineBytes });
    this.#pauseAt = opts.bufferBatches * EVENTS_PER_CHUNK_BUDGET;
    this.#resumeAt = Math.floor(this.#pauseAt / 4);
    this.#pauseAtBytes = opts.bufferBatches * BYTES_PER_CHUNK_BUDGET;
    this.#resumeAtBytes = Math.floor(this.#pauseAtBytes / 4);
    // A batch holds at least one event: room for everything pause() may let through.
    this.#queue = new AsyncQueue<Batch>({ capacity: this.#pauseAt * 2 });
    this.header = this.#header.promise;
    // Nobody has to await `header`: a rejection must not become unhandled.
    this.header.catch(() => {});

    const { signal, timeoutMs, track } = opts;
    if (track) this.#cleanups.push(track((reason) => this.#fail(reason)));
    if (signal?.aborted) {
      this.#fail(this.#abortError(signal));
    } else if (signal) {
      const onAbort = () => this.#fail(this.#abortError(signal));
      signal.addEventListener('abort', onAbort, { once: true });
      this.#cleanups.push(() => signal.removeEventListener('abort', onAbort));
    }
    // Aborted before it started (caller's signal, or a closed client).
    if (this.#phase === 'closed') return;
    if (timeoutMs > 0) {
      this.#timer = setTimeout(() => {
        const { method, path, origin } = opts.request;
        const what = opts.timeoutCoversBody ? 'response' : 'query header';
        this.#fail(
          new KsqlTimeoutError(`${method} ${origin}${path}: no ${what} within ${timeoutMs} ms`, {
            method,
            path,
            timeoutMs,
          }),
        );
      }, timeoutMs);
      this.#timer.unref();
    }

    const handler: Dispatcher.DispatchHandler = {
      onRequestStart: (controller) => this.#onRequestStart(controller),
      onResponseStart: (_controller, statusCode) => {
        this.#status = statusCode;
      },
      onResponseData: (_controller, chunk) => this.#onData(chunk),
      onResponseEnd: () => this.#onEnd(),
      onResponseError: (_controller, err) => this.#onError(err),
    };
    try {
      opts.dispatcher.dispatch(opts.request, handler);
    } catch (err) {
      this.#onError(err);
    }
  }

  // ------------------------------------------------------------ consumer

  next(): Promise<IteratorResult<QueryEvent>> {
    const result = this.#chain.then(() => this.#next());
    this.#chain = result.catch(() => {});
    return result;
  }

  async #next(): Promise<IteratorResult<QueryEvent>> {
    for (;;) {
      if (this.#index < this.#batch.length) {
        const value = this.#batch[this.#index++] as QueryEvent;
        return { value, done: false };
      }
      this.#batch = [];
      this.#index = 0;
      if (this.#queue.size === 0) {
        // The consumer waits for the socket: the loop gets its turn anyway.
        this.#takenEvents = 0;
        this.#takenBytes = 0;
      } else if (this.#takenEvents >= CONSUMER_TURN_EVENTS || this.#takenBytes >= TURN_BYTES) {
        await new Promise<void>((resolve) => setImmediate(resolve));
        this.#takenEvents = 0;
        this.#takenBytes = 0;
      }
      const result = await this.#queue.next();
      if (result.done) return { value: undefined, done: true };
      this.#batch = result.value.events;
      this.#takenEvents += result.value.events.length;
      this.#takenBytes += result.value.bytes;
      this.#queuedEvents -= result.value.events.length;
      this.#queuedBytes -= result.value.bytes;
      this.#maybeResume();
    }
  }

  return(): Promise<IteratorResult<QueryEvent>> {
    this.#batch = [];
    this.#index = 0;
    // Settles a pending next() with done (not an error) before anything else.
    void this.#queue.return();
    if (this.#phase === 'open') {
      const { method, path } = this.#opts.request;
      this.#fail(new KsqlAbortError(`${method} ${path}: the query stream was closed by its consumer`, { method, path }));
    }
    return Promise.resolve({ value: undefined, done: true });
  }

  throw(err?: unknown): Promise<IteratorResult<QueryEvent>> {
    void this.return();
    // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- the iterator protocol: throw(err) rejects with the caller's err, whatever it is
    return Promise.reject(err);
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  // ------------------------------------------------------------ producer

  #onRequestStart(controller: Dispatcher.DispatchController): void {
    this.#controller = controller;
    if (this.#phase === 'closed' && !this.#responseDone) controller.abort(this.#abortReason ?? new Error('closed'));
  }

  #onData(chunk: Buffer): void {
    if (this.#phase === 'closed') return;
    if (this.#phase === 'draining') {
      this.#drain(chunk.length);
      return;
    }
    this.#bodyBytes += chunk.length;
    const { maxBodyBytes } = this.#opts;
    if (maxBodyBytes !== undefined && this.#bodyBytes > maxBodyBytes) {
      this.#fail(this.#tooLarge('maxBodyBytes', maxBodyBytes, `the response body is larger than ${maxBodyBytes} bytes`));
      return;
    }
    this.#inbox.push(chunk);
    this.#inboxBytes += chunk.length;
    if (this.#flowPaused && this.#inboxBytes > this.#pauseAtBytes + INBOX_SLACK_BYTES) {
      const { method, path } = this.#opts.request;
      this.#fail(
        new KsqlTransportError(`${method} ${path}: /query buffer overflow (the dispatcher ignored pause())`, {
          method,
          path,
        }),
      );
      return;
    }
    this.#pump();
  }

  #onEnd(): void {
    this.#responseDone = true;
    if (this.#phase === 'open') {
      // Rows still in the inbox come first.
      this.#ending = { error: null };
      this.#pump();
      return;
    }
    this.#phase = 'closed';
    this.#cleanup();
  }

  #onError(err: unknown): void {
    this.#responseDone = true;
    if (this.#phase === 'open') {
      const { method, path, origin } = this.#opts.request;
      // After the header the query was running: the error says so (KSQL_CONNECTION_LOST upstairs).
      const error = toKsqlClientError(err, { method, path, origin, callerSignal: this.#opts.signal, inStream: this.#sawHeader });
      if (this.#inboxBytes === 0 || this.#opts.signal?.aborted) {
        this.#fail(error);
        return;
      }
      // The rows received before the connection broke come first.
      this.#ending = { error };
      this.#pump();
      return;
    }
    this.#phase = 'closed';
    this.#cleanup();
  }

  /**
   * Parses the inbox, slice by slice, while the consumer has room and the
   * turn's budget lasts; then finishes the response if it has ended. Runs
   * from onData, after a yield, and when the consumer makes room.
   */
  #pump(): void {
    // Re-entered from resume() (undici delivers buffered bytes at once): the
    // running loop takes them from the inbox.
    if (this.#pumping) return;
    this.#pumping = true;
    try {
      while (this.#phase === 'open' && this.#inboxBytes > 0 && !this.#backpressure && this.#nextTurn === undefined) {
        if (this.#turnBytes >= TURN_BYTES) {
          this.#nextTurn = setImmediate(() => {
            this.#nextTurn = undefined;
            this.#turnBytes = 0;
            this.#pump();
          });
          break;
        }
        const slice = this.#takeSlice(Math.min(SLICE_BYTES, TURN_BYTES - this.#turnBytes));
        this.#turnBytes += slice.length;
        this.#pendingBytes += slice.length;
        let rows: StreamedRow[];
        try {
          rows = this.#parser.push(slice);
        } catch (err) {
          this.#fail(this.#parseError(err));
          break;
        }
        this.#accept(rows);
      }
      if (this.#phase === 'open' && this.#inboxBytes === 0 && this.#ending !== undefined) this.#finish(this.#ending.error);
    } finally {
      this.#pumping = false;
    }
    this.#syncFlow();
  }

  /** Up to `max` bytes from the head of the inbox (a view, never a copy). */
  #takeSlice(max: number): Buffer {
    const head = this.#inbox[0] as Buffer;
    if (head.length <= max) {
      this.#inbox.shift();
      this.#inboxBytes -= head.length;
      return head;
    }
    this.#inbox[0] = head.subarray(max);
    this.#inboxBytes -= max;
    return head.subarray(0, max);
  }

  /** The body ended (`error` null) or broke, and every byte before has been parsed. */
  #finish(error: GatewayError | null): void {
    if (error !== null) {
      this.#fail(error);
      return;
    }
    let rows: StreamedRow[];
    try {
      rows = this.#parser.end();
    } catch (err) {
      this.#fail(this.#parseError(err));
      return;
    }
    this.#accept(rows);
    if (this.#phase === 'open') {
      if (!this.#sawHeader) {
        this.#fail(this.#protocolError('The /query response ended before its header'));
        return;
      }
      this.#queue.end();
    }
    this.#phase = 'closed';
    this.#cleanup();
  }

  /**
   * Pauses the response while the consumer has enough queued, bytes wait in
   * the inbox, or parsing yields; resumes it otherwise. Called after every
   * change of those; tolerates re-entry (resume() may deliver data at once).
   */
  #syncFlow(): void {
    const controller = this.#controller;
    if (controller === undefined || this.#responseDone || this.#phase === 'closed') return;
    const pause =
      this.#phase === 'open' && (this.#backpressure || this.#inboxBytes > 0 || this.#nextTurn !== undefined);
    if (pause === this.#flowPaused) return;
    this.#flowPaused = pause;
    if (pause) controller.pause();
    else controller.resume();
  }

  /** Turns parsed elements into events; one batch per call. */
  #accept(rows: readonly StreamedRow[]): void {
    const batch: QueryEvent[] = [];
    let failure: GatewayError | undefined;
    let final = false;
    for (const row of rows) {
      if (StreamedRows.isHeader(row)) {
        if (this.#sawHeader) {
          failure = this.#protocolError('The /query response has a second header');
          break;
        }
        const { queryId, schema } = row.header;
        let columns;
        try {
          columns = parseSchemaString(schema);
        } catch (err) {
          failure = this.#protocolError('Unparseable schema in the /query header', err);
          break;
        }
        this.#sawHeader = true;
        const header: QueryHeader = { queryId, schema, columns };
        this.#header.resolve(header);
        if (!this.#opts.timeoutCoversBody) this.#clearTimer();
        batch.push({ kind: 'header', ...header });
      } else if (StreamedRows.isError(row)) {
        const { method, path, headers } = this.#opts.request;
        // ksqlDB may echo the request's Authorization in an in-stream error.
        const secrets = secretsOf((headers as Record<string, string> | undefined)?.['authorization']);
        failure =
          serverErrorFromObject(row.errorMessage as unknown as JsonValue, { httpStatus: this.#status, inStream: true, method, path, secrets }) ??
          this.#protocolError('Unrecognised errorMessage element in the /query response');
        break;
      } else if (!this.#sawHeader) {
        failure = this.#protocolError('The /query response does not start with a header');
        break;
      } else if (StreamedRows.isRow(row)) {
        const columns: unknown = row.row.columns;
        if (!Array.isArray(columns)) {
          failure = this.#protocolError('A /query row has no columns array');
          break;
        }
        batch.push({ kind: 'row', columns: row.row.columns, tombstone: row.row.tombstone === true });
      } else if (StreamedRows.isFinal(row)) {
        batch.push({ kind: 'final', message: String(row.finalMessage) });
        final = true;
        break;
      }
      // continuationToken / consistencyToken and unknown elements: not events.
    }

    const bytes = this.#pendingBytes;
    if (batch.length > 0) {
      this.#queuedEvents += batch.length;
      this.#queuedBytes += bytes;
      this.#pendingBytes = 0;
    }
    if (batch.length > 0 && !this.#queue.push({ events: batch, bytes })) {
      // The pump parses nothing while the consumer has its fill, so the
      // queue never holds more than pauseAt + 1 batches: this is a bug.
      const { method, path } = this.#opts.request;
      this.#fail(new KsqlTransportError(`${method} ${path}: /query event queue overflow`, { method, path }));
      return;
    }
    if (failure instanceof KsqlServerError) {
      // ksqlDB ends the body right after an errorMessage: deliver what came
      // before, then the error, and let the body finish on its own.
      this.#header.reject(failure);
      this.#queue.fail(failure);
      this.#startDraining();
    } else if (failure) {
      this.#fail(failure);
    } else if (final) {
      this.#queue.end();
      this.#startDraining();
    } else if (this.#queuedEvents >= this.#pauseAt || this.#queuedBytes >= this.#pauseAtBytes) {
      this.#backpressure = true;
    }
  }

  #maybeResume(): void {
    if (this.#backpressure && this.#queuedEvents <= this.#resumeAt && this.#queuedBytes <= this.#resumeAtBytes) {
      this.#backpressure = false;
      this.#pump();
    }
  }

  #startDraining(): void {
    this.#phase = 'draining';
    this.#clearTimer();
    // What is left after finalMessage / errorMessage (just `]` normally) is drained, not parsed.
    const left = this.#inboxBytes;
    this.#releaseInbox();
    if (this.#responseDone) {
      this.#phase = 'closed';
      this.#cleanup();
      return;
    }
    const timer = setTimeout(() => this.#giveUpDrain(), DRAIN_TIMEOUT_MS);
    timer.unref();
    this.#cleanups.push(() => clearTimeout(timer));
    this.#drain(left);
    // Last: resume() may deliver the rest of the body at once.
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- #drain() may have given up (phase 'closed'); TS keeps the narrowing across the call
    if (this.#phase === 'draining' && this.#flowPaused) {
      this.#flowPaused = false;
      this.#controller?.resume();
    }
  }

  #drain(bytes: number): void {
    this.#drainedBytes += bytes;
    if (this.#phase === 'draining' && this.#drainedBytes > MAX_DRAIN_BYTES) this.#giveUpDrain();
  }

  #giveUpDrain(): void {
    this.#phase = 'closed';
    this.#abortResponse(new Error('The /query body did not end after finalMessage'));
    this.#cleanup();
  }

  // ------------------------------------------------------------ endings

  /** Ends everything with `err`: pending `next()` and `header` reject, the request is aborted. */
  #fail(err: GatewayError): void {
    if (this.#phase === 'closed') return;
    const wasOpen = this.#phase === 'open';
    this.#phase = 'closed';
    this.#header.reject(err);
    if (wasOpen) this.#queue.fail(err);
    this.#abortResponse(err);
    this.#cleanup();
  }

  #abortResponse(reason: Error): void {
    this.#abortReason = reason;
    if (this.#responseDone) return;
    const controller = this.#controller;
    if (controller && !controller.aborted) controller.abort(reason);
  }

  #clearTimer(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #releaseInbox(): void {
    this.#inbox = [];
    this.#inboxBytes = 0;
    if (this.#nextTurn !== undefined) clearImmediate(this.#nextTurn);
    this.#nextTurn = undefined;
  }

  #cleanup(): void {
    this.#clearTimer();
    this.#releaseInbox();
    for (const c of this.#cleanups.splice(0)) c();
  }

  #abortError(signal: AbortSignal): KsqlAbortError {
    const { method, path } = this.#opts.request;
    return new KsqlAbortError(`${method} ${path} was aborted`, { method, path, cause: signal.reason });
  }

  /** A parser failure: an over-long line, or a malformed body. */
  #parseError(err: unknown): GatewayError {
    if (err instanceof LineTooLongError) {
      return this.#tooLarge('maxLineBytes', this.#maxLineBytes, `a /query line (one row) is longer than ${this.#maxLineBytes} bytes`, err);
    }
    return this.#protocolError('Malformed /query response body', err);
  }

  #tooLarge(limit: 'maxLineBytes' | 'maxBodyBytes', limitBytes: number, what: string, cause?: unknown): KsqlResponseTooLargeError {
    const { method, path } = this.#opts.request;
    return new KsqlResponseTooLargeError(`${method} ${path}: ${what} (${limit}); the request was aborted`, {
      method,
      path,
      httpStatus: this.#status,
      limit,
      limitBytes,
      cause,
    });
  }

  #protocolError(message: string, cause?: unknown): KsqlProtocolError {
    const { method, path } = this.#opts.request;
    return new KsqlProtocolError(`${method} ${path}: ${message}`, {
      method,
      path,
      httpStatus: this.#status,
      cause,
    });
  }
}

export function openQueryStream(options: StreamedQueryOptions): QueryStream {
  return new KsqlQueryStream(options);
}
