/**
 * The REST server over a real socket (port 0), driven with the global fetch.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startEngineServer, type EngineServer } from './server.js';

const V1 = 'application/vnd.ksql.v1+json';
let server: EngineServer;

beforeAll(async () => {
  server = await startEngineServer();
});
afterAll(async () => {
  await server.close();
});

async function ksql(sql: string, extra: Record<string, unknown> = {}): Promise<{ status: number; body: unknown; text: string; contentType: string | null }> {
  const res = await fetch(`${server.url}/ksql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: V1 },
    body: JSON.stringify({ ksql: sql, ...extra }),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined, text, contentType: res.headers.get('content-type') };
}

/** Reads a streaming body, resolving `waitFor(s)` promises as text arrives. */
function streamReader(res: Response) {
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let text = '';
  let done = false;
  const waiters: Array<{ test: (t: string) => boolean; resolve: () => void }> = [];
  const pump = (async () => {
    for (;;) {
      const r = await reader.read();
      if (r.done) break;
      text += decoder.decode(r.value, { stream: true });
      for (const w of waiters.splice(0)) {
        if (w.test(text)) w.resolve();
        else waiters.push(w);
      }
    }
    done = true;
  })();
  return {
    get text() {
      return text;
    },
    get done() {
      return done;
    },
    waitFor(test: (t: string) => boolean): Promise<void> {
      if (test(text)) return Promise.resolve();
      return new Promise((resolve) => waiters.push({ test, resolve }));
    },
    finished: pump,
  };
}

async function showQueries(): Promise<Array<{ id: string; queryType: string }>> {
  const { body } = await ksql('SHOW QUERIES;');
  return (body as Array<{ queries: Array<{ id: string; queryType: string }> }>)[0]!.queries;
}

