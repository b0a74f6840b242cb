import { describe, expect, it } from 'vitest';
import { Decimal, SqlTypes, type SqlType, type Value } from '../types/index.js';
import { coerceArguments, createDefaultFunctionRegistry } from './builtins.js';
import { formatTemporal, parseToInstant, UTC_ZONE, zoneOf } from './datetime-format.js';

const registry = createDefaultFunctionRegistry();
const S = SqlTypes.STRING;
const I = SqlTypes.INTEGER;
const L = SqlTypes.BIGINT;
const D = SqlTypes.DOUBLE;
const B = SqlTypes.BOOLEAN;
const TS = SqlTypes.TIMESTAMP;
const DATE = SqlTypes.DATE;
const TIME = SqlTypes.TIME;
const BYTES = SqlTypes.BYTES;
const AS = SqlTypes.array(S);
const AI = SqlTypes.array(I);

/** Calls a function as the operator does (NULL short-circuit unless the function handles NULLs). */
function call(name: string, args: Value[], types: (SqlType | null)[]): Value {
  const fn = registry.get(name);
  if (!fn) throw new Error(`no ${name}`);
  const sig = fn.resolve(types);
  if (!sig) throw new Error(`no overload of ${name}(${types.map((t) => t?.type ?? 'NULL').join(', ')})`);
  if (!fn.handlesNulls && args.some((a) => a === null)) return null;
  return fn.evaluate(coerceArguments(args, types, sig.argTypes), { argTypes: sig.argTypes ?? types, returnType: sig.returnType });
}

/** Infers argument types from JS values (strings, ints, doubles with a fraction, bigints, booleans). */
function typeOf(v: Value): SqlType | null {
  if (v === null) return null;
  if (typeof v === 'string') return S;
  if (typeof v === 'bigint') return L;
  if (typeof v === 'boolean') return B;
  if (typeof v === 'number') return Number.isInteger(v) ? I : D;
  if (v instanceof Decimal) return SqlTypes.decimal(Math.max(v.precision, v.scale + 1), v.scale);
  if (v instanceof Uint8Array) return BYTES;
  if (Array.isArray(v)) return SqlTypes.array(typeOf((v as Value[]).find((x) => x !== null) ?? null) ?? S);
  throw new Error('typeOf: unsupported');
}

type Case = readonly [name: string, args: Value[], expected: Value, types?: (SqlType | null)[]];

function table(cases: readonly Case[]) {
  for (const [name, args, expected, types] of cases) {
    it(`${name}(${args.map((a) => (typeof a === 'bigint' ? `${a}n` : JSON.stringify(a, (_k, x: unknown) => (typeof x === 'bigint' ? `${x}n` : x)))).join(', ')})`, () => {
      const out = call(name, args, types ?? args.map(typeOf));
      if (out instanceof Decimal) expect(out.toString()).toBe(expected);
      else if (out instanceof Map) expect(Object.fromEntries(out)).toEqual(expected);
      else expect(out).toEqual(expected);
    });
  }
}

