import fc from 'fast-check';
import { GraphQLError, GraphQLObjectType, GraphQLSchema, GraphQLString, graphql } from 'graphql';
import { describe, expect, it } from 'vitest';
import { parseSqlType, quoteIdentifier, type WireType } from '../../protocol/index.js';
import { maskError } from '../errors/index.js';
import { FieldNameMap, NameRegistry } from '../schema/naming.js';
import { buildFilterType } from './filters.js';
import {
  InvalidValueError,
  MAX_LIMIT,
  buildInsert,
  buildSelect,
  comparisonLiteral,
  sqlLiteral,
  type ColumnType,
} from './sql.js';

const t = (sql: string): WireType => parseSqlType(sql);

/** Hostile identifiers and strings: quotes of every kind, comment starters, terminators, control and astral characters. */
const HOSTILE = [
  "O'Brien",
  "''",
  "'; DROP STREAM X; --",
  '`',
  '``',
  'a`b',
  '`) VALUES (1); --',
  '"quoted"',
  '--',
  '-- comment',
  '/*',
  '*/',
  '/* x */',
  ';',
  'line1\nline2',
  '\r\n',
  '\t',
  '\u0000',
  '\\',
  "\\'",
  '%',
  '_',
  '50%_off',
  'über',
  '😀',
  '\u2028',
  '${var}',
  ' spaced name ',
  '',
];

// ------------------------------------------------------------- tokenizer

/**
 * A test-local ksqlDB tokenizer (SqlBase.g4 lexer rules), independent of
 * sql.ts and of the engine: quoted identifiers (backticks or double quotes,
 * the quote doubled inside), string literals ('' inside), numbers (a minus
 * right before a number that does not follow a value is part of it),
 * words, punctuation, and comments, which are tokens here so that an
 * injected comment changes the sequence.
 */
interface Token {
  readonly kind: 'word' | 'qident' | 'string' | 'number' | 'punct' | 'comment' | 'unterminated' | 'unknown';
  readonly text: string;
  /** Decoded content of strings and quoted identifiers. */
  readonly value: string;
}

const PUNCT2 = [':=', '->', '<=', '>=', '<>', '!=', '||', '=>'];
const NUMBER = /-?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/y;
const WORD = /[A-Za-z_][A-Za-z0-9_@]*/y;
const PUNCT1 = '()[],;=<>+-*/%.';

function tokenize(sql: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  const push = (kind: Token['kind'], text: string, value = text) => out.push({ kind, text, value });
  const afterValue = () => {
    const last = out[out.length - 1];
    return last !== undefined && (['word', 'qident', 'string', 'number'].includes(last.kind) || last.text === ')' || last.text === ']');
  };
  while (i < sql.length) {
    const c = sql[i] as string;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
      continue;
    }
    if (sql.startsWith('--', i)) {
      const lf = sql.indexOf('\n', i);
      const cr = sql.indexOf('\r', i);
      const stop = Math.min(lf === -1 ? sql.length : lf, cr === -1 ? sql.length : cr);
      push('comment', sql.slice(i, stop));
      i = stop;
      continue;
    }
    if (sql.startsWith('/*', i)) {
      const end = sql.indexOf('*/', i + 2);
      const stop = end === -1 ? sql.length : end + 2;
      push('comment', sql.slice(i, stop));
      i = stop;
      continue;
    }
    if (c === "'" || c === '`' || c === '"') {
      let j = i + 1;
      let value = '';
      for (;;) {
        const close = sql.indexOf(c, j);
        if (close === -1) {
          push('unterminated', sql.slice(i));
          return out;
        }
        value += sql.slice(j, close);
        if (sql[close + 1] === c) {
          value += c;
          j = close + 2;
          continue;
        }
        push(c === "'" ? 'string' : 'qident', sql.slice(i, close + 1), value);
        i = close + 1;
        break;
      }
      continue;
    }
    NUMBER.lastIndex = i;
    const number = NUMBER.exec(sql);
    if (number !== null && (c !== '-' || !afterValue())) {
      push('number', number[0]);
      i += number[0].length;
      continue;
    }
    WORD.lastIndex = i;
    const word = WORD.exec(sql);
    if (word !== null) {
      push('word', word[0].toUpperCase());
      i += word[0].length;
      continue;
    }
    const two = PUNCT2.find((p) => sql.startsWith(p, i));
    if (two !== undefined) {
      push('punct', two);
      i += 2;
      continue;
    }
    push(PUNCT1.includes(c) ? 'punct' : 'unknown', c);
    i++;
  }
  return out;
}

/**
 * The structure of a statement: literals reduced to their kind (numbers,
 * strings and booleans of any value), identifiers kept with their decoded
 * name, keywords and punctuation as they are.
 */
function shape(sql: string): string[] {
  return tokenize(sql).map((tok) => {
    switch (tok.kind) {
      case 'number':
      case 'string':
        return tok.kind;
      case 'word':
        return tok.text === 'TRUE' || tok.text === 'FALSE' ? 'boolean' : tok.text;
      case 'qident':
        return `qident:${tok.value}`;
      default:
        return `${tok.kind}:${tok.text}`;
    }
  });
}

function strings(sql: string): string[] {
  return tokenize(sql)
    .filter((tok) => tok.kind === 'string')
    .map((tok) => tok.value);
}

