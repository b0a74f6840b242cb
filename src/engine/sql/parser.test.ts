import { describe, expect, it } from 'vitest';

import type * as ast from './ast.js';
import { KITCHEN_SINK, KSQLDB_REAL } from './kitchen-sink.test-helper.js';
import { parse, parseExpression, parseStatement, parseType } from './parser.js';
import { Source } from './source.js';
import { SqlSyntaxError } from './syntax-error.js';
import { sexpr, strip } from './ast.test-helper.js';

const one = (sql: string): ast.Statement => strip(parseStatement(sql));
const ex = (sql: string): string => sexpr(parseExpression(sql));
const query = (sql: string): ast.Query => {
  const statement = one(sql);
  if (statement.kind !== 'QueryStatement') throw new Error(`not a query: ${statement.kind}`);
  return statement.query;
};
const id = (value: string): ast.Identifier => ({ kind: 'Identifier', value });
const col = (name: string, source?: string): ast.ColumnRef =>
  source === undefined ? { kind: 'ColumnRef', name: id(name) } : { kind: 'ColumnRef', source: id(source), name: id(name) };
const int = (text: string): ast.IntegerLiteral => ({ kind: 'IntegerLiteral', text, value: Number(text) });
const str = (value: string): ast.StringLiteral => ({ kind: 'StringLiteral', value });
const dur = (value: number, unit: ast.TimeUnit): ast.Duration => ({ kind: 'Duration', value, unit });

function syntaxErrorOf(run: () => unknown): SqlSyntaxError {
  try {
    run();
  } catch (error) {
    if (error instanceof SqlSyntaxError) return error;
    throw error;
  }
  throw new Error('expected a SqlSyntaxError');
}

describe('parse: requests and statement text', () => {
  it('parses the kitchen sink', () => {
    const statements = parse(KITCHEN_SINK);
    expect(statements).toHaveLength(71);
    for (const statement of statements) {
      expect(statement.text.endsWith(';')).toBe(true);
      expect(KITCHEN_SINK.slice(statement.loc?.start, statement.loc?.end)).toBe(statement.text);
    }
  });

  it.each(KSQLDB_REAL.map((sql) => [sql.split('\n')[0] ?? sql, sql]))('parses ksqlDB statement: %s', (_, sql) => {
    const [statement, ...rest] = parse(sql);
    expect(rest).toEqual([]);
    expect(statement?.text).toBe(sql);
  });

  it('records each statement text from its first token through its ";", skipping comments between', () => {
    const sql = "  -- leading\nSHOW STREAMS ;\n/* x */ SELECT 1 AS x\n  FROM s; SET 'a'='b';  ";
    expect(parse(sql).map((s) => s.text)).toEqual([
      'SHOW STREAMS ;',
      'SELECT 1 AS x\n  FROM s;',
      "SET 'a'='b';",
    ]);
  });

  it('returns an empty list for an empty or comment-only request', () => {
    expect(parse('')).toEqual([]);
    expect(parse('  -- nothing\n /* here */ ')).toEqual([]);
  });

  it('locates statements and nodes (1-based line and column)', () => {
    const [, second] = parse('SHOW TOPICS;\n  DESCRIBE foo EXTENDED;');
    expect(second?.loc).toEqual({ start: 15, end: 37, line: 2, column: 3 });
    expect(second?.kind === 'Describe' && second.name.loc).toEqual({ start: 24, end: 27, line: 2, column: 12 });
  });

  it('omits locations with noLocation', () => {
    const [statement] = parse('SELECT a FROM s;', { noLocation: true });
    expect(JSON.stringify(statement)).not.toContain('"loc"');
    expect(statement?.text).toBe('SELECT a FROM s;');
  });

  it('parseStatement accepts an optional trailing ";"', () => {
    expect(parseStatement('SHOW STREAMS').text).toBe('SHOW STREAMS');
    expect(parseStatement('SHOW STREAMS;').text).toBe('SHOW STREAMS;');
  });
});

