/**
 * Batches an event stream for the `...Batches` subscription fields: GraphQL
 * over WebSocket and SSE carry one result per message, so a fast stream of
 * rows costs one frame, one execution of the selection set and one
 * serialisation per row. A batch is sent when it holds `maxRows` rows, or
 * `maxDelayMs` after its first row, whichever comes first.
 *
 * - Backpressure is the source's: the next item is pulled only when the
 *   consumer asks for the next batch and the current one is not full, so a
 *   slow client slows the source exactly as without batching.
 * - An item marked `alone` (the query header) is sent by itself, after the
 *   rows read before it.
 * - The partial batch is flushed before the end, and before an error: rows
 *   already read are never dropped.
 * - `return()` reaches the source at once, also while a `next()` of the
 *   source is pending (the sources here answer `return()` without waiting for
 *   their next row), and no timer outlives the iterator.
 *
 * @module
 */
import { badUserInput } from '../errors/index.js';

/** `maxRows` when the operation gives none. */
export const DEFAULT_BATCH_MAX_ROWS = 500;
/** `maxDelayMs` when the operation gives none. */
export const DEFAULT_BATCH_MAX_DELAY_MS = 50;
/** The largest `maxRows` an operation may ask for: one batch is one GraphQL result held in memory. */
export const BATCH_MAX_ROWS_LIMIT = 10_000;
/** The largest `maxDelayMs` an operation may ask for. */
export const BATCH_MAX_DELAY_MS_LIMIT = 60_000;
/**
 * Bytes of row values one batch of the fields may hold (by
 * {@link approximateJsonBytes}), whatever `maxRows`: with large rows a batch
 * is cut earlier, so one message stays a few MiB.
 */
export const BATCH_MAX_BYTES = 4 * 1024 * 1024;

export interface BatchEventsOptions<T> {
  /**
   * Rows per batch at most; a full batch is sent at once.
   * @default 500
   */
  readonly maxRows?: number | undefined;
  /**
   * Milliseconds a batch waits after its first row before it is sent, full or not.
   * `0` sends what has arrived by the next timer turn.
   * @default 50
   */
  readonly maxDelayMs?: number | undefined;
  /**
   * Bytes per batch at most, as counted by `sizeOf`; a batch that reaches it
   * is sent at once (it may pass it by its last row).
   * @default Infinity (only `maxRows` bounds a batch)
   */
  readonly maxBytes?: number | undefined;
  /**
   * The size of one item in bytes, for `maxBytes`.
   * @default () => 0
   */
  readonly sizeOf?: ((item: T) => number) | undefined;
  /**
   * Items sent by themselves, never inside a batch (the query header).
   * @default () => false
   */
  readonly alone?: ((item: T) => boolean) | undefined;
}

/** One event of a batched stream. */
export type BatchEvent<T> =
  | { readonly kind: 'alone'; readonly item: T }
  | { readonly kind: 'batch'; readonly items: readonly T[] };

/** A source step, settled without rejecting so that a step left pending at `return()` is never unhandled. */
type Step<T> = { readonly result: IteratorResult<T> } | { readonly error: unknown };

const WOKEN = Symbol('woken');

class BatchIterator<T> implements AsyncIterableIterator<BatchEvent<T>> {
  readonly #source: AsyncIterator<T>;
  readonly #maxRows: number;
  readonly #maxDelayMs: number;
  readonly #maxBytes: number;
  readonly #sizeOf: (item: T) => number;
  readonly #alone: (item: T) => boolean;

  #batch: T[] = [];
  #bytes = 0;
  /** An `alone` item read while a batch was open: sent right after that batch. */
  #held: { readonly item: T } | undefined;
  /** The source's pending `next()`: kept when a batch leaves on its timer, so no row is pulled twice or lost. */
  #pending: Promise<Step<T>> | undefined;
  /** How the source ended, delivered after the batch it ended. */
  #ending: { readonly error: unknown } | { readonly error?: undefined } | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  /** The open batch's delay has passed: send it on the next occasion. */
  #due = false;
  #closed = false;
  /**
   * Wakes the `next()` waiting for the source (timer, `return()`). One
   * promise per wait: racing one long-lived promise would pile up a reaction
   * per row on it.
   */
  #wake: (() => void) | undefined;

