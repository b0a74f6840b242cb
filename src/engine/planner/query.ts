/**
 * SELECT → transient query plan: a scan of one source, an optional filter
 * and a projection. Push queries (`EMIT CHANGES`) and pull queries over
 * streams (read to the current end, then complete) share the plan.
 *
 * Not yet supported (clear errors): joins, windows, GROUP BY, PARTITION BY,
 * HAVING, pull queries over tables (need materialization).
 *
 * @module
 */
import { allColumns, PSEUDO_COLUMNS, type DataSource } from '../catalog/index.js';
import { AnalysisError, EngineError } from '../errors.js';
import type { Expr, PlanColumn, PlanNode, SourceScanNode, TransientQueryPlan } from '../plan/index.js';
import type * as ast from '../sql/ast.js';
import { formatType } from '../types/index.js';
import type { PlannerContext } from './context.js';
import { ExpressionAnalyzer, type Scope } from './expressions.js';
import { formatExpression } from './format.js';
import type { QueryPlan } from './plans.js';

/** The scan node and scope of a source: `[...keys, ...values, ROWTIME, ROWPARTITION, ROWOFFSET]`. */
export function scanSource(source: DataSource, alias?: string): { scan: SourceScanNode; scope: Scope } {
  const valueColumns = source.schema.value.filter((c) => c.namespace === 'VALUE');
  const headerColumns = source.schema.value.filter((c) => c.namespace !== 'VALUE');
  // Row layout: keys, stored value columns, header columns, pseudo columns.
  const layout = [...source.schema.key, ...valueColumns, ...headerColumns];
  const ordered: PlanColumn[] = [
    ...layout.map((c) => ({ name: c.name, type: c.type, isKey: c.namespace === 'KEY' })),
    ...PSEUDO_COLUMNS.map((c) => ({ name: c.name, type: c.type })),
  ];
  const tsIndex =
    source.timestampColumn === undefined ? -1 : layout.findIndex((c) => c.name === source.timestampColumn?.column);
  const scan: SourceScanNode = {
    kind: 'SourceScan',
    sourceName: source.name,
    sourceType: source.sourceType,
    topic: source.topic,
    key: {
      format: source.keyFormat.format,
      columns: source.schema.key.map((c) => ({ name: c.name, type: c.type })),
      delimiter: source.keyFormat.properties['delimiter'],
    },
    value: {
      format: source.valueFormat.format,
      columns: valueColumns.map((c) => ({ name: c.name, type: c.type })),
      wrapSingle: source.wrapSingleValue,
      delimiter: source.valueFormat.properties['delimiter'],
    },
    headers: headerColumns.map((c) => ({ name: c.name, type: c.type, headerKey: c.headerKey })),
    timestampColumn:
      tsIndex < 0 ? undefined : { index: tsIndex, format: source.timestampColumn?.format },
    schema: ordered,
  };
  const sourceNames = alias === undefined || alias === source.name ? [source.name] : [alias, source.name];
  const scope: Scope = {
    sourceNames,
    columns: ordered.map((c, index) => ({ name: c.name, type: c.type, index })),
  };
  return { scan, scope };
}

function notSupported(what: string): AnalysisError {
  return new AnalysisError(`${what} are not supported by the embedded engine yet.`);
}

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

