/**
 * SELECT → operator plan, shared by push, pull and persistent queries:
 * source scan → WHERE → (GROUP BY [WINDOW] → HAVING | PARTITION BY) → projection.
 *
 * Grouping and partitioning expressions, aggregate calls and window bounds
 * are bound by rewriting the SELECT/HAVING expressions: a sub-expression
 * that matches a GROUP BY / PARTITION BY expression (by its printed text)
 * becomes a reference to the key column, an aggregate call a reference to
 * its result column. The rewritten expressions are then analyzed against
 * the post-aggregation (or post-partition) scope.
 *
 * @module
 */
import { allColumns, headerColumns, PSEUDO_COLUMNS, valueColumns, WINDOW_BOUNDS, type DataSource } from '../catalog/index.js';
import { AnalysisError, EngineError } from '../errors.js';
import { defaultAggregates } from '../functions/aggregates.js';
import type { AggregateCall, Expr, PlanColumn, PlanNode, SourceScanNode, WindowSpec } from '../plan/index.js';
import type * as ast from '../sql/ast.js';
import { formatType, type SqlType } from '../types/index.js';
import type { PlannerContext } from './context.js';
import { ExpressionAnalyzer, type Scope } from './expressions.js';
import { formatExpression, formatMaybeType } from './format.js';

/** The scan node and scope of a source: `[...keys, ...values, ROWTIME, ROWPARTITION, ROWOFFSET(, WINDOWSTART, WINDOWEND)]`. */
export function scanSource(source: DataSource, alias?: string): { scan: SourceScanNode; scope: Scope } {
  const values = valueColumns(source.schema);
  const headers = headerColumns(source.schema);
  const windowed = source.windowInfo !== undefined;
  // Row layout: keys, stored value columns, header columns, pseudo columns, window bounds.
  const layout = [...source.schema.key, ...values, ...headers];
  const ordered: PlanColumn[] = [
    ...layout.map((c) => ({ name: c.name, type: c.type, isKey: c.namespace === 'KEY' })),
    ...PSEUDO_COLUMNS.map((c) => ({ name: c.name, type: c.type })),
    ...(windowed ? WINDOW_BOUNDS.map((c) => ({ name: c.name, type: c.type, isKey: true })) : []),
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
      columns: values.map((c) => ({ name: c.name, type: c.type })),
      wrapSingle: source.wrapSingleValue,
      delimiter: source.valueFormat.properties['delimiter'],
    },
    headers: headers.map((c) => ({ name: c.name, type: c.type, headerKey: c.headerKey })),
    windowed: windowed || undefined,
    timestampColumn: tsIndex < 0 ? undefined : { index: tsIndex, format: source.timestampColumn?.format },
    schema: ordered,
  };
  const sourceNames = alias === undefined || alias === source.name ? [source.name] : [alias, source.name];
  const scope: Scope = {
    sourceNames,
    columns: ordered.map((c, index) => ({ name: c.name, type: c.type, index })),
  };
  return { scan, scope };
}

export type QueryPurpose = 'push' | 'pull' | 'persistent';

/** What a SELECT reads when it is not a single source: a join (planner/join.ts). */
export interface SelectInput {
  readonly node: PlanNode;
  /** Columns by their names in the joined row; references are resolved to these by {@link SelectInput.resolve}. */
  readonly scope: Scope;
  readonly sourceType: 'STREAM' | 'TABLE';
  /** The key of the joined rows (the first value of a row). */
  readonly key: { readonly name: string; readonly type: SqlType; readonly text: string };
  /** Scope names whose projection is the key (they become the sink's key column). */
  readonly keyNames: readonly string[];
  readonly windowed: boolean;
  /** Rewrites column references (qualified or not) to scope names; throws on ambiguous ones. */
  resolve<T>(x: T): T;
  /** Scope names `*` (or `qualifier.*`) expands to; undefined for an unknown qualifier. */
  star(qualifier: string | undefined): readonly string[] | undefined;
  /** The output name of a projected column reference (as written, before {@link SelectInput.resolve}). */
  nameOf(ref: ast.ColumnRef): string;
  /** ksqlDB's message when a persistent query's projection lacks the key. */
  keyMissing(sinkName: string): string;
}

