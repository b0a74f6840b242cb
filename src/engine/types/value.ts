/**
 * Runtime values. One representation per SQL type, fixed here:
 *
 * | SQL type  | JS value                                   |
 * |-----------|--------------------------------------------|
 * | BOOLEAN   | boolean                                    |
 * | INTEGER   | number (int32)                             |
 * | BIGINT    | bigint                                     |
 * | DOUBLE    | number                                     |
 * | DECIMAL   | {@link Decimal}                            |
 * | STRING    | string                                     |
 * | BYTES     | Uint8Array                                 |
 * | DATE      | number: days since 1970-01-01              |
 * | TIME      | number: milliseconds since midnight        |
 * | TIMESTAMP | number: milliseconds since the epoch (UTC) |
 * | ARRAY     | Value[]                                    |
 * | MAP       | Map<MapKey, Value>: keys are primitive values (usually STRING) |
 * | STRUCT    | {@link StructValue}: field name → value     |
 *
 * SQL NULL is `null` for every type.
 *
 * @module
 */
import type { Decimal } from './decimal.js';

export type Value =
  | null
  | boolean
  | number
  | bigint
  | string
  | Decimal
  | Uint8Array
  | readonly Value[]
  | ReadonlyMap<MapKey, Value>
  | StructValue;

/** Map keys: primitive values (or NULL) only, so JS `Map` equality is value equality. */
export type MapKey = string | number | bigint | boolean | null;

export interface StructValue {
  readonly [field: string]: Value;
}

/** A struct with no prototype, so field names like `constructor` are safe. */
export function makeStruct(entries: Iterable<readonly [string, Value]>): StructValue {
  const s = Object.create(null) as Record<string, Value>;
  for (const [k, v] of entries) s[k] = v;
  return s;
}

export const INT32_MIN = -2147483648;
export const INT32_MAX = 2147483647;

/** Java int overflow semantics: wrap to 32 bits. */
export function toInt32(n: number): number {
  return n | 0;
}

/** Java long overflow semantics: wrap to 64 bits. */
export function toInt64(n: bigint): bigint {
  return BigInt.asIntN(64, n);
}

// -------------------------------------------------------------- temporal

const MS_PER_DAY = 86_400_000;

function pad(n: number, width: number): string {
  const s = String(Math.abs(n));
  return (n < 0 ? '-' : '') + (s.length >= width ? s : '0'.repeat(width - s.length) + s);
}

function formatYear(y: number): string {
  // java.time prints years beyond 9999 with a sign; keep the common range exact.
  if (y > 9999) return '+' + String(y);
  return pad(y, 4);
}

/** `yyyy-MM-dd` for days since the epoch. */
export function formatDate(days: number): string {
  const d = new Date(days * MS_PER_DAY);
  return `${formatYear(d.getUTCFullYear())}-${pad(d.getUTCMonth() + 1, 2)}-${pad(d.getUTCDate(), 2)}`;
}

/** `LocalTime.toString()`: `HH:mm`, `HH:mm:ss` or `HH:mm:ss.SSS` (seconds dropped when zero). */
export function formatTime(msOfDay: number): string {
  const h = Math.floor(msOfDay / 3_600_000);
  const m = Math.floor(msOfDay / 60_000) % 60;
  const s = Math.floor(msOfDay / 1000) % 60;
  const ms = msOfDay % 1000;
  let out = `${pad(h, 2)}:${pad(m, 2)}`;
  if (s > 0 || ms > 0) {
    out += `:${pad(s, 2)}`;
    if (ms > 0) out += `.${pad(ms, 3)}`;
  }
  return out;
}

/** `yyyy-MM-dd'T'HH:mm:ss.SSS` in UTC, no zone suffix. */
export function formatTimestamp(ms: number): string {
  const d = new Date(ms);
  return (
    `${formatYear(d.getUTCFullYear())}-${pad(d.getUTCMonth() + 1, 2)}-${pad(d.getUTCDate(), 2)}` +
    `T${pad(d.getUTCHours(), 2)}:${pad(d.getUTCMinutes(), 2)}:${pad(d.getUTCSeconds(), 2)}.${pad(d.getUTCMilliseconds(), 3)}`
  );
}

/** Parses `yyyy-MM-dd`; undefined when malformed. */
export function parseDate(text: string): number | undefined {
  const m = /^\s*(\d{4})-(\d{1,2})-(\d{1,2})\s*$/.exec(text);
  if (!m) return undefined;
  const y = Number(m[1]);
  const mo = Number(m[2]);
  const d = Number(m[3]);
  // Date.UTC maps years 0-99 to 1900-1999; setUTCFullYear takes the year as given.
  const check = new Date(0);
  check.setUTCFullYear(y, mo - 1, d);
  const ms = check.getTime();
  if (check.getUTCFullYear() !== y || check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d) return undefined;
  return Math.round(ms / MS_PER_DAY);
}

/** Parses `HH:mm[:ss[.fff]]`; undefined when malformed. */
export function parseTime(text: string): number | undefined {
  const m = /^\s*(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?\s*$/.exec(text);
  if (!m) return undefined;
  const h = Number(m[1]);
  const mi = Number(m[2]);
  const s = m[3] === undefined ? 0 : Number(m[3]);
  const frac = m[4] === undefined ? 0 : Number((m[4] + '00').slice(0, 3));
  if (h > 23 || mi > 59 || s > 59) return undefined;
  return ((h * 60 + mi) * 60 + s) * 1000 + frac;
}

/**
 * Parses a timestamp as ksqlDB's string-to-TIMESTAMP coercion does:
 * `yyyy-MM-dd['T'HH:mm[:ss[.fff]]][zone]`, UTC unless a zone (`Z`, `+hh:mm`,
 * `+hhmm`) is given. Undefined when malformed.
 */
export function parseTimestamp(text: string): number | undefined {
  const m =
    /^\s*(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2})(?::(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?\s*$/.exec(
      text,
    );
  if (!m) return undefined;
  const days = parseDate(`${m[1]}-${m[2]}-${m[3]}`);
  if (days === undefined) return undefined;
  const h = m[4] === undefined ? 0 : Number(m[4]);
  const mi = m[5] === undefined ? 0 : Number(m[5]);
  const s = m[6] === undefined ? 0 : Number(m[6]);
  const frac = m[7] === undefined ? 0 : Number((m[7] + '00').slice(0, 3));
  if (h > 23 || mi > 59 || s > 59) return undefined;
  let ms = days * MS_PER_DAY + ((h * 60 + mi) * 60 + s) * 1000 + frac;
  const zone = m[8];
  if (zone !== undefined && zone !== 'Z') {
    const zm = /^([+-])(\d{2}):?(\d{2})?$/.exec(zone);
    if (!zm) return undefined;
    const offset = (Number(zm[2]) * 60 + Number(zm[3] ?? '0')) * 60_000;
    ms -= zm[1] === '-' ? -offset : offset;
  }
  return ms;
}

// ------------------------------------------------------------- base64

export function bytesToBase64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

/** Strict base64 (standard alphabet, optional padding); undefined when malformed. */
export function base64ToBytes(text: string): Uint8Array | undefined {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || (text.replace(/=+$/, '').length % 4 === 1)) {
    return undefined;
  }
  return new Uint8Array(Buffer.from(text, 'base64'));
}
