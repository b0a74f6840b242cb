/**
 * Value conversions:
 *
 * - {@link fromJson}: a parsed JSON value to a column type, leniently, as
 *   ksqlDB's JSON deserializer does (numbers from text, any scalar to STRING,
 *   struct fields matched exactly first and then case-insensitively).
 * - {@link coerceValue}: implicit SQL coercion (INSERT VALUES, arguments):
 *   INTEGER → BIGINT → DECIMAL → DOUBLE, and STRING literals to temporal types.
 * - {@link castValue}: explicit CAST.
 *
 * Failures throw {@link CoercionError}; callers decide whether that drops a
 * record (deserialization), yields NULL (expression evaluation) or fails a
 * statement (INSERT VALUES).
 *
 * @module
 */
import { BaseError } from '../../shared/errors.js';
import { Decimal, DecimalError } from './decimal.js';
import {
  formatJavaDouble,
  isJsonObject,
  jsonNumberToDecimal,
  jsonNumberToDouble,
  NumberText,
  stringifyJsonTree,
  type JsonTree,
} from './json.js';
import { formatType, type DecimalType, type SqlType } from './sql-type.js';
import {
  base64ToBytes,
  formatDate,
  formatTime,
  formatTimestamp,
  INT32_MAX,
  INT32_MIN,
  makeStruct,
  parseDate,
  parseTime,
  parseTimestamp,
  toInt32,
  toInt64,
  type MapKey,
  type StructValue,
  type Value,
} from './value.js';

/** A value used as a map key; complex or NULL keys are not allowed. */
export function mapKey(v: Value): MapKey {
  if (v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') return v;
  throw new CoercionError('Map keys must be primitive values');
}

export class CoercionError extends BaseError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('ENGINE_COERCION', message, options);
  }
}

const MS_PER_DAY = 86_400_000;

function describeJson(v: JsonTree): string {
  if (v === null) return 'NullNode';
  if (typeof v === 'boolean') return 'BooleanNode';
  if (typeof v === 'string') return 'TextNode';
  if (typeof v === 'number' || v instanceof NumberText) {
    const text = String(v);
    return /[.eE]/.test(text) ? 'DoubleNode' : 'IntNode';
  }
  if (Array.isArray(v)) return 'ArrayNode';
  return 'ObjectNode';
}

function invalid(v: JsonTree, type: SqlType): CoercionError {
  return new CoercionError(
    `Can't convert type. sourceType: ${describeJson(v)}, requiredType: ${formatType(type)}`,
  );
}

/** Fits a decimal into DECIMAL(p, s), as ksqlDB's `DecimalUtil.ensureFit`. */
export function fitDecimal(d: Decimal, type: DecimalType): Decimal {
  const scaled = d.setScale(type.scale);
  if (!scaled.fits(type.precision, type.scale)) {
    throw new CoercionError(
      `Cannot fit decimal '${d.toString()}' into DECIMAL(${type.precision}, ${type.scale}) without rounding. ` +
        `(Requires ${d.integerDigits + type.scale},${type.scale})`,
    );
  }
  return scaled;
}

/**
 * `d` in DECIMAL(p, s) when that needs no rounding and no more integer digits (the
 * `RoundingMode.UNNECESSARY` of ksqlDB's `DecimalUtil.ensureFit`); undefined otherwise.
 */
export function fitDecimalExactly(d: Decimal, type: DecimalType): Decimal | undefined {
  const scaled = d.setScale(type.scale);
  if (d.scale > type.scale && scaled.setScale(d.scale).unscaled !== d.unscaled) return undefined;
  return scaled.fits(type.precision, type.scale) ? scaled : undefined;
}

function parseIntegral(text: string): bigint | undefined {
  const t = text.trim();
  if (!/^[+-]?\d+$/.test(t)) return undefined;
  return BigInt(t);
}

function jsonToBigInt(v: number | NumberText): bigint {
  if (typeof v === 'number') return BigInt(Math.trunc(v));
  const i = parseIntegral(v.text);
  if (i !== undefined) return i;
  return BigInt(Math.trunc(Number(v.text)));
}