describe('identifiers and keywords', () => {
  it('upper-cases unquoted identifiers and keeps quoted ones', () => {
    expect(query('select Foo, `Bar`, "Baz", `a``b`, 1abc from `my stream`;').select).toEqual([
      { kind: 'SingleColumn', expression: col('FOO') },
      { kind: 'SingleColumn', expression: col('Bar') },
      { kind: 'SingleColumn', expression: col('Baz') },
      { kind: 'SingleColumn', expression: col('a`b') },
      { kind: 'SingleColumn', expression: col('1ABC') },
    ]);
  });

  it('accepts non-reserved keywords as identifiers', () => {
    const q = query(
      'SELECT timestamp, key, date, time, type, source, emit, final, partition, session, struct, map, array, ' +
        'value, size_of, string, if, show, tables, column FROM key;',
    );
    expect(q.select.map((item) => item.kind === 'SingleColumn' && sexpr(item.expression))).toEqual([
      'TIMESTAMP', 'KEY', 'DATE', 'TIME', 'TYPE', 'SOURCE', 'EMIT', 'FINAL', 'PARTITION', 'SESSION', 'STRUCT',
      'MAP', 'ARRAY', 'VALUE', 'SIZE_OF', 'STRING', 'IF', 'SHOW', 'TABLES', 'COLUMN',
    ]);
    expect(q.from).toEqual({ kind: 'SourceRef', name: id('KEY') });
  });

  it('uses non-reserved keywords as aliases, but not when they start a clause', () => {
    expect(query('SELECT a key FROM s emit EMIT CHANGES;')).toEqual({
      kind: 'Query',
      select: [{ kind: 'SingleColumn', expression: col('A'), alias: id('KEY') }],
      from: { kind: 'SourceRef', name: id('S'), alias: id('EMIT') },
      emit: 'CHANGES',
    });
    expect(query('SELECT a FROM s EMIT CHANGES;').from).toEqual({ kind: 'SourceRef', name: id('S') });
    expect(query('SELECT a FROM s PARTITION BY a;').from).toEqual({ kind: 'SourceRef', name: id('S') });
    expect(query('SELECT a FROM s partition PARTITION BY a;').from).toEqual({
      kind: 'SourceRef',
      name: id('S'),
      alias: id('PARTITION'),
    });
  });

  it('rejects reserved keywords as identifiers with a hint', () => {
    const error = syntaxErrorOf(() => parse('CREATE STREAM select (a INT);'));
    expect(error.description).toBe(
      "Expected source name (identifier), found reserved keyword 'select' (to use it as an identifier, quote it: `SELECT`)",
    );
    expect(one('CREATE STREAM `select` (`size` INT);')).toMatchObject({
      name: id('select'),
      elements: [{ name: id('size') }],
    });
  });

  it('keeps the case of unquoted topic names in PRINT and ASSERT', () => {
    expect(one('PRINT pageViews;')).toMatchObject({ topic: id('pageViews') });
    expect(one("PRINT 'pageViews';")).toMatchObject({ topic: str('pageViews') });
    expect(one('ASSERT TOPIC myTopic;')).toMatchObject({ topic: id('myTopic') });
  });
});

