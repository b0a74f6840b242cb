/**
 * ksqlDB column types ({@link WireType}) → GraphQL output and input types,
 * without loss (docs/typed-schema.md):
 *
 * | SQL type                 | output                         | input                       |
 * |--------------------------|--------------------------------|-----------------------------|
 * | BOOLEAN, INTEGER         | `Boolean`, `Int`               | same                        |
 * | DOUBLE, STRING           | `Float`, `String`              | same                        |
 * | BIGINT                   | `BigInt` (digits as a string)  | `BigInt` (string or safe int) |
 * | DECIMAL(p, s)            | `Decimal` (exact text)         | `Decimal` (decimal string)  |
 * | DATE, TIME, TIMESTAMP    | `Date`, `Time`, `Timestamp` (ISO-8601 text) | same           |
 * | BYTES                    | `Bytes` (base64)               | `Bytes`                     |
 * | ARRAY<T>                 | `[T]`                          | `[T]`                       |
 * | MAP<K, V>                | `[<Path>_Entry]` `{key, value}`| `[<Path>_EntryInput]`       |
 * | STRUCT<…>                | `<Path>` object                | `<Path>Input` input object  |
 *
 * Names come from naming.ts: types by path (`Pageviews_Address`), fields
 * camelCase, all checked against one {@link NameRegistry}.
 *
 * @module
 */
import {
  GraphQLBoolean,
  GraphQLError,
  GraphQLFloat,
  GraphQLInputObjectType,
  GraphQLInt,
  GraphQLList,
  GraphQLObjectType,
  GraphQLScalarType,
  GraphQLString,
  Kind,
  type GraphQLFieldConfigMap,
  type GraphQLInputFieldConfigMap,
  type GraphQLInputType,
  type GraphQLOutputType,
  type ValueNode,
} from 'graphql';
import {
  fromSchemaInfo,
  isJsonNumber,
  type ColumnNamespace,
  type FieldInfo,
  type WireType,
} from '../../protocol/index.js';
import { FieldNameMap, NameRegistry, claimOrder, toTypeName, type TypeOrigin } from './naming.js';
import { parentOnly } from '../../shared/resolver-traits.js';
import { jsonStringify } from '../../shared/json.js';
import { ROW_CURSOR_FIELD, rowCursor } from './value-encoding.js';

