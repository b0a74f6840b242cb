import { afterEach, describe, expect, it } from 'vitest';
import { createEngine, encodeRowJson, manualClock, type Engine, type QueryEvent, type StatementResult, type TransientQueryHandle } from './index.js';

let engine: Engine;
afterEach(async () => {
  // Unassigned until a test assigns it.
  await (engine as Engine | undefined)?.close();
});

const STREAM = "CREATE STREAM S (K STRING KEY, ID INT, NAME STRING) WITH (kafka_topic='s', value_format='JSON', partitions=1);";

async function run(ksql: string, streamsProperties?: Record<string, unknown>): Promise<StatementResult[]> {
  return engine.execute({ ksql, streamsProperties });
}

async function failure(ksql: string): Promise<{ code: string; message: string; statementText?: string | undefined }> {
  try {
    await run(ksql);
  } catch (err) {
    const e = err as { code: string; message: string; statementText?: string | undefined };
    return { code: e.code, message: e.message, statementText: e.statementText };
  }
  throw new Error(`expected ${ksql} to fail`);
}

async function collect(q: TransientQueryHandle): Promise<string[]> {
  const out: string[] = [];
  const types = q.schema.map((c) => c.type);
  for await (const ev of q as AsyncIterable<QueryEvent>) {
    out.push(ev.kind === 'row' ? encodeRowJson(ev.values, types) : `final:${ev.message}`);
  }
  return out;
}

