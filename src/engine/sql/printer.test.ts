import { describe, expect, it } from 'vitest';

import type * as ast from './ast.js';
import { KITCHEN_SINK, KSQLDB_REAL } from './kitchen-sink.test-helper.js';
import { parse, parseExpression, parseType } from './parser.js';
import { print, printIdentifier, printStatements, printString } from './printer.js';
import { strip } from './ast.test-helper.js';

/** `parse(print(parse(sql)))` equals `parse(sql)` ignoring loc and statement text. */
function expectStatementsRoundTrip(sql: string): void {
  const statements = parse(sql);
  for (const statement of statements) {
    const printed = print(statement);
    const reparsed = parse(printed);
    expect(reparsed).toHaveLength(1);
    expect(strip(reparsed[0])).toEqual(strip(statement));
    // Printing is canonical: printing the reparsed tree gives the same text.
    expect(print(reparsed[0] as ast.Statement)).toBe(printed);
  }
}

function expectExpressionRoundTrip(e: ast.Expression): string {
  const printed = print(e);
  expect(strip(parseExpression(printed)), printed).toEqual(strip(e));
  return printed;
}

describe('round trip', () => {
  it('kitchen sink', () => {
    expectStatementsRoundTrip(KITCHEN_SINK);
    const once = printStatements(parse(KITCHEN_SINK));
    expect(printStatements(parse(once))).toBe(once);
  });

  it.each(KSQLDB_REAL.map((sql) => [sql.split('\n')[0] ?? sql, sql]))('ksqlDB statement: %s', (_, sql) => {
    expectStatementsRoundTrip(sql);
  });

  it.each([
    'a OR b AND c',
    '(a OR b) AND c',
    'NOT (a AND b)',
    '(NOT a) = b',
    'NOT a = b',
    'a - (b - c)',
    'a - b - c',
    '(a + b) * (c - d) / e % f',
    'a * -b',
    '-(a + b)',
    '- -a',
    '- -5',
    '-(5)',
    '-(5)[1]',
    '-5[1]',
    '+-5',
    '(a = b) = c',
    '(a = b) IS NULL',
    '(a || b) || c',
    'a || (b || c)',
    "a || b + c",
    '(a || b) + c',
    'a BETWEEN (b = c) AND (d OR e)',
    "CASE (a = b) WHEN (c OR d) THEN a AND b ELSE NOT c END",
    '(a + b)[1]->c',
    '(a = 1)->b',
    'f(x => x OR y, (a, b) => NOT a)',
    "`select`.`from` + `Key` + key + `1abc` + 1abc",
    'CAST((a OR b) AS STRING)',
    'ARRAY[a = b, c]',
    "MAP((a = b) := 1)",
    'x IN ((a = b), c OR d)',
    "a NOT LIKE (b || 'x') ESCAPE '\\'",
  ])('expression %s', (sql) => {
    expectExpressionRoundTrip(parseExpression(sql));
  });

  it.each([
    'ARRAY<MAP<STRING, STRUCT<`a b` DECIMAL(2, 1), `Key` INT, c `myType`, d my_type>>>',
    'STRUCT<>',
    'TIMESTAMP',
  ])('type %s', (sql) => {
    const type = parseType(sql);
    expect(strip(parseType(print(type)))).toEqual(strip(type));
  });

  it('random expressions (seeded)', () => {
    const random = lcg(0x5eed);
    for (let i = 0; i < 2000; i++) {
      expectExpressionRoundTrip(randomExpression(random, 5));
    }
  });
});

describe('canonical output', () => {
  it.each([
    ['select a+b*c as x from s where not a=1 or b is not null emit changes;', 'SELECT A + B * C AS X FROM S WHERE NOT A = 1 OR B IS NOT NULL EMIT CHANGES;'],
    ["create stream s (a int key, b varchar) with (kafka_topic='t', partitions=1, 'value.format'='json');", "CREATE STREAM S (A INTEGER KEY, B STRING) WITH (KAFKA_TOPIC='t', PARTITIONS=1, 'value.format'='json');"],
    ['SELECT * FROM a LEFT OUTER JOIN b WITHIN 1 hour ON a.x = b.x;', 'SELECT * FROM A LEFT JOIN B WITHIN 1 HOURS ON A.X = B.X;'],
    ['SELECT * FROM s GROUP BY (a, b);', 'SELECT * FROM S GROUP BY A, B;'],
    ['list topics;', 'SHOW TOPICS;'],
    ["set 'a'  =  'b';", "SET 'a'='b';"],
    ['print `My-Topic` interval 2;', 'PRINT `My-Topic` INTERVAL 2;'],
    ['print myTopic;', 'PRINT `myTopic`;'],
    ['explain select * from s;', 'EXPLAIN SELECT * FROM S;'],
  ])('%s', (sql, expected) => {
    expect(printStatements(parse(sql))).toBe(expected);
  });

  it('adds parentheses only where precedence needs them', () => {
    const a: ast.ColumnRef = { kind: 'ColumnRef', name: { kind: 'Identifier', value: 'A' } };
    const five: ast.IntegerLiteral = { kind: 'IntegerLiteral', text: '5', value: 5 };
    const sum: ast.ArithmeticBinary = { kind: 'ArithmeticBinary', operator: '+', left: a, right: five };
    expect(print({ kind: 'ArithmeticBinary', operator: '*', left: sum, right: a })).toBe('(A + 5) * A');
    expect(print({ kind: 'ArithmeticBinary', operator: '-', left: a, right: sum })).toBe('A - (A + 5)');
    expect(print({ kind: 'ArithmeticBinary', operator: '+', left: sum, right: a })).toBe('A + 5 + A');
    expect(print({ kind: 'ArithmeticUnary', operator: '-', operand: five })).toBe('-(5)');
    expect(print({ kind: 'Subscript', base: sum, index: five })).toBe('(A + 5)[5]');
  });

  it('quotes identifiers only when needed', () => {
    expect(printIdentifier('FOO_1@X')).toBe('FOO_1@X');
    expect(printIdentifier('foo')).toBe('`foo`');
    expect(printIdentifier('SELECT')).toBe('`SELECT`');
    expect(printIdentifier('KEY')).toBe('`KEY`');
    expect(printIdentifier('1ABC')).toBe('`1ABC`');
    expect(printIdentifier('a`b')).toBe('`a``b`');
    expect(printIdentifier('')).toBe('``');
    expect(printString("it's")).toBe("'it''s'");
  });
});

