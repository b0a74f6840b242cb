/**
 * HTTP/2 towards an https ksqlDB: the engine offers h2 by ALPN beside
 * http/1.1, the client negotiates it (with mutual TLS) and shares one
 * connection; against an https server that offers only HTTP/1.1 it falls
 * back to /query.
 */
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startEngineServer } from '../../src/engine/rest/server.js';
import { createKsqlClient, type QueryEvent, type QueryStream } from '../../src/gateway/ksql-client/index.js';
import { makeTestCerts, opensslMissing, type TestCerts } from '../utils/certs.js';

const skipReason = opensslMissing();
let certs: TestCerts;
const disposers: Array<() => unknown> = [];
beforeAll(() => {
  if (skipReason !== undefined) return;
  certs = makeTestCerts();
  return () => certs.dispose();
});
afterEach(async () => {
  for (const dispose of disposers.splice(0).reverse()) await dispose();
});

async function events(stream: QueryStream, n: number): Promise<QueryEvent[]> {
  const out: QueryEvent[] = [];
  while (out.length < n) {
    const r = await stream.next();
    if (r.done) break;
    out.push(r.value);
  }
  return out;
}

describe.skipIf(skipReason !== undefined)(`HTTP/2 over TLS${skipReason ? ` (skipped: ${skipReason})` : ''}`, () => {
  it('negotiates h2 by ALPN with mutual TLS and runs every push query on one connection', async () => {
    const engine = await startEngineServer({ tls: { cert: certs.server.cert, key: certs.server.key, ca: certs.clientCa.cert } });
    disposers.push(() => engine.close());
    const sockets: Socket[] = [];
    disposers.push(engine.onConnection((s) => sockets.push(s)));
    const ksql = createKsqlClient({ baseUrl: engine.url, tls: { ca: certs.ca.cert, cert: certs.client.cert, key: certs.client.key } });
    disposers.push(() => ksql.close());
    await ksql.ksql({ ksql: "CREATE STREAM T (ID INT KEY, V STRING) WITH (kafka_topic='t', value_format='json', partitions=1);" });
    const before = sockets.length;
    const results = await ksql.insertsStream!('T', [{ ID: 1, V: 'one' }]);
    expect(results).toEqual([{ seq: 0, status: 'ok' }]);
    const streams = Array.from({ length: 4 }, () => ksql.query({ ksql: 'SELECT * FROM T EMIT CHANGES;', streamsProperties: { 'auto.offset.reset': 'earliest' } }));
    for (const s of streams) expect((await events(s, 2))[1]).toEqual({ kind: 'row', columns: [1, 'one'], tombstone: false });
    // The ALPN probe's connection (closed at once) and the one HTTP/2 connection.
    expect(sockets.length - before).toBe(2);
    for (const s of streams) await s.return();
  });

  it('falls back to /query over HTTP/1.1 when the server offers no h2', async () => {
    const paths: string[] = [];
    const server = createHttpsServer({ cert: certs.server.cert, key: certs.server.key }, (req, res) => {
      paths.push(req.url ?? '');
      req.resume();
      res.writeHead(200, { 'content-type': 'application/vnd.ksql.v1+json' });
      res.end('[{"header":{"queryId":"q","schema":"`ID` INTEGER"}},\n{"row":{"columns":[7]}},\n{"finalMessage":"Limit Reached"}]');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    disposers.push(() => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }));
    const ksql = createKsqlClient({ baseUrl: `https://127.0.0.1:${(server.address() as AddressInfo).port}`, tls: { ca: certs.ca.cert } });
    disposers.push(() => ksql.close());
    const got = await events(ksql.query({ ksql: 'SELECT * FROM Q EMIT CHANGES LIMIT 1;' }), 3);
    expect(got.map((e) => e.kind)).toEqual(['header', 'row', 'final']);
    expect(paths).toEqual(['/query']);
  });
});
