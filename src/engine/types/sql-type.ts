/**
 * SQL types of the engine: the wire contract's types (src/protocol/schema-string.ts),
 * so that the REST layer prints engine types without a conversion step and
 * there is one printer (`formatType` is the contract's `formatSqlType`).
 *
 * @module
 */
import { BaseError } from '../../shared/errors.js';
import { formatSqlType, quoteIdentifier, type PrimitiveTypeName, type WireField, type WireType } from '../../protocol/schema-string.js';

export type { PrimitiveTypeName };
export type SqlType = WireType;
export type DecimalType = Extract<WireType, { readonly type: 'DECIMAL' }>;
export type ArrayType = Extract<WireType, { readonly type: 'ARRAY' }>;
export type MapType = Extract<WireType, { readonly type: 'MAP' }>;
export type StructType = Extract<WireType, { readonly type: 'STRUCT' }>;
export type StructField = WireField;

export class SqlTypeError extends BaseError {
  constructor(message: string) {
    super('ENGINE_SQL_TYPE', message);
  }
}

const prim = <T extends PrimitiveTypeName>(type: T): { readonly type: T } => Object.freeze({ type });

/** Singletons for the primitive types and constructors for the others. */
export const SqlTypes = {
  BOOLEAN: prim('BOOLEAN'),
  INTEGER: prim('INTEGER'),
  BIGINT: prim('BIGINT'),
  DOUBLE: prim('DOUBLE'),
  STRING: prim('STRING'),
  BYTES: prim('BYTES'),
  DATE: prim('DATE'),
  TIME: prim('TIME'),
  TIMESTAMP: prim('TIMESTAMP'),
  decimal(precision: number, scale: number): DecimalType {
    if (!Number.isInteger(precision) || precision < 1) {
      throw new SqlTypeError(`DECIMAL precision must be >= 1: DECIMAL(${precision}, ${scale})`);
    }
    if (!Number.isInteger(scale) || scale < 0) {
      throw new SqlTypeError(`DECIMAL scale must be non-negative: DECIMAL(${precision}, ${scale})`);
    }
    if (scale > precision) {
      throw new SqlTypeError(
        `Cannot have DECIMAL scale (${scale}) greater than precision (${precision}).`,
      );
    }
    return { type: 'DECIMAL', precision, scale };
  },
  array(item: SqlType): ArrayType {
    return { type: 'ARRAY', item };
  },
  map(key: SqlType, value: SqlType): MapType {
    return { type: 'MAP', key, value };
  },
  struct(fields: readonly StructField[]): StructType {
    return { type: 'STRUCT', fields };
  },
} as const;

// ------------------------------------------------------------ printing

export { quoteIdentifier };

/** ksqlDB's `SqlType.toString()`: `DECIMAL(4, 2)`, ``STRUCT<`F` INTEGER>``. */
export const formatType: (t: SqlType) => string = formatSqlType;

// ------------------------------------------------------------ predicates

export function typeEquals(a: SqlType, b: SqlType): boolean {
  if (a === b) return true;
  if (a.type !== b.type) return false;
  switch (a.type) {
    case 'DECIMAL': {
      const o = b as DecimalType;
      return a.precision === o.precision && a.scale === o.scale;
    }
    case 'ARRAY':
      return typeEquals(a.item, (b as ArrayType).item);
    case 'MAP': {
      const o = b as MapType;
      return typeEquals(a.key, o.key) && typeEquals(a.value, o.value);
    }
    case 'STRUCT': {
      const o = b as StructType;
      return (
        a.fields.length === o.fields.length &&
        a.fields.every((f, i) => {
          const g = o.fields[i];
          return g !== undefined && f.name === g.name && typeEquals(f.type, g.type);
        })
      );
    }
    default:
      return true;
  }
}

export function isNumeric(t: SqlType): boolean {
  return t.type === 'INTEGER' || t.type === 'BIGINT' || t.type === 'DOUBLE' || t.type === 'DECIMAL';
}

/** The DECIMAL that holds every value of an integral or decimal type (ksqlDB `DecimalUtil.toSqlDecimal`). */
export function toDecimalType(t: SqlType): DecimalType {
  switch (t.type) {
    case 'DECIMAL':
      return t;
    case 'INTEGER':
      return { type: 'DECIMAL', precision: 10, scale: 0 };
    case 'BIGINT':
      return { type: 'DECIMAL', precision: 19, scale: 0 };
    default:
      throw new SqlTypeError(`Cannot convert ${formatType(t)} to DECIMAL`);
  }
}

const NUMERIC_RANK: Record<string, number> = { INTEGER: 1, BIGINT: 2, DECIMAL: 3, DOUBLE: 4 };

/**
 * The wider of two numeric types for arithmetic and comparison
 * (INTEGER < BIGINT < DECIMAL < DOUBLE), as ksqlDB's `SqlTypes` widening.
 */
export function widerNumeric(a: SqlType, b: SqlType): SqlType {
  const ra = NUMERIC_RANK[a.type];
  const rb = NUMERIC_RANK[b.type];
  if (ra === undefined || rb === undefined) {
    throw new SqlTypeError(`Not numeric: ${formatType(a)}, ${formatType(b)}`);
  }
  if (a.type === 'DECIMAL' || b.type === 'DECIMAL') {
    if (a.type === 'DOUBLE' || b.type === 'DOUBLE') return SqlTypes.DOUBLE;
    const da = toDecimalType(a);
    const db = toDecimalType(b);
    const scale = Math.max(da.scale, db.scale);
    const intDigits = Math.max(da.precision - da.scale, db.precision - db.scale);
    return { type: 'DECIMAL', precision: Math.min(intDigits + scale, 38), scale };
  }
  return ra >= rb ? a : b;
}

/**
 * Whether a value of `from` may be stored in a column of `to` without an
 * explicit CAST (ksqlDB's implicit widening: INT → BIGINT → DECIMAL → DOUBLE).
 */
export function canImplicitlyCast(from: SqlType, to: SqlType): boolean {
  if (typeEquals(from, to)) return true;
  switch (to.type) {
    case 'BIGINT':
      return from.type === 'INTEGER';
    case 'DECIMAL':
      return from.type === 'INTEGER' || from.type === 'BIGINT' || from.type === 'DECIMAL';
    case 'DOUBLE':
      return from.type === 'INTEGER' || from.type === 'BIGINT' || from.type === 'DECIMAL';
    case 'ARRAY':
      return from.type === 'ARRAY' && canImplicitlyCast(from.item, to.item);
    case 'MAP':
      return (
        from.type === 'MAP' && canImplicitlyCast(from.key, to.key) && canImplicitlyCast(from.value, to.value)
      );
    case 'STRUCT':
      return (
        from.type === 'STRUCT' &&
        from.fields.every((f) => {
          const g = to.fields.find((x) => x.name === f.name);
          return g !== undefined && canImplicitlyCast(f.type, g.type);
        })
      );
    default:
      return false;
  }
}
