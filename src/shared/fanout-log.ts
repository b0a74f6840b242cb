/**
 * One producer, many readers, each item stored once: an append-only log
 * bounded in bytes, where every reader is a cursor (an index into it).
 * Memory is the log's bytes, whatever the number of readers.
 *
 * The rules (docs/subscriptions.md):
 * - The head is dropped once every cursor has passed it.
 * - The producer asks {@link FanoutLog.hasRoom} (or awaits
 *   {@link FanoutLog.waitForRoom}) before appending. There is room while the
 *   log holds less than `maxBytes`, or while some cursor is waiting at the
 *   tail for the next item: a reader that keeps up is never held back by one
 *   that does not.
 * - An append that takes the log past `maxBytes` ends the cursors still at
 *   its head, oldest first, until it fits again: those readers are a whole
 *   `maxBytes` behind the tail while another keeps up. Their next `next()`
 *   rejects with the error `tooSlow()` makes; everyone else goes on.
 * - When every cursor is behind (none waits at the tail), nothing is ended:
 *   the producer waits, and backpressure reaches the source.
 *
 * A cursor that joins starts at the tail: it sees what is appended after it
 * joined. `end()` and `fail()` reach each cursor after the items it has not
 * read yet.
 *
 * @module
 */
import { deferred, rejected, type Deferred } from './deferred.js';

export interface FanoutLogOptions {
  /** Bytes the log may hold before the cursors at its head are ended. */
  readonly maxBytes: number;
  /** The error a too-slow cursor's `next()` rejects with. */
  readonly tooSlow: () => unknown;
  /** Called once per cursor ended as too slow (metrics, logs). */
  readonly onTooSlow?: (() => void) | undefined;
  /** Called once the last cursor has left (`return()`, or ended as too slow). */
  readonly onIdle?: (() => void) | undefined;
}

interface Slot<T> {
  readonly item: T;
  readonly bytes: number;
}

type Ending = { readonly error: unknown } | { readonly error?: undefined };

export class FanoutLog<T> {
  readonly maxBytes: number;
  readonly #opts: FanoutLogOptions;
  #slots: Slot<T>[] = [];
  /** Absolute index of `#slots[0]`. */
  #base = 0;
  #bytes = 0;
  #cursors = new Set<LogCursor<T>>();
  /**
   * How many cursors are at each absolute position (positions with none are
   * absent): the head can be trimmed without visiting every cursor on every
   * read, which made a read O(readers) and a row O(readers²).
   */
  #at = new Map<number, number>();
  /** Cursors waiting at the tail for the next item. */
  #waiting = 0;
  #roomWaiters: Array<() => void> = [];
  #ending: Ending | undefined;

  constructor(options: FanoutLogOptions) {
    if (!(options.maxBytes >= 1)) throw new RangeError(`maxBytes must be >= 1, got ${options.maxBytes}`);
    this.maxBytes = options.maxBytes;
    this.#opts = options;
  }

  /** Bytes held now. */
  get bytes(): number {
    return this.#bytes;
  }

  /** Readers now. */
  get size(): number {
    return this.#cursors.size;
  }

  /** Absolute index the next item gets. */
  get tail(): number {
    return this.#base + this.#slots.length;
  }

  get ended(): boolean {
    return this.#ending !== undefined;
  }

  /** True while an append would not have to wait (see the module rules). */
  hasRoom(): boolean {
    return this.#bytes < this.maxBytes || this.#waiting > 0 || this.#cursors.size === 0;
  }

