import { describe, expect, it } from 'vitest';
import { Decimal } from './decimal.js';
import { JsonNumber, parseJson } from '../../shared/json.js';
import {
  encodeJson,
  encodeRowJson,
  formatJavaDouble,
  jsonNumberToDecimal,
  jsonNumberToDouble,
  NumberText,
  parseJsonTree,
  stringifyJsonTree,
} from './json.js';
import { SqlTypes } from './sql-type.js';
import { makeStruct } from './value.js';

describe('formatJavaDouble', () => {
  it('prints doubles as Java does', () => {
    expect(formatJavaDouble(11)).toBe('11.0');
    expect(formatJavaDouble(3)).toBe('3.0');
    expect(formatJavaDouble(2.5)).toBe('2.5');
    expect(formatJavaDouble(0)).toBe('0.0');
    expect(formatJavaDouble(-0)).toBe('-0.0');
    expect(formatJavaDouble(0.001)).toBe('0.001');
    expect(formatJavaDouble(0.0001)).toBe('1.0E-4');
    expect(formatJavaDouble(1e7)).toBe('1.0E7');
    expect(formatJavaDouble(1234567.5)).toBe('1234567.5');
    expect(formatJavaDouble(1.2345e20)).toBe('1.2345E20');
    expect(formatJavaDouble(NaN)).toBe('NaN');
  });
});

describe('parseJsonTree', () => {
  it('keeps numbers a double cannot hold as text', () => {
    const v = parseJsonTree('{"a":9007199254740993,"b":1.10,"c":1,"d":2.5}') as Record<string, unknown>;
    expect(v['a']).toEqual(new NumberText('9007199254740993'));
    expect(v['b']).toEqual(new NumberText('1.10'));
    expect(v['c']).toBe(1);
    expect(v['d']).toBe(2.5);
    expect(stringifyJsonTree(v as never)).toBe('{"a":9007199254740993,"b":1.10,"c":1,"d":2.5}');
  });
});

describe('parseJsonTree and the protocol codec', () => {
  // The cases of src/shared/json.test.ts (DIVERGENT_NUMBERS), through the engine's use.
  it.each(['1e400', '-1e400', '9007199254740993', '0.1000000000000000055511151231257827'])(
    'reads %s as the gateway does: the same JsonNumber class, the same text',
    (text) => {
      const tree = parseJsonTree(`{"v":[${text}]}`) as { v: unknown[] };
      const wire = parseJson(`{"v":[${text}]}`) as { v: unknown[] };
      expect(tree.v[0]).toBeInstanceOf(JsonNumber);
      expect(tree.v[0]).toEqual(wire.v[0]);
      expect(String(tree.v[0])).toBe(text);
      expect(stringifyJsonTree(tree as never)).toBe(`{"v":[${text}]}`);
    },
  );

  it('reads a huge JSON number into a DOUBLE column as ksqlDB does, and into a DECIMAL exactly', () => {
    const [big, long] = parseJsonTree('[1e400, 0.1000000000000000055511151231257827]') as NumberText[];
    expect(jsonNumberToDouble(big as NumberText)).toBe(Infinity);
    expect(jsonNumberToDecimal(long as NumberText).toString()).toBe('0.1000000000000000055511151231257827');
  });
});

describe('encodeJson (ksqlDB ApiJsonMapper)', () => {
  it('encodes scalars per type for /query rows', () => {
    expect(encodeJson(9007199254740993n, SqlTypes.BIGINT)).toBe('9007199254740993');
    expect(encodeJson(Decimal.parse('1.50'), SqlTypes.decimal(4, 2))).toBe('1.50');
    expect(encodeJson(Decimal.parse('1E+30'), SqlTypes.decimal(38, 0))).toBe('1000000000000000000000000000000');
    expect(encodeJson(11, SqlTypes.DOUBLE)).toBe('11.0');
    expect(encodeJson(new Uint8Array([104, 105]), SqlTypes.BYTES)).toBe('"aGk="');
    expect(encodeJson(18262, SqlTypes.DATE)).toBe('"2020-01-01"');
    expect(encodeJson(0, SqlTypes.TIME)).toBe('"00:00"');
    expect(encodeJson(Date.UTC(2020, 0, 1, 4, 40, 34, 789), SqlTypes.TIMESTAMP)).toBe('"2020-01-01T04:40:34.789"');
    expect(encodeJson(null, SqlTypes.STRING)).toBe('null');
    expect(encodeJson('a"b', SqlTypes.STRING)).toBe('"a\\"b"');
  });

  it('encodes temporal types as numbers in the serde dialect', () => {
    expect(encodeJson(18262, SqlTypes.DATE, 'serde')).toBe('18262');
    expect(encodeJson(1000, SqlTypes.TIMESTAMP, 'serde')).toBe('1000');
  });

  it('encodes complex types', () => {
    const t = SqlTypes.struct([
      { name: 'A', type: SqlTypes.array(SqlTypes.INTEGER) },
      { name: 'M', type: SqlTypes.map(SqlTypes.STRING, SqlTypes.DOUBLE) },
    ]);
    const v = makeStruct([
      ['A', [1, null, 3]],
      ['M', new Map([['x', 1]])],
    ]);
    expect(encodeJson(v, t)).toBe('{"A":[1,null,3],"M":{"x":1.0}}');
  });

  it('encodes a row', () => {
    expect(encodeRowJson(['a', 1n, null], [SqlTypes.STRING, SqlTypes.BIGINT, SqlTypes.INTEGER])).toBe('["a",1,null]');
  });
});
