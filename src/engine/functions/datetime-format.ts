/**
 * A subset of Java's `DateTimeFormatter` patterns, as ksqlDB's date/time
 * functions use them (`yyyy-MM-dd HH:mm:ss.SSS`, `X`, `'T'`, ...), and time
 * zones resolved through `Intl`.
 *
 * Letters: G y u M L d D E a h H k K m s S A X x Z z V O, quotes (`'T'`,
 * `''`), optional sections `[...]`. Parsing is strict about digit counts for
 * fixed-width fields, defaults missing fields (1970-01-01T00:00) and, like
 * java.time's SMART resolver, clamps a day-of-month past the end of the month.
 *
 * Compiled patterns and zones are cached.
 *
 * @module
 */
import { FunctionError } from './define.js';

const MS_PER_DAY = 86_400_000;

// ------------------------------------------------------------------ zones

export interface Zone {
  readonly id: string;
  /** Offset from UTC in ms at the instant `epochMs`. */
  offsetAt(epochMs: number): number;
}

const FIXED = /^(?:(?:UTC|GMT|UT)?([+-])(\d{1,2})(?::?(\d{2}))?(?::?(\d{2}))?)$/;
const zoneCache = new Map<string, Zone>();

function fixedZone(id: string, offset: number): Zone {
  return { id, offsetAt: () => offset };
}

/** `ZoneId.of(id)`: region ids through Intl, `Z`/`UTC`/`GMT` and fixed offsets. Throws when unknown. */
export function zoneOf(id: string): Zone {
  const cached = zoneCache.get(id);
  if (cached !== undefined) return cached;
  let zone: Zone;
  if (id === 'Z' || id === 'UTC' || id === 'GMT' || id === 'UT') {
    zone = fixedZone(id, 0);
  } else {
    const m = FIXED.exec(id);
    if (m !== null) {
      const h = Number(m[2]);
      const mi = Number(m[3] ?? '0');
      const s = Number(m[4] ?? '0');
      if (h > 18 || mi > 59 || s > 59) throw new FunctionError(`Invalid ID for ZoneOffset, invalid format: ${id}`);
      zone = fixedZone(id, (m[1] === '-' ? -1 : 1) * ((h * 60 + mi) * 60 + s) * 1000);
    } else {
      let dtf: Intl.DateTimeFormat;
      try {
        dtf = new Intl.DateTimeFormat('en-US', {
          timeZone: id,
          hourCycle: 'h23',
          year: 'numeric',
          month: 'numeric',
          day: 'numeric',
          hour: 'numeric',
          minute: 'numeric',
          second: 'numeric',
          era: 'short',
        });
      } catch {
        throw new FunctionError(`Unknown time-zone ID: ${id}`);
      }
      zone = { id, offsetAt: (ms) => intlOffset(dtf, ms) };
    }
  }
  if (zoneCache.size > 1000) zoneCache.clear();
  zoneCache.set(id, zone);
  return zone;
}

function intlOffset(dtf: Intl.DateTimeFormat, ms: number): number {
  const whole = Math.floor(ms / 1000) * 1000;
  let y = 0;
  let mo = 0;
  let d = 0;
  let h = 0;
  let mi = 0;
  let s = 0;
  let bc = false;
  for (const p of dtf.formatToParts(whole)) {
    switch (p.type) {
      case 'year':
        y = Number(p.value);
        break;
      case 'month':
        mo = Number(p.value);
        break;
      case 'day':
        d = Number(p.value);
        break;
      case 'hour':
        h = Number(p.value);
        break;
      case 'minute':
        mi = Number(p.value);
        break;
      case 'second':
        s = Number(p.value);
        break;
      case 'era':
        bc = p.value.startsWith('B');
        break;
      default:
        break;
    }
  }
  if (bc) y = 1 - y;
  const local = utcMs(y, mo, d, h, mi, s, 0);
  return local - whole;
}

