/**
 * Ordering and equality of non-null values. Numbers of different
 * representations (number, bigint, Decimal) compare by numeric value, so a
 * comparison between an INTEGER and a BIGINT or DECIMAL needs no cast.
 * SQL NULL handling (unknown) is the caller's business.
 *
 * @module
 */
import { Decimal } from './decimal.js';
import type { MapKey, StructValue, Value } from './value.js';

function cmpNum(a: number | bigint | Decimal, b: number | bigint | Decimal): number {
  if (typeof a === 'number' && typeof b === 'number') {
    if (Number.isNaN(a) || Number.isNaN(b)) {
      // Java's Double.compare: NaN is greater than everything, equal to itself.
      return Number.isNaN(a) ? (Number.isNaN(b) ? 0 : 1) : -1;
    }
    return a < b ? -1 : a > b ? 1 : 0;
  }
  if (typeof a === 'bigint' && typeof b === 'bigint') return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'number' && !Number.isFinite(a)) return Number.isNaN(a) ? 1 : a > 0 ? 1 : -1;
  if (typeof b === 'number' && !Number.isFinite(b)) return Number.isNaN(b) ? -1 : b > 0 ? -1 : 1;
  const da = a instanceof Decimal ? a : typeof a === 'bigint' ? Decimal.fromBigInt(a) : Decimal.fromNumber(a);
  const db = b instanceof Decimal ? b : typeof b === 'bigint' ? Decimal.fromBigInt(b) : Decimal.fromNumber(b);
  return da.compare(db);
}

function isNumberLike(v: Value): v is number | bigint | Decimal {
  return typeof v === 'number' || typeof v === 'bigint' || v instanceof Decimal;
}

function cmpBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = (a[i] as number) - (b[i] as number);
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}

/**
 * Total order over two non-null values of comparable types: negative, zero
 * or positive. Throws for values that have no order (maps, structs).
 */
export function compareValues(a: Value, b: Value): number {
  if (a === null || b === null) throw new Error('Invariant violated: compareValues called with NULL');
  if (isNumberLike(a) && isNumberLike(b)) return cmpNum(a, b);
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'boolean' && typeof b === 'boolean') return a === b ? 0 : a ? 1 : -1;
  if (a instanceof Uint8Array && b instanceof Uint8Array) return cmpBytes(a, b);
  if (Array.isArray(a) && Array.isArray(b)) {
    const n = Math.min(a.length, b.length);
    for (let i = 0; i < n; i++) {
      const x = a[i] as Value;
      const y = b[i] as Value;
      if (x === null || y === null) {
        if (x === y) continue;
        return x === null ? -1 : 1;
      }
      const c = compareValues(x, y);
      if (c !== 0) return c;
    }
    return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
  }
  throw new Error(`Values are not comparable: ${typeof a} and ${typeof b}`);
}

/** Deep equality of two values (NULL equals NULL here; SQL `=` handles NULL itself). */
export function valuesEqual(a: Value, b: Value): boolean {
  if (a === b) return true;
  if (a === null || b === null) return false;
  if (isNumberLike(a) && isNumberLike(b)) return cmpNum(a, b) === 0;
  if (a instanceof Uint8Array && b instanceof Uint8Array) return cmpBytes(a, b) === 0;
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((x, i) => valuesEqual(x as Value, b[i] as Value));
  }
  if (a instanceof Map && b instanceof Map) {
    if (a.size !== b.size) return false;
    const bm = b as ReadonlyMap<MapKey, Value>;
    for (const [k, v] of a as ReadonlyMap<MapKey, Value>) {
      if (!bm.has(k) || !valuesEqual(v, bm.get(k) as Value)) return false;
    }
    return true;
  }
  if (typeof a === 'object' && typeof b === 'object' && !(a instanceof Decimal) && !(b instanceof Decimal)) {
    const sa = a as StructValue;
    const sb = b as StructValue;
    const ka = Object.keys(sa);
    const kb = Object.keys(sb);
    return ka.length === kb.length && ka.every((k) => valuesEqual(sa[k] ?? null, sb[k] ?? null));
  }
  return false;
}
