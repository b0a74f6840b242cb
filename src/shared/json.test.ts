import { isLosslessNumber, LosslessNumber, parse as losslessParse, stringify as losslessStringify } from 'lossless-json';
import { describe, expect, it } from 'vitest';
import { JsonNumber, parseJson, stringifyJson } from './json.js';

/**
 * The numbers on which the gateway and the engine used to disagree (the
 * gateway's fast path read `1e400` as Infinity, the engine kept its text).
 * Each is kept as its text; engine/types/json.test.ts and the gateway's
 * value-encoding.test.ts run the same cases through their own uses.
 */
const DIVERGENT_NUMBERS = ['1e400', '-1e400', '9007199254740993', '0.1000000000000000055511151231257827'] as const;

describe('one codec for the numbers the two sides used to read differently', () => {
  it.each(DIVERGENT_NUMBERS)('keeps %s as a LosslessNumber with its text, in and out', (text) => {
    const [v] = parseJson(`[${text}]`) as unknown[];
    expect(v).toBeInstanceOf(JsonNumber);
    expect(v).toBeInstanceOf(LosslessNumber);
    expect(isLosslessNumber(v)).toBe(true);
    expect((v as JsonNumber).text).toBe(text);
    expect((v as JsonNumber).exactDouble()).toBeUndefined();
    expect(stringifyJson([v])).toBe(`[${text}]`);
    // lossless-json itself reads and writes them the same way.
    expect(losslessStringify([v])).toBe(`[${text}]`);
    expect(String((losslessParse(`[${text}]`) as unknown[])[0])).toBe(text);
    // Also inside a body, whatever else it holds.
    expect(stringifyJson(parseJson(`{"row":{"columns":["e",${text},1.5]}}`))).toBe(`{"row":{"columns":["e",${text},1.5]}}`);
  });

  it('keeps an exponent form as text, and tells which ones a double holds', () => {
    const [a, b] = parseJson('[1.0E7, 2.5e-3]') as JsonNumber[];
    expect(a).toBeInstanceOf(JsonNumber);
    expect(a?.text).toBe('1.0E7');
    expect(a?.exactDouble()).toBe(1e7);
    expect(b?.exactDouble()).toBe(0.0025);
    expect(new JsonNumber('1e-400').exactDouble()).toBeUndefined();
  });

  it('takes no slow path for a string with an e in it', () => {
    expect(parseJson('["1e400 is text", 3]')).toEqual(['1e400 is text', 3]);
  });
});

describe('parseJson', () => {
  it('keeps integers beyond 2^53 exact', () => {
    const v = parseJson('{"columns":[9007199254740993,1]}') as { columns: unknown[] };
    expect(v.columns[0]).toBeInstanceOf(JsonNumber);
    expect(String(v.columns[0])).toBe('9007199254740993');
    expect(v.columns[1]).toBe(1);
  });

  it('keeps decimal scale and long fractions exact', () => {
    const v = parseJson('[1.10, 0.1000000000000001, 2.5, -0.25, 1.0]') as unknown[];
    expect(v.map(String)).toEqual(['1.10', '0.1000000000000001', '2.5', '-0.25', '1.0']);
    expect(v[0]).toBeInstanceOf(JsonNumber);
    expect(v[2]).toBe(2.5);
    expect(v[3]).toBe(-0.25);
  });

  it('takes the fast path for plain bodies and agrees with JSON.parse', () => {
    const text = '{"a":[1,2.5,"x\\u00e9",true,null,{"b":-3}]}';
    expect(parseJson(text)).toEqual(JSON.parse(text));
  });

  it('is not fooled by digits inside strings', () => {
    expect(parseJson('["12345678901234567890", 5]')).toEqual(['12345678901234567890', 5]);
  });

  it('throws on malformed input', () => {
    expect(() => parseJson('{"a":')).toThrow();
    expect(() => parseJson('{"a":1.10')).toThrow();
  });
});

describe('stringifyJson', () => {
  it('writes bigint and JsonNumber without loss', () => {
    expect(stringifyJson({ a: 9007199254740993n, b: new JsonNumber('1.10'), c: [1, 'x', null] })).toBe(
      '{"a":9007199254740993,"b":1.10,"c":[1,"x",null]}',
    );
  });

  it('matches JSON.stringify for ordinary values', () => {
    const v = { s: 'a"b\n\u2028', n: 1.5, t: true, o: { u: undefined, z: [] }, e: {} };
    expect(stringifyJson(v)).toBe(JSON.stringify(v));
  });

  it('round-trips through parseJson', () => {
    const text = '{"id":"k1","big":12345678901234567890,"dec":100.00,"d":1.5E10}';
    expect(stringifyJson(parseJson(text))).toBe('{"id":"k1","big":12345678901234567890,"dec":100.00,"d":1.5E10}');
  });
});
