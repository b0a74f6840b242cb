/**
 * Joins over the REST API, in process: table-table joins materialized by
 * CTAS and read by pull queries, stream-table and stream-stream push joins,
 * and the planner's join errors.
 */
import { describe, expect, it } from 'vitest';
import { inProcessRest, type JsonBody } from './in-process.test-helper.js';

const rest = inProcessRest();
const { ksql, produce, topicRecords } = rest;

async function query(sql: string): Promise<{ status: number; lines: JsonBody[] }> {
  const { status, text } = await rest.query(sql);
  return { status, lines: status === 200 ? (JSON.parse(text) as JsonBody[]) : [JSON.parse(text)] };
}

const TABLES =
  "CREATE TABLE L (ID BIGINT PRIMARY KEY, NAME STRING, V BIGINT) WITH (kafka_topic='l', value_format='JSON', partitions=1);\n" +
  "CREATE TABLE R (ID BIGINT PRIMARY KEY, F1 STRING) WITH (kafka_topic='r', value_format='JSON', partitions=1);";

describe('table-table joins', () => {
  it('materializes a left join: `<alias>_<col>` for shared names, nulls for a missing side, tombstones on delete', async () => {
    const created = await ksql(`${TABLES}\nCREATE TABLE J AS SELECT l.id, name, r.f1 FROM L l LEFT JOIN R r ON l.id = r.id;`);
    expect(created.status).toBe(200);
    await produce('l', [
      { key: 1, value: { NAME: 'one', V: 1 }, timestamp: 10 },
      { key: 2, value: { NAME: 'two', V: 2 }, timestamp: 11 },
    ]);
    await produce('r', [{ key: 1, value: { F1: 'x' }, timestamp: 20 }]);
    await produce('l', [{ key: 2, value: null, timestamp: 30 }]);
    expect((await topicRecords('J', 4)).map((r) => [r.key, r.value, r.timestamp])).toEqual([
      [1, { NAME: 'one', F1: null }, 10],
      [2, { NAME: 'two', F1: null }, 11],
      [1, { NAME: 'one', F1: 'x' }, 20],
      [2, null, 30],
    ]);
    const pull = await query('SELECT * FROM J;');
    expect(pull.lines[0].header.schema).toBe('`L_ID` BIGINT KEY, `NAME` STRING, `F1` STRING');
    expect(pull.lines.slice(1).map((l) => l.row.columns)).toEqual([[1, 'one', 'x']]);
    const lookup = await query('SELECT NAME FROM J WHERE L_ID = 1;');
    expect(lookup.lines.slice(1).map((l) => l.row.columns)).toEqual([['one']]);
  });

  it('gives a FULL OUTER join the synthetic key ROWKEY', async () => {
    await ksql(`${TABLES}\nCREATE TABLE J AS SELECT ROWKEY AS ID, NAME, F1 FROM L FULL OUTER JOIN R ON L.ID = R.ID;`);
    await produce('r', [{ key: 5, value: { F1: 'r5' }, timestamp: 1 }]);
    await produce('l', [{ key: 6, value: { NAME: 'l6', V: 6 }, timestamp: 2 }]);
    await topicRecords('J', 2);
    const pull = await query('SELECT * FROM J;');
    expect(pull.lines[0].header.schema).toBe('`ID` BIGINT KEY, `NAME` STRING, `F1` STRING');
    expect(pull.lines.slice(1).map((l) => l.row.columns)).toEqual(expect.arrayContaining([[5, null, 'r5'], [6, 'l6', null]]));
  });

  it('joins on a foreign key, keyed by the left table', async () => {
    await ksql(
      "CREATE TABLE O (ID INT PRIMARY KEY, CUSTOMER BIGINT, AMOUNT INT) WITH (kafka_topic='o', value_format='JSON', partitions=1);\n" +
        "CREATE TABLE C (ID BIGINT PRIMARY KEY, NAME STRING) WITH (kafka_topic='c', value_format='JSON', partitions=1);\n" +
        'CREATE TABLE J AS SELECT O.ID, AMOUNT, NAME FROM O JOIN C ON O.CUSTOMER = C.ID;',
    );
    await produce('c', [{ key: 100, value: { NAME: 'ann' }, timestamp: 1 }]);
    await produce('o', [
      { key: 1, value: { CUSTOMER: 100, AMOUNT: 5 }, timestamp: 2 },
      { key: 2, value: { CUSTOMER: 100, AMOUNT: 6 }, timestamp: 3 },
      { key: 3, value: { CUSTOMER: 200, AMOUNT: 7 }, timestamp: 4 },
    ]);
    await produce('c', [{ key: 100, value: { NAME: 'anne' }, timestamp: 5 }]);
    await topicRecords('J', 4);
    const pull = await query('SELECT * FROM J;');
    expect(pull.lines[0].header.schema).toBe('`O_ID` INTEGER KEY, `AMOUNT` INTEGER, `NAME` STRING');
    expect(pull.lines.slice(1).map((l) => l.row.columns)).toEqual(expect.arrayContaining([[1, 5, 'anne'], [2, 6, 'anne']]));
    expect(pull.lines).toHaveLength(3);
  });

  it("rejects what ksqlDB rejects", async () => {
    await ksql(TABLES);
    const missingKey = await ksql('CREATE TABLE J AS SELECT NAME, F1 FROM L JOIN R ON L.ID = R.ID;');
    expect(missingKey.body.message).toBe(
      'Key missing from projection (ie, SELECT). \nThe query used to build `J` must include the join expressions L.ID or R.ID in its projection (eg, SELECT L.ID...).',
    );
    const ambiguous = await ksql('CREATE TABLE J AS SELECT L.ID, ID FROM L JOIN R ON L.ID = R.ID;');
    expect(ambiguous.body.message).toContain("Column 'ID' is ambiguous.");
    const pull = await query('SELECT * FROM L JOIN R ON L.ID = R.ID;');
    expect(pull.lines[0].message).toContain("Pull queries don't support JOIN clauses.");
  });
});