function utcMs(y: number, mo: number, d: number, h: number, mi: number, s: number, ms: number): number {
  const t = Date.UTC(2000, mo - 1, d, h, mi, s, ms);
  const dt = new Date(t);
  dt.setUTCFullYear(y);
  return dt.getTime();
}

/** The JVM's default zone: the process's. */
export function systemZone(): Zone {
  return zoneOf(Intl.DateTimeFormat().resolvedOptions().timeZone);
}

export const UTC_ZONE: Zone = fixedZone('UTC', 0);

/** Epoch ms of a local date-time in a zone (earlier offset in overlaps, shifted forward in gaps). */
export function localToInstant(localMs: number, zone: Zone): number {
  const o1 = zone.offsetAt(localMs);
  const guess = localMs - o1;
  const o2 = zone.offsetAt(guess);
  if (o1 === o2) return guess;
  const alt = localMs - o2;
  return zone.offsetAt(alt) === o2 ? Math.min(guess, alt) : Math.max(guess, alt);
}

// ---------------------------------------------------------------- pattern

type Token =
  | { readonly kind: 'lit'; readonly text: string }
  | { readonly kind: 'field'; readonly letter: string; readonly count: number }
  | { readonly kind: 'opt'; readonly tokens: readonly Token[] };

const LETTERS = new Set('GyuMLdDEeacahHkKmsSAnNXxZzVOQqwWYF'.split(''));
const SUPPORTED = new Set('GyuMLdDEahHkKmsSAXxZzVO'.split(''));

function tokenize(pattern: string): Token[] {
  let i = 0;
  const parse = (closing: boolean): Token[] => {
    const out: Token[] = [];
    let lit = '';
    const flush = () => {
      if (lit !== '') out.push({ kind: 'lit', text: lit });
      lit = '';
    };
    while (i < pattern.length) {
      const c = pattern[i] as string;
      if (c === "'") {
        const end = pattern.indexOf("'", i + 1);
        if (end === i + 1) {
          lit += "'";
          i += 2;
          continue;
        }
        let j = i + 1;
        let text = '';
        for (;;) {
          const k = pattern.indexOf("'", j);
          if (k < 0) throw new FunctionError(`Pattern ends with an incomplete string literal: ${pattern}`);
          text += pattern.slice(j, k);
          if (pattern[k + 1] === "'") {
            text += "'";
            j = k + 2;
            continue;
          }
          i = k + 1;
          break;
        }
        lit += text;
        continue;
      }
      if (c === '[') {
        flush();
        i++;
        out.push({ kind: 'opt', tokens: parse(true) });
        continue;
      }
      if (c === ']') {
        if (!closing) throw new FunctionError(`Pattern invalid as it contains ] without previous [`);
        i++;
        flush();
        return out;
      }
      if (/[A-Za-z]/.test(c)) {
        if (!LETTERS.has(c)) throw new FunctionError(`Unknown pattern letter: ${c}`);
        if (!SUPPORTED.has(c)) throw new FunctionError(`Unsupported pattern letter: ${c}`);
        let n = 1;
        while (pattern[i + n] === c) n++;
        flush();
        out.push({ kind: 'field', letter: c, count: n });
        i += n;
        continue;
      }
      if (c === '{' || c === '}' || c === '#') throw new FunctionError(`Pattern includes reserved character: '${c}'`);
      lit += c;
      i++;
    }
    flush();
    return out;
  };
  return parse(false);
}

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const DAYS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];

interface Fields {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  ms: number;
  /** Day of week, 1 = Monday. */
  dow: number;
  dayOfYear: number;
  offsetMs: number;
  zoneId: string;
  epochMs: number;
}

function pad(n: number, width: number): string {
  const s = String(Math.abs(n));
  return (n < 0 ? '-' : '') + (s.length >= width ? s : '0'.repeat(width - s.length) + s);
}

function offsetText(offsetMs: number, withColon: boolean, minutesOptional: boolean, zeroText: string | undefined): string {
  if (offsetMs === 0 && zeroText !== undefined) return zeroText;
  const sign = offsetMs < 0 ? '-' : '+';
  const total = Math.abs(Math.round(offsetMs / 60_000));
  const h = Math.floor(total / 60);
  const m = total % 60;
  if (minutesOptional && m === 0) return sign + pad(h, 2);
  return sign + pad(h, 2) + (withColon ? ':' : '') + pad(m, 2);
}

