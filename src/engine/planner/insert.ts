/**
 * INSERT INTO ... VALUES: resolves the target and columns, analyzes the
 * value expressions (constants only) and checks they fit the column types.
 * Evaluation, serialization and producing happen in the runtime.
 *
 * @module
 */
import { SystemColumns } from '../catalog/index.js';
import { AnalysisError, CatalogError, EngineError } from '../errors.js';
import type * as ast from '../sql/ast.js';
import { canImplicitlyCast, formatType, SqlTypes, type SqlType } from '../types/index.js';
import type { PlannerContext } from './context.js';
import { EMPTY_SCOPE, ExpressionAnalyzer } from './expressions.js';
import { formatExpression } from './format.js';
import type { InsertValuesPlan } from './plans.js';

function quoted(name: string): string {
  return '`' + name + '`';
}

function assignable(from: SqlType | null, to: SqlType): boolean {
  if (from === null) return true;
  if (canImplicitlyCast(from, to)) return true;
  return from.type === 'STRING' && (to.type === 'DATE' || to.type === 'TIME' || to.type === 'TIMESTAMP');
}

export function planInsertValues(stmt: ast.InsertValues, ctx: PlannerContext): InsertValuesPlan {
  const name = stmt.target.value;
  const source = ctx.catalog.getSource(name);
  if (source === undefined) throw new CatalogError(`Cannot insert values into an unknown stream/table: ${quoted(name)}`);
  if (source.windowInfo !== undefined) throw new CatalogError('Cannot insert values into windowed stream/table!');
  if (source.isSource) {
    throw new CatalogError(`Cannot insert values into read-only ${source.sourceType.toLowerCase()}: ${name}`);
  }
  const failed = (msg: string) => new AnalysisError(`Failed to insert values into '${name}'. ${msg}`);
  if ((ctx.config.get('ksql.insert.into.values.enabled') ?? 'true').trim().toLowerCase() === 'false') {
    throw failed(
      "The server has disabled INSERT INTO ... VALUES functionality. To enable it, restart your ksqlDB server with 'ksql.insert.into.values.enabled'=true",
    );
  }

  const schemaColumns = [...source.schema.key, ...source.schema.value];
  const columnNames =
    stmt.columns?.map((c) => c.value) ??
    schemaColumns.filter((c) => c.namespace === 'KEY' || c.namespace === 'VALUE').map((c) => c.name);

  for (const c of columnNames) {
    if (c === SystemColumns.ROWPARTITION || c === SystemColumns.ROWOFFSET) {
      throw new AnalysisError(`Inserting into column ${quoted(c)} is not allowed.`);
    }
  }
  if (columnNames.length !== stmt.values.length) {
    throw new AnalysisError(
      `Failed to prepare statement: Expected number columns and values to match: ${columnNames.length}, ${stmt.values.length}`,
    );
  }

  const analyzer = new ExpressionAnalyzer({
    scope: EMPTY_SCOPE,
    functions: ctx.functions,
    types: (n) => ctx.catalog.getType(n),
    clause: 'VALUES',
  });
  const seen = new Set<string>();
  const assignments = columnNames.map((column, i) => {
    if (seen.has(column)) throw failed(`Column name ${quoted(column)} is duplicated.`);
    seen.add(column);
    let target: SqlType;
    if (column === SystemColumns.ROWTIME) target = SqlTypes.BIGINT;
    else {
      const col = schemaColumns.find((c) => c.name === column);
      if (col === undefined) throw failed(`Column name ${quoted(column)} does not exist.`);
      if (col.namespace === 'HEADER' || col.namespace === 'HEADERS') {
        throw failed(`Cannot insert into HEADER columns: ${quoted(column)}`);
      }
      target = col.type;
    }
    const node = stmt.values[i] as ast.Expression;
    let expr;
    try {
      expr = analyzer.analyze(node);
    } catch (err) {
      if (err instanceof EngineError) {
        throw new AnalysisError(`Failed to prepare statement: ${err.message}`, { cause: err });
      }
      throw err;
    }
    const effectiveTarget = column === SystemColumns.ROWTIME && expr.type?.type === 'TIMESTAMP' ? SqlTypes.TIMESTAMP : target;
    if (!assignable(expr.type, effectiveTarget)) {
      throw failed(
        `Expected type ${formatType(target)} for field ${quoted(column)} but got ${formatExpression(node)}(${formatType(expr.type as SqlType)})`,
      );
    }
    return { column, target: effectiveTarget, expr, text: formatExpression(node) };
  });

  if (source.sourceType === 'TABLE') {
    const missing = source.schema.key.filter((k) => !seen.has(k.name)).map((k) => k.name);
    if (missing.length > 0) throw failed(`Value for primary key column(s) ${missing.join(', ')} is required for tables`);
  }

  return { kind: 'InsertValues', statementText: stmt.text, source, assignments };
}
