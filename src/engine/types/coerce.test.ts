import { describe, expect, it } from 'vitest';
import { castValue, CoercionError, coerceValue, fromJson, isCastSupported } from './coerce.js';
import { Decimal } from './decimal.js';
import { NumberText, parseJsonTree } from './json.js';
import { SqlTypes } from './sql-type.js';

describe('fromJson', () => {
  it('reads numbers exactly', () => {
    expect(fromJson(new NumberText('9007199254740993'), SqlTypes.BIGINT)).toBe(9007199254740993n);
    expect(fromJson(10, SqlTypes.BIGINT)).toBe(10n);
    expect((fromJson(new NumberText('1.10'), SqlTypes.decimal(4, 2)) as Decimal).toString()).toBe('1.10');
    expect((fromJson(1.5, SqlTypes.decimal(4, 2)) as Decimal).toString()).toBe('1.50');
    expect(fromJson(11, SqlTypes.DOUBLE)).toBe(11);
  });

  it('is lenient like the JSON serde', () => {
    expect(fromJson('12', SqlTypes.INTEGER)).toBe(12);
    expect(fromJson(12, SqlTypes.STRING)).toBe('12');
    expect(fromJson('true', SqlTypes.BOOLEAN)).toBe(true);
    expect(() => fromJson('abc', SqlTypes.INTEGER)).toThrow(/Can't convert type/);
    expect(() => fromJson(new NumberText('123.456'), SqlTypes.decimal(4, 2))).toThrow(/Cannot fit decimal/);
  });

  it('matches struct fields exactly, then case-insensitively', () => {
    const t = SqlTypes.struct([
      { name: 'ID', type: SqlTypes.INTEGER },
      { name: 'Value', type: SqlTypes.STRING },
      { name: 'MISSING', type: SqlTypes.STRING },
    ]);
    const v = fromJson(parseJsonTree('{"id":1,"Value":"x","value":"y"}'), t);
    expect({ ...(v as object) }).toEqual({ ID: 1, Value: 'x', MISSING: null });
  });

  it('reads maps and arrays', () => {
    const v = fromJson(parseJsonTree('{"a":[1,2]}'), SqlTypes.map(SqlTypes.STRING, SqlTypes.array(SqlTypes.BIGINT)));
    expect(v).toEqual(new Map([['a', [1n, 2n]]]));
  });
});

describe('coerceValue (implicit)', () => {
  it('widens numbers', () => {
    expect(coerceValue(1, SqlTypes.INTEGER, SqlTypes.BIGINT)).toEqual({ value: 1n });
    expect(coerceValue(3, SqlTypes.INTEGER, SqlTypes.DOUBLE)).toEqual({ value: 3 });
    expect((coerceValue(3, SqlTypes.INTEGER, SqlTypes.decimal(4, 2))?.value as Decimal).toString()).toBe('3.00');
    expect(coerceValue(1n, SqlTypes.BIGINT, SqlTypes.INTEGER)).toBeUndefined();
    expect(coerceValue('x', SqlTypes.STRING, SqlTypes.INTEGER)).toBeUndefined();
  });

  it('coerces decimals only when they fit without rounding', () => {
    const to = SqlTypes.decimal(4, 2);
    expect((coerceValue(Decimal.parse('1.120'), SqlTypes.decimal(4, 3), to)?.value as Decimal).toString()).toBe('1.12');
    expect(coerceValue(Decimal.parse('1.123'), SqlTypes.decimal(4, 3), to)).toBeUndefined();
    expect(coerceValue(Decimal.parse('123.4'), SqlTypes.decimal(4, 1), to)).toBeUndefined();
    expect(coerceValue(100, SqlTypes.INTEGER, to)).toBeUndefined();
    expect((coerceValue(-99, SqlTypes.INTEGER, to)?.value as Decimal).toString()).toBe('-99.00');
  });

  it('parses strings into temporal types', () => {
    expect(coerceValue('2020-01-01', SqlTypes.STRING, SqlTypes.DATE)).toEqual({ value: 18262 });
    expect(coerceValue('nope', SqlTypes.STRING, SqlTypes.TIMESTAMP)).toBeUndefined();
  });
});

describe('castValue (explicit)', () => {
  it('decodes base64 text to BYTES (CastEvaluator STRING → BYTES)', () => {
    expect(isCastSupported(SqlTypes.STRING, SqlTypes.BYTES)).toBe(true);
    expect(castValue(' IQ== ', SqlTypes.STRING, SqlTypes.BYTES)).toEqual(new Uint8Array([0x21]));
    expect(castValue('', SqlTypes.STRING, SqlTypes.BYTES)).toEqual(new Uint8Array([]));
    expect(() => castValue('not base64!', SqlTypes.STRING, SqlTypes.BYTES)).toThrow(CoercionError);
    expect(isCastSupported(SqlTypes.INTEGER, SqlTypes.BYTES)).toBe(false);
  });

  it('converts between numbers and strings', () => {
    expect(castValue('42', SqlTypes.STRING, SqlTypes.INTEGER)).toBe(42);
    expect(castValue(42.9, SqlTypes.DOUBLE, SqlTypes.INTEGER)).toBe(42);
    expect(castValue(1.5, SqlTypes.DOUBLE, SqlTypes.STRING)).toBe('1.5');
    expect(castValue(2, SqlTypes.DOUBLE, SqlTypes.STRING)).toBe('2.0');
    expect(castValue(7n, SqlTypes.BIGINT, SqlTypes.STRING)).toBe('7');
    expect(castValue('yes', SqlTypes.STRING, SqlTypes.BOOLEAN)).toBe(true);
    expect(() => castValue('x', SqlTypes.STRING, SqlTypes.INTEGER)).toThrow(/Cannot cast/);
    expect(castValue(18262, SqlTypes.DATE, SqlTypes.TIMESTAMP)).toBe(Date.UTC(2020, 0, 1));
    expect(castValue(null, SqlTypes.STRING, SqlTypes.INTEGER)).toBeNull();
  });
});
