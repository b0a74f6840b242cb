/**
 * Persistent queries: CREATE STREAM/TABLE AS SELECT, INSERT INTO ... SELECT,
 * and the materialization of CREATE SOURCE TABLE, with ksqlDB's messages.
 *
 * The sink's row layout is its key columns, then its value columns; the
 * sink topic defaults to the sink name, its partitions and formats to the
 * source's.
 *
 * @module
 */
import { parseSourceProperties, type Column, type DataSource } from '../catalog/index.js';
import { AnalysisError, CatalogError } from '../errors.js';
import type { PersistentQueryPlan, PlanNode, SinkSpec } from '../plan/index.js';
import type * as ast from '../sql/ast.js';
import { formatType, isFormatName, typeEquals, type FormatName } from '../types/index.js';
import type { PlannerContext } from './context.js';
import type { PersistentQueryStatementPlan } from './plans.js';
import { toWithProperties } from './properties.js';
import { planJoin } from './join.js';
import { buildSelect, scanSource, type BuiltSelect, type OutputColumn, type SelectInput } from './select.js';

function sinkSpec(sink: DataSource, keyCount: number, windowed: boolean): SinkSpec {
  return {
    name: sink.name,
    sourceType: sink.sourceType,
    topic: sink.topic,
    keyCount,
    key: {
      format: sink.keyFormat.format,
      columns: sink.schema.key.map((c) => ({ name: c.name, type: c.type })),
      delimiter: sink.keyFormat.properties['delimiter'],
    },
    value: {
      format: sink.valueFormat.format,
      columns: sink.schema.value.filter((c) => c.namespace === 'VALUE').map((c) => ({ name: c.name, type: c.type })),
      wrapSingle: sink.wrapSingleValue,
      delimiter: sink.valueFormat.properties['delimiter'],
    },
    windowed,
  };
}

/** Output columns as the sink lays them out: key columns (in key order) first. */
function sinkColumns(
  built: BuiltSelect,
  sinkName: string,
  sourceType: 'STREAM' | 'TABLE',
  input?: SelectInput  ,
): { keys: OutputColumn[]; values: OutputColumn[] } {
  const keys: OutputColumn[] = [];
  const used = new Set<OutputColumn>();
  built.keySpace.forEach((k, i) => {
    const c = built.columns.find((x) => x.keyIndex === i);
    if (c === undefined && input !== undefined && built.kind === 'plain') throw new AnalysisError(input.keyMissing(sinkName));
    if (c === undefined) {
      const what = built.kind === 'aggregate' ? 'grouping expression' : built.kind === 'partition' ? 'partitioning expression' : 'key column';
      throw new AnalysisError(
        `Key missing from projection (ie, SELECT).\nThe query used to build \`${sinkName}\` must include the ${what} ${k.text} in its projection (eg, SELECT ${k.text}...).`,
      );
    }
    keys.push(c);
    used.add(c);
  });
  void sourceType;
  return { keys, values: built.columns.filter((c) => !used.has(c)) };
}

function queryRoot(built: BuiltSelect, columns: readonly OutputColumn[]): PlanNode {
  return {
    kind: 'Project',
    input: built.input,
    expressions: columns.map((c) => c.expr),
    schema: columns.map((c) => ({ name: c.name, type: c.type })),
  };
}

/** The query's (left-most) source, and the join its FROM clause is, if it is one. */
function sourceOf(q: ast.Query, ctx: PlannerContext): { source: DataSource; input: SelectInput | undefined } {
  if (q.from.kind === 'Join') {
    const join = planJoin(q.from, ctx);
    return { source: join.source, input: join.input };
  }
  const source = ctx.catalog.getSource(q.from.name.value);
  if (source === undefined) throw new AnalysisError(`${q.from.name.value} does not exist.`);
  return { source, input: undefined };
}

function checkFormat(name: string): FormatName {
  if (!isFormatName(name)) throw new CatalogError(`Unknown format: ${name}`);
  return name;
}