// ---------------------------------------------------------------- scalars

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const INTEGER_TEXT = /^-?\d+$/;
const DECIMAL_TEXT = /^-?\d+(?:\.\d+)?$/;
const DECIMAL_OUTPUT_TEXT = /^-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?$/;
const DATE_TEXT = /^(\d{4})-(\d{2})-(\d{2})$/;
const TIME_TEXT = /^(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?$/;
const TIMESTAMP_TEXT =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(?:Z|[+-](\d{2}):?(\d{2}))?$/;
const BASE64_TEXT = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** `value` for an error message: its JSON text (a bigint as `1n`), else String(value). */
export function showValue(value: unknown): string {
  try {
    return typeof value === 'bigint' ? `${value}n` : (jsonStringify(value) ?? String(value));
  } catch {
    return String(value);
  }
}

function fail(scalar: string, value: unknown, why: string): never {
  throw new GraphQLError(`${scalar} cannot represent ${showValue(value)}: ${why}`);
}

/** Text of a string or a lossless JSON number; undefined for anything else. */
function textOf(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (isJsonNumber(value)) return value.text;
  return undefined;
}

function bigIntFromText(text: string, value: unknown): string {
  if (!INTEGER_TEXT.test(text)) fail('BigInt', value, 'not a string of digits');
  const n = BigInt(text);
  if (n < INT64_MIN || n > INT64_MAX) fail('BigInt', value, 'outside the 64-bit range of BIGINT');
  return n.toString();
}

function bigIntFrom(value: unknown): string {
  if (typeof value === 'bigint') return bigIntFromText(value.toString(), value);
  if (typeof value === 'number') {
    if (!Number.isInteger(value)) fail('BigInt', value, 'not an integer');
    if (!Number.isSafeInteger(value)) fail('BigInt', value, 'unsafe integer (precision already lost); pass it as a string');
    return String(value);
  }
  const text = textOf(value);
  if (text === undefined) fail('BigInt', value, 'expected a string of digits or a safe integer');
  return bigIntFromText(text, value);
}

/**
 * BIGINT: a signed 64-bit integer as its decimal digits in a string
 * (`"9007199254740993"`), always a string also when small. Accepts a string
 * of digits, a safe integer or an integer literal; rejects fractions,
 * unsafe numbers and values outside the 64-bit range.
 */
export const BigIntScalar = new GraphQLScalarType<string, string>({
  name: 'BigInt',
  description:
    'A ksqlDB BIGINT (signed 64-bit integer) as a string of decimal digits. Input: a string of digits or a safe integer.',
  serialize: bigIntFrom,
  parseValue: bigIntFrom,
  parseLiteral(ast: ValueNode) {
    if (ast.kind === Kind.INT || ast.kind === Kind.STRING) return bigIntFromText(ast.value, ast.value);
    return fail('BigInt', ast.kind === Kind.FLOAT ? ast.value : ast.kind, 'expected an integer or a string of digits');
  },
});

function decimalFromInput(value: unknown): string {
  if (typeof value === 'number') {
    if (Number.isSafeInteger(value)) return String(value);
    fail('Decimal', value, 'pass non-integer decimals as strings to keep their exact digits');
  }
  if (typeof value === 'bigint') return value.toString();
  const text = textOf(value);
  if (text === undefined || !DECIMAL_TEXT.test(text)) fail('Decimal', value, 'expected a decimal string like "12.30"');
  return text;
}

function decimalToOutput(value: unknown): string {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) fail('Decimal', value, 'not finite');
    return String(value);
  }
  if (typeof value === 'bigint') return value.toString();
  const text = textOf(value);
  if (text === undefined || !DECIMAL_OUTPUT_TEXT.test(text)) fail('Decimal', value, 'not a decimal number');
  return text;
}

/**
 * DECIMAL(p, s): the exact decimal text (`"1.10"` stays `"1.10"`). Input: a
 * decimal string, a safe integer, or a numeric literal (its text is kept).
 */
export const DecimalScalar = new GraphQLScalarType<string, string>({
  name: 'Decimal',
  description: 'A ksqlDB DECIMAL as its exact decimal text ("1.10"). Input: a decimal string or a safe integer.',
  serialize: decimalToOutput,
  parseValue: decimalFromInput,
  parseLiteral(ast: ValueNode) {
    if (ast.kind === Kind.INT || ast.kind === Kind.FLOAT || ast.kind === Kind.STRING) {
      if (!DECIMAL_TEXT.test(ast.value)) fail('Decimal', ast.value, 'expected a decimal like 12.30');
      return ast.value;
    }
    return fail('Decimal', ast.kind, 'expected a decimal string or number');
  },
});

/** Whether a decimal text fits DECIMAL(precision, scale). */
export function fitsDecimal(text: string, precision: number, scale: number): boolean {
  const m = /^-?(\d+)(?:\.(\d+))?$/.exec(text);
  if (!m) return false;
  const intDigits = (m[1] as string).replace(/^0+/, '').length;
  const fracDigits = (m[2] ?? '').replace(/0+$/, '').length;
  return intDigits <= precision - scale && fracDigits <= scale;
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

function validDate(y: string, mo: string, d: string): boolean {
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  return month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month);
}

