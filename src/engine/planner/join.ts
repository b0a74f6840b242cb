/**
 * FROM ... JOIN ... → a join plan and the scope a SELECT over it binds in.
 *
 * As ksqlDB: every column of a joined source is `<alias>_<column>` in the
 * joined row (the alias defaults to the source name), so `T.ID` projects as
 * `T_ID` and `*` expands to every source's columns so prefixed; a bare
 * column name resolves when exactly one source has it. N-way joins are
 * left-deep. The result's key is the join key: INNER joins may project it
 * as either side's join column, LEFT joins as the left one, RIGHT joins as
 * the right one; FULL OUTER joins have a synthetic key column `ROWKEY`.
 * Table-table joins must join on the right table's primary key; joined on
 * a left value column they are foreign-key joins (INNER or LEFT, not
 * windowed), keyed by the left table's key; stream-table
 * joins must join on the table's primary key; stream-stream joins need
 * `WITHIN` (grace defaults to 24 hours).
 *
 * @module
 */
import { allColumns, type DataSource } from '../catalog/index.js';
import { AnalysisError } from '../errors.js';
import type { Expr, JoinNode, JoinType, JoinWindowSpec, PlanColumn, PlanNode } from '../plan/index.js';
import type * as ast from '../sql/ast.js';
import { formatType, SqlTypes, typeEquals, type SqlType } from '../types/index.js';
import type { PlannerContext } from './context.js';
import { ExpressionAnalyzer, type Scope } from './expressions.js';
import { formatExpression } from './format.js';
import { mapAst, scanSource, walkAst, type SelectInput } from './select.js';

/** A column of a joined row. */
interface JoinColumn {
  /** Name in the joined row's scope. */
  readonly name: string;
  readonly type: SqlType;
  /** The source alias and column it comes from; undefined for the join's own columns (key, ROWTIME, window bounds). */
  readonly alias?: string | undefined;
  readonly column?: string | undefined;
}

interface Relation {
  readonly node: PlanNode;
  /** One per value of the node's rows. */
  readonly columns: readonly JoinColumn[];
  readonly sourceType: 'STREAM' | 'TABLE';
  /** Per source alias: the names it may be qualified by, and what `alias.*` expands to. */
  readonly sources: readonly { readonly alias: string; readonly names: readonly string[]; readonly star: readonly string[] }[];
  /** Scope names of the relation's key column(s); one for a single-key source or a join. */
  readonly keyNames: readonly string[];
  readonly windowed: boolean;
  readonly dataSource?: DataSource | undefined;
}

const UNIT_MS: Record<ast.TimeUnit, number> = {
  MILLISECONDS: 1,
  SECONDS: 1000,
  MINUTES: 60_000,
  HOURS: 3_600_000,
  DAYS: 86_400_000,
};

const DEFAULT_GRACE_MS = 24 * 3_600_000;

function durationMs(d: ast.Duration): number {
  return d.value * UNIT_MS[d.unit];
}

function columnRef(name: string): ast.ColumnRef {
  return { kind: 'ColumnRef', name: { kind: 'Identifier', value: name } };
}

function leaf(ref: ast.SourceRef, ctx: PlannerContext): Relation {
  const source = ctx.catalog.getSource(ref.name.value);
  if (source === undefined) throw new AnalysisError(`${ref.name.value} does not exist.`);
  const alias = ref.alias?.value ?? source.name;
  const { scan } = scanSource(source, alias);
  const prefixed = (c: string) => `${alias}_${c}`;
  const names = allColumns(source.schema).map((c) => c.name);
  if (source.windowInfo !== undefined) names.splice(source.schema.key.length, 0, 'WINDOWSTART', 'WINDOWEND');
  return {
    node: scan,
    columns: scan.schema.map((c) => ({ name: prefixed(c.name), type: c.type, alias, column: c.name })),
    sourceType: source.sourceType,
    sources: [{ alias, names: alias === source.name ? [alias] : [alias, source.name], star: names.map(prefixed) }],
    keyNames: source.schema.key.map((c) => prefixed(c.name)),
    windowed: source.windowInfo !== undefined,
    dataSource: source,
  };
}