/** Converts a parsed JSON value to a value of `type`. */
export function fromJson(v: JsonTree, type: SqlType): Value {
  if (v === null) return null;
  const isNum = typeof v === 'number' || v instanceof NumberText;
  switch (type.type) {
    case 'BOOLEAN':
      if (typeof v === 'boolean') return v;
      if (typeof v === 'string') return v.toLowerCase() === 'true';
      throw invalid(v, type);
    case 'INTEGER': {
      if (isNum) return Number(BigInt.asIntN(32, jsonToBigInt(v)));
      if (typeof v === 'string') {
        const i = parseIntegral(v);
        if (i === undefined || i < BigInt(INT32_MIN) || i > BigInt(INT32_MAX)) throw invalid(v, type);
        return Number(i);
      }
      throw invalid(v, type);
    }
    case 'BIGINT': {
      if (isNum) return toInt64(jsonToBigInt(v));
      if (typeof v === 'string') {
        const i = parseIntegral(v);
        if (i === undefined) throw invalid(v, type);
        return toInt64(i);
      }
      throw invalid(v, type);
    }
    case 'DOUBLE': {
      if (isNum) return jsonNumberToDouble(v);
      if (typeof v === 'string') {
        const n = Number(v.trim());
        if (v.trim() === '' || Number.isNaN(n)) throw invalid(v, type);
        return n;
      }
      throw invalid(v, type);
    }
    case 'DECIMAL': {
      try {
        if (isNum) return fitDecimal(jsonNumberToDecimal(v), type);
        if (typeof v === 'string') return fitDecimal(Decimal.parse(v), type);
      } catch (err) {
        if (err instanceof DecimalError) throw invalid(v, type);
        throw err;
      }
      throw invalid(v, type);
    }
    case 'STRING':
      if (typeof v === 'string') return v;
      if (typeof v === 'boolean' || isNum) return String(v);
      return stringifyJsonTree(v);
    case 'BYTES': {
      if (typeof v !== 'string') throw invalid(v, type);
      const b = base64ToBytes(v);
      if (b === undefined) throw new CoercionError(`Value is not a valid Base64 encoded string: ${v}`);
      return b;
    }
    case 'DATE':
      if (isNum) return Number(jsonToBigInt(v));
      if (typeof v === 'string') {
        const d = parseDate(v);
        if (d === undefined) throw invalid(v, type);
        return d;
      }
      throw invalid(v, type);
    case 'TIME':
      if (isNum) return Number(jsonToBigInt(v));
      if (typeof v === 'string') {
        const t = parseTime(v);
        if (t === undefined) throw invalid(v, type);
        return t;
      }
      throw invalid(v, type);
    case 'TIMESTAMP':
      if (isNum) return Number(jsonToBigInt(v));
      if (typeof v === 'string') {
        const t = parseTimestamp(v);
        if (t === undefined) throw invalid(v, type);
        return t;
      }
      throw invalid(v, type);
    case 'ARRAY':
      if (!Array.isArray(v)) throw invalid(v, type);
      return (v as readonly JsonTree[]).map((item) => fromJson(item, type.item));
    case 'MAP': {
      if (!isJsonObject(v)) throw invalid(v, type);
      const m = new Map<MapKey, Value>();
      for (const k of Object.keys(v)) m.set(mapKey(fromJson(k, type.key)), fromJson(v[k] as JsonTree, type.value));
      return m;
    }
    case 'STRUCT':
      if (!isJsonObject(v)) throw invalid(v, type);
      return structFromJsonObject(v, type.fields);
  }
}

/**
 * Reads named fields from a JSON object: an exact key match wins, otherwise
 * a key whose upper-cased form equals the field name (ksqlDB's JSON serde).
 * Missing fields are NULL.
 */
export function structFromJsonObject(
  obj: { readonly [key: string]: JsonTree },
  fields: readonly { readonly name: string; readonly type: SqlType }[],
): StructValue {
  let upper: Map<string, JsonTree> | undefined;
  const entries: Array<[string, Value]> = [];
  for (const f of fields) {
    let raw: JsonTree | undefined = Object.prototype.hasOwnProperty.call(obj, f.name) ? obj[f.name] : undefined;
    if (raw === undefined) {
      if (upper === undefined) {
        upper = new Map();
        for (const k of Object.keys(obj)) {
          const u = k.toUpperCase();
          if (!upper.has(u)) upper.set(u, obj[k] as JsonTree);
        }
      }
      raw = upper.get(f.name);
    }
    entries.push([f.name, raw === undefined ? null : fromJson(raw, f.type)]);
  }
  return makeStruct(entries);
}