function zoneName(fields: Fields, long: boolean): string {
  if (fields.zoneId === 'UTC' || fields.zoneId === 'Z' || fields.zoneId === 'GMT' || fields.zoneId === 'UT') return fields.zoneId === 'Z' ? 'Z' : fields.zoneId;
  if (FIXED.test(fields.zoneId)) return fields.zoneId;
  try {
    const parts = new Intl.DateTimeFormat('en-US', { timeZone: fields.zoneId, timeZoneName: long ? 'long' : 'short' }).formatToParts(
      fields.epochMs,
    );
    return parts.find((p) => p.type === 'timeZoneName')?.value ?? fields.zoneId;
  } catch {
    return fields.zoneId;
  }
}

function formatField(letter: string, count: number, f: Fields): string {
  switch (letter) {
    case 'G':
      return count === 4 ? (f.year > 0 ? 'Anno Domini' : 'Before Christ') : count === 5 ? (f.year > 0 ? 'A' : 'B') : f.year > 0 ? 'AD' : 'BC';
    case 'y':
    case 'u': {
      const y = letter === 'y' && f.year <= 0 ? 1 - f.year : f.year;
      if (count === 2) return pad(((y % 100) + 100) % 100, 2);
      if (count >= 4 && y > 9999) return '+' + String(y);
      return pad(y, count);
    }
    case 'M':
    case 'L':
      if (count >= 4) return MONTHS[f.month - 1] as string;
      if (count === 3) return (MONTHS[f.month - 1] as string).slice(0, 3);
      return pad(f.month, count);
    case 'd':
      return pad(f.day, count);
    case 'D':
      return pad(f.dayOfYear, count);
    case 'E':
      return count >= 4 ? (DAYS[f.dow - 1] as string) : (DAYS[f.dow - 1] as string).slice(0, 3);
    case 'a':
      return f.hour < 12 ? 'AM' : 'PM';
    case 'H':
      return pad(f.hour, count);
    case 'k':
      return pad(f.hour === 0 ? 24 : f.hour, count);
    case 'K':
      return pad(f.hour % 12, count);
    case 'h':
      return pad(f.hour % 12 === 0 ? 12 : f.hour % 12, count);
    case 'm':
      return pad(f.minute, count);
    case 's':
      return pad(f.second, count);
    case 'S': {
      const digits = pad(f.ms, 3) + '0'.repeat(Math.max(0, count - 3));
      return digits.slice(0, count);
    }
    case 'A':
      return pad(((f.hour * 60 + f.minute) * 60 + f.second) * 1000 + f.ms, count);
    case 'X':
    case 'x': {
      const z = letter === 'X' ? 'Z' : undefined;
      if (count === 1) return offsetText(f.offsetMs, false, true, z);
      if (count === 2 || count === 4) return offsetText(f.offsetMs, false, false, z);
      return offsetText(f.offsetMs, true, false, z);
    }
    case 'Z':
      if (count <= 3) return offsetText(f.offsetMs, false, false, undefined);
      if (count === 4) return f.offsetMs === 0 ? 'GMT' : 'GMT' + offsetText(f.offsetMs, true, false, undefined);
      return offsetText(f.offsetMs, true, false, 'Z');
    case 'O':
      if (f.offsetMs === 0) return 'GMT';
      return 'GMT' + (count === 4 ? offsetText(f.offsetMs, true, false, undefined) : offsetText(f.offsetMs, true, true, undefined).replace(/^([+-])0/, '$1'));
    case 'z':
      return zoneName(f, count >= 4);
    case 'V':
      return f.zoneId;
    default:
      throw new FunctionError(`Unsupported pattern letter: ${letter}`);
  }
}

const DATE_LETTERS = new Set('GyuMLdDE'.split(''));
const TIME_LETTERS = new Set('ahHkKmsSA'.split(''));
const ZONE_LETTERS = new Set('XxZzVO'.split(''));

