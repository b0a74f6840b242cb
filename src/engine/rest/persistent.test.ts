/**
 * Persistent queries over the REST API, in process: CTAS/CSAS, aggregation,
 * windows, pull queries over materialized tables, TERMINATE and DROP.
 */
import { describe, expect, it } from 'vitest';
import { inProcessRest } from './in-process.test-helper.js';

const { get, ksql, query, produce } = inProcessRest();

const INPUT = "CREATE STREAM INPUT (ID STRING KEY, V INT) WITH (kafka_topic='input', value_format='JSON', partitions=1);";

describe('CREATE TABLE AS SELECT with GROUP BY', () => {
  it('creates a query, writes the changelog and answers pull queries with KEY columns and no final message', async () => {
    const { status, body } = await ksql(`${INPUT}\nCREATE TABLE AGG AS SELECT ID, COUNT(*) AS C, SUM(V) AS S FROM INPUT GROUP BY ID;`);
    expect(status).toBe(200);
    expect(body[1]).toMatchObject({
      '@type': 'currentStatus',
      commandId: 'table/`AGG`/create',
      commandStatus: { status: 'SUCCESS', message: expect.stringMatching(/^Created query with ID CTAS_AGG_\d+$/) },
    });
    const queryId = body[1].commandStatus.queryId as string;
    await produce('input', [
      { key: 'a', value: { V: 1 }, timestamp: 10 },
      { key: 'b', value: { V: 2 }, timestamp: 11 },
      { key: 'a', value: { V: 3 }, timestamp: 12 },
    ]);

    const res = await get('/topics/AGG/records');
    const records = (await res.json()) as { key: unknown; value: unknown; timestamp: number }[];
    expect(records.map((r) => [r.key, r.value, r.timestamp])).toEqual([
      ['a', { C: 1, S: 1 }, 10],
      ['b', { C: 1, S: 2 }, 11],
      ['a', { C: 2, S: 4 }, 12],
    ]);

    const pull = await query("SELECT * FROM AGG WHERE ID='a';");
    expect(pull.status).toBe(200);
    expect(pull.text).toMatch(/^\[\{"header":\{"queryId":"query_\d+","schema":"`ID` STRING KEY, `C` BIGINT, `S` INTEGER"\}\},\n\{"row":\{"columns":\["a",2,4\]\}\}\]$/);
    const scan = await query('SELECT ID, C FROM AGG WHERE C >= 1;');
    expect(scan.text.split('\n').length).toBe(3);

    const shown = await ksql('SHOW QUERIES;');
    expect(shown.body[0].queries).toEqual([
      expect.objectContaining({ id: queryId, queryType: 'PERSISTENT', sinks: ['AGG'], sinkKafkaTopics: ['AGG'], state: 'RUNNING' }),
    ]);
    const explained = await ksql(`EXPLAIN ${queryId};`);
    expect(explained.body[0]).toMatchObject({ '@type': 'queryDescription', queryDescription: { id: queryId, sinks: ['AGG'], sources: ['INPUT'] } });

    const drop = await ksql('DROP TABLE AGG;');
    expect(drop.status).toBe(400);
    expect(drop.body.message).toBe(
      `Cannot drop AGG.\nThe following queries read from this source: [].\nThe following queries write into this source: [${queryId}].\nYou need to terminate them before dropping AGG.`,
    );
    const ok = await ksql(`TERMINATE ${queryId}; DROP TABLE AGG DELETE TOPIC;`);
    expect(ok.status).toBe(200);
  });

  it('windows the aggregate: WINDOWSTART/WINDOWEND are key columns of pull queries and bound by string timestamps', async () => {
    await ksql(`${INPUT}\nCREATE TABLE W AS SELECT ID, COUNT(*) AS C FROM INPUT WINDOW TUMBLING (SIZE 1 SECOND) GROUP BY ID;`);
    await produce('input', [
      { key: 'a', value: {}, timestamp: 1582501512456 },
      { key: 'a', value: {}, timestamp: 1582501513456 },
    ]);
    const pull = await query("SELECT * FROM W WHERE ID='a' AND WINDOWSTART >= '2020-02-23T23:45:13';");
    expect(pull.text).toBe(
      '[{"header":{"queryId":"' +
        /"queryId":"([^"]+)"/.exec(pull.text)![1] +
        '","schema":"`ID` STRING KEY, `WINDOWSTART` BIGINT KEY, `WINDOWEND` BIGINT KEY, `C` BIGINT"}},\n' +
        '{"row":{"columns":["a",1582501513000,1582501514000,1]}}]',
    );
    const records = (await (await get('/topics/W/records')).json()) as { key: unknown; window: unknown }[];
    expect(records[0]).toMatchObject({ key: 'a', window: { start: 1582501512000, end: 1582501513000 } });
  });

  it('rejects pull queries ksqlDB rejects, with its messages', async () => {
    await ksql(`${INPUT}\nCREATE TABLE AGG AS SELECT ID, COUNT(*) AS C FROM INPUT GROUP BY ID;`);
    const off = { 'ksql.query.pull.table.scan.enabled': false };
    expect(JSON.parse((await query('SELECT * FROM AGG WHERE C = 100;', off)).text).message.split('\nStatement:')[0]).toBe(
      'WHERE clause missing key column for disjunct: (C = 100)',
    );
    expect(JSON.parse((await query("SELECT * FROM AGG WHERE ID >= 'a' AND ID <= 'b';", off)).text).message.split('\nStatement:')[0]).toBe(
      'A comparison condition on the key column cannot be combined with other comparisons such as an IN predicate',
    );
    expect(JSON.parse((await query("SELECT * FROM AGG WHERE ID <= 'a' OR ID >= 'c';", off)).text).message.split('\nStatement:')[0]).toBe(
      'Query requires table scan to be enabled',
    );
    expect((await query('SELECT * FROM AGG WHERE C = 100;')).status).toBe(200);
    const notQueryable = await query('SELECT * FROM INPUT LIMIT -1;');
    expect(JSON.parse(notQueryable.text).message).toContain("Pull queries don't support negative integers in the LIMIT clause.");
    expect(JSON.parse((await query('SELECT * FROM INPUT LIMIT 2.5;')).text).message).toContain(
      'Failed to prepare statement: Value must be integer for command: LIMIT',
    );
  });

  it('types key lookups and BETWEEN bounds as ksqlDB does', async () => {
    await ksql(
      "CREATE STREAM N (ID INT KEY, V STRING) WITH (kafka_topic='n', value_format='JSON', partitions=1);\n" +
        'CREATE TABLE NAGG AS SELECT ID, LATEST_BY_OFFSET(V) AS V FROM N GROUP BY ID;',
    );
    // The message without the `Statement: <query>` line the REST layer adds.
    const message = async (sql: string, props?: Record<string, unknown>) =>
      (JSON.parse((await query(sql, props)).text).message as string).replace(/\nStatement: SELECT .*$/, '');
    // `=` fails type checking; IN values are coerced to the key type.
    expect(await message("SELECT * FROM NAGG WHERE ID='10';")).toBe(
      "Error in WHERE expression: Cannot compare ID (INTEGER) to '10' (STRING) with EQUAL.\nStatement: (ID = '10')",
    );
    expect(await message("SELECT * FROM NAGG WHERE ID IN ('10', 8);")).toBe(
      "'10' can not be converted to the type of the key column: ID INTEGER KEY",
    );
    // The pull-query rewriter turns BETWEEN into two comparisons.
    expect(await message("SELECT * FROM NAGG WHERE V BETWEEN 10 AND 'b';")).toBe(
      'Invalid expression: Cannot compare V (STRING) to 10 (INTEGER) with GREATER_THAN_OR_EQUAL.',
    );
    expect(await message("SELECT * FROM NAGG WHERE V BETWEEN 'a' AND 10;")).toBe(
      'Invalid expression: Cannot compare V (STRING) to 10 (INTEGER) with LESS_THAN_OR_EQUAL.',
    );
    const off = { 'ksql.query.pull.table.scan.enabled': false };
    expect(await message("SELECT * FROM NAGG WHERE '12' LIKE '12';", off)).toBe('Like condition must be between strings');
  });
});