describe('expressions', () => {
  it.each([
    ['a OR b AND c', '(OR A (AND B C))'],
    ['a AND b OR c', '(OR (AND A B) C)'],
    ['NOT a AND b', '(AND (NOT A) B)'],
    ['NOT a = b', '(NOT (= A B))'],
    ['NOT NOT a', '(NOT (NOT A))'],
    ['a = b AND c <> d', '(AND (= A B) (<> C D))'],
    ['a != b', '(<> A B)'],
    ['a + b * c - d', '(- (+ A (* B C)) D)'],
    ['a - b - c', '(- (- A B) C)'],
    ['a / b % c * d', '(* (% (/ A B) C) D)'],
    ['(a + b) * c', '(* (+ A B) C)'],
    ['-a * b', '(* (-u A) B)'],
    ['- a + b', '(+ (-u A) B)'],
    ['+a', '(+u A)'],
    ['- -a', '(-u (-u A))'],
    ['-(1)', '(-u 1)'],
    ['-5', '-5'],
    ['- 5 * 2', '(* -5 2)'],
    ['2 - -5', '(- 2 -5)'],
    ['a || b || c', '(|| (|| A B) C)'],
    ['a || b + c', '(|| A (+ B C))'],
    ["a + 1 = b || 'x'", "(= (+ A 1) (|| B 'x'))"],
    ['a < b', '(< A B)'],
    ['a <= b', '(<= A B)'],
    ['a > b', '(> A B)'],
    ['a >= b', '(>= A B)'],
    ['a + 1 IS NULL', '(ISNULL (+ A 1))'],
    ['a IS NOT NULL', '(NOTNULL A)'],
    ['a IS DISTINCT FROM b + 1', '(IS DISTINCT FROM A (+ B 1))'],
    ['a IS NOT DISTINCT FROM b', '(IS NOT DISTINCT FROM A B)'],
    ['a BETWEEN 1 AND 2 AND b', '(AND (BETWEEN A 1 2) B)'],
    ['a NOT BETWEEN b - 1 AND b + 1', '(NOT-BETWEEN A (- B 1) (+ B 1))'],
    ["a IN (1, 'x', b OR c)", "(IN A 1 'x' (OR B C))"],
    ['a NOT IN (1)', '(NOT-IN A 1)'],
    ["a LIKE 'x%' ESCAPE '!'", "(LIKE A 'x%' '!')"],
    ["a NOT LIKE b || '%'", "(NOT-LIKE A (|| B '%'))"],
    ['NOT a IN (1) OR b', '(OR (NOT (IN A 1)) B)'],
    ['s->f->g', '(-> (-> S F) G)'],
    ['a.b->c[1]', '([] (-> A.B C) 1)'],
    ["m['k']['j']", "([] ([] M 'k') 'j')"],
    ['arr[ARRAY_LENGTH(arr) - 1]', '([] ARR (- (ARRAY_LENGTH ARR) 1))'],
    ['f(x)[1]->y', '(-> ([] (F X) 1) Y)'],
    ['-a[1]', '(-u ([] A 1))'],
    ['-5[1]', '([] -5 1)'],
    ['COUNT(*)', '(COUNT *)'],
    ['COUNT()', '(COUNT)'],
    ['f(a, b + 1, c = d)', '(F A (+ B 1) (= C D))'],
    ['TRANSFORM(arr, x => x * 2)', '(TRANSFORM ARR (LAMBDA (X) (* X 2)))'],
    ['REDUCE(m, 0, (s, k, v) => s + v)', '(REDUCE M 0 (LAMBDA (S K V) (+ S V)))'],
    ['F(x, (a) => a OR b, y => y)', '(F X (LAMBDA (A) (OR A B)) (LAMBDA (Y) Y))'],
    ['f((a), b)', '(F A B)'],
    ['TIMESTAMPADD(SECONDS, 5, ts)', '(TIMESTAMPADD SECONDS 5 TS)'],
    ['f(MILLISECOND, day)', '(F MILLISECONDS DAY)'],
    ['CAST(a + 1 AS BIGINT)', '(CAST (+ A 1) PrimitiveType)'],
  ])('%s', (sql, expected) => {
    expect(ex(sql)).toBe(expected);
  });

  it('rejects chained comparisons and boolean operands of comparisons, like ksqlDB', () => {
    expect(syntaxErrorOf(() => parseExpression('a = b = c')).description).toBe("Expected <EOF>, found '='");
    expect(syntaxErrorOf(() => parseExpression('a = NOT b')).description).toBe("Expected expression, found 'NOT'");
  });

  it('types integer literals by range and keeps exact text', () => {
    expect(strip(parseExpression('2147483647'))).toEqual({ kind: 'IntegerLiteral', text: '2147483647', value: 2147483647 });
    expect(strip(parseExpression('-2147483648'))).toEqual({ kind: 'IntegerLiteral', text: '-2147483648', value: -2147483648 });
    expect(strip(parseExpression('2147483648'))).toEqual({ kind: 'BigIntLiteral', text: '2147483648', value: 2147483648n });
    expect(strip(parseExpression('-9223372036854775808'))).toEqual({
      kind: 'BigIntLiteral',
      text: '-9223372036854775808',
      value: -9223372036854775808n,
    });
    expect(strip(parseExpression('9007199254740993'))).toEqual({
      kind: 'BigIntLiteral',
      text: '9007199254740993',
      value: 9007199254740993n,
    });
    expect(syntaxErrorOf(() => parseExpression('9223372036854775808')).description).toBe(
      'Invalid numeric literal: 9223372036854775808',
    );
  });

  it('types 1.5 as DECIMAL and 1.5E3 as DOUBLE', () => {
    expect(strip(parseExpression('1.50'))).toEqual({ kind: 'DecimalLiteral', text: '1.50', precision: 3, scale: 2 });
    expect(strip(parseExpression('-0.050'))).toEqual({ kind: 'DecimalLiteral', text: '-0.050', precision: 3, scale: 3 });
    expect(strip(parseExpression('.5'))).toEqual({ kind: 'DecimalLiteral', text: '.5', precision: 1, scale: 1 });
    expect(strip(parseExpression('10.'))).toEqual({ kind: 'DecimalLiteral', text: '10.', precision: 2, scale: 0 });
    expect(strip(parseExpression('12345678901234567890.123'))).toEqual({
      kind: 'DecimalLiteral',
      text: '12345678901234567890.123',
      precision: 23,
      scale: 3,
    });
    expect(strip(parseExpression('1.5E3'))).toEqual({ kind: 'DoubleLiteral', text: '1.5E3', value: 1500 });
    expect(strip(parseExpression('-1e-3'))).toEqual({ kind: 'DoubleLiteral', text: '-1e-3', value: -0.001 });
    expect(syntaxErrorOf(() => parseExpression('1e999')).description).toBe('Number overflows DOUBLE: 1e999');
  });

  it('parses other literals and constructors', () => {
    expect(strip(parseExpression("'it''s'"))).toEqual(str("it's"));
    expect(strip(parseExpression('TRUE'))).toEqual({ kind: 'BooleanLiteral', value: true });
    expect(strip(parseExpression('null'))).toEqual({ kind: 'NullLiteral' });
    expect(strip(parseExpression("ARRAY[1, 'a']"))).toEqual({ kind: 'ArrayConstructor', elements: [int('1'), str('a')] });
    expect(strip(parseExpression("MAP('k' := 1)"))).toEqual({
      kind: 'MapConstructor',
      entries: [{ kind: 'MapEntry', key: str('k'), value: int('1') }],
    });
    expect(strip(parseExpression('STRUCT(a := 1, `b` := x)'))).toEqual({
      kind: 'StructConstructor',
      fields: [
        { kind: 'StructField', name: id('A'), value: int('1') },
        { kind: 'StructField', name: id('b'), value: col('X') },
      ],
    });
    expect(strip(parseExpression('ARRAY[]'))).toEqual({ kind: 'ArrayConstructor', elements: [] });
  });

  it('parses searched and simple CASE', () => {
    expect(strip(parseExpression("CASE WHEN a THEN 1 WHEN b THEN 2 ELSE 3 END"))).toEqual({
      kind: 'SearchedCase',
      whens: [
        { kind: 'WhenClause', condition: col('A'), result: int('1') },
        { kind: 'WhenClause', condition: col('B'), result: int('2') },
      ],
      else: int('3'),
    });
    expect(strip(parseExpression("CASE x + 1 WHEN 1 THEN 'a' END"))).toEqual({
      kind: 'SimpleCase',
      operand: { kind: 'ArithmeticBinary', operator: '+', left: col('X'), right: int('1') },
      whens: [{ kind: 'WhenClause', condition: int('1'), result: str('a') }],
    });
  });

  it('bounds nesting depth', () => {
    const deep = '('.repeat(1000) + '1' + ')'.repeat(1000);
    expect(syntaxErrorOf(() => parseExpression(deep)).description).toBe('Nesting exceeds 256 levels. Parsing aborted.');
    expect(ex('('.repeat(100) + '1' + ')'.repeat(100))).toBe('1');
  });
});

