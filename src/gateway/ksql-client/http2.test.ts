/**
 * The HTTP/2 fallback of the ksqlDB client against a server that speaks
 * only HTTP/1.1 (a plain node:http server answering /query, as ksqlDB
 * behind an HTTP/1.1 proxy would): push queries go to /query, the answer is
 * remembered (one probe), and insertsStream says "not offered" (null).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createH2Server, type Http2ServerRequest, type Http2ServerResponse } from 'node:http2';
import { createServer as createNetServer, type AddressInfo, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createKsqlClient } from './client.js';
import type { KsqlClient } from './types.js';

const disposers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const d of disposers.splice(0).reverse()) await d();
});

const BODY =
  '[{"header":{"queryId":"transient_Q_1","schema":"`ID` INTEGER"}},\n' + '{"row":{"columns":[1]}},\n' + '{"finalMessage":"Limit Reached"}]';

async function http1Only(): Promise<{ url: string; paths: string[]; clientErrors: () => number }> {
  const paths: string[] = [];
  let clientErrors = 0;
  const server: Server = createServer((req, res) => {
    paths.push(req.url ?? '');
    req.resume();
    req.on('end', () => {
      if (req.url === '/query') {
        res.writeHead(200, { 'content-type': 'application/vnd.ksql.v1+json' });
        res.end(BODY);
      } else {
        res.writeHead(404).end();
      }
    });
  });
  // The HTTP/2 preface is not an HTTP/1.1 request: node:http refuses it here.
  server.on('clientError', (_err, socket) => {
    clientErrors++;
    socket.destroy();
  });
  server.keepAliveTimeout = 100;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  disposers.push(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, paths, clientErrors: () => clientErrors };
}

/**
 * HTTP/2 (h2c) and HTTP/1.1 on one port, like ksqlDB behind a proxy that
 * speaks HTTP/2 but has no /query-stream route: 404 there, /query answered.
 */
async function h2WithoutQueryStream(): Promise<{ url: string; hits: string[] }> {
  const hits: string[] = [];
  const handle = (req: IncomingMessage | Http2ServerRequest, res: ServerResponse | Http2ServerResponse) => {
    hits.push(`${req.httpVersionMajor === 2 ? 'h2' : 'h1'} ${req.url}`);
    req.resume();
    req.on('end', () => {
      if (req.url === '/query') {
        res.writeHead(200, { 'content-type': 'application/vnd.ksql.v1+json' });
        res.end(BODY);
      } else if (req.url === '/info') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"KsqlServerInfo":{"version":"8.0.0","kafkaClusterId":"k","ksqlServiceId":"s"}}');
      } else {
        res.writeHead(404);
        res.end('Not Found');
      }
    });
  };
  const h1 = createServer(handle);
  const h2 = createH2Server({}, handle);
  const sockets = new Set<Socket>();
  const server = createNetServer((socket) => {
    sockets.add(socket);
    socket.once('data', (head: Buffer) => {
      socket.pause();
      socket.unshift(head);
      if (head.subarray(0, 3).toString('latin1') === 'PRI') {
        h2.emit('connection', socket);
      } else {
        h1.emit('connection', socket);
        socket.resume();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  disposers.push(
    () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  );
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, hits };
}

function client(url: string): KsqlClient {
  const c = createKsqlClient({ baseUrl: url, requestTimeoutMs: 5_000 });
  disposers.push(() => c.close());
  return c;
}

describe('HTTP/2 fallback', () => {
  it('falls back to /query over HTTP/1.1 and remembers it (one probe)', async () => {
    const server = await http1Only();
    const ksql = client(server.url);
    for (let i = 0; i < 3; i++) {
      const events = [];
      for await (const e of ksql.query({ ksql: 'SELECT * FROM Q EMIT CHANGES LIMIT 1;' })) events.push(e.kind);
      expect(events).toEqual(['header', 'row', 'final']);
    }
    expect(server.paths).toEqual(['/query', '/query', '/query']);
    expect(server.clientErrors()).toBe(1);
  });

  it('insertsStream resolves null (nothing sent) when the server speaks no HTTP/2', async () => {
    const server = await http1Only();
    const ksql = client(server.url);
    expect(await ksql.insertsStream!('S', [{ ID: 1 }])).toBeNull();
    expect(server.paths).toEqual([]);
  });

  it('a 404 on /query-stream means no: /query over HTTP/1.1 from then on', async () => {
    const server = await h2WithoutQueryStream();
    const ksql = client(server.url);
    for (let i = 0; i < 2; i++) {
      const events = [];
      for await (const e of ksql.query({ ksql: 'SELECT * FROM Q EMIT CHANGES LIMIT 1;' })) events.push(e.kind);
      expect(events).toEqual(['header', 'row', 'final']);
    }
    expect(server.hits).toEqual(['h2 /info', 'h2 /query-stream', 'h1 /query', 'h1 /query']);
  });

  it('close() while a push query waits for the probe fails it as closed, and sends nothing', async () => {
    const server = await http1Only();
    const ksql = createKsqlClient({ baseUrl: server.url });
    const stream = ksql.query({ ksql: 'SELECT * FROM Q EMIT CHANGES;' });
    await ksql.close();
    await expect(stream.next()).rejects.toMatchObject({ code: 'KSQL_ABORTED' });
    expect(server.paths).toEqual([]);
  });

  it('return() while the probe runs ends the stream at once, and no query is sent', async () => {
    const server = await http1Only();
    const ksql = client(server.url);
    const stream = ksql.query({ ksql: 'SELECT * FROM Q EMIT CHANGES;' });
    const pending = stream.next();
    await stream.return();
    expect(await pending).toEqual({ value: undefined, done: true });
    // The probe ends; the query it would have opened is closed as it opens.
    await ksql.query({ ksql: 'SELECT * FROM Q EMIT CHANGES LIMIT 1;' }).header;
    expect(server.paths.filter((p) => p === '/query').length).toBeLessThanOrEqual(2);
  });
});
