/**
 * ksqlDB statements built from typed values only (confluentinc/ksqldb-graphql
 * URL-escaped values and quoted numbers: `O'Brien` became `O%27Brien`, `ID='5'`). Identifiers come from the catalog and
 * are always backtick-quoted; every value is validated against its column's
 * {@link WireType} and printed as a literal of that type, so no argument can
 * change the structure of a statement.
 *
 * | type                  | literal                                                        |
 * |-----------------------|----------------------------------------------------------------|
 * | NULL                  | `NULL` (nested in a constructor: `CAST(NULL AS <type>)`)       |
 * | BOOLEAN               | `TRUE`, `FALSE`                                                |
 * | INTEGER, BIGINT       | digits (`-5`, `9223372036854775807`)                           |
 * | DOUBLE                | shortest round-trip digits with an exponent (`1.5E0`, `1E+21`) |
 * | DECIMAL               | the exact text (`1.10`); integers beyond BIGINT get `.0`       |
 * | STRING                | `'O''Brien'`                                                   |
 * | DATE, TIME, TIMESTAMP | `CAST('2021-02-03' AS DATE)`, `CAST('04:05:06.007' AS TIME)`, `CAST('2021-02-03T04:05:06.007' AS TIMESTAMP)` (UTC) |
 * | BYTES                 | `TO_BYTES('AAE=', 'base64')`                                   |
 * | ARRAY, MAP, STRUCT    | `ARRAY[…]`, `MAP(k := v, …)`, `` STRUCT(`F` := v, …) ``        |
 * | empty ARRAY / MAP     | `ARRAY_REMOVE(ARRAY[CAST(NULL AS T)], CAST(NULL AS T))`; a map is built with `AS_MAP` of two such arrays |
 *
 * Why these forms (checked against ksqlDB's SqlBase.g4, ExpressionTypeManager,
 * CastEvaluator and DefaultSqlValueCoercer, and against the embedded engine):
 * - `1.5` is a DECIMAL literal in ksqlDB, `1.5E0` a DOUBLE; a bare integer
 *   beyond 64 bits does not parse.
 * - A bare string is only coerced to DATE/TIME/TIMESTAMP at the top of
 *   INSERT VALUES and in comparisons; `CAST` is typed everywhere (IN lists,
 *   array items, struct fields).
 * - `ARRAY[]` and `MAP()` are rejected ("constructor cannot be empty",
 *   ksql#4239), and so is an array of bare NULLs.
 * - Nested DECIMALs are cast to the column's DECIMAL(p, s) after a fit
 *   check, so array items share one type and nothing is rounded.
 *
 * @module
 */
import { GraphQLError } from 'graphql';
import { formatSqlType, quoteIdentifier, type WireType } from '../../protocol/index.js';
import { fitsDecimal, showValue } from '../schema/ksql-types.js';

// ------------------------------------------------------------------ errors

/** The stable code of {@link InvalidValueError}, to match on. */
export const INVALID_VALUE_CODE = 'INVALID_VALUE';

/**
 * A value that cannot be printed as a literal of its column's type (or an
 * argument a statement cannot use). A deliberate GraphQL error with
 * `extensions.code` `BAD_USER_INPUT` (already in ERROR_CODES), so it
 * reaches the client unmasked; `code` is {@link INVALID_VALUE_CODE}.
 */
export class InvalidValueError extends GraphQLError {
  readonly code = INVALID_VALUE_CODE;

  constructor(message: string) {
    super(message, { extensions: { code: 'BAD_USER_INPUT' } });
  }
}

