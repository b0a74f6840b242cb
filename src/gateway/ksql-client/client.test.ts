import { createServer } from 'node:net';
import { inspect } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { JsonNumber } from '../../protocol/index.js';
import { createKsqlClient, type KsqlClientOptions } from './client.js';
import {
  KsqlAbortError,
  KsqlClientConfigError,
  KsqlProtocolError,
  KsqlServerError,
  KsqlTimeoutError,
  KsqlTransportError,
} from './errors.js';
import { Disposer, fixture, send, sleep, startReplayServer, type ReplayServer, type Route } from './replay-server.test-helper.js';
import type { KsqlClient } from './types.js';

const disposer = new Disposer();
afterEach(() => disposer.disposeAll());

async function setup(
  route: Route,
  options: Omit<KsqlClientOptions, 'baseUrl'> & { basePath?: string } = {},
): Promise<{ server: ReplayServer; client: KsqlClient }> {
  const { basePath = '', ...rest } = options;
  const server = disposer.add(await startReplayServer(route), (s) => s.close());
  const client = disposer.add(createKsqlClient({ baseUrl: server.url + basePath, ...rest }), (c) => c.close());
  return { server, client };
}

const json = (name: string): Route => (_req, res) => send(res, 200, fixture(name));

/** A port nobody listens on. */
async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as { port: number };
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