// --------------------------------------------------------- SQL coercion

function toDecimal(value: Value, from: SqlType): Decimal {
  switch (from.type) {
    case 'INTEGER':
      return Decimal.fromBigInt(BigInt(value as number));
    case 'BIGINT':
      return Decimal.fromBigInt(value as bigint);
    case 'DECIMAL':
      return value as Decimal;
    case 'DOUBLE':
      return Decimal.fromNumber(value as number);
    default:
      throw new CoercionError(`Cannot convert ${formatType(from)} to DECIMAL`);
  }
}

function toDouble(value: Value, from: SqlType): number {
  switch (from.type) {
    case 'INTEGER':
    case 'DOUBLE':
      return value as number;
    case 'BIGINT':
      return Number(value);
    case 'DECIMAL':
      return (value as Decimal).toNumber();
    default:
      throw new CoercionError(`Cannot convert ${formatType(from)} to DOUBLE`);
  }
}

/**
 * Implicit coercion of a value of type `from` to `to`; undefined when ksqlDB
 * would not coerce without a CAST. Widening only, plus STRING → temporal.
 */
export function coerceValue(value: Value, from: SqlType | null, to: SqlType): { value: Value } | undefined {
  if (value === null) return { value: null };
  if (from === null) return undefined;
  switch (to.type) {
    case 'BOOLEAN':
    case 'STRING':
    case 'BYTES':
      return from.type === to.type ? { value } : undefined;
    case 'INTEGER':
      return from.type === 'INTEGER' ? { value } : undefined;
    case 'BIGINT':
      if (from.type === 'BIGINT') return { value };
      if (from.type === 'INTEGER') return { value: BigInt(value as number) };
      return undefined;
    case 'DOUBLE':
      if (from.type === 'INTEGER' || from.type === 'BIGINT' || from.type === 'DECIMAL' || from.type === 'DOUBLE') {
        return { value: toDouble(value, from) };
      }
      return undefined;
    case 'DECIMAL': {
      // DefaultSqlValueCoercer: INTEGER, BIGINT and DECIMAL values must fit exactly (ensureFit).
      if (from.type === 'INTEGER' || from.type === 'BIGINT' || from.type === 'DECIMAL') {
        const d = fitDecimalExactly(toDecimal(value, from), to);
        return d === undefined ? undefined : { value: d };
      }
      if (from.type === 'DOUBLE') return { value: fitDecimal(toDecimal(value, from), to) };
      return undefined;
    }
    case 'DATE':
    case 'TIME':
    case 'TIMESTAMP':
      if (from.type === to.type) return { value };
      if (from.type === 'STRING') {
        const parsed =
          to.type === 'DATE'
            ? parseDate(value as string)
            : to.type === 'TIME'
              ? parseTime(value as string)
              : parseTimestamp(value as string);
        if (parsed === undefined) return undefined;
        return { value: parsed };
      }
      return undefined;
    case 'ARRAY': {
      if (from.type !== 'ARRAY') return undefined;
      const out: Value[] = [];
      for (const item of value as readonly Value[]) {
        const c = coerceValue(item, from.item, to.item);
        if (c === undefined) return undefined;
        out.push(c.value);
      }
      return { value: out };
    }
    case 'MAP': {
      if (from.type !== 'MAP') return undefined;
      const out = new Map<MapKey, Value>();
      for (const [k, v] of value as ReadonlyMap<MapKey, Value>) {
        const c = coerceValue(v, from.value, to.value);
        const ck = coerceValue(k, from.key, to.key);
        if (c === undefined || ck === undefined) return undefined;
        out.set(mapKey(ck.value), c.value);
      }
      return { value: out };
    }
    case 'STRUCT': {
      if (from.type !== 'STRUCT') return undefined;
      const src = value as StructValue;
      const entries: Array<[string, Value]> = [];
      for (const f of to.fields) {
        const ff = from.fields.find((x) => x.name === f.name);
        if (ff === undefined) {
          entries.push([f.name, null]);
          continue;
        }
        const c = coerceValue(src[f.name] ?? null, ff.type, f.type);
        if (c === undefined) return undefined;
        entries.push([f.name, c.value]);
      }
      for (const ff of from.fields) {
        if (!to.fields.some((f) => f.name === ff.name)) return undefined;
      }
      return { value: makeStruct(entries) };
    }
  }
}