describe('DDL', () => {
  it('creates a stream with ksqlDB command ids and sequence numbers', async () => {
    engine = createEngine();
    const [r] = await run(STREAM);
    expect(r).toMatchObject({
      kind: 'command',
      commandId: 'stream/`S`/create',
      status: { status: 'SUCCESS', message: 'Stream created', queryId: null },
      commandSequenceNumber: 0,
    });
    const [t] = await run(
      "CREATE TABLE T (ID INT PRIMARY KEY, V STRING) WITH (kafka_topic='t', value_format='JSON', partitions=2);",
    );
    expect(t).toMatchObject({ commandId: 'table/`T`/create', status: { message: 'Table created' }, commandSequenceNumber: 1 });
    expect(engine.commandStatus('stream/`S`/create')).toEqual({ status: 'SUCCESS', message: 'Stream created', queryId: null });
  });

  it('validates with ksqlDB messages', async () => {
    engine = createEngine();
    expect((await failure("CREATE STREAM X (A INT) WITH (kafka_topic='nope', value_format='JSON');")).message).toBe(
      "Topic 'nope' does not exist. If you want to create a new topic for the stream/table please re-run the statement " +
        "providing the required 'PARTITIONS' configuration in the WITH clause (and optionally 'REPLICAS'). " +
        "For example: CREATE STREAM X (A INTEGER) WITH (KAFKA_TOPIC='nope', PARTITIONS=2, VALUE_FORMAT='JSON');",
    );
    expect((await failure("CREATE STREAM X (A INT) WITH (value_format='JSON');")).message).toBe(
      'Missing required property "KAFKA_TOPIC" which has no default value.',
    );
    expect((await failure("CREATE STREAM X (A INT) WITH (kafka_topic='x', partitions=1);")).message).toMatch(
      /^Statement is missing the 'VALUE_FORMAT' property from the WITH clause/,
    );
    expect((await failure("CREATE STREAM X (A INT) WITH (kafka_topic='x', partitions=1, value_format='JSON', foo='b');")).message).toBe(
      'Invalid config variable(s) in the WITH clause: FOO',
    );
    expect((await failure("CREATE STREAM X (A INT) WITH (kafka_topic='x', partitions=1, value_format='FOO');")).message).toBe(
      'Unknown format: FOO',
    );
    expect((await failure("CREATE STREAM X (K INT PRIMARY KEY) WITH (kafka_topic='x', partitions=1, value_format='JSON');")).message).toMatch(
      /Column `K` is a 'PRIMARY KEY' column: please use 'KEY' for streams\.\nTables have PRIMARY KEYs/,
    );
    expect((await failure("CREATE TABLE X (K INT KEY) WITH (kafka_topic='x', partitions=1, value_format='JSON');")).message).toMatch(
      /Column `K` is a 'KEY' column: please use 'PRIMARY KEY' for tables\./,
    );
    expect((await failure("CREATE TABLE X (A INT) WITH (kafka_topic='x', partitions=1, value_format='JSON');")).message).toBe(
      'Tables require a PRIMARY KEY. Please define the PRIMARY KEY.',
    );
    expect((await failure("CREATE STREAM X (ROWTIME BIGINT) WITH (kafka_topic='x', partitions=1, value_format='JSON');")).message).toBe(
      "'ROWTIME' is a reserved column name. You cannot use it as a name for a column.",
    );
    expect(
      (await failure("CREATE STREAM X (A INT KEY, B INT KEY) WITH (kafka_topic='x', partitions=1, value_format='JSON');")).message,
    ).toBe("The 'KAFKA' format only supports a single field. Got: [`A` INTEGER KEY, `B` INTEGER KEY]");
    expect(
      (await failure("CREATE STREAM X (A INT) WITH (kafka_topic='x', partitions=1, value_format='JSON', timestamp='nope');")).message,
    ).toBe("The TIMESTAMP column set in the WITH clause does not exist in the schema: 'NOPE'");
  });

  it('rejects a duplicate source, or warns with IF NOT EXISTS', async () => {
    engine = createEngine();
    await run(STREAM);
    expect((await failure(STREAM)).message).toBe("Cannot add stream 'S': A stream with the same name already exists");
    const [w] = await run(STREAM.replace('CREATE STREAM', 'CREATE STREAM IF NOT EXISTS'));
    expect(w).toMatchObject({ kind: 'warning', message: 'Cannot add stream `S`: A stream with the same name already exists.' });
  });

  it('validates the whole request before running any statement', async () => {
    engine = createEngine();
    const f = await failure(`${STREAM} CREATE STREAM S2 (A INT) WITH (kafka_topic='nope', value_format='JSON');`);
    expect(f.statementText).toBe("CREATE STREAM S2 (A INT) WITH (kafka_topic='nope', value_format='JSON');");
    const [list] = await run('SHOW STREAMS;');
    expect(list).toMatchObject({ kind: 'sourceList', sources: [] });
    expect(() => engine.records('s')).toThrow(/not found/);
  });

  it('lets later statements of a request see earlier ones', async () => {
    engine = createEngine();
    const results = await run(`${STREAM} INSERT INTO S (K, ID) VALUES ('a', 1); SHOW STREAMS;`);
    expect(results.map((r) => r.kind)).toEqual(['command', 'sourceList']);
    expect(engine.records('s')).toHaveLength(1);
  });

  it('drops sources', async () => {
    engine = createEngine();
    await run(STREAM);
    const [d] = await run('DROP STREAM S DELETE TOPIC;');
    expect(d).toMatchObject({ commandId: 'stream/S/drop', status: { message: 'Source `S` (topic: s) was dropped.' } });
    expect(() => engine.records('s')).toThrow();
    const [e] = await run('DROP STREAM IF EXISTS S;');
    expect(e).toMatchObject({ status: { status: 'SUCCESS', message: 'Source `S` does not exist.' } });
    expect((await failure('DROP STREAM S;')).message).toBe('Source S does not exist.');
    await run("CREATE TABLE T (ID INT PRIMARY KEY) WITH (kafka_topic='t', value_format='JSON', partitions=1);");
    expect((await failure('DROP STREAM T;')).message).toBe('Incompatible data source type is TABLE, but statement was DROP STREAM');
  });

  it('registers custom types', async () => {
    engine = createEngine();
    const [c] = await run('CREATE TYPE ADDRESS AS STRUCT<STREET STRING, NUM INT>;');
    expect(c).toMatchObject({ commandId: 'type/ADDRESS/create' });
    await run("CREATE STREAM P (A ADDRESS) WITH (kafka_topic='p', value_format='JSON', partitions=1);");
    const [types] = await run('SHOW TYPES;');
    expect(types).toMatchObject({ kind: 'typeList', types: [{ name: 'ADDRESS' }] });
  });
});