function validTime(h: string, mi: string, s: string | undefined): boolean {
  return Number(h) <= 23 && Number(mi) <= 59 && (s === undefined || Number(s) <= 59);
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

/** `yyyy-MM-ddTHH:mm:ss.SSS` in UTC (ksqlDB's REST form of a TIMESTAMP). */
function isoTimestamp(ms: number): string {
  return new Date(ms).toISOString().replace(/Z$/, '');
}

function temporalScalar(
  name: 'Date' | 'Time' | 'Timestamp',
  description: string,
  check: (text: string) => boolean,
  fromNumber: (n: number) => string,
  fromDate: (d: Date) => string,
): GraphQLScalarType<string, string> {
  const parse = (value: unknown): string => {
    if (typeof value !== 'string' || !check(value)) fail(name, value, `expected ISO-8601 ${name.toLowerCase()} text`);
    return value;
  };
  const serialize = (value: unknown): string => {
    if (value instanceof Date) {
      if (Number.isNaN(value.getTime())) fail(name, value, 'invalid Date');
      return fromDate(value);
    }
    if (typeof value === 'number' || isJsonNumber(value)) {
      const n = typeof value === 'number' ? value : value.toNumber();
      if (!Number.isSafeInteger(n)) fail(name, value, 'not an integer');
      return fromNumber(n);
    }
    return parse(value);
  };
  return new GraphQLScalarType<string, string>({
    name,
    description,
    serialize,
    parseValue: parse,
    parseLiteral(ast: ValueNode) {
      if (ast.kind !== Kind.STRING) return fail(name, ast.kind, 'expected a string');
      return parse(ast.value);
    },
  });
}

/** `yyyy-MM-dd`; numbers on output are epoch days. */
export const DateScalar = temporalScalar(
  'Date',
  'A ksqlDB DATE as ISO-8601 text: yyyy-MM-dd.',
  (t) => {
    const m = DATE_TEXT.exec(t);
    return m !== null && validDate(m[1] as string, m[2] as string, m[3] as string);
  },
  (days) => isoTimestamp(days * 86_400_000).slice(0, 10),
  (d) => d.toISOString().slice(0, 10),
);

/** `HH:mm[:ss[.fraction]]`; numbers on output are milliseconds of the day. */
export const TimeScalar = temporalScalar(
  'Time',
  'A ksqlDB TIME as ISO-8601 text: HH:mm[:ss[.SSS]].',
  (t) => {
    const m = TIME_TEXT.exec(t);
    return m !== null && validTime(m[1] as string, m[2] as string, m[3]);
  },
  (ms) => {
    if (ms < 0 || ms >= 86_400_000) fail('Time', ms, 'outside one day');
    const text = `${pad(Math.floor(ms / 3_600_000))}:${pad(Math.floor(ms / 60_000) % 60)}:${pad(Math.floor(ms / 1000) % 60)}`;
    return ms % 1000 === 0 ? text : `${text}.${pad(ms % 1000, 3)}`;
  },
  (d) => d.toISOString().slice(11, 23),
);

/** ISO-8601 date-time, optional seconds, fraction and zone; numbers on output are epoch millis. */
export const TimestampScalar = temporalScalar(
  'Timestamp',
  'A ksqlDB TIMESTAMP as ISO-8601 text: yyyy-MM-ddTHH:mm:ss.SSS (UTC unless a zone is given).',
  (t) => {
    const m = TIMESTAMP_TEXT.exec(t);
    if (m === null) return false;
    if (!validDate(m[1] as string, m[2] as string, m[3] as string)) return false;
    if (!validTime(m[4] as string, m[5] as string, m[6])) return false;
    return m[7] === undefined || (Number(m[7]) <= 18 && Number(m[8]) <= 59);
  },
  isoTimestamp,
  (d) => isoTimestamp(d.getTime()),
);

function bytesFrom(value: unknown): string {
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64');
  if (typeof value !== 'string' || !BASE64_TEXT.test(value)) fail('Bytes', value, 'expected base64 text');
  return value;
}

/** BYTES: standard base64 with padding. */
export const BytesScalar = new GraphQLScalarType<string, string>({
  name: 'Bytes',
  description: 'A ksqlDB BYTES value as standard base64 text.',
  serialize: bytesFrom,
  parseValue(value: unknown) {
    if (typeof value !== 'string') fail('Bytes', value, 'expected base64 text');
    return bytesFrom(value);
  },
  parseLiteral(ast: ValueNode) {
    if (ast.kind !== Kind.STRING) return fail('Bytes', ast.kind, 'expected a string');
    return bytesFrom(ast.value);
  },
});

/** All scalars of the typed schema, by name. */
export const KSQL_SCALARS: Readonly<Record<string, GraphQLScalarType>> = {
  BigInt: BigIntScalar,
  Decimal: DecimalScalar,
  Date: DateScalar,
  Time: TimeScalar,
  Timestamp: TimestampScalar,
  Bytes: BytesScalar,
};

// --------------------------------------------------------------- columns

/** One column of a source: WireColumn-compatible. */
export interface ColumnSpec {
  readonly name: string;
  readonly type: WireType;
  readonly namespace?: ColumnNamespace | undefined;
}

/** The columns of a DESCRIBE source description (or anything with `fields`). */
export function columnsOfSource(desc: { readonly fields: readonly FieldInfo[] }): ColumnSpec[] {
  return desc.fields.map((f) => ({
    name: f.name,
    type: fromSchemaInfo(f.schema),
    namespace: f.type === 'KEY' ? 'KEY' : f.type === 'HEADER' ? (f.headerKey !== undefined ? 'HEADER' : 'HEADERS') : 'VALUE',
  }));
}

/** The field name given to objects without fields (`STRUCT<>`): GraphQL needs at least one. */
export const EMPTY_OBJECT_FIELD = '_empty';

/** A map value as ksqlDB sends it (JSON object) → `{ key, value }` entries. */
function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !isJsonNumber(value);
}

