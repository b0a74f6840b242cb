import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../shared/logger.js';
import { createEngine, type Engine } from './engine.js';

const dirs: string[] = [];
const engines: Engine[] = [];
afterEach(async () => {
  for (const e of engines.splice(0)) await e.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'ksql-engine-'));
  dirs.push(d);
  return d;
}

function open(dataDir: string): Engine {
  const e = createEngine({ dataDir });
  engines.push(e);
  return e;
}

async function restart(e: Engine, dataDir: string): Promise<Engine> {
  await e.close();
  engines.splice(engines.indexOf(e), 1);
  return open(dataDir);
}

/** Every stateful operator kind, over inputs whose values exercise the state encoding (DECIMAL, MAP, ARRAY, BIGINT). */
const STATEFUL = `
  CREATE STREAM S (K STRING KEY, N INT, D DECIMAL(10, 2), M MAP<STRING, INT>, B BIGINT, TS BIGINT)
    WITH (kafka_topic='s', value_format='JSON', partitions=2, timestamp='TS');
  CREATE STREAM T (K STRING KEY, X INT, TS BIGINT) WITH (kafka_topic='t', value_format='JSON', partitions=2, timestamp='TS');
  CREATE TABLE U (ID STRING PRIMARY KEY, NAME STRING, REF STRING) WITH (kafka_topic='u', value_format='JSON', partitions=2);
  CREATE TABLE R (RID STRING PRIMARY KEY, LABEL STRING) WITH (kafka_topic='r', value_format='JSON', partitions=1);
  CREATE TABLE AGG AS SELECT K, COUNT(*) AS C, SUM(D) AS SD, COLLECT_LIST(N) AS L, MAX(B) AS MB, LATEST_BY_OFFSET(M['a']) AS MA FROM S GROUP BY K;
  CREATE TABLE WIN AS SELECT K, COUNT(*) AS C, SUM(N) AS SN FROM S WINDOW TUMBLING (SIZE 10 SECONDS) GROUP BY K;
  CREATE TABLE SESS AS SELECT K, SUM(N) AS SN, COUNT(*) AS C FROM S WINDOW SESSION (5 SECONDS) GROUP BY K;
  CREATE TABLE AS_ONLY AS SELECT * FROM U WHERE NAME LIKE 'a%';
  CREATE TABLE BY_NAME AS SELECT NAME, COUNT(*) AS C FROM U GROUP BY NAME;
  CREATE STREAM ENRICHED AS SELECT S.K, S.N, U.NAME FROM S LEFT JOIN U ON S.K = U.ID;
  CREATE TABLE FK AS SELECT U.ID, U.NAME, R.LABEL FROM U JOIN R ON U.REF = R.RID;
  CREATE TABLE PK AS SELECT ROWKEY AS ID, U.NAME, R.LABEL FROM U FULL OUTER JOIN R ON U.ID = R.RID;
  CREATE STREAM SS AS SELECT S.K, S.N, S.M, S.D, T.X FROM S LEFT JOIN T WITHIN 5 SECONDS GRACE PERIOD 1 SECOND ON S.K = T.K;
`;
const SINKS = ['AGG', 'WIN', 'SESS', 'AS_ONLY', 'BY_NAME', 'ENRICHED', 'FK', 'PK', 'SS'];

/** Deterministic input batches for {@link STATEFUL}. */
function statefulInputs(): { topic: string; records: { key: string | null; value: string | null; timestamp: number }[] }[] {
  let seed = 7;
  const rnd = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed % n;
  };
  const batches: { topic: string; records: { key: string | null; value: string | null; timestamp: number }[] }[] = [];
  let ts = 1_000_000;
  for (let b = 0; b < 60; b++) {
    const topic = ['s', 's', 't', 'u', 'r'][b % 5] as string;
    const records = Array.from({ length: 1 + rnd(4) }, () => {
      ts += rnd(3000);
      return { ...record(topic), timestamp: ts };
    });
    batches.push({ topic, records });
  }
  return batches;

  function record(topic: string): { key: string | null; value: string | null } {
    const k = `k${rnd(6)}`;
    switch (topic) {
      case 's':
        return { key: JSON.stringify(k), value: JSON.stringify({ N: rnd(100), D: rnd(100000) / 100, M: { a: rnd(9), b: 1 }, B: 2 ** 40 + rnd(9), TS: ts }) };
      case 't':
        return { key: JSON.stringify(k), value: JSON.stringify({ X: rnd(50), TS: ts }) };
      case 'u':
        return { key: JSON.stringify(k), value: rnd(6) === 0 ? null : JSON.stringify({ NAME: ['ann', 'bob', 'al'][rnd(3)], REF: `r${rnd(3)}` }) };
      default:
        return { key: JSON.stringify(`r${rnd(3)}`), value: rnd(5) === 0 ? null : JSON.stringify({ LABEL: `L${rnd(10)}` }) };
    }
  }
}

