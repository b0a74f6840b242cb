/**
 * The REST server over cleartext HTTP/2 (prior knowledge, as ksqlDB's Java
 * client connects) beside HTTP/1.1 on the same port: /query-stream in both
 * formats, /close-query, /inserts-stream with acks and a bad row.
 */
import { connect, type ClientHttp2Session } from 'node:http2';
import { connect as netConnect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEngineServer, type EngineServer } from './server.js';

let server: EngineServer;
let session: ClientHttp2Session;

beforeAll(async () => {
  server = await startEngineServer();
  session = connect(server.url);
  await ksql(
    "CREATE STREAM H2S (ID INT KEY, NAME STRING) WITH (kafka_topic='h2s', value_format='json', partitions=1);" +
      "INSERT INTO H2S (ID, NAME) VALUES (1, 'a'); INSERT INTO H2S (ID, NAME) VALUES (2, 'b');",
  );
});
afterAll(async () => {
  session.close();
  await server.close();
});

async function ksql(sql: string): Promise<unknown> {
  const res = await fetch(`${server.url}/ksql`, { method: 'POST', headers: { accept: 'application/json' }, body: JSON.stringify({ ksql: sql }) });
  expect(res.status).toBe(200);
  return res.json();
}

interface H2Response {
  status: number;
  headers: Record<string, unknown>;
  /** Resolves with the whole body once the stream ends. */
  text: Promise<string>;
  /** Resolves once the body so far passes `test`. */
  waitFor(test: (text: string) => boolean): Promise<string>;
  cancel(): void;
}

/** One request over the shared session; `body` lines are sent as given, then the stream ends. */
function h2(path: string, body: string, accept?: string): Promise<H2Response> {
  const req = session.request({ ':method': 'POST', ':path': path, ...(accept === undefined ? {} : { accept }) });
  req.end(body);
  return new Promise((resolve, reject) => {
    req.once('error', reject);
    req.once('response', (headers) => {
      let text = '';
      const waiters: Array<{ test: (t: string) => boolean; resolve: (t: string) => void }> = [];
      req.setEncoding('utf8');
      req.on('data', (chunk: string) => {
        text += chunk;
        for (const w of waiters.splice(0)) {
          if (w.test(text)) w.resolve(text);
          else waiters.push(w);
        }
      });
      const ended = new Promise<string>((res) => req.once('close', () => res(text)));
      resolve({
        status: Number(headers[':status']),
        headers,
        text: ended,
        waitFor: (test) => (test(text) ? Promise.resolve(text) : new Promise((res) => waiters.push({ test, resolve: res }))),
        cancel: () => req.close(),
      });
    });
  });
}

const PUSH = JSON.stringify({ sql: 'SELECT * FROM H2S EMIT CHANGES LIMIT 2;', properties: { 'auto.offset.reset': 'earliest' } });