  /** Resolves once {@link hasRoom} is true, or the log has ended. */
  waitForRoom(): Promise<void> {
    if (this.hasRoom() || this.#ending) return Promise.resolve();
    return new Promise((resolve) => this.#roomWaiters.push(resolve));
  }

  /** A new reader, starting at the tail. */
  cursor(): LogCursor<T> {
    const cursor = new LogCursor<T>(this, this.tail);
    this.#cursors.add(cursor);
    this.#count(cursor.position, 1);
    return cursor;
  }

  /** Appends one item of `bytes` bytes (an estimate is fine; at least 1 is counted). */
  append(item: T, bytes: number): void {
    if (this.#ending) return;
    if (this.#cursors.size === 0) return; // nobody to read it
    const size = Math.max(1, bytes);
    this.#slots.push({ item, bytes: size });
    this.#bytes += size;
    for (const cursor of this.#cursors) cursor.wake();
    this.#evictSlow();
  }

  /** The source ended: each cursor completes after what it has not read. */
  end(): void {
    this.#finish({});
  }

  /** The source failed: each cursor rejects with `error` after what it has not read. */
  fail(error: unknown): void {
    this.#finish({ error });
  }

  // ---------------------------------------------------------------- cursors' side

  /** @internal */ itemAt(index: number): T | undefined {
    return this.#slots[index - this.#base]?.item;
  }

  /** @internal */ ending(): Ending | undefined {
    return this.#ending;
  }

  /** @internal */ waiting(delta: 1 | -1): void {
    this.#waiting += delta;
    if (delta === 1) this.#releaseRoom();
  }

  /** @internal a cursor moved from `from` to `from + 1`. */ advanced(from: number): void {
    this.#count(from, -1);
    this.#count(from + 1, 1);
    if (from === this.#base) this.#trim();
  }

  /** @internal */ left(cursor: LogCursor<T>): void {
    if (!this.#cursors.delete(cursor)) return;
    this.#count(cursor.position, -1);
    this.#trim();
    if (this.#cursors.size === 0) {
      // Nothing left to read it: drop everything and let the producer run (or stop).
      this.#slots = [];
      this.#base = this.tail;
      this.#bytes = 0;
      this.#releaseRoom();
      this.#opts.onIdle?.();
    }
  }

  #finish(ending: Ending): void {
    if (this.#ending) return;
    this.#ending = ending;
    this.#releaseRoom();
    for (const cursor of [...this.#cursors]) cursor.wake();
  }

  #count(position: number, delta: 1 | -1): void {
    const n = (this.#at.get(position) ?? 0) + delta;
    if (n > 0) this.#at.set(position, n);
    else this.#at.delete(position);
  }

  /** Drops the head slots every cursor has passed. */
  #trim(): void {
    // The slowest cursor is at the first position, from the head on, that has one.
    const tail = this.tail;
    let min = this.#base;
    while (min < tail && !this.#at.has(min)) min++;
    const drop = min - this.#base;
    if (drop <= 0) return;
    for (let i = 0; i < drop; i++) this.#bytes -= (this.#slots[i] as Slot<T>).bytes;
    this.#slots.splice(0, drop);
    this.#base += drop;
    this.#releaseRoom();
  }

  /**
   * Past maxBytes: the cursors at the head are the slowest. They end when
   * some cursor is ahead of them; when none is, nobody ends (the producer
   * waits for room instead).
   */
  #evictSlow(): void {
    while (this.#bytes > this.maxBytes) {
      const head = this.#base;
      const atHead = [...this.#cursors].filter((cursor) => cursor.position === head);
      if (atHead.length === 0) {
        this.#trim();
        if (this.#base === head) return;
        continue;
      }
      if (atHead.length === this.#cursors.size) return;
      for (const cursor of atHead) {
        cursor.tooSlow(this.#opts.tooSlow());
        this.#opts.onTooSlow?.();
      }
    }
  }

  #releaseRoom(): void {
    if (this.#roomWaiters.length === 0 || !(this.hasRoom() || this.#ending)) return;
    const waiters = this.#roomWaiters;
    this.#roomWaiters = [];
    for (const resolve of waiters) resolve();
  }
}

/** One reader of a {@link FanoutLog}: an async iterator over the items appended after it joined. */
export class LogCursor<T> implements AsyncIterableIterator<T> {
  readonly #log: FanoutLog<T>;
  #position: number;
  #waiter: Deferred<IteratorResult<T>> | undefined;
  #done = false;
  #error: { readonly error: unknown } | undefined;

  constructor(log: FanoutLog<T>, position: number) {
    this.#log = log;
    this.#position = position;
  }

  /** Absolute index of the next item this cursor reads. */
  get position(): number {
    return this.#position;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<T>> {
    const read = this.#read();
    if (read === 'wait') {
      if (this.#waiter) return this.#waiter.promise; // a second concurrent next() shares the wait
      this.#waiter = deferred();
      this.#log.waiting(1);
      return this.#waiter.promise;
    }
    return 'error' in read ? rejected(read.error) : Promise.resolve(read);
  }

  return(): Promise<IteratorResult<T>> {
    this.#leave();
    return Promise.resolve({ value: undefined, done: true });
  }

  /** @internal an item was appended, or the log ended. */
  wake(): void {
    // Detached first: reading the end leaves the log, which settles a waiter still attached.
    const waiter = this.#detachWaiter();
    if (!waiter) return;
    const read = this.#read();
    if (read === 'wait') {
      this.#waiter = waiter;
      this.#log.waiting(1);
      return;
    }
    if ('error' in read) waiter.reject(read.error);
    else waiter.resolve(read);
  }

  /** @internal ended by the log: a whole log behind the tail. */
  tooSlow(error: unknown): void {
    const waiter = this.#detachWaiter();
    this.#leave();
    if (waiter) waiter.reject(error);
    else this.#error = { error };
  }

  /** The next item, the end, an error to report once, or 'wait'. */
  #read(): IteratorResult<T> | { readonly error: unknown } | 'wait' {
    if (this.#error) {
      const error = this.#error;
      this.#error = undefined;
      return error;
    }
    if (this.#done) return { value: undefined, done: true };
    if (this.#position < this.#log.tail) {
      const item = this.#log.itemAt(this.#position) as T;
      this.#position++;
      this.#log.advanced(this.#position - 1);
      return { value: item, done: false };
    }
    const ending = this.#log.ending();
    if (!ending) return 'wait';
    this.#leave();
    return ending.error === undefined ? { value: undefined, done: true } : { error: ending.error };
  }

  #detachWaiter(): Deferred<IteratorResult<T>> | undefined {
    const waiter = this.#waiter;
    if (waiter) {
      this.#waiter = undefined;
      this.#log.waiting(-1);
    }
    return waiter;
  }

  #leave(): void {
    if (this.#done) return;
    this.#done = true;
    this.#detachWaiter()?.resolve({ value: undefined, done: true });
    this.#log.left(this);
  }
}
