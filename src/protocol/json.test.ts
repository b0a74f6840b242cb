import { describe, expect, it } from 'vitest';
import { JsonNumber, parseJson, stringifyJson } from './json.js';

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
