/**
 * Project operator: computes the output columns of each row.
 *
 * @module
 */
import type { ProjectNode } from '../plan/index.js';
import { compileProjection, type Evaluator } from './evaluate.js';
import type { Downstream, OperatorContext, Row } from './operator.js';

class ProjectOperator implements Downstream<Row> {
  readonly #columns: readonly Evaluator[];
  readonly #downstream: Downstream<Row>;

  constructor(node: ProjectNode, downstream: Downstream<Row>, ctx: OperatorContext) {
    this.#columns = node.expressions.map((e) => compileProjection(e, ctx.functions, ctx.onError));
    this.#downstream = downstream;
  }

  push(row: Row): void {
    const input = row.values;
    this.#downstream.push({ ...row, values: this.#columns.map((f) => f(input)) });
  }
}

export function createProjectOperator(node: ProjectNode, downstream: Downstream<Row>, ctx: OperatorContext): Downstream<Row> {
  return new ProjectOperator(node, downstream, ctx);
}