/** Rewrites column references to scope names of `columns`. */
function resolver(relation: Relation): <T>(x: T) => T {
  const joinLevel = new Set(relation.columns.filter((c) => c.alias === undefined).map((c) => c.name));
  return <T>(x: T): T =>
    mapAst(x, (n) => {
      if (n.kind !== 'ColumnRef') return undefined;
      const name = n.name.value;
      if (n.source !== undefined) {
        const q = n.source.value;
        const source = relation.sources.find((s) => s.alias === q) ?? relation.sources.find((s) => s.names.includes(q));
        if (source === undefined) throw new AnalysisError(`'${q}' is not a valid stream/table name or alias.`);
        return columnRef(`${source.alias}_${name}`);
      }
      if (joinLevel.has(name)) return undefined;
      const candidates = relation.columns.filter((c) => c.column === name);
      if (candidates.length === 1) return columnRef((candidates[0] as JoinColumn).name);
      if (candidates.length > 1) {
        throw new AnalysisError(`Column '${name}' is ambiguous. Could be ${candidates.map((c) => `${c.alias}.${c.column}`).join(' or ')}.`);
      }
      return undefined;
    });
}

function scopeOf(relation: Relation): Scope {
  return { sourceNames: [], columns: relation.columns.map((c, index) => ({ name: c.name, type: c.type, index })) };
}

/** The sources an expression references (by alias), after resolution. */
function aliasesIn(e: ast.Expression, relation: Relation): Set<string> {
  const out = new Set<string>();
  walkAst(e, (n) => {
    if (n.kind === 'ColumnRef') {
      const c = relation.columns.find((x) => x.name === n.name.value);
      if (c?.alias !== undefined) out.add(c.alias);
    }
  });
  return out;
}

function joinTypeOf(t: ast.JoinType): JoinType {
  return t === 'FULL' ? 'OUTER' : t;
}

function describeType(t: JoinType): string {
  return t === 'OUTER' ? 'FULL OUTER' : t;
}

