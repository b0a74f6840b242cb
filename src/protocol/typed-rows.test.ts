import { describe, expect, it } from 'vitest';
import { JsonNumber, parseJson, parseJsonNumber } from './json.js';
import { StreamedRowParser } from './query-stream.js';
import { rowLineDecoder } from './typed-rows.js';

const row = (columns: string) => `{"row":{"columns":[${columns}]}}`;

describe('rowLineDecoder', () => {
  it('reads a schema without BIGINT or DECIMAL with the native parser, whatever the digits', () => {
    const decode = rowLineDecoder('`ID` STRING, `PRICE` DOUBLE, `QTY` INTEGER')!;
    expect(decode(row('"a", 123.45678901234567, 7'))).toEqual({ row: { columns: ['a', 123.45678901234567, 7] } });
    // parseJson would keep these as text; a DOUBLE column reads them as the same double either way.
    expect(decode(row('"a", 1.10, 7'))).toEqual({ row: { columns: ['a', 1.1, 7] } });
  });

  it('keeps the exact text of top-level BIGINT and DECIMAL columns, as parseJson reads them', () => {
    const decode = rowLineDecoder('`ID` STRING, `BIG` BIGINT, `AMOUNT` DECIMAL(10, 2), `PRICE` DOUBLE')!;
    const line = row('"x", 9007199254740993, 12.50, 0.5');
    const decoded = decode(line) as { row: { columns: unknown[] } };
    expect(decoded.row.columns[1]).toBeInstanceOf(JsonNumber);
    expect((decoded.row.columns[1] as JsonNumber).text).toBe('9007199254740993');
    expect((decoded.row.columns[2] as JsonNumber).text).toBe('12.50');
    expect(decoded.row.columns[3]).toBe(0.5);
    expect(decode(row('"x", 5, 1.5, 0.5'))).toEqual(parseJson(row('"x", 5, 1.5, 0.5')));
    expect(decode(row('"x", null, null, null'))).toEqual({ row: { columns: ['x', null, null, null] } });
  });

  it('is not misled by strings, nesting or keys that look like columns', () => {
    const decode = rowLineDecoder('`S` STRING, `M` MAP<STRING, STRING>, `A` ARRAY<STRING>, `D` DECIMAL(4, 2)')!;
    const tricky = row(String.raw`"a,\"b\"],[\"columns\":[1,2", {"columns":"[1,2]","x,y":"}"}, ["[", "]", ","], 10.10`);
    const decoded = decode(tricky) as { row: { columns: unknown[] } };
    expect((decoded.row.columns[3] as JsonNumber).text).toBe('10.10');
    expect(decoded.row.columns.slice(0, 3)).toEqual((parseJson(tricky) as { row: { columns: unknown[] } }).row.columns.slice(0, 3));
  });

  it('reads tombstones and rows with fewer values than the schema', () => {
    const decode = rowLineDecoder('`K` STRING KEY, `N` BIGINT')!;
    expect(decode('{"row":{"columns":["k",null],"tombstone":true}}')).toEqual({ row: { columns: ['k', null], tombstone: true } });
    expect(decode('{"row":{"columns":["k"]}}')).toEqual({ row: { columns: ['k'] } });
    expect(decode('{"row":{"columns":[]}}')).toEqual({ row: { columns: [] } });
  });

  it('gives no decoder for nested BIGINT/DECIMAL or an unreadable schema (parseJson stays)', () => {
    expect(rowLineDecoder('`A` ARRAY<DECIMAL(4, 2)>')).toBeUndefined();
    expect(rowLineDecoder('`S` STRUCT<`N` BIGINT>')).toBeUndefined();
    expect(rowLineDecoder('not a schema <<')).toBeUndefined();
  });

  it('matches parseJson on the exact columns of random rows', () => {
    const decode = rowLineDecoder('`S` STRING, `B` BIGINT, `D` DECIMAL(20, 4), `X` DOUBLE, `A` ARRAY<STRING>')!;
    let seed = 7;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let i = 0; i < 500; i++) {
      const big = rand() < 0.5 ? String(Math.floor(rand() * 1e6)) : `${Math.floor(rand() * 9e8)}${Math.floor(rand() * 1e10)}`;
      const dec = `${Math.floor(rand() * 1e6)}.${String(Math.floor(rand() * 1e4)).padStart(4, '0')}`;
      const line = row(`"s${i},]\\"", ${big}, ${dec}, ${rand() * 1000}, ["x", "y,]"]`);
      const expected = (parseJson(line) as { row: { columns: unknown[] } }).row.columns;
      const got = (decode(line) as { row: { columns: unknown[] } }).row.columns;
      expect(String(got[1])).toBe(String(expected[1]));
      expect(String(got[2])).toBe(String(expected[2]));
      expect(got[1] instanceof JsonNumber).toBe(expected[1] instanceof JsonNumber);
      expect(got[2] instanceof JsonNumber).toBe(expected[2] instanceof JsonNumber);
      expect(got[0]).toBe(expected[0]);
      expect(got[4]).toEqual(expected[4]);
    }
  });
});

describe('StreamedRowParser with a header', () => {
  it('decodes the rows after a header with its types, and keeps the exact text of DECIMAL values', () => {
    const parser = new StreamedRowParser();
    const out = [
      ...parser.push(
        '[{"header":{"queryId":"q1","schema":"`ID` STRING, `AMOUNT` DECIMAL(10, 2), `PRICE` DOUBLE"}},\n' +
          '{"row":{"columns":["a", 12.50, 1.10]}},\n' +
          '{"finalMessage":"Limit Reached"}]',
      ),
      ...parser.end(),
    ];
    expect(out).toHaveLength(3);
    const columns = (out[1] as { row: { columns: unknown[] } }).row.columns;
    expect((columns[1] as JsonNumber).text).toBe('12.50');
    expect(columns[2]).toBe(1.1);
    expect(out[2]).toEqual({ finalMessage: 'Limit Reached' });
  });
});

describe('exact columns: the short path agrees with parseJsonNumber', () => {
  it('on edge texts', () => {
    const decode = rowLineDecoder('`D` DECIMAL(30, 10)')!;
    const texts = ['0', '-0', '0.5', '-0.5', '0.000001', '0.0000001', '0.0000010', '1.10', '100', '123456789012345', '1234567890123456',
      '-12345678901234', '99999999999999.9', '1e5', '1E-7', '12.5', '0.1', '-0.000001', '10.01', '9007199254740993'];
    for (const text of texts) {
      const got = (decode(row(text)) as { row: { columns: unknown[] } }).row.columns[0];
      const expected = parseJsonNumber(text);
      expect({ text, got: String(got), json: got instanceof JsonNumber }).toEqual({ text, got: String(expected), json: expected instanceof JsonNumber });
    }
  });
});