describe('types', () => {
  it('normalises primitive names and parses nested types', () => {
    expect(strip(parseType('int'))).toEqual({ kind: 'PrimitiveType', name: 'INTEGER' });
    expect(strip(parseType('VARCHAR'))).toEqual({ kind: 'PrimitiveType', name: 'STRING' });
    for (const name of ['BOOLEAN', 'INTEGER', 'BIGINT', 'DOUBLE', 'STRING', 'BYTES', 'DATE', 'TIME', 'TIMESTAMP']) {
      expect(strip(parseType(name))).toEqual({ kind: 'PrimitiveType', name });
    }
    expect(strip(parseType('DECIMAL(10, 2)'))).toEqual({ kind: 'DecimalType', precision: 10, scale: 2 });
    expect(strip(parseType('ARRAY<MAP<STRING, STRUCT<a INT, `B` address>>>'))).toEqual({
      kind: 'ArrayType',
      elementType: {
        kind: 'MapType',
        keyType: { kind: 'PrimitiveType', name: 'STRING' },
        valueType: {
          kind: 'StructType',
          fields: [
            { kind: 'StructTypeField', name: id('A'), type: { kind: 'PrimitiveType', name: 'INTEGER' } },
            { kind: 'StructTypeField', name: id('B'), type: { kind: 'CustomType', name: id('ADDRESS') } },
          ],
        },
      },
    });
    expect(strip(parseType('STRUCT<>'))).toEqual({ kind: 'StructType', fields: [] });
  });

  it('reports bad types', () => {
    expect(syntaxErrorOf(() => parseType('ARRAY<INT')).description).toBe("Expected '>', found <EOF>");
    expect(syntaxErrorOf(() => parseType('DECIMAL(10)')).description).toBe("Expected ',', found ')'");
    expect(syntaxErrorOf(() => parseType('123')).description).toBe("Expected type, found '123'");
  });
});