describe('the test tokenizer', () => {
  it('reads quoted identifiers, strings, numbers, comments', () => {
    expect(shape("SELECT `a``b`, 'x''y' FROM s WHERE n = -5 -- c")).toEqual([
      'SELECT',
      'qident:a`b',
      'punct:,',
      'string',
      'FROM',
      'S',
      'WHERE',
      'N',
      'punct:=',
      'number',
      'comment:-- c',
    ]);
    expect(strings("'x''y'")).toEqual(["x'y"]);
    expect(shape('a - 1')).toEqual(['A', 'punct:-', 'number']);
    expect(shape("'open")).toEqual(["unterminated:'open"]);
  });
});

// -------------------------------------------------------------- literals

describe('quoteIdentifier', () => {
  it('backtick-quotes and doubles backticks', () => {
    expect(quoteIdentifier('PAGEVIEWS')).toBe('`PAGEVIEWS`');
    expect(quoteIdentifier('pageId')).toBe('`pageId`');
    expect(quoteIdentifier('a`b')).toBe('`a``b`');
    expect(quoteIdentifier('')).toBe('``');
  });

  it.each(HOSTILE)('keeps %j one identifier token with the same name', (name) => {
    const tokens = tokenize(quoteIdentifier(name));
    expect(tokens).toHaveLength(1);
    expect(tokens[0]).toMatchObject({ kind: 'qident', value: name });
  });
});