export function planCreateAsSelect(stmt: ast.CreateSourceAs, ctx: PlannerContext): PersistentQueryStatementPlan {
  const q = stmt.query;
  const kindName = `CREATE ${stmt.sourceType} AS SELECT`;
  if (q.limit !== undefined) throw new AnalysisError(`${kindName} statements don't support LIMIT clause.`);
  const props = parseSourceProperties(toWithProperties(stmt.properties), 'createAs');
  const name = stmt.name.value;
  const { source, input } = sourceOf(q, ctx);
  const built = buildSelect(q, source, ctx, 'persistent', input);
  const inputType = input?.sourceType ?? source.sourceType;
  const resultType = built.kind === 'aggregate' || (inputType === 'TABLE' && built.kind === 'plain') ? 'TABLE' : 'STREAM';
  if (resultType !== stmt.sourceType) {
    throw new AnalysisError(
      `Invalid result type. Your SELECT query produces a ${resultType}. Please use CREATE ${resultType} AS SELECT statement instead.`,
    );
  }
  const prefix = stmt.sourceType === 'STREAM' ? 'CSAS' : 'CTAS';
  const existing = ctx.catalog.getSource(name);
  const kind = stmt.sourceType.toLowerCase();
  if (existing !== undefined && !stmt.orReplace) {
    if (stmt.ifNotExists) {
      return {
        kind: 'PersistentQuery',
        statementText: stmt.text,
        idPrefix: `${prefix}_${name}`,
        orReplace: false,
        existsWarning: `Cannot add ${kind} \`${name}\`: A ${existing.sourceType.toLowerCase()} with the same name already exists.`,
        commandType: stmt.sourceType === 'STREAM' ? 'stream' : 'table',
        sinkName: name,
      };
    }
    throw new CatalogError(`Cannot add ${kind} '${name}': A ${existing.sourceType.toLowerCase()} with the same name already exists`);
  }

  const { keys, values } = sinkColumns(built, name, stmt.sourceType, input);
  const keyCols: Column[] = keys.map((c) => ({ name: c.name, type: c.type, namespace: 'KEY' }));
  const valueCols: Column[] = values.map((c) => ({ name: c.name, type: c.type, namespace: 'VALUE' }));
  if (stmt.sourceType === 'TABLE' && keyCols.length === 0) {
    throw new AnalysisError('Tables require a PRIMARY KEY. Please define the PRIMARY KEY.');
  }
  const prefixTopic = ctx.config.get('ksql.output.topic.name.prefix') ?? '';
  const topic = props.kafkaTopic ?? `${prefixTopic}${name}`;
  const sourceTopic = ctx.describeTopic(source.topic);
  const keyFormat = checkFormat(
    props.keyFormat ??
      (keyCols.length === 0
        ? 'NONE'
        : source.keyFormat.format === 'NONE'
          ? (ctx.config.get('ksql.persistence.default.format.key') ?? 'KAFKA').toUpperCase()
          : source.keyFormat.format),
  );
  const valueFormat = checkFormat(props.valueFormat ?? source.valueFormat.format);
  const windowInfo =
    built.window !== undefined
      ? { type: built.window.type, sizeMs: built.window.type === 'SESSION' ? undefined : built.window.sizeMs }
      : built.windowed
        ? source.windowInfo
        : undefined;
  const sink: DataSource = {
    sourceType: stmt.sourceType,
    name,
    schema: { key: keyCols, value: valueCols },
    topic,
    keyFormat: { format: keyFormat, properties: {} },
    valueFormat: { format: valueFormat, properties: {} },
    wrapSingleValue: props.wrapSingleValue,
    timestampColumn: undefined,
    windowInfo,
    sqlExpression: stmt.text,
    isSource: false,
    isSink: true,
  };
  const existingTopic = ctx.describeTopic(topic);
  const plan: PersistentQueryPlan = {
    kind: 'PersistentQuery',
    root: queryRoot(built, [...keys, ...values]),
    schema: [...keyCols, ...valueCols].map((c) => ({ name: c.name, type: c.type, isKey: c.namespace === 'KEY' })),
    sourceName: source.name,
    topic: source.topic,
    sink: sinkSpec(sink, keyCols.length, windowInfo !== undefined),
    produce: true,
    materialize: stmt.sourceType === 'TABLE',
  };
  return {
    kind: 'PersistentQuery',
    statementText: stmt.text,
    idPrefix: `${prefix}_${name}`,
    sinkSource: sink,
    orReplace: stmt.orReplace,
    createTopic:
      existingTopic === undefined
        ? {
            partitions: props.partitions ?? sourceTopic?.partitions ?? 1,
            replicas: props.replicas ?? sourceTopic?.replicas ?? 1,
            cleanupPolicy: stmt.sourceType === 'TABLE' ? 'compact' : 'delete',
            // Kafka's -1: kept forever.
      ...(props.retentionMs === undefined || props.retentionMs < 0n ? {} : { retentionMs: Number(props.retentionMs) }),
          }
        : undefined,
    plan,
    commandType: stmt.sourceType === 'STREAM' ? 'stream' : 'table',
    sinkName: name,
  };
}

