/**
 * A {@link QueryStream} whose real stream is chosen asynchronously: over
 * HTTP/2 `/query-stream` once the server is known to speak it, else over
 * HTTP/1.1 `/query`. `query()` must return at once, and the choice may
 * need a probe, so the events, `header` and `return()` are forwarded to the
 * stream once it exists.
 *
 * `return()` before then settles a pending `next()` with `done` at once and
 * closes the stream as soon as it is opened (its `finally`-style cleanup,
 * the caller's signal and the client's `close()` all still apply to it).
 *
 * @module
 */
import { deferred } from '../../shared/deferred.js';
import type { QueryEvent, QueryHeader, QueryStream } from './types.js';

const DONE: IteratorResult<QueryEvent> = { value: undefined, done: true };

export class FallbackQueryStream implements QueryStream {
  readonly header: Promise<QueryHeader>;
  readonly #inner: Promise<QueryStream>;
  readonly #returned = deferred<IteratorResult<QueryEvent>>();
  /** Settles with undefined on return(): made once, raced only while the stream opens. */
  readonly #returnedNothing: Promise<undefined> = this.#returned.promise.then(() => undefined);
  /** The stream, once open: next() goes straight to it. */
  #opened: QueryStream | undefined;
  #closed = false;

  constructor(open: () => Promise<QueryStream>) {
    this.#inner = open();
    this.header = this.#inner.then((s) => s.header);
    // Nobody has to await `header`: a rejection must not become unhandled.
    this.header.catch(() => {});
    void this.#inner.then(
      (s) => {
        this.#opened = s;
        if (this.#closed) void s.return();
      },
      () => {},
    );
  }

  next(): Promise<IteratorResult<QueryEvent>> {
    if (this.#closed) return Promise.resolve(DONE);
    // Once open, no race per row: each race left a reaction on the pending
    // return promise, one per row for as long as the query ran.
    if (this.#opened !== undefined) return this.#opened.next();
    return this.#nextWhenOpen();
  }

  async #nextWhenOpen(): Promise<IteratorResult<QueryEvent>> {
    const inner = await Promise.race([this.#inner, this.#returnedNothing]);
    if (inner === undefined || this.#closed) return DONE;
    return inner.next();
  }

  return(): Promise<IteratorResult<QueryEvent>> {
    if (!this.#closed) {
      this.#closed = true;
      this.#returned.resolve(DONE);
      // An opened stream closes now; one still opening closes when it opens (constructor), once either way.
      void this.#opened?.return();
    }
    return Promise.resolve(DONE);
  }

  throw(err?: unknown): Promise<IteratorResult<QueryEvent>> {
    void this.return();
    // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- the iterator protocol: throw(err) rejects with the caller's err, whatever it is
    return Promise.reject(err);
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}