describe('INSERT VALUES', () => {
  it('writes key and value in the source formats with exact numbers', async () => {
    engine = createEngine({ clock: manualClock(5000) });
    await run(
      "CREATE STREAM N (K BIGINT KEY, B BIGINT, D DECIMAL(4,2), DB DOUBLE, TS TIMESTAMP) WITH (kafka_topic='n', value_format='JSON', partitions=1);",
    );
    await run("INSERT INTO N (K, B, D, DB, TS) VALUES (1, 9007199254740993, 12.34, 3, '2020-01-01T00:00:00');");
    const [rec] = engine.records('n');
    expect(rec).toMatchObject({
      key: '1',
      value: '{"B":9007199254740993,"D":12.34,"DB":3.0,"TS":1577836800000}',
      timestamp: 5000,
    });
  });

  it('rejects a DECIMAL that does not fit the column exactly (DecimalUtil.ensureFit)', async () => {
    engine = createEngine();
    await run("CREATE STREAM D (K STRING KEY, V DECIMAL(4,2)) WITH (kafka_topic='d', value_format='JSON', partitions=1);");
    await run("INSERT INTO D (K, V) VALUES ('a', 1.1);");
    await run("INSERT INTO D (K, V) VALUES ('a', 1.120);");
    for (const [literal, type] of [
      ['1.123', 'DECIMAL(4, 3)'],
      ['12.345', 'DECIMAL(5, 3)'],
      ['123.4', 'DECIMAL(4, 1)'],
      ['100', 'INTEGER'],
    ]) {
      expect((await failure(`INSERT INTO D (K, V) VALUES ('a', ${literal});`)).message).toBe(
        `Failed to insert values into 'D'. Expected type DECIMAL(4, 2) for field \`V\` but got ${literal}(${type})`,
      );
    }
    expect(engine.records('d').map((r) => r.value)).toEqual(['{"V":1.10}', '{"V":1.12}']);
  });

  it('follows the insert-values conformance cases', async () => {
    engine = createEngine();
    await run("CREATE STREAM TEST (K STRING KEY, ID INT) WITH (kafka_topic='test_topic', value_format='JSON', partitions=1);");
    await run("INSERT INTO TEST (ROWTIME, K, ID) VALUES (1234, 'key', 10);");
    await run("INSERT INTO TEST (ID, ROWTIME, K) VALUES (10, 1234, 'key');");
    await run("INSERT INTO TEST (K) VALUES ('10');");
    await run('INSERT INTO TEST (ID) VALUES (10);');
    const recs = engine.records('test_topic').map((r) => ({ key: r.key, value: r.value, ...(r.timestamp === 1234 ? { ts: 1234 } : {}) }));
    expect(recs).toEqual([
      { key: '"key"', value: '{"ID":10}', ts: 1234 },
      { key: '"key"', value: '{"ID":10}', ts: 1234 },
      { key: '"10"', value: '{"ID":null}' },
      { key: null, value: '{"ID":10}' },
    ]);
    await run("CREATE STREAM TEST2 (ID INT, K STRING KEY) WITH (kafka_topic='t2', value_format='JSON', partitions=1);");
    await run("INSERT INTO TEST2 VALUES ('key', 10);");
    expect(engine.records('t2').map((r) => [r.key, r.value])).toEqual([['"key"', '{"ID":10}']]);
    await run("CREATE STREAM `test` (`@key` STRING KEY, `id!` INT) WITH (kafka_topic='t3', value_format='JSON', partitions=1);");
    await run("INSERT INTO `test` (ROWTIME, `@key`, `id!`) VALUES (1234, 'key', 10);");
    expect(engine.records('t3').map((r) => [r.key, r.value])).toEqual([['"key"', '{"id!":10}']]);
  });

  it('reports ksqlDB errors', async () => {
    engine = createEngine();
    await run("CREATE STREAM TEST (K STRING KEY, ID INT) WITH (kafka_topic='test_topic', value_format='JSON', partitions=1);");
    expect((await failure("INSERT INTO TEST (K, ID) VALUES ('10');")).message).toBe(
      'Failed to prepare statement: Expected number columns and values to match: 2, 1',
    );
    expect((await failure("INSERT INTO TEST (K, ID) VALUES (FOO.bar, '10');")).message).toBe(
      "Failed to prepare statement: 'FOO' is not a valid stream/table name or alias.",
    );
    expect((await failure("INSERT INTO TEST (K, ROWPARTITION) VALUES ('a', 5);")).message).toBe(
      'Inserting into column `ROWPARTITION` is not allowed.',
    );
    expect((await failure("INSERT INTO TEST (K, ID) VALUES ('a', 'x');")).message).toBe(
      "Failed to insert values into 'TEST'. Expected type INTEGER for field `ID` but got 'x'(STRING)",
    );
    expect((await failure("INSERT INTO NOPE (K) VALUES ('a');")).message).toBe(
      'Cannot insert values into an unknown stream/table: `NOPE`',
    );
  });
});

