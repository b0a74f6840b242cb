/**
 * The WITH clause of CREATE STREAM/TABLE, validated as ksqlDB's
 * `CreateSourceProperties` (a Kafka `ConfigDef`) does, with its messages:
 * unknown names, value types, required KAFKA_TOPIC, FORMAT vs
 * KEY_FORMAT/VALUE_FORMAT, window properties.
 *
 * @module
 */
import { CatalogError } from '../errors.js';
import type { WindowType } from './source.js';

/** A WITH value as written (the catalog does not know the SQL AST). */
export type PropertyLiteral =
  | { readonly kind: 'string'; readonly value: string }
  | { readonly kind: 'number'; readonly text: string; readonly integral: boolean }
  | { readonly kind: 'boolean'; readonly value: boolean }
  | { readonly kind: 'null' };

export interface WithProperty {
  readonly name: string;
  readonly value: PropertyLiteral;
}

type ConfigType = 'STRING' | 'INT' | 'SHORT' | 'LONG' | 'BOOLEAN';

const COMMON: Record<string, ConfigType> = {
  KAFKA_TOPIC: 'STRING',
  PARTITIONS: 'INT',
  REPLICAS: 'SHORT',
  RETENTION_MS: 'LONG',
  VALUE_FORMAT: 'STRING',
  TIMESTAMP: 'STRING',
  TIMESTAMP_FORMAT: 'STRING',
  WRAP_SINGLE_VALUE: 'BOOLEAN',
  VALUE_AVRO_SCHEMA_FULL_NAME: 'STRING',
  KEY_SCHEMA_FULL_NAME: 'STRING',
  VALUE_SCHEMA_FULL_NAME: 'STRING',
  KEY_DELIMITER: 'STRING',
  VALUE_DELIMITER: 'STRING',
  KEY_FORMAT: 'STRING',
  FORMAT: 'STRING',
  KEY_SCHEMA_ID: 'INT',
  VALUE_SCHEMA_ID: 'INT',
  KEY_PROTOBUF_NULLABLE_REPRESENTATION: 'STRING',
  VALUE_PROTOBUF_NULLABLE_REPRESENTATION: 'STRING',
};

/** CREATE STREAM/TABLE (CreateConfigs). */
const CREATE: Record<string, ConfigType> = {
  ...COMMON,
  WINDOW_TYPE: 'STRING',
  WINDOW_SIZE: 'STRING',
  SOURCE_CONNECTOR: 'STRING',
  CLEANUP_POLICY: 'STRING',
};

/** CREATE ... AS SELECT (CreateAsConfigs). */
const CREATE_AS: Record<string, ConfigType> = { ...COMMON };

export interface SourceProperties {
  readonly kafkaTopic?: string | undefined;
  readonly partitions?: number | undefined;
  readonly replicas?: number | undefined;
  readonly retentionMs?: bigint | undefined;
  /** KEY_FORMAT, or FORMAT when given (upper-cased). */
  readonly keyFormat?: string | undefined;
  /** VALUE_FORMAT, or FORMAT when given (upper-cased). */
  readonly valueFormat?: string | undefined;
  readonly timestampColumn?: string | undefined;
  readonly timestampFormat?: string | undefined;
  readonly wrapSingleValue?: boolean | undefined;
  readonly keyDelimiter?: string | undefined;
  readonly valueDelimiter?: string | undefined;
  readonly keySchemaId?: number | undefined;
  readonly valueSchemaId?: number | undefined;
  readonly keySchemaFullName?: string | undefined;
  readonly valueSchemaFullName?: string | undefined;
  readonly windowType?: WindowType | undefined;
  readonly windowSizeMs?: number | undefined;
  readonly cleanupPolicy?: string | undefined;
  /** Every property as given, by upper-cased name, in the order written. */
  readonly originals: ReadonlyMap<string, PropertyLiteral>;
}

function literalText(v: PropertyLiteral): string {
  switch (v.kind) {
    case 'string':
      return v.value;
    case 'number':
      return v.text;
    case 'boolean':
      return String(v.value);
    case 'null':
      return 'null';
  }
}

function javaClass(v: PropertyLiteral): string {
  switch (v.kind) {
    case 'string':
      return 'java.lang.String';
    case 'number':
      return v.integral ? 'java.lang.Integer' : 'java.math.BigDecimal';
    case 'boolean':
      return 'java.lang.Boolean';
    case 'null':
      return 'null';
  }
}