/**
 * A ksqlDB value → the shape the output type resolves: MAP objects become
 * entry lists (at any depth inside arrays and maps); INTEGER/DOUBLE
 * lossless numbers become numbers. STRUCT objects stay: their own field
 * resolvers convert their fields.
 */
export function toOutputValue(type: WireType, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  switch (type.type) {
    case 'INTEGER':
    case 'DOUBLE':
      return isJsonNumber(value) ? value.toNumber() : value;
    case 'ARRAY':
      return Array.isArray(value) ? value.map((v) => toOutputValue(type.item, v)) : value;
    case 'MAP': {
      const entries: Array<[unknown, unknown]> | undefined =
        value instanceof Map ? [...(value as Map<unknown, unknown>)] : isPlainObject(value) ? Object.entries(value) : undefined;
      if (entries === undefined) return value;
      return entries.map(([k, v]) => ({ key: toOutputValue(type.key, k), value: toOutputValue(type.value, v) }));
    }
    default:
      return value;
  }
}

/** How one WireType maps, with what is needed to turn inputs back into ksqlDB values. */
interface Mapped {
  readonly output: GraphQLOutputType;
  readonly input: GraphQLInputType;
  /** GraphQL input value (already parsed by scalars) → ksqlDB value. */
  readonly toKsql: (value: unknown) => unknown;
}

const identity = (v: unknown): unknown => v;

function scalarOf(type: WireType): GraphQLScalarType | undefined {
  switch (type.type) {
    case 'BOOLEAN':
      return GraphQLBoolean;
    case 'INTEGER':
      return GraphQLInt;
    case 'DOUBLE':
      return GraphQLFloat;
    case 'STRING':
      return GraphQLString;
    case 'BIGINT':
      return BigIntScalar;
    case 'DECIMAL':
      return DecimalScalar;
    case 'DATE':
      return DateScalar;
    case 'TIME':
      return TimeScalar;
    case 'TIMESTAMP':
      return TimestampScalar;
    case 'BYTES':
      return BytesScalar;
    default:
      return undefined;
  }
}

class TypeBuilder {
  constructor(
    readonly registry: NameRegistry,
    readonly source: string,
  ) {}

  origin(kind: TypeOrigin['kind'], input: boolean, path: readonly string[]): TypeOrigin {
    return { kind, input, source: this.source, path };
  }

  /** `base` is the path type name this value's types derive from. */
  map(type: WireType, base: string, path: readonly string[]): Mapped {
    const scalar = scalarOf(type);
    if (scalar) return { output: scalar, input: scalar, toKsql: identity };
    switch (type.type) {
      case 'ARRAY': {
        const item = this.map(type.item, base, [...path, '[]']);
        return {
          output: new GraphQLList(item.output),
          input: new GraphQLList(item.input),
          toKsql: (v) => (Array.isArray(v) ? v.map((x) => (x === null || x === undefined ? null : item.toKsql(x))) : v),
        };
      }
      case 'MAP':
        return this.mapEntries(type.key, type.value, base, path);
      case 'STRUCT':
        return this.object(
          type.fields.map((f) => ({ name: f.name, type: f.type })),
          base,
          path,
          'struct',
        );
      default:
        throw new Error(`Unmapped ksqlDB type ${type.type}`);
    }
  }

