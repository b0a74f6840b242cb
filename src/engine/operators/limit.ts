/**
 * Limit operator: passes the first `limit` rows, then reports completion once.
 *
 * @module
 */
import type { Downstream, Row } from './operator.js';

class LimitOperator implements Downstream<Row> {
  readonly #limit: number;
  readonly #downstream: Downstream<Row>;
  readonly #onLimit: () => void;
  #count = 0;

  constructor(limit: number, downstream: Downstream<Row>, onLimit: () => void) {
    if (!(Number.isInteger(limit) && limit >= 0)) throw new Error(`Invariant violated: LIMIT ${limit}`);
    this.#limit = limit;
    this.#downstream = downstream;
    this.#onLimit = onLimit;
  }

  /** True once the limit is reached. */
  get done(): boolean {
    return this.#count >= this.#limit;
  }

  push(row: Row): void {
    if (this.done) return;
    this.#count++;
    this.#downstream.push(row);
    if (this.#count >= this.#limit) this.#onLimit();
  }
}

export function createLimitOperator(
  limit: number,
  downstream: Downstream<Row>,
  onLimit: () => void,
): Downstream<Row> & { readonly done: boolean } {
  return new LimitOperator(limit, downstream, onLimit);
}
