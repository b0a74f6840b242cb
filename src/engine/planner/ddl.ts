/**
 * CREATE STREAM/TABLE, DROP, CREATE/DROP TYPE: validation with ksqlDB's
 * messages, producing plans whose effects the runtime applies.
 *
 * @module
 */
import {
  formatPropertyLiteral,
  isSystemColumn,
  parseDelimiter,
  parseSourceProperties,
  type Column,
  type DataSource,
  type FormatInfo,
  type SourceProperties,
} from '../catalog/index.js';
import { AnalysisError, CatalogError } from '../errors.js';
import type * as ast from '../sql/ast.js';
import { formatType, isFormatName, validateFormatColumns, type FormatName } from '../types/index.js';
import type { PlannerContext } from './context.js';
import { formatAstType, formatName } from './format.js';
import type { CreateSourcePlan, CreateTypePlan, DropSourcePlan, DropTypePlan } from './plans.js';
import { toWithProperties } from './properties.js';
import { resolveType } from './types.js';

const KEY_VS_PK =
  '\nTables have PRIMARY KEYs, which are unique and NON NULL.\nStreams have KEYs, which have no uniqueness or NON NULL constraints.';

function locPrefix(node: { readonly loc?: ast.Location | undefined }): string {
  return node.loc === undefined ? '' : `Line: ${node.loc.line}, Col: ${node.loc.column}: `;
}

function checkElements(stmt: ast.CreateSource): void {
  for (const e of stmt.elements) {
    if (stmt.sourceType === 'STREAM' && e.constraint === 'PRIMARY KEY') {
      throw new AnalysisError(
        `${locPrefix(e)}Column ${'`' + e.name.value + '`'} is a 'PRIMARY KEY' column: please use 'KEY' for streams.${KEY_VS_PK}`,
      );
    }
    if (stmt.sourceType === 'TABLE' && e.constraint === 'KEY') {
      throw new AnalysisError(
        `${locPrefix(e)}Column ${'`' + e.name.value + '`'} is a 'KEY' column: please use 'PRIMARY KEY' for tables.${KEY_VS_PK}`,
      );
    }
  }
  const seen = new Set<string>();
  const dups: string[] = [];
  for (const e of stmt.elements) {
    if (seen.has(e.name.value)) dups.push('`' + e.name.value + '`');
    seen.add(e.name.value);
  }
  if (dups.length > 0) throw new AnalysisError(`Duplicate column names: ${dups.join(', ')}`);
}

function formatInfo(format: FormatName, props: SourceProperties, which: 'key' | 'value'): FormatInfo {
  const p: Record<string, string> = {};
  const delimiter = which === 'key' ? props.keyDelimiter : props.valueDelimiter;
  if (delimiter !== undefined) p['delimiter'] = parseDelimiter(delimiter);
  const schemaId = which === 'key' ? props.keySchemaId : props.valueSchemaId;
  if (schemaId !== undefined) p['schemaId'] = String(schemaId);
  const fullName = which === 'key' ? props.keySchemaFullName : props.valueSchemaFullName;
  if (fullName !== undefined) p['fullSchemaName'] = fullName;
  return { format, properties: p };
}

function checkFormatName(name: string): FormatName {
  if (!isFormatName(name)) throw new CatalogError(`Unknown format: ${name}`);
  return name;
}

/** The statement with PARTITIONS added, as ksqlDB suggests it (`SqlFormatter`). */
function exampleWithPartitions(stmt: ast.CreateSource, partitions: number): string {
  const props = new Map<string, string>();
  for (const p of stmt.properties) props.set(p.name.toUpperCase(), formatPropertyLiteral(toWithProperties([p])[0]!.value));
  props.set('PARTITIONS', String(partitions));
  const with_ = [...props].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, v]) => `${k}=${v}`).join(', ');
  const cols = stmt.elements
    .map((e) => {
      let s = `${formatName(e.name.value)} ${formatAstType(e.type)}`;
      if (e.constraint === 'KEY') s += ' KEY';
      else if (e.constraint === 'PRIMARY KEY') s += ' PRIMARY KEY';
      else if (e.constraint === 'HEADERS') s += ' HEADERS';
      else if (e.constraint === 'HEADER') s += ` HEADER('${(e.headerKey ?? '').replaceAll("'", "''")}')`;
      return s;
    })
    .join(', ');
  return `CREATE ${stmt.sourceType} ${formatName(stmt.name.value)}${cols ? ` (${cols})` : ''} WITH (${with_});`;
}