/** One output column of a SELECT. */
export interface OutputColumn {
  readonly name: string;
  readonly type: SqlType;
  readonly expr: Expr;
  /** Index into the query's key space when the column is exactly a key column. */
  readonly keyIndex?: number | undefined;
  /** WINDOWSTART or WINDOWEND as is. */
  readonly windowBound?: boolean | undefined;
}

export interface BuiltSelect {
  readonly source: DataSource;
  /** The plan below the projection. */
  readonly input: PlanNode;
  readonly columns: readonly OutputColumn[];
  /** Key columns of the result: group keys, partition keys, or the source's keys. */
  readonly keySpace: readonly { readonly name: string; readonly type: SqlType; readonly text: string }[];
  readonly kind: 'plain' | 'aggregate' | 'partition';
  readonly window?: WindowSpec | undefined;
  /** Result rows carry windows (windowed aggregation, or a windowed source). */
  readonly windowed: boolean;
}

const UNIT_MS: Record<ast.TimeUnit, number> = {
  MILLISECONDS: 1,
  SECONDS: 1000,
  MINUTES: 60_000,
  HOURS: 3_600_000,
  DAYS: 86_400_000,
};

function durationMs(d: ast.Duration): number {
  return d.value * UNIT_MS[d.unit];
}

const DEFAULT_GRACE_MS = 24 * 3_600_000;

function windowSpec(w: ast.WindowExpression): WindowSpec {
  switch (w.kind) {
    case 'TumblingWindow': {
      const size = durationMs(w.size);
      return {
        type: 'TUMBLING',
        sizeMs: size,
        advanceMs: size,
        graceMs: w.grace === undefined ? DEFAULT_GRACE_MS : durationMs(w.grace),
        retentionMs: w.retention === undefined ? undefined : durationMs(w.retention),
      };
    }
    case 'HoppingWindow': {
      const size = durationMs(w.size);
      const advance = durationMs(w.advance);
      if (advance > size) {
        throw new AnalysisError(`Window advanceBy (${advance}ms) must not be larger than window size (${size}ms).`);
      }
      if (advance <= 0) throw new AnalysisError('Window advanceBy must be larger than zero.');
      return {
        type: 'HOPPING',
        sizeMs: size,
        advanceMs: advance,
        graceMs: w.grace === undefined ? DEFAULT_GRACE_MS : durationMs(w.grace),
        retentionMs: w.retention === undefined ? undefined : durationMs(w.retention),
      };
    }
    case 'SessionWindow':
      return {
        type: 'SESSION',
        sizeMs: durationMs(w.gap),
        advanceMs: durationMs(w.gap),
        graceMs: w.grace === undefined ? DEFAULT_GRACE_MS : durationMs(w.grace),
        retentionMs: w.retention === undefined ? undefined : durationMs(w.retention),
      };
  }
}

/** Maps an AST, replacing nodes for which `f` returns a node. */
export function mapAst<T>(node: T, f: (n: ast.Expression) => ast.Expression | undefined): T {
  const visit = (x: unknown): unknown => {
    if (Array.isArray(x)) return x.map(visit);
    if (x === null || typeof x !== 'object') return x;
    const o = x as { kind?: string };
    if (typeof o.kind === 'string') {
      const r = f(o as ast.Expression);
      if (r !== undefined) return r;
    }
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(x)) out[k] = k === 'loc' ? v : visit(v);
    return out;
  };
  return visit(node) as T;
}

/** Calls `f` on every expression node (pre-order). */
export function walkAst(node: unknown, f: (n: ast.Expression) => void): void {
  mapAst(node, (n) => {
    f(n);
    return undefined;
  });
}

