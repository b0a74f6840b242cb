/**
 * Pull queries over materialized tables (CTAS sinks, CREATE SOURCE TABLE):
 * the WHERE clause is checked as ksqlDB's pull-query analyzer does (key
 * lookups, key range scans, table scans when `ksql.query.pull.table.scan.enabled`),
 * with its messages; the plan runs over the table's current rows.
 *
 * @module
 */
import type { DataSource } from '../catalog/index.js';
import { AnalysisError } from '../errors.js';
import type { TablePullPlan } from '../plan/index.js';
import type * as ast from '../sql/ast.js';
import { formatType, isNumeric } from '../types/index.js';
import type { PlannerContext } from './context.js';
import { formatExpression } from './format.js';
import type { TablePullQueryPlan } from './plans.js';
import { buildSelect, mapAst, projectNode, walkAst } from './select.js';

/** A table is queryable when a CTAS or a source-table query materializes it. */
export function isMaterialized(name: string, ctx: PlannerContext): boolean {
  return ctx.queries
    .list()
    .some((q) => q.queryType === 'PERSISTENT' && q.sinks.includes(name) && (q.id.startsWith('CTAS_') || q.id.startsWith('CST_')));
}

function flag(ctx: PlannerContext, name: string, fallback: boolean): boolean {
  const v = ctx.config.get(name);
  return v === undefined ? fallback : v.trim().toLowerCase() === 'true';
}

function splitBy(e: ast.Expression, op: 'AND' | 'OR'): ast.Expression[] {
  if (e.kind === 'LogicalBinary' && e.operator === op) return [...splitBy(e.left, op), ...splitBy(e.right, op)];
  return [e];
}

function refsColumns(e: ast.Expression): boolean {
  let found = false;
  walkAst(e, (n) => {
    if (n.kind === 'ColumnRef') found = true;
  });
  return found;
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/** ksqlDB's partial timestamp parsing for window bounds: `2020-02-23T23:45[:12[.000]]`, missing parts defaulted. */
export function parsePartialTimestamp(text: string): number | undefined {
  const m = /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2})(?::(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?)?)?)?)?(Z|[+-]\d{2}:?\d{2})?$/.exec(text.trim());
  if (m === null) return undefined;
  const n = (i: number, d: number) => (m[i] === undefined ? d : Number(m[i]));
  const ms = m[7] === undefined ? 0 : Number(m[7].padEnd(3, '0'));
  let t = Date.UTC(n(1, 1970), n(2, 1) - 1, n(3, 1), n(4, 0), n(5, 0), n(6, 0), ms);
  const tz = m[8];
  if (tz !== undefined && tz !== 'Z') {
    const sign = tz.startsWith('-') ? -1 : 1;
    const digits = tz.slice(1).replace(':', '');
    t -= sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2))) * 60_000;
  }
  void pad;
  return t;
}

/** `WINDOWSTART >= '2020-…'`: string bounds become epoch milliseconds. */
function windowBoundLiterals(where: ast.Expression): ast.Expression {
  const isBound = (e: ast.Expression) => e.kind === 'ColumnRef' && (e.name.value === 'WINDOWSTART' || e.name.value === 'WINDOWEND');
  const toLiteral = (e: ast.Expression): ast.Expression => {
    if (e.kind !== 'StringLiteral') return e;
    const t = parsePartialTimestamp(e.value);
    if (t === undefined) throw new AnalysisError(`Failed to parse timestamp '${e.value}'`);
    return { kind: 'BigIntLiteral', text: String(t), value: BigInt(t) };
  };
  return mapAst(where, (n) => {
    if (n.kind === 'Comparison' && (isBound(n.left) || isBound(n.right))) {
      return { ...n, left: toLiteral(n.left), right: toLiteral(n.right) };
    }
    if (n.kind === 'Between' && isBound(n.operand)) return { ...n, low: toLiteral(n.low), high: toLiteral(n.high) };
    return undefined;
  });
}

