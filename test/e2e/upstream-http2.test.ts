/**
 * The gateway's ksqlDB client over HTTP/2 against the embedded engine's REST
 * server (h2c beside HTTP/1.1 on one port): push queries share one TCP
 * connection, cancelling one closes it on the engine, insertsStream acks
 * per row; and with `http2: 'off'` everything is as before.
 */
import type { Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startEngineServer, type EngineServer } from '../../src/engine/rest/server.js';
import { createKsqlClient } from '../../src/gateway/ksql-client/index.js';
import type { KsqlClient, QueryEvent, QueryStream } from '../../src/gateway/ksql-client/index.js';
import { eventually, pushQueryCount } from '../utils/stack.js';

const disposers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const d of disposers.splice(0).reverse()) await d();
});

async function engineWithStream(): Promise<{ server: EngineServer; sockets: Socket[] }> {
  const server = await startEngineServer();
  disposers.push(() => server.close());
  const sockets: Socket[] = [];
  const off = server.onConnection((s) => sockets.push(s));
  disposers.push(async () => void off());
  const res = await fetch(`${server.url}/ksql`, {
    method: 'POST',
    headers: { accept: 'application/json' },
    body: JSON.stringify({
      ksql:
        "CREATE STREAM S (ID INT KEY, V STRING) WITH (kafka_topic='s', value_format='json', partitions=1);" +
        "INSERT INTO S (ID, V) VALUES (1, 'one');",
    }),
  });
  expect(res.status).toBe(200);
  sockets.length = 0;
  return { server, sockets };
}

function client(server: EngineServer, http2: 'auto' | 'off' = 'auto'): KsqlClient {
  const c = createKsqlClient({ baseUrl: server.url, http2 });
  disposers.push(() => c.close());
  return c;
}

async function firstRow(stream: QueryStream): Promise<QueryEvent[]> {
  const events: QueryEvent[] = [];
  for (;;) {
    const r = await stream.next();
    if (r.done) return events;
    events.push(r.value);
    if (r.value.kind === 'row') return events;
  }
}

const PUSH = { ksql: 'SELECT * FROM S EMIT CHANGES;', streamsProperties: { 'auto.offset.reset': 'earliest' } };

describe('ksqlDB client over HTTP/2', () => {
  it('runs many push queries over ONE TCP connection, rows and header as over /query', async () => {
    const { server, sockets } = await engineWithStream();
    const ksql = client(server);
    const streams = Array.from({ length: 8 }, () => ksql.query(PUSH));
    for (const s of streams) {
      const events = await firstRow(s);
      expect(events[0]).toMatchObject({ kind: 'header', columns: [{ name: 'ID' }, { name: 'V' }] });
      expect(events[1]).toEqual({ kind: 'row', columns: [1, 'one'], tombstone: false });
    }
    expect(await pushQueryCount({ ksqlUrl: server.url })).toBe(8);
    // One connection for the probe and every query (the /ksql call above was counted before).
    expect(sockets).toHaveLength(1);
    for (const s of streams) await s.return();
  });

  it('cancelling a push query resets its stream, and closeQuery (over the same connection) ends it', async () => {
    const { server, sockets } = await engineWithStream();
    const ksql = client(server);
    const keep = ksql.query(PUSH);
    await firstRow(keep);
    const clientPort = sockets[0]?.remotePort;
    const stream = ksql.query(PUSH);
    await firstRow(stream);
    const { queryId } = await stream.header;
    expect(await pushQueryCount({ ksqlUrl: server.url })).toBe(2);
    await stream.return();
    await ksql.closeQuery(queryId).catch(() => {});
    await eventually(() => pushQueryCount({ ksqlUrl: server.url }), (n) => n === 1);
    // The client's queries and close-query all went over one connection (SHOW QUERIES above is the test's own).
    expect(sockets.filter((s) => s.remotePort === clientPort)).toHaveLength(1);
    // The other query on the shared connection is untouched.
    await fetch(`${server.url}/ksql`, { method: 'POST', body: JSON.stringify({ ksql: "INSERT INTO S (ID, V) VALUES (2, 'two');" }) });
    expect(await firstRow(keep)).toEqual([{ kind: 'row', columns: [2, 'two'], tombstone: false }]);
    await keep.return();
  });

  it('insertsStream acknowledges each row; a bad row is an error and the rest are skipped', async () => {
    const { server } = await engineWithStream();
    const ksql = client(server);
    const results = await ksql.insertsStream!('S', [{ ID: 5, V: 'five' }, { '`ID`': 6, '`V`': 'six' }, { ID: 'x' }, { ID: 7 }]);
    expect(results?.map((r) => r.status)).toEqual(['ok', 'ok', 'error', 'skipped']);
    const error = results?.[2];
    expect(error?.status === 'error' && error.error.code).toBe('KSQL_SERVER_ERROR');
  });

  it('a push query whose consumer is behind stalls only its own stream: another on the same connection flows', async () => {
    const { server, sockets } = await engineWithStream();
    const ksql = createKsqlClient({ baseUrl: server.url, queryBufferChunks: 1 });
    disposers.push(() => ksql.close());
    const slow = ksql.query(PUSH);
    await firstRow(slow);
    const fast = ksql.query({ ksql: "SELECT * FROM S WHERE ID = 999 EMIT CHANGES;" });
    await fast.header;
    // 4 MiB of rows for the slow query: far past its read-ahead (128 KiB), the HTTP/2
    // stream window (256 KiB) and the connection window (512 KiB) together.
    const big = 'x'.repeat(16 * 1024);
    const records = Array.from({ length: 256 }, (_, i) => ({ key: i + 100, value: { V: big } }));
    const produced = await fetch(`${server.url}/topics/s`, { method: 'POST', body: JSON.stringify({ records }) });
    expect(produced.status).toBe(200);
    await fetch(`${server.url}/topics/s`, { method: 'POST', body: JSON.stringify({ records: [{ key: 999, value: { V: 'fast' } }] }) });
    expect((await firstRow(fast)).at(-1)).toEqual({ kind: 'row', columns: [999, 'fast'], tombstone: false });
    // The slow one still has its rows, in order, once it reads.
    expect((await firstRow(slow))[0]).toMatchObject({ kind: 'row', columns: [100, big] });
    expect(sockets.filter((s) => s.remotePort === sockets[0]?.remotePort)).toHaveLength(1);
    await slow.return();
    await fast.return();
  });

  it("http2: 'off' uses /query over HTTP/1.1 (a socket per push query) and has no insertsStream", async () => {
    const { server, sockets } = await engineWithStream();
    const ksql = client(server, 'off');
    const streams = [ksql.query(PUSH), ksql.query(PUSH)];
    for (const s of streams) await firstRow(s);
    expect(sockets).toHaveLength(2);
    expect(await ksql.insertsStream!('S', [{ ID: 1 }])).toBeNull();
    for (const s of streams) await s.return();
  });
});