describe('push joins', () => {
  it('joins a stream with a table on the table key, keeping the stream row time', async () => {
    await ksql(
      "CREATE STREAM S (K STRING KEY, N INT) WITH (kafka_topic='s', value_format='JSON', partitions=1);\n" +
        "CREATE TABLE T (K STRING PRIMARY KEY, NAME STRING) WITH (kafka_topic='t', value_format='JSON', partitions=1);",
    );
    await produce('t', [{ key: 'a', value: { NAME: 'alpha' }, timestamp: 5 }]);
    await produce('s', [
      { key: 'a', value: { N: 1 }, timestamp: 100 },
      { key: 'b', value: { N: 2 }, timestamp: 101 },
    ]);
    const inner = await query('SELECT S.K, N, NAME, ROWTIME FROM S JOIN T ON S.K = T.K EMIT CHANGES LIMIT 1;');
    expect(inner.lines[0].header.schema).toBe('`S_K` STRING, `N` INTEGER, `NAME` STRING, `ROWTIME` BIGINT');
    expect(inner.lines[1].row.columns).toEqual(['a', 1, 'alpha', 100]);
    const left = await query('SELECT * FROM S LEFT JOIN T ON S.K = T.K EMIT CHANGES LIMIT 2;');
    expect(left.lines[0].header.schema).toBe('`S_K` STRING, `S_N` INTEGER, `T_K` STRING, `T_NAME` STRING');
    expect(left.lines.slice(1, 3).map((l) => l.row.columns)).toEqual([
      ['a', 1, 'a', 'alpha'],
      ['b', 2, null, null],
    ]);
    const order = await query('SELECT * FROM T JOIN S ON S.K = T.K EMIT CHANGES;');
    expect(order.lines[0].message).toContain('Invalid join order: table-stream joins are not supported');
  });

  it('joins two streams within a window', async () => {
    await ksql(
      "CREATE STREAM A (K STRING KEY, X INT) WITH (kafka_topic='a', value_format='JSON', partitions=1);\n" +
        "CREATE STREAM B (K STRING KEY, Y INT) WITH (kafka_topic='b', value_format='JSON', partitions=1);",
    );
    await produce('a', [{ key: 'k', value: { X: 1 }, timestamp: 1000 }]);
    await produce('b', [
      { key: 'k', value: { Y: 2 }, timestamp: 70_000 },
      { key: 'k', value: { Y: 3 }, timestamp: 1500 },
    ]);
    const res = await query('SELECT A.K, X, Y, A.ROWTIME, B.ROWTIME FROM A JOIN B WITHIN 1 MINUTE ON A.K = B.K EMIT CHANGES LIMIT 1;');
    expect(res.lines[0].header.schema).toBe('`A_K` STRING, `X` INTEGER, `Y` INTEGER, `A_ROWTIME` BIGINT, `B_ROWTIME` BIGINT');
    expect(res.lines[1].row.columns).toEqual(['k', 1, 3, 1000, 1500]);
    const noWithin = await query('SELECT * FROM A JOIN B ON A.K = B.K EMIT CHANGES;');
    expect(noWithin.lines[0].message).toContain('Stream-Stream joins must have a WITHIN clause specified.');
  });
});