  constructor(source: AsyncIterator<T>, options: BatchEventsOptions<T>) {
    const {
      maxRows = DEFAULT_BATCH_MAX_ROWS,
      maxDelayMs = DEFAULT_BATCH_MAX_DELAY_MS,
      maxBytes = Infinity,
      sizeOf = () => 0,
      alone = () => false,
    } = options;
    if (!(Number.isInteger(maxRows) && maxRows >= 1)) throw new RangeError(`maxRows must be an integer >= 1, got ${maxRows}`);
    if (!(maxDelayMs >= 0 && maxDelayMs <= BATCH_MAX_DELAY_MS_LIMIT)) {
      throw new RangeError(`maxDelayMs must be within 0..${BATCH_MAX_DELAY_MS_LIMIT}, got ${maxDelayMs}`);
    }
    if (!(maxBytes >= 1)) throw new RangeError(`maxBytes must be >= 1, got ${maxBytes}`);
    this.#source = source;
    this.#maxRows = maxRows;
    this.#maxDelayMs = maxDelayMs;
    this.#maxBytes = maxBytes;
    this.#sizeOf = sizeOf;
    this.#alone = alone;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  async next(): Promise<IteratorResult<BatchEvent<T>>> {
    if (this.#closed) return { value: undefined, done: true };
    if (this.#held !== undefined) {
      const { item } = this.#held;
      this.#held = undefined;
      return { value: { kind: 'alone', item }, done: false };
    }
    if (this.#ending !== undefined) {
      const ending = this.#ending;
      this.#close();
      if ('error' in ending && ending.error !== undefined) {
        const error: unknown = ending.error; // what the source threw, as it was
        throw error;
      }
      return { value: undefined, done: true };
    }
    for (;;) {
      if (this.#due || this.#batch.length >= this.#maxRows || this.#bytes >= this.#maxBytes) return this.#flush();
      this.#pending ??= this.#source.next().then(
        (result) => ({ result }),
        (error: unknown) => ({ error }),
      );
      const woken = new Promise<typeof WOKEN>((resolve) => {
        this.#wake = () => resolve(WOKEN);
      });
      let step: Step<T> | typeof WOKEN;
      try {
        step = await Promise.race([this.#pending, woken]);
      } finally {
        this.#wake = undefined;
      }
      // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- return() may run while the race is awaited; TS keeps the narrowing across await
      if (this.#closed) return { value: undefined, done: true };
      if (step === WOKEN) continue; // the timer: #due is set
      this.#pending = undefined;
      if ('error' in step) {
        if (this.#batch.length === 0) {
          this.#close();
          throw step.error;
        }
        this.#ending = { error: step.error };
        return this.#flush();
      }
      if (step.result.done) {
        if (this.#batch.length === 0) {
          this.#close();
          return { value: undefined, done: true };
        }
        this.#ending = {};
        return this.#flush();
      }
      const item = step.result.value;
      if (this.#alone(item)) {
        if (this.#batch.length === 0) return { value: { kind: 'alone', item }, done: false };
        this.#held = { item };
        return this.#flush();
      }
      this.#batch.push(item);
      this.#bytes += this.#sizeOf(item);
      if (this.#batch.length === 1) this.#startTimer();
    }
  }

  async return(): Promise<IteratorResult<BatchEvent<T>>> {
    const wasClosed = this.#closed;
    this.#close();
    if (!wasClosed) await this.#source.return?.();
    return { value: undefined, done: true };
  }

  async throw(error?: unknown): Promise<IteratorResult<BatchEvent<T>>> {
    await this.return();
    throw error;
  }

  #flush(): IteratorResult<BatchEvent<T>> {
    this.#stopTimer();
    const items = this.#batch;
    this.#batch = [];
    this.#bytes = 0;
    return { value: { kind: 'batch', items }, done: false };
  }

  #startTimer(): void {
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#due = true;
      this.#wake?.();
    }, this.#maxDelayMs);
  }

  #stopTimer(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#due = false;
  }

  /** Idempotent: drops the open batch and the timer, and wakes a pending `next()`. */
  #close(): void {
    this.#closed = true;
    this.#stopTimer();
    this.#batch = [];
    this.#bytes = 0;
    this.#held = undefined;
    this.#wake?.();
  }
}

/**
 * Wraps `source` so that its items arrive in batches (see the module comment).
 *
 * @example
 * for await (const event of batchEvents(rows, { maxRows: 100, maxDelayMs: 20 })) {
 *   if (event.kind === 'batch') send(event.items);
 * }
 */
export function batchEvents<T>(source: AsyncIterator<T>, options: BatchEventsOptions<T> = {}): AsyncIterableIterator<BatchEvent<T>> {
  return new BatchIterator(source, options);
}

/**
 * About the length of `value` written as JSON, in bytes (strings counted in
 * UTF-16 units, numbers as 8): cheap enough to run on every row, close
 * enough to bound a batch. Objects with a `text` (JsonNumber) count it.
 */
export function approximateJsonBytes(value: unknown): number {
  switch (typeof value) {
    case 'string':
      return value.length + 2;
    case 'number':
    case 'bigint':
      return 8;
    case 'boolean':
      return 5;
    case 'object': {
      if (value === null) return 4;
      if (Array.isArray(value)) {
        let n = 2;
        for (const item of value) n += approximateJsonBytes(item) + 1;
        return n;
      }
      const text = (value as { text?: unknown }).text;
      if (typeof text === 'string') return text.length;
      let n = 2;
      for (const key in value) {
        if (Object.prototype.hasOwnProperty.call(value, key)) {
          n += key.length + 4 + approximateJsonBytes((value as Record<string, unknown>)[key]);
        }
      }
      return n;
    }
    default:
      return 0;
  }
}

/**
 * The `maxRows` and `maxDelayMs` arguments of a `...Batches` field, checked
 * (`BAD_USER_INPUT`) and defaulted.
 */
export function batchArguments(args: { readonly maxRows?: unknown; readonly maxDelayMs?: unknown }): {
  readonly maxRows: number;
  readonly maxDelayMs: number;
} {
  const { maxRows = DEFAULT_BATCH_MAX_ROWS, maxDelayMs = DEFAULT_BATCH_MAX_DELAY_MS } = args;
  const inRange = (value: unknown, min: number, max: number, name: string): number => {
    if (value === null) return name === 'maxRows' ? DEFAULT_BATCH_MAX_ROWS : DEFAULT_BATCH_MAX_DELAY_MS;
    if (typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max) return value;
    // eslint-disable-next-line @typescript-eslint/no-base-to-string -- any argument value, shown as String() shows it; TS narrowed unknown to {}
    throw badUserInput(`Argument "${name}" must be an integer from ${min} to ${max}, got ${String(value)}.`, name);
  };
  return {
    maxRows: inRange(maxRows, 1, BATCH_MAX_ROWS_LIMIT, 'maxRows'),
    maxDelayMs: inRange(maxDelayMs, 0, BATCH_MAX_DELAY_MS_LIMIT, 'maxDelayMs'),
  };
}