// ------------------------------------------------------------ explicit CAST

/** `CAST(x AS STRING)` text of a value. */
export function valueToString(value: Value, from: SqlType): string {
  if (value === null) return 'null';
  switch (from.type) {
    case 'DOUBLE':
      return formatJavaDouble(value as number);
    case 'DATE':
      return formatDate(value as number);
    case 'TIME':
      return formatTime(value as number);
    case 'TIMESTAMP':
      return formatTimestamp(value as number);
    case 'BYTES':
      return Buffer.from(value as Uint8Array).toString('base64');
    case 'ARRAY':
      return '[' + (value as readonly Value[]).map((v) => valueToString(v, from.item)).join(', ') + ']';
    case 'MAP':
      return (
        '{' +
        [...(value as ReadonlyMap<MapKey, Value>)].map(([k, v]) => `${valueToString(k, from.key)}=${valueToString(v, from.value)}`).join(', ') +
        '}'
      );
    case 'STRUCT': {
      const s = value as StructValue;
      return 'Struct{' + from.fields.filter((f) => s[f.name] !== null && s[f.name] !== undefined)
        .map((f) => `${f.name}=${valueToString(s[f.name] ?? null, f.type)}`).join(',') + '}';
    }
    default:
      // BOOLEAN, INTEGER, BIGINT, DECIMAL, STRING
      return (value as boolean | number | bigint | Decimal | string).toString();
  }
}

function parseBooleanText(text: string): boolean {
  switch (text.trim().toLowerCase()) {
    case 'true':
    case 't':
    case 'yes':
    case 'y':
      return true;
    case 'false':
    case 'f':
    case 'no':
    case 'n':
      return false;
    default:
      throw new CoercionError(`Invalid Boolean value: ${text}`);
  }
}

function numberOf(text: string, to: SqlType): Decimal {
  try {
    return Decimal.parse(text.trim());
  } catch (err) {
    throw new CoercionError(`Cannot cast '${text}' to ${formatType(to)}`, { cause: err });
  }
}

/** Whether `CAST(from AS to)` is allowed at all (checked at analysis). */
export function isCastSupported(from: SqlType | null, to: SqlType): boolean {
  if (from === null) return true;
  if (to.type === 'STRING') return true;
  const numericOrString = (t: SqlType) =>
    t.type === 'INTEGER' || t.type === 'BIGINT' || t.type === 'DOUBLE' || t.type === 'DECIMAL' || t.type === 'STRING';
  switch (to.type) {
    case 'INTEGER':
    case 'BIGINT':
    case 'DOUBLE':
    case 'DECIMAL':
      return numericOrString(from);
    case 'BOOLEAN':
      return from.type === 'BOOLEAN' || from.type === 'STRING';
    case 'BYTES':
      // CastEvaluator: STRING → BYTES decodes base64.
      return from.type === 'BYTES' || from.type === 'STRING';
    case 'DATE':
      return from.type === 'DATE' || from.type === 'STRING' || from.type === 'TIMESTAMP';
    case 'TIME':
      return from.type === 'TIME' || from.type === 'STRING' || from.type === 'TIMESTAMP';
    case 'TIMESTAMP':
      return from.type === 'TIMESTAMP' || from.type === 'STRING' || from.type === 'DATE';
    case 'ARRAY':
      return from.type === 'ARRAY' && isCastSupported(from.item, to.item);
    case 'MAP':
      return from.type === 'MAP' && isCastSupported(from.key, to.key) && isCastSupported(from.value, to.value);
    case 'STRUCT':
      return from.type === 'STRUCT';
  }
}