function invalid(name: string, v: PropertyLiteral, message: string): CatalogError {
  return new CatalogError(`Invalid value ${literalText(v)} for property ${name}: ${message}`);
}

function parseValue(name: string, type: ConfigType, v: PropertyLiteral): string | number | bigint | boolean | undefined {
  if (v.kind === 'null') return undefined;
  switch (type) {
    case 'STRING':
      if (v.kind !== 'string') throw invalid(name, v, `Expected value to be a string, but it was a ${javaClass(v)}`);
      return v.value;
    case 'BOOLEAN':
      if (v.kind === 'boolean') return v.value;
      if (v.kind === 'string') {
        const t = v.value.trim().toLowerCase();
        if (t === 'true') return true;
        if (t === 'false') return false;
      }
      throw invalid(name, v, 'Expected value to be either true or false');
    case 'INT':
    case 'SHORT':
    case 'LONG': {
      const text = v.kind === 'string' ? v.value.trim() : v.kind === 'number' && v.integral ? v.text : undefined;
      const label = type === 'INT' ? '32-bit integer' : type === 'SHORT' ? '16-bit integer' : '64-bit integer';
      if (text === undefined) throw invalid(name, v, `Expected value to be a ${label}, but it was a ${javaClass(v)}`);
      if (!/^[+-]?\d+$/.test(text)) throw invalid(name, v, `Not a number of type ${type}`);
      const n = BigInt(text);
      const bits = type === 'INT' ? 32 : type === 'SHORT' ? 16 : 64;
      if (BigInt.asIntN(bits, n) !== n) throw invalid(name, v, `Not a number of type ${type}`);
      return type === 'LONG' ? n : Number(n);
    }
  }
}

/** `10 SECONDS`, `1 HOUR` → milliseconds (ksqlDB's DurationParser). */
export function parseDurationText(text: string): number {
  const m = /^\s*(\d+)\s+([A-Za-z]+)\s*$/.exec(text);
  if (!m) throw new Error(`Expected 2 tokens, got: ${text.trim().split(/\s+/).length}`);
  const n = Number(m[1]);
  const unit = (m[2] as string).toUpperCase().replace(/S$/, '');
  const scale: Record<string, number> = {
    MILLISECOND: 1,
    SECOND: 1000,
    MINUTE: 60_000,
    HOUR: 3_600_000,
    DAY: 86_400_000,
  };
  const s = scale[unit];
  if (s === undefined) throw new Error(`Unknown time unit: '${m[2]}'`);
  return n * s;
}

/**
 * Validates a WITH clause. `kind: 'create'` requires KAFKA_TOPIC (CREATE
 * STREAM/TABLE); `'createAs'` does not (CSAS/CTAS).
 */