export function planCreateSource(stmt: ast.CreateSource, ctx: PlannerContext): CreateSourcePlan {
  checkElements(stmt);
  const props = parseSourceProperties(toWithProperties(stmt.properties), 'create');
  const name = stmt.name.value;
  const kind = stmt.sourceType.toLowerCase();

  // Columns
  const lookup = (n: string) => ctx.catalog.getType(n);
  const key: Column[] = [];
  const value: Column[] = [];
  for (const e of stmt.elements) {
    if (isSystemColumn(e.name.value)) {
      throw new CatalogError(`'${e.name.value}' is a reserved column name. You cannot use it as a name for a column.`);
    }
    const type = resolveType(e.type, lookup);
    if (e.constraint === 'KEY' || e.constraint === 'PRIMARY KEY') key.push({ name: e.name.value, type, namespace: 'KEY' });
    else if (e.constraint === 'HEADERS') value.push({ name: e.name.value, type, namespace: 'HEADERS' });
    else if (e.constraint === 'HEADER') value.push({ name: e.name.value, type, namespace: 'HEADER', headerKey: e.headerKey });
    else value.push({ name: e.name.value, type, namespace: 'VALUE' });
  }

  // Formats
  const explicitKey = props.keyFormat !== undefined;
  const defaultKey = ctx.config.get('ksql.persistence.default.format.key') ?? 'KAFKA';
  const keyFormatName = checkFormatName(props.keyFormat ?? (key.length === 0 ? 'NONE' : defaultKey.toUpperCase()));
  const defaultValue = ctx.config.get('ksql.persistence.default.format.value');
  const valueFormatRaw = props.valueFormat ?? defaultValue?.toUpperCase();
  if (valueFormatRaw === undefined) {
    throw new CatalogError(
      "Statement is missing the 'VALUE_FORMAT' property from the WITH clause. " +
        "Either provide one or set a default via the 'ksql.persistence.default.format.value' config.",
    );
  }
  const valueFormatName = checkFormatName(valueFormatRaw);
  void explicitKey;

  // Topic
  const topicName = props.kafkaTopic as string;
  const topic = ctx.describeTopic(topicName);
  let createTopic: CreateSourcePlan['createTopic'];
  if (topic === undefined) {
    if (props.partitions === undefined) {
      throw new CatalogError(
        `Topic '${topicName}' does not exist. If you want to create a new topic for the stream/table please re-run ` +
          `the statement providing the required 'PARTITIONS' configuration in the WITH clause (and optionally 'REPLICAS'). ` +
          `For example: ${exampleWithPartitions(stmt, 2)}`,
      );
    }
    if (props.partitions < 1) {
      throw new CatalogError(`Invalid value ${props.partitions} for property PARTITIONS: must be at least 1`);
    }
    createTopic = {
      partitions: props.partitions,
      replicas: props.replicas ?? 1,
      cleanupPolicy: props.cleanupPolicy ?? (stmt.sourceType === 'TABLE' ? 'compact' : 'delete'),
      // Kafka's -1: kept forever.
      ...(props.retentionMs === undefined || props.retentionMs < 0n ? {} : { retentionMs: Number(props.retentionMs) }),
    };
  } else if (
    (props.partitions !== undefined && props.partitions !== topic.partitions) ||
    (props.replicas !== undefined && props.replicas !== topic.replicas)
  ) {
    throw new CatalogError(
      `A Kafka topic with the name '${topicName}' already exists, with different partition/replica configuration than required. ` +
        `KSQL expects ${props.partitions ?? topic.partitions} partitions (topic has ${topic.partitions}), ` +
        `${props.replicas ?? topic.replicas} replication factor (topic has ${topic.replicas}).`,
    );
  }

  if (key.length === 0 && value.length === 0) {
    throw new CatalogError('The statement does not define any columns.');
  }

  // Existing source
  const existing = ctx.catalog.getSource(name);
  if (existing !== undefined && !stmt.orReplace) {
    if (stmt.ifNotExists) {
      return {
        kind: 'CreateSource',
        statementText: stmt.text,
        source: existing,
        orReplace: false,
        existsWarning: `Cannot add ${kind} \`${name}\`: A ${existing.sourceType.toLowerCase()} with the same name already exists.`,
      };
    }
    throw new CatalogError(
      `Cannot add ${kind} '${name}': A ${existing.sourceType.toLowerCase()} with the same name already exists`,
    );
  }
  if (existing !== undefined && existing.sourceType !== stmt.sourceType) {
    throw new CatalogError(
      `Cannot add ${kind} '${name}': A ${existing.sourceType.toLowerCase()} with the same name already exists`,
    );
  }

  if (stmt.sourceType === 'TABLE' && key.length === 0) {
    throw new CatalogError('Tables require a PRIMARY KEY. Please define the PRIMARY KEY.');
  }

  // Timestamp column
  let timestampColumn: DataSource['timestampColumn'];
  if (props.timestampColumn !== undefined) {
    const col = [...key, ...value].find((c) => c.name === props.timestampColumn);
    if (col === undefined) {
      throw new CatalogError(
        `The TIMESTAMP column set in the WITH clause does not exist in the schema: '${props.timestampColumn}'`,
      );
    }
    if (col.type.type === 'STRING') {
      if (props.timestampFormat === undefined) {
        throw new CatalogError('A String timestamp field has been specified without also specifying the timestamp_format');
      }
    } else {
      if (props.timestampFormat !== undefined) {
        throw new CatalogError(
          "'TIMESTAMP_FORMAT' set in the WITH clause can only be used when the timestamp column is of type STRING.",
        );
      }
      if (col.type.type !== 'BIGINT' && col.type.type !== 'TIMESTAMP') {
        throw new CatalogError(
          `Timestamp column, \`${col.name}\`, should be LONG(INT64), TIMESTAMP, or a String with a timestamp_format specified`,
        );
      }
    }
    timestampColumn = { column: col.name, format: props.timestampFormat };
  }

  // Formats vs columns
  const keyProblem = validateFormatColumns(keyFormatName, key, 'key');
  if (keyProblem !== undefined) throw new CatalogError(keyProblem);
  const storedValue = value.filter((c) => c.namespace === 'VALUE');
  const valueProblem = validateFormatColumns(valueFormatName, storedValue, 'value');
  if (valueProblem !== undefined) throw new CatalogError(valueProblem);
  if (props.wrapSingleValue !== undefined) {
    if (storedValue.length !== 1) {
      throw new CatalogError("'WRAP_SINGLE_VALUE' is only valid for single-field value schemas.");
    }
    if (valueFormatName === 'KAFKA' || valueFormatName === 'DELIMITED') {
      throw new CatalogError(`Format '${valueFormatName}' does not support 'WRAP_SINGLE_VALUE' set to '${String(props.wrapSingleValue)}'.`);
    }
  }
  for (const c of value) {
    if (c.namespace === 'HEADER' && c.type.type !== 'BYTES') {
      throw new CatalogError(`Invalid type for HEADER('${c.headerKey ?? ''}') column \`${c.name}\`: expected BYTES, got ${formatType(c.type)}.`);
    }
  }

  const source: DataSource = {
    sourceType: stmt.sourceType,
    name,
    schema: { key, value },
    topic: topicName,
    keyFormat: formatInfo(keyFormatName, props, 'key'),
    valueFormat: formatInfo(valueFormatName, props, 'value'),
    wrapSingleValue: props.wrapSingleValue,
    timestampColumn,
    windowInfo:
      props.windowType === undefined ? undefined : { type: props.windowType, sizeMs: props.windowSizeMs },
    sqlExpression: stmt.text,
    isSource: stmt.isSource,
    isSink: false,
  };
  return { kind: 'CreateSource', statementText: stmt.text, source, orReplace: stmt.orReplace, createTopic };
}

