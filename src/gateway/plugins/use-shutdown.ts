/**
 * Draining on shutdown (SIGTERM): once {@link Shutdown.begin} is called,
 *
 * - new operations and subscriptions are refused with `SHUTTING_DOWN`
 *   (retryable: the client reconnects, to another instance behind the load
 *   balancer, which readiness has already told to stop sending traffic);
 * - every running subscription, whatever its kind (push query, typed,
 *   `schemaChanged`), gets one last event `{ errors: [SHUTTING_DOWN] }` and
 *   completes, and its source is returned, so upstream push queries close.
 *
 * Subscription streams are wrapped where they are created, so the same
 * happens over graphql-ws and SSE.
 *
 * @module
 */
import type { ExecutionResult } from 'graphql';
import { isAsyncIterable, type Plugin } from 'graphql-yoga';
import { gatewayClosing } from '../errors/index.js';

export interface Shutdown {
  readonly plugin: Plugin;
  /** True once {@link begin} was called. */
  readonly draining: boolean;
  /** Subscriptions running now. */
  readonly running: number;
  /**
   * Refuses new operations, ends every running subscription with
   * `SHUTTING_DOWN`, and resolves once each has delivered that event and
   * returned its source (or after `timeoutMs`).
   */
  begin(timeoutMs: number): Promise<void>;
}

type Result = ExecutionResult;

/** The next() that waits for its source's step. */
interface Pending {
  readonly promise: Promise<IteratorResult<Result>>;
  readonly settle: { resolve(step: IteratorResult<Result>): void; reject(error: unknown): void };
}

/**
 * A subscription's stream that can be ended from outside: `interrupt()`
 * makes the pending (or next) `next()` deliver `last`, then done, and returns
 * the source at once.
 */
class Interruptible implements AsyncIterableIterator<Result> {
  readonly #source: AsyncIterator<Result>;
  readonly #onEnd: () => void;
  #interrupted: Result | undefined;
  #pending: Pending | undefined;
  #done = false;
  #ended = false;
  readonly returned: Promise<void>;
  #resolveReturned!: () => void;

  constructor(source: AsyncIterable<Result>, onEnd: () => void) {
    this.#source = source[Symbol.asyncIterator]();
    this.#onEnd = onEnd;
    this.returned = new Promise((resolve) => (this.#resolveReturned = resolve));
  }

  #end(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#onEnd();
  }

  next(): Promise<IteratorResult<Result>> {
    if (this.#done) return Promise.resolve({ value: undefined, done: true });
    if (this.#interrupted !== undefined) return Promise.resolve(this.#deliverLast());
    const before = this.#pending;
    // A second next() while one waits: after it, in order (transports never do this).
    if (before !== undefined) return before.promise.then(() => this.next(), () => this.next());
    let settle!: Pending['settle'];
    const promise = new Promise<IteratorResult<Result>>((resolve, reject) => (settle = { resolve, reject }));
    this.#pending = { promise, settle };
    // No Promise.race and no handlers made per event: every waiting
    // subscriber holds this state, so it is kept small. interrupt() settles
    // the pending step itself.
    this.#source.next().then(this.#onStep, this.#onError);
    return promise;
  }

  /** Takes the waiting next() (undefined when interrupt() already settled it). */
  #take(): Pending['settle'] | undefined {
    const pending = this.#pending;
    this.#pending = undefined;
    return pending?.settle;
  }

  readonly #onStep = (step: IteratorResult<Result>): void => {
    const settle = this.#take();
    if (settle === undefined) return;
    if (this.#interrupted !== undefined) return settle.resolve(this.#deliverLast());
    if (step.done) {
      this.#done = true;
      this.#end();
      this.#resolveReturned();
    }
    settle.resolve(step);
  };

  readonly #onError = (error: unknown): void => {
    const settle = this.#take();
    if (settle === undefined) return;
    if (this.#interrupted !== undefined) return settle.resolve(this.#deliverLast());
    this.#done = true;
    this.#end();
    this.#resolveReturned();
    settle.reject(error);
  };

  #deliverLast(): IteratorResult<Result> {
    const last = this.#interrupted as Result;
    this.#interrupted = undefined;
    this.#done = true;
    return { value: last, done: false };
  }

  async return(): Promise<IteratorResult<Result>> {
    this.#done = true;
    try {
      await this.#source.return?.();
    } finally {
      this.#end();
      this.#resolveReturned();
    }
    return { value: undefined, done: true };
  }

  async throw(error?: unknown): Promise<IteratorResult<Result>> {
    this.#done = true;
    try {
      if (this.#source.throw) return await this.#source.throw(error);
      throw error;
    } finally {
      this.#end();
      this.#resolveReturned();
    }
  }

  /** Ends the stream with `last`; its source is returned at once. */
  interrupt(last: Result): void {
    if (this.#done || this.#interrupted !== undefined) return;
    this.#interrupted = last;
    this.#take()?.resolve(this.#deliverLast());
    void Promise.resolve(this.#source.return?.())
      .catch(() => {})
      .finally(() => {
        this.#end();
        this.#resolveReturned();
      });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}

export function createShutdown(): Shutdown {
  let draining = false;
  const streams = new Set<Interruptible>();
  const refused = (): Result => ({ errors: [gatewayClosing()] });

  return {
    get draining() {
      return draining;
    },
    get running() {
      return streams.size;
    },
    async begin(timeoutMs) {
      draining = true;
      const ending = [...streams];
      for (const stream of ending) stream.interrupt(refused());
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.allSettled(ending.map((s) => s.returned)),
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, timeoutMs);
          timer.unref();
        }),
      ]);
      clearTimeout(timer);
    },
    plugin: {
      onExecute({ setResultAndStopExecution }) {
        if (draining) setResultAndStopExecution(refused());
      },
      onSubscribe({ subscribeFn, setSubscribeFn, setResultAndStopExecution }) {
        if (draining) {
          setResultAndStopExecution(refused());
          return;
        }
        setSubscribeFn(async (args) => {
          const result: unknown = await subscribeFn(args); // envelop types it any
          if (!isAsyncIterable(result)) return result;
          if (draining) {
            await (result as AsyncIterableIterator<Result>).return?.();
            return refused();
          }
          const stream = new Interruptible(result as AsyncIterable<Result>, () => streams.delete(stream));
          streams.add(stream);
          return stream;
        });
      },
    },
  };
}
