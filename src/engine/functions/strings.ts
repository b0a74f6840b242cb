/**
 * String, regular-expression, encoding and conditional functions, with
 * ksqlDB's semantics (see docs/.../scalar-functions.md of ksqlDB and the
 * UDF sources): CONCAT_WS, LPAD, RPAD, INSTR, SPLIT, SPLIT_TO_MAP, INITCAP,
 * MASK, MASK_KEEP_LEFT, MASK_KEEP_RIGHT, MASK_LEFT, MASK_RIGHT,
 * REGEXP_EXTRACT, REGEXP_EXTRACT_ALL, REGEXP_REPLACE, REGEXP_SPLIT_TO_ARRAY,
 * CHR, UUID, ENCODE, TO_BYTES, FROM_BYTES, ELT, FIELD, NULLIF,
 * URL_ENCODE_PARAM, URL_DECODE_PARAM.
 *
 * @module
 */
import { randomUUID } from 'node:crypto';
import { SqlTypes, typeEquals, valuesEqual, type SqlType, type Value } from '../types/index.js';
import { BYTES, define, FunctionError, I, S, type Overload } from './define.js';
import type { FunctionRegistry } from './registry.js';

const ARR_S = SqlTypes.array(S);
const ARR_BYTES = SqlTypes.array(BYTES);

function bytesOf(v: Value): Uint8Array {
  return v as Uint8Array;
}

function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  return new Uint8Array(Buffer.concat(parts));
}

// ------------------------------------------------------------ regex cache

const regexCache = new Map<string, RegExp>();

/**
 * A JS RegExp for a Java regex. The common syntax is the same; Java-only
 * constructs (possessive quantifiers, `\A`, `\Z`, inline flags other than
 * i/m/s) are rejected by the JS engine and reported as the function error.
 */
function javaRegex(pattern: string, global: boolean): RegExp {
  const key = (global ? 'g' : '-') + pattern;
  let re = regexCache.get(key);
  if (re === undefined) {
    let source = pattern;
    // No 'u' flag: like Java, work on UTF-16 and accept escapes such as `\-` that unicode mode rejects.
    let flags = global ? 'g' : '';
    const inline = /^\(\?([imsx]+)\)/.exec(source);
    if (inline !== null) {
      source = source.slice(inline[0].length);
      for (const f of inline[1] as string) if (f !== 'x' && !flags.includes(f)) flags += f;
    }
    try {
      re = new RegExp(source, flags);
    } catch (err) {
      throw new FunctionError(`Invalid regular expression pattern: ${pattern}`, { cause: err });
    }
    if (regexCache.size > 1000) regexCache.clear();
    regexCache.set(key, re);
  }
  re.lastIndex = 0;
  return re;
}

const groupCounts = new WeakMap<RegExp, number>();

/** Number of capturing groups of a compiled pattern (Java's `Matcher.groupCount()`). */
function groupCount(re: RegExp): number {
  let n = groupCounts.get(re);
  if (n === undefined) {
    n = (new RegExp(re.source + '|', re.flags.replace('g', '')).exec('')?.length ?? 1) - 1;
    groupCounts.set(re, n);
  }
  return n;
}

/** Java's `Matcher.replaceAll` replacement syntax (`$1`, `\$`) → JS's (`$1`, `$$`). */
function javaReplacement(replacement: string): string {
  let out = '';
  for (let i = 0; i < replacement.length; i++) {
    const c = replacement[i] as string;
    if (c === '\\') {
      const next = replacement[i + 1];
      if (next === undefined) throw new FunctionError('character to be escaped is missing');
      out += next === '$' ? '$$' : next;
      i++;
    } else if (c === '$') {
      const m = /^\$(\d+|\{[A-Za-z][A-Za-z0-9]*\})/.exec(replacement.slice(i));
      if (m === null) throw new FunctionError('Illegal group reference');
      out += m[1]?.startsWith('{') ? `$<${m[1].slice(1, -1)}>` : m[0];
      i += m[0].length - 1;
    } else {
      out += c;
    }
  }
  return out;
}

// ------------------------------------------------------------------- mask

const NO_MASK = -1;

function maskChar(arg: Value | undefined, dflt: string): number {
  if (arg === undefined) return dflt.codePointAt(0) as number;
  if (arg === null) return NO_MASK;
  const s = arg as string;
  if (s.length !== 1) throw new FunctionError(`Invalid mask character. Must be only single character, but was '${s}'`);
  return s.codePointAt(0) as number;
}

interface Masker {
  (input: string): string;
}

