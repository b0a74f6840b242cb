/**
 * A bounded single-consumer queue that bridges push-style producers (engine
 * operators, HTTP chunk callbacks, fan-out) to an `AsyncIterableIterator`.
 *
 * Producers call `push()`; it returns `false` when the buffer is full so the
 * producer can apply backpressure (pause a socket) or its own overflow policy.
 * `waitForSpace()` resolves once the consumer has drained below capacity.
 * The consumer ends the queue early with the iterator's `return()`, which
 * runs `onReturn` exactly once (cleanup in one place).
 *
 * @module
 */
import { deferred, rejected, type Deferred } from './deferred.js';

export interface AsyncQueueOptions {
  /**
   * Items held before `push()` reports full.
   * @default 1024 (items)
   */
  readonly capacity?: number | undefined;
  /** Runs once when the queue ends for any reason (consumer return, end, fail). */
  readonly onClose?: (() => void) | undefined;
}

export class AsyncQueue<T> implements AsyncIterableIterator<T> {
  readonly capacity: number;
  #items: T[] = [];
  #head = 0;
  #waiter: Deferred<IteratorResult<T>> | undefined;
  #spaceWaiters: Array<() => void> = [];
  #ended = false;
  #error: { err: unknown } | undefined;
  #onClose: (() => void) | undefined;

  constructor({ capacity = 1024, onClose }: AsyncQueueOptions = {}) {
    if (!(capacity >= 1)) throw new RangeError(`capacity must be >= 1, got ${capacity}`);
    this.capacity = capacity;
    this.#onClose = onClose;
  }

  get size(): number {
    return this.#items.length - this.#head;
  }

  get closed(): boolean {
    return this.#ended;
  }

  /** Enqueue; returns false when the queue is full or closed (item dropped). */
  push(item: T): boolean {
    if (this.#ended) return false;
    const waiter = this.#waiter;
    if (waiter) {
      this.#waiter = undefined;
      waiter.resolve({ value: item, done: false });
      return true;
    }
    if (this.size >= this.capacity) return false;
    this.#items.push(item);
    return true;
  }

  /** Resolves when there is room (or the queue closed). */
  waitForSpace(): Promise<void> {
    if (this.#ended || this.size < this.capacity) return Promise.resolve();
    return new Promise((resolve) => this.#spaceWaiters.push(resolve));
  }

  /** No more items: the consumer drains what is buffered, then completes. */
  end(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#settleWaiter();
    this.#close();
  }

  /** Fail: the consumer drains what is buffered, then the iterator throws. */
  fail(err: unknown): void {
    if (this.#ended) return;
    this.#error = { err };
    this.end();
  }

  next(): Promise<IteratorResult<T>> {
    if (this.size > 0) {
      const value = this.#items[this.#head] as T;
      this.#items[this.#head] = undefined as T;
      this.#head++;
      if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
        this.#items = this.#items.slice(this.#head);
        this.#head = 0;
      }
      this.#releaseSpace();
      return Promise.resolve({ value, done: false });
    }
    if (this.#ended) return this.#finish();
    if (this.#waiter) return Promise.reject(new Error('AsyncQueue supports a single consumer'));
    this.#waiter = deferred();
    return this.#waiter.promise;
  }

  return(): Promise<IteratorResult<T>> {
    this.#items = [];
    this.#head = 0;
    this.#error = undefined;
    this.end();
    return Promise.resolve({ value: undefined, done: true });
  }

  throw(err?: unknown): Promise<IteratorResult<T>> {
    this.#items = [];
    this.#head = 0;
    this.end();
    return rejected(err);
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    return this;
  }

  #finish(): Promise<IteratorResult<T>> {
    const error = this.#error;
    if (error) {
      this.#error = undefined;
      return rejected(error.err);
    }
    return Promise.resolve({ value: undefined, done: true });
  }

  #settleWaiter(): void {
    const waiter = this.#waiter;
    if (!waiter) return;
    this.#waiter = undefined;
    waiter.resolve(this.#finish());
  }

  #releaseSpace(): void {
    if (this.#spaceWaiters.length === 0 || this.size >= this.capacity) return;
    for (const w of this.#spaceWaiters.splice(0)) w();
  }

  #close(): void {
    for (const w of this.#spaceWaiters.splice(0)) w();
    const onClose = this.#onClose;
    this.#onClose = undefined;
    onClose?.();
  }
}