function joinOne(left: Relation, joined: ast.JoinedSource, ctx: PlannerContext, top: boolean, depth: number): Relation {
  const right = leaf(joined.source, ctx);
  const joinType = joinTypeOf(joined.joinType);
  const both: Relation = {
    node: left.node,
    columns: [...left.columns, ...right.columns],
    sourceType: left.sourceType,
    sources: [...left.sources, ...right.sources],
    keyNames: [],
    windowed: left.windowed,
  };
  for (const s of right.sources) {
    if (left.sources.some((l) => l.alias === s.alias)) {
      throw new AnalysisError(`Can not join '${s.alias}' to '${s.alias}': self joins require aliases.`);
    }
  }
  const on = joined.on;
  if (on.kind !== 'Comparison' || on.operator !== '=') {
    throw new AnalysisError(`Unsupported join criteria: ${formatExpression(on)}. Only equality join criteria are supported.`);
  }
  const resolve = resolver(both);
  let l = resolve(on.left);
  let r = resolve(on.right);
  const leftAliases = new Set(left.sources.map((s) => s.alias));
  const rightAliases = new Set(right.sources.map((s) => s.alias));
  const side = (e: ast.Expression): 'left' | 'right' | undefined => {
    const a = [...aliasesIn(e, both)];
    if (a.length > 0 && a.every((x) => leftAliases.has(x))) return 'left';
    if (a.length > 0 && a.every((x) => rightAliases.has(x))) return 'right';
    return undefined;
  };
  const ls = side(l);
  const rs = side(r);
  const swapped = ls === 'right' && rs === 'left';
  if (swapped) [l, r] = [r, l];
  else if (ls !== 'left' || rs !== 'right') {
    throw new AnalysisError(
      `Each side of the join must reference exactly one source and not the same source. Left side references ${[...aliasesIn(on.left, both)].join(', ')} and right references ${[...aliasesIn(on.right, both)].join(', ')}`,
    );
  }
  const analyzer = (rel: Relation) =>
    new ExpressionAnalyzer({ scope: scopeOf(rel), functions: ctx.functions, types: (n) => ctx.catalog.getType(n), clause: 'JOIN' });
  const leftKey: Expr = analyzer(left).analyze(l);
  const rightKey: Expr = analyzer(right).analyze(r);
  const leftText = formatExpression(swapped ? on.right : on.left);
  const rightText = formatExpression(swapped ? on.left : on.right);
  if (leftKey.type === null || rightKey.type === null || !typeEquals(leftKey.type, rightKey.type)) {
    const t = (x: Expr) => (x.type === null ? 'NULL' : formatType(x.type));
    throw new AnalysisError(
      `Invalid join condition: types don't match. Got ${leftText}{${t(leftKey)}} = ${rightText}{${t(rightKey)}}.`,
    );
  }
  const keyColumnOf = (e: ast.Expression, rel: Relation) => e.kind === 'ColumnRef' && rel.keyNames.includes(e.name.value);
  const leftName = left.sources.length === 1 ? (left.sources[0] as { alias: string }).alias : 'JOIN';
  const rightName = (right.sources[0] as { alias: string }).alias;
  let within: JoinWindowSpec | undefined;
  /** Set for a foreign-key join: the result is keyed by the left table's key. */
  let foreignKey: { readonly expr: Expr; readonly keyNames: readonly string[] } | undefined;
  if (left.sourceType === 'TABLE' && right.sourceType === 'STREAM') {
    throw new AnalysisError(
      `Invalid join order: table-stream joins are not supported; only stream-table joins. Got ${leftName} [${describeType(joinType)}] JOIN ${rightName}.`,
    );
  }
  if (left.sourceType === 'STREAM' && right.sourceType === 'STREAM') {
    if (joined.within === undefined) {
      throw new AnalysisError('Stream-Stream joins must have a WITHIN clause specified. None was provided.');
    }
    const before = durationMs(joined.within.before);
    const after = joined.within.after === undefined ? before : durationMs(joined.within.after);
    const grace = joined.within.grace;
    within = {
      beforeMs: before,
      afterMs: after,
      graceMs: grace === undefined ? DEFAULT_GRACE_MS : durationMs(grace),
      deferOuter: grace !== undefined,
    };
  } else if (joined.within !== undefined) {
    throw new AnalysisError(
      left.sourceType === 'TABLE'
        ? 'A window definition was provided for a Table-Table join. These joins are not windowed. Please drop the window definition (i.e. the WITHIN clause) and try to execute your Table-Table join again.'
        : 'A window definition was provided for a Stream-Table join. These joins are not windowed. Please drop the window definition (i.e. the WITHIN clause) and try to execute your join again.',
    );
  }
  if (right.sourceType === 'TABLE') {
    if (left.sourceType === 'STREAM' && (joinType === 'OUTER' || joinType === 'RIGHT')) {
      throw new AnalysisError(`${joinType === 'OUTER' ? 'Full outer' : 'Right'} joins between streams and tables are not supported.`);
    }
    if (!keyColumnOf(r, right)) {
      if (left.sourceType === 'TABLE' && keyColumnOf(l, left)) {
        throw new AnalysisError(
          `Invalid join condition: table-table joins require to join on the primary key of the right input table. Got ${leftText} = ${rightText}.`,
        );
      }
      throw new AnalysisError(
        left.sourceType === 'TABLE'
          ? `Invalid join condition: table-table joins require to join on the primary key of the right input table. Got ${leftText} = ${rightText}.`
          : `Invalid join condition: stream-table joins require to join on the table's primary key. Got ${leftText} = ${rightText}.`,
      );
    }
    if (left.sourceType === 'TABLE' && !keyColumnOf(l, left)) {
      if (left.windowed || right.windowed) throw new AnalysisError('Foreign-key table-table joins are not supported on windowed tables.');
      if (joinType !== 'INNER' && joinType !== 'LEFT') {
        throw new AnalysisError(
          `Invalid join type: ${joinType === 'OUTER' ? 'full-outer' : 'right'} join not supported for foreign-key table-table join. Got ${leftName} [${describeType(joinType)}] JOIN ${rightName}.`,
        );
      }
      const index = left.columns.findIndex((c) => c.name === left.keyNames[0]);
      const pk = left.columns[index];
      if (pk === undefined) throw new AnalysisError('Foreign-key table-table joins need a left table with a primary key.');
      foreignKey = { expr: { kind: 'Column', index, name: pk.name, type: pk.type }, keyNames: left.keyNames };
    }
  }
  if (left.windowed !== right.windowed) {
    throw new AnalysisError(`Can not join windowed source to non-windowed source.\n${leftName} is ${left.windowed ? '' : 'not '}windowed\n${rightName} is ${right.windowed ? '' : 'not '}windowed`);
  }

  // The key: the join columns that may stand for it (an inner join's on both sides, and every column
  // already equal to the left one), or a synthetic ROWKEY (FULL OUTER joins; no column in the criteria).
  const viable: string[] = [];
  if (joinType !== 'RIGHT' && joinType !== 'OUTER' && l.kind === 'ColumnRef') {
    viable.push(...(left.keyNames.includes(l.name.value) ? left.keyNames : [l.name.value]));
  }
  if ((joinType === 'INNER' || joinType === 'RIGHT') && r.kind === 'ColumnRef') viable.push(r.name.value);
  if (foreignKey !== undefined) viable.splice(0, viable.length, ...foreignKey.keyNames);
  const synthetic = viable.length === 0;
  const keyName = top && synthetic ? 'ROWKEY' : `KSQL_JOIN_KEY_${depth}`;
  const keyNames = synthetic ? [keyName] : viable;
  const windowed = left.windowed;
  // The join's own columns are visible by their bare names only at the top; below they are hidden.
  const own = (n: string) => (top ? n : `KSQL_JOIN_${depth}_${n}`);
  const keyType = foreignKey?.expr.type ?? leftKey.type;
  const columns: JoinColumn[] = [
    { name: keyName, type: keyType },
    ...left.columns,
    ...right.columns,
    { name: own('ROWTIME'), type: SqlTypes.BIGINT },
    ...(windowed ? [{ name: own('WINDOWSTART'), type: SqlTypes.BIGINT }, { name: own('WINDOWEND'), type: SqlTypes.BIGINT }] : []),
  ];
  const schema: PlanColumn[] = columns.map((c) => ({ name: c.name, type: c.type }));
  const node: JoinNode = {
    kind: 'Join',
    joinType,
    left: left.node,
    right: right.node,
    leftType: left.sourceType,
    rightType: right.sourceType,
    leftKey,
    rightKey,
    within,
    leftPrimaryKey: foreignKey?.expr,
    windowed,
    schema,
  };
  return {
    node,
    columns,
    sourceType: left.sourceType === 'TABLE' && right.sourceType === 'TABLE' ? 'TABLE' : 'STREAM',
    sources: [...left.sources, ...right.sources],
    keyNames,
    windowed,
  };
}

