/**
 * Filter operator: passes rows whose predicate is TRUE.
 *
 * With table semantics (a KTable filter), a row that fails the predicate
 * for a key that passed before is forwarded as a tombstone for that key, so
 * downstream state forgets it; a key that never passed produces nothing.
 *
 * @module
 */
import type { FilterNode } from '../plan/index.js';
import type { Value } from '../types/index.js';
import { compilePredicate } from './evaluate.js';
import { keyIdentity } from './keys.js';
import type { Downstream, OperatorContext, Row } from './operator.js';
import { createMemoryState, type KeyValueStore } from './state-store.js';

class FilterOperator implements Downstream<Row> {
  readonly #predicate: (row: readonly Value[]) => boolean;
  readonly #downstream: Downstream<Row>;
  readonly #keyCount: number | undefined;
  /** Table semantics: keys whose latest row passed. */
  readonly #present: KeyValueStore<true>;

  constructor(node: FilterNode, downstream: Downstream<Row>, ctx: OperatorContext) {
    this.#predicate = compilePredicate(node.predicate, ctx.functions, ctx.onError);
    this.#downstream = downstream;
    this.#keyCount = node.tableKeyCount;
    this.#present = (ctx.state ?? createMemoryState()).operator('filter').store('present');
  }

  push(row: Row): void {
    if (this.#keyCount === undefined) {
      // Table deletes pass: downstream state must forget the key whatever the predicate says.
      if (row.tombstone === true || this.#predicate(row.values)) this.#downstream.push(row);
      return;
    }
    const id = keyIdentity(row.values.slice(0, this.#keyCount), row.window);
    if (row.tombstone !== true && this.#predicate(row.values)) {
      this.#present.put(id, true);
      this.#downstream.push(row);
      return;
    }
    if (!this.#present.delete(id)) return;
    // Key columns (and window bounds, the last two values of a windowed row) survive.
    const n = row.values.length;
    const keep = (i: number) => i < (this.#keyCount as number) || (row.window !== undefined && i >= n - 2);
    const values = row.values.map((v, i) => (keep(i) ? v : null));
    this.#downstream.push({ ...row, values, tombstone: true });
  }
}

export function createFilterOperator(node: FilterNode, downstream: Downstream<Row>, ctx: OperatorContext): Downstream<Row> {
  return new FilterOperator(node, downstream, ctx);
}