describe('sqlLiteral', () => {
  it('prints NULL for null and undefined', () => {
    expect(sqlLiteral(t('STRING'), null)).toBe('NULL');
    expect(sqlLiteral(t('ARRAY<INTEGER>'), undefined)).toBe('NULL');
  });

  it('prints booleans', () => {
    expect(sqlLiteral(t('BOOLEAN'), true)).toBe('TRUE');
    expect(sqlLiteral(t('BOOLEAN'), false)).toBe('FALSE');
    expect(() => sqlLiteral(t('BOOLEAN'), 'true')).toThrow(InvalidValueError);
  });

  it('prints INTEGER as a number, never quoted (defect 1)', () => {
    expect(sqlLiteral(t('INTEGER'), 5)).toBe('5');
    expect(sqlLiteral(t('INTEGER'), -5)).toBe('-5');
    expect(sqlLiteral(t('INTEGER'), 2147483647)).toBe('2147483647');
    expect(sqlLiteral(t('INTEGER'), -2147483648)).toBe('-2147483648');
    for (const bad of [2147483648, 1.5, Number.NaN, Infinity, '5', 5n]) {
      expect(() => sqlLiteral(t('INTEGER'), bad)).toThrow(InvalidValueError);
    }
  });

  it('prints DOUBLE with an exponent so that it is a DOUBLE literal, exactly', () => {
    expect(sqlLiteral(t('DOUBLE'), 1.5)).toBe('1.5E0');
    expect(sqlLiteral(t('DOUBLE'), 5)).toBe('5E0');
    expect(sqlLiteral(t('DOUBLE'), -2.25)).toBe('-2.25E0');
    expect(sqlLiteral(t('DOUBLE'), 1e21)).toBe('1E+21');
    expect(sqlLiteral(t('DOUBLE'), 1.5e-7)).toBe('1.5E-7');
    expect(sqlLiteral(t('DOUBLE'), 0.1)).toBe('0.1E0');
    expect(sqlLiteral(t('DOUBLE'), -0)).toBe('-0E0');
    expect(sqlLiteral(t('DOUBLE'), Number.MIN_VALUE)).toBe('5E-324');
    expect(Number(sqlLiteral(t('DOUBLE'), 0.1 + 0.2))).toBe(0.1 + 0.2);
  });

  it.each([Number.NaN, Infinity, -Infinity, '1.5'])('rejects DOUBLE %s with a typed error', (bad) => {
    const err = (() => {
      try {
        sqlLiteral(t('DOUBLE'), bad);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(InvalidValueError);
    expect(err).toBeInstanceOf(GraphQLError);
    expect((err as InvalidValueError).code).toBe('INVALID_VALUE');
    expect((err as InvalidValueError).extensions['code']).toBe('BAD_USER_INPUT');
  });

  it('reaches the client unmasked as BAD_USER_INPUT when a resolver throws it', async () => {
    const schema = new GraphQLSchema({
      query: new GraphQLObjectType({
        name: 'Query',
        fields: { x: { type: GraphQLString, resolve: () => sqlLiteral(t('INTEGER'), 'five', 'X') } },
      }),
    });
    const result = await graphql({ schema, source: '{ x }' });
    const masked = maskError(result.errors?.[0]) as GraphQLError;
    expect(masked.message).toBe('Invalid INTEGER value "five" at X: expected a 32-bit integer.');
    expect(masked.extensions['code']).toBe('BAD_USER_INPUT');
  });

  it('prints BIGINT digits exactly, from text, safe integers or bigints', () => {
    expect(sqlLiteral(t('BIGINT'), '9223372036854775807')).toBe('9223372036854775807');
    expect(sqlLiteral(t('BIGINT'), '-9223372036854775808')).toBe('-9223372036854775808');
    expect(sqlLiteral(t('BIGINT'), '9007199254740993')).toBe('9007199254740993');
    expect(sqlLiteral(t('BIGINT'), '007')).toBe('7');
    expect(sqlLiteral(t('BIGINT'), 42)).toBe('42');
    expect(sqlLiteral(t('BIGINT'), 42n)).toBe('42');
    for (const bad of ['9223372036854775808', '1.0', '1e3', ' 1', '1 OR 1=1', '', 2 ** 60, 1.5, '0x10', '+1']) {
      expect(() => sqlLiteral(t('BIGINT'), bad)).toThrow(InvalidValueError);
    }
  });

  it('prints DECIMAL text exactly, checking that it fits the column', () => {
    const dec = t('DECIMAL(4, 2)');
    expect(sqlLiteral(dec, '1.10')).toBe('1.10');
    expect(sqlLiteral(dec, '-0.5')).toBe('-0.5');
    expect(sqlLiteral(dec, '00.50')).toBe('0.50');
    expect(sqlLiteral(dec, '12')).toBe('12');
    expect(sqlLiteral(dec, 12)).toBe('12');
    expect(sqlLiteral(dec, '1.100000')).toBe('1.100000');
    expect(() => sqlLiteral(dec, '1.123')).toThrow(/does not fit DECIMAL\(4, 2\) without rounding/);
    expect(() => sqlLiteral(dec, '123')).toThrow(InvalidValueError);
    for (const bad of ['1.', '.5', '1e2', 'abc', '1,5', 1.5, '1.5; --']) {
      expect(() => sqlLiteral(dec, bad)).toThrow(InvalidValueError);
    }
    // An integer beyond BIGINT would not parse as an integer literal.
    expect(sqlLiteral(t('DECIMAL(38, 0)'), '100000000000000000000000000000')).toBe('100000000000000000000000000000.0');
    expect(sqlLiteral(t('DECIMAL(38, 0)'), '-100000000000000000000000000000')).toBe('-100000000000000000000000000000.0');
  });

  it('prints comparison DECIMALs without the fit check', () => {
    expect(comparisonLiteral(t('DECIMAL(4, 2)'), '123.456')).toBe('123.456');
    expect(() => comparisonLiteral(t('DECIMAL(4, 2)'), '1.2.3')).toThrow(InvalidValueError);
  });

  it("doubles single quotes and escapes nothing else (defect 1: O'Brien, hello world)", () => {
    expect(sqlLiteral(t('STRING'), "O'Brien")).toBe("'O''Brien'");
    expect(sqlLiteral(t('STRING'), 'hello world')).toBe("'hello world'");
    expect(sqlLiteral(t('STRING'), '%27')).toBe("'%27'");
    expect(sqlLiteral(t('STRING'), '')).toBe("''");
    expect(sqlLiteral(t('STRING'), 'a\\b')).toBe("'a\\b'");
    expect(sqlLiteral(t('STRING'), 'line1\nline2')).toBe("'line1\nline2'");
    expect(sqlLiteral(t('STRING'), '😀 über')).toBe("'😀 über'");
    expect(() => sqlLiteral(t('STRING'), 5)).toThrow(InvalidValueError);
  });

  it.each(HOSTILE)('keeps the STRING %j one string token that decodes to itself', (value) => {
    const literal = sqlLiteral(t('STRING'), value);
    const tokens = tokenize(literal);
    expect(tokens).toHaveLength(1);
    expect(tokens[0]).toMatchObject({ kind: 'string', value });
  });

  it('prints DATE as a CAST of yyyy-MM-dd', () => {
    expect(sqlLiteral(t('DATE'), '2021-02-03')).toBe("CAST('2021-02-03' AS DATE)");
    expect(sqlLiteral(t('DATE'), '2024-02-29')).toBe("CAST('2024-02-29' AS DATE)");
    expect(sqlLiteral(t('DATE'), '0001-01-01')).toBe("CAST('0001-01-01' AS DATE)");
    for (const bad of ['2023-02-29', '2021-13-01', '2021-2-3', '2021-02-03T00:00', "2021-02-03' --", 20210203]) {
      expect(() => sqlLiteral(t('DATE'), bad)).toThrow(InvalidValueError);
    }
  });

  it('prints TIME as a CAST of HH:mm:ss.SSS', () => {
    expect(sqlLiteral(t('TIME'), '12:34')).toBe("CAST('12:34:00.000' AS TIME)");
    expect(sqlLiteral(t('TIME'), '12:34:56')).toBe("CAST('12:34:56.000' AS TIME)");
    expect(sqlLiteral(t('TIME'), '12:34:56.7')).toBe("CAST('12:34:56.700' AS TIME)");
    expect(sqlLiteral(t('TIME'), '23:59:59.999000000')).toBe("CAST('23:59:59.999' AS TIME)");
    expect(() => sqlLiteral(t('TIME'), '12:34:56.7891')).toThrow(/millisecond precision/);
    for (const bad of ['24:00', '12:60', '1:00', '12:00:00Z', 'noon']) {
      expect(() => sqlLiteral(t('TIME'), bad)).toThrow(InvalidValueError);
    }
  });

  it('prints TIMESTAMP as a CAST of UTC yyyy-MM-ddTHH:mm:ss.SSS, zones applied', () => {
    const ts = t('TIMESTAMP');
    expect(sqlLiteral(ts, '2021-02-03T04:05:06.007')).toBe("CAST('2021-02-03T04:05:06.007' AS TIMESTAMP)");
    expect(sqlLiteral(ts, '2021-02-03T04:05')).toBe("CAST('2021-02-03T04:05:00.000' AS TIMESTAMP)");
    expect(sqlLiteral(ts, '2021-02-03T04:05:06Z')).toBe("CAST('2021-02-03T04:05:06.000' AS TIMESTAMP)");
    expect(sqlLiteral(ts, '2021-01-01T00:30:00+01:00')).toBe("CAST('2020-12-31T23:30:00.000' AS TIMESTAMP)");
    expect(sqlLiteral(ts, '2021-01-01T23:30:00-0130')).toBe("CAST('2021-01-02T01:00:00.000' AS TIMESTAMP)");
    expect(sqlLiteral(ts, '0001-01-01T00:00:00.000')).toBe("CAST('0001-01-01T00:00:00.000' AS TIMESTAMP)");
    expect(() => sqlLiteral(ts, '0001-01-01T00:00:00+01:00')).toThrow(/0001-9999/);
    expect(() => sqlLiteral(ts, '2021-01-01T00:00:00.0001')).toThrow(/millisecond precision/);
    for (const bad of ['2021-02-30T00:00', '2021-02-03 04:05', '2021-02-03', '2021-02-03T04:05+19:00', 1612325106007]) {
      expect(() => sqlLiteral(ts, bad)).toThrow(InvalidValueError);
    }
  });

  it('prints BYTES through TO_BYTES from canonical base64', () => {
    expect(sqlLiteral(t('BYTES'), 'AAE=')).toBe("TO_BYTES('AAE=', 'base64')");
    expect(sqlLiteral(t('BYTES'), '')).toBe("TO_BYTES('', 'base64')");
    expect(sqlLiteral(t('BYTES'), new Uint8Array([0, 1, 254, 255]))).toBe("TO_BYTES('AAH+/w==', 'base64')");
    expect(sqlLiteral(t('BYTES'), 'AB==')).toBe("TO_BYTES('AA==', 'base64')");
    for (const bad of ['AAE', 'AA=E', '@@@@', "AAE=', 'hex') --", 'AAE=\n']) {
      expect(() => sqlLiteral(t('BYTES'), bad)).toThrow(InvalidValueError);
    }
  });

  it('prints arrays, typing NULL items and DECIMALs', () => {
    expect(sqlLiteral(t('ARRAY<INTEGER>'), [1, null, -3])).toBe('ARRAY[1, CAST(NULL AS INTEGER), -3]');
    expect(sqlLiteral(t('ARRAY<STRING>'), [null])).toBe('ARRAY[CAST(NULL AS STRING)]');
    expect(sqlLiteral(t('ARRAY<DECIMAL(4, 2)>'), ['1.1', '10.25'])).toBe(
      'ARRAY[CAST(1.1 AS DECIMAL(4, 2)), CAST(10.25 AS DECIMAL(4, 2))]',
    );
    expect(() => sqlLiteral(t('ARRAY<DECIMAL(4, 2)>'), ['1.123'])).toThrow(/\[0\]/);
    expect(sqlLiteral(t('ARRAY<ARRAY<BOOLEAN>>'), [[true], []])).toBe(
      'ARRAY[ARRAY[TRUE], ARRAY_REMOVE(ARRAY[CAST(NULL AS BOOLEAN)], CAST(NULL AS BOOLEAN))]',
    );
    expect(() => sqlLiteral(t('ARRAY<INTEGER>'), { 0: 1 })).toThrow(InvalidValueError);
  });

  it('prints an empty ARRAY without the empty constructor ksqlDB rejects', () => {
    expect(sqlLiteral(t('ARRAY<BIGINT>'), [])).toBe('ARRAY_REMOVE(ARRAY[CAST(NULL AS BIGINT)], CAST(NULL AS BIGINT))');
    expect(sqlLiteral(t('ARRAY<STRUCT<`a b` INTEGER>>'), [])).toBe(
      'ARRAY_REMOVE(ARRAY[CAST(NULL AS STRUCT<`a b` INTEGER>)], CAST(NULL AS STRUCT<`a b` INTEGER>))',
    );
  });

  it('prints maps with keys of the key type', () => {
    expect(sqlLiteral(t('MAP<STRING, BIGINT>'), { a: '1', "b'": null })).toBe(
      "MAP('a' := 1, 'b''' := CAST(NULL AS BIGINT))",
    );
    expect(sqlLiteral(t('MAP<INTEGER, STRING>'), { '1': 'x', '-2': 'y' })).toBe("MAP(1 := 'x', -2 := 'y')");
    expect(sqlLiteral(t('MAP<BOOLEAN, DOUBLE>'), { true: 1.5 })).toBe('MAP(TRUE := 1.5E0)');
    expect(sqlLiteral(t('MAP<DOUBLE, INTEGER>'), { '1.5': 1 })).toBe('MAP(1.5E0 := 1)');
    expect(sqlLiteral(t('MAP<DATE, INTEGER>'), { '2021-02-03': 1 })).toBe("MAP(CAST('2021-02-03' AS DATE) := 1)");
    expect(sqlLiteral(t('MAP<BIGINT, INTEGER>'), new Map([[5n, 1]]))).toBe('MAP(5 := 1)');
    expect(() => sqlLiteral(t('MAP<INTEGER, STRING>'), { x: 'y' })).toThrow(InvalidValueError);
    expect(() => sqlLiteral(t('MAP<BIGINT, STRING>'), { '1': 'a', '01': 'b' })).toThrow(/duplicate map key/);
    expect(() => sqlLiteral(t('MAP<STRING, STRING>'), new Map([[null, 'x']]))).toThrow(/cannot be NULL/);
    expect(() => sqlLiteral(t('MAP<STRING, STRING>'), [['a', 'b']])).toThrow(InvalidValueError);
  });

  it('prints an empty MAP through AS_MAP of empty arrays (and a CAST for non-STRING keys)', () => {
    expect(sqlLiteral(t('MAP<STRING, INTEGER>'), {})).toBe(
      'AS_MAP(ARRAY_REMOVE(ARRAY[CAST(NULL AS STRING)], CAST(NULL AS STRING)), ARRAY_REMOVE(ARRAY[CAST(NULL AS INTEGER)], CAST(NULL AS INTEGER)))',
    );
    expect(sqlLiteral(t('MAP<INTEGER, STRING>'), {})).toBe(
      'CAST(AS_MAP(ARRAY_REMOVE(ARRAY[CAST(NULL AS STRING)], CAST(NULL AS STRING)), ARRAY_REMOVE(ARRAY[CAST(NULL AS STRING)], CAST(NULL AS STRING))) AS MAP<INTEGER, STRING>)',
    );
  });

  it('prints structs with every field in declared order, absent ones as typed NULLs', () => {
    const type = t('STRUCT<`city name` STRING, `ZIP` BIGINT, `GEO` STRUCT<`LAT` DOUBLE>>');
    expect(sqlLiteral(type, { ZIP: '123', 'city name': "O'Hare" })).toBe(
      "STRUCT(`city name` := 'O''Hare', `ZIP` := 123, `GEO` := CAST(NULL AS STRUCT<`LAT` DOUBLE>))",
    );
    expect(sqlLiteral(type, { GEO: { LAT: 1 } })).toBe(
      'STRUCT(`city name` := CAST(NULL AS STRING), `ZIP` := CAST(NULL AS BIGINT), `GEO` := STRUCT(`LAT` := 1E0))',
    );
    expect(sqlLiteral(t('STRUCT<>'), {})).toBe('STRUCT()');
    expect(() => sqlLiteral(type, { ZIP: '1', city: 'x' })).toThrow(/no field `city`/);
    expect(() => sqlLiteral(type, { GEO: { LAT: 'x' } })).toThrow(/GEO\.LAT/);
    expect(() => sqlLiteral(type, 'x')).toThrow(InvalidValueError);
  });

  it('quotes hostile struct field names as identifiers', () => {
    const type: WireType = { type: 'STRUCT', fields: [{ name: "a`b'c -- d", type: t('STRING') }] };
    expect(sqlLiteral(type, { "a`b'c -- d": "x'" })).toBe("STRUCT(`a``b'c -- d` := 'x''')");
  });
});

// ------------------------------------------------------------ statements

describe('buildSelect', () => {
  it('selects columns or *, with the clauses in ksqlDB order', () => {
    expect(buildSelect({ source: 'PAGEVIEWS' })).toBe('SELECT * FROM `PAGEVIEWS`;');
    expect(buildSelect({ source: 'PAGEVIEWS', columns: [] })).toBe('SELECT * FROM `PAGEVIEWS`;');
    expect(buildSelect({ source: 'PAGEVIEWS', columns: ['ID', 'pageId'], where: "(`ID` = 'x')", limit: 10 })).toBe(
      "SELECT `ID`, `pageId` FROM `PAGEVIEWS` WHERE (`ID` = 'x') LIMIT 10;",
    );
    expect(buildSelect({ source: 'S', where: '(`V` > 5)', emitChanges: true, limit: 1 })).toBe(
      'SELECT * FROM `S` WHERE (`V` > 5) EMIT CHANGES LIMIT 1;',
    );
    expect(buildSelect({ source: 'S', emitChanges: true, where: '', limit: undefined })).toBe('SELECT * FROM `S` EMIT CHANGES;');
  });

  it('quotes hostile source and column names', () => {
    expect(buildSelect({ source: 'a`b; DROP', columns: ["c'd", '*'] })).toBe("SELECT `c'd`, `*` FROM `a``b; DROP`;");
  });

  it.each([0, -1, 1.5, Number.NaN, MAX_LIMIT + 1, 2 ** 53])('rejects limit %s', (limit) => {
    expect(() => buildSelect({ source: 'S', limit })).toThrow(InvalidValueError);
  });

  it('takes the largest int limit', () => {
    expect(buildSelect({ source: 'S', limit: MAX_LIMIT })).toBe(`SELECT * FROM \`S\` LIMIT ${MAX_LIMIT};`);
  });
});

describe('buildInsert', () => {
  const columns: ColumnType[] = [
    { name: 'ID', type: t('STRING') },
    { name: 'COUNT', type: t('INTEGER') },
    { name: 'pageId', type: t('BIGINT') },
    { name: 'TAGS', type: t('ARRAY<STRING>') },
  ];

  it('inserts the columns the row sets, in column order (defect 1: numbers unquoted)', () => {
    expect(buildInsert('PAGEVIEWS', columns, { pageId: '5', ID: "O'Brien", COUNT: 5 })).toBe(
      "INSERT INTO `PAGEVIEWS` (`ID`, `COUNT`, `pageId`) VALUES ('O''Brien', 5, 5);",
    );
    expect(buildInsert('PAGEVIEWS', columns, { ID: 'hello world', COUNT: undefined, TAGS: null })).toBe(
      "INSERT INTO `PAGEVIEWS` (`ID`, `TAGS`) VALUES ('hello world', NULL);",
    );
  });

  it('rejects a row that sets nothing', () => {
    expect(() => buildInsert('S', columns, {})).toThrow(InvalidValueError);
    expect(() => buildInsert('S', columns, { ID: undefined })).toThrow(/sets no column/);
  });

  it('rejects a column it was not given (a caller bug, not bad input)', () => {
    let err: unknown;
    try {
      buildInsert('S', columns, { ID: 'x', ROWTIME: 1 });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(Error);
    expect(err).not.toBeInstanceOf(InvalidValueError);
  });

  it('names the column of a bad value', () => {
    expect(() => buildInsert('S', columns, { COUNT: 'five' })).toThrow(/at COUNT/);
  });

  it('quotes hostile names', () => {
    const hostile: ColumnType[] = [{ name: "x`); DROP STREAM S; --", type: t('STRING') }];
    expect(buildInsert("s'`", hostile, { "x`); DROP STREAM S; --": 'v' })).toBe(
      "INSERT INTO `s'``` (`x``); DROP STREAM S; --`) VALUES ('v');",
    );
  });
});

// ------------------------------------------------------------ properties

const RUNS = 2000;

const hostileString = fc.string({
  unit: fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...HOSTILE.filter((h) => h !== '')) },
    { weight: 3, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) },
    { weight: 1, arbitrary: fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c)) },
  ),
  maxLength: 12,
});
const hostileName = fc.oneof(hostileString, fc.constantFrom('ID', 'pageId', 'AND', 'not'));