  mapEntries(keyType: WireType, valueType: WireType, base: string, path: readonly string[]): Mapped {
    const entryName = this.registry.claim(`${base}_Entry`, this.origin('mapEntry', false, path));
    const entryInputName = this.registry.claim(`${base}_EntryInput`, this.origin('mapEntry', true, path));
    const key = this.map(keyType, `${base}_Key`, [...path, '{key}']);
    const value = this.map(valueType, `${base}_Value`, [...path, '{value}']);
    const output = new GraphQLObjectType({
      name: entryName,
      description: `An entry of the map at ${path.join('.')} of ${this.source}.`,
      fields: { key: { type: key.output }, value: { type: value.output } },
    });
    const input = new GraphQLInputObjectType({
      name: entryInputName,
      description: `An entry of the map at ${path.join('.')} of ${this.source}.`,
      fields: { key: { type: key.input }, value: { type: value.input } },
    });
    const toKsql = (v: unknown): unknown => {
      if (!Array.isArray(v)) return v;
      const out: Record<string, unknown> = {};
      for (const e of v as Array<{ key?: unknown; value?: unknown } | null | undefined>) {
        if (e === null || e === undefined) continue;
        const k = e.key === null || e.key === undefined ? e.key : key.toKsql(e.key);
        out[String(k)] = e.value === null || e.value === undefined ? null : value.toKsql(e.value);
      }
      return out;
    };
    return { output: new GraphQLList(output), input: new GraphQLList(input), toKsql };
  }

  /**
   * An object type (source row or struct) and its input type. Field types
   * are built in field order after both names are claimed.
   */
  object(
    fields: readonly ColumnSpec[],
    name: string,
    path: readonly string[],
    kind: 'struct' | 'source',
    options: { readonly claimOutput?: boolean; readonly inputField?: (c: ColumnSpec) => boolean } = {},
  ): Mapped & { readonly names: FieldNameMap; readonly hasInput: boolean } {
    const outputName = options.claimOutput === false ? name : this.registry.claim(name, this.origin(kind, false, path));
    const inputFields = fields.filter(options.inputField ?? (() => true));
    const hasInput = inputFields.length > 0 || kind === 'struct';
    const inputName = hasInput ? this.registry.claim(`${name}Input`, this.origin(kind, true, path)) : `${name}Input`;
    const names = FieldNameMap.build(
      fields.map((f) => f.name),
      kind === 'source' ? [ROW_CURSOR_FIELD] : [],
    );
    const described = `${kind === 'source' ? 'A row of' : 'A struct in'} ${[this.source, ...path].join('.')}`;

    const outFields: GraphQLFieldConfigMap<unknown, unknown> = {};
    const inFields: GraphQLInputFieldConfigMap = {};
    const toKsqlByName = new Map<string, [string, (v: unknown) => unknown]>();
    for (const f of fields) {
      const fieldName = names.graphqlName(f.name) as string;
      if (outFields[fieldName] !== undefined) continue; // duplicate identifier
      const child = this.map(f.type, `${outputName}_${toTypeName(f.name)}`, [...path, f.name]);
      const ksqlName = f.name;
      const wire = f.type;
      outFields[fieldName] = {
        type: child.output,
        description: `ksqlDB ${kind === 'source' ? 'column' : 'field'} \`${ksqlName.replaceAll('`', '``')}\``,
        // Parent-only: the compiled projection (gateway/execution) calls it directly.
        resolve: parentOnly((parent: unknown) => (isPlainObject(parent) ? toOutputValue(wire, parent[ksqlName]) : null)),
      };
      if (inputFields.includes(f)) {
        inFields[fieldName] = { type: child.input };
        toKsqlByName.set(fieldName, [ksqlName, child.toKsql]);
      }
    }
    // After the columns: a reserved name no column gets (naming.ts).
    if (kind === 'source') {
      outFields[ROW_CURSOR_FIELD] = {
        type: GraphQLString,
        description:
          'Where this event is in the source: pass it as `after` to a subscription of the same source and filter to ' +
          'continue right after it (docs/resume.md). Set on every subscription event; null on rows of pull queries and inserts.',
        resolve: parentOnly(rowCursor),
      };
    }
    if (fields.length === 0) {
      outFields[EMPTY_OBJECT_FIELD] = { type: GraphQLBoolean, description: 'Placeholder: the struct has no fields.', resolve: parentOnly(() => null) };
    }
    if (hasInput && Object.keys(inFields).length === 0) {
      inFields[EMPTY_OBJECT_FIELD] = { type: GraphQLBoolean, description: 'Placeholder: ignored.' };
    }
    const output = new GraphQLObjectType({ name: outputName, description: described, fields: outFields });
    const input = new GraphQLInputObjectType({ name: inputName, description: described, fields: inFields });
    const toKsql = (v: unknown): unknown => {
      if (!isPlainObject(v)) return v;
      const out: Record<string, unknown> = {};
      for (const [gqlName, fieldValue] of Object.entries(v)) {
        const target = toKsqlByName.get(gqlName);
        if (target === undefined) continue;
        out[target[0]] = fieldValue === null || fieldValue === undefined ? null : target[1](fieldValue);
      }
      return out;
    };
    return { output, input, toKsql, names, hasInput };
  }
}

