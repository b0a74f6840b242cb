/**
 * How ksqlDB column values are delivered through GraphQL, driven by the
 * column types of the query header (computed once per header, applied per
 * row):
 *
 * | SQL type          | GraphQL JSON value                                        |
 * |-------------------|-----------------------------------------------------------|
 * | BIGINT, DECIMAL   | string with the exact decimal text (`"9007199254740993"`) |
 * | INTEGER, DOUBLE   | number                                                    |
 * | BOOLEAN           | boolean                                                   |
 * | STRING            | string                                                    |
 * | BYTES             | base64 string (as ksqlDB sends it)                        |
 * | DATE, TIME, TIMESTAMP | string (as ksqlDB sends it)                           |
 * | ARRAY, MAP, STRUCT | array / object, with the rule applied to every element  |
 *
 * BIGINT and DECIMAL are *always* strings, also when small, so a client's
 * handling of a column does not depend on its values.
 *
 * @module
 */
import {
  JsonNumber,
  formatSqlType,
  type JsonValue,
  type WireColumn,
  type WireType,
} from '../../protocol/index.js';
import { JsonSafeArray, isJsonSafe as jsonSafe, jsonSafeRecord, toJsonSafe } from './json-scalar.js';

/** A converter from one wire value to its GraphQL JSON value. */
export type ValueEncoder = (value: JsonValue) => unknown;

/** Exact decimal text of a BIGINT or DECIMAL value. */
function exactText(value: JsonValue): unknown {
  switch (typeof value) {
    case 'number':
      // parseJson only yields a number when String(n) reproduces the wire text.
      return Number.isFinite(value) ? String(value) : null;
    case 'bigint':
      return value.toString();
    case 'string':
      return value;
    default:
      return value instanceof JsonNumber ? value.text : toJsonSafe(value);
  }
}

function toDouble(value: JsonValue): unknown {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (value instanceof JsonNumber) return value.toNumber();
  if (typeof value === 'bigint') return Number(value);
  return toJsonSafe(value);
}

const passThrough: ValueEncoder = (value) => toJsonSafe(value);

/** The encoder for one SQL type. */
export function encoderFor(type: WireType): ValueEncoder {
  switch (type.type) {
    case 'BIGINT':
    case 'DECIMAL':
      return exactText;
    case 'DOUBLE':
      return toDouble;
    case 'BOOLEAN':
    case 'INTEGER':
    case 'STRING':
    case 'BYTES':
    case 'DATE':
    case 'TIME':
    case 'TIMESTAMP':
      return passThrough;
    case 'ARRAY': {
      const item = encoderFor(type.item);
      return (value) => (Array.isArray(value) ? value.map(item) : toJsonSafe(value));
    }
    case 'MAP': {
      const entry = encoderFor(type.value);
      return (value) => {
        if (!isObject(value)) return toJsonSafe(value);
        const out: Record<string, unknown> = {};
        for (const key of Object.keys(value)) out[key] = entry(value[key] as JsonValue);
        return out;
      };
    }
    case 'STRUCT': {
      const fields = new Map(type.fields.map((f) => [f.name, encoderFor(f.type)]));
      return (value) => {
        if (!isObject(value)) return toJsonSafe(value);
        const out: Record<string, unknown> = {};
        for (const key of Object.keys(value)) {
          const encode = fields.get(key) ?? passThrough;
          out[key] = encode(value[key] as JsonValue);
        }
        return out;
      };
    }
  }
}

function isObject(value: JsonValue): value is { [key: string]: JsonValue } {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof JsonNumber);
}

/** A column of a query header, as the GraphQL `QueryColumn` type shows it. */
export interface ColumnView {
  readonly name: string;
  readonly type: string;
  readonly namespace: WireColumn['namespace'];
  readonly headerKey: string | null;
}

/**
 * Everything needed per row of one query, computed once from its header:
 * column names in order and one encoder per column.
 */
export interface RowShape {
  readonly names: readonly string[];
  readonly columns: readonly ColumnView[];
  /** Encodes a row's values in header order (values beyond the header pass through). */
  encode(values: readonly JsonValue[]): unknown[];
}

export function createRowShape(columns: readonly WireColumn[]): RowShape {
  const names = columns.map((c) => c.name);
  const encoders = columns.map((c) => encoderFor(c.type));
  const views = columns.map(
    (c): ColumnView => ({
      name: c.name,
      type: formatSqlType(c.type),
      namespace: c.namespace,
      headerKey: c.headerKey ?? null,
    }),
  );
  return {
    names,
    columns: views,
    encode(values) {
      const out = new JsonSafeArray<unknown>(values.length);
      for (let i = 0; i < values.length; i++) {
        const encode = encoders[i] ?? passThrough;
        out[i] = encode(values[i] as JsonValue);
      }
      return out;
    },
  };
}

/** Column name → value, unmarked (for consumers that never hand it to the JSON scalar). */
export function plainRowObject(names: readonly string[], values: readonly unknown[]): Record<string, unknown> {
  return fillRow({}, names, values);
}

function fillRow(out: Record<string, unknown>, names: readonly string[], values: readonly unknown[]): Record<string, unknown> {
  for (let i = 0; i < names.length; i++) out[names[i] as string] = i < values.length ? values[i] : null;
  return out;
}

/** Builds the `row` object (column name → value) of an encoded row. */
export function rowObject(names: readonly string[], values: readonly unknown[]): Record<string, unknown> {
  // JSON-safe when the values are (they come from RowShape.encode).
  return fillRow(jsonSafe(values) ? jsonSafeRecord() : {}, names, values);
}

/** The field of a source's row type that carries a subscription event's resume cursor (reserved: no column gets it). */
export const ROW_CURSOR_FIELD = '_cursor';

/** Where a subscription event's row keeps its cursor: made on first read, then kept (shared executions read it once). */
const ROW_CURSOR = Symbol('ksqldb-gateway.rowCursor');

interface CursorCarrier {
  [ROW_CURSOR]?: string | (() => string);
}

/** Gives `row` a cursor, made by `make` when first read. */
export function setRowCursor(row: object, make: () => string): void {
  (row as CursorCarrier)[ROW_CURSOR] = make;
}

/** The cursor of a subscription event's row; null for rows without one (pull queries, inserts). */
export function rowCursor(row: unknown): string | null {
  if (typeof row !== 'object' || row === null) return null;
  const carrier = row as CursorCarrier;
  const held = carrier[ROW_CURSOR];
  if (held === undefined) return null;
  if (typeof held === 'string') return held;
  const made = held();
  carrier[ROW_CURSOR] = made;
  return made;
}
