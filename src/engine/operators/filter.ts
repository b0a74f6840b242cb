/**
 * Filter operator: passes rows whose predicate is TRUE.
 *
 * @module
 */
import type { FilterNode } from '../plan/index.js';
import type { Value } from '../types/index.js';
import { compilePredicate } from './evaluate.js';
import type { Downstream, OperatorContext, Row } from './operator.js';

class FilterOperator implements Downstream<Row> {
  readonly #predicate: (row: readonly Value[]) => boolean;
  readonly #downstream: Downstream<Row>;

  constructor(node: FilterNode, downstream: Downstream<Row>, ctx: OperatorContext) {
    this.#predicate = compilePredicate(node.predicate, ctx.functions, ctx.onError);
    this.#downstream = downstream;
  }

  push(row: Row): void {
    // Table deletes pass: downstream state must forget the key whatever the predicate says.
    if (row.tombstone === true || this.#predicate(row.values)) this.#downstream.push(row);
  }
}

export function createFilterOperator(node: FilterNode, downstream: Downstream<Row>, ctx: OperatorContext): Downstream<Row> {
  return new FilterOperator(node, downstream, ctx);
}