describe('DDL and DML statements', () => {
  it('CREATE STREAM with elements, constraints and properties', () => {
    expect(
      one(
        "CREATE OR REPLACE SOURCE STREAM IF NOT EXISTS s (k STRING KEY, id INT PRIMARY KEY, h ARRAY<BYTES> HEADERS, t BYTES HEADER('t'), v DOUBLE) " +
          "WITH (kafka_topic='t', 'value.format'='JSON', partitions=-1, flag=TRUE, x=1.5);",
      ),
    ).toEqual({
      kind: 'CreateSource',
      sourceType: 'STREAM',
      orReplace: true,
      isSource: true,
      ifNotExists: true,
      name: id('S'),
      elements: [
        { kind: 'TableElement', name: id('K'), type: { kind: 'PrimitiveType', name: 'STRING' }, constraint: 'KEY' },
        { kind: 'TableElement', name: id('ID'), type: { kind: 'PrimitiveType', name: 'INTEGER' }, constraint: 'PRIMARY KEY' },
        {
          kind: 'TableElement',
          name: id('H'),
          type: { kind: 'ArrayType', elementType: { kind: 'PrimitiveType', name: 'BYTES' } },
          constraint: 'HEADERS',
        },
        {
          kind: 'TableElement',
          name: id('T'),
          type: { kind: 'PrimitiveType', name: 'BYTES' },
          constraint: 'HEADER',
          headerKey: 't',
        },
        { kind: 'TableElement', name: id('V'), type: { kind: 'PrimitiveType', name: 'DOUBLE' } },
      ],
      properties: [
        { kind: 'Property', name: 'KAFKA_TOPIC', value: str('t') },
        { kind: 'Property', name: 'value.format', value: str('JSON') },
        { kind: 'Property', name: 'PARTITIONS', value: int('-1') },
        { kind: 'Property', name: 'FLAG', value: { kind: 'BooleanLiteral', value: true } },
        { kind: 'Property', name: 'X', value: { kind: 'DecimalLiteral', text: '1.5', precision: 2, scale: 1 } },
      ],
    });
  });

  it('CREATE TABLE without elements', () => {
    expect(one("CREATE TABLE t WITH (kafka_topic='t', format='AVRO');")).toMatchObject({
      kind: 'CreateSource',
      sourceType: 'TABLE',
      isSource: false,
      elements: [],
      properties: [{ name: 'KAFKA_TOPIC' }, { name: 'FORMAT' }],
    });
  });

  it('CSAS and CTAS', () => {
    expect(one("CREATE STREAM s2 WITH (kafka_topic='s2') AS SELECT * FROM s EMIT CHANGES;")).toEqual({
      kind: 'CreateSourceAs',
      sourceType: 'STREAM',
      orReplace: false,
      ifNotExists: false,
      name: id('S2'),
      properties: [{ kind: 'Property', name: 'KAFKA_TOPIC', value: str('s2') }],
      query: { kind: 'Query', select: [{ kind: 'AllColumns' }], from: { kind: 'SourceRef', name: id('S') }, emit: 'CHANGES' },
    });
    expect(one('CREATE OR REPLACE TABLE t AS SELECT k, COUNT(*) FROM s GROUP BY k;')).toMatchObject({
      kind: 'CreateSourceAs',
      sourceType: 'TABLE',
      orReplace: true,
      query: { groupBy: [col('K')] },
    });
  });

  it('INSERT INTO ... VALUES and INSERT INTO ... SELECT', () => {
    expect(one("INSERT INTO s (a, `b`) VALUES (1, 'x' || 'y');")).toEqual({
      kind: 'InsertValues',
      target: id('S'),
      columns: [id('A'), id('b')],
      values: [int('1'), { kind: 'Concat', left: str('x'), right: str('y') }],
    });
    expect(one('INSERT INTO s VALUES ();')).toEqual({ kind: 'InsertValues', target: id('S'), values: [] });
    expect(one("INSERT INTO s WITH (query_id='q') SELECT * FROM t;")).toMatchObject({
      kind: 'InsertInto',
      target: id('S'),
      properties: [{ name: 'QUERY_ID', value: str('q') }],
      query: { from: { name: id('T') } },
    });
    expect(one('INSERT INTO s SELECT * FROM t;')).toMatchObject({ kind: 'InsertInto', properties: [] });
  });

  it('DROP, CREATE TYPE, DROP TYPE, ALTER', () => {
    expect(one('DROP STREAM IF EXISTS s DELETE TOPIC;')).toEqual({
      kind: 'DropSource',
      sourceType: 'STREAM',
      ifExists: true,
      name: id('S'),
      deleteTopic: true,
    });
    expect(one('DROP TABLE t;')).toEqual({ kind: 'DropSource', sourceType: 'TABLE', ifExists: false, name: id('T'), deleteTopic: false });
    expect(one('CREATE TYPE IF NOT EXISTS addr AS STRUCT<street STRING>;')).toMatchObject({
      kind: 'CreateType',
      ifNotExists: true,
      name: id('ADDR'),
      type: { kind: 'StructType' },
    });
    expect(one('DROP TYPE IF EXISTS addr;')).toEqual({ kind: 'DropType', ifExists: true, name: id('ADDR') });
    expect(one('ALTER STREAM s ADD COLUMN c INT, ADD d ARRAY<STRING>, ADD COLUMN ARRAY<INT>;')).toEqual({
      kind: 'AlterSource',
      sourceType: 'STREAM',
      name: id('S'),
      columns: [
        { kind: 'AlterColumn', name: id('C'), type: { kind: 'PrimitiveType', name: 'INTEGER' } },
        { kind: 'AlterColumn', name: id('D'), type: { kind: 'ArrayType', elementType: { kind: 'PrimitiveType', name: 'STRING' } } },
        { kind: 'AlterColumn', name: id('COLUMN'), type: { kind: 'ArrayType', elementType: { kind: 'PrimitiveType', name: 'INTEGER' } } },
      ],
    });
  });
});

