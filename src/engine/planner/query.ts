/**
 * SELECT → transient query plan: a scan of one source or a join
 * (`planJoin`), then what `buildSelect` adds (WHERE, GROUP BY with WINDOW
 * and HAVING, or PARTITION BY) and a projection. Push queries
 * (`EMIT CHANGES`) and pull queries over streams (read to the current end,
 * then complete) share the plan; pull queries over materialized tables are
 * lookups (`planTablePull`). What ksqlDB rejects in pull queries (joins,
 * WINDOW, GROUP BY, ROWPARTITION/ROWOFFSET) is rejected with its messages.
 *
 * @module
 */
import { AnalysisError } from '../errors.js';
import type { TransientQueryPlan } from '../plan/index.js';
import type * as ast from '../sql/ast.js';
import type { PlannerContext } from './context.js';
import type { QueryPlan, TablePullQueryPlan } from './plans.js';
import { planJoin } from './join.js';
import { isMaterialized, planTablePull } from './pull.js';
import { buildSelect, projectNode } from './select.js';

const PULL_DISALLOWED = new Set(['ROWPARTITION', 'ROWOFFSET']);

function pseudoColumnsIn(e: ast.Expression | undefined, out: Set<string>): void {
  if (e === undefined) return;
  const visit = (x: unknown): void => {
    if (x === null || typeof x !== 'object') return;
    if (Array.isArray(x)) {
      x.forEach(visit);
      return;
    }
    const node = x as { kind?: string; name?: { value?: string } };
    if (node.kind === 'ColumnRef' && node.name?.value !== undefined && PULL_DISALLOWED.has(node.name.value)) {
      out.add(node.name.value);
    }
    for (const [k, v] of Object.entries(x)) if (k !== 'loc') visit(v);
  };
  visit(e);
}

export function planQuery(stmt: ast.QueryStatement, ctx: PlannerContext): QueryPlan | TablePullQueryPlan {
  const q = stmt.query;
  const isPull = q.emit === undefined;
  if (q.from.kind === 'Join') {
    if (isPull) {
      throw new AnalysisError(
        "Pull queries don't support JOIN clauses. See https://cnfl.io/queries for more info.\nAdd EMIT CHANGES if you intended to issue a push query.",
      );
    }
    if (q.emit === 'FINAL') throw new AnalysisError('EMIT FINAL is only supported for windowed aggregations.');
    const join = planJoin(q.from, ctx);
    const built = buildSelect(q, join.source, ctx, 'push', join.input);
    const { node, schema } = projectNode(built, built.columns, false);
    const plan: TransientQueryPlan = {
      kind: 'TransientQuery',
      root: node,
      schema,
      limit: q.limit,
      sourceName: join.source.name,
      sourceType: join.input.sourceType,
      topic: join.source.topic,
    };
    return { kind: 'Query', statementText: stmt.text, plan, mode: 'push' };
  }
  if (q.limit !== undefined && !Number.isInteger(q.limit)) {
    // ksqlDB's AstBuilder (ParserUtil.processIntegerNumber) rejects it while preparing.
    throw new AnalysisError('Failed to prepare statement: Value must be integer for command: LIMIT');
  }
  if (q.limit !== undefined && q.limit < 0) {
    throw new AnalysisError("Pull queries don't support negative integers in the LIMIT clause. See https://cnfl.io/queries for more info.");
  }
  const ref = q.from;
  const source = ctx.catalog.getSource(ref.name.value);
  if (source === undefined) throw new AnalysisError(`${ref.name.value} does not exist.`);

  if (isPull) {
    if (q.window !== undefined) throw new AnalysisError("Pull queries don't support WINDOW clauses.");
    if (q.groupBy !== undefined) {
      throw new AnalysisError(
        "Pull queries don't support GROUP BY clauses. See https://cnfl.io/queries for more info.\nAdd EMIT CHANGES if you intended to issue a push query.",
      );
    }
    if (source.sourceType === 'TABLE' && !isMaterialized(source.name, ctx)) {
      throw new AnalysisError(
        `The \`${source.name}\` table isn't queryable. To derive a queryable table, you can do ` +
          `'CREATE TABLE QUERYABLE_${source.name} AS SELECT * FROM ${source.name}'. See https://cnfl.io/queries for more info.`,
      );
    }
    const inSelect = new Set<string>();
    for (const item of q.select) if (item.kind === 'SingleColumn') pseudoColumnsIn(item.expression, inSelect);
    if (inSelect.size > 0) {
      throw new AnalysisError(
        `Pull queries don't support the following columns in SELECT clauses: ${[...inSelect].map((c) => '`' + c + '`').join(', ')}`,
      );
    }
    const inWhere = new Set<string>();
    pseudoColumnsIn(q.where, inWhere);
    if (inWhere.size > 0) {
      throw new AnalysisError(
        `Pull queries don't support the following columns in WHERE clauses: ${[...inWhere].map((c) => '`' + c + '`').join(', ')}`,
      );
    }
  } else {
    if (q.emit === 'FINAL') throw new AnalysisError('EMIT FINAL is only supported for windowed aggregations.');
  }
  if (isPull && source.sourceType === 'TABLE') return planTablePull(stmt, source, ctx);
  const built = buildSelect(q, source, ctx, isPull ? 'pull' : 'push');
  const { node, schema } = projectNode(built, built.columns, false);
  const plan: TransientQueryPlan = {
    kind: 'TransientQuery',
    root: node,
    schema,
    limit: q.limit,
    sourceName: source.name,
    sourceType: source.sourceType,
    topic: source.topic,
  };
  return { kind: 'Query', statementText: stmt.text, plan, mode: isPull ? 'streamPull' : 'push' };
}