describe('engine REST server', () => {
  let n = 0;
  let stream = '';
  afterEach(() => {
    n++;
  });

  async function createStream(): Promise<string> {
    stream = `S${n}`;
    const { status, body } = await ksql(
      `CREATE STREAM ${stream} (K STRING KEY, ID BIGINT, AMOUNT DECIMAL(10, 2), NAME STRING) WITH (kafka_topic='${stream.toLowerCase()}', value_format='JSON', partitions=1);`,
    );
    expect(status).toBe(200);
    expect(body).toEqual([
      {
        '@type': 'currentStatus',
        statementText: `CREATE STREAM ${stream} (K STRING KEY, ID BIGINT, AMOUNT DECIMAL(10, 2), NAME STRING) WITH (kafka_topic='${stream.toLowerCase()}', value_format='JSON', partitions=1);`,
        commandId: `stream/\`${stream}\`/create`,
        commandStatus: { status: 'SUCCESS', message: 'Stream created', queryId: null },
        commandSequenceNumber: expect.any(Number),
        warnings: [],
      },
    ]);
    return stream;
  }

  it('streams rows inserted after a push query started, with the exact /query framing', async () => {
    const s = await createStream();
    const res = await fetch(`${server.url}/query`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: V1 },
      body: JSON.stringify({ ksql: `SELECT * FROM ${s} EMIT CHANGES LIMIT 2;` }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe(V1);
    const body = streamReader(res);
    await body.waitFor((t) => t.includes('\n'));
    const queryId = /"queryId":"([^"]+)"/.exec(body.text)?.[1];
    expect(queryId).toMatch(new RegExp(`^transient_${s}_\\d+$`));

    const insert = await ksql(
      `INSERT INTO ${s} (K, ID, AMOUNT, NAME) VALUES ('a', 9007199254740993, 12345678.90, 'x'); ` +
        `INSERT INTO ${s} (K, ID, AMOUNT, NAME) VALUES ('b', 2, 0.05, NULL);`,
    );
    expect(insert).toMatchObject({ status: 200, body: [] });
    await body.finished;
    expect(body.text).toBe(
      `[{"header":{"queryId":"${queryId}","schema":"\`K\` STRING, \`ID\` BIGINT, \`AMOUNT\` DECIMAL(10, 2), \`NAME\` STRING"}},\n` +
        '{"row":{"columns":["a",9007199254740993,12345678.90,"x"]}},\n' +
        '{"row":{"columns":["b",2,0.05,null]}},\n' +
        '{"finalMessage":"Limit Reached"}]',
    );
    expect(await showQueries()).toEqual([]);

    const records = await fetch(`${server.url}/topics/${s.toLowerCase()}/records`);
    const recordsText = await records.text();
    expect(recordsText).toContain('"key":"a","value":{"ID":9007199254740993,"AMOUNT":12345678.90,"NAME":"x"}');
  });

  it('answers a bad statement with 400 statement_error 40001 from the parser', async () => {
    const { status, body, contentType } = await ksql('SHOW STREAMZ;');
    expect(status).toBe(400);
    expect(contentType).toBe('application/json');
    expect(body).toMatchObject({ '@type': 'statement_error', error_code: 40001, statementText: 'SHOW STREAMZ;', entities: [] });
    expect((body as { message: string }).message).toMatch(/^line 1:6: Syntax Error\n/);
  });

  it('answers SELECT on /ksql with 40002', async () => {
    const s = await createStream();
    const { status, body } = await ksql(`SELECT * FROM ${s} EMIT CHANGES;`);
    expect(status).toBe(400);
    expect(body).toEqual({
      '@type': 'statement_error',
      error_code: 40002,
      message: "The following statement types should be issued to the websocket endpoint '/query':\n\t* PRINT\n\t* SELECT",
      statementText: `SELECT * FROM ${s} EMIT CHANGES;`,
      entities: [],
    });
  });

  it('serves command statuses with percent-encoded backticks', async () => {
    const s = await createStream();
    const res = await fetch(`${server.url}/status/stream/%60${s}%60/create`, { headers: { accept: V1 } });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'SUCCESS', message: 'Stream created', queryId: null });
    const missing = await fetch(`${server.url}/status/stream/%60NOPE%60/create`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ '@type': 'generic_error', error_code: 40400, message: 'Command not found' });
    const all = (await (await fetch(`${server.url}/status`)).json()) as { commandStatuses: Record<string, string> };
    expect(all.commandStatuses[`stream/\`${s}\`/create`]).toBe('SUCCESS');
  });

  it('lists a running push query and drops it promptly when the client aborts', async () => {
    const s = await createStream();
    const controller = new AbortController();
    const res = await fetch(`${server.url}/query`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: V1 },
      body: JSON.stringify({ ksql: `SELECT * FROM ${s} EMIT CHANGES;` }),
      signal: controller.signal,
    });
    const body = streamReader(res);
    body.finished.catch(() => {});
    await body.waitFor((t) => t.includes('\n'));
    const queryId = /"queryId":"([^"]+)"/.exec(body.text)?.[1];
    const running = await showQueries();
    expect(running).toEqual([expect.objectContaining({ id: queryId, queryType: 'PUSH' })]);

    const abortedAt = performance.now();
    controller.abort();
    let remaining = running;
    while (remaining.length > 0 && performance.now() - abortedAt < 2000) {
      await new Promise((r) => setTimeout(r, 5));
      remaining = await showQueries();
    }
    const elapsed = performance.now() - abortedAt;
    expect(remaining).toEqual([]);
    expect(elapsed).toBeLessThan(500);
  });

  it('closes a push query with /close-query', async () => {
    const s = await createStream();
    const res = await fetch(`${server.url}/query`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: V1 },
      body: JSON.stringify({ ksql: `SELECT NAME FROM ${s} EMIT CHANGES;` }),
    });
    const body = streamReader(res);
    await body.waitFor((t) => t.includes('\n'));
    const queryId = /"queryId":"([^"]+)"/.exec(body.text)?.[1] as string;
    await ksql(`INSERT INTO ${s} (K, NAME) VALUES ('a', 'one');`);
    await body.waitFor((t) => t.includes('one'));

    const close = await fetch(`${server.url}/close-query`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ queryId }),
    });
    expect(close.status).toBe(200);
    expect(await close.text()).toBe('');
    await body.finished;
    expect(body.text).toBe(
      `[{"header":{"queryId":"${queryId}","schema":"\`NAME\` STRING"}},\n{"row":{"columns":["one"]}},\n]`,
    );
    expect(await showQueries()).toEqual([]);

    const again = await fetch(`${server.url}/close-query`, { method: 'POST', body: JSON.stringify({ queryId }) });
    expect(again.status).toBe(400);
    expect(await again.json()).toEqual({ '@type': 'generic_error', error_code: 40000, message: `No query with id ${queryId}` });
  });

  it('produces and reads records through the topic extensions', async () => {
    const produced = await fetch(`${server.url}/topics/raw_${n}`, {
      method: 'POST',
      headers: { 'content-type': 'application/vnd.kafka.json.v2+json' },
      body: '{"records":[{"key":"k1","value":{"n":9007199254740993,"d":1.10}},{"value":{"n":2},"partition":0,"timestamp":1234}]}',
    });
    expect(produced.status).toBe(200);
    expect(await produced.json()).toEqual({
      offsets: [
        { partition: 0, offset: 0, error_code: null, error: null },
        { partition: 0, offset: 1, error_code: null, error: null },
      ],
      key_schema_id: null,
      value_schema_id: null,
    });
    const records = await fetch(`${server.url}/topics/raw_${n}/records`);
    const text = await records.text();
    expect(text).toMatch(
      /^\[\{"partition":0,"offset":0,"timestamp":\d+,"key":"k1","value":\{"n":9007199254740993,"d":1\.10\},"headers":\[\]\},/,
    );
    expect(text.endsWith('{"partition":0,"offset":1,"timestamp":1234,"key":null,"value":{"n":2},"headers":[]}]')).toBe(true);

    const missing = await fetch(`${server.url}/topics/nope_${n}/records`);
    expect(missing.status).toBe(404);
  });

  it('negotiates Accept as ksqlDB does', async () => {
    const s = await createStream();
    await ksql(`INSERT INTO ${s} (K, ID) VALUES ('a', 1);`);
    const query = (accept?: string) =>
      fetch(`${server.url}/query`, {
        method: 'POST',
        headers: accept === undefined ? { 'content-type': 'application/json' } : { 'content-type': 'application/json', accept },
        body: JSON.stringify({ ksql: `SELECT K, ID FROM ${s};` }),
      });

    const unsupported = await query('text/html');
    expect(unsupported.status).toBe(404);
    expect(await unsupported.text()).toBe('Not Found');
    expect(unsupported.headers.get('content-type')).toBeNull();

    const json = await query('application/json');
    expect(json.headers.get('content-type')).toBe(V1);
    const jsonText = await json.text();
    expect(jsonText).toMatch(/^\[\{"header":\{"queryId":"transient_S\d+_\d+","schema":"`K` STRING, `ID` BIGINT"\}\},\n/);
    expect(jsonText.endsWith('{"row":{"columns":["a",1]}},\n{"finalMessage":"Query Completed"}]')).toBe(true);

    // fetch sends `Accept: */*` by default: ksqlDB answers with the delimited format.
    const star = await query();
    expect(star.headers.get('content-type')).toBe('application/vnd.ksqlapi.delimited.v1');
    const lines = (await star.text()).split('\n');
    expect(JSON.parse(lines[0]!)).toMatchObject({ columnNames: ['K', 'ID'], columnTypes: ['STRING', 'BIGINT'] });
    expect(lines.slice(1)).toEqual(['["a",1]', '']);

    const ksqlUnsupported = await fetch(`${server.url}/ksql`, {
      method: 'POST',
      headers: { accept: 'text/plain' },
      body: JSON.stringify({ ksql: 'SHOW STREAMS;' }),
    });
    expect(ksqlUnsupported.status).toBe(404);
    expect(await ksqlUnsupported.text()).toBe('Not Found');
  });

  it('serves the small endpoints', async () => {
    const info = await fetch(`${server.url}/info`);
    expect(info.headers.get('content-type')).toBe('application/json');
    expect(await info.json()).toEqual({
      KsqlServerInfo: {
        version: expect.stringMatching(/^8\.5\.0/),
        kafkaClusterId: expect.any(String),
        ksqlServiceId: 'default_',
        serverStatus: 'RUNNING',
      },
    });
    const health = await fetch(`${server.url}/healthcheck`);
    expect(await health.json()).toMatchObject({ isHealthy: true, serverState: 'READY' });
    const root = await fetch(`${server.url}/`, { redirect: 'manual' });
    expect(root.status).toBe(307);
    expect(root.headers.get('location')).toBe('/info');
    const cluster = await fetch(`${server.url}/clusterStatus`);
    expect(cluster.status).toBe(404);
    expect(await cluster.text()).toBe('');
    const unknown = await fetch(`${server.url}/nope`);
    expect(unknown.status).toBe(404);
    expect(await unknown.text()).toBe('Not Found');
    const badJson = await fetch(`${server.url}/ksql`, { method: 'POST', body: '{"ksql":' });
    expect(badJson.status).toBe(400);
    expect(await badJson.json()).toMatchObject({ '@type': 'generic_error', error_code: 40000, message: expect.stringMatching(/^Invalid JSON in request: /) });
  });
});

describe('server lifecycle', () => {
  it('ends open push responses on close', async () => {
    const s = await startEngineServer({ port: 0 });
    await fetch(`${s.url}/ksql`, {
      method: 'POST',
      body: JSON.stringify({ ksql: "CREATE STREAM X (A INT) WITH (kafka_topic='x', value_format='JSON', partitions=1);" }),
    });
    const res = await fetch(`${s.url}/query`, {
      method: 'POST',
      headers: { accept: V1 },
      body: JSON.stringify({ ksql: 'SELECT * FROM X EMIT CHANGES;' }),
    });
    const reader = streamReader(res);
    reader.finished.catch(() => {});
    await reader.waitFor((t) => t.includes('\n'));
    await s.close();
    await reader.finished.catch(() => {});
    expect(reader.text.startsWith('[{"header"')).toBe(true);
  });
});
