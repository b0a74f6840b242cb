/**
 * The `JSON` scalar. Output values go through {@link toJsonSafe}: numbers a
 * double cannot hold exactly ({@link JsonNumber}, unsafe `bigint`) become
 * strings with their exact text, so `JSON.stringify` (used by yoga and
 * graphql-ws to write responses) never loses or rejects anything. Input
 * literals keep integers and decimals exactly (as {@link JsonNumber} when a
 * double would change them).
 *
 * @module
 */
import { GraphQLScalarType, Kind, type ValueNode } from 'graphql';
import { JsonNumber } from '../../protocol/index.js';

const EXPONENT = /[eE]/;

/**
 * A deep copy-on-write normalisation of a value for `JSON.stringify`:
 * {@link JsonNumber} → its text (a string), `bigint` → a number when it is a
 * safe integer else its digits as a string, `undefined` → null in arrays
 * and dropped in objects, non-finite numbers → null. Returns the input
 * itself when nothing needs changing.
 */
export function toJsonSafe(value: unknown): unknown {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      return Number.isFinite(value) ? value : null;
    case 'bigint':
      return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER)
        ? Number(value)
        : value.toString();
    case 'object': {
      if (value === null) return null;
      // An exponent form a double holds (`1.0E7`, a DOUBLE as Java prints it) stays a number,
      // as it was before the codec kept exponents as text; the scale of a plain `1.10` is kept.
      if (value instanceof JsonNumber) return (EXPONENT.test(value.text) ? value.exactDouble() : undefined) ?? value.text;
      if (Array.isArray(value)) {
        let out: unknown[] | undefined;
        for (let i = 0; i < value.length; i++) {
          const item: unknown = value[i];
          const safe = item === undefined ? null : toJsonSafe(item);
          if (safe !== item && out === undefined) out = value.slice(0, i);
          if (out !== undefined) out.push(safe);
        }
        return out ?? value;
      }
      if (value instanceof Date) return value.toJSON();
      let out: Record<string, unknown> | undefined;
      const entries = Object.entries(value as Record<string, unknown>);
      for (let i = 0; i < entries.length; i++) {
        const [key, item] = entries[i] as [string, unknown];
        const safe = item === undefined || typeof item === 'function' ? undefined : toJsonSafe(item);
        if (safe !== item && out === undefined) {
          out = {};
          for (let j = 0; j < i; j++) {
            const [k, v] = entries[j] as [string, unknown];
            out[k] = v;
          }
        }
        if (out !== undefined && safe !== undefined) out[key] = safe;
      }
      return out ?? value;
    }
    default:
      return null;
  }
}

/** Number text → number when a double holds it exactly (same text back), else JsonNumber. */
function exactNumber(text: string): number | JsonNumber {
  const n = Number(text);
  if (String(n) === text && (Number.isSafeInteger(n) || !Number.isInteger(n))) return n;
  return new JsonNumber(text);
}

function literalToJson(ast: ValueNode, variables: Record<string, unknown> | null | undefined): unknown {
  switch (ast.kind) {
    case Kind.NULL:
      return null;
    case Kind.STRING:
    case Kind.ENUM:
      return ast.value;
    case Kind.BOOLEAN:
      return ast.value;
    case Kind.INT:
    case Kind.FLOAT:
      return exactNumber(ast.value);
    case Kind.LIST:
      return ast.values.map((v) => literalToJson(v, variables));
    case Kind.OBJECT: {
      const out: Record<string, unknown> = {};
      for (const field of ast.fields) out[field.name.value] = literalToJson(field.value, variables);
      return out;
    }
    case Kind.VARIABLE:
      return variables?.[ast.name.value] ?? null;
  }
}

/**
 * Objects and arrays known to be JSON-safe already (rows built from encoded
 * values): the scalar returns them as they are instead of walking them again.
 *
 * Rows are made safe from the start, as a {@link JsonSafeArray} or a
 * {@link jsonSafeRecord}, and recognised by their prototype: every upstream
 * row is one, and an entry per row in a WeakSet cost several percent of the
 * gateway's CPU per row (the add, and the collector's ephemeron work). The
 * WeakSet stays for values marked after the fact ({@link markJsonSafe}).
 */
const jsonSafe = new WeakSet<object>();

/** An array whose every element went through an encoder. */
export class JsonSafeArray<T = unknown> extends Array<T> {
  // map, filter, slice and the like give plain arrays: their elements were not encoded.
  static override get [Symbol.species](): ArrayConstructor {
    return Array;
  }
}

const SAFE_RECORD: object = Object.create(Object.prototype) as object;

/** An empty record to fill with encoded values (its prototype marks it safe; JSON and spreads do not see it). */
export function jsonSafeRecord(): Record<string, unknown> {
  return Object.create(SAFE_RECORD) as Record<string, unknown>;
}

/** Marks a value whose every leaf went through an encoder (or toJsonSafe). */
export function markJsonSafe<T extends object>(value: T): T {
  jsonSafe.add(value);
  return value;
}

export function isJsonSafe(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  return value instanceof JsonSafeArray || Object.getPrototypeOf(value) === SAFE_RECORD || jsonSafe.has(value);
}

export const JSONScalar = new GraphQLScalarType<unknown, unknown>({
  name: 'JSON',
  serialize: (value) => (isJsonSafe(value) ? value : toJsonSafe(value)),
  parseValue: (value) => value,
  parseLiteral: (ast, variables) => literalToJson(ast, variables),
});