describe('transient queries', () => {
  it('streams rows appended after the query started, then stops at LIMIT', async () => {
    engine = createEngine();
    await run(STREAM);
    await run("INSERT INTO S (K, ID, NAME) VALUES ('old', 0, 'x');");
    const q = await engine.query({ ksql: "SELECT K, ID * 2 AS DOUBLED, UCASE(NAME) FROM S WHERE ID > 0 EMIT CHANGES LIMIT 2;" });
    expect(q.queryId).toMatch(/^transient_S_\d+$/);
    expect(q.schema.map((c) => c.name)).toEqual(['K', 'DOUBLED', 'KSQL_COL_0']);
    const rows = collect(q);
    await run("INSERT INTO S (K, ID, NAME) VALUES ('a', 1, 'alice'); INSERT INTO S (K, ID, NAME) VALUES ('b', -1, 'skip');");
    await run("INSERT INTO S (K, ID, NAME) VALUES ('c', 2, NULL); INSERT INTO S (K, ID, NAME) VALUES ('d', 3, 'late');");
    expect(await rows).toEqual(['["a",2,"ALICE"]', '["c",4,null]', 'final:Limit Reached']);
    const [queries] = await run('SHOW QUERIES;');
    expect(queries).toMatchObject({ kind: 'queries', queries: [] });
  });

  it('reads from the beginning with auto.offset.reset=earliest and exposes pseudo columns', async () => {
    engine = createEngine({ clock: manualClock(42) });
    await run(STREAM);
    await run("INSERT INTO S (K, ID) VALUES ('a', 1); INSERT INTO S (K, ID) VALUES ('b', 2);");
    const q = await engine.query({
      ksql: 'SELECT ROWTIME, ROWPARTITION, ROWOFFSET, * FROM S EMIT CHANGES LIMIT 2;',
      streamsProperties: { 'ksql.streams.auto.offset.reset': 'earliest' },
    });
    expect(await collect(q)).toEqual(['[42,0,0,"a",1,null]', '[42,0,1,"b",2,null]', 'final:Limit Reached']);
  });

  it('answers LIMIT 0 with the final message only', async () => {
    engine = createEngine();
    await run(STREAM);
    const q = await engine.query({ ksql: 'SELECT * FROM S EMIT CHANGES LIMIT 0;' });
    expect(await collect(q)).toEqual(['final:Limit Reached']);
  });

  it('runs pull queries over streams to the current end', async () => {
    engine = createEngine();
    await run(STREAM);
    await run("INSERT INTO S (K, ID) VALUES ('a', 1); INSERT INTO S (K, ID) VALUES ('b', 2);");
    const q = await engine.query({ ksql: 'SELECT K FROM S;' });
    expect(await collect(q)).toEqual(['["a"]', '["b"]', 'final:Query Completed']);
    const limited = await engine.query({ ksql: 'SELECT K FROM S LIMIT 1;' });
    expect(await collect(limited)).toEqual(['["a"]', 'final:Limit Reached']);
  });

  it('registers running push queries and deregisters them when closed', async () => {
    engine = createEngine();
    await run(STREAM);
    const q = await engine.query({ ksql: 'SELECT * FROM S EMIT CHANGES;' });
    const [running] = await run('SHOW QUERIES;');
    expect(running).toMatchObject({ queries: [{ id: q.queryId, queryType: 'PUSH', sinks: [], state: 'RUNNING' }] });
    const rows = collect(q);
    engine.closeQuery(q.queryId);
    expect(await rows).toEqual([]);
    const [after] = await run('SHOW QUERIES;');
    expect(after).toMatchObject({ queries: [] });
    expect(() => engine.closeQuery(q.queryId)).toThrow(`No query with id ${q.queryId}`);
  });

  it('deregisters at once when the consumer stops iterating', async () => {
    engine = createEngine();
    await run(STREAM);
    const q = await engine.query({ ksql: 'SELECT * FROM S EMIT CHANGES;' });
    const it = q[Symbol.asyncIterator]();
    await it.return?.();
    const [after] = await run('SHOW QUERIES;');
    expect(after).toMatchObject({ queries: [] });
  });

  it('terminates a transient query with TERMINATE', async () => {
    engine = createEngine();
    await run(STREAM);
    const q = await engine.query({ ksql: 'SELECT * FROM S EMIT CHANGES;' });
    const [t] = await run(`TERMINATE ${q.queryId};`);
    expect(t).toMatchObject({ kind: 'terminateQuery', queryId: q.queryId, wasTerminated: true });
    expect(await collect(q)).toEqual([]);
  });

  it('enforces ksql.max.push.queries', async () => {
    engine = createEngine({ properties: { 'ksql.max.push.queries': 1 } });
    await run(STREAM);
    const q = await engine.query({ ksql: 'SELECT * FROM S EMIT CHANGES;' });
    await expect(engine.query({ ksql: 'SELECT * FROM S EMIT CHANGES;' })).rejects.toMatchObject({
      code: 'ENGINE_MAX_PUSH_QUERIES',
      message: 'Maximum number of push queries exceeded',
    });
    q.close();
  });

  it('applies backpressure instead of dropping rows', async () => {
    engine = createEngine({ pushQueryBufferRows: 2 });
    await run(STREAM);
    const q = await engine.query({
      ksql: 'SELECT ID FROM S EMIT CHANGES LIMIT 50;',
      streamsProperties: { 'auto.offset.reset': 'earliest' },
    });
    for (let i = 0; i < 50; i++) await run(`INSERT INTO S (K, ID) VALUES ('k', ${i});`);
    const rows = await collect(q);
    expect(rows).toHaveLength(51);
    expect(rows[49]).toBe('[49]');
  });

  it('rejects statements that are not queries, and bad queries, with statement text', async () => {
    engine = createEngine();
    await run(STREAM);
    await expect(engine.query({ ksql: 'SHOW STREAMS;' })).rejects.toMatchObject({ code: 'ENGINE_NOT_A_QUERY' });
    await expect(engine.query({ ksql: 'SELECT * FROM NOPE EMIT CHANGES;' })).rejects.toMatchObject({
      code: 'ENGINE_ANALYSIS',
      message: 'NOPE does not exist.',
      statementText: 'SELECT * FROM NOPE EMIT CHANGES;',
    });
    await expect(engine.query({ ksql: 'SELECT * FROM S WHERE ID = 1 EMIT CHANGES; SELECT 1 FROM S;' })).rejects.toMatchObject({
      message: 'Expected exactly one KSQL statement; found 2 instead',
    });
    await expect(engine.query({ ksql: "SELECT * FROM S WHERE ID = 'x' EMIT CHANGES;" })).rejects.toMatchObject({
      message: "Error in WHERE expression: Cannot compare ID (INTEGER) to 'x' (STRING) with EQUAL.\nStatement: (ID = 'x')",
    });
    await expect(engine.query({ ksql: 'SELECT FOO FROM S EMIT CHANGES;' })).rejects.toMatchObject({
      message: "SELECT column 'FOO' cannot be resolved.",
    });
    await expect(
      engine.query({ ksql: "CREATE TABLE T (ID INT PRIMARY KEY) WITH (kafka_topic='t', value_format='JSON', partitions=1);" }),
    ).rejects.toMatchObject({ code: 'ENGINE_NOT_A_QUERY' });
  });

  it('rejects pull queries over plain tables', async () => {
    engine = createEngine();
    await run("CREATE TABLE USERS (ID BIGINT PRIMARY KEY, V STRING) WITH (kafka_topic='u', value_format='JSON', partitions=1);");
    await expect(engine.query({ ksql: 'SELECT * FROM USERS;' })).rejects.toMatchObject({
      message:
        "The `USERS` table isn't queryable. To derive a queryable table, you can do 'CREATE TABLE QUERYABLE_USERS AS SELECT * FROM USERS'. See https://cnfl.io/queries for more info.",
    });
  });
});

