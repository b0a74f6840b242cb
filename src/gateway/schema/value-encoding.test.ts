import { describe, expect, it } from 'vitest';
import { JsonNumber, parseJson, parseSchemaString, type JsonValue } from '../../protocol/index.js';
import { isJsonSafe, JSONScalar, markJsonSafe } from './json-scalar.js';
import { createRowShape, rowObject } from './value-encoding.js';

const SCHEMA =
  '`ID` STRING KEY, `V` BIGINT, `AMOUNT` DECIMAL(4, 2), `D` DOUBLE, `N` INTEGER, ' +
  '`BIGS` ARRAY<BIGINT>, `M` MAP<STRING, DECIMAL(10, 1)>, `S` STRUCT<`X` BIGINT, `Y` STRING>';

describe('RowShape.encode / rowObject: rows the JSON scalar can skip', () => {
  const shape = createRowShape(parseSchemaString(SCHEMA));
  const wire: JsonValue[] = [
    'a',
    new JsonNumber('9007199254740993'),
    new JsonNumber('1.10'),
    new JsonNumber('0.1000000000000001'),
    7,
    [1, new JsonNumber('9223372036854775807')],
    { k: new JsonNumber('12345678901234567.0') },
    { X: 5, Y: 'y' },
  ];
  const expected = ['a', '9007199254740993', '1.10', 0.1000000000000001, 7, ['1', '9223372036854775807'], { k: '12345678901234567.0' }, { X: '5', Y: 'y' }];

  it('encodes BIGINT and DECIMAL as their exact text and marks the row JSON-safe', () => {
    const values = shape.encode(wire);
    expect(values).toEqual(expected);
    expect(isJsonSafe(values)).toBe(true);
    const row = rowObject(shape.names, values);
    expect(isJsonSafe(row)).toBe(true);
    // The scalar returns marked rows as they are (no second walk)...
    expect(JSONScalar.serialize(values)).toBe(values);
    expect(JSONScalar.serialize(row)).toBe(row);
    // ...and that is safe: JSON.stringify writes the exact values.
    expect(JSON.stringify(JSONScalar.serialize(row))).toBe(
      '{"ID":"a","V":"9007199254740993","AMOUNT":"1.10","D":0.1000000000000001,"N":7,' +
        '"BIGS":["1","9223372036854775807"],"M":{"k":"12345678901234567.0"},"S":{"X":"5","Y":"y"}}',
    );
  });

  it('keeps values parsed from the wire text exact (parseJson + encode)', () => {
    const parsed = parseJson('["a",9007199254740993,1.10,0.1,7,[1,9223372036854775807],{"k":1.0},{"X":5,"Y":"y"}]') as JsonValue[];
    const values = shape.encode(parsed);
    expect(JSON.stringify(JSONScalar.serialize(rowObject(shape.names, values)))).toBe(
      '{"ID":"a","V":"9007199254740993","AMOUNT":"1.10","D":0.1,"N":7,"BIGS":["1","9223372036854775807"],"M":{"k":"1.0"},"S":{"X":"5","Y":"y"}}',
    );
  });

  it('makes every leaf JSON-safe, also unexpected wire values under typed columns', () => {
    // DOUBLE columns holding a non-number (nested JsonNumber, bigint, non-finite
    // numbers), extra columns beyond the header, untyped struct fields.
    const values = shape.encode([
      'a',
      null,
      null,
      { nested: new JsonNumber('123456789012345678901') },
      Number.NaN,
      null,
      null,
      { X: 1n as unknown as JsonValue, Z: new JsonNumber('1.50') },
      [new JsonNumber('99999999999999999999')],
    ]);
    expect(isJsonSafe(values)).toBe(true);
    expect(values).toEqual(['a', null, null, { nested: '123456789012345678901' }, null, null, null, { X: '1', Z: '1.50' }, ['99999999999999999999']]);
    expect(JSON.stringify(JSONScalar.serialize(values))).toBe(
      '["a",null,null,{"nested":"123456789012345678901"},null,null,null,{"X":"1","Z":"1.50"},["99999999999999999999"]]',
    );
  });

  it('DOUBLE keeps finite numbers, nulls non-finite ones, converts JsonNumber and bigint', () => {
    const doubles = createRowShape(parseSchemaString('`D` DOUBLE'));
    expect(doubles.encode([1.5])).toEqual([1.5]);
    expect(doubles.encode([Number.POSITIVE_INFINITY as unknown as JsonValue])).toEqual([null]);
    expect(doubles.encode([new JsonNumber('0.30000000000000004')])).toEqual([0.30000000000000004]);
    expect(doubles.encode([12n])).toEqual([12]);
    expect(doubles.encode(['text'])).toEqual(['text']);
  });

  it('does not mark objects built from values it did not encode', () => {
    const foreign = [new JsonNumber('12345678901234567890'), 2n ** 70n];
    const row = rowObject(['A', 'B'], foreign);
    expect(isJsonSafe(row)).toBe(false);
    // The scalar still walks it: a copy with the exact text, input untouched.
    expect(JSONScalar.serialize(row)).toEqual({ A: '12345678901234567890', B: (2n ** 70n).toString() });
    expect(row['A']).toBeInstanceOf(JsonNumber);
  });
});