// ---------------------------------------------------------------------------
// A small seeded generator of expression trees the parser can produce.
// ---------------------------------------------------------------------------

type Random = () => number;

function lcg(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

const pick = <T>(random: Random, items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
const NAMES = ['A', 'B', 'KEY', 'TIMESTAMP', 'select', 'Mixed Case', 'x`y', '1ABC', 'ROWTIME'];
const ident = (random: Random): ast.Identifier => ({ kind: 'Identifier', value: pick(random, NAMES) });

function randomLeaf(random: Random): ast.Expression {
  switch (Math.floor(random() * 8)) {
    case 0: {
      const text = pick(random, ['0', '7', '-3', '2147483647', '-2147483648']);
      return { kind: 'IntegerLiteral', text, value: Number(text) };
    }
    case 1: {
      const text = pick(random, ['2147483648', '-9223372036854775808']);
      return { kind: 'BigIntLiteral', text, value: BigInt(text) };
    }
    case 2:
      return { kind: 'DecimalLiteral', ...pick(random, [{ text: '1.50', precision: 3, scale: 2 }, { text: '-.5', precision: 1, scale: 1 }]) };
    case 3:
      return { kind: 'DoubleLiteral', text: '1.5E3', value: 1500 };
    case 4:
      return { kind: 'StringLiteral', value: pick(random, ['', "it's", 'a--b', '/*']) };
    case 5:
      return pick<ast.Expression>(random, [{ kind: 'NullLiteral' }, { kind: 'BooleanLiteral', value: true }]);
    case 6:
      return { kind: 'ColumnRef', source: ident(random), name: ident(random) };
    default:
      return { kind: 'ColumnRef', name: ident(random) };
  }
}

function randomExpression(random: Random, depth: number): ast.Expression {
  if (depth === 0 || random() < 0.2) return randomLeaf(random);
  const sub = () => randomExpression(random, depth - 1);
  switch (Math.floor(random() * 18)) {
    case 0:
      return { kind: 'ArithmeticBinary', operator: pick(random, ['+', '-', '*', '/', '%'] as const), left: sub(), right: sub() };
    case 1:
      return { kind: 'ArithmeticUnary', operator: pick(random, ['+', '-'] as const), operand: sub() };
    case 2:
      return { kind: 'Concat', left: sub(), right: sub() };
    case 3:
      return {
        kind: 'Comparison',
        operator: pick(random, ['=', '<>', '<', '<=', '>', '>=', 'IS DISTINCT FROM', 'IS NOT DISTINCT FROM'] as const),
        left: sub(),
        right: sub(),
      };
    case 4:
      return { kind: 'LogicalBinary', operator: pick(random, ['AND', 'OR'] as const), left: sub(), right: sub() };
    case 5:
      return { kind: 'Not', operand: sub() };
    case 6:
      return { kind: 'IsNull', operand: sub(), negated: random() < 0.5 };
    case 7:
      return { kind: 'Between', operand: sub(), low: sub(), high: sub(), negated: random() < 0.5 };
    case 8:
      return { kind: 'InList', operand: sub(), values: [sub(), sub()], negated: random() < 0.5 };
    case 9:
      return random() < 0.5
        ? { kind: 'Like', operand: sub(), pattern: sub(), negated: false }
        : { kind: 'Like', operand: sub(), pattern: sub(), escape: "'", negated: true };
    case 10:
      return { kind: 'Subscript', base: sub(), index: sub() };
    case 11:
      return { kind: 'Dereference', base: sub(), field: ident(random) };
    case 12:
      return {
        kind: 'FunctionCall',
        name: ident(random),
        args: [sub(), { kind: 'Lambda', params: [ident(random)], body: sub() }, { kind: 'IntervalUnit', unit: 'SECONDS' }],
        star: false,
      };
    case 13:
      return { kind: 'Cast', operand: sub(), type: { kind: 'DecimalType', precision: 4, scale: 2 } };
    case 14:
      return random() < 0.5
        ? { kind: 'SearchedCase', whens: [{ kind: 'WhenClause', condition: sub(), result: sub() }], else: sub() }
        : { kind: 'SimpleCase', operand: sub(), whens: [{ kind: 'WhenClause', condition: sub(), result: sub() }] };
    case 15:
      return { kind: 'ArrayConstructor', elements: [sub(), sub()] };
    case 16:
      return { kind: 'MapConstructor', entries: [{ kind: 'MapEntry', key: sub(), value: sub() }] };
    default:
      return { kind: 'StructConstructor', fields: [{ kind: 'StructField', name: ident(random), value: sub() }] };
  }
}