describe('endpoints', () => {
  it('info() unwraps KsqlServerInfo and sends Accept and User-Agent', async () => {
    const { server, client } = await setup(json('info.json'));
    expect(await client.info()).toEqual({
      version: '8.5.0-0',
      kafkaClusterId: 'Mk3OEYBSD34fcwNTJENDM2Qk',
      ksqlServiceId: 'default_',
      serverStatus: 'RUNNING',
    });
    const [req] = server.requests;
    expect(req).toMatchObject({ method: 'GET', url: '/info', body: '' });
    expect(req?.headers['accept']).toBe('application/vnd.ksql.v1+json, application/json;q=0.9');
    expect(req?.headers['user-agent']).toBe('ksqldb-graphql-gateway');
    expect(req?.headers['authorization']).toBeUndefined();
  });

  it('healthcheck() and clusterStatus()', async () => {
    const { server, client } = await setup((req, res) =>
      send(res, 200, fixture(req.url === '/healthcheck' ? 'healthcheck.json' : 'cluster-status.json')),
    );
    expect(await client.healthcheck()).toMatchObject({ isHealthy: true, serverState: 'READY' });
    expect(await client.clusterStatus()).toMatchObject({
      clusterStatus: { 'ksqldb-server:8088': { hostAlive: true, lastStatusUpdateMs: 1700000000000 } },
    });
    expect(server.requests.map((r) => `${r.method} ${r.url}`)).toEqual(['GET /healthcheck', 'GET /clusterStatus']);
  });

  it('ksql() posts the request with stringifyJson (bigint survives) and returns the entities', async () => {
    const { server, client } = await setup(json('ksql-create-stream.json'));
    const entities = await client.ksql({
      ksql: "CREATE STREAM S (K STRING KEY, V INT) WITH (kafka_topic='t', value_format='JSON', partitions=1); SHOW STREAMS;",
      streamsProperties: { 'ksql.streams.auto.offset.reset': 'earliest', 'some.long': 9007199254740993n },
      commandSequenceNumber: 12,
    });
    expect(entities.map((e) => e['@type'])).toEqual(['currentStatus', 'streams']);
    expect(entities[0]).toMatchObject({ commandId: 'stream/`S`/create', commandStatus: { status: 'SUCCESS' } });
    const [req] = server.requests;
    expect(req).toMatchObject({ method: 'POST', url: '/ksql' });
    expect(req?.headers['content-type']).toBe('application/json');
    expect(req?.body).toContain('"some.long":9007199254740993');
    expect(req?.body).toContain('"commandSequenceNumber":12');
  });

  it('responses are parsed losslessly', async () => {
    const { client } = await setup((_req, res) =>
      send(res, 200, '[{"@type":"currentStatus","statementText":"x;","commandId":"c","commandStatus":{"status":"SUCCESS","message":"","queryId":null},"commandSequenceNumber":9007199254740993,"warnings":[]}]'),
    );
    const [entity] = await client.ksql({ ksql: 'x;' });
    expect((entity as { commandSequenceNumber: unknown }).commandSequenceNumber).toEqual(new JsonNumber('9007199254740993'));
  });

  it('status() percent-encodes the backticks of a commandId', async () => {
    const { server, client } = await setup(json('status-success.json'));
    expect(await client.status('stream/`FOO`/create')).toEqual({ status: 'SUCCESS', message: 'Stream created', queryId: null });
    expect(server.requests[0]?.url).toBe('/status/stream/%60FOO%60/create');
  });

  it('terminateCluster() with and without a topic list', async () => {
    const { server, client } = await setup(json('terminate.json'));
    const [entity] = await client.terminateCluster(['FOO', 'bar.*']);
    expect(entity).toMatchObject({ commandId: 'cluster/TerminateCluster/terminate' });
    await client.terminateCluster();
    expect(server.requests.map((r) => [r.url, r.body])).toEqual([
      ['/ksql/terminate', '{"deleteTopicList":["FOO","bar.*"]}'],
      ['/ksql/terminate', '{}'],
    ]);
  });

  it('closeQuery() posts the id and accepts the empty 200', async () => {
    const { server, client } = await setup((_req, res) => {
      res.writeHead(200);
      res.end();
    });
    await expect(client.closeQuery('transient_S_123')).resolves.toBeUndefined();
    expect(server.requests[0]).toMatchObject({ method: 'POST', url: '/close-query', body: '{"queryId":"transient_S_123"}' });
  });

  it('keeps a base path prefix', async () => {
    const { server, client } = await setup(json('status-success.json'), { basePath: '/ksqldb/' });
    await client.status('stream/FOO/drop');
    expect(server.requests[0]?.url).toBe('/ksqldb/status/stream/FOO/drop');
  });

  it('reuses the connection after a /query ends, also when the body ends after finalMessage/errorMessage', async () => {
    const sockets = new Set<unknown>();
    const bodies = ['push-limit.body', 'push-legacy.body', 'push-error.body'];
    let n = 0;
    const { client } = await setup(async (req, res, raw) => {
      sockets.add(raw.socket);
      if (req.url !== '/query') return send(res, 200, fixture('info.json'));
      const body = fixture(bodies[n++ % bodies.length] as string);
      // Everything up to the closing bracket now, the rest a little later:
      // the consumer is done before the body is; the client drains it.
      const cut = body.at(-1) === 0x0a ? body.length : body.lastIndexOf(']');
      res.writeHead(200, { 'content-type': 'application/vnd.ksql.v1+json' });
      res.write(body.subarray(0, cut));
      await sleep(500);
      res.end(body.subarray(cut));
    });
    for (let i = 0; i < bodies.length; i++) {
      const started = Date.now();
      try {
        for await (const event of client.query({ ksql: 'SELECT * FROM S EMIT CHANGES LIMIT 1;' })) void event;
      } catch (err) {
        expect(err).toMatchObject({ code: 'KSQL_SERVER_ERROR', inStream: true });
      }
      if (i > 0) expect(Date.now() - started).toBeLessThan(400);
      await sleep(550);
      await client.info();
      await sleep(20);
    }
    expect(sockets.size).toBe(1);
  });
});