async function sinkRecords(e: Engine): Promise<Record<string, unknown[]>> {
  await new Promise((r) => setTimeout(r, 20));
  return Object.fromEntries(SINKS.map((t) => [t, e.records(t).map((r) => [r.partition, r.key, r.value, r.timestamp])]));
}

describe('durable engine', () => {
  it('is in memory unless given a data directory', async () => {
    const e = createEngine();
    engines.push(e);
    await e.execute({ ksql: "CREATE STREAM S (V INT) WITH (kafka_topic='s', value_format='JSON', partitions=1);" });
    expect(e.records('s')).toEqual([]);
  });

  it('keeps sources, types, records and the command log across a restart', async () => {
    const dir = tmp();
    let e = open(dir);
    await e.execute({
      ksql: `CREATE TYPE ADDR AS STRUCT<CITY STRING>;
        CREATE STREAM S (K STRING KEY, V INT, A ADDR) WITH (kafka_topic='s', value_format='JSON', partitions=2);
        CREATE STREAM GONE (V INT) WITH (kafka_topic='gone', value_format='JSON', partitions=1);
        INSERT INTO S (K, V) VALUES ('a', 1);`,
    });
    await e.execute({ ksql: 'DROP STREAM GONE DELETE TOPIC;' });
    // A topic of the same name created after the drop survives the replay of the DROP ... DELETE TOPIC.
    await e.execute({ ksql: "CREATE STREAM GONE2 (V INT) WITH (kafka_topic='gone', value_format='JSON', partitions=3);" });
    await e.produce('gone', [{ key: null, value: '{"V":7}', partition: 2 }]);
    await e.produce('s', [{ key: '"b"', value: '{"V":2}' }]);
    const before = e.records('s');
    const statuses = e.commandStatuses();
    e = await restart(e, dir);
    expect(e.records('s')).toEqual(before);
    expect(e.records('gone').map((r) => r.value)).toEqual(['{"V":7}']);
    expect(e.commandStatuses()).toEqual(statuses);
    const [list] = await e.execute({ ksql: 'SHOW STREAMS;' });
    expect(list).toMatchObject({ kind: 'sourceList' });
    expect((list as unknown as { sources: { name: string }[] }).sources.map((s) => s.name).sort()).toEqual(['GONE2', 'S']);
    const [types] = await e.execute({ ksql: 'SHOW TYPES;' });
    expect(types).toMatchObject({ types: [{ name: 'ADDR' }] });
    // New commands continue the sequence; a restarted engine replays everything again.
    const [created] = await e.execute({ ksql: "CREATE STREAM T (V INT) WITH (kafka_topic='t', value_format='JSON', partitions=1);" });
    expect(created).toMatchObject({ commandSequenceNumber: 5 });
    await e.execute({ ksql: 'INSERT INTO T (V) VALUES (3);' });
    e = await restart(e, dir);
    expect(e.records('t').map((r) => r.value)).toEqual(['{"V":3}']);
    const q = await e.query({ ksql: 'SELECT * FROM S;' });
    const rows: unknown[] = [];
    for await (const ev of q) if (ev.kind === 'row') rows.push(ev.values);
    expect(rows).toHaveLength(2);
  });

  it('resumes every kind of stateful query from its checkpoint with the results of an uninterrupted run', async () => {
    const inputs = statefulInputs();
    const reference = createEngine();
    engines.push(reference);
    await reference.execute({ ksql: STATEFUL, streamsProperties: { 'ksql.streams.auto.offset.reset': 'earliest' } });
    for (const b of inputs) await reference.produce(b.topic, b.records);
    const expected = await sinkRecords(reference);
    for (const t of SINKS) expect(expected[t]?.length, t).toBeGreaterThan(0);

    const dir = tmp();
    const lines: string[] = [];
    const logger = createLogger({ level: 'info', format: 'json', destination: { write: (l: string) => lines.push(l) } });
    let e = createEngine({ dataDir: dir, logger });
    engines.push(e);
    await e.execute({ ksql: STATEFUL, streamsProperties: { 'ksql.streams.auto.offset.reset': 'earliest' } });
    // Two restarts, each resuming from the checkpoint written at close.
    for (const [i, b] of inputs.entries()) {
      await e.produce(b.topic, b.records);
      if (i === 20 || i === 40) {
        await e.close();
        engines.splice(engines.indexOf(e), 1);
        e = createEngine({ dataDir: dir, logger });
        engines.push(e);
      }
    }
    expect(await sinkRecords(e)).toEqual(expected);
    expect(lines.filter((l) => l.includes('resumes from its checkpoint')).length).toBe(2 * SINKS.length);
  });

  it('restarts persistent queries from their start, without duplicating or losing outputs', async () => {
    const dir = tmp();
    let e = open(dir);
    await e.execute({ ksql: "CREATE STREAM S (K STRING KEY, N INT) WITH (kafka_topic='s', value_format='JSON', partitions=2);" });
    await e.produce('s', [{ key: '"old"', value: '{"N":0}' }]);
    // Default auto.offset.reset is latest: the query starts after the record above, also after restarts.
    await e.execute({ ksql: 'CREATE STREAM EVENS AS SELECT K, N FROM S WHERE N % 2 = 0;' });
    for (let i = 1; i <= 6; i++) await e.produce('s', [{ key: `"k${i}"`, value: `{"N":${i}}` }]);
    const sink = async (engine: Engine, n: number) => {
      for (let i = 0; i < 100 && engine.records('EVENS').length < n; i++) await new Promise((r) => setTimeout(r, 10));
      return engine.records('EVENS').map((r) => JSON.parse(r.value ?? 'null') as { N: number });
    };
    expect((await sink(e, 3)).map((v) => v.N)).toEqual([2, 4, 6]);
    e = await restart(e, dir);
    await e.produce('s', [{ key: '"k8"', value: '{"N":8}' }]);
    expect((await sink(e, 4)).map((v) => v.N)).toEqual([2, 4, 6, 8]);
    e = await restart(e, dir);
    await new Promise((r) => setTimeout(r, 50));
    expect((await sink(e, 4)).map((v) => v.N)).toEqual([2, 4, 6, 8]);
  });

  it('replays SESSION window merges deterministically after a restart', async () => {
    const dir = tmp();
    let e = open(dir);
    await e.execute({
      ksql:
        "CREATE STREAM S (K STRING KEY, N INT) WITH (kafka_topic='s', value_format='JSON', partitions=1);\n" +
        "CREATE TABLE T AS SELECT K, COUNT(*) AS C FROM S WINDOW SESSION (10 SECONDS) GROUP BY K EMIT CHANGES;",
      streamsProperties: { 'ksql.streams.auto.offset.reset': 'earliest' },
    });
    const changelog = async (engine: Engine, n: number) => {
      for (let i = 0; i < 100 && engine.records('T').length < n; i++) await new Promise((r) => setTimeout(r, 10));
      return engine.records('T').map((r) => [r.key, r.window, r.value]);
    };
    await e.produce('s', [
      { key: '"a"', value: '{"N":1}', timestamp: 1000 },
      { key: '"a"', value: '{"N":2}', timestamp: 20000 },
    ]);
    expect(await changelog(e, 2)).toHaveLength(2);
    e = await restart(e, dir);
    // Bridges both sessions: two tombstones, then the merged session.
    await e.produce('s', [{ key: '"a"', value: '{"N":3}', timestamp: 10500 }]);
    const w = (start: number, end: number) => ({ start, end });
    const expected = [
      ['"a"', w(1000, 1000), '{"C":1}'],
      ['"a"', w(20000, 20000), '{"C":1}'],
      ['"a"', w(1000, 1000), null],
      ['"a"', w(20000, 20000), null],
      ['"a"', w(1000, 20000), '{"C":3}'],
    ];
    expect(await changelog(e, 5)).toEqual(expected);
    e = await restart(e, dir);
    await new Promise((r) => setTimeout(r, 50));
    expect(await changelog(e, 5)).toEqual(expected);
  });

  it('replays a table-table join (two input topics) deterministically after a restart', async () => {
    const dir = tmp();
    let e = open(dir);
    await e.execute({
      ksql:
        "CREATE TABLE L (ID INT PRIMARY KEY, A STRING) WITH (kafka_topic='l', value_format='JSON', partitions=1);\n" +
        "CREATE TABLE R (ID INT PRIMARY KEY, B STRING) WITH (kafka_topic='r', value_format='JSON', partitions=1);\n" +
        'CREATE TABLE J AS SELECT L.ID, A, B FROM L LEFT JOIN R ON L.ID = R.ID;',
      streamsProperties: { 'ksql.streams.auto.offset.reset': 'earliest' },
    });
    const sink = async (engine: Engine, n: number) => {
      for (let i = 0; i < 100 && engine.records('J').length < n; i++) await new Promise((r) => setTimeout(r, 10));
      return engine.records('J').map((r) => [r.key, r.value, r.timestamp]);
    };
    await e.produce('l', [{ key: '1', value: '{"A":"a1"}', timestamp: 10 }]);
    await e.produce('r', [{ key: '1', value: '{"B":"b1"}', timestamp: 20 }]);
    expect(await sink(e, 2)).toHaveLength(2);
    e = await restart(e, dir);
    await e.produce('r', [{ key: '1', value: null, timestamp: 30 }]);
    await e.produce('l', [{ key: '1', value: null, timestamp: 40 }]);
    const expected = [
      ['1', '{"A":"a1","B":null}', 10],
      ['1', '{"A":"a1","B":"b1"}', 20],
      ['1', '{"A":"a1","B":null}', 30],
      ['1', null, 40],
    ];
    expect(await sink(e, 4)).toEqual(expected);
    e = await restart(e, dir);
    await new Promise((r) => setTimeout(r, 50));
    expect(await sink(e, 4)).toEqual(expected);
  });
});