const SCALAR_TYPES: WireType[] = [
  'BOOLEAN',
  'INTEGER',
  'BIGINT',
  'DOUBLE',
  'STRING',
  'DATE',
  'TIME',
  'TIMESTAMP',
  'BYTES',
  'DECIMAL(4, 2)',
  'DECIMAL(38, 0)',
  'DECIMAL(3, 3)',
].map(t);
const KEY_TYPES: WireType[] = ['STRING', 'INTEGER', 'BIGINT', 'BOOLEAN'].map(t);

const wireType: fc.Arbitrary<WireType> = fc.letrec<{ type: WireType }>((tie) => ({
  type: fc.oneof(
    { depthSize: 'small', maxDepth: 3, withCrossShrink: true },
    fc.constantFrom(...SCALAR_TYPES),
    tie('type').map((item): WireType => ({ type: 'ARRAY', item })),
    fc.tuple(fc.constantFrom(...KEY_TYPES), tie('type')).map(([key, value]): WireType => ({ type: 'MAP', key, value })),
    fc
      .uniqueArray(fc.record({ name: hostileName, type: tie('type') }), { selector: (f) => f.name, maxLength: 3 })
      .map((fields): WireType => ({ type: 'STRUCT', fields })),
  ),
})).type;

function decimalValue(precision: number, scale: number): fc.Arbitrary<string> {
  const digits = (n: number) => fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: 1, maxLength: Math.max(1, n) });
  return fc
    .tuple(fc.boolean(), digits(precision - scale), scale > 0 ? fc.option(digits(scale)) : fc.constant(null))
    .map(([neg, int, frac]) => `${neg ? '-' : ''}${precision - scale === 0 ? '0' : int}${frac === null ? '' : `.${frac}`}`);
}