const FIELD_NAMES: Record<string, string> = {
  G: 'Era',
  y: 'YearOfEra',
  u: 'Year',
  M: 'MonthOfYear',
  L: 'MonthOfYear',
  d: 'DayOfMonth',
  D: 'DayOfYear',
  E: 'DayOfWeek',
  a: 'AmPmOfDay',
  h: 'ClockHourOfAmPm',
  H: 'HourOfDay',
  k: 'ClockHourOfDay',
  K: 'HourOfAmPm',
  m: 'MinuteOfHour',
  s: 'SecondOfMinute',
  S: 'NanoOfSecond',
  A: 'MilliOfDay',
};

export interface CompiledPattern {
  readonly pattern: string;
  readonly tokens: readonly Token[];
  readonly letters: ReadonlySet<string>;
  /** Lazily built parser. */
  parser?: RegExp;
  groups?: readonly { letter: string; count: number }[];
}

const patternCache = new Map<string, CompiledPattern>();

export function compilePattern(pattern: string): CompiledPattern {
  let c = patternCache.get(pattern);
  if (c === undefined) {
    const tokens = tokenize(pattern);
    const letters = new Set<string>();
    const walk = (ts: readonly Token[]) => {
      for (const t of ts) {
        if (t.kind === 'field') letters.add(t.letter);
        else if (t.kind === 'opt') walk(t.tokens);
      }
    };
    walk(tokens);
    c = { pattern, tokens, letters };
    if (patternCache.size > 1000) patternCache.clear();
    patternCache.set(pattern, c);
  }
  return c;
}

export type TemporalKind = 'timestamp' | 'date' | 'time';

function fieldsOf(epochMs: number, zone: Zone): Fields {
  const offsetMs = zone.offsetAt(epochMs);
  const d = new Date(epochMs + offsetMs);
  const startOfYear = Date.UTC(d.getUTCFullYear(), 0, 1);
  const dayStart = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
  const yearStart = new Date(startOfYear);
  yearStart.setUTCFullYear(d.getUTCFullYear());
  return {
    year: d.getUTCFullYear(),
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
    second: d.getUTCSeconds(),
    ms: d.getUTCMilliseconds(),
    dow: ((d.getUTCDay() + 6) % 7) + 1,
    dayOfYear: Math.round((dayStart - yearStart.getTime()) / MS_PER_DAY) + 1,
    offsetMs,
    zoneId: zone.id,
    epochMs,
  };
}

/**
 * Formats an instant. `kind` restricts the fields the pattern may use as
 * java.time does for LocalDate / LocalTime (`Unsupported field: HourOfDay`).
 */
export function formatTemporal(epochMs: number, pattern: string, zone: Zone, kind: TemporalKind = 'timestamp'): string {
  const c = compilePattern(pattern);
  for (const l of c.letters) {
    const bad =
      (kind === 'date' && (TIME_LETTERS.has(l) || ZONE_LETTERS.has(l))) ||
      (kind === 'time' && (DATE_LETTERS.has(l) || ZONE_LETTERS.has(l))) ||
      (kind === 'timestamp' && false);
    if (bad) throw new FunctionError(`Unsupported field: ${FIELD_NAMES[l] ?? 'OffsetSeconds'}`);
  }
  const f = fieldsOf(epochMs, zone);
  const out = (ts: readonly Token[]): string => {
    let s = '';
    for (const t of ts) {
      if (t.kind === 'lit') s += t.text;
      else if (t.kind === 'opt') s += out(t.tokens);
      else s += formatField(t.letter, t.count, f);
    }
    return s;
  };
  return out(c.tokens);
}