describe('JSONScalar.serialize: foreign values', () => {
  it('normalises values nobody marked (resolvers, statement results)', () => {
    const value = { a: new JsonNumber('1.10'), b: 10n, c: [undefined, Number.NaN, new Date(0)], d: undefined, e: () => 1 };
    expect(isJsonSafe(value)).toBe(false);
    expect(JSONScalar.serialize(value)).toEqual({ a: '1.10', b: 10, c: [null, null, '1970-01-01T00:00:00.000Z'] });
  });

  it('only skips the very objects that were marked, not their unmarked relatives', () => {
    const inner = { n: new JsonNumber('123456789012345678901') };
    markJsonSafe([1, 2]);
    expect(JSONScalar.serialize({ inner })).toEqual({ inner: { n: '123456789012345678901' } });
    expect(JSONScalar.serialize([inner])).toEqual([{ n: '123456789012345678901' }]);
    expect(JSONScalar.serialize(null)).toBeNull();
    expect(JSONScalar.serialize('s')).toBe('s');
  });
});

describe('the numbers the two sides used to read differently, through the gateway', () => {
  // The cases of src/shared/json.test.ts, as the ksqlDB client parses them (parseJson).
  const [huge, minusHuge, bigint, long] = parseJson('[1e400, -1e400, 9007199254740993, 0.1000000000000000055511151231257827]') as JsonValue[];

  it('keeps BIGINT and DECIMAL exact, and reads DOUBLE columns as a double (JSON null when infinite)', () => {
    const shape = createRowShape(parseSchemaString('`B` BIGINT, `DEC` DECIMAL(36, 34), `D1` DOUBLE, `D2` DOUBLE'));
    expect(shape.encode([bigint as JsonValue, long as JsonValue, huge as JsonValue, minusHuge as JsonValue])).toEqual([
      '9007199254740993',
      '0.1000000000000000055511151231257827',
      Infinity,
      -Infinity,
    ]);
    expect(JSON.stringify(JSONScalar.serialize(shape.encode([bigint as JsonValue, long as JsonValue, huge as JsonValue, minusHuge as JsonValue])))).toBe(
      '["9007199254740993","0.1000000000000000055511151231257827",null,null]',
    );
  });

  it('sends untyped ones as their exact text (1e400 was Infinity, hence null), and a Java double like 1.0E7 as a number', () => {
    expect(JSONScalar.serialize([huge, minusHuge, bigint, long])).toEqual(['1e400', '-1e400', '9007199254740993', '0.1000000000000000055511151231257827']);
    expect(JSONScalar.serialize(parseJson('{"d":1.0E7,"e":2.5e-3,"tiny":1e-400}'))).toEqual({ d: 10000000, e: 0.0025, tiny: '1e-400' });
  });
});