describe('queries', () => {
  it('parses every clause', () => {
    expect(
      query(
        'SELECT a.*, s->*, x AS y FROM src a WINDOW TUMBLING (SIZE 1 hour, RETENTION 2 DAYS, GRACE PERIOD 3 minute) ' +
          'WHERE x > 1 GROUP BY x, y PARTITION BY x HAVING COUNT(*) > 2 EMIT FINAL LIMIT 5;',
      ),
    ).toEqual({
      kind: 'Query',
      select: [
        { kind: 'AllColumns', source: id('A') },
        { kind: 'StructAll', base: col('S') },
        { kind: 'SingleColumn', expression: col('X'), alias: id('Y') },
      ],
      from: { kind: 'SourceRef', name: id('SRC'), alias: id('A') },
      window: { kind: 'TumblingWindow', size: dur(1, 'HOURS'), retention: dur(2, 'DAYS'), grace: dur(3, 'MINUTES') },
      where: { kind: 'Comparison', operator: '>', left: col('X'), right: int('1') },
      groupBy: [col('X'), col('Y')],
      partitionBy: [col('X')],
      having: {
        kind: 'Comparison',
        operator: '>',
        left: { kind: 'FunctionCall', name: id('COUNT'), args: [], star: true },
        right: int('2'),
      },
      emit: 'FINAL',
      limit: 5,
    });
  });

  it('parses HOPPING and SESSION windows', () => {
    expect(query('SELECT * FROM s WINDOW HOPPING (SIZE 30 SECONDS, ADVANCE BY 10 SECONDS) GROUP BY k;').window).toEqual({
      kind: 'HoppingWindow',
      size: dur(30, 'SECONDS'),
      advance: dur(10, 'SECONDS'),
    });
    expect(query('SELECT * FROM s WINDOW SESSION (5 MILLISECOND, GRACE PERIOD 0 SECONDS) GROUP BY k;').window).toEqual({
      kind: 'SessionWindow',
      gap: dur(5, 'MILLISECONDS'),
      grace: dur(0, 'SECONDS'),
    });
  });

  it('parses chained joins with join windows', () => {
    expect(
      query(
        'SELECT * FROM a JOIN b WITHIN 1 HOUR ON a.id = b.id LEFT OUTER JOIN c AS cc WITHIN (1 SECOND, 2 SECONDS) GRACE PERIOD 3 SECONDS ON a.id = cc.id ' +
          'RIGHT JOIN d ON TRUE FULL OUTER JOIN e WITHIN (5 DAYS) ON TRUE INNER JOIN f ON TRUE;',
      ).from,
    ).toEqual({
      kind: 'Join',
      left: { kind: 'SourceRef', name: id('A') },
      joins: [
        {
          kind: 'JoinedSource',
          joinType: 'INNER',
          source: { kind: 'SourceRef', name: id('B') },
          within: { kind: 'WithinExpression', before: dur(1, 'HOURS') },
          on: { kind: 'Comparison', operator: '=', left: col('ID', 'A'), right: col('ID', 'B') },
        },
        {
          kind: 'JoinedSource',
          joinType: 'LEFT',
          source: { kind: 'SourceRef', name: id('C'), alias: id('CC') },
          within: { kind: 'WithinExpression', before: dur(1, 'SECONDS'), after: dur(2, 'SECONDS'), grace: dur(3, 'SECONDS') },
          on: { kind: 'Comparison', operator: '=', left: col('ID', 'A'), right: col('ID', 'CC') },
        },
        { kind: 'JoinedSource', joinType: 'RIGHT', source: { kind: 'SourceRef', name: id('D') }, on: { kind: 'BooleanLiteral', value: true } },
        {
          kind: 'JoinedSource',
          joinType: 'FULL',
          source: { kind: 'SourceRef', name: id('E') },
          within: { kind: 'WithinExpression', before: dur(5, 'DAYS') },
          on: { kind: 'BooleanLiteral', value: true },
        },
        { kind: 'JoinedSource', joinType: 'INNER', source: { kind: 'SourceRef', name: id('F') }, on: { kind: 'BooleanLiteral', value: true } },
      ],
    });
  });

  it('disambiguates parenthesised GROUP BY / PARTITION BY lists', () => {
    expect(query('SELECT * FROM s GROUP BY (a, b);').groupBy).toEqual([col('A'), col('B')]);
    expect(query('SELECT * FROM s GROUP BY ();').groupBy).toEqual([]);
    expect(query('SELECT * FROM s GROUP BY (a);').groupBy).toEqual([col('A')]);
    expect(query('SELECT * FROM s GROUP BY (a) + 1, b HAVING TRUE;').groupBy?.map(sexpr)).toEqual(['(+ A 1)', 'B']);
    expect(query('SELECT * FROM s GROUP BY (a = 1);').groupBy?.map(sexpr)).toEqual(['(= A 1)']);
    expect(query('SELECT * FROM s PARTITION BY (a, b) EMIT CHANGES;').partitionBy).toEqual([col('A'), col('B')]);
  });

  it('skips an optional window name', () => {
    expect(query('SELECT * FROM s WINDOW w TUMBLING (SIZE 1 SECOND) GROUP BY k;').window?.kind).toBe('TumblingWindow');
  });
});

