/**
 * One iterator for every plugin that watches a subscription's stream.
 *
 * Subscription caps, metrics, the operation log and error translation each
 * need to see a subscriber's steps and learn how its stream ended. Each used
 * to wrap the stream in an iterator of its own, so every event of every
 * subscriber passed through four of them, and a subscriber waiting for its
 * next event held four pending promises (with 10,000 subscribers those
 * chains outlive the young generation and are promoted, which is most of
 * the fan-out's peak RSS). {@link observe} wraps a stream once and lets the
 * next plugin add its observer to the same wrapper.
 *
 * Observers run in the order they were added, which is the order of the
 * nested wrappers they replace (the first added is the innermost): a step
 * an observer replaces is what the later ones see, and a rejection an
 * observer turns into a last step is seen as that step by the later ones
 * only, then as the end of the stream.
 *
 * @module
 */

export interface StreamObserver<T> {
  /** A step (the done one included), as the observers before this one left it; a returned step replaces it. */
  readonly step?: ((step: IteratorResult<T>) => IteratorResult<T> | undefined) | undefined;
  /**
   * The source's `next()` rejected. Returning a step delivers it instead (the
   * observers after this one see it as a step) and ends the stream after it;
   * returning nothing lets the rejection through.
   */
  readonly error?: ((error: unknown) => IteratorResult<T> | undefined) | undefined;
  /** `return()` or `throw()` was called: before the source is returned. */
  readonly closing?: (() => void) | undefined;
  /** After `return()` or `throw()` reached the source, however that went. */
  readonly closed?: (() => void) | undefined;
}

const DONE: IteratorResult<never> = Object.freeze({ value: undefined, done: true }) as IteratorResult<never>;

class ObservedStream<T> implements AsyncIterableIterator<T> {
  readonly #source: AsyncIterator<T>;
  readonly observers: StreamObserver<T>[] = [];
  /** Set when an observer turned a rejection into a last step: the observers after it still get the end. */
  #endAfter: number | undefined;
  #done = false;

  constructor(source: AsyncIterable<T>) {
    this.#source = source[Symbol.asyncIterator]();
  }

  next(): Promise<IteratorResult<T>> {
    if (this.#endAfter !== undefined) {
      const from = this.#endAfter + 1;
      this.#endAfter = undefined;
      this.#done = true;
      return Promise.resolve(this.#pass(DONE, from));
    }
    if (this.#done) return Promise.resolve(DONE);
    // Handlers made once (below), not per event.
    return this.#source.next().then(this.#onStep, this.#onError);
  }

  #pass(step: IteratorResult<T>, from: number): IteratorResult<T> {
    let current = step;
    for (let i = from; i < this.observers.length; i++) {
      current = this.observers[i]?.step?.(current) ?? current;
    }
    return current;
  }

  readonly #onStep = (step: IteratorResult<T>): IteratorResult<T> => {
    let out: IteratorResult<T>;
    try {
      out = this.#pass(step, 0);
    } catch (error) {
      // An observer that throws fails the stream as its source would (error
      // translation then masks what it says, which nothing outside this
      // wrapper would do), and the source, which did not fail, is returned.
      if (!step.done) this.#source.return?.().catch(() => undefined);
      return this.#onError(error);
    }
    if (out.done) this.#done = true;
    return out;
  };

  readonly #onError = (error: unknown): IteratorResult<T> => {
    for (let i = 0; i < this.observers.length; i++) {
      const instead = this.observers[i]?.error?.(error);
      if (instead !== undefined) {
        if (instead.done) this.#done = true;
        else this.#endAfter = i;
        return this.#pass(instead, i + 1);
      }
    }
    this.#done = true;
    throw error;
  };

  async #close(reach: () => Promise<IteratorResult<T>>): Promise<IteratorResult<T>> {
    this.#done = true;
    this.#endAfter = undefined;
    for (const observer of this.observers) observer.closing?.();
    try {
      return await reach();
    } finally {
      for (const observer of this.observers) observer.closed?.();
    }
  }

  return(value?: unknown): Promise<IteratorResult<T>> {
    return this.#close(async () => (await this.#source.return?.(value)) ?? DONE);
  }

  throw(error?: unknown): Promise<IteratorResult<T>> {
    return this.#close(async () => {
      if (this.#source.throw) return this.#source.throw(error);
      throw error;
    });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}

/**
 * `source` with `observer` watching it: the same wrapper when `source` is
 * already one made here (the observer is added after the others), else a
 * new one.
 */
export function observe<T>(source: AsyncIterable<T>, observer: StreamObserver<T>): AsyncIterableIterator<T> {
  const stream = source instanceof ObservedStream ? (source as ObservedStream<T>) : new ObservedStream(source);
  stream.observers.push(observer);
  return stream;
}