/** The GraphQL types of one source. */
export interface SourceTypes {
  readonly source: string;
  readonly columns: readonly ColumnSpec[];
  /** The row type (`Pageviews`); fields resolve from rows keyed by ksqlDB column names. */
  readonly output: GraphQLObjectType;
  /** The mutation input (`PageviewsInput`); undefined when no column can be written. */
  readonly input: GraphQLInputObjectType | undefined;
  /** Column name ↔ GraphQL field name. */
  readonly fields: FieldNameMap;
  /**
   * A parsed input object (GraphQL field names, maps as entry lists) → a
   * row keyed by ksqlDB column names, structs keyed by ksqlDB field names,
   * maps as objects. Fields absent from the input stay absent.
   */
  rowFromInput(input: Readonly<Record<string, unknown>>): Record<string, unknown>;
}

export interface BuildOptions {
  /** Which columns the input type has; default: all but header columns. */
  readonly inputColumn?: ((column: ColumnSpec) => boolean) | undefined;
}

const defaultInputColumn = (c: ColumnSpec): boolean => c.namespace !== 'HEADERS' && c.namespace !== 'HEADER';

/**
 * Builds the output and input types of one source. For a whole catalog use
 * {@link buildSourcesTypes}, which fixes the order so names do not depend
 * on catalog order.
 */
export function buildSourceTypes(
  registry: NameRegistry,
  source: string,
  columns: readonly ColumnSpec[],
  options: BuildOptions = {},
): SourceTypes {
  const builder = new TypeBuilder(registry, source);
  const name = registry.sourceTypeName(source);
  const built = builder.object(columns, name, [], 'source', {
    claimOutput: false,
    inputField: options.inputColumn ?? defaultInputColumn,
  });
  return {
    source,
    columns,
    output: built.output as GraphQLObjectType,
    input: built.hasInput ? (built.input as GraphQLInputObjectType) : undefined,
    fields: built.names,
    rowFromInput: (input) => built.toKsql(input) as Record<string, unknown>,
  };
}

/**
 * Builds the types of every source: source type names are claimed first
 * (in {@link claimOrder}), then each source's nested types, sources in that
 * same order. Returns a map keyed by ksqlDB source name.
 */
export function buildSourcesTypes(
  sources: ReadonlyArray<{ readonly name: string; readonly columns: readonly ColumnSpec[] }>,
  registry: NameRegistry = new NameRegistry(),
  options: BuildOptions = {},
): Map<string, SourceTypes> {
  const byName = new Map(sources.map((s) => [s.name, s]));
  if (byName.size !== sources.length) throw new Error('Duplicate source names');
  registry.registerSources(byName.keys());
  const out = new Map<string, SourceTypes>();
  for (const name of claimOrder(byName.keys(), toTypeName)) {
    const s = byName.get(name)!;
    out.set(name, buildSourceTypes(registry, name, s.columns, options));
  }
  return out;
}