export function planQuery(stmt: ast.QueryStatement, ctx: PlannerContext): QueryPlan {
  const q = stmt.query;
  const isPull = q.emit === undefined;
  if (q.from.kind === 'Join') {
    throw isPull
      ? new AnalysisError(
          "Pull queries don't support JOIN clauses. See https://cnfl.io/queries for more info.\nAdd EMIT CHANGES if you intended to issue a push query.",
        )
      : notSupported('Joins');
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
    if (source.sourceType === 'TABLE') {
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
    if (q.window !== undefined) throw notSupported('Windowed aggregations');
    if (q.groupBy !== undefined) throw notSupported('GROUP BY aggregations');
  }
  if (q.partitionBy !== undefined) throw notSupported('PARTITION BY clauses');
  if (q.having !== undefined) throw notSupported('HAVING clauses');

  const alias = ref.alias?.value;
  const { scan, scope } = scanSource(source, alias);
  let node: PlanNode = scan;

  if (q.where !== undefined) {
    const where = q.where;
    const analyzer = new ExpressionAnalyzer({
      scope,
      functions: ctx.functions,
      types: (n) => ctx.catalog.getType(n),
      clause: 'WHERE',
    });
    let predicate: Expr;
    try {
      predicate = analyzer.analyze(where);
    } catch (err) {
      if (err instanceof EngineError && !/^WHERE column '/.test(err.message) && !/is not a valid stream\/table name/.test(err.message)) {
        throw new AnalysisError(`Error in WHERE expression: ${err.message}\nStatement: ${formatExpression(where)}`, { cause: err });
      }
      throw err;
    }
    if (predicate.type !== null && predicate.type.type !== 'BOOLEAN') {
      throw new AnalysisError(
        `Type error in WHERE expression: Should evaluate to boolean but is ${formatExpression(where)} (${formatType(predicate.type)}) instead.`,
      );
    }
    node = { kind: 'Filter', input: node, predicate, schema: scan.schema };
  }

  const analyzer = new ExpressionAnalyzer({
    scope,
    functions: ctx.functions,
    types: (n) => ctx.catalog.getType(n),
    clause: 'SELECT',
  });
  const expressions: Expr[] = [];
  const names: (string | undefined)[] = [];
  for (const item of q.select) {
    switch (item.kind) {
      case 'AllColumns': {
        if (item.source !== undefined && !scope.sourceNames.includes(item.source.value)) {
          throw new AnalysisError(`'${item.source.value}' is not a valid stream/table name or alias.`);
        }
        // SELECT * lists key columns first, then value columns, in schema order.
        for (const c of allColumns(source.schema)) {
          const index = scan.schema.findIndex((x) => x.name === c.name);
          expressions.push({ kind: 'Column', index, name: c.name, type: c.type });
          names.push(c.name);
        }
        break;
      }
      case 'StructAll': {
        const base = analyzer.analyze(item.base);
        if (base.type === null || base.type.type !== 'STRUCT') {
          throw new AnalysisError(`Expected STRUCT type for ${formatExpression(item.base)}->*, got ${base.type === null ? 'null' : formatType(base.type)}`);
        }
        for (const f of base.type.fields) {
          expressions.push({ kind: 'Deref', operand: base, field: f.name, type: f.type });
          names.push(f.name);
        }
        break;
      }
      case 'SingleColumn': {
        const e = analyzer.analyze(item.expression);
        expressions.push(e);
        if (item.alias !== undefined) names.push(item.alias.value);
        else if (item.expression.kind === 'ColumnRef') names.push(item.expression.name.value);
        else if (item.expression.kind === 'Dereference') names.push(item.expression.field.value);
        else names.push(undefined);
        break;
      }
    }
  }
  // Synthetic names for unaliased expressions: KSQL_COL_0, KSQL_COL_1, ... skipping taken names.
  const taken = new Set(names.filter((n): n is string => n !== undefined));
  let next = 0;
  const finalNames = names.map((n) => {
    if (n !== undefined) return n;
    let candidate = `KSQL_COL_${next++}`;
    while (taken.has(candidate)) candidate = `KSQL_COL_${next++}`;
    taken.add(candidate);
    return candidate;
  });
  const schema: PlanColumn[] = expressions.map((e, i) => {
    const name = finalNames[i] as string;
    if (e.type === null) {
      throw new AnalysisError(`Can't determine the type of column ${name}: use CAST to give NULL a type.`);
    }
    return { name, type: e.type };
  });
  const seen = new Set<string>();
  for (const c of schema) {
    if (seen.has(c.name)) {
      throw new AnalysisError(`Duplicate value columns found in schema: \`${c.name}\` ${formatType(c.type)}`);
    }
    seen.add(c.name);
  }
  node = { kind: 'Project', input: node, expressions, schema };

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