function columnRef(name: string): ast.ColumnRef {
  return { kind: 'ColumnRef', name: { kind: 'Identifier', value: name } };
}

function isAggregateCall(e: ast.Expression): e is ast.FunctionCall {
  return e.kind === 'FunctionCall' && defaultAggregates.has(e.name.value);
}

function refsWindowBound(node: unknown): string | undefined {
  let found: string | undefined;
  walkAst(node, (n) => {
    if (found === undefined && n.kind === 'ColumnRef' && (n.name.value === 'WINDOWSTART' || n.name.value === 'WINDOWEND')) {
      found = n.name.value;
    }
  });
  return found;
}

export function buildSelect(
  q: ast.Query,
  source: DataSource,
  ctx: PlannerContext,
  purpose: QueryPurpose,
  input?: SelectInput  ,
): BuiltSelect {
  const alias = q.from.kind === 'SourceRef' ? q.from.alias?.value : undefined;
  const { scan, scope } = input === undefined ? scanSource(source, alias) : { scan: input.node, scope: input.scope };
  const inputType = input?.sourceType ?? source.sourceType;
  const inputKeyCount = input === undefined ? source.schema.key.length : 1;
  const types = (n: string) => ctx.catalog.getType(n);
  const analyzer = (s: Scope, clause: string) => new ExpressionAnalyzer({ scope: s, functions: ctx.functions, types, clause });
  // Single-source queries: drop valid qualifiers so expressions match by text.
  const unqualify = <T>(x: T): T =>
    input !== undefined
      ? input.resolve(x)
      : mapAst(x, (n) =>
          n.kind === 'ColumnRef' && n.source !== undefined && scope.sourceNames.includes(n.source.value) ? columnRef(n.name.value) : undefined,
        );

  let node: PlanNode = scan;
  const isAggregate =
    q.groupBy !== undefined ||
    q.having !== undefined ||
    q.select.some((i) => i.kind === 'SingleColumn' && (() => {
      let agg = false;
      walkAst(i.expression, (n) => {
        if (isAggregateCall(n)) agg = true;
      });
      return agg;
    })());

  // WHERE
  if (q.where !== undefined) {
    const where = unqualify(q.where);
    if (q.window !== undefined && source.windowInfo === undefined) {
      const bound = refsWindowBound(where);
      if (bound !== undefined) throw new AnalysisError(`Error in WHERE expression: Unknown column ${bound}.`);
    }
    let predicate: Expr;
    try {
      predicate = analyzer(scope, 'WHERE').analyze(where);
    } catch (err) {
      if (err instanceof EngineError && !/^WHERE column '/.test(err.message) && !/is not a valid stream\/table name/.test(err.message)) {
        throw new AnalysisError(`Error in WHERE expression: ${err.message}\nStatement: ${formatExpression(q.where)}`, { cause: err });
      }
      throw err;
    }
    if (predicate.type !== null && predicate.type.type !== 'BOOLEAN') {
      throw new AnalysisError(
        `Type error in WHERE expression: Should evaluate to boolean but is ${formatExpression(q.where)} (${formatType(predicate.type)}) instead.`,
      );
    }
    const table = inputType === 'TABLE' && purpose === 'persistent';
    node = {
      kind: 'Filter',
      input: node,
      predicate,
      schema: scan.schema,
      tableKeyCount: table ? inputKeyCount : undefined,
    };
  }

  // SELECT items, with * expanded to column references.
  const expandStar = (qualifier?: string): ast.SingleColumn[] => {
    if (input !== undefined) {
      const names = input.star(qualifier) ?? [];
      return names.map((n) => ({ kind: 'SingleColumn', expression: columnRef(n) }));
    }
    // Header columns are part of `*` in every kind of query (KLIP-57); a persistent query stores them as value columns.
    const cols = allColumns(source.schema);
    const names = cols.map((c) => c.name);
    if (source.windowInfo !== undefined) names.splice(source.schema.key.length, 0, 'WINDOWSTART', 'WINDOWEND');
    return names.map((n) => ({ kind: 'SingleColumn', expression: columnRef(n) }));
  };
  const items: { item: ast.SingleColumn | ast.StructAll; original: ast.Expression | undefined }[] = [];
  for (const item of q.select) {
    if (item.kind === 'AllColumns') {
      const known = (q: string) => (input === undefined ? scope.sourceNames.includes(q) : input.star(q) !== undefined);
      if (item.source !== undefined && !known(item.source.value)) {
        throw new AnalysisError(`'${item.source.value}' is not a valid stream/table name or alias.`);
      }
      for (const c of expandStar(item.source?.value)) items.push({ item: c, original: c.expression });
    } else if (item.kind === 'SingleColumn') {
      items.push({ item: { ...item, expression: unqualify(item.expression) }, original: item.expression });
    } else {
      items.push({ item: { ...item, base: unqualify(item.base) }, original: undefined });
    }
  }

  let postScope: Scope = scope;
  let keySpace: { name: string; type: SqlType; text: string }[] =
    input !== undefined ? [input.key] : source.schema.key.map((c) => ({ name: c.name, type: c.type, text: c.name }));
  const replacements = new Map<string, string>();
  let kind: BuiltSelect['kind'] = 'plain';
  let window: WindowSpec | undefined;
  let having: ast.Expression | undefined;

  if (isAggregate) {
    kind = 'aggregate';
    if (q.having !== undefined) {
      const bound = refsWindowBound(q.having);
      if (bound !== undefined) {
        throw new AnalysisError(`Window bounds column ${bound} can only be used in the SELECT clause of windowed aggregations`);
      }
    }
    const groupBy = (q.groupBy ?? []).map(unqualify);
    const keyExprs = groupBy.map((g) => analyzer(scope, 'GROUP BY').analyze(g));
    // Key names: a column keeps its name; otherwise an alias from the projection, or KSQL_COL_n.
    keySpace = groupBy.map((g, i) => {
      const text = formatExpression(g);
      let name: string | undefined = g.kind === 'ColumnRef' ? g.name.value : undefined;
      if (name === undefined) {
        const aliased = items.find((x) => x.item.kind === 'SingleColumn' && x.item.alias !== undefined && formatExpression(x.item.expression) === text);
        name = aliased?.item.kind === 'SingleColumn' ? aliased.item.alias?.value : undefined;
      }
      return { name: name ?? `KSQL_COL_${i}`, type: keyExprs[i]!.type as SqlType, text };
    });
    groupBy.forEach((g, i) => replacements.set(formatExpression(g), `KSQL_GROUP_KEY_${i}`));

    // Aggregate calls, deduplicated by text.
    const calls: ast.FunctionCall[] = [];
    const callIndex = new Map<string, number>();
    const collect = (x: unknown) =>
      walkAst(x, (n) => {
        if (isAggregateCall(n)) {
          const t = formatExpression(n);
          if (!callIndex.has(t)) {
            callIndex.set(t, calls.length);
            calls.push(n);
          }
        }
      });
    for (const x of items) collect(x.item);
    if (q.having !== undefined) collect(unqualify(q.having));
    const aggregates: AggregateCall[] = calls.map((c) => {
      const name = c.name.value.toUpperCase();
      const args = c.star
        ? []
        : c.args.map((a) => {
            if (a.kind === 'Lambda' || a.kind === 'IntervalUnit') throw new AnalysisError(`Unsupported argument to ${name}`);
            return analyzer(scope, 'SELECT').analyze(a);
          });
      const fn = defaultAggregates.get(name)?.resolve(args.map((a) => a.type));
      if (fn === undefined) {
        throw new AnalysisError(`Function '${name}' does not accept parameters (${args.map((a) => formatMaybeType(a.type)).join(', ')}).`);
      }
      return { name, args, type: fn.returnType };
    });
    calls.forEach((c, i) => replacements.set(formatExpression(c), `KSQL_AGG_VARIABLE_${i}`));

    if (q.window !== undefined) window = windowSpec(q.window);
    const aggSchema: PlanColumn[] = [
      ...keySpace.map((k, i) => ({ name: `KSQL_GROUP_KEY_${i}`, type: k.type, isKey: true })),
      ...aggregates.map((a, i) => ({ name: `KSQL_AGG_VARIABLE_${i}`, type: a.type })),
      ...PSEUDO_COLUMNS.filter((c) => c.name === 'ROWTIME'),
      ...WINDOW_BOUNDS,
    ];
    const aggColumns = aggSchema.map((c, index) => ({ name: c.name, type: c.type, index }));
    postScope = {
      sourceNames: scope.sourceNames,
      columns: window === undefined ? aggColumns.filter((c) => c.name !== 'WINDOWSTART' && c.name !== 'WINDOWEND') : aggColumns,
    };
    node = {
      kind: 'Aggregate',
      input: node,
      keys: keyExprs,
      aggregates,
      window,
      tableKeyCount: inputType === 'TABLE' ? inputKeyCount : undefined,
      schema: aggSchema,
    };
    if (q.having !== undefined) having = unqualify(q.having);
  } else if (q.partitionBy !== undefined && q.partitionBy.length > 0) {
    if (inputType === 'TABLE') {
      throw new AnalysisError(
        'ksqlDB does not support PARTITION BY on a TABLE. Use GROUP BY to re-key a table.',
      );
    }
    kind = 'partition';
    const parts = q.partitionBy.map(unqualify);
    const partIsNull = parts.length === 1 && parts[0]!.kind === 'NullLiteral';
    if (partIsNull) {
      keySpace = [];
    } else {
      const partExprs = parts.map((p) => analyzer(scope, 'PARTITION BY').analyze(p));
      keySpace = parts.map((p, i) => {
        const text = formatExpression(p);
        let name: string | undefined = p.kind === 'ColumnRef' ? p.name.value : undefined;
        if (name === undefined) {
          const aliased = items.find((x) => x.item.kind === 'SingleColumn' && x.item.alias !== undefined && formatExpression(x.item.expression) === text);
          name = aliased?.item.kind === 'SingleColumn' ? aliased.item.alias?.value : undefined;
        }
        return { name: name ?? `KSQL_COL_${i}`, type: partExprs[i]!.type as SqlType, text };
      });
      parts.forEach((p, i) => replacements.set(formatExpression(p), `KSQL_PART_KEY_${i}`));
      const n = partExprs.length;
      const schema: PlanColumn[] = [
        ...keySpace.map((k, i) => ({ name: `KSQL_PART_KEY_${i}`, type: k.type, isKey: true })),
        ...scan.schema.map((c) => ({ name: c.name, type: c.type })),
      ];
      node = {
        kind: 'Project',
        input: node,
        expressions: [...partExprs, ...scan.schema.map((c, i) => ({ kind: 'Column' as const, index: i, name: c.name, type: c.type }))],
        schema,
      };
      postScope = {
        sourceNames: scope.sourceNames,
        columns: schema.map((c, index) => ({ name: c.name, type: c.type, index })),
      };
      void n;
    }
  }

  const rewrite = <T>(x: T): T =>
    replacements.size === 0
      ? x
      : mapAst(x, (n) => {
          const name = replacements.get(formatExpression(n));
          return name === undefined ? undefined : columnRef(name);
        });

  if (having !== undefined) {
    const h = rewrite(having);
    const predicate = analyzer(postScope, 'HAVING').analyze(h);
    node = { kind: 'Filter', input: node, predicate, schema: node.schema, tableKeyCount: keySpace.length };
  }

  // Projection
  const projAnalyzer = analyzer(postScope, 'SELECT');
  const names: (string | undefined)[] = [];
  const exprs: Expr[] = [];
  const keyIndexes: (number | undefined)[] = [];
  const bounds: boolean[] = [];
  for (const { item, original } of items) {
    if (item.kind === 'StructAll') {
      const base = projAnalyzer.analyze(rewrite(item.base));
      if (base.type === null || base.type.type !== 'STRUCT') {
        throw new AnalysisError(`Expected STRUCT type for ${formatExpression(item.base)}->*, got ${base.type === null ? 'null' : formatType(base.type)}`);
      }
      for (const f of base.type.fields) {
        exprs.push({ kind: 'Deref', operand: base, field: f.name, type: f.type });
        names.push(f.name);
        keyIndexes.push(undefined);
        bounds.push(false);
      }
      continue;
    }
    const rewritten = rewrite(item.expression);
    if (kind === 'aggregate') {
      let stray: string | undefined;
      walkAst(rewritten, (n) => {
        if (
          stray === undefined &&
          n.kind === 'ColumnRef' &&
          !postScope.columns.some((c) => c.name === n.name.value) &&
          scope.columns.some((c) => c.name === n.name.value)
        ) {
          stray = n.name.value;
        }
      });
      if (stray !== undefined) {
        throw new AnalysisError(`Non-aggregate SELECT expression(s) not part of GROUP BY: ${formatExpression(original ?? item.expression)}`);
      }
    }
    let e = projAnalyzer.analyze(rewritten);
    const src = original ?? item.expression;
    if (item.alias !== undefined) names.push(item.alias.value);
    else if (src.kind === 'ColumnRef') names.push(input === undefined ? src.name.value : input.nameOf(src));
    else if (src.kind === 'Dereference') names.push(src.field.value);
    else names.push(undefined);
    let keyIndex: number | undefined;
    let bound = false;
    if (rewritten.kind === 'ColumnRef') {
      const n = rewritten.name.value;
      const m = /^KSQL_(?:GROUP|PART)_KEY_(\d+)$/.exec(n);
      if (m !== null && kind !== 'plain') keyIndex = Number(m[1]);
      else if (kind === 'plain' && input !== undefined) {
        if (input.keyNames.includes(n)) {
          keyIndex = 0;
          // The join key itself: equal to the column wherever both exist, and kept by tombstones.
          e = { kind: 'Column', index: 0, name: input.key.name, type: e.type ?? input.key.type };
        }
      } else if (kind === 'plain') {
        const k = source.schema.key.findIndex((c) => c.name === n);
        if (k >= 0) keyIndex = k;
      }
      bound = n === 'WINDOWSTART' || n === 'WINDOWEND';
    }
    exprs.push(e);
    keyIndexes.push(keyIndex);
    bounds.push(bound);
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
  const columns: OutputColumn[] = exprs.map((e, i) => {
    const name = finalNames[i] as string;
    if (e.type === null) {
      throw new AnalysisError(`Can't determine the type of column ${name}: use CAST to give NULL a type.`);
    }
    return { name, type: e.type, expr: e, keyIndex: keyIndexes[i], windowBound: bounds[i] };
  });
  const seen = new Set<string>();
  for (const c of columns) {
    if (seen.has(c.name)) {
      throw new AnalysisError(`Duplicate value columns found in schema: \`${c.name}\` ${formatType(c.type)}`);
    }
    seen.add(c.name);
  }
  return {
    source,
    input: node,
    columns,
    keySpace,
    kind,
    window,
    windowed: window !== undefined || (kind !== 'aggregate' && (input?.windowed ?? source.windowInfo !== undefined)),
  };
}

/** The projection node over a built select, with columns in the given order. */
export function projectNode(built: BuiltSelect, columns: readonly OutputColumn[], markKeys: boolean): { node: PlanNode; schema: PlanColumn[] } {
  const schema: PlanColumn[] = columns.map((c) =>
    markKeys && (c.keyIndex !== undefined || c.windowBound === true) ? { name: c.name, type: c.type, isKey: true } : { name: c.name, type: c.type },
  );
  return { node: { kind: 'Project', input: built.input, expressions: columns.map((c) => c.expr), schema }, schema };
}