describe('other statements', () => {
  it.each<[string, ast.Statement['kind'], Record<string, unknown>]>([
    ['SHOW STREAMS;', 'Show', { subject: 'STREAMS', extended: false, all: false }],
    ['list streams extended;', 'Show', { subject: 'STREAMS', extended: true, all: false }],
    ['SHOW TABLES EXTENDED;', 'Show', { subject: 'TABLES', extended: true, all: false }],
    ['SHOW QUERIES EXTENDED;', 'Show', { subject: 'QUERIES', extended: true, all: false }],
    ['SHOW ALL TOPICS EXTENDED;', 'Show', { subject: 'TOPICS', extended: true, all: true }],
    ['SHOW PROPERTIES;', 'Show', { subject: 'PROPERTIES', extended: false, all: false }],
    ['SHOW FUNCTIONS;', 'Show', { subject: 'FUNCTIONS', extended: false, all: false }],
    ['SHOW TYPES;', 'Show', { subject: 'TYPES', extended: false, all: false }],
    ['SHOW VARIABLES;', 'Show', { subject: 'VARIABLES', extended: false, all: false }],
    ['SHOW COLUMNS FROM s;', 'Describe', { name: id('S'), extended: false }],
    ['DESCRIBE s EXTENDED;', 'Describe', { name: id('S'), extended: true }],
    ['DESCRIBE STREAMS EXTENDED;', 'DescribeSources', { sourceType: 'STREAM', extended: true }],
    ['DESCRIBE TABLES;', 'DescribeSources', { sourceType: 'TABLE', extended: false }],
    ['DESCRIBE FUNCTION substring;', 'DescribeFunction', { name: id('SUBSTRING') }],
    ['DESCRIBE function;', 'Describe', { name: id('FUNCTION'), extended: false }],
    ['EXPLAIN CSAS_X_1;', 'Explain', { queryId: id('CSAS_X_1') }],
    ['TERMINATE CSAS_X_1;', 'Terminate', { all: false, queryId: id('CSAS_X_1') }],
    ['TERMINATE ALL;', 'Terminate', { all: true }],
    ['PAUSE q;', 'Pause', { all: false, queryId: id('Q') }],
    ['RESUME ALL;', 'Resume', { all: true }],
    ["SET 'auto.offset.reset' = 'earliest';", 'SetProperty', { name: 'auto.offset.reset', value: 'earliest' }],
    ["UNSET 'auto.offset.reset';", 'UnsetProperty', { name: 'auto.offset.reset' }],
    ["ALTER SYSTEM 'a.b' = 'c';", 'AlterSystemProperty', { name: 'a.b', value: 'c' }],
    ["DEFINE myVar = 'v''1';", 'DefineVariable', { name: 'myVar', value: "v'1" }],
    ['UNDEFINE myVar;', 'UndefineVariable', { name: 'myVar' }],
    ['PRINT t FROM BEGINNING INTERVAL 2 LIMIT 3;', 'PrintTopic', { topic: id('t'), fromBeginning: true, interval: 2, limit: 3 }],
    ["ASSERT NOT EXISTS TOPIC 't' WITH (partitions=3) TIMEOUT 5 SECONDS;", 'AssertTopic', {
      exists: false,
      topic: str('t'),
      properties: [{ kind: 'Property', name: 'PARTITIONS', value: int('3') }],
      timeout: dur(5, 'SECONDS'),
    }],
    ["ASSERT SCHEMA SUBJECT 's' ID 4;", 'AssertSchema', { exists: true, subject: str('s'), id: int('4') }],
  ])('%s', (sql, kind, fields) => {
    expect(one(sql)).toEqual({ kind, ...fields });
  });

  it('EXPLAIN a statement nests it, with its own text', () => {
    const [statement] = parse('EXPLAIN SELECT * FROM s EMIT CHANGES;');
    expect(statement).toMatchObject({
      kind: 'Explain',
      text: 'EXPLAIN SELECT * FROM s EMIT CHANGES;',
      statement: { kind: 'QueryStatement', text: 'SELECT * FROM s EMIT CHANGES' },
    });
  });
});

