/**
 * JSON for the conformance runner: every number keeps its source text, so
 * `1.0` and `1` stay different (ksqlDB's harness parses floats as BigDecimal,
 * whose `equals` compares the scale too).
 *
 * @module
 */
import { parse as losslessParse } from 'lossless-json';

/** A JSON number as written. */
export class Num {
  readonly text: string;
  constructor(text: string) {
    this.text = text;
  }
  /** Whether the literal is an integer (no fraction, no exponent): Jackson's Integer/Long/BigInteger. */
  get isInteger(): boolean {
    return !/[.eE]/.test(this.text);
  }
  toString(): string {
    return this.text;
  }
  toJSON(): unknown {
    return { __num: this.text };
  }
}

export type Json = null | boolean | string | Num | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export function parseJsonText(text: string): Json {
  return losslessParse(text, null, (s: string) => new Num(s)) as Json;
}

export function isObject(v: Json | undefined): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Num);
}

/** Compact JSON text (numbers as written). */
export function stringify(v: Json | undefined): string {
  if (v === undefined) return '<absent>';
  if (v === null) return 'null';
  if (v instanceof Num) return v.text;
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return '[' + v.map(stringify).join(',') + ']';
  return '{' + Object.entries(v).map(([k, x]) => JSON.stringify(k) + ':' + stringify(x)).join(',') + '}';
}

/** A value where text is expected: a string as it is, anything else as its JSON text (numbers as written). */
export function asText(v: Json): string {
  return typeof v === 'string' ? v : stringify(v);
}

/** A JSON value as plain JS (numbers as doubles), for reports. */
export function toPlain(v: Json): unknown {
  if (v instanceof Num) return Number(v.text);
  if (Array.isArray(v)) return v.map(toPlain);
  if (isObject(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, toPlain(x)]));
  return v;
}

/** An exact decimal: unscaled × 10^-scale. */
interface Exact {
  readonly unscaled: bigint;
  readonly scale: number;
}

function exact(text: string): Exact {
  const m = /^(-?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text);
  if (m === null) throw new Error(`not a JSON number: ${text}`);
  const [, sign = '', int = '', frac = '', exp = '0'] = m;
  const digits = (int + frac).replace(/^0+(?=\d)/, '') || '0';
  return { unscaled: BigInt(sign + digits), scale: frac.length - Number(exp) };
}

/** Java's BigDecimal/Integer `equals` on two literals: same kind, same value, and for decimals the same scale. */
export function numbersEqualStrict(a: Num, b: Num): boolean {
  if (a.isInteger !== b.isInteger) return false;
  const x = exact(a.text);
  const y = exact(b.text);
  return x.unscaled === y.unscaled && x.scale === y.scale;
}

/** Mathematical equality of two literals (`10`, `10.0` and `1E1` are equal). */
export function numbersEqualByValue(a: Num, b: Num): boolean {
  const x = exact(a.text);
  const y = exact(b.text);
  const scale = Math.max(x.scale, y.scale);
  return x.unscaled * 10n ** BigInt(scale - x.scale) === y.unscaled * 10n ** BigInt(scale - y.scale);
}

/** Deep equality in the manner of Java `equals` on Jackson-parsed trees (maps unordered, lists ordered). */
export function jsonEquals(a: Json | undefined, b: Json | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  if (a instanceof Num || b instanceof Num) return a instanceof Num && b instanceof Num && numbersEqualStrict(a, b);
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return a === b;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((x, i) => jsonEquals(x, b[i]));
  }
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  return ka.every((k) => Object.hasOwn(b, k) && jsonEquals(a[k], b[k]));
}
