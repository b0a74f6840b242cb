/**
 * The one JSON codec of the project, used by the gateway (ksqlDB client) and
 * the engine (REST layer, and topic values through engine/types/json.ts), so
 * that the two sides read the same text as the same values.
 *
 * BIGINT and DECIMAL values must never pass through a JavaScript number, so
 * a number whose text a double does not reproduce exactly
 * (9007199254740993, 1.10, 0.1000000000000001, 1e400, 1.0E7) is kept as a
 * {@link JsonNumber}: lossless-json's `LosslessNumber`, holding the source
 * text. Every other number is a plain `number`.
 *
 * Parsing takes a fast path through the native `JSON.parse` when the text has
 * no token that could lose anything (no run of 16+ digits, no fraction ending
 * in 0, no exponent); otherwise lossless-json parses it with our number
 * policy. The check may give false positives (digits inside strings), never
 * false negatives: a number of at most 15 significant digits, without
 * trailing fractional zeros and without exponent, round-trips through a
 * double and back to the same text. (Without the exponent rule `1e400`
 * became `Infinity` here while the engine's own parser kept it as text.)
 *
 * @module
 */
import { LosslessNumber, isSafeNumber, parse as losslessParse } from 'lossless-json';

/** A JSON value as the codec returns it: numbers a double cannot hold exactly are {@link JsonNumber}s. */
export type JsonValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | JsonNumber
  | JsonValue[]
  | { [key: string]: JsonValue };

/**
 * A JSON number kept as its exact source text: a lossless-json
 * `LosslessNumber` (its `value` is the text, and lossless-json's own
 * `stringify` and `isLosslessNumber` know it).
 */
export class JsonNumber extends LosslessNumber {
  /** The source text (lossless-json's `value`). */
  get text(): string {
    return this.value;
  }
  /** Nearest double; lossy by definition, use for DOUBLE columns only. */
  toNumber(): number {
    return Number(this.value);
  }
  /**
   * The double when it holds this number exactly, digit for digit (`1.0E7`,
   * `2.5e-3`); undefined when it does not (`9007199254740993`, `1e400`,
   * `1e-400`, `0.1000000000000000055511151231257827`). A scale is not a
   * digit: `1.10` gives 1.1, so BIGINT and DECIMAL values read `text`.
   */
  exactDouble(): number | undefined {
    return isSafeNumber(this.value) ? Number(this.value) : undefined;
  }
  /** Plain `JSON.stringify` callers get the text as a string: nothing is lost silently. */
  toJSON(): string {
    return this.value;
  }
}

export function isJsonNumber(value: unknown): value is JsonNumber {
  return value instanceof JsonNumber;
}

// Exponents only where a digit precedes the e and a digit (or sign) follows:
// a bare `[eE]` would send every body with an "e" in a string to the slow parser.
const RISKY = /\d{16,}|\.\d*0(?!\d)|\d[eE][+-]?\d/;

/** One JSON number's text as {@link parseJson} reads it: a number when a double reproduces the text, else a {@link JsonNumber}. */
export function parseJsonNumber(text: string): number | JsonNumber {
  const n = Number(text);
  if (String(n) === text && (Number.isSafeInteger(n) || !Number.isInteger(n))) return n;
  return new JsonNumber(text);
}

/** Parses JSON text; numbers a double cannot hold exactly become {@link JsonNumber}. */
export function parseJson(text: string): JsonValue {
  if (!RISKY.test(text)) return JSON.parse(text) as JsonValue;
  return losslessParse(text, null, parseJsonNumber) as JsonValue;
}

/**
 * Serialises a value as JSON: bigint as its digits, {@link JsonNumber} (any
 * lossless-json `LosslessNumber`) as its text, anything with `toJSON`
 * through it. Non-finite numbers become `null`, as in `JSON.stringify`.
 */
export function stringifyJson(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      return Number.isFinite(value) ? String(value) : 'null';
    case 'bigint':
      return value.toString();
    case 'boolean':
      return value ? 'true' : 'false';
    case 'undefined':
      return 'null';
    case 'object': {
      if (value === null) return 'null';
      if (value instanceof LosslessNumber) return value.value;
      if (Array.isArray(value)) {
        let out = '[';
        for (let i = 0; i < value.length; i++) {
          if (i > 0) out += ',';
          out += stringifyJson(value[i]);
        }
        return out + ']';
      }
      const toJSON = (value as { toJSON?: unknown }).toJSON;
      if (typeof toJSON === 'function') return stringifyJson(toJSON.call(value));
      let out = '{';
      let first = true;
      for (const key in value) {
        if (!Object.prototype.hasOwnProperty.call(value, key)) continue;
        const v = (value as Record<string, unknown>)[key];
        if (v === undefined || typeof v === 'function') continue;
        if (!first) out += ',';
        first = false;
        out += JSON.stringify(key) + ':' + stringifyJson(v);
      }
      return out + '}';
    }
    default:
      return 'null';
  }
}

/**
 * `JSON.stringify` typed as it behaves: undefined for undefined, a function
 * or a symbol (or what `toJSON` or the replacer turns into one), where the
 * standard library's type promises a string.
 */
export function jsonStringify(value: unknown, replacer?: (this: unknown, key: string, value: unknown) => unknown): string | undefined {
  return JSON.stringify(value, replacer);
}

/** Plain JSON with object keys sorted at every level: equal values, equal text (for keys of shared work). */
export function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stableJson((value as Record<string, unknown>)[k])}`);
    return `{${entries.join(',')}}`;
  }
  return jsonStringify(value) ?? 'null';
}