describe('syntax errors', () => {
  it('reports a missing ";" like ksqlDB, with a caret excerpt', () => {
    const error = syntaxErrorOf(() => parse('SHOW TOPICS'));
    expect(error.code).toBe('SQL_SYNTAX_ERROR');
    expect(error.message).toBe("line 1:12: Syntax Error\nExpected ';', found <EOF>");
    expect({ line: error.line, column: error.column, offset: error.offset }).toEqual({ line: 1, column: 12, offset: 11 });
    expect(String(error)).toBe(
      [
        'SqlSyntaxError: line 1:12: Syntax Error',
        "Expected ';', found <EOF>",
        '',
        'SQL:1:12',
        '1 | SHOW TOPICS',
        '  |            ^',
      ].join('\n'),
    );
  });

  it('points into later lines and statements', () => {
    const error = syntaxErrorOf(() =>
      parse(new Source('SHOW STREAMS;\nSELECT *\nFROM s\nWHERE a = ;\n-- end', 'request.sql')),
    );
    expect(error.message).toBe("line 4:11: Syntax Error\nExpected expression, found ';'");
    expect(String(error)).toBe(
      [
        'SqlSyntaxError: line 4:11: Syntax Error',
        "Expected expression, found ';'",
        '',
        'request.sql:4:11',
        '3 | FROM s',
        '4 | WHERE a = ;',
        '  |           ^',
        '5 | -- end',
      ].join('\n'),
    );
  });

  it('reports unknown statements and misplaced tokens', () => {
    expect(syntaxErrorOf(() => parse('SELEC * FROM s;')).message).toBe(
      "line 1:1: Syntax Error\nExpected statement, found 'SELEC'",
    );
    expect(syntaxErrorOf(() => parse('SELECT * FRM s;')).message).toBe(
      "line 1:10: Syntax Error\nExpected 'FROM', found 'FRM'",
    );
    expect(syntaxErrorOf(() => parse('SELECT * FROM s WINDOW TUMBLING (SIZE 1 WEEK);')).message).toBe(
      'line 1:41: Syntax Error\nExpected time unit (MILLISECONDS, SECONDS, MINUTES, HOURS or DAYS), found \'WEEK\'',
    );
    // `FROM s EMIT` would read EMIT as an alias (as in ksqlDB); after an alias it must start the clause.
    expect(syntaxErrorOf(() => parse('SELECT * FROM s x EMIT;')).description).toBe("Expected 'CHANGES' or 'FINAL', found ';'");
    expect(syntaxErrorOf(() => parse('SHOW FOO;')).description).toBe(
      "Expected 'STREAMS', 'TABLES', 'QUERIES', 'TOPICS', 'PROPERTIES', 'FUNCTIONS', 'TYPES', 'VARIABLES' or 'COLUMNS', found 'FOO'",
    );
    expect(syntaxErrorOf(() => parse('SHOW FUNCTIONS EXTENDED;')).description).toBe("Expected ';', found 'EXTENDED'");
    expect(syntaxErrorOf(() => parse(';')).description).toBe("Expected statement, found ';'");
    expect(syntaxErrorOf(() => parse('SELECT * FROM ${src};')).description).toBe(
      "Expected source name (identifier), found variable '${src}' (variables are substituted before parsing)",
    );
    // ksqlDB parses a non-integer LIMIT and rejects it while preparing (the planner does here).
    expect(parse('SELECT * FROM s LIMIT 1.5;')[0]).toMatchObject({ query: { limit: 1.5 } });
    expect(syntaxErrorOf(() => parse("SELECT * FROM s LIMIT 'a';")).description).toBe("Expected integer, found ''a''");
    expect(syntaxErrorOf(() => parse('DEFINE key = \'x\';')).description).toBe(
      "Expected variable name (a non-keyword identifier), found 'key'",
    );
  });

  it('enforces maxTokens', () => {
    expect(parse('SELECT a FROM s;', { maxTokens: 5 })).toHaveLength(1);
    const error = syntaxErrorOf(() => parse('SELECT a, b FROM s;', { maxTokens: 5 }));
    expect(error.message).toBe('line 1:18: Syntax Error\nSQL text contains more than 5 tokens. Parsing aborted.');
  });
});

describe('robustness', () => {
  it('throws only SqlSyntaxError on random token soup, and what parses round-trips', async () => {
    const { printStatements } = await import('./printer.js');
    const vocab = [
      'SELECT', '*', 'FROM', 's', 'a', '(', ')', ',', ';', 'WHERE', '=', 'AND', 'OR', 'NOT', '1', '-', '1.5', "'x'",
      'GROUP', 'BY', 'PARTITION', 'EMIT', 'CHANGES', '->', '[', ']', '.', 'KEY', 'CREATE', 'STREAM', 'AS', 'WITH',
      'INSERT', 'INTO', 'VALUES', '=>', 'CASE', 'WHEN', 'THEN', 'END', 'IS', 'NULL', 'IN', 'BETWEEN', 'JOIN', 'ON',
      'WINDOW', 'TUMBLING', 'SIZE', 'SECONDS', '||', '+', 'ARRAY', 'MAP', 'STRUCT', ':=', '<', '>', '<>', 'INT',
      'DECIMAL', 'CAST', 'EXPLAIN', 'SHOW', 'STREAMS', 'LIMIT', '`q`', '--c\n', '/*c*/', 'WITHIN', 'GRACE', 'PERIOD',
    ];
    let seed = 42;
    const random = () => (seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32;
    for (let i = 0; i < 5000; i++) {
      const words = Array.from({ length: 1 + Math.floor(random() * 12) }, () => vocab[Math.floor(random() * vocab.length)]);
      const sql = (random() < 0.5 ? 'SELECT ' : '') + words.join(' ') + ';';
      let statements: ast.Statement[];
      try {
        statements = parse(sql);
      } catch (error) {
        expect(error, sql).toBeInstanceOf(SqlSyntaxError);
        continue;
      }
      expect(strip(parse(printStatements(statements))), sql).toEqual(strip(statements));
    }
  });
});