// ----------------------------------------------------------------- parsing

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function fieldRegex(letter: string, count: number): string {
  // Fixed width for repeated letters (`dd`), 1..max digits for one letter; the regex's
  // backtracking stands in for java.time's adjacent value parsing (`yyyyMMdd`).
  const num = (max: number) => (count > 1 ? `(\\d{${count}})` : `(\\d{1,${max}})`);
  switch (letter) {
    case 'G':
      return '(AD|BC|Anno Domini|Before Christ|A|B)';
    case 'y':
    case 'u':
      if (count === 2) return '(\\d{2})';
      return count >= 4 ? `([+-]?\\d{${count},10})` : `(\\d{${count},10})`;
    case 'M':
    case 'L':
      if (count >= 4) return `(${MONTHS.join('|')})`;
      if (count === 3) return `(${MONTHS.map((m) => m.slice(0, 3)).join('|')})`;
      return num(2);
    case 'd':
    case 'H':
    case 'h':
    case 'k':
    case 'K':
    case 'm':
    case 's':
      return num(2);
    case 'D':
      return num(3);
    case 'A':
      return num(8);
    case 'E':
      return count >= 4 ? `(${DAYS.join('|')})` : `(${DAYS.map((d) => d.slice(0, 3)).join('|')})`;
    case 'a':
      return '(AM|PM)';
    case 'S':
      return `(\\d{${count}})`;
    case 'X':
      if (count === 1) return '(Z|[+-]\\d{2}(?:\\d{2})?)';
      if (count === 2 || count === 4) return '(Z|[+-]\\d{4})';
      return '(Z|[+-]\\d{2}:\\d{2})';
    case 'x':
      if (count === 1) return '([+-]\\d{2}(?:\\d{2})?)';
      if (count === 2 || count === 4) return '([+-]\\d{4})';
      return '([+-]\\d{2}:\\d{2})';
    case 'Z':
      if (count <= 3) return '([+-]\\d{4})';
      if (count === 4) return '(GMT(?:[+-]\\d{2}:\\d{2})?)';
      return '(Z|[+-]\\d{2}:\\d{2})';
    case 'O':
      return '(GMT(?:[+-]\\d{1,2}(?::\\d{2})?)?)';
    case 'z':
    case 'V':
      return '([A-Za-z][A-Za-z0-9_/+-]*)';
    default:
      throw new FunctionError(`Unsupported pattern letter: ${letter}`);
  }
}

function buildParser(c: CompiledPattern): void {
  const groups: { letter: string; count: number }[] = [];
  const build = (ts: readonly Token[]): string => {
    let re = '';
    ts.forEach((t) => {
      if (t.kind === 'lit') re += escapeRe(t.text);
      else if (t.kind === 'opt') re += `(?:${build(t.tokens)})?`;
      else {
        groups.push({ letter: t.letter, count: t.count });
        re += fieldRegex(t.letter, t.count);
      }
    });
    return re;
  };
  c.parser = new RegExp('^' + build(c.tokens) + '$');
  c.groups = groups;
}

function parseOffset(text: string): number {
  if (text === 'Z' || text === 'GMT') return 0;
  const m = /^(?:GMT)?([+-])(\d{1,2}):?(\d{2})?$/.exec(text);
  if (m === null) throw new FunctionError(`Invalid offset: ${text}`);
  return (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3] ?? '0')) * 60_000;
}

function daysInMonth(y: number, m: number): number {
  const d = new Date(Date.UTC(2000, m, 0));
  if (m === 2) return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28;
  return d.getUTCDate();
}

export interface ParsedTemporal {
  /** Local date-time as if UTC, ms. */
  readonly localMs: number;
  /** Parsed offset (ms) or zone, when the text carried one. */
  readonly offsetMs?: number | undefined;
  readonly zone?: Zone | undefined;
}