function masker(masks: readonly (Value | undefined)[]): Masker {
  const upper = maskChar(masks[0], 'X');
  const lower = maskChar(masks[1], 'x');
  const digit = maskChar(masks[2], 'n');
  const other = maskChar(masks[3], '-');
  const pick = (ch: string): string => {
    let m: number;
    if (/\p{Lu}/u.test(ch)) m = upper;
    else if (/\p{Ll}/u.test(ch)) m = lower;
    else if (/\p{Nd}/u.test(ch)) m = digit;
    else m = other;
    return m === NO_MASK ? ch : String.fromCodePoint(m);
  };
  // Java walks UTF-16 indexes but reads code points; a surrogate pair yields two masked chars.
  return (input) => {
    let out = '';
    for (let i = 0; i < input.length; i++) {
      const cp = input.codePointAt(i) as number;
      out += pick(String.fromCodePoint(cp));
    }
    return out;
  };
}

function maskOverloads(withCount: boolean): Overload[] {
  const head = withCount ? [S, I] : [S];
  return [0, 1, 2, 3, 4].map((n) => ({ args: [...head, ...Array<SqlType>(n).fill(S)], returns: S }));
}

function checkCount(name: string, n: number): void {
  if (n < 0) throw new FunctionError(`function ${name} requires a non-negative number of characters to mask or skip`);
}

// ------------------------------------------------------------- encodings

type Encoding = 'hex' | 'utf8' | 'ascii' | 'base64';

function encodingOf(name: string): Encoding {
  const n = name.toLowerCase();
  if (n === 'hex' || n === 'utf8' || n === 'ascii' || n === 'base64') return n;
  throw new FunctionError(`Supported input and output encodings are: hex, utf8, ascii and base64`);
}

function decodeText(text: string, enc: Encoding): Uint8Array {
  switch (enc) {
    case 'hex': {
      const t = text.startsWith('0x') || text.startsWith('0X') ? text.slice(2) : text;
      if (!/^[0-9a-fA-F]*$/.test(t) || t.length % 2 !== 0) {
        throw new FunctionError(`Illegal hexadecimal character in: ${text}`);
      }
      return new Uint8Array(Buffer.from(t, 'hex'));
    }
    case 'base64':
      if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text)) throw new FunctionError(`Illegal base64 character in: ${text}`);
      return new Uint8Array(Buffer.from(text, 'base64'));
    case 'ascii':
      return new Uint8Array(Buffer.from(text, 'latin1').map((b) => (b > 127 ? 63 : b)));
    default:
      return new Uint8Array(Buffer.from(text, 'utf8'));
  }
}

function encodeBytes(bytes: Uint8Array, enc: Encoding): string {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  switch (enc) {
    case 'hex':
      return b.toString('hex');
    case 'base64':
      return b.toString('base64');
    case 'ascii':
      return Array.from(b, (x) => (x > 127 ? '\uFFFD' : String.fromCharCode(x))).join('');
    default:
      return b.toString('utf8');
  }
}

// ------------------------------------------------------------------ split

function splitString(s: string, delimiter: string): string[] {
  if (delimiter === '') return s === '' ? [''] : Array.from({ length: s.length }, (_, i) => s[i] as string);
  return s.split(delimiter);
}

function splitBytes(bytes: Uint8Array, delimiter: Uint8Array): Uint8Array[] {
  if (delimiter.length === 0) return Array.from(bytes, (b) => Uint8Array.of(b));
  const out: Uint8Array[] = [];
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let start = 0;
  for (;;) {
    const at = buf.indexOf(delimiter, start);
    if (at < 0) break;
    out.push(new Uint8Array(bytes.subarray(start, at)));
    start = at + delimiter.length;
  }
  out.push(new Uint8Array(bytes.subarray(start)));
  return out;
}

function pad(left: boolean, input: Value, len: Value, padding: Value): Value {
  if (input === null || padding === null || len === null) return null;
  const n = len as number;
  if (typeof input === 'string') {
    const p = padding as string;
    if (p === '' || n < 0) return null;
    if (input.length >= n) return input.slice(0, n);
    const fill = p.repeat(Math.ceil((n - input.length) / p.length)).slice(0, n - input.length);
    return left ? fill + input : input + fill;
  }
  const bytes = bytesOf(input);
  const p = bytesOf(padding);
  if (p.length === 0 || n < 0) return null;
  if (bytes.length >= n) return bytes.slice(0, n);
  const out = new Uint8Array(n);
  const fill = n - bytes.length;
  for (let i = 0; i < fill; i++) out[left ? i : bytes.length + i] = p[i % p.length] as number;
  out.set(bytes, left ? fill : 0);
  return out;
}

