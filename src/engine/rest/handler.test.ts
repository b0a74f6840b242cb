/**
 * The fetch handler in process (no socket): routes, shapes, errors.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createEngine, manualClock, type Engine } from '../index.js';
import { createHandler, type FetchHandler } from './handler.js';
import type { JsonBody } from './in-process.test-helper.js';

const V1 = 'application/vnd.ksql.v1+json';
let engine: Engine;
let handle: FetchHandler;

beforeEach(() => {
  engine = createEngine({ clock: manualClock(1000), properties: { 'ksql.max.push.queries': 1 } });
  handle = createHandler({ engine });
});
afterEach(async () => {
  await engine.close();
});

function post(path: string, body: unknown, accept: string | null = V1): Promise<Response> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (accept !== null) headers['accept'] = accept;
  return handle(new Request(`http://engine${path}`, { method: 'POST', headers, body: typeof body === 'string' ? body : JSON.stringify(body) }));
}

async function ksql(sql: string): Promise<{ status: number; body: JsonBody }> {
  const res = await post('/ksql', { ksql: sql });
  return { status: res.status, body: await res.json() };
}

const CREATE = "CREATE STREAM S (K STRING KEY, V INT, T TIMESTAMP, D DATE, TM TIME, B BYTES) WITH (kafka_topic='s', value_format='JSON', partitions=1);";

describe('/ksql entities', () => {
  it('returns every entity field', async () => {
    await ksql(CREATE);
    const { body } = await ksql('SHOW STREAMS; LIST TABLES; DESCRIBE S; SHOW TOPICS EXTENDED; SHOW QUERIES;');
    expect(body[0]).toEqual({
      '@type': 'streams',
      statementText: 'SHOW STREAMS;',
      streams: [{ type: 'STREAM', name: 'S', topic: 's', keyFormat: 'KAFKA', valueFormat: 'JSON', isWindowed: false }],
      warnings: [],
    });
    expect(body[1]).toEqual({ '@type': 'tables', statementText: 'LIST TABLES;', tables: [], warnings: [] });
    expect(body[2]).toMatchObject({
      '@type': 'sourceDescription',
      sourceDescription: {
        name: 'S',
        windowType: null,
        readQueries: [],
        writeQueries: [],
        fields: [
          { name: 'K', schema: { type: 'STRING', fields: null, memberSchema: null }, type: 'KEY' },
          { name: 'V', schema: { type: 'INTEGER', fields: null, memberSchema: null } },
          { name: 'T', schema: { type: 'TIMESTAMP', fields: null, memberSchema: null } },
          { name: 'D', schema: { type: 'DATE', fields: null, memberSchema: null } },
          { name: 'TM', schema: { type: 'TIME', fields: null, memberSchema: null } },
          { name: 'B', schema: { type: 'BYTES', fields: null, memberSchema: null } },
        ],
        type: 'STREAM',
        timestamp: '',
        statistics: '',
        errorStats: '',
        extended: false,
        keyFormat: 'KAFKA',
        valueFormat: 'JSON',
        topic: 's',
        partitions: 1,
        replication: 1,
        statement: CREATE,
        queryOffsetSummaries: [],
        sourceConstraints: [],
        clusterStatistics: [],
        clusterErrorStats: [],
      },
      warnings: [],
    });
    expect(body[2].sourceDescription.fields[1]).not.toHaveProperty('type');
    expect(body[3]).toEqual({
      '@type': 'kafka_topics_extended',
      statementText: 'SHOW TOPICS EXTENDED;',
      topics: [{ name: 's', replicaInfo: [1], consumerCount: 0, consumerGroupCount: 0 }],
      warnings: [],
    });
    expect(body[4]).toEqual({ '@type': 'queries', statementText: 'SHOW QUERIES;', queries: [], warnings: [] });
  });

  it('answers an empty request with an empty list and SET with no entity', async () => {
    expect(await ksql('')).toEqual({ status: 200, body: [] });
    expect(await ksql("SET 'auto.offset.reset'='earliest';")).toEqual({ status: 200, body: [] });
  });

  it('maps unknown request properties to ksqlDB’s 500', async () => {
    const res = await post('/ksql', { ksql: 'SHOW STREAMS;', streamsProperties: { 'no.such.thing': 1 } });
    expect(res.status).toBe(500);
    expect(await res.json()).toEqual({
      '@type': 'statement_error',
      error_code: 50000,
      message: "Not recognizable as ksql, streams, consumer, or producer property: 'no.such.thing'",
      statementText: 'SHOW STREAMS;',
      entities: [],
    });
  });

  it('rejects bodies that are not JSON objects', async () => {
    const res = await post('/ksql', '[1]');
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error_code: 40000, message: expect.stringMatching(/^Invalid JSON in request/) });
    const empty = await post('/ksql', '');
    expect(await empty.json()).toMatchObject({ error_code: 40000, message: 'Invalid JSON in request: No content to map due to end-of-input' });
  });

  it('terminates the cluster', async () => {
    await ksql(CREATE);
    const res = await post('/ksql/terminate', { deleteTopicList: ['s'] });
    expect(await res.json()).toMatchObject([{ '@type': 'currentStatus', commandId: 'cluster/TerminateCluster/terminate', statementText: 'TERMINATE CLUSTER;' }]);
    expect((await ksql('SHOW STREAMS;')).body[0].streams).toEqual([]);
    expect((await handle(new Request('http://engine/topics/s/records'))).status).toBe(404);
  });
});

describe('/query', () => {
  beforeEach(async () => {
    await ksql(CREATE);
    await ksql(
      "INSERT INTO S (K, V, T, D, TM, B) VALUES ('a', 1, '2020-01-01T04:40:34.789', '2020-01-01', '10:15:30', TO_BYTES('hi', 'utf8'));".replace(
        "TO_BYTES('hi', 'utf8')",
        'NULL',
      ),
    );
  });

  it('encodes temporal values as ksqlDB prints them', async () => {
    const res = await post('/query', { ksql: 'SELECT K, T, D, TM FROM S;' });
    const text = await res.text();
    expect(text.split(',\n')[1]).toBe('{"row":{"columns":["a","2020-01-01T04:40:34.789","2020-01-01","10:15:30"]}}');
    expect(text.endsWith('{"finalMessage":"Query Completed"}]')).toBe(true);
  });

  it('rejects a second push query past ksql.max.push.queries with 40003', async () => {
    const first = await post('/query', { ksql: 'SELECT * FROM S EMIT CHANGES;' });
    const reader = first.body!.getReader();
    await reader.read();
    const second = await post('/query', { ksql: 'SELECT * FROM S EMIT CHANGES;' });
    expect(second.status).toBe(400);
    expect(await second.json()).toEqual({ '@type': 'generic_error', error_code: 40003, message: 'Maximum number of push queries exceeded' });
    await reader.cancel();
  });

  it('adds the statement to /query error messages', async () => {
    const res = await post('/query', { ksql: 'SELECT * FROM NOPE EMIT CHANGES;' });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toBeNull();
    expect(await res.json()).toEqual({
      '@type': 'statement_error',
      error_code: 40001,
      message: 'NOPE does not exist.\nStatement: SELECT * FROM NOPE EMIT CHANGES;',
      statementText: 'SELECT * FROM NOPE EMIT CHANGES;',
      entities: [],
    });
    const syntax = await post('/query', { ksql: 'SELECT * FROM S ORDER BY K DESC;' });
    expect((await syntax.json()).message).toBe('line 1:23: Syntax Error\n\nStatement: SELECT * FROM S ORDER BY K DESC;');
    const notQuery = await post('/query', { ksql: 'SHOW STREAMS;' });
    expect(await notQuery.json()).toEqual({
      '@type': 'generic_error',
      error_code: 40000,
      message: "Statement type `io.confluent.ksql.parser.KsqlParser$PreparedStatement' not supported for this resource",
    });
    const missing = await post('/query', { streamsProperties: {} });
    expect(await missing.json()).toEqual({ '@type': 'generic_error', error_code: 40000, message: '"ksql" field must be populated' });
  });

  it('serves /query-stream in its three formats', async () => {
    const q = (accept: string | null) => post('/query-stream', { sql: 'SELECT K, V FROM S;' }, accept);
    const delimited = await (await q(null)).text();
    expect(delimited).toMatch(/^\{"queryId":"transient_S_\d+","columnNames":\["K","V"\],"columnTypes":\["STRING","INTEGER"\]\}\n\["a",1\]\n$/);
    const json = await q('application/json');
    expect(json.headers.get('content-type')).toBe('application/json');
    expect(await json.text()).toMatch(/^\[\{"queryId":"[^"]+","columnNames":\["K","V"\],"columnTypes":\["STRING","INTEGER"\]\},\["a",1\]\]$/);
    const v1 = await (await q(V1)).text();
    expect(v1).toMatch(/^\[\{"header":\{"queryId":"[^"]+","schema":"`K` STRING, `V` INTEGER"\}\},\n\{"row":\{"columns":\["a",1\]\}\},\n\{"finalMessage":"Query Completed"\}\]$/);
  });
});

describe('small routes', () => {
  it('validates /status command ids', async () => {
    const bad = await handle(new Request('http://engine/status/bogus/x/create'));
    expect(bad.status).toBe(500);
    const ok = await handle(new Request('http://engine/status/STREAM/%60X%60/CREATE'));
    expect(ok.status).toBe(404);
  });

  it('tolerates one trailing slash and reports metadata', async () => {
    expect((await handle(new Request('http://engine/info/'))).status).toBe(200);
    const md = await (await handle(new Request('http://engine/v1/metadata/id'))).json();
    expect(md).toMatchObject({ scope: { clusters: { 'ksql-cluster': 'default_' } } });
    expect(await (await handle(new Request('http://engine/chc/ready'))).json()).toEqual({});
    expect((await handle(new Request('http://engine/ksql'))).status).toBe(404);
  });
});

describe('push queries on tables', () => {
  it('mark deletes as tombstones in the StreamedRow format', async () => {
    await ksql("CREATE TABLE T (ID INT PRIMARY KEY, V STRING) WITH (kafka_topic='t', value_format='JSON', partitions=1);");
    await engine.produce('t', [
      { key: '1', value: '{"V":"a"}' },
      { key: '1', value: null },
    ]);
    const res = await post('/query', { ksql: 'SELECT * FROM T EMIT CHANGES LIMIT 2;', streamsProperties: { 'auto.offset.reset': 'earliest' } });
    const lines = (await res.text()).split(',\n');
    expect(lines.slice(1)).toEqual(['{"row":{"columns":[1,"a"]}}', '{"row":{"columns":[1,null],"tombstone":true}}', '{"finalMessage":"Limit Reached"}]']);
  });
});