describe('header columns', () => {
  it('are part of SELECT * in CTAS and answer table pull queries with the source schema', async () => {
    await ksql(
      "CREATE SOURCE TABLE H (K INT PRIMARY KEY, TEXT STRING, HEAD BYTES HEADER('abc')) WITH (kafka_topic='h', value_format='JSON', partitions=1);\n" +
        'CREATE TABLE HCOPY AS SELECT * FROM H;',
    );
    await produce('h', [{ key: 1, value: { TEXT: 'a1' }, timestamp: 1, headers: [{ key: 'abc', value: '!' }] }]);
    const pull = async (sql: string) => (JSON.parse((await query(sql)).text) as { header?: { schema: string }; row?: { columns: unknown[] } }[]);
    // ksqlDB lists header columns after the keys in the header, but leaves the row in select order.
    expect(await pull('SELECT * FROM H;')).toMatchObject([
      { header: { schema: "`K` INTEGER KEY, `HEAD` BYTES HEADER('abc'), `TEXT` STRING" } },
      { row: { columns: [1, 'a1', 'IQ=='] } },
    ]);
    expect(await pull('SELECT * FROM HCOPY;')).toMatchObject([
      { header: { schema: '`K` INTEGER KEY, `TEXT` STRING, `HEAD` BYTES' } },
      { row: { columns: [1, 'a1', 'IQ=='] } },
    ]);
  });
});