describe('error responses', () => {
  it('a statement_error without Content-Type becomes a KsqlServerError with the exact fields', async () => {
    const { client } = await setup((_req, res) => send(res, 400, fixture('error-query-endpoint-400.json'), null));
    const err = await client.ksql({ ksql: 'SELECT * FROM S EMIT CHANGES;' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KsqlServerError);
    expect(err).toMatchObject({
      name: 'KsqlServerError',
      code: 'KSQL_SERVER_ERROR',
      httpStatus: 400,
      errorCode: 40002,
      ksqlType: 'statement_error',
      statementText: 'SELECT * FROM S EMIT CHANGES;',
      entities: [],
      message: "The following statement types should be issued to the websocket endpoint '/query':\n\t* PRINT\n\t* SELECT",
      synthesized: false,
      inStream: false,
      method: 'POST',
      path: '/ksql',
    });
  });

  it.each([
    ['error-not-ready-503.json', 503, 50302, 'generic_error', 'KSQL is not yet ready to serve requests.'],
    ['error-unauthorized-401.json', 401, 40100, 'generic_error', 'Unauthorized'],
    ['status-not-found-404.json', 404, 40400, 'generic_error', 'Command not found'],
  ])('%s -> errorCode %i', async (name, status, errorCode, ksqlType, message) => {
    const { client } = await setup((_req, res) => send(res, status, fixture(name), null));
    await expect(client.status('stream/`X`/create')).rejects.toMatchObject({
      httpStatus: status,
      errorCode,
      ksqlType,
      message,
      statementText: undefined,
      synthesized: false,
    });
  });

  it('the plain-text 404 "Not Found" is synthesised as 40400', async () => {
    const { client } = await setup((_req, res) => send(res, 404, fixture('not-found-404.txt'), null));
    await expect(client.info()).rejects.toMatchObject({
      code: 'KSQL_SERVER_ERROR',
      httpStatus: 404,
      errorCode: 40400,
      ksqlType: null,
      synthesized: true,
      message: 'ksqlDB returned HTTP 404: Not Found',
    });
  });

  it('an empty 406 is synthesised as 40600', async () => {
    const { client } = await setup((_req, res) => send(res, 406, '', null));
    await expect(client.info()).rejects.toMatchObject({
      httpStatus: 406,
      errorCode: 40600,
      synthesized: true,
      message: 'ksqlDB returned HTTP 406 with an empty body',
    });
  });

  it('a 200 that is not JSON, or has the wrong shape, is a protocol error', async () => {
    const { client } = await setup((req, res) =>
      req.url === '/info' ? send(res, 200, '<html>proxy</html>', 'text/html') : send(res, 200, '{"not":"an array"}'),
    );
    await expect(client.info()).rejects.toBeInstanceOf(KsqlProtocolError);
    await expect(client.ksql({ ksql: 'SHOW STREAMS;' })).rejects.toMatchObject({ code: 'KSQL_PROTOCOL', path: '/ksql' });
  });
});

describe('transport, timeouts, aborts', () => {
  it('connection refused is a KsqlTransportError', async () => {
    const port = await closedPort();
    const client = disposer.add(createKsqlClient({ baseUrl: `http://127.0.0.1:${port}` }), (c) => c.close());
    const err = await client.info().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KsqlTransportError);
    expect(err).toMatchObject({
      code: 'KSQL_TRANSPORT',
      timeout: false,
      causeCode: 'ECONNREFUSED',
      reason: 'connection refused',
      method: 'GET',
      path: '/info',
    });
    expect((err as Error).cause).toBeDefined();
    await expect(client.query({ ksql: 'SELECT 1;' }).header).rejects.toMatchObject({ code: 'KSQL_TRANSPORT' });
  });

  it('a server that never answers times out with KsqlTimeoutError', async () => {
    const { server, client } = await setup(() => {
      /* never answers */
    });
    const started = Date.now();
    const err = await client.info({ timeoutMs: 200 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KsqlTimeoutError);
    expect(err).toBeInstanceOf(KsqlTransportError);
    expect(err).toMatchObject({ code: 'KSQL_TIMEOUT', timeout: true, timeoutMs: 200 });
    expect(Date.now() - started).toBeLessThan(2000);
    await server.closed(0);
  });

  it('a body that stalls times out too (requestTimeoutMs)', async () => {
    const { client } = await setup(
      (_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write('[');
      },
      { requestTimeoutMs: 200 },
    );
    await expect(client.ksql({ ksql: 'SHOW STREAMS;' })).rejects.toMatchObject({ code: 'KSQL_TIMEOUT' });
  });

  it("the caller's signal aborts with KsqlAbortError carrying the reason", async () => {
    const { server, client } = await setup(() => {
      /* never answers */
    });
    const controller = new AbortController();
    const pending = client.info({ signal: controller.signal });
    await sleep(50);
    const reason = new Error('client went away');
    controller.abort(reason);
    const err = await pending.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KsqlAbortError);
    expect(err).toMatchObject({ code: 'KSQL_ABORTED', cause: reason });
    expect(await server.closed(0)).toEqual({ finished: false });
  });

  it('an aborted AbortSignal.timeout() of the caller is an abort, not our timeout', async () => {
    const { client } = await setup(() => {
      /* never answers */
    });
    await expect(client.info({ signal: AbortSignal.timeout(50) })).rejects.toMatchObject({ code: 'KSQL_ABORTED' });
  });

  it('calls after close() are rejected with KSQL_ABORTED', async () => {
    const { client } = await setup(json('info.json'));
    await client.close();
    await expect(client.info()).rejects.toMatchObject({ code: 'KSQL_ABORTED' });
  });
});