/**
 * ksqlDB's Instr.java, arithmetic included: a miss after a start position
 * other than 1 does not give 0 (it gives position - 1, or the mirror of it
 * when searching backwards), as ksqlDB does.
 */
function instr(str: string, sub: string, position: number, occurrence: number): number {
  if (Math.abs(position) > str.length) return 0;
  const find = (s: string, t: string, pos: number, reversed: boolean) => {
    const i = ordinalIndexOf(commonsSubstring(s, pos - 1), t, occurrence);
    return reversed ? s.length - pos - i : i + pos;
  };
  if (position < 0) return find([...str].reverse().join(''), [...sub].reverse().join(''), -position, true);
  return find(str, sub, position, false);
}

/** commons-lang `StringUtils.substring(str, start)`: a negative start counts from the end. */
function commonsSubstring(s: string, start: number): string {
  let st = start < 0 ? s.length + start : start;
  if (st < 0) st = 0;
  return st > s.length ? '' : s.slice(st);
}

/** commons-lang `StringUtils.ordinalIndexOf`: -1 when not found or occurrence <= 0. */
function ordinalIndexOf(str: string, sub: string, occurrence: number): number {
  if (occurrence <= 0) return -1;
  if (sub === '') return 0;
  let found = 0;
  let index = -1;
  do {
    index = str.indexOf(sub, index + 1);
    if (index < 0) return -1;
    found++;
  } while (found < occurrence);
  return index;
}