describe('string functions', () => {
  table([
    ['CONCAT_WS', [', ', 'apple', 'banana', null, 'date'], 'apple, banana, date'],
    ['CONCAT_WS', [null, 'a', 'b'], null, [S, S, S]],
    ['SUBSTRING', ['stream', 1, 4], 'stre'],
    ['SUBSTRING', ['stream', -4, 2], 're'],
    ['SUBSTRING', ['stream', 0], 'stream'],
    ['SUBSTRING', ['stream', -10], 'stream'],
    ['SUBSTRING', ['stream', 3, -1], ''],
    ['LPAD', ['Foo', 7, 'Bar'], 'BarBFoo'],
    ['LPAD', ['Foo', 2, 'Bar'], 'Fo'],
    ['LPAD', ['', 2, 'Bar'], 'Ba'],
    ['LPAD', ['123', 5, '0'], '00123'],
    ['LPAD', ['123', -1, '0'], null],
    ['LPAD', ['123', 5, ''], null],
    ['LPAD', ['123', 5, null], null, [S, I, S]],
    ['RPAD', ['Foo', 7, 'Bar'], 'FooBarB'],
    ['RPAD', ['Foo', 2, 'Bar'], 'Fo'],
    ['RPAD', ['', 2, 'Bar'], 'Ba'],
    ['INSTR', ['CORPORATE FLOOR', 'OR'], 2],
    ['INSTR', ['CORPORATE FLOOR', 'OR', 3], 5],
    ['INSTR', ['CORPORATE FLOOR', 'OR', 3, 2], 14],
    ['INSTR', ['CORPORATE FLOOR', 'OR', -3], 5],
    ['INSTR', ['CORPORATE FLOOR', 'OR', -3, 2], 2],
    ['INSTR', ['CORPORATE FLOOR', 'MISSING'], 0],
    ['INSTR', [null, 'OR'], 0, [S, S]],
    ['INSTR', ['abc', 'c', 10], 0],
    ['INSTR', ['CORPORATE FLOOR', 'OR', -1], 14],
    ['INSTR', ['CORPORATE FLOOR', 'OR', 100], 0],
    ['INSTR', ['CORPORATE FLOOR', 'OR', -100], 0],
    ['INSTR', ['CORPORATE FLOOR', 'ABC', 3], 2], // Instr.java: i + position with i = -1
    ['SPLIT', ['a,b,,c', ','], ['a', 'b', '', 'c']],
    ['SPLIT', [',a,', ','], ['', 'a', '']],
    ['SPLIT', ['abc', ''], ['a', 'b', 'c']],
    ['SPLIT', ['a.b', '.'], ['a', 'b']],
    ['SPLIT', ['abc', 'x'], ['abc']],
    ['SPLIT', [null, ','], null, [S, S]],
    ['SPLIT_TO_MAP', ['apple:=green/cherry:=red', '/', ':='], { apple: 'green', cherry: 'red' }],
    ['SPLIT_TO_MAP', ['a=1,a=2', ',', '='], { a: '2' }],
    ['SPLIT_TO_MAP', ['a=1', '', '='], null],
    ['INITCAP', ['the   quick bROWN fox'], 'The   Quick Brown Fox'],
    ['INITCAP', [' leading'], ' Leading'],
    ['MASK', ['My Test $123'], 'Xx-Xxxx--nnn'],
    ['MASK', ['My Test $123', '*', null, '1', null], '*y *est $111', [S, S, S, S, S]],
    ['MASK_KEEP_LEFT', ['My Test $123', 4], 'My Txxx--nnn'],
    ['MASK_KEEP_RIGHT', ['My Test $123', 4], 'Xx-Xxxx-$123'],
    ['MASK_LEFT', ['My Test $123', 4], 'Xx-Xest $123'],
    ['MASK_RIGHT', ['My Test $123', 4], 'My Test -nnn'],
    ['MASK_LEFT', ['ab', 10], 'xx'],
    ['REGEXP_EXTRACT', ['(.*) (.*)', 'hello there', 2], 'there'],
    ['REGEXP_EXTRACT', ['[0-9]+', 'ab 123 45'], '123'],
    ['REGEXP_EXTRACT', ['x', 'abc'], null],
    ['REGEXP_EXTRACT', ['(a)', 'abc', 2], null],
    ['REGEXP_EXTRACT_ALL', ['(\\w+) (\\w+)', 'hello there nice day', 2], ['there', 'day']],
    ['REGEXP_REPLACE', ['foobar', 'o+', '0'], 'f0bar'],
    ['REGEXP_REPLACE', ['a-b', '(\\w)-(\\w)', '$2-$1'], 'b-a'],
    ['REGEXP_SPLIT_TO_ARRAY', ['a1b22c', '[0-9]+'], ['a', 'b', 'c']],
    ['REGEXP_SPLIT_TO_ARRAY', ['1a1', '1'], ['', 'a', '']],
    ['CHR', [75], 'K'],
    ['CHR', [22909], '好'],
    ['CHR', ['\\u004b'], 'K'],
    ['CHR', ['\\u597d'], '好'],
    ['CHR', ['K'], null],
    ['CHR', [-1], null],
    ['ENCODE', ['4b534c', 'hex', 'utf8'], 'KSL'],
    ['ENCODE', ['hello', 'utf8', 'base64'], 'aGVsbG8='],
    ['ENCODE', ['aGVsbG8=', 'base64', 'hex'], '68656c6c6f'],
    ['FROM_BYTES', [new Uint8Array([104, 105]), 'utf8'], 'hi'],
    ['ELT', [2, 'a', 'b', 'c'], 'b'],
    ['ELT', [0, 'a'], null],
    ['ELT', [3, 'a', 'b'], null],
    ['FIELD', ['b', 'a', 'b', 'c'], 2],
    ['FIELD', ['z', 'a', 'b'], 0],
    ['FIELD', [null, 'a', null], 0, [S, S, S]],
    ['NULLIF', ['a', 'a'], null],
    ['NULLIF', ['a', 'b'], 'a'],
    ['NULLIF', [null, 'b'], null, [S, S]],
    ['NULLIF', [1, null], 1, [I, I]],
    ['URL_ENCODE_PARAM', ['url encoded/é'], 'url+encoded%2F%C3%A9'],
    ['URL_DECODE_PARAM', ['url%20encoded+x'], 'url encoded x'],
  ]);

  it('UUID is a v4 UUID', () => {
    expect(call('UUID', [], [])).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
  it('bytes overloads', () => {
    const b = (...x: number[]) => new Uint8Array(x);
    expect(call('LPAD', [b(1, 2), 4, b(9)], [BYTES, I, BYTES])).toEqual(b(9, 9, 1, 2));
    expect(call('RPAD', [b(1, 2), 5, b(7, 8)], [BYTES, I, BYTES])).toEqual(b(1, 2, 7, 8, 7));
    expect(call('SPLIT', [b(1, 0, 2, 0), b(0)], [BYTES, BYTES])).toEqual([b(1), b(2), b()]);
    expect(call('CONCAT_WS', [b(0), b(1), null, b(2)], [BYTES, BYTES, BYTES, BYTES])).toEqual(b(1, 0, 2));
  });
  it('errors are function errors', () => {
    expect(() => call('MASK', ['a', 'XX'], [S, S])).toThrow(/Invalid mask character/);
    expect(() => call('MASK_LEFT', ['a', -1], [S, I])).toThrow(/non-negative/);
    expect(() => call('ENCODE', ['a', 'utf16', 'hex'], [S, S, S])).toThrow(/Supported input and output encodings/);
    expect(() => call('REGEXP_EXTRACT', ['(', 'a'], [S, S])).toThrow(/Invalid regular expression/);
  });
  it('resolution rejects wrong types', () => {
    expect(registry.get('LPAD')?.resolve([S, S, S])).toBeUndefined();
    expect(registry.get('NULLIF')?.resolve([S, I])).toBeUndefined();
    expect(registry.get('ELT')?.resolve([I])?.returnType).toEqual(S);
    expect(registry.get('FIELD')?.resolve([S, S, S, S])?.returnType).toEqual(I);
  });
});

describe('math functions', () => {
  table([
    ['ROUND', [1.5], 2n, [D]],
    ['ROUND', [-1.5], -1n, [D]],
    ['ROUND', [-1.9], -2n, [D]],
    ['ROUND', [5], 5n, [I]],
    ['ROUND', [1.25, 1], 1.3, [D, I]],
    ['ROUND', [-1.25, 1], -1.2, [D, I]],
    ['ROUND', [1234.5, -2], 1200, [D, I]],
    ['ROUND', [1250.0, -2], 1300, [D, I]],
    ['ROUND', [Decimal.parse('1.25'), 1], '1.30', [SqlTypes.decimal(3, 2), I]],
    ['ROUND', [Decimal.parse('-1.25'), 1], '-1.20', [SqlTypes.decimal(3, 2), I]],
    ['ROUND', [Decimal.parse('-1.5')], '-1', [SqlTypes.decimal(2, 1)]],
    ['TRUNC', [1.99], 1n, [D]],
    ['TRUNC', [-1.99], -1n, [D]],
    ['TRUNC', [1.279, 2], 1.27, [D, I]],
    ['TRUNC', [Decimal.parse('-1.279'), 2], '-1.270', [SqlTypes.decimal(4, 3), I]],
    ['SQRT', [4.0], 2, [D]],
    ['SQRT', [16], 4, [I]],
    ['SQRT', [-1.0], NaN, [D]],
    ['EXP', [0.0], 1, [D]],
    ['LN', [Math.E], 1, [D]],
    ['LOG', [100.0], 2, [D]],
    ['LOG', [2.0, 8.0], 3, [D, D]],
    ['LOG', [0.0], -Infinity, [D]],
    ['POWER', [2.0, 10.0], 1024, [D, D]],
    ['POWER', [2, 3], 8, [I, I]],
    ['SIGN', [-5], -1, [I]],
    ['SIGN', [0n], 0, [L]],
    ['SIGN', [2.5], 1, [D]],
    ['SIGN', [Decimal.parse('-0.5')], -1, [SqlTypes.decimal(2, 1)]],
    ['GREATEST', [1, 5, null, 3], 5, [I, I, I, I]],
    ['GREATEST', ['a', 'B', 'c'], 'c'],
    ['GREATEST', [1, 2.5], 2.5, [I, D]],
    ['GREATEST', [null, null], null, [I, I]],
    ['LEAST', [1n, -5n, 3n], -5n],
    ['LEAST', ['Foo', 'Bar', 'baz'], 'Bar'],
    ['ABS', [-2.5], 2.5, [D]],
    ['DEGREES', [Math.PI], 180, [D]],
    ['RADIANS', [180.0], Math.PI, [D]],
    ['ATAN2', [1.0, 1.0], Math.PI / 4, [D, D]],
  ]);
  it('types', () => {
    expect(registry.get('ROUND')?.resolve([I])?.returnType).toEqual(L);
    expect(registry.get('ROUND')?.resolve([SqlTypes.decimal(5, 2)])?.returnType).toEqual(SqlTypes.decimal(3, 0));
    expect(registry.get('ROUND')?.resolve([SqlTypes.decimal(5, 2), I])?.returnType).toEqual(SqlTypes.decimal(5, 2));
    expect(registry.get('SQRT')?.resolve([L])?.returnType).toEqual(D);
    expect(registry.get('GREATEST')?.resolve([I, S])).toBeUndefined();
    expect(registry.get('GREATEST')?.resolve([SqlTypes.decimal(4, 2), SqlTypes.decimal(5, 1)])?.returnType).toEqual(
      SqlTypes.decimal(6, 2),
    );
    const r = call('RANDOM', [], []) as number;
    expect(r >= 0 && r < 1).toBe(true);
  });
});

describe('date and time functions', () => {
  const ts = Date.UTC(2021, 5, 30, 12, 18, 39, 446);
  table([
    ['FORMAT_TIMESTAMP', [ts, 'yyyy-MM-dd HH:mm:ss.SSS'], '2021-06-30 12:18:39.446', [TS, S]],
    ['FORMAT_TIMESTAMP', [ts, "yyyy-MM-dd'T'HH:mm:ssX"], '2021-06-30T12:18:39Z', [TS, S]],
    ['FORMAT_TIMESTAMP', [ts, "yyyy-MM-dd''HH"], "2021-06-30'12", [TS, S]],
    ['FORMAT_TIMESTAMP', [ts, 'yyyy-MM-dd HH:mm XXX', 'America/Los_Angeles'], '2021-06-30 05:18 -07:00', [TS, S, S]],
    ['FORMAT_TIMESTAMP', [ts, 'dd MMM yyyy, EEE h:mm a', 'Asia/Kolkata'], '30 Jun 2021, Wed 5:48 PM', [TS, S, S]],
    ['FORMAT_TIMESTAMP', [ts, 'yyyyMMddHHmmssZ', '+05:30'], '20210630174839+0530', [TS, S, S]],
    ['PARSE_TIMESTAMP', ['2021-06-30 12:18:39.446', 'yyyy-MM-dd HH:mm:ss.SSS'], ts],
    ['PARSE_TIMESTAMP', ['2021-06-31 12:18:39.446', 'yyyy-MM-dd HH:mm:ss.SSS'], ts], // SMART resolver: June 31 → June 30,
    ['PARSE_TIMESTAMP', ['2021-06-30T05:18:39.446-0700', "yyyy-MM-dd'T'HH:mm:ss.SSSZ"], ts],
    ['PARSE_TIMESTAMP', ['2021-06-30 05:18:39.446', 'yyyy-MM-dd HH:mm:ss.SSS', 'America/Los_Angeles'], ts],
    ['PARSE_TIMESTAMP', ['20210630121839', 'yyyyMMddHHmmss'], ts - 446],
    ['PARSE_TIMESTAMP', ['2021-06-30', 'yyyy-MM-dd[ HH:mm]'], Date.UTC(2021, 5, 30)],
    ['PARSE_TIMESTAMP', ['2021-06-30 01:02', 'yyyy-MM-dd[ HH:mm]'], Date.UTC(2021, 5, 30, 1, 2)],
    ['TIMESTAMPTOSTRING', [BigInt(ts), 'yyyy-MM-dd HH:mm:ss.SSS', 'UTC'], '2021-06-30 12:18:39.446'],
    ['STRINGTOTIMESTAMP', ['2021-06-30 12:18:39.446', 'yyyy-MM-dd HH:mm:ss.SSS', 'UTC'], BigInt(ts)],
    ['STRINGTOTIMESTAMP', ['2021-06-30 14:18:39.446', 'yyyy-MM-dd HH:mm:ss.SSS', 'Europe/Paris'], BigInt(ts)],
    ['FROM_UNIXTIME', [BigInt(ts)], ts],
    ['UNIX_TIMESTAMP', [ts], BigInt(ts), [TS]],
    ['UNIX_DATE', [18808], 18808, [DATE]],
    ['FROM_DAYS', [18808], 18808],
    ['FORMAT_DATE', [18808, 'yyyy-MM-dd'], '2021-06-30', [DATE, S]],
    ['PARSE_DATE', ['30/06/2021', 'dd/MM/yyyy'], 18808, [S, S]],
    ['FORMAT_TIME', [((13 * 60 + 25) * 60 + 1) * 1000, 'HH:mm'], '13:25', [TIME, S]],
    ['PARSE_TIME', ['13:25:01', 'HH:mm:ss'], ((13 * 60 + 25) * 60 + 1) * 1000, [S, S]],
    ['PARSE_TIME', ['1:25 PM', 'h:mm a'], (13 * 60 + 25) * 60 * 1000, [S, S]],
    ['DATETOSTRING', [18808, 'yyyy/MM/dd'], '2021/06/30'],
    ['STRINGTODATE', ['2021-06-30', 'yyyy-MM-dd'], 18808],
    ['CONVERT_TZ', [ts, 'UTC', 'Asia/Kolkata'], ts + 5.5 * 3_600_000, [TS, S, S]],
    ['TIMESTAMPADD', ['SECONDS', 5, ts], ts + 5000, [S, I, TS]],
    ['TIMESTAMPSUB', ['DAYS', 1, ts], ts - 86_400_000, [S, I, TS]],
    ['TIMESTAMPADD', ['HOURS', null, ts], null, [S, I, TS]],
    ['DATEADD', ['DAYS', 3, 18808], 18811, [S, I, DATE]],
    ['DATESUB', ['HOURS', 24, 18808], 18807, [S, I, DATE]],
    ['TIMEADD', ['HOURS', 13, 12 * 3_600_000], 3_600_000, [S, I, TIME]],
    ['TIMESUB', ['MINUTES', 1, 0], 86_400_000 - 60_000, [S, I, TIME]],
  ]);
  it('formats and parses round-trip across DST in a region zone', () => {
    const ny = zoneOf('America/New_York');
    const t = Date.UTC(2021, 2, 14, 7, 30); // 03:30 EDT, just after the spring gap
    expect(formatTemporal(t, 'yyyy-MM-dd HH:mm z', ny)).toBe('2021-03-14 03:30 EDT');
    expect(parseToInstant('2021-03-14 03:30', 'yyyy-MM-dd HH:mm', ny)).toBe(t);
    expect(formatTemporal(0, 'uuuu-MM-dd HH:mm:ss.SSSSSS xxx', UTC_ZONE)).toBe('1970-01-01 00:00:00.000000 +00:00');
  });
  it('errors', () => {
    expect(() => call('PARSE_TIMESTAMP', ['2021/06/30', 'yyyy-MM-dd'], [S, S])).toThrow(
      /Failed to parse timestamp '2021\/06\/30' with formatter 'yyyy-MM-dd': Text '2021\/06\/30' could not be parsed at index 0/,
    );
    expect(() => call('FORMAT_TIMESTAMP', [0, 'yyyy-bb'], [TS, S])).toThrow(/Unknown pattern letter: b/);
    expect(() => call('FORMAT_DATE', [0, 'yyyy HH'], [DATE, S])).toThrow(/Unsupported field: HourOfDay/);
    expect(() => call('FORMAT_TIMESTAMP', [0, 'yyyy', 'Mars/Olympus'], [TS, S, S])).toThrow(/Unknown time-zone ID/);
    expect(() => call('TIMESTAMPADD', ['WEEKS', 1, 0], [S, I, TS])).toThrow(/Unknown time unit/);
  });
});

describe('collection and JSON functions', () => {
  const sm = (o: Record<string, Value>) => new Map(Object.entries(o));
  table([
    ['ARRAY_LENGTH', [[1, 2, 3]], 3],
    ['ARRAY_LENGTH', [null], null, [AI]],
    ['ARRAY_CONTAINS', [[1, 2, 3], 3], true],
    ['ARRAY_CONTAINS', [[1, 2, 3], 4], false],
    ['ARRAY_CONTAINS', [null, 4], false, [AI, I]],
    ['ARRAY_CONTAINS', [['a', null], null], true, [AS, S]],
    ['ARRAY_DISTINCT', [['apple', 'apple', null, 'cherry', null]], ['apple', null, 'cherry']],
    ['ARRAY_JOIN', [[1, 2, 3]], '1,2,3'],
    ['ARRAY_JOIN', [['a', null, 'b'], '|'], 'a|null|b'],
    ['ARRAY_JOIN', [['a', 'b'], null], 'ab', [AS, S]],
    ['ARRAY_JOIN', [[1.0, 2.5]], '1.0,2.5', [SqlTypes.array(D)]],
    ['ARRAY_CONCAT', [[1, 2], [3]], [1, 2, 3]],
    ['ARRAY_CONCAT', [null, [3]], [3], [AI, AI]],
    ['ARRAY_EXCEPT', [[1, 2, 3, 1, 2], [2, 3]], [1]],
    ['ARRAY_INTERSECT', [[1, 2, 3, 1, 2], [2, 1]], [1, 2]],
    ['ARRAY_UNION', [[1, 2, 3, 1, 2], [4, 1]], [1, 2, 3, 4]],
    ['ARRAY_MAX', [[-1, 2, null, 0]], 2],
    ['ARRAY_MIN', [['Foo', 'Bar', null, 'baz']], 'Bar'],
    ['ARRAY_MAX', [[null]], null, [AI]],
    ['ARRAY_REMOVE', [[1, 2, 3, 2, 1], 2], [1, 3, 1]],
    ['ARRAY_REMOVE', [['Foo', 'Bar', null, 'baz'], null], ['Foo', 'Bar', 'baz'], [AS, S]],
    ['ARRAY_SORT', [[-1, 2, null, 0]], [-1, 0, 2, null]],
    ['ARRAY_SORT', [['Foo', 'Bar', null, 'baz'], 'desc'], ['baz', 'Foo', 'Bar', null]],
    ['SLICE', [[1, 2, 3, 4], 2, 3], [2, 3]],
    ['GENERATE_SERIES', [1, 5, 2], [1, 3, 5]],
    ['GENERATE_SERIES', [3, 1], [3, 2, 1]],
    ['GENERATE_SERIES', [1n, 3n], [1n, 2n, 3n]],
    ['EXTRACTJSONFIELD', ['{"log":{"cloud":"gcp836Csd","instance":4}}', '$.log.cloud'], 'gcp836Csd'],
    ['EXTRACTJSONFIELD', ['{"log":{"cloud":"gcp836Csd","instance":4}}', '$.log.instance'], '4'],
    ['EXTRACTJSONFIELD', ['{"log":{"cloud":"gcp836Csd","instance":4}}', '$.log'], '{"cloud":"gcp836Csd","instance":4}'],
    ['EXTRACTJSONFIELD', ['{"a":[{"b":1},{"b":12345678901234567890}]}', '$.a[1].b'], '12345678901234567890'],
    ['EXTRACTJSONFIELD', ['{"a b":true}', "$['a b']"], 'true'],
    ['EXTRACTJSONFIELD', ['{"a":1}', '$.b'], null],
    ['EXTRACTJSONFIELD', ['{"a":null}', '$.a'], 'null'],
    ['JSON_ARRAY_LENGTH', ['[1, [1, [2]], 3]'], 3],
    ['JSON_ARRAY_LENGTH', ['{}'], null],
    ['JSON_ARRAY_LENGTH', ['abc'], null],
    ['IS_JSON_STRING', ['"abc"'], true],
    ['IS_JSON_STRING', [''], false],
    ['IS_JSON_STRING', [null], false, [S]],
    ['JSON_KEYS', ['{"a": "abc", "b": { "c": "a" }, "d": 1}'], ['a', 'b', 'd']],
    ['JSON_KEYS', ['[]'], null],
    ['JSON_ARRAY_CONTAINS', ['[1, 2, 3]', 3], true],
    ['JSON_ARRAY_CONTAINS', ['[1, 2, 3]', 3.0], false, [S, D]],
    ['JSON_ARRAY_CONTAINS', ['["a", "b"]', 'b'], true],
    ['JSON_ARRAY_CONTAINS', ['{}', 'b'], false],
  ]);
  it('maps', () => {
    const mt = SqlTypes.map(S, I);
    const m = sm({ apple: 10, banana: 20 });
    expect(call('MAP_KEYS', [m], [mt])).toEqual(['apple', 'banana']);
    expect(call('MAP_VALUES', [m], [mt])).toEqual([10, 20]);
    expect(Object.fromEntries(call('MAP_UNION', [m, sm({ apple: 50 })], [mt, mt]) as Map<string, Value>)).toEqual({ apple: 50, banana: 20 });
    expect(Object.fromEntries(call('AS_MAP', [['a', 'b'], [1]], [AS, AI]) as Map<string, Value>)).toEqual({ a: 1, b: null });
    expect(registry.get('MAP_KEYS')?.resolve([mt])?.returnType).toEqual(AS);
    expect(call('ENTRIES', [sm({ b: 2, a: 1 }), true], [mt, B])).toEqual([
      Object.assign(Object.create(null) as object, { K: 'a', V: 1 }),
      Object.assign(Object.create(null) as object, { K: 'b', V: 2 }),
    ]);
  });
  it('TO_JSON_STRING and errors', () => {
    expect(call('TO_JSON_STRING', [[1, 2]], [AI])).toBe('[1,2]');
    expect(call('TO_JSON_STRING', [null], [S])).toBe('null');
    expect(call('TO_JSON_STRING', [15.3], [D])).toBe('15.3');
    expect(() => call('EXTRACTJSONFIELD', ['{bad', '$.a'], [S, S])).toThrow(/Invalid JSON format/);
    expect(() => call('GENERATE_SERIES', [1, 5, 0], [I, I, I])).toThrow(/step cannot be zero/);
    expect(registry.get('ARRAY_CONTAINS')?.resolve([AI, S])).toBeUndefined();
    expect(registry.get('ARRAY_DISTINCT')?.resolve([AS])?.returnType).toEqual(AS);
  });
});
