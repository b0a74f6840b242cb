/**
 * Lossless JSON for ksqlDB bodies. BIGINT and DECIMAL values must never pass
 * through a JavaScript number, so numbers that a double cannot reproduce
 * exactly (9007199254740993, 1.10, 0.1000000000000001) are kept as
 * {@link JsonNumber} holding the source text.
 *
 * Parsing takes a fast path through the native `JSON.parse` when the text has
 * no token that could lose anything (no run of 16+ digits, no fraction ending
 * in 0); otherwise lossless-json parses it with our number policy. The check
 * may give false positives (digits inside strings), never false negatives:
 * a number of at most 15 significant digits without trailing fractional zeros
 * round-trips through a double and back to the same text.
 *
 * @module
 */
import { parse as losslessParse } from 'lossless-json';
import type { JsonValue } from './rest-types.js';

/** A JSON number kept as its exact source text. */
export class JsonNumber {
  readonly text: string;
  constructor(text: string) {
    this.text = text;
  }
  /** Nearest double; lossy by definition, use for DOUBLE columns only. */
  toNumber(): number {
    return Number(this.text);
  }
  toString(): string {
    return this.text;
  }
  /** Plain `JSON.stringify` callers get the text as a string: nothing is lost silently. */
  toJSON(): string {
    return this.text;
  }
}

export function isJsonNumber(value: unknown): value is JsonNumber {
  return value instanceof JsonNumber;
}

const RISKY = /\d{16,}|\.\d*0(?!\d)/;

function parseNumber(text: string): number | JsonNumber {
  const n = Number(text);
  if (String(n) === text && (Number.isSafeInteger(n) || !Number.isInteger(n))) return n;
  return new JsonNumber(text);
}

/** Parses JSON text; numbers a double cannot hold exactly become {@link JsonNumber}. */
export function parseJson(text: string): JsonValue {
  if (!RISKY.test(text)) return JSON.parse(text) as JsonValue;
  return losslessParse(text, null, parseNumber) as JsonValue;
}

/**
 * Serialises a value as JSON: bigint as its digits, {@link JsonNumber} as its
 * text, anything with `toJSON` through it. Non-finite numbers become `null`,
 * as in `JSON.stringify`.
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
      if (value instanceof JsonNumber) return value.text;
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