describe('SELECT/PRINT on the statement endpoint', () => {
  it('is a query-endpoint error', async () => {
    engine = createEngine();
    await run(STREAM);
    const f = await failure('SHOW STREAMS; SELECT * FROM S EMIT CHANGES;');
    expect(f.code).toBe('ENGINE_QUERY_ENDPOINT');
    expect(f.statementText).toBe('SELECT * FROM S EMIT CHANGES;');
  });
});

describe('session statements', () => {
  it('SET lasts for the rest of the request', async () => {
    engine = createEngine();
    const results = await run("SET 'auto.offset.reset'='earliest'; SHOW PROPERTIES;");
    expect(results).toHaveLength(1);
    const props = results[0] as Extract<StatementResult, { kind: 'properties' }>;
    expect(props.overwrittenProperties).toEqual(['ksql.streams.auto.offset.reset']);
    expect(props.properties.find((p) => p.name === 'ksql.streams.auto.offset.reset')).toMatchObject({ value: 'earliest', level: 'QUERY' });
    const [later] = await run('SHOW PROPERTIES;');
    expect((later as typeof props).overwrittenProperties).toEqual([]);
    expect((await failure("SET 'foo'='bar';")).message).toBe("Not recognizable as ksql, streams, consumer, or producer property: 'foo'");
  });

  it('DEFINE substitutes variables in later statements', async () => {
    engine = createEngine();
    await run(`DEFINE tname = 'vt'; DEFINE fmt = 'JSON'; CREATE STREAM V (A INT) WITH (kafka_topic='\${tname}', value_format='\${fmt}', partitions=1); SHOW VARIABLES;`);
    const [list] = await run('SHOW STREAMS;');
    expect(list).toMatchObject({ sources: [{ name: 'V', topic: 'vt' }] });
    await engine.execute({ ksql: "INSERT INTO V (A) VALUES (${n});", sessionVariables: { n: 7 } });
    expect(engine.records('vt').map((r) => r.value)).toEqual(['{"A":7}']);
  });
});