describe('credentials', () => {
  const echo: Route = (req, res) => send(res, 200, JSON.stringify({ KsqlServerInfo: { version: req.headers['authorization'] ?? null } }));

  it('sends Basic credentials', async () => {
    const { server, client } = await setup(echo, { credentials: { type: 'basic', username: 'alice', password: 'pä:ss' } });
    await client.info();
    expect(server.requests[0]?.headers['authorization']).toBe(`Basic ${Buffer.from('alice:pä:ss').toString('base64')}`);
  });

  it('sends Bearer credentials', async () => {
    const { server, client } = await setup(echo, { credentials: { type: 'bearer', token: 'tok-123' } });
    await client.query({ ksql: 'SELECT 1;' }).return();
    await client.info();
    expect(server.requests.map((r) => r.headers['authorization'])).toContain('Bearer tok-123');
    expect(server.requests.at(-1)?.headers['authorization']).toBe('Bearer tok-123');
  });

  it('forwarded authorization overrides the configured credentials; absent, they apply', async () => {
    const { server, client } = await setup(echo, {
      credentials: { type: 'bearer', token: 'service-token' },
      forwardAuthorization: true,
    });
    await client.info({ authorization: 'Bearer user-token' });
    await client.info();
    const query = client.query({ ksql: 'SELECT 1;' }, { authorization: 'Basic dXNlcjpwdw==' });
    await sleep(50);
    await query.return();
    expect(server.requests.map((r) => r.headers['authorization'])).toEqual([
      'Bearer user-token',
      'Bearer service-token',
      'Basic dXNlcjpwdw==',
    ]);
  });

  it('without forwardAuthorization the incoming header is ignored', async () => {
    const { server, client } = await setup(echo, { credentials: { type: 'bearer', token: 'service-token' } });
    await client.info({ authorization: 'Bearer user-token' });
    expect(server.requests[0]?.headers['authorization']).toBe('Bearer service-token');
  });

  describe('never appear in errors', () => {
    const PASSWORD = 'S3cr3t-Pa55word';
    const TOKEN = 'user-T0ken-abcdef';
    const basic = Buffer.from(`alice:${PASSWORD}`).toString('base64');
    const forbidden = [PASSWORD, basic, TOKEN];

    function assertClean(err: unknown): void {
      expect(err).toBeInstanceOf(Error);
      const e = err as Error;
      const views = [String(e), e.message, JSON.stringify(e), inspect(e, { depth: Infinity, showHidden: true })];
      for (const view of views) for (const secret of forbidden) expect(view).not.toContain(secret);
    }

    const options = {
      credentials: { type: 'basic', username: 'alice', password: PASSWORD },
      forwardAuthorization: true,
    } as const;

    it('server errors that echo the header are redacted', async () => {
      const { client } = await setup(
        (req, res) =>
          req.url === '/info'
            ? send(res, 401, JSON.stringify({ '@type': 'generic_error', error_code: 40100, message: `Unauthorized: ${req.headers['authorization']}` }), null)
            : send(res, 400, `bad header ${req.headers['authorization']}`, 'text/plain'),
        options,
      );
      const e1 = await client.info().catch((e: unknown) => e);
      expect(e1).toMatchObject({ errorCode: 40100, message: 'Unauthorized: [REDACTED]' });
      assertClean(e1);
      const e2 = await client.ksql({ ksql: 'x;' }, { authorization: `Bearer ${TOKEN}` }).catch((e: unknown) => e);
      expect(e2).toMatchObject({ errorCode: 40000, synthesized: true });
      assertClean(e2);
      const e3 = await client.pullQuery({ ksql: 'x;' }).catch((e: unknown) => e);
      assertClean(e3);
    });

    it('transport, timeout, abort and protocol errors', async () => {
      const port = await closedPort();
      const refused = disposer.add(createKsqlClient({ baseUrl: `http://127.0.0.1:${port}`, ...options }), (c) => c.close());
      assertClean(await refused.info().catch((e: unknown) => e));
      assertClean(await refused.query({ ksql: 'x;' }, { authorization: `Bearer ${TOKEN}` }).next().catch((e: unknown) => e));

      const { client } = await setup((req, res) => {
        if (req.url === '/info') return; // never answers
        if (req.url === '/ksql') send(res, 200, 'garbage');
      }, options);
      assertClean(await client.info({ timeoutMs: 100 }).catch((e: unknown) => e));
      assertClean(await client.info({ signal: AbortSignal.abort(new Error('bye')) }).catch((e: unknown) => e));
      assertClean(await client.ksql({ ksql: 'x;' }, { authorization: `Bearer ${TOKEN}` }).catch((e: unknown) => e));
      // A forwarded value undici refuses (header injection attempt).
      const injected = await client.ksql({ ksql: 'x;' }, { authorization: `Bearer ${TOKEN}\r\nX-Evil: 1` }).catch((e: unknown) => e);
      expect(injected).toMatchObject({ code: 'KSQL_TRANSPORT', causeCode: 'UND_ERR_INVALID_ARG' });
      assertClean(injected);
    });

    it('config errors do not echo a password in the URL', () => {
      let err: unknown;
      try {
        createKsqlClient({ baseUrl: `http://alice:${PASSWORD}@localhost:8088` });
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(KsqlClientConfigError);
      expect(err).toMatchObject({ code: 'KSQL_CLIENT_CONFIG' });
      assertClean(err);
    });
  });
});

describe('options', () => {
  it('refuses bad options with KsqlClientConfigError', () => {
    expect(() => createKsqlClient({ baseUrl: 'not a url' })).toThrow(KsqlClientConfigError);
    expect(() => createKsqlClient({ baseUrl: 'ftp://x' })).toThrow(KsqlClientConfigError);
    expect(() => createKsqlClient({ baseUrl: 'http://x', requestTimeoutMs: -1 })).toThrow(KsqlClientConfigError);
    expect(() => createKsqlClient({ baseUrl: 'http://x', headers: { Authorization: 'Bearer x' } })).toThrow(
      KsqlClientConfigError,
    );
    expect(() =>
      createKsqlClient({ baseUrl: 'http://x', credentials: { type: 'basic', username: 'a:b', password: 'p' } }),
    ).toThrow(KsqlClientConfigError);
  });

  it('sends extra headers and a custom user agent', async () => {
    const { server, client } = await setup(json('info.json'), { headers: { 'X-Tenant': 'blue' }, userAgent: 'test/1' });
    await client.info();
    expect(server.requests[0]?.headers).toMatchObject({ 'x-tenant': 'blue', 'user-agent': 'test/1' });
  });
});
