/**
 * JSON text ⇄ engine values.
 *
 * - {@link parseJsonTree}: lossless parse through the project's one JSON
 *   codec (src/shared/json.ts, shared with the REST layer and the
 *   gateway); numbers a double cannot hold exactly stay {@link NumberText}.
 * - {@link encodeJson}: typed encoding of a value, in one of two dialects:
 *   `'rest'` is what ksqlDB prints in `/query` rows (`ApiJsonMapper`: TIMESTAMP
 *   `yyyy-MM-ddTHH:mm:ss.SSS`, DATE `yyyy-MM-dd`, TIME `LocalTime.toString`),
 *   `'serde'` is its JSON value format on the topic (TIMESTAMP as epoch
 *   millis, DATE as epoch days, TIME as millis of day). Both print DOUBLE as
 *   Java does (`11.0`, `1.0E7`), DECIMAL as a plain number and BIGINT exactly.
 *
 * @module
 */
import { JsonNumber, parseJson, stringifyJson } from '../../shared/json.js';
import { Decimal } from './decimal.js';
import type { SqlType } from './sql-type.js';
import {
  bytesToBase64,
  formatDate,
  formatTime,
  formatTimestamp,
  type MapKey,
  type StructValue,
  type Value,
} from './value.js';

/**
 * A JSON number kept as its source text (`.text`): the protocol's
 * {@link JsonNumber}, so that the engine and the gateway hold one class.
 */
export { JsonNumber as NumberText };
type NumberText = JsonNumber;

export type JsonTree =
  | null
  | boolean
  | number
  | string
  | NumberText
  | readonly JsonTree[]
  | { readonly [key: string]: JsonTree };

/** Parses JSON text; throws SyntaxError when malformed. */
export function parseJsonTree(text: string): JsonTree {
  return parseJson(text) as JsonTree;
}

export function isJsonObject(v: JsonTree): v is { readonly [key: string]: JsonTree } {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof JsonNumber);
}

/** Writes an untyped JSON tree back to text, numbers verbatim. */
export function stringifyJsonTree(v: JsonTree): string {
  return stringifyJson(v);
}

// ------------------------------------------------------------- encoding

/** Java's `Double.toString`, which Jackson uses for doubles. */
export function formatJavaDouble(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (n === Infinity) return 'Infinity';
  if (n === -Infinity) return '-Infinity';
  if (n === 0) return Object.is(n, -0) ? '-0.0' : '0.0';
  const a = Math.abs(n);
  if (a >= 1e-3 && a < 1e7) {
    const s = String(n);
    return s.includes('.') ? s : s + '.0';
  }
  const [mant = '0', exp = '0'] = n.toExponential().split('e');
  const m = mant.includes('.') ? mant : mant + '.0';
  return `${m}E${exp.startsWith('+') ? exp.slice(1) : exp}`;
}

function doubleJson(n: number): string {
  // Jackson quotes non-finite numbers (QUOTE_NON_NUMERIC_NUMBERS is on by default).
  return Number.isFinite(n) ? formatJavaDouble(n) : JSON.stringify(formatJavaDouble(n));
}

export type JsonDialect = 'rest' | 'serde';

/** Encodes one value of `type` as JSON text. */
export function encodeJson(value: Value, type: SqlType, dialect: JsonDialect = 'rest'): string {
  if (value === null) return 'null';
  switch (type.type) {
    case 'BOOLEAN':
      return value ? 'true' : 'false';
    case 'INTEGER':
      return (value as number).toString();
    case 'BIGINT':
      return (value as bigint | number).toString();
    case 'DOUBLE':
      return doubleJson(value as number);
    case 'DECIMAL':
      return (value as Decimal).toString();
    case 'STRING':
      return JSON.stringify(value);
    case 'BYTES':
      return JSON.stringify(bytesToBase64(value as Uint8Array));
    case 'DATE':
      return dialect === 'rest' ? JSON.stringify(formatDate(value as number)) : (value as number).toString();
    case 'TIME':
      return dialect === 'rest' ? JSON.stringify(formatTime(value as number)) : (value as number).toString();
    case 'TIMESTAMP':
      return dialect === 'rest' ? JSON.stringify(formatTimestamp(value as number)) : (value as number).toString();
    case 'ARRAY': {
      const items = value as readonly Value[];
      let out = '[';
      for (let i = 0; i < items.length; i++) {
        if (i > 0) out += ',';
        out += encodeJson(items[i] as Value, type.item, dialect);
      }
      return out + ']';
    }
    case 'MAP': {
      const map = value as ReadonlyMap<MapKey, Value>;
      let out = '{';
      let first = true;
      for (const [k, v] of map) {
        if (!first) out += ',';
        first = false;
        out += JSON.stringify(String(k)) + ':' + encodeJson(v, type.value, dialect);
      }
      return out + '}';
    }
    case 'STRUCT': {
      const struct = value as StructValue;
      let out = '{';
      let first = true;
      for (const f of type.fields) {
        if (!first) out += ',';
        first = false;
        out += JSON.stringify(f.name) + ':' + encodeJson(struct[f.name] ?? null, f.type, dialect);
      }
      return out + '}';
    }
  }
}

/** A `/query` row's `columns` array as JSON text. */
export function encodeRowJson(values: readonly Value[], types: readonly SqlType[]): string {
  let out = '[';
  for (let i = 0; i < values.length; i++) {
    if (i > 0) out += ',';
    const t = types[i];
    if (t === undefined) throw new Error(`Invariant violated: no type for column ${i}`);
    out += encodeJson(values[i] as Value, t, 'rest');
  }
  return out + ']';
}

/** Lenient numeric view of a JSON number (for DOUBLE columns). */
export function jsonNumberToDouble(v: number | NumberText): number {
  return typeof v === 'number' ? v : v.toNumber();
}

export function jsonNumberToDecimal(v: number | NumberText): Decimal {
  return typeof v === 'number' ? Decimal.fromNumber(v) : Decimal.parse(v.text);
}