describe('SHOW and DESCRIBE', () => {
  it('describes sources, topics and functions', async () => {
    engine = createEngine();
    await run(STREAM);
    const [d] = await run('DESCRIBE S EXTENDED;');
    expect(d).toMatchObject({
      kind: 'sourceDescription',
      source: {
        name: 'S',
        sourceType: 'STREAM',
        extended: true,
        keyFormat: 'KAFKA',
        valueFormat: 'JSON',
        topic: 's',
        partitions: 1,
        replication: 1,
        columns: [
          { name: 'K', namespace: 'KEY' },
          { name: 'ID', namespace: 'VALUE' },
          { name: 'NAME', namespace: 'VALUE' },
        ],
      },
    });
    const [topics] = await run('SHOW TOPICS;');
    expect(topics).toMatchObject({ kind: 'topics', topics: [{ name: 's', replicaInfo: [1] }] });
    const [ext] = await run('SHOW STREAMS EXTENDED;');
    expect(ext).toMatchObject({ kind: 'sourceDescriptionList', sources: [{ name: 'S' }] });
    const [all] = await run('DESCRIBE STREAMS;');
    expect(all).toMatchObject({ kind: 'sourceDescriptionList' });
    const [fns] = await run('SHOW FUNCTIONS;');
    expect(fns).toMatchObject({ kind: 'functionList' });
    expect((await failure('DESCRIBE NOPE;')).message).toBe("Could not find STREAM/TABLE 'NOPE' in the Metastore");
  });
});

describe('produce and records', () => {
  it('creates topics on demand and keeps JSON exact', async () => {
    engine = createEngine({ clock: manualClock(100) });
    const out = await engine.produce('raw', [
      { key: '"k"', value: '{"n":9007199254740993}' },
      { key: null, value: null, timestamp: 7 },
    ]);
    expect(out).toEqual([
      { partition: 0, offset: 0, timestamp: 100 },
      { partition: 0, offset: 1, timestamp: 7 },
    ]);
    expect(engine.records('raw').map((r) => r.value)).toEqual(['{"n":9007199254740993}', null]);
    await expect(engine.produce('raw', [{ key: null, value: '{', partition: 0 }])).rejects.toMatchObject({ code: 'ENGINE_BAD_REQUEST' });
    await expect(engine.produce('raw', [{ key: null, value: '1', partition: 3 }])).rejects.toMatchObject({
      code: 'ENGINE_PARTITION_NOT_FOUND',
    });
  });

  it('feeds produced records to queries, deserialized per the source formats', async () => {
    engine = createEngine();
    await engine.produce('in', [
      { key: null, value: '{"id":110}', timestamp: 1 },
      { key: '10', value: null, timestamp: 2 },
      { key: '11', value: '{}', timestamp: 4 },
      { key: '11', value: '{"id":null}', timestamp: 3 },
      { key: '11', value: '{"id":111}', timestamp: 5 },
    ]);
    await run("CREATE STREAM INPUT (K INT KEY, ID INT) WITH (kafka_topic='in', value_format='JSON', partitions=1);");
    const q = await engine.query({ ksql: 'SELECT * FROM INPUT EMIT CHANGES LIMIT 4;', streamsProperties: { 'auto.offset.reset': 'earliest' } });
    expect(await collect(q)).toEqual(['[null,110]', '[11,null]', '[11,null]', '[11,111]', 'final:Limit Reached']);
  });
});
