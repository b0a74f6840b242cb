import { describe, expect, it } from 'vitest';
import { Decimal } from './decimal.js';
import { keySerde, validateFormatColumns, valueSerde } from './serde.js';
import { SqlTypes } from './sql-type.js';

const K = [{ name: 'K', type: SqlTypes.STRING }];
const V = [
  { name: 'ID', type: SqlTypes.INTEGER },
  { name: 'B', type: SqlTypes.BIGINT },
  { name: 'D', type: SqlTypes.decimal(4, 2) },
];

describe('key serde', () => {
  it('KAFKA keys are the bare primitive', () => {
    const s = keySerde('KAFKA', K);
    expect(s.serialize(['key'])).toBe('"key"');
    expect(s.serialize([null])).toBeNull();
    expect(s.deserialize('"key"')).toEqual(['key']);
    expect(s.deserialize(null)).toEqual([null]);
  });

  it('JSON keys with one column are unwrapped, several are an object', () => {
    expect(keySerde('JSON', K).serialize(['k'])).toBe('"k"');
    const two = keySerde('JSON', [...K, { name: 'N', type: SqlTypes.INTEGER }]);
    expect(two.serialize(['k', 1])).toBe('{"K":"k","N":1}');
    expect(two.deserialize('{"k":"x","n":2}')).toEqual(['x', 2]);
  });

  it('ignores keys when there are no key columns', () => {
    expect(keySerde('NONE', []).deserialize('"whatever"')).toEqual([]);
  });
});

describe('value serde', () => {
  it('JSON values are objects of the value columns, numbers exact', () => {
    const s = valueSerde('JSON', V);
    const text = s.serialize([10, 9007199254740993n, Decimal.parse('1.50')]);
    expect(text).toBe('{"ID":10,"B":9007199254740993,"D":1.50}');
    const back = s.deserialize(text);
    expect(back?.[1]).toBe(9007199254740993n);
    expect((back?.[2] as Decimal).toString()).toBe('1.50');
    expect(s.deserialize('{"id":1}')).toEqual([1, null, null]);
    expect(s.deserialize(null)).toBeNull();
  });

  it('unwraps a single column when WRAP_SINGLE_VALUE=false or the format is KAFKA', () => {
    expect(valueSerde('JSON', [V[0]!], { wrapSingle: false }).serialize([5])).toBe('5');
    expect(valueSerde('JSON', [V[0]!]).serialize([5])).toBe('{"ID":5}');
    expect(valueSerde('KAFKA', [V[0]!]).deserialize('7')).toEqual([7]);
  });

  it('DELIMITED values are one delimited string', () => {
    const s = valueSerde('DELIMITED', [
      { name: 'A', type: SqlTypes.STRING },
      { name: 'B', type: SqlTypes.INTEGER },
    ]);
    expect(s.serialize(['x,y', 3])).toBe('"\\"x,y\\",3"');
    expect(s.deserialize('"\\"x,y\\",3"')).toEqual(['x,y', 3]);
  });

  it('rejects undeserializable values', () => {
    expect(() => valueSerde('JSON', V).deserialize('[1]')).toThrow(/expected a JSON object/);
    expect(() => valueSerde('JSON', V).deserialize('{"ID":"abc"}')).toThrow(/Failed to deserialize value/);
  });
});

describe('validateFormatColumns', () => {
  it('applies the KAFKA format rules', () => {
    expect(validateFormatColumns('KAFKA', K, 'key')).toBeUndefined();
    expect(
      validateFormatColumns('KAFKA', [...K, { name: 'K2', type: SqlTypes.STRING }], 'key'),
    ).toBe("The 'KAFKA' format only supports a single field. Got: [`K` STRING KEY, `K2` STRING KEY]");
    expect(validateFormatColumns('KAFKA', [{ name: 'K', type: SqlTypes.BOOLEAN }], 'key')).toBe(
      "The 'KAFKA' format does not support type 'BOOLEAN'",
    );
  });
});

describe('PROTOBUF', () => {
  it('always wraps single key and value columns in a record', () => {
    expect(keySerde('PROTOBUF', [{ name: 'K', type: SqlTypes.array(SqlTypes.INTEGER) }]).serialize([[12, 22]])).toBe('{"K":[12,22]}');
    expect(valueSerde('PROTOBUF', [{ name: 'V', type: SqlTypes.INTEGER }], { wrapSingle: false }).serialize([1])).toBe('{"V":1}');
  });
});