describe('SESSION windows', () => {
  it('merges sessions per key and answers pull queries with window bounds', async () => {
    await ksql(`${INPUT}\nCREATE TABLE S AS SELECT ID, COUNT(*) AS C FROM INPUT WINDOW SESSION (5 SECONDS) GROUP BY ID;`);
    await produce('input', [
      { key: 'b', value: { V: 1 }, timestamp: 12345 },
      { key: 'a', value: { V: 1 }, timestamp: 8001 },
      { key: 'a', value: { V: 1 }, timestamp: 10456 },
      { key: 'a', value: { V: 1 }, timestamp: 19444 },
    ]);
    const rows = async (where: string) =>
      (JSON.parse((await query(`SELECT ID, WINDOWSTART, WINDOWEND, ROWTIME, C FROM S WHERE ${where};`)).text) as { row?: { columns: unknown[] } }[])
        .flatMap((e) => (e.row === undefined ? [] : [e.row.columns]));
    expect(await rows("ID='a'")).toEqual([
      ['a', 8001, 10456, 10456, 2],
      ['a', 19444, 19444, 19444, 1],
    ]);
    expect(await rows("ID='a' AND 8001 < WINDOWSTART AND WINDOWEND <= 19444")).toEqual([['a', 19444, 19444, 19444, 1]]);
    // The changelog deletes the session that was merged away.
    const records = (await (await get('/topics/S/records')).json()) as { key: string; value: unknown; window: unknown }[];
    expect(records.filter((r) => r.key === 'a').map((r) => [r.window, r.value])).toEqual([
      [{ start: 8001, end: 8001 }, { C: 1 }],
      [{ start: 8001, end: 8001 }, null],
      [{ start: 8001, end: 10456 }, { C: 2 }],
      [{ start: 19444, end: 19444 }, { C: 1 }],
    ]);
  });
});

describe('CREATE STREAM AS SELECT', () => {
  it('projects, filters and re-keys with PARTITION BY', async () => {
    await ksql(`${INPUT}\nCREATE STREAM OUT WITH (kafka_topic='out') AS SELECT V AS NEWKEY, ID, V * 2 AS V2 FROM INPUT WHERE V > 1 PARTITION BY V;`);
    await produce('input', [
      { key: 'a', value: { V: 1 }, timestamp: 1 },
      { key: 'b', value: { V: 2 }, timestamp: 2 },
    ]);
    const records = (await (await get('/topics/out/records')).json()) as { key: unknown; value: unknown }[];
    expect(records.map((r) => [r.key, r.value])).toEqual([[2, { ID: 'b', V2: 4 }]]);
    const described = await ksql('DESCRIBE OUT;');
    expect(described.body[0].sourceDescription.fields.map((f: { name: string; type?: string }) => [f.name, f.type ?? 'VALUE'])).toEqual([
      ['NEWKEY', 'KEY'],
      ['ID', 'VALUE'],
      ['V2', 'VALUE'],
    ]);
  });

  it('refuses a LIMIT', async () => {
    const { status, body } = await ksql(`${INPUT}\nCREATE STREAM OUT AS SELECT * FROM INPUT LIMIT 5;`);
    expect(status).toBe(400);
    expect(body.message).toBe("CREATE STREAM AS SELECT statements don't support LIMIT clause.");
  });
});