const dateValue = fc.date({ min: new Date('0001-01-02T00:00:00Z'), max: new Date('9999-12-30T00:00:00Z'), noInvalidDate: true });

/** Values of a type, in the shapes rowFromInput and the filters produce. */
function valueOf(type: WireType, nullable = true): fc.Arbitrary<unknown> {
  const value = ((): fc.Arbitrary<unknown> => {
    switch (type.type) {
      case 'BOOLEAN':
        return fc.boolean();
      case 'INTEGER':
        return fc.integer();
      case 'BIGINT':
        return fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map(String);
      case 'DOUBLE':
        return fc.double({ noNaN: true, noDefaultInfinity: true });
      case 'DECIMAL':
        return decimalValue(type.precision, type.scale);
      case 'STRING':
        return hostileString;
      case 'DATE':
        return dateValue.map((d) => d.toISOString().slice(0, 10));
      case 'TIME':
        return fc.integer({ min: 0, max: 86_399_999 }).map((ms) => new Date(ms).toISOString().slice(11, 23));
      case 'TIMESTAMP':
        return fc
          .tuple(dateValue, fc.constantFrom('', 'Z', '+00:00', '-0130', '+05:45'))
          .map(([d, zone]) => d.toISOString().slice(0, 23) + zone);
      case 'BYTES':
        return fc.uint8Array({ maxLength: 8 }).map((b) => Buffer.from(b).toString('base64'));
      case 'ARRAY':
        return fc.array(valueOf(type.item), { maxLength: 3 });
      case 'MAP': {
        const key = mapKeyOf(type.key);
        return fc
          .uniqueArray(fc.tuple(key, valueOf(type.value)), { selector: ([k]) => canonicalKey(type.key, k), maxLength: 3 })
          .map((entries) => Object.fromEntries(entries));
      }
      case 'STRUCT':
        return fc.record(Object.fromEntries(type.fields.map((f) => [f.name, valueOf(f.type)])), { requiredKeys: [] });
    }
  })();
  return nullable ? fc.option(value, { freq: 6 }) : value;
}

