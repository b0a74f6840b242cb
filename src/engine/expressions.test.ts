/**
 * Expression analysis and evaluation end to end: SELECT ... FROM a stream
 * (pull over a stream), checking types in the header and values in rows.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine, encodeRowJson, type Engine } from './index.js';

let engine: Engine;

beforeAll(async () => {
  engine = createEngine();
  await engine.execute({
    ksql:
      'CREATE TYPE ADDR AS STRUCT<STREET STRING, NUM INT>;' +
      "CREATE STREAM E (K STRING KEY, I INT, L BIGINT, D DOUBLE, DEC DECIMAL(5, 2), S STRING, N INT, A ARRAY<INT>, M MAP<STRING, INT>, ADDRESS ADDR, TS TIMESTAMP) WITH (kafka_topic='e', value_format='JSON', partitions=1);" +
      "INSERT INTO E (K, I, L, D, DEC, S, N, A, M, ADDRESS, TS) VALUES ('k', 7, 10000000000, 2.5, 12.34, 'Hello World', NULL, ARRAY[1, 2, 3], MAP('x' := 1), STRUCT(STREET := 'Main', NUM := 5), '2020-01-01T00:00:00');",
  });
});
afterAll(async () => {
  await engine.close();
});

async function select(items: string, where = ''): Promise<{ schema: string[]; row: string | undefined }> {
  const q = await engine.query({ ksql: `SELECT ${items} FROM E${where ? ` WHERE ${where}` : ''};` });
  const types = q.schema.map((c) => c.type);
  let row: string | undefined;
  for await (const ev of q) if (ev.kind === 'row') row = encodeRowJson(ev.values, types);
  return { schema: q.schema.map((c) => `${c.name} ${c.type.type === 'DECIMAL' ? `DECIMAL(${c.type.precision},${c.type.scale})` : c.type.type}`), row };
}

async function value(expr: string): Promise<string | undefined> {
  return (await select(`${expr} AS X`)).row;
}

describe('arithmetic', () => {
  it('types and evaluates like ksqlDB', async () => {
    expect(await select('I + 1 AS A, I / 2 AS B, I % 4 AS C, L * 2 AS E, D * 2 AS F, -I AS G')).toEqual({
      schema: ['A INTEGER', 'B INTEGER', 'C INTEGER', 'E BIGINT', 'F DOUBLE', 'G INTEGER'],
      row: '[8,3,3,20000000000,5.0,-7]',
    });
    expect(await select('DEC + 1 AS A, DEC * 2 AS B, DEC + 0.5 AS C')).toEqual({
      schema: ['A DECIMAL(13,2)', 'B DECIMAL(16,2)', 'C DECIMAL(6,2)'],
      row: '[13.34,24.68,12.84]',
    });
    expect(await value('DEC / 2')).toBe('[6.1700000000000]');
    expect(await value('I + N')).toBe('[null]');
    expect(await value('I / 0')).toBe('[null]');
    expect(await value('2147483647 + I')).toBe('[-2147483642]');
  });

  it('rejects arithmetic on non-numbers', async () => {
    await expect(engine.query({ ksql: "SELECT S + 1 FROM E;" })).rejects.toMatchObject({
      message: 'Error processing expression: (S + 1). Arithmetic on types STRING and INTEGER are not supported.',
    });
  });
});

describe('predicates', () => {
  it('filters with comparison, logic, IS NULL, BETWEEN, IN, LIKE', async () => {
    expect((await select('K', "I > 5 AND S LIKE 'Hello%' AND N IS NULL AND I BETWEEN 1 AND 10 AND I IN (1, 7)")).row).toBe('["k"]');
    expect((await select('K', 'I < 5 OR N = 1')).row).toBeUndefined();
    expect((await select('K', "NOT (S LIKE '%x%')")).row).toBe('["k"]');
    expect((await select('K', 'L > I')).row).toBe('["k"]');
    expect((await select('K', "TS > '2019-12-31'")).row).toBe('["k"]');
    expect(await value('N = 1 OR I = 7')).toBe('[true]');
    expect(await value('N = 1 AND I = 7')).toBe('[null]');
    expect(await value("S LIKE 'H_llo W%'")).toBe('[true]');
    // ksqlDB's LIKE regex has no DOTALL: `%` and `_` do not match line breaks.
    expect(await value("'a\nb' LIKE 'a%'")).toBe('[false]');
    expect(await value("'a\rb' LIKE 'a_b'")).toBe('[false]');
    expect(await value("'a\tb' LIKE 'a_b'")).toBe('[true]');
  });

  it('reports type errors in WHERE', async () => {
    await expect(engine.query({ ksql: 'SELECT K FROM E WHERE I;' })).rejects.toMatchObject({
      message: 'Type error in WHERE expression: Should evaluate to boolean but is I (INTEGER) instead.',
    });
    await expect(engine.query({ ksql: 'SELECT K FROM E WHERE I LIKE 1;' })).rejects.toMatchObject({
      message: expect.stringContaining('Like condition must be between strings'),
    });
  });
});

describe('CASE, CAST, structures and functions', () => {
  it('evaluates CASE', async () => {
    expect(await value("CASE WHEN I > 5 THEN 'big' ELSE 'small' END")).toBe('["big"]');
    expect(await value("CASE I WHEN 1 THEN 'one' WHEN 7 THEN 'seven' END")).toBe('["seven"]');
    expect(await value("CASE WHEN I > 100 THEN 'big' END")).toBe('[null]');
  });

  it('evaluates CAST', async () => {
    expect(await select("CAST(I AS STRING) AS A, CAST('42' AS BIGINT) AS B, CAST(D AS DECIMAL(4, 1)) AS C, CAST(S AS INT) AS E")).toEqual({
      schema: ['A STRING', 'B BIGINT', 'C DECIMAL(4,1)', 'E INTEGER'],
      row: '["7",42,2.5,null]',
    });
    // STRING → BYTES decodes base64; text that is not base64 gives NULL.
    expect(await select("CAST('IQ==' AS BYTES) AS A, CAST(S AS BYTES) AS B")).toEqual({ schema: ['A BYTES', 'B BYTES'], row: '["IQ==",null]' });
  });

  it('dereferences structs and subscripts arrays and maps', async () => {
    expect(await select("ADDRESS->STREET, A[1] AS FIRST, A[-1] AS LAST, A[10] AS NONE, M['x'] AS MX")).toEqual({
      schema: ['STREET STRING', 'FIRST INTEGER', 'LAST INTEGER', 'NONE INTEGER', 'MX INTEGER'],
      row: '["Main",1,3,null,1]',
    });
    expect((await select('ADDRESS->*')).row).toBe('["Main",5]');
    expect(await value("ARRAY[I, 2]")).toBe('[[7,2]]');
    // Decimal elements widen to one DECIMAL that holds them all (DecimalUtil.widen).
    expect(await select('ARRAY[1.1, 2, 10.25] AS A, ARRAY[1.5, 2.5E0] AS B')).toMatchObject({ row: '[[1.10,2.00,10.25],[1.5,2.5]]' });
    expect(await value("STRUCT(A := I, B := 'x')")).toBe('[{"A":7,"B":"x"}]');
  });

  it('calls scalar functions', async () => {
    expect(await select("UCASE(S), LCASE(S), LEN(S), SUBSTRING(S, 7), REPLACE(S, 'World', 'You'), CONCAT(K, '-', S), K || '!'")).toEqual({
      schema: ['KSQL_COL_0 STRING', 'KSQL_COL_1 STRING', 'KSQL_COL_2 INTEGER', 'KSQL_COL_3 STRING', 'KSQL_COL_4 STRING', 'KSQL_COL_5 STRING', 'KSQL_COL_6 STRING'],
      row: '["HELLO WORLD","hello world",11,"World","Hello You","k-Hello World","k!"]',
    });
    expect(await select('COALESCE(N, I) AS A, IFNULL(N, 0) AS B, ABS(-I) AS C, ROUND(D) AS R, FLOOR(D) AS F, CEIL(DEC) AS CE')).toEqual({
      schema: ['A INTEGER', 'B INTEGER', 'C INTEGER', 'R BIGINT', 'F DOUBLE', 'CE DECIMAL(4,0)'],
      row: '[7,0,7,3,2.0,13]',
    });
  });

  it('reports unknown functions and bad arguments', async () => {
    await expect(engine.query({ ksql: 'SELECT NOPE(I) FROM E;' })).rejects.toMatchObject({
      message: "Can't find any functions with the name 'NOPE'",
    });
    await expect(engine.query({ ksql: 'SELECT UCASE(I) FROM E;' })).rejects.toMatchObject({
      message: expect.stringMatching(/^Function 'UCASE' does not accept parameters \(INTEGER\)\./),
    });
  });
});

describe('lambda functions', () => {
  it('TRANSFORM, FILTER and REDUCE arrays and maps, typing the lambda parameters', async () => {
    expect(await select('TRANSFORM(A, x => x * 2) AS T, FILTER(A, x => x > 1) AS F, REDUCE(A, 0, (s, x) => s + x) AS R')).toEqual({
      schema: ['T ARRAY', 'F ARRAY', 'R INTEGER'],
      row: '[[2,4,6],[2,3],6]',
    });
    expect(await value("TRANSFORM(M, (k, v) => UCASE(k), (k, v) => v + I)")).toBe('[{"X":8}]');
    expect(await value("FILTER(M, (k, v) => v > 1)")).toBe('[{}]');
    expect(await value("REDUCE(M, 'm', (s, k, v) => CONCAT(s, k))")).toBe('["mx"]');
    // Nested lambdas see the outer parameters; an inner parameter shadows an outer one.
    expect(await value('TRANSFORM(A, x => REDUCE(A, x, (s, y) => s + y))')).toBe('[[7,8,9]]');
    expect(await value('TRANSFORM(A, x => TRANSFORM(ARRAY[x], x => x + 100))')).toBe('[[[101],[102],[103]]]');
  });

  it('passes NULL collections through (REDUCE: the initial state) and rejects ill-typed lambdas', async () => {
    expect(await value('TRANSFORM(CAST(NULL AS ARRAY<INT>), x => x)')).toBe('[null]');
    expect(await value('REDUCE(CAST(NULL AS ARRAY<INT>), 5, (s, x) => s + x)')).toBe('[5]');
    expect(await value('REDUCE(A, CAST(NULL AS INT), (s, x) => s + x)')).toBe('[null]');
    await expect(select('FILTER(A, x => x + 1) AS X')).rejects.toThrow("Function 'FILTER' does not accept parameters (ARRAY<INTEGER>, INTEGER)");
    await expect(select('TRANSFORM(I, x => x) AS X')).rejects.toThrow("Function 'TRANSFORM' does not accept parameters (INTEGER, LAMBDA)");
  });
});