/** Checks key conditions as ksqlDB does; table scans need `ksql.query.pull.table.scan.enabled`. */
function checkWhere(where: ast.Expression | undefined, source: DataSource, ctx: PlannerContext): void {
  const keys = source.schema.key;
  const keyNames = new Set(keys.map((k) => k.name));
  const scanEnabled = flag(ctx, 'ksql.query.pull.table.scan.enabled', true);
  const rangeEnabled = flag(ctx, 'ksql.query.pull.range.scan.enabled', true);
  const isKeyRef = (e: ast.Expression): e is ast.ColumnRef => e.kind === 'ColumnRef' && keyNames.has(e.name.value);
  const mentionsKey = (e: ast.Expression) => {
    let found = false;
    walkAst(e, (n) => {
      if (isKeyRef(n)) found = true;
    });
    return found;
  };
  const keyType = (name: string) => keys.find((k) => k.name === name)?.type;

  // Literal checks that apply whatever the scan setting. An `=` with a literal of the wrong type
  // fails type checking first (`Cannot compare ...`); IN values are coerced to the key type.
  const checkLiteral = (key: ast.ColumnRef, v: ast.Expression, cmp: string, coerced: boolean) => {
    if (v.kind === 'NullLiteral') throw new AnalysisError(`Primary key columns can not be NULL: ${cmp}`);
    const t = keyType(key.name.value);
    if (coerced && t !== undefined && isNumeric(t) && v.kind === 'StringLiteral') {
      throw new AnalysisError(
        `${formatExpression(v)} can not be converted to the type of the key column: ${key.name.value} ${formatType(t)} KEY`,
      );
    }
  };
  if (where !== undefined) {
    walkAst(where, (n) => {
      if (n.kind === 'InList' && isKeyRef(n.operand)) {
        for (const v of n.values) checkLiteral(n.operand, v, `(${formatExpression(n.operand)} = ${formatExpression(v)})`, true);
      } else if (n.kind === 'Comparison' && n.operator === '=') {
        if (isKeyRef(n.left)) checkLiteral(n.left, n.right, formatExpression(n), false);
        else if (isKeyRef(n.right)) checkLiteral(n.right, n.left, formatExpression(n), false);
      }
    });
  }
  if (scanEnabled) return;
  if (where === undefined) throw new AnalysisError('Query requires table scan to be enabled');

  const disjuncts = splitBy(where, 'OR');
  let sawRange = false;
  for (const d of disjuncts) {
    const perKey = new Map<string, number>();
    let range = false;
    for (const c of splitBy(d, 'AND')) {
      let key: ast.ColumnRef | undefined;
      let other: ast.Expression[] = [];
      let op = '=';
      if (c.kind === 'Comparison') {
        const l = c.left.kind === 'ColumnRef' && keyNames.has(c.left.name.value);
        const r = c.right.kind === 'ColumnRef' && keyNames.has(c.right.name.value);
        if (l) {
          key = c.left;
          other = [c.right];
        } else if (r) {
          key = c.right;
          other = [c.left];
        } else if (refsColumns(c.left) && refsColumns(c.right) && [c.left, c.right].some(mentionsKey)) {
          throw new AnalysisError('A comparison must directly reference a key column.');
        } else if (mentionsKey(c)) {
          throw new AnalysisError('A comparison must directly reference a key column.');
        }
        op = c.operator;
      } else if (c.kind === 'InList' && isKeyRef(c.operand)) {
        key = c.operand;
        other = [...c.values];
      } else if (c.kind === 'Like') {
        // QueryFilterNode.Validator.visitLikePredicate: without a table scan, LIKE must test a column
        // (its type is checked with the WHERE clause).
        if (c.operand.kind !== 'ColumnRef') throw new AnalysisError('Like condition must be between strings');
      } else if (c.kind === 'Between' && isKeyRef(c.operand)) {
        key = c.operand;
        other = [c.low, c.high];
        op = 'BETWEEN';
      }
      if (key === undefined) continue;
      if (other.some(refsColumns)) throw new AnalysisError('A comparison must be between a key column and a resolvable expression.');
      if (op !== '=') range = true;
      perKey.set(key.name.value, (perKey.get(key.name.value) ?? 0) + 1);
    }
    if (perKey.size === 0) throw new AnalysisError(`WHERE clause missing key column for disjunct: ${formatExpression(d)}`);
    if (perKey.size < keys.length) throw new AnalysisError('Multi-column sources must specify every key in the WHERE clause.');
    if ([...perKey.values()].some((n) => n > 1)) {
      throw new AnalysisError('A comparison condition on the key column cannot be combined with other comparisons such as an IN predicate');
    }
    if (range) {
      sawRange = true;
      const stringKeys = keys.every((k) => k.type.type === 'STRING');
      if (!rangeEnabled || !stringKeys || source.windowInfo !== undefined) {
        throw new AnalysisError('Query requires table scan to be enabled');
      }
    }
  }
  if (sawRange && disjuncts.length > 1) throw new AnalysisError('Query requires table scan to be enabled');
}

/**
 * ksqlDB's pull-query rewriter turns `x BETWEEN a AND b` into `x >= a AND x <= b` before the
 * filter is compiled, so a bound of the wrong type fails as that comparison.
 */
function betweenAsComparisons(err: unknown, where: ast.Expression | undefined): unknown {
  if (!(err instanceof AnalysisError) || where === undefined) return err;
  let out: unknown = err;
  walkAst(where, (n) => {
    if (n.kind !== 'Between' || n.negated || out !== err) return;
    const operand = formatExpression(n.operand);
    for (const [bound, op] of [
      [n.low, 'GREATER_THAN_OR_EQUAL'],
      [n.high, 'LESS_THAN_OR_EQUAL'],
    ] as const) {
      const m = new RegExp(`Cannot compare ${escapeRegExp(operand)} \\((.+?)\\) to ${escapeRegExp(formatExpression(bound))} \\((.+?)\\) with BETWEEN\\.`).exec(err.message);
      if (m !== null && out === err) {
        out = new AnalysisError(`Invalid expression: Cannot compare ${operand} (${m[1]}) to ${formatExpression(bound)} (${m[2]}) with ${op}.`, { cause: err });
      }
    }
  });
  return out;
}

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export function planTablePull(stmt: ast.QueryStatement, source: DataSource, ctx: PlannerContext): TablePullQueryPlan {
  let q = stmt.query;
  if (q.where !== undefined && source.windowInfo !== undefined) q = { ...q, where: windowBoundLiterals(q.where) };
  checkWhere(q.where, source, ctx);
  let built;
  try {
    built = buildSelect(q, source, ctx, 'pull');
  } catch (err) {
    throw betweenAsComparisons(err, q.where);
  }
  const projected = projectNode(built, built.columns, true);
  const { node } = projected;
  let { schema } = projected;
  if (q.select.length === 1 && q.select[0]?.kind === 'AllColumns') {
    // `SELECT *` answers with the source's schema, header columns marked as such.
    const headers = new Map(source.schema.value.filter((c) => c.namespace === 'HEADER' || c.namespace === 'HEADERS').map((c) => [c.name, c]));
    schema = schema.map((c) => {
      const h = headers.get(c.name);
      return h === undefined ? c : { ...c, header: { key: h.headerKey } };
    });
  }
  const plan: TablePullPlan = { kind: 'TablePull', root: node, schema, limit: q.limit, tableName: source.name };
  return { kind: 'TablePullQuery', statementText: stmt.text, plan };
}