function mapKeyOf(type: WireType): fc.Arbitrary<string> {
  switch (type.type) {
    case 'INTEGER':
      return fc.integer().map(String);
    case 'BIGINT':
      return fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map(String);
    case 'BOOLEAN':
      return fc.boolean().map(String);
    default:
      return hostileString;
  }
}

function canonicalKey(type: WireType, key: string): string {
  return type.type === 'BIGINT' || type.type === 'INTEGER' ? BigInt(key).toString() : key;
}

/** A harmless value of the same shape: same NULLs, list lengths, map sizes and struct fields. */
function benign(type: WireType, value: unknown): unknown {
  if (value === null || value === undefined) return value;
  switch (type.type) {
    case 'BOOLEAN':
      return true;
    case 'INTEGER':
    case 'DOUBLE':
      return 1;
    case 'BIGINT':
    case 'DECIMAL':
      return '0';
    case 'STRING':
      return 'a';
    case 'DATE':
      return '2000-01-01';
    case 'TIME':
      return '00:00';
    case 'TIMESTAMP':
      return '2000-01-01T00:00';
    case 'BYTES':
      return '';
    case 'ARRAY':
      return (value as unknown[]).map((v) => benign(type.item, v));
    case 'MAP':
      return Object.fromEntries(
        Object.values(value as Record<string, unknown>).map((v, i) => [benignKey(type.key, i), benign(type.value, v)]),
      );
    case 'STRUCT': {
      const obj = value as Record<string, unknown>;
      return Object.fromEntries(type.fields.filter((f) => Object.hasOwn(obj, f.name)).map((f) => [f.name, benign(f.type, obj[f.name])]));
    }
  }
}