function show(value: unknown): string {
  const text = showValue(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

function invalid(type: WireType, value: unknown, at: string, why: string): never {
  throw new InvalidValueError(`Invalid ${formatSqlType(type)} value ${show(value)}${at === '' ? '' : ` at ${at}`}: ${why}.`);
}

// ------------------------------------------------------------- identifiers


/** A ksqlDB string literal: single quotes doubled, nothing else escaped (there are no backslash escapes). */
export function quoteString(text: string): string {
  return "'" + text.replaceAll("'", "''") + "'";
}

// -------------------------------------------------------------- literals

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const INTEGER_TEXT = /^-?\d+$/;
const DECIMAL_TEXT = /^(-?)(\d+)(?:\.(\d+))?$/;
const DOUBLE_TEXT = /^-?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const DATE_TEXT = /^(\d{4})-(\d{2})-(\d{2})$/;
const TIME_TEXT = /^(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?$/;
const TIMESTAMP_TEXT =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|([+-])(\d{2}):?(\d{2}))?$/;
const BASE64_TEXT = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

interface Context {
  /** Where the value is, for messages (`ADDRESS.ZIP[2]`, `where.name.eq`). */
  readonly at: string;
  /** Inside an ARRAY/MAP/STRUCT constructor: NULLs and DECIMALs need a type. */
  readonly nested: boolean;
  /** A value to store (INSERT): DECIMALs must fit the column without rounding. */
  readonly store: boolean;
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

function daysInMonth(year: number, month: number): number {
  const d = new Date(0);
  d.setUTCFullYear(year, month, 0);
  return d.getUTCDate();
}

function validDate(year: number, month: number, day: number): boolean {
  return month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month);
}

/** Milliseconds of a `.fraction` (up to 9 digits); undefined when it is finer than a millisecond. */
function fractionMillis(fraction: string | undefined): number | undefined {
  if (fraction === undefined) return 0;
  if (/[^0]/.test(fraction.slice(3))) return undefined;
  return Number(fraction.slice(0, 3).padEnd(3, '0'));
}

function dateText(type: WireType, value: unknown, ctx: Context): string {
  const m = typeof value === 'string' ? DATE_TEXT.exec(value) : null;
  if (m === null) invalid(type, value, ctx.at, 'expected yyyy-MM-dd');
  if (!validDate(Number(m[1]), Number(m[2]), Number(m[3]))) invalid(type, value, ctx.at, 'no such date');
  return m[0];
}

function timeText(type: WireType, value: unknown, ctx: Context): string {
  const m = typeof value === 'string' ? TIME_TEXT.exec(value) : null;
  if (m === null) invalid(type, value, ctx.at, 'expected HH:mm[:ss[.fraction]]');
  const [h, mi, s] = [Number(m[1]), Number(m[2]), Number(m[3] ?? '0')];
  if (h > 23 || mi > 59 || s > 59) invalid(type, value, ctx.at, 'no such time of day');
  const ms = fractionMillis(m[4]);
  // ksqlDB keeps milliseconds: a finer value would be truncated, and compare wrongly.
  if (ms === undefined) invalid(type, value, ctx.at, 'TIME has millisecond precision');
  return `${pad(h)}:${pad(mi)}:${pad(s)}.${pad(ms, 3)}`;
}

/** ISO-8601 date-time, any zone → `yyyy-MM-ddTHH:mm:ss.SSS` in UTC (ksqlDB reads a zone-less text as UTC). */
function timestampText(type: WireType, value: unknown, ctx: Context): string {
  const m = typeof value === 'string' ? TIMESTAMP_TEXT.exec(value) : null;
  if (m === null) invalid(type, value, ctx.at, 'expected yyyy-MM-ddTHH:mm[:ss[.fraction]][Z|±hh:mm]');
  const [y, mo, d, h, mi, s] = [m[1], m[2], m[3], m[4], m[5], m[6] ?? '0'].map(Number) as [
    number, number, number, number, number, number,
  ];
  if (!validDate(y, mo, d)) invalid(type, value, ctx.at, 'no such date');
  if (h > 23 || mi > 59 || s > 59) invalid(type, value, ctx.at, 'no such time of day');
  const ms = fractionMillis(m[7]);
  if (ms === undefined) invalid(type, value, ctx.at, 'TIMESTAMP has millisecond precision');
  let offset = 0;
  if (m[9] !== undefined) {
    const [oh, om] = [Number(m[10]), Number(m[11])];
    if (oh > 18 || om > 59) invalid(type, value, ctx.at, 'no such zone offset');
    offset = (m[9] === '-' ? -1 : 1) * (oh * 60 + om) * 60_000;
  }
  const at = new Date(0);
  at.setUTCFullYear(y, mo - 1, d);
  at.setUTCHours(h, mi, s, ms);
  const utc = new Date(at.getTime() - offset);
  const year = utc.getUTCFullYear();
  // ksqlDB parses with pattern `yyyy` (year of era): years 1-9999 only.
  if (year < 1 || year > 9999) invalid(type, value, ctx.at, 'outside the years 0001-9999 in UTC');
  return (
    `${pad(year, 4)}-${pad(utc.getUTCMonth() + 1)}-${pad(utc.getUTCDate())}` +
    `T${pad(utc.getUTCHours())}:${pad(utc.getUTCMinutes())}:${pad(utc.getUTCSeconds())}.${pad(utc.getUTCMilliseconds(), 3)}`
  );
}

function bigintText(type: WireType, value: unknown, ctx: Context): string {
  let n: bigint;
  if (typeof value === 'bigint') n = value;
  else if (typeof value === 'number' && Number.isSafeInteger(value)) n = BigInt(value);
  else if (typeof value === 'string' && INTEGER_TEXT.test(value)) n = BigInt(value);
  else return invalid(type, value, ctx.at, 'expected a string of digits or a safe integer');
  if (n < INT64_MIN || n > INT64_MAX) invalid(type, value, ctx.at, 'outside the signed 64-bit range');
  return n.toString();
}

function decimalText(type: Extract<WireType, { type: 'DECIMAL' }>, value: unknown, ctx: Context): string {
  let text: string;
  if (typeof value === 'bigint') text = value.toString();
  else if (typeof value === 'number' && Number.isSafeInteger(value)) text = String(value);
  else if (typeof value === 'string') text = value;
  else return invalid(type, value, ctx.at, 'expected a decimal string like "12.30"');
  const m = DECIMAL_TEXT.exec(text);
  if (m === null) invalid(type, value, ctx.at, 'expected a decimal string like "12.30"');
  if (ctx.store && !fitsDecimal(text, type.precision, type.scale)) {
    invalid(type, value, ctx.at, `it does not fit DECIMAL(${type.precision}, ${type.scale}) without rounding`);
  }
  const [, sign = '', int = '', frac] = m;
  const digits = int.replace(/^0+(?=\d)/, '');
  let literal: string;
  if (frac !== undefined) literal = `${sign}${digits}.${frac}`;
  else {
    const n = BigInt(text);
    // An integer literal beyond 64 bits does not parse in ksqlDB; with `.0` it is a DECIMAL literal.
    literal = n >= INT64_MIN && n <= INT64_MAX ? n.toString() : `${sign}${digits}.0`;
  }
  return ctx.nested ? `CAST(${literal} AS ${formatSqlType(type)})` : literal;
}

function doubleLiteral(type: WireType, value: unknown, ctx: Context): string {
  if (typeof value !== 'number') invalid(type, value, ctx.at, 'expected a number');
  if (!Number.isFinite(value)) invalid(type, value, ctx.at, 'NaN and infinities have no ksqlDB literal');
  if (Object.is(value, -0)) return '-0E0';
  // The exponent makes it a DOUBLE literal (`1.5` alone is a DECIMAL in ksqlDB); String() round-trips.
  const text = String(value);
  return text.includes('e') ? text.replace('e', 'E') : `${text}E0`;
}

function bytesText(type: WireType, value: unknown, ctx: Context): string {
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64');
  if (typeof value !== 'string' || !BASE64_TEXT.test(value)) invalid(type, value, ctx.at, 'expected padded standard base64');
  return Buffer.from(value, 'base64').toString('base64');
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/**
 * A map key arrives as the text of an object key (`rowFromInput` gives maps
 * as plain objects): read it back as a value of the key type.
 */
function mapKeyValue(type: WireType, key: unknown, ctx: Context): unknown {
  if (typeof key !== 'string') return key;
  switch (type.type) {
    case 'INTEGER':
      return INTEGER_TEXT.test(key) ? Number(key) : invalid(type, key, ctx.at, 'map key is not an integer');
    case 'DOUBLE':
      return DOUBLE_TEXT.test(key) ? Number(key) : invalid(type, key, ctx.at, 'map key is not a number');
    case 'BOOLEAN':
      return key === 'true' ? true : key === 'false' ? false : invalid(type, key, ctx.at, 'map key is not true or false');
    default:
      return key;
  }
}

function castNull(type: WireType): string {
  return `CAST(NULL AS ${formatSqlType(type)})`;
}

/** An empty ARRAY<T>: `ARRAY[]` does not type-check in ksqlDB, a one-NULL array less its NULL does. */
function emptyArray(item: WireType): string {
  return `ARRAY_REMOVE(ARRAY[${castNull(item)}], ${castNull(item)})`;
}

function literal(type: WireType, value: unknown, ctx: Context): string {
  if (value === null || value === undefined) return ctx.nested ? castNull(type) : 'NULL';
  switch (type.type) {
    case 'BOOLEAN':
      if (typeof value !== 'boolean') invalid(type, value, ctx.at, 'expected true or false');
      return value ? 'TRUE' : 'FALSE';
    case 'INTEGER':
      if (typeof value !== 'number' || !Number.isInteger(value) || value < INT32_MIN || value > INT32_MAX) {
        invalid(type, value, ctx.at, 'expected a 32-bit integer');
      }
      return String(value);
    case 'BIGINT':
      return bigintText(type, value, ctx);
    case 'DOUBLE':
      return doubleLiteral(type, value, ctx);
    case 'DECIMAL':
      return decimalText(type, value, ctx);
    case 'STRING':
      if (typeof value !== 'string') invalid(type, value, ctx.at, 'expected a string');
      return quoteString(value);
    case 'DATE':
      return `CAST(${quoteString(dateText(type, value, ctx))} AS DATE)`;
    case 'TIME':
      return `CAST(${quoteString(timeText(type, value, ctx))} AS TIME)`;
    case 'TIMESTAMP':
      return `CAST(${quoteString(timestampText(type, value, ctx))} AS TIMESTAMP)`;
    case 'BYTES':
      return `TO_BYTES(${quoteString(bytesText(type, value, ctx))}, 'base64')`;
    case 'ARRAY': {
      if (!Array.isArray(value)) invalid(type, value, ctx.at, 'expected a list');
      if (value.length === 0) return emptyArray(type.item);
      const items = value.map((v, i) => literal(type.item, v, { ...ctx, at: `${ctx.at}[${i}]`, nested: true }));
      return `ARRAY[${items.join(', ')}]`;
    }
    case 'MAP': {
      let entries: Array<[unknown, unknown]>;
      if (value instanceof Map) entries = [...(value as Map<unknown, unknown>)];
      else if (isPlainObject(value)) entries = Object.entries(value);
      else return invalid(type, value, ctx.at, 'expected an object');
      if (entries.length === 0) {
        const strings = emptyArray({ type: 'STRING' });
        const built = `AS_MAP(${strings}, ${emptyArray(type.value)})`;
        // AS_MAP only makes MAP<STRING, V>; a CAST gives other key types.
        return type.key.type === 'STRING' ? built : `CAST(${built} AS ${formatSqlType(type)})`;
      }
      const seen = new Set<string>();
      const parts = entries.map(([k, v]) => {
        const keyCtx: Context = { ...ctx, at: `${ctx.at}{${String(k)}}`, nested: true };
        if (k === null || k === undefined) invalid(type, value, ctx.at, 'a map key cannot be NULL');
        const key = literal(type.key, mapKeyValue(type.key, k, keyCtx), keyCtx);
        if (seen.has(key)) invalid(type, value, ctx.at, `duplicate map key ${show(k)}`);
        seen.add(key);
        return `${key} := ${literal(type.value, v, keyCtx)}`;
      });
      return `MAP(${parts.join(', ')})`;
    }
    case 'STRUCT': {
      if (!isPlainObject(value)) invalid(type, value, ctx.at, 'expected an object');
      const names = new Set(type.fields.map((f) => f.name));
      for (const k of Object.keys(value)) {
        if (!names.has(k)) invalid(type, value, ctx.at, `no field ${quoteIdentifier(k)}`);
      }
      // Every field, in declared order: the constructor then has exactly the column's type.
      const parts = type.fields.map((f) => {
        const v = Object.hasOwn(value, f.name) ? value[f.name] : null;
        return `${quoteIdentifier(f.name)} := ${literal(f.type, v, { ...ctx, at: `${ctx.at}.${f.name}`, nested: true })}`;
      });
      return `STRUCT(${parts.join(', ')})`;
    }
  }
}

/**
 * A ksqlDB literal of a value to store in a column of `type` (INSERT VALUES),
 * from the shapes `SourceTypes.rowFromInput` produces: NULL for null and
 * undefined; BIGINT/DECIMAL as exact text (or safe integers); DATE, TIME
 * and TIMESTAMP as ISO-8601 text; BYTES as base64; maps as plain objects
 * (or `Map`s); structs as objects keyed by ksqlDB field names. DECIMALs must
 * fit the column without rounding.
 *
 * @throws {InvalidValueError} when the value is not of the type.
 * @example
 * sqlLiteral({ type: 'STRING' }, "O'Brien"); // 'O''Brien'
 * sqlLiteral({ type: 'BIGINT' }, '9223372036854775807'); // 9223372036854775807
 */
export function sqlLiteral(type: WireType, value: unknown, at = ''): string {
  return literal(type, value, { at, nested: false, store: true });
}

/**
 * A literal to compare a column of `type` with (WHERE): as
 * {@link sqlLiteral}, except that a DECIMAL need not fit the column
 * (`DEC < 123.456` is a fine condition on a DECIMAL(4, 2)).
 */
export function comparisonLiteral(type: WireType, value: unknown, at = ''): string {
  return literal(type, value, { at, nested: false, store: false });
}

// ------------------------------------------------------------- statements

/** The largest LIMIT ksqlDB takes: it reads the number as a Java int. */
export const MAX_LIMIT = INT32_MAX;

export interface SelectOptions {
  /** The source (ksqlDB name). */
  readonly source: string;
  /**
   * The columns to select (ksqlDB names), in order.
   * @default all columns (`*`)
   */
  readonly columns?: readonly string[] | undefined;
  /** A condition compiled by a filter (`buildFilterType(...).compile`); trusted SQL. */
  readonly where?: string | undefined;
  /** Pseudo columns selected after `columns` (`ROWPARTITION`, `ROWOFFSET`), unquoted as ksqlDB names them. */
  readonly pseudoColumns?: readonly string[] | undefined;
  /**
   * The most rows to return: 1 to {@link MAX_LIMIT}.
   * @default no limit
   */
  readonly limit?: number | undefined;
  /**
   * A push query (`EMIT CHANGES`) rather than a pull query.
   * @default false
   */
  readonly emitChanges?: boolean | undefined;
}

/**
 * `` SELECT `A`, `B` FROM `SRC` WHERE … [EMIT CHANGES] [LIMIT n]; ``
 * (SqlBase.g4 `query`: EMIT comes before LIMIT).
 *
 * @throws {InvalidValueError} when `limit` is not an integer from 1 to {@link MAX_LIMIT}.
 */
export function buildSelect(options: SelectOptions): string {
  const { source, columns = [], where, limit, emitChanges = false, pseudoColumns = [] } = options;
  const selected = [columns.length === 0 ? '*' : columns.map(quoteIdentifier).join(', '), ...pseudoColumns];
  let sql = `SELECT ${selected.join(', ')} FROM ${quoteIdentifier(source)}`;
  if (where !== undefined && where.trim() !== '') sql += ` WHERE ${where}`;
  if (emitChanges) sql += ' EMIT CHANGES';
  if (limit !== undefined) {
    if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
      throw new InvalidValueError(`Invalid limit ${show(limit)}: expected an integer from 1 to ${MAX_LIMIT}.`);
    }
    sql += ` LIMIT ${limit}`;
  }
  return sql + ';';
}

/** A column a statement may write. */
export interface ColumnType {
  readonly name: string;
  readonly type: WireType;
}

/**
 * `` INSERT INTO `SRC` (`A`, `B`) VALUES (…, …); `` for the columns `row`
 * sets (keys are ksqlDB column names; `undefined` counts as not set), in the
 * order of `columns`.
 *
 * @throws {InvalidValueError} when the row sets no column or a value is not of its column's type.
 * @throws {Error} when the row names a column not in `columns` (a caller bug).
 */
export function buildInsert(source: string, columns: readonly ColumnType[], row: Readonly<Record<string, unknown>>): string {
  const known = new Set(columns.map((c) => c.name));
  for (const key of Object.keys(row)) {
    if (!known.has(key)) throw new Error(`buildInsert: ${quoteIdentifier(key)} is not a writable column of ${quoteIdentifier(source)}`);
  }
  const set = columns.filter(
    (c, i) => Object.hasOwn(row, c.name) && row[c.name] !== undefined && columns.findIndex((d) => d.name === c.name) === i,
  );
  if (set.length === 0) throw new InvalidValueError(`Nothing to insert into ${source}: the input sets no column.`);
  const names = set.map((c) => quoteIdentifier(c.name)).join(', ');
  const values = set.map((c) => sqlLiteral(c.type, row[c.name], c.name)).join(', ');
  return `INSERT INTO ${quoteIdentifier(source)} (${names}) VALUES (${values});`;
}