/** Parses text with a pattern; throws {@link FunctionError} like java.time's `DateTimeParseException`. */
export function parseTemporal(text: string, pattern: string): ParsedTemporal {
  const c = compilePattern(pattern);
  if (c.parser === undefined) buildParser(c);
  const m = (c.parser as RegExp).exec(text);
  if (m === null) throw new FunctionError(`Text '${text}' could not be parsed at index ${mismatchIndex(text, c)}`);
  let year = 1970;
  let yearOfEra: number | undefined;
  let bc = false;
  let month = 1;
  let day = 1;
  let hour = 0;
  let hour12: number | undefined;
  let pm: boolean | undefined;
  let minute = 0;
  let second = 0;
  let ms = 0;
  let dayOfYear: number | undefined;
  let milliOfDay: number | undefined;
  let offsetMs: number | undefined;
  let zone: Zone | undefined;
  for (const [i, g] of (c.groups ?? []).entries()) {
    const v = m[i + 1];
    if (v === undefined) continue;
    const n = Number(v);
    switch (g.letter) {
      case 'G':
        bc = v.startsWith('B');
        break;
      case 'y':
        yearOfEra = g.count === 2 ? 2000 + n : n;
        break;
      case 'u':
        year = g.count === 2 ? 2000 + n : n;
        break;
      case 'M':
      case 'L':
        month = g.count >= 3 ? MONTHS.findIndex((x) => (g.count === 3 ? x.slice(0, 3) : x) === v) + 1 : n;
        break;
      case 'd':
        day = n;
        break;
      case 'D':
        dayOfYear = n;
        break;
      case 'H':
        hour = n;
        break;
      case 'k':
        hour = n === 24 ? 0 : n;
        break;
      case 'h':
        hour12 = n === 12 ? 0 : n;
        break;
      case 'K':
        hour12 = n;
        break;
      case 'a':
        pm = v === 'PM';
        break;
      case 'm':
        minute = n;
        break;
      case 's':
        second = n;
        break;
      case 'S':
        ms = Number((v + '00').slice(0, 3));
        break;
      case 'A':
        milliOfDay = n;
        break;
      case 'X':
      case 'x':
      case 'Z':
      case 'O':
        offsetMs = parseOffset(v);
        break;
      case 'z':
      case 'V':
        zone = zoneOf(v);
        break;
      default:
        break;
    }
  }
  if (yearOfEra !== undefined) year = bc ? 1 - yearOfEra : yearOfEra;
  if (hour12 !== undefined) hour = hour12 + (pm === true ? 12 : 0);
  const invalid = (what: string, value: number) =>
    new FunctionError(`Text '${text}' could not be parsed: Invalid value for ${what}: ${value}`);
  if (month < 1 || month > 12) throw invalid('MonthOfYear (valid values 1 - 12)', month);
  if (day < 1 || day > 31) throw invalid('DayOfMonth (valid values 1 - 28/31)', day);
  if (hour > 23) throw invalid('HourOfDay (valid values 0 - 23)', hour);
  if (minute > 59) throw invalid('MinuteOfHour (valid values 0 - 59)', minute);
  if (second > 59) throw invalid('SecondOfMinute (valid values 0 - 59)', second);
  day = Math.min(day, daysInMonth(year, month));
  let localMs: number;
  if (dayOfYear !== undefined) {
    localMs = utcMs(year, 1, 1, 0, 0, 0, 0) + (dayOfYear - 1) * MS_PER_DAY + ((hour * 60 + minute) * 60 + second) * 1000 + ms;
  } else {
    localMs = utcMs(year, month, day, hour, minute, second, ms);
  }
  if (milliOfDay !== undefined) localMs = localMs - (((hour * 60 + minute) * 60 + second) * 1000 + ms) + milliOfDay;
  return { localMs, offsetMs, zone };
}

function mismatchIndex(text: string, c: CompiledPattern): number {
  // Longest literal prefix of the pattern the text agrees with: a useful position for the message.
  let i = 0;
  for (const t of c.tokens) {
    if (t.kind !== 'lit') return i;
    if (!text.startsWith(t.text, i)) return i;
    i += t.text.length;
  }
  return Math.min(i, text.length);
}

/** Parses to epoch ms, using `zone` unless the text carries an offset or zone. */
export function parseToInstant(text: string, pattern: string, zone: Zone): number {
  const p = parseTemporal(text, pattern);
  if (p.offsetMs !== undefined) return p.localMs - p.offsetMs;
  return localToInstant(p.localMs, p.zone ?? zone);
}