/** Explicit CAST; throws {@link CoercionError} when the value cannot be converted. */
export function castValue(value: Value, from: SqlType | null, to: SqlType): Value {
  if (value === null || from === null) return null;
  switch (to.type) {
    case 'STRING':
      return from.type === 'STRING' ? value : valueToString(value, from);
    case 'BOOLEAN':
      if (from.type === 'BOOLEAN') return value;
      if (from.type === 'STRING') return parseBooleanText(value as string);
      break;
    case 'INTEGER':
      switch (from.type) {
        case 'INTEGER':
          return value;
        case 'BIGINT':
          return Number(BigInt.asIntN(32, value as bigint));
        case 'DOUBLE':
          return toInt32(Math.trunc(value as number));
        case 'DECIMAL':
          return Number(BigInt.asIntN(32, (value as Decimal).toBigInt()));
        case 'STRING': {
          const i = parseIntegral(value as string);
          if (i === undefined || i < BigInt(INT32_MIN) || i > BigInt(INT32_MAX)) {
            throw new CoercionError(`Cannot cast '${value as string}' to INTEGER`);
          }
          return Number(i);
        }
        default:
          break;
      }
      break;
    case 'BIGINT':
      switch (from.type) {
        case 'INTEGER':
          return BigInt(value as number);
        case 'BIGINT':
          return value;
        case 'DOUBLE':
          return toInt64(BigInt(Math.trunc(value as number)));
        case 'DECIMAL':
          return toInt64((value as Decimal).toBigInt());
        case 'STRING': {
          const i = parseIntegral(value as string);
          if (i === undefined) throw new CoercionError(`Cannot cast '${value as string}' to BIGINT`);
          return toInt64(i);
        }
        default:
          break;
      }
      break;
    case 'DOUBLE':
      if (from.type === 'STRING') {
        const n = Number((value as string).trim());
        if ((value as string).trim() === '' || Number.isNaN(n)) {
          throw new CoercionError(`Cannot cast '${value as string}' to DOUBLE`);
        }
        return n;
      }
      return toDouble(value, from);
    case 'DECIMAL':
      if (from.type === 'STRING') return fitDecimal(numberOf(value as string, to), to);
      return fitDecimal(toDecimal(value, from), to);
    case 'BYTES':
      if (from.type === 'BYTES') return value;
      if (from.type === 'STRING') {
        // ByteBuffer.wrap(BytesUtils.decode(s.trim(), BASE64))
        const b = base64ToBytes((value as string).trim());
        if (b === undefined) throw new CoercionError(`Cannot cast '${value as string}' to BYTES: not base64`);
        return b;
      }
      break;
    case 'DATE':
      if (from.type === 'DATE') return value;
      if (from.type === 'TIMESTAMP') return Math.floor((value as number) / MS_PER_DAY);
      if (from.type === 'STRING') {
        const d = parseDate(value as string);
        if (d === undefined) throw new CoercionError(`Cannot cast '${value as string}' to DATE`);
        return d;
      }
      break;
    case 'TIME':
      if (from.type === 'TIME') return value;
      if (from.type === 'TIMESTAMP') return (((value as number) % MS_PER_DAY) + MS_PER_DAY) % MS_PER_DAY;
      if (from.type === 'STRING') {
        const t = parseTime(value as string);
        if (t === undefined) throw new CoercionError(`Cannot cast '${value as string}' to TIME`);
        return t;
      }
      break;
    case 'TIMESTAMP':
      if (from.type === 'TIMESTAMP') return value;
      if (from.type === 'DATE') return (value as number) * MS_PER_DAY;
      if (from.type === 'STRING') {
        const t = parseTimestamp(value as string);
        if (t === undefined) throw new CoercionError(`Cannot cast '${value as string}' to TIMESTAMP`);
        return t;
      }
      break;
    case 'ARRAY':
      if (from.type === 'ARRAY') return (value as readonly Value[]).map((v) => castValue(v, from.item, to.item));
      break;
    case 'MAP':
      if (from.type === 'MAP') {
        const out = new Map<MapKey, Value>();
        for (const [k, v] of value as ReadonlyMap<MapKey, Value>) {
          out.set(mapKey(castValue(k, from.key, to.key)), castValue(v, from.value, to.value));
        }
        return out;
      }
      break;
    case 'STRUCT':
      if (from.type === 'STRUCT') {
        const s = value as StructValue;
        return makeStruct(
          to.fields.map((f) => {
            const ff = from.fields.find((x) => x.name === f.name);
            return [f.name, ff === undefined ? null : castValue(s[f.name] ?? null, ff.type, f.type)] as const;
          }),
        );
      }
      break;
  }
  throw new CoercionError(`Cast of ${formatType(from)} to ${formatType(to)} is not supported`);
}