export interface PlannedJoin {
  readonly input: SelectInput;
  /** The left-most source (formats, partitions and window of a sink default to it). */
  readonly source: DataSource;
  readonly sourceNames: readonly string[];
}

/** Plans `FROM a JOIN b ...` for {@link buildSelect}. */
export function planJoin(from: ast.Join, ctx: PlannerContext): PlannedJoin {
  let relation = leaf(from.left, ctx);
  const source = relation.dataSource as DataSource;
  const names = [source.name];
  from.joins.forEach((j, i) => {
    relation = joinOne(relation, j, ctx, i === from.joins.length - 1, i);
    names.push(j.source.name.value);
  });
  const final = relation;
  const keyColumn = final.columns[0] as JoinColumn;
  const synthetic = keyColumn.name === 'ROWKEY';
  const keyTexts = final.keyNames.map((n) => {
    const c = final.columns.find((x) => x.name === n);
    return c?.alias === undefined ? n : `${c.alias}.${c.column ?? n}`;
  });
  const listed = keyTexts.length <= 1 ? keyTexts.join('') : `${keyTexts.slice(0, -1).join(', ')} or ${keyTexts[keyTexts.length - 1] as string}`;
  const input: SelectInput = {
    node: final.node,
    scope: scopeOf(final),
    sourceType: final.sourceType,
    key: {
      name: keyColumn.name,
      type: keyColumn.type,
      text: listed,
    },
    keyMissing: (sinkName) =>
      `Key missing from projection (ie, SELECT). ${synthetic ? 'See https://cnfl.io/2LV7ouS.' : ''}\n` +
      `The query used to build \`${sinkName}\` must include the join expression${keyTexts.length === 1 ? '' : 's'} ${listed} ` +
      `in its projection (eg, SELECT ${keyTexts[0] ?? ''}...).` +
      (synthetic
        ? `\n${listed} was added as a synthetic key column because the join criteria did not match any source column. ` +
          'This expression must be included in the projection and may be aliased. '
        : ''),
    keyNames: final.keyNames,
    windowed: final.windowed,
    resolve: resolver(final),
    // `T.COL` projects as `COL` when no other source has a COL, else as `T_COL`; `*` always prefixes.
    nameOf: (ref) => {
      if (ref.source === undefined) return ref.name.value;
      const sharing = final.columns.filter((c) => c.column === ref.name.value).length;
      if (sharing <= 1) return ref.name.value;
      const q = ref.source.value;
      const s = final.sources.find((x) => x.alias === q) ?? final.sources.find((x) => x.names.includes(q));
      return `${s?.alias ?? q}_${ref.name.value}`;
    },
    star: (qualifier) => {
      if (qualifier === undefined) return [...(synthetic ? ['ROWKEY'] : []), ...final.sources.flatMap((s) => s.star)];
      const s = final.sources.find((x) => x.alias === qualifier) ?? final.sources.find((x) => x.names.includes(qualifier));
      return s?.star;
    },
  };
  return { input, source, sourceNames: names };
}