export function planInsertSelect(stmt: ast.InsertInto, ctx: PlannerContext): PersistentQueryStatementPlan {
  const q = stmt.query;
  if (q.limit !== undefined) throw new AnalysisError("INSERT INTO statements don't support LIMIT clause.");
  const name = stmt.target.value;
  const target = ctx.catalog.getSource(name);
  if (target === undefined) throw new AnalysisError(`${name} does not exist.`);
  if (target.sourceType !== 'STREAM') {
    throw new AnalysisError(`INSERT INTO can only be used to insert into a stream. ${name} is a table.`);
  }
  if (target.isSource) throw new AnalysisError(`Cannot insert into read-only stream: ${name}`);
  const { source, input } = sourceOf(q, ctx);
  const built = buildSelect(q, source, ctx, 'persistent', input);
  if (built.kind === 'aggregate' || (input?.sourceType ?? source.sourceType) === 'TABLE') {
    throw new AnalysisError(`INSERT INTO can only be used to insert into a stream. The query produces a TABLE.`);
  }
  const { keys, values } = sinkColumns(built, name, 'STREAM', input);
  const targetKeys = target.schema.key;
  const targetValues = target.schema.value.filter((c) => c.namespace === 'VALUE');
  const same = (a: readonly OutputColumn[], b: readonly Column[]) =>
    a.length === b.length && a.every((c, i) => c.name === b[i]?.name && typeEquals(c.type, b[i].type));
  if (!same(keys, targetKeys) || !same(values, targetValues)) {
    const fmt = (cs: readonly { name: string; type: Parameters<typeof formatType>[0] }[], key: boolean) =>
      cs.map((c) => `\`${c.name}\` ${formatType(c.type)}${key ? ' KEY' : ''}`);
    throw new AnalysisError(
      `Incompatible schema between results and sink.\nResult schema is ${[...fmt(keys, true), ...fmt(values, false)].join(', ')}\n` +
        `Sink schema is ${[...fmt(targetKeys, true), ...fmt(targetValues, false)].join(', ')}`,
    );
  }
  const plan: PersistentQueryPlan = {
    kind: 'PersistentQuery',
    root: queryRoot(built, [...keys, ...values]),
    schema: [...targetKeys, ...targetValues].map((c) => ({ name: c.name, type: c.type, isKey: c.namespace === 'KEY' })),
    sourceName: source.name,
    topic: source.topic,
    sink: sinkSpec(target, targetKeys.length, target.windowInfo !== undefined),
    produce: true,
    materialize: false,
  };
  return {
    kind: 'PersistentQuery',
    statementText: stmt.text,
    idPrefix: 'INSERTQUERY',
    orReplace: false,
    plan,
    commandType: 'stream',
    sinkName: name,
  };
}

/** CREATE SOURCE TABLE: a query that only materializes the topic, for pull queries. */
export function planSourceTableMaterialization(source: DataSource): PersistentQueryPlan {
  const { scan } = scanSource(source);
  const cols = [...source.schema.key, ...source.schema.value.filter((c) => c.namespace === 'VALUE')];
  const root: PlanNode = {
    kind: 'Project',
    input: scan,
    expressions: cols.map((c) => ({ kind: 'Column' as const, index: scan.schema.findIndex((x) => x.name === c.name), name: c.name, type: c.type })),
    schema: cols.map((c) => ({ name: c.name, type: c.type })),
  };
  return {
    kind: 'PersistentQuery',
    root,
    schema: cols.map((c) => ({ name: c.name, type: c.type, isKey: c.namespace === 'KEY' })),
    sourceName: source.name,
    topic: source.topic,
    sink: sinkSpec(source, source.schema.key.length, source.windowInfo !== undefined),
    produce: false,
    materialize: true,
  };
}