describe('HTTP/2 (h2c prior knowledge) and HTTP/1.1 on one port', () => {
  it('/query-stream delimited: a metadata line, then one array per row', async () => {
    const res = await h2('/query-stream', PUSH, 'application/vnd.ksqlapi.delimited.v1');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/vnd.ksqlapi.delimited.v1');
    const lines = (await res.text).trim().split('\n').map((l) => JSON.parse(l) as unknown);
    expect(lines[0]).toMatchObject({ columnNames: ['ID', 'NAME'], columnTypes: ['INTEGER', 'STRING'] });
    expect(lines.slice(1)).toEqual([
      [1, 'a'],
      [2, 'b'],
    ]);
  });

  it('/query-stream json: one JSON array', async () => {
    const res = await h2('/query-stream', PUSH, 'application/json');
    expect(res.headers['content-type']).toBe('application/json');
    const body = JSON.parse(await res.text) as unknown[];
    expect(body[0]).toMatchObject({ columnNames: ['ID', 'NAME'] });
    expect(body.slice(1)).toEqual([
      [1, 'a'],
      [2, 'b'],
    ]);
  });

  it('/query-stream v1+json: the StreamedRow array of /query', async () => {
    const res = await h2('/query-stream', PUSH, 'application/vnd.ksql.v1+json');
    const text = await res.text;
    expect(text).toContain('"header"');
    expect(text).toContain('{"finalMessage":"Limit Reached"}');
  });

  it('/close-query over HTTP/2 ends a push query on the same session', async () => {
    const sql = JSON.stringify({ sql: 'SELECT * FROM H2S EMIT CHANGES;', properties: { 'auto.offset.reset': 'earliest' } });
    const res = await h2('/query-stream', sql, 'application/vnd.ksqlapi.delimited.v1');
    const first = await res.waitFor((t) => t.includes('\n'));
    const { queryId } = JSON.parse(first.split('\n')[0] as string) as { queryId: string };
    const closed = await h2('/close-query', JSON.stringify({ queryId }));
    expect(closed.status).toBe(200);
    await closed.text;
    // The push query's stream ends: its body completes.
    const all = await res.text;
    expect(all.trim().split('\n').length).toBeGreaterThanOrEqual(1);
    const again = await h2('/close-query', JSON.stringify({ queryId }));
    expect(again.status).toBe(400);
    expect(JSON.parse(await again.text)).toMatchObject({ error_code: 40000 });
  });

  it('/inserts-stream acks each row, then an InsertError ends the response', async () => {
    const body = [
      JSON.stringify({ target: 'H2S' }),
      JSON.stringify({ id: 10, name: "o'k" }),
      JSON.stringify({ ID: 11, NAME: 'x' }),
      JSON.stringify({ ID: 'not a number', NAME: 'y' }),
      JSON.stringify({ ID: 12, NAME: 'never' }),
    ].join('\n');
    const res = await h2('/inserts-stream', body, 'application/vnd.ksqlapi.delimited.v1');
    expect(res.status).toBe(200);
    const acks = (await res.text).trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(acks.slice(0, 2)).toEqual([
      { seq: 0, status: 'ok' },
      { seq: 1, status: 'ok' },
    ]);
    expect(acks[2]).toMatchObject({ '@type': 'InsertError', status: 'error', seq: 2, error_code: 40000 });
    expect(acks).toHaveLength(3);
    const rows = await h2('/query-stream', JSON.stringify({ sql: 'SELECT * FROM H2S WHERE ID >= 10 EMIT CHANGES LIMIT 2;', properties: { 'auto.offset.reset': 'earliest' } }));
    expect((await rows.text).trim().split('\n').slice(1).map((l) => JSON.parse(l) as unknown)).toEqual([
      [10, "o'k"],
      [11, 'x'],
    ]);
  });

  it('/inserts-stream with application/json acks as an array; an unknown target is a 400', async () => {
    const ok = await h2('/inserts-stream', `${JSON.stringify({ target: 'h2s' })}\n${JSON.stringify({ ID: 20, NAME: 'j' })}\n`, 'application/json');
    expect(JSON.parse(await ok.text)).toEqual([{ seq: 0, status: 'ok' }]);
    const unknown = await h2('/inserts-stream', JSON.stringify({ target: 'NOPE' }) + '\n');
    expect(unknown.status).toBe(400);
    expect(JSON.parse(await unknown.text)).toMatchObject({ error_code: 40001 });
  });

  it('HTTP/1.1 is unchanged on the same port, and /inserts-stream there is 400 40004', async () => {
    const info = await fetch(`${server.url}/info`);
    expect(info.status).toBe(200);
    const inserts = await fetch(`${server.url}/inserts-stream`, { method: 'POST', body: JSON.stringify({ target: 'H2S' }) });
    expect(inserts.status).toBe(400);
    expect(await inserts.json()).toMatchObject({ error_code: 40004 });
    const q = await fetch(`${server.url}/query-stream`, { method: 'POST', body: PUSH });
    expect((await q.text()).trim().split('\n')).toHaveLength(3);
  });

  it('survives connections reset mid-preface, and reads a request whose first bytes come alone', async () => {
    const { port } = server;
    const reset = netConnect(port, '127.0.0.1');
    await new Promise((resolve) => reset.once('connect', resolve));
    reset.write('PRI * HTTP/2.0\r\n');
    reset.resetAndDestroy();
    const split = netConnect(port, '127.0.0.1');
    await new Promise((resolve) => split.once('connect', resolve));
    let text = '';
    split.setEncoding('utf8');
    split.on('data', (c: string) => (text += c));
    const closed = new Promise((resolve) => split.once('close', resolve));
    split.write('P');
    setImmediate(() => split.write('OST /close-query HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}'));
    await closed;
    // The HTTP/1.1 server read the whole request: 400 for the missing queryId, not a parse error.
    expect(text).toMatch(/^HTTP\/1\.1 400/);
    expect(text).toContain('queryId');
    expect((await fetch(`${server.url}/info`)).status).toBe(200);
  });
});
