import { afterEach, describe, expect, it } from 'vitest';
import { createEngine, encodeRowJson, type Engine, type QueryEvent } from '../index.js';

let engine: Engine;
afterEach(async () => {
  // Unassigned until a test assigns it.
  await (engine as Engine | undefined)?.close();
});

async function pull(ksql: string): Promise<string[]> {
  const q = await engine.query({ ksql });
  const types = q.schema.map((c) => c.type);
  const out: string[] = [];
  for await (const ev of q as AsyncIterable<QueryEvent>) if (ev.kind === 'row') out.push(encodeRowJson(ev.values, types));
  return out;
}

async function filled(ksql: string, rows: number): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if ((await pull(ksql)).length >= rows) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`${ksql} never returned ${rows} rows`);
}

describe('pull queries that pin the key', () => {
  it('look the key up and answer as the scan does: =, IN, with other conditions, absent and deleted keys', async () => {
    engine = createEngine();
    await engine.execute({ ksql: "CREATE STREAM S (K STRING KEY, V INT) WITH (kafka_topic='s', value_format='JSON', partitions=3);" });
    await engine.execute({
      ksql: 'CREATE TABLE T AS SELECT K, LATEST_BY_OFFSET(V) AS V, COUNT(*) AS N FROM S GROUP BY K EMIT CHANGES;',
      streamsProperties: { 'ksql.streams.auto.offset.reset': 'earliest' },
    });
    for (let i = 0; i < 40; i++) await engine.execute({ ksql: `INSERT INTO S (K, V) VALUES ('k${i % 20}', ${i});` });
    await filled('SELECT * FROM T;', 20);

    // Each lookup against the same condition written so that no key is pinned (a scan).
    const cases: Array<[string, string]> = [
      ["K = 'k3'", "(K = 'k3' OR K = 'k3')"],
      ["'k3' = K", "(K = 'k3' OR K = 'k3')"],
      ["K IN ('k1', 'k7', 'nope', 'k1')", "(K = 'k1' OR K = 'k7' OR K = 'nope')"],
      ["K = 'k4' AND V > 100", "(K = 'k4' OR K = 'k4') AND V > 100"],
      ["V >= 0 AND K = 'k5'", "V >= 0 AND (K = 'k5' OR K = 'k5')"],
      ["K = 'nope'", "(K = 'nope' OR K = 'nope')"],
    ];
    for (const [pinned, scanned] of cases) {
      const got = await pull(`SELECT * FROM T WHERE ${pinned};`);
      expect(got, pinned).toEqual(await pull(`SELECT * FROM T WHERE ${scanned};`));
    }
    expect(await pull("SELECT K, V, N FROM T WHERE K = 'k3';")).toEqual(['["k3",23,2]']);
    expect(await pull("SELECT K FROM T WHERE K IN ('k1', 'k7', 'nope') LIMIT 1;")).toHaveLength(1);

    // A filtered scan orders only its matches: the same rows, in the same (store) order, as the unfiltered one.
    const all = await pull('SELECT * FROM T;');
    expect(await pull('SELECT * FROM T WHERE N > 0;')).toEqual(all);
    expect(await pull('SELECT * FROM T WHERE N > 0 LIMIT 7;')).toEqual(all.slice(0, 7));
    expect(await pull('SELECT * FROM T WHERE V >= 30;')).toEqual(all.filter((row) => (JSON.parse(row) as number[])[1] as number >= 30));
  });

  it('finds BIGINT keys with an INTEGER literal, and keys of a table over a topic', async () => {
    engine = createEngine();
    await engine.execute({ ksql: "CREATE TABLE U (ID BIGINT PRIMARY KEY, NAME STRING) WITH (kafka_topic='u', value_format='JSON', partitions=2);" });
    await engine.execute({ ksql: 'CREATE TABLE Q AS SELECT * FROM U;', streamsProperties: { 'ksql.streams.auto.offset.reset': 'earliest' } });
    for (let i = 0; i < 10; i++) await engine.execute({ ksql: `INSERT INTO U (ID, NAME) VALUES (${i}, 'n${i}');` });
    await filled('SELECT * FROM Q;', 10);
    expect(await pull('SELECT * FROM Q WHERE ID = 7;')).toEqual(['[7,"n7"]']);
    expect(await pull('SELECT NAME FROM Q WHERE ID IN (2, 3);')).toEqual(await pull('SELECT NAME FROM Q WHERE ID = 2 OR ID = 3;'));
    expect(await pull('SELECT * FROM Q WHERE ID = 70;')).toEqual([]);
  });

  it('scans in store order kept up to date by writes, and streams a snapshot: rows written while it is read do not show', async () => {
    engine = createEngine();
    await engine.execute({ ksql: "CREATE STREAM S (K BIGINT KEY, V INT) WITH (kafka_topic='s', value_format='JSON', partitions=3);" });
    await engine.execute({
      ksql: 'CREATE TABLE T AS SELECT K, LATEST_BY_OFFSET(V) AS V FROM S GROUP BY K EMIT CHANGES;',
      streamsProperties: { 'ksql.streams.auto.offset.reset': 'earliest' },
    });
    const insert = async (from: number, to: number) => {
      for (let i = from; i < to; i++) await engine.execute({ ksql: `INSERT INTO S (K, V) VALUES (${(i * 7919) % 1000}, ${i});` });
    };
    await insert(0, 30);
    await filled('SELECT * FROM T;', 30);
    const first = await pull('SELECT * FROM T;'); // builds the index
    // Looked-up rows are put in store order by sorting: the same order the index keeps.
    const keys = first.map((row) => (JSON.parse(row) as number[])[0]);
    expect(await pull(`SELECT * FROM T WHERE K IN (${keys.join(', ')});`)).toEqual(first);

    const q = await engine.query({ ksql: 'SELECT * FROM T;' });
    const reading = q[Symbol.asyncIterator]();
    expect((await reading.next()).done).toBe(false);
    await insert(30, 60); // new keys, and updates of old ones: maintained in the index
    await engine.execute({ ksql: 'INSERT INTO S (K, V) VALUES (0, 1000);' });
    await filled('SELECT * FROM T;', 60);
    let rest = 0;
    for (let r = await reading.next(); r.done !== true; r = await reading.next()) rest++;
    expect(rest + 1, 'the scan read the table as it was when it started').toBe(30);

    const now = await pull('SELECT * FROM T;');
    const nowKeys = now.map((row) => (JSON.parse(row) as number[])[0]);
    expect(await pull(`SELECT * FROM T WHERE K IN (${nowKeys.join(', ')});`)).toEqual(now);
    expect(await pull('SELECT * FROM T LIMIT 5;')).toEqual(now.slice(0, 5));
  });
});
