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
 *   ksqlDB (spec §5.3); `/close-query` is therefore not called.
 * - `finalMessage` yields a `final` event and ends the iterator; the rest of
 *   the body (just `]`) is drained for connection reuse, bounded in bytes and
 *   time. A body that ends without `finalMessage` is a normal end (table
 *   pulls have none).
 * - An `errorMessage` element rejects the iterator with a KsqlServerError
 *   (`inStream: true`, `httpStatus: 200`) after the events that preceded it.
 * - The timeout covers the wait for the header element; the body after it
 *   has none, unless `timeoutCoversBody` (used by `pullQuery`).
 *
 * @module
 */
import type { Dispatcher } from 'undici';
import {
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
  KsqlServerError,
  KsqlTimeoutError,
  KsqlTransportError,
  serverErrorFromObject,
  toKsqlClientError,
  type GatewayError,
} from './errors.js';
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

/** A batch of events and the body bytes they came from. */
interface Batch {
  readonly events: QueryEvent[];
  readonly bytes: number;
}

class KsqlQueryStream implements QueryStream {
  readonly header: Promise<QueryHeader>;
  readonly #header = deferred<QueryHeader>();
  readonly #queue: AsyncQueue<Batch>;
  readonly #parser = new StreamedRowParser();
  readonly #opts: StreamedQueryOptions;
  #controller: Dispatcher.DispatchController | undefined;
  #phase: Phase = 'open';
  /** The response completed or failed: nothing left to abort or resume. */
  #responseDone = false;
  #abortReason: Error | undefined;
  #status = 0;
  #sawHeader = false;
  #paused = false;
  #drainedBytes = 0;
  #batch: QueryEvent[] = [];
  /** Events in the queue (not counting the batch being consumed). */
  #queuedEvents = 0;
  /** Body bytes behind the queued events. */
  #queuedBytes = 0;
  /** Bytes received since the last batch (a row split across chunks). */
  #pendingBytes = 0;
  readonly #pauseAt: number;
  readonly #resumeAt: number;
  readonly #pauseAtBytes: number;
  readonly #resumeAtBytes: number;
  #index = 0;
  #chain: Promise<unknown> = Promise.resolve();
  #timer: NodeJS.Timeout | undefined;
  #cleanups: Array<() => void> = [];

  constructor(opts: StreamedQueryOptions) {
    this.#opts = opts;
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
      const result = await this.#queue.next();
      if (result.done) return { value: undefined, done: true };
      this.#batch = result.value.events;
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
      this.#drainedBytes += chunk.length;
      if (this.#drainedBytes > MAX_DRAIN_BYTES) this.#giveUpDrain();
      return;
    }
    this.#pendingBytes += chunk.length;
    let rows: StreamedRow[];
    try {
      rows = this.#parser.push(chunk);
    } catch (err) {
      this.#fail(this.#protocolError('Malformed /query response body', err));
      return;
    }
    this.#accept(rows);
  }

  #onEnd(): void {
    this.#responseDone = true;
    if (this.#phase === 'open') {
      let rows: StreamedRow[];
      try {
        rows = this.#parser.end();
      } catch (err) {
        this.#fail(this.#protocolError('Malformed /query response body', err));
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
    }
    this.#phase = 'closed';
    this.#cleanup();
  }

  #onError(err: unknown): void {
    this.#responseDone = true;
    if (this.#phase === 'open') {
      const { method, path, origin } = this.#opts.request;
      // After the header the query was running: the error says so (KSQL_CONNECTION_LOST upstairs).
      this.#fail(toKsqlClientError(err, { method, path, origin, callerSignal: this.#opts.signal, inStream: this.#sawHeader }));
      return;
    }
    this.#phase = 'closed';
    this.#cleanup();
  }

  /** Turns parsed elements into events; at most one batch per chunk. */
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
        const { method, path } = this.#opts.request;
        failure =
          serverErrorFromObject(row.errorMessage as unknown as JsonValue, { httpStatus: this.#status, inStream: true, method, path }) ??
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
      const { method, path } = this.#opts.request;
      this.#fail(
        new KsqlTransportError(`${method} ${path}: /query buffer overflow (the dispatcher ignored pause())`, {
          method,
          path,
        }),
      );
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
    } else if (
      (this.#queuedEvents >= this.#pauseAt || this.#queuedBytes >= this.#pauseAtBytes) &&
      !this.#paused &&
      !this.#responseDone
    ) {
      this.#paused = true;
      this.#controller?.pause();
    }
  }

  #maybeResume(): void {
    if (this.#paused && this.#queuedEvents <= this.#resumeAt && this.#queuedBytes <= this.#resumeAtBytes) {
      this.#paused = false;
      if (!this.#responseDone && this.#phase === 'open') this.#controller?.resume();
    }
  }

  #startDraining(): void {
    this.#phase = 'draining';
    this.#clearTimer();
    if (this.#paused) {
      this.#paused = false;
      if (!this.#responseDone) this.#controller?.resume();
    }
    if (this.#responseDone) {
      this.#phase = 'closed';
      this.#cleanup();
      return;
    }
    const timer = setTimeout(() => this.#giveUpDrain(), DRAIN_TIMEOUT_MS);
    timer.unref();
    this.#cleanups.push(() => clearTimeout(timer));
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

  #cleanup(): void {
    this.#clearTimer();
    for (const c of this.#cleanups.splice(0)) c();
  }

  #abortError(signal: AbortSignal): KsqlAbortError {
    const { method, path } = this.#opts.request;
    return new KsqlAbortError(`${method} ${path} was aborted`, { method, path, cause: signal.reason });
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