export function registerStringFunctions(registry: FunctionRegistry): FunctionRegistry {
  registry.register({
    name: 'CONCAT_WS',
    category: 'STRING',
    description: 'Concatenates strings or bytes, inserting a separator between each; NULL values are skipped, a NULL separator gives NULL.',
    signatures: ['CONCAT_WS(STRING, STRING...)', 'CONCAT_WS(BYTES, BYTES...)'],
    handlesNulls: true,
    resolve(argTypes) {
      if (argTypes.length < 2) return undefined;
      const base = argTypes.find((t) => t !== null)?.type ?? 'STRING';
      if (base !== 'STRING' && base !== 'BYTES') return undefined;
      if (!argTypes.every((t) => t === null || t.type === base)) return undefined;
      return { returnType: base === 'STRING' ? S : BYTES };
    },
    evaluate(args, ctx) {
      const sep = args[0] ?? null;
      if (sep === null) return null;
      const rest = args.slice(1).filter((a) => a !== null);
      if (ctx.returnType.type === 'BYTES') {
        const parts: Uint8Array[] = [];
        rest.forEach((a, i) => {
          if (i > 0) parts.push(bytesOf(sep));
          parts.push(bytesOf(a));
        });
        return concatBytes(parts);
      }
      return (rest as string[]).join(sep as string);
    },
  });

  const padFn = (name: 'LPAD' | 'RPAD', left: boolean) =>
    define(
      name,
      'STRING',
      `Pads the input string or bytes, ${left ? 'from the left' : 'at the end'}, with the padding until the target length; longer input is truncated. Empty or NULL padding, or a negative length, gives NULL.`,
      [
        { args: [S, I, S], returns: S },
        { args: [BYTES, I, BYTES], returns: BYTES },
      ],
      (a) => pad(left, a[0] ?? null, a[1] ?? null, a[2] ?? null),
      { handlesNulls: true },
    );
  registry.register(padFn('LPAD', true));
  registry.register(padFn('RPAD', false));

  registry.register(
    define(
      'INSTR',
      'STRING',
      'Returns the 1-based position of substring in string (from position, negative searches backwards; the nth occurrence), or 0 when not found.',
      [
        { args: [S, S], returns: I },
        { args: [S, S, I], returns: I },
        { args: [S, S, I, I], returns: I },
      ],
      (a) => {
        const str = a[0] ?? null;
        const sub = a[1] ?? null;
        if (str === null || sub === null) return 0;
        const position = a.length > 2 ? a[2] : 1;
        const occurrence = a.length > 3 ? a[3] : 1;
        // int parameters: a NULL cannot be unboxed, so ksqlDB fails the call.
        if (position === null || occurrence === null) throw new FunctionError('Cannot pass NULL for an INTEGER argument of INSTR');
        return instr(str as string, sub as string, position as number, occurrence as number);
      },
      { handlesNulls: true },
    ),
  );

  registry.register(
    define(
      'SPLIT',
      'STRING',
      'Splits a string or bytes on a literal delimiter; an empty delimiter splits every character or byte.',
      [
        { args: [S, S], returns: ARR_S },
        { args: [BYTES, BYTES], returns: ARR_BYTES },
      ],
      (a) => (typeof a[0] === 'string' ? splitString(a[0], a[1] as string) : splitBytes(bytesOf(a[0] ?? null), bytesOf(a[1] ?? null))),
    ),
  );
  registry.register(
    define(
      'SPLIT_TO_MAP',
      'STRING',
      'Splits a string into key-value pairs on entryDelimiter, then each pair on kvDelimiter; the last value of a repeated key wins.',
      [{ args: [S, S, S], returns: SqlTypes.map(S, S) }],
      (a) => {
        const input = a[0] ?? null;
        const entry = a[1] ?? null;
        const kv = a[2] ?? null;
        if (input === null || entry === null || kv === null || entry === '' || kv === '') return null;
        const m = new Map<string, Value>();
        for (const part of (input as string).split(entry as string)) {
          if (part === '') continue;
          const at = part.indexOf(kv as string);
          if (at < 0) continue;
          m.set(part.slice(0, at), part.slice(at + (kv as string).length));
        }
        return m;
      },
      { handlesNulls: true },
    ),
  );

  registry.register(
    define(
      'INITCAP',
      'STRING',
      'Capitalizes the first letter of each word (words are delimited by whitespace) and lower-cases the rest.',
      [{ args: [S], returns: S }],
      (a) => (a[0] as string).toLowerCase().replace(/\S+\s*/g, (w) => w.charAt(0).toUpperCase() + w.slice(1)),
    ),
  );

  registry.register(
    define(
      'MASK',
      'STRING',
      "Masks upper-case, lower-case, digit and other characters (defaults X, x, n, -); a NULL mask character leaves that class unmasked.",
      maskOverloads(false),
      (a) => (a[0] === null ? null : masker(a.slice(1))(a[0] as string)),
      { handlesNulls: true },
    ),
  );
  const partialMask = (name: string, description: string, apply: (s: string, n: number, m: Masker) => string) =>
    define(
      name,
      'STRING',
      description,
      maskOverloads(true),
      (a) => {
        const s = a[0] ?? null;
        const n = a[1] ?? null;
        if (s === null) return null;
        if (n === null) throw new FunctionError(`Cannot pass NULL for the number of characters of ${name}`);
        checkCount(name, n as number);
        return apply(s as string, n as number, masker(a.slice(2)));
      },
      { handlesNulls: true },
    );
  registry.register(
    partialMask('MASK_KEEP_LEFT', 'Masks all but the first numChars characters.', (s, n, m) => s.slice(0, n) + m(s.slice(n))),
  );
  registry.register(
    partialMask('MASK_KEEP_RIGHT', 'Masks all but the last numChars characters.', (s, n, m) => {
      const at = Math.max(s.length - n, 0);
      return m(s.slice(0, at)) + s.slice(at);
    }),
  );
  registry.register(
    partialMask('MASK_LEFT', 'Masks the first numChars characters.', (s, n, m) => m(s.slice(0, n)) + s.slice(n)),
  );
  registry.register(
    partialMask('MASK_RIGHT', 'Masks the last numChars characters.', (s, n, m) => {
      const at = Math.max(s.length - n, 0);
      return s.slice(0, at) + m(s.slice(at));
    }),
  );

  registry.register(
    define(
      'REGEXP_EXTRACT',
      'REGULAR EXPRESSION',
      'Returns the first substring matching the pattern (or the given capturing group), NULL when none.',
      [
        { args: [S, S], returns: S },
        { args: [S, S, I], returns: S },
      ],
      (a) => {
        const re = javaRegex(a[0] as string, false);
        const group = a.length > 2 ? (a[2] as number) : 0;
        if (group > groupCount(re)) return null;
        const m = re.exec(a[1] as string);
        return m === null ? null : (m[group] ?? null);
      },
    ),
  );
  registry.register(
    define(
      'REGEXP_EXTRACT_ALL',
      'REGULAR EXPRESSION',
      'Returns every substring matching the pattern (or the given capturing group).',
      [
        { args: [S, S], returns: ARR_S },
        { args: [S, S, I], returns: ARR_S },
      ],
      (a) => {
        const re = javaRegex(a[0] as string, true);
        const group = a.length > 2 ? (a[2] as number) : 0;
        if (group > groupCount(re)) return null;
        return [...(a[1] as string).matchAll(re)].map((m) => m[group] ?? null);
      },
    ),
  );
  registry.register(
    define(
      'REGEXP_REPLACE',
      'REGULAR EXPRESSION',
      'Replaces every match of the pattern with the replacement (Java syntax: $1 refers to a group).',
      [{ args: [S, S, S], returns: S }],
      (a) => (a[0] as string).replace(javaRegex(a[1] as string, true), javaReplacement(a[2] as string)),
    ),
  );
  registry.register(
    define(
      'REGEXP_SPLIT_TO_ARRAY',
      'REGULAR EXPRESSION',
      'Splits a string on a regular expression; an empty pattern splits every character.',
      [{ args: [S, S], returns: ARR_S }],
      (a) => {
        const s = a[0] as string;
        const p = a[1] as string;
        if (p === '') return splitString(s, '');
        return s.split(javaRegex(p, false));
      },
    ),
  );

  registry.register(
    define(
      'CHR',
      'STRING',
      "Returns the character of a decimal code point, or of a '\\uXXXX' UTF-16 escape; NULL when invalid.",
      [
        { args: [I], returns: S },
        { args: [S], returns: S },
      ],
      (a) => {
        const v = a[0];
        if (typeof v === 'number') return v >= 0 && v <= 0x10ffff ? String.fromCodePoint(v) : null;
        const s = v as string;
        if (s.length < 6 || !s.startsWith('\\u')) return null;
        return s.replace(/\\u+([0-9a-fA-F]{4})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
      },
    ),
  );
  registry.register(
    define('UUID', 'STRING', 'Returns a random (version 4) UUID.', [{ args: [], returns: S }], () => randomUUID()),
  );

  registry.register(
    define(
      'ENCODE',
      'STRING',
      'Re-encodes a string from one encoding to another (hex, utf8, ascii, base64).',
      [{ args: [S, S, S], returns: S }],
      (a) => encodeBytes(decodeText(a[0] as string, encodingOf(a[1] as string)), encodingOf(a[2] as string)),
    ),
  );
  registry.register(
    define(
      'TO_BYTES',
      'CONVERSIONS',
      'Converts a string in the given encoding (hex, utf8, ascii, base64) to BYTES.',
      [{ args: [S, S], returns: BYTES }],
      (a) => decodeText(a[0] as string, encodingOf(a[1] as string)),
    ),
  );
  registry.register(
    define(
      'FROM_BYTES',
      'CONVERSIONS',
      'Converts BYTES to a string in the given encoding (hex, utf8, ascii, base64).',
      [{ args: [BYTES, S], returns: S }],
      (a) => encodeBytes(bytesOf(a[0] ?? null), encodingOf(a[1] as string)),
    ),
  );

  registry.register(
    define(
      'ELT',
      'STRING',
      'Returns the nth (1-based) of the string arguments, NULL when n is out of range.',
      [{ args: [I], variadic: S, returns: S }],
      (a) => {
        const n = a[0] ?? null;
        if (n === null) return null;
        const i = n as number;
        return i < 1 || i >= a.length ? null : (a[i] ?? null);
      },
      { handlesNulls: true },
    ),
  );
  registry.register(
    define(
      'FIELD',
      'STRING',
      'Returns the 1-based position of str among the arguments, 0 when absent or NULL.',
      [{ args: [S], variadic: S, returns: I }],
      (a) => {
        const s = a[0] ?? null;
        if (s === null) return 0;
        for (let i = 1; i < a.length; i++) if (a[i] === s) return i;
        return 0;
      },
      { handlesNulls: true },
    ),
  );

  registry.register({
    name: 'NULLIF',
    category: 'CONDITIONAL',
    description: 'Returns NULL if expression1 equals expression2, otherwise expression1.',
    signatures: ['NULLIF(T, T)'],
    handlesNulls: true,
    resolve(argTypes) {
      if (argTypes.length !== 2) return undefined;
      const [a, b] = argTypes;
      if (a && b && !typeEquals(a, b)) return undefined;
      return { returnType: a ?? b ?? S };
    },
    evaluate: (args) => {
      const a = args[0] ?? null;
      const b = args[1] ?? null;
      return a !== null && b !== null && valuesEqual(a, b) ? null : a;
    },
  });

  registry.register(
    define(
      'URL_ENCODE_PARAM',
      'URL',
      'Escapes a value for use in a URL query parameter (application/x-www-form-urlencoded).',
      [{ args: [S], returns: S }],
      (a) => encodeURIComponent(a[0] as string).replace(/%20/g, '+').replace(/[!'()~]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase()),
    ),
  );
  registry.register(
    define(
      'URL_DECODE_PARAM',
      'URL',
      'Unescapes a URL-param-encoded value.',
      [{ args: [S], returns: S }],
      (a) => {
        try {
          return decodeURIComponent((a[0] as string).replace(/\+/g, ' '));
        } catch (err) {
          throw new FunctionError(`Invalid URL encoding: ${a[0] as string}`, { cause: err });
        }
      },
    ),
  );
  return registry;
}