function benignKey(type: WireType, i: number): string {
  if (type.type === 'BOOLEAN') return i === 0 ? 'true' : 'false';
  return type.type === 'STRING' ? `k${i}` : String(i);
}

describe('no value changes the structure of a statement (property)', () => {
  it('INSERT of every column type, nested structs, maps and arrays, hostile names', () => {
    const table = fc
      .uniqueArray(fc.record({ name: hostileName, type: wireType }), { selector: (c) => c.name, minLength: 1, maxLength: 4 })
      .chain((columns) =>
        fc.tuple(
          fc.constant(columns),
          fc.record(Object.fromEntries(columns.map((c) => [c.name, valueOf(c.type)])), { requiredKeys: [columns[0]!.name] }),
          hostileName,
        ),
      );
    fc.assert(
      fc.property(table, ([columns, row, source]) => {
        const harmless = Object.fromEntries(
          Object.entries(row).map(([k, v]) => [k, benign(columns.find((c) => c.name === k)!.type, v)]),
        );
        const sql = buildInsert(source, columns, row);
        expect(shape(sql)).toEqual(shape(buildInsert(source, columns, harmless)));
        expect(tokenize(sql).some((tok) => tok.kind === 'comment' || tok.kind === 'unterminated' || tok.kind === 'unknown')).toBe(false);
      }),
      { numRuns: RUNS },
    );
  }, 120_000);

  it('string literals decode back to the values (STRING, ARRAY<STRING>, MAP<STRING, STRING>)', () => {
    fc.assert(
      fc.property(hostileString, fc.array(hostileString, { maxLength: 4 }), fc.dictionary(hostileString, hostileString, { maxKeys: 3 }), (s, list, map) => {
        expect(strings(sqlLiteral(t('STRING'), s))).toEqual([s]);
        expect(strings(sqlLiteral(t('ARRAY<STRING>'), list))).toEqual(list.length === 0 ? [] : list);
        expect(strings(sqlLiteral(t('MAP<STRING, STRING>'), map))).toEqual(Object.entries(map).flat());
      }),
      { numRuns: RUNS },
    );
  }, 120_000);

  it('SELECT with hostile source and column names: each name is one identifier token', () => {
    fc.assert(
      fc.property(
        hostileName,
        fc.array(hostileName, { maxLength: 4 }),
        fc.option(fc.integer({ min: 1, max: MAX_LIMIT })),
        fc.boolean(),
        (source, columns, limit, emitChanges) => {
          const sql = buildSelect({ source, columns, limit: limit ?? undefined, emitChanges });
          const expected = [
            'SELECT',
            ...(columns.length === 0 ? ['punct:*'] : columns.flatMap((c, i) => (i === 0 ? [`qident:${c}`] : ['punct:,', `qident:${c}`]))),
            'FROM',
            `qident:${source}`,
            ...(emitChanges ? ['EMIT', 'CHANGES'] : []),
            ...(limit === null ? [] : ['LIMIT', 'number']),
            'punct:;',
          ];
          expect(shape(sql)).toEqual(expected);
        },
      ),
      { numRuns: RUNS },
    );
  }, 120_000);

  describe('filters: every operator, and/or/not nesting', () => {
    const FILTER_COLUMNS: ColumnType[] = [
      { name: "S`'--", type: t('STRING') },
      { name: 'I', type: t('INTEGER') },
      { name: 'BI', type: t('BIGINT') },
      { name: 'F', type: t('DOUBLE') },
      { name: 'DEC', type: t('DECIMAL(4, 2)') },
      { name: 'B', type: t('BOOLEAN') },
      { name: 'D', type: t('DATE') },
      { name: 'T', type: t('TIME') },
      { name: 'TS', type: t('TIMESTAMP') },
      { name: 'BY', type: t('BYTES') },
      { name: 'ST', type: t('STRUCT<`a b` STRING, `N` STRUCT<`X` BIGINT>, `L` ARRAY<STRING>>') },
    ];
    const registry = new NameRegistry();
    const fields = FieldNameMap.build(FILTER_COLUMNS.map((c) => c.name));
    const filter = buildFilterType(registry, 'TFilter', FILTER_COLUMNS, fields, {});
    const stringField = fields.graphqlName("S`'--") as string;

    const ORDERED = ['eq', 'neq', 'gt', 'gte', 'lt', 'lte'];
    const opsFor = (type: WireType): string[] =>
      type.type === 'BOOLEAN' || type.type === 'BYTES'
        ? ['eq', 'neq']
        : type.type === 'STRING'
          ? [...ORDERED, 'like', 'startsWith', 'endsWith', 'contains']
          : ORDERED;

    /** A comparison object: some operators, with non-null values; lists for in/notIn. */
    function comparison(type: WireType): fc.Arbitrary<Record<string, unknown>> {
      const single = valueOf(type, false);
      const model: Record<string, fc.Arbitrary<unknown>> = {};
      for (const op of opsFor(type)) model[op] = single;
      model['in'] = fc.array(single, { maxLength: 3 });
      model['notIn'] = fc.array(single, { maxLength: 3 });
      model['isNull'] = fc.boolean();
      return fc.record(model, { requiredKeys: [] });
    }

    const columnFilter: fc.Arbitrary<Record<string, unknown>> = fc.record(
      {
        [stringField]: comparison(t('STRING')),
        i: comparison(t('INTEGER')),
        bi: comparison(t('BIGINT')),
        f: comparison(t('DOUBLE')),
        dec: comparison(t('DECIMAL(4, 2)')),
        b: comparison(t('BOOLEAN')),
        d: comparison(t('DATE')),
        t: comparison(t('TIME')),
        ts: comparison(t('TIMESTAMP')),
        by: comparison(t('BYTES')),
        st: fc.record({ aB: comparison(t('STRING')), n: fc.record({ x: comparison(t('BIGINT')) }, { requiredKeys: [] }) }, { requiredKeys: [] }),
      },
      { requiredKeys: [] },
    );

    const where = fc.letrec<{ filter: Record<string, unknown> }>((tie) => ({
      filter: fc.oneof(
        { depthSize: 'small', maxDepth: 3, withCrossShrink: true },
        columnFilter,
        fc.tuple(columnFilter, fc.record({ and: fc.array(tie('filter'), { maxLength: 3 }) }, { requiredKeys: [] })).map(([a, b]) => ({ ...a, ...b })),
        fc.tuple(columnFilter, fc.record({ or: fc.array(tie('filter'), { maxLength: 3 }) })).map(([a, b]) => ({ ...a, ...b })),
        fc.tuple(columnFilter, fc.record({ not: tie('filter') })).map(([a, b]) => ({ ...a, ...b })),
      ),
    })).filter;

    const typeOfField: Record<string, WireType> = {
      [stringField]: t('STRING'),
      i: t('INTEGER'),
      bi: t('BIGINT'),
      f: t('DOUBLE'),
      dec: t('DECIMAL(4, 2)'),
      b: t('BOOLEAN'),
      d: t('DATE'),
      t: t('TIME'),
      ts: t('TIMESTAMP'),
      by: t('BYTES'),
    };

    function benignComparison(type: WireType, ops: Record<string, unknown>): Record<string, unknown> {
      return Object.fromEntries(
        Object.entries(ops).map(([op, v]) => {
          if (op === 'isNull') return [op, v];
          if (op === 'in' || op === 'notIn') return [op, (v as unknown[]).map((x) => benign(type, x))];
          // '' is a special case of the string operators (no INSTR): keep it.
          if (type.type === 'STRING' && v === '') return [op, ''];
          return [op, benign(type, v)];
        }),
      );
    }

    function benignWhere(w: Record<string, unknown>): Record<string, unknown> {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(w)) {
        if (k === 'and' || k === 'or') out[k] = (v as Record<string, unknown>[]).map(benignWhere);
        else if (k === 'not') out[k] = benignWhere(v as Record<string, unknown>);
        else if (k === 'st') {
          const st = v as { aB?: Record<string, unknown>; n?: { x?: Record<string, unknown> } };
          out[k] = {
            ...(st.aB ? { aB: benignComparison(t('STRING'), st.aB) } : {}),
            ...(st.n ? { n: st.n.x ? { x: benignComparison(t('BIGINT'), st.n.x) } : {} } : {}),
          };
        } else out[k] = benignComparison(typeOfField[k] as WireType, v as Record<string, unknown>);
      }
      return out;
    }

    it('keeps the token structure of SELECT ... WHERE whatever the values', () => {
      fc.assert(
        fc.property(where, hostileName, (w, source) => {
          const cond = filter.compile(w);
          const harmless = filter.compile(benignWhere(w));
          expect(cond === undefined).toBe(harmless === undefined);
          const sql = buildSelect({ source, where: cond, emitChanges: true, limit: 10 });
          expect(shape(sql)).toEqual(shape(buildSelect({ source, where: harmless, emitChanges: true, limit: 10 })));
          expect(tokenize(sql).some((tok) => tok.kind === 'comment' || tok.kind === 'unterminated' || tok.kind === 'unknown')).toBe(false);
        }),
        { numRuns: RUNS },
      );
    }, 120_000);

    it('gives every string operator its value back as a string literal', () => {
      fc.assert(
        fc.property(hostileString.filter((s) => s !== ''), fc.constantFrom('eq', 'neq', 'gt', 'like', 'startsWith', 'endsWith', 'contains'), (value, op) => {
          const cond = filter.compile({ [stringField]: { [op]: value } }) as string;
          expect(strings(cond)).toEqual([value]);
          const listed = filter.compile({ [stringField]: { in: [value, value] } }) as string;
          expect(strings(listed)).toEqual([value, value]);
        }),
        { numRuns: RUNS },
      );
    }, 120_000);
  });
});