export function planDropSource(stmt: ast.DropSource, ctx: PlannerContext): DropSourcePlan {
  const name = stmt.name.value;
  const source = ctx.catalog.getSource(name);
  if (source === undefined) {
    if (stmt.ifExists) {
      return { kind: 'DropSource', statementText: stmt.text, sourceType: stmt.sourceType, name, deleteTopic: stmt.deleteTopic };
    }
    throw new CatalogError(`Source ${name} does not exist.`);
  }
  if (source.sourceType !== stmt.sourceType) {
    throw new CatalogError(
      `Incompatible data source type is ${source.sourceType}, but statement was DROP ${stmt.sourceType}`,
    );
  }
  const readers = ctx.queries.readersOf(name).filter((q) => q.queryType === 'PERSISTENT');
  const writers = ctx.queries.writersOf(name).filter((q) => q.queryType === 'PERSISTENT');
  if (readers.length > 0 || writers.length > 0) {
    throw new CatalogError(
      `Cannot drop ${name}.\n` +
        `The following queries read from this source: [${readers.map((q) => q.id).join(', ')}].\n` +
        `The following queries write into this source: [${writers.map((q) => q.id).join(', ')}].\n` +
        'You need to terminate them before dropping ' +
        `${name}.`,
    );
  }
  return { kind: 'DropSource', statementText: stmt.text, sourceType: stmt.sourceType, name, source, deleteTopic: stmt.deleteTopic };
}

export function planCreateType(stmt: ast.CreateType, ctx: PlannerContext): CreateTypePlan {
  const name = stmt.name.value;
  const type = resolveType(stmt.type, (n) => ctx.catalog.getType(n));
  const existing = ctx.catalog.getType(name);
  if (existing !== undefined) {
    const msg = `Cannot register custom type '${name}' since it is already registered with type: ${formatType(existing)}`;
    if (stmt.ifNotExists) return { kind: 'CreateType', statementText: stmt.text, name, type, existsWarning: msg };
    throw new CatalogError(msg);
  }
  return { kind: 'CreateType', statementText: stmt.text, name, type };
}

export function planDropType(stmt: ast.DropType, ctx: PlannerContext): DropTypePlan {
  const name = stmt.name.value;
  const exists = ctx.catalog.getType(name) !== undefined;
  if (!exists && !stmt.ifExists) throw new CatalogError(`Type ${name} does not exist.`);
  return { kind: 'DropType', statementText: stmt.text, name, exists };
}