export function parseSourceProperties(
  properties: readonly WithProperty[],
  kind: 'create' | 'createAs' = 'create',
): SourceProperties {
  const defs = kind === 'create' ? CREATE : CREATE_AS;
  const originals = new Map<string, PropertyLiteral>();
  for (const p of properties) originals.set(p.name.toUpperCase(), p.value);

  const values = new Map<string, string | number | bigint | boolean>();
  for (const [name, v] of originals) {
    const type = defs[name];
    if (type === undefined) continue;
    const parsed = parseValue(name, type, v);
    if (parsed !== undefined) values.set(name, parsed);
  }
  const str = (n: string) => values.get(n) as string | undefined;
  const num = (n: string) => values.get(n) as number | undefined;

  if (kind === 'create' && !values.has('KAFKA_TOPIC')) {
    throw new CatalogError('Missing required property "KAFKA_TOPIC" which has no default value.');
  }
  const topic = str('KAFKA_TOPIC');
  if (topic !== undefined && topic.length === 0) {
    throw new CatalogError('Invalid value  for property KAFKA_TOPIC: String must be non-empty');
  }

  const unknown = [...originals.keys()].filter((n) => defs[n] === undefined);
  if (unknown.length > 0) {
    throw new CatalogError(`Invalid config variable(s) in the WITH clause: ${unknown.join(',')}`);
  }

  const format = str('FORMAT');
  const bothMsg = (other: string) =>
    `Cannot supply both '${other}' and 'FORMAT' properties, as 'FORMAT' sets both key and value formats. ` +
    "Either use just 'FORMAT', or use 'KEY_FORMAT' and 'VALUE_FORMAT'.";
  if (format !== undefined) {
    if (values.has('KEY_FORMAT')) throw new CatalogError(bothMsg('KEY_FORMAT'));
    if (values.has('VALUE_FORMAT')) throw new CatalogError(bothMsg('VALUE_FORMAT'));
  }
  if (values.has('VALUE_AVRO_SCHEMA_FULL_NAME') && values.has('VALUE_SCHEMA_FULL_NAME')) {
    throw new CatalogError(
      "Cannot supply both 'VALUE_AVRO_SCHEMA_FULL_NAME' and 'VALUE_SCHEMA_FULL_NAME' properties. Please only set 'VALUE_SCHEMA_FULL_NAME'.",
    );
  }

  let windowType: WindowType | undefined;
  const wt = str('WINDOW_TYPE');
  if (wt !== undefined) {
    const u = wt.trim().toUpperCase();
    if (u !== 'SESSION' && u !== 'HOPPING' && u !== 'TUMBLING') {
      throw new CatalogError(
        `Error in WITH clause property 'WINDOW_TYPE': Unknown window type: '${wt}' Valid values are: SESSION, HOPPING, TUMBLING`,
      );
    }
    windowType = u;
  }
  let windowSizeMs: number | undefined;
  const ws = str('WINDOW_SIZE');
  if (ws !== undefined) {
    try {
      windowSizeMs = parseDurationText(ws);
    } catch (err) {
      throw new CatalogError(
        `Error in WITH clause property 'WINDOW_SIZE': ${(err as Error).message}\nExample valid value: '10 SECONDS'`,
        { cause: err },
      );
    }
  }
  if (windowType !== undefined && windowType !== 'SESSION' && windowSizeMs === undefined) {
    throw new CatalogError(
      `${windowType} windows require 'WINDOW_SIZE' to be provided in the WITH clause. For example: 'WINDOW_SIZE'='10 SECONDS'`,
    );
  }
  if ((windowType === undefined || windowType === 'SESSION') && windowSizeMs !== undefined) {
    throw new CatalogError("'WINDOW_SIZE' should not be set for SESSION windows.");
  }

  const ts = str('TIMESTAMP');
  const timestampColumn =
    ts === undefined ? undefined : /^`.*`$/.test(ts.trim()) ? ts.trim().slice(1, -1).replaceAll('``', '`') : ts.trim().toUpperCase();

  const retention = values.get('RETENTION_MS') as bigint | undefined;
  return {
    kafkaTopic: topic,
    partitions: num('PARTITIONS'),
    replicas: num('REPLICAS'),
    retentionMs: retention,
    keyFormat: (format ?? str('KEY_FORMAT'))?.toUpperCase(),
    valueFormat: (format ?? str('VALUE_FORMAT'))?.toUpperCase(),
    timestampColumn,
    timestampFormat: str('TIMESTAMP_FORMAT'),
    wrapSingleValue: values.get('WRAP_SINGLE_VALUE') as boolean | undefined,
    keyDelimiter: str('KEY_DELIMITER'),
    valueDelimiter: str('VALUE_DELIMITER'),
    keySchemaId: num('KEY_SCHEMA_ID'),
    valueSchemaId: num('VALUE_SCHEMA_ID'),
    keySchemaFullName: str('KEY_SCHEMA_FULL_NAME'),
    valueSchemaFullName: str('VALUE_SCHEMA_FULL_NAME') ?? str('VALUE_AVRO_SCHEMA_FULL_NAME'),
    windowType,
    windowSizeMs,
    cleanupPolicy: str('CLEANUP_POLICY'),
    originals,
  };
}

/** Prints a WITH literal as ksqlDB's SqlFormatter does (`'x'`, `2`, `true`). */
export function formatPropertyLiteral(v: PropertyLiteral): string {
  switch (v.kind) {
    case 'string':
      return `'${v.value.replaceAll("'", "''")}'`;
    case 'number':
      return v.text;
    case 'boolean':
      return v.value ? 'true' : 'false';
    case 'null':
      return 'null';
  }
}

/** Parses a delimiter name as ksqlDB's `Delimiter.parse`: one character, or SPACE/TAB. */
export function parseDelimiter(text: string): string {
  const u = text.toUpperCase();
  if (u === 'SPACE') return ' ';
  if (u === 'TAB') return '\t';
  if (text.length !== 1) {
    throw new CatalogError(
      `Invalid delimiter value: '${text}'. Delimiter must be a single character or TAB,SPACE\nExample valid value: ';'`,
    );
  }
  return text;
}
