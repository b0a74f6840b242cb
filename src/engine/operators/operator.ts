/**
 * The push-operator contract: synchronous, one item at a time, no
 * backpressure inside (the runtime's queue is the only place that waits).
 *
 * @module
 */
import type { FunctionRegistry } from '../functions/index.js';
import type { Value } from '../types/index.js';
import type { StateScope } from './state-store.js';

/** A row between operators, with the record metadata it came from. */
export interface Row {
  readonly values: readonly Value[];
  /** ROWTIME. */
  readonly timestamp: number;
  readonly partition: number;
  readonly offset: number;
  /** A table changelog delete (the record value was null); value columns are NULL. */
  readonly tombstone?: boolean | undefined;
  /** The window of a windowed key. */
  readonly window?: RowWindow | undefined;
}

export interface RowWindow {
  readonly start: number;
  readonly end: number;
}

export interface Downstream<T> {
  push(item: T): void;
}

/** Hooks every operator may use. */
export interface OperatorContext {
  readonly functions: FunctionRegistry;
  /** A record or value was skipped because of an error (ksqlDB's processing log). */
  readonly onError?: ((err: unknown) => void) | undefined;
  /** Where stateful operators keep their state. @default in memory, for the query's life */
  readonly state?: StateScope | undefined;
}
