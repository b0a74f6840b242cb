/**
 * The gateway with the real undici client against a replay server that plays
 * recorded ksqlDB bodies: the client contract (errors, abort, lossless
 * numbers) as the resolvers rely on it. The engine-backed e2e suites live in
 * test/e2e.
 */
import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createKsqlClient } from './ksql-client/client.js';
import {
  Disposer,
  fixture,
  send,
  startReplayServer,
  writeChunks,
  type ReplayServer,
  type Route,
} from './ksql-client/replay-server.test-helper.js';
import { buildGateway, type Gateway } from './server.js';
import { readSse, type GraphQLResponse } from './testing/http.js';

const disposer = new Disposer();
afterEach(() => disposer.disposeAll());

async function setup(route: Route): Promise<{ server: ReplayServer; gateway: Gateway }> {
  const server = disposer.add(await startReplayServer(route), (s) => s.close());
  const client = createKsqlClient({ baseUrl: server.url, requestTimeoutMs: 2_000 });
  const gateway = disposer.add(buildGateway({ client, logger: false, typedSchema: false, adminApi: 'open' }), (g) => g.close());
  return { server, gateway };
}

async function post(gateway: Gateway, query: string, variables?: Record<string, unknown>): Promise<GraphQLResponse> {
  const res = await gateway.fetch('http://gateway.test/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query, variables }),
  });
  return (await res.json()) as GraphQLResponse;
}

describe('gateway + real client', () => {
  it('delivers every recorded value type exactly (BIGINT/DECIMAL as strings)', async () => {
    const { gateway } = await setup((_req, res) => writeChunks(res, [fixture('push-types.body')]));
    const body = await post(gateway, `{ pullQuery(sql: "SELECT * FROM PRICES EMIT CHANGES LIMIT 3;") { rows { row } finalMessage } }`);
    expect(body.errors).toBeUndefined();
    expect(body.data).toEqual({
      pullQuery: {
        rows: [
          {
            row: {
              NAME: '😀 grinning',
              BIG: '9007199254740993',
              PRICE: '1.10',
              NOTE: '日本語テキスト',
              TAGS: ['é', '🎉', '中文'],
              S: { A: 1, B: { π: 3.14 } },
            },
          },
          { row: { NAME: 'é🎉中', BIG: '-9007199254740993', PRICE: '0.05', NOTE: '混合 mixed ✓', TAGS: [], S: { A: null, B: {} } } },
          { row: { NAME: 'ascii', BIG: '42', PRICE: '99.99', NOTE: '', TAGS: null, S: null } },
        ],
        finalMessage: 'Limit Reached',
      },
    });
  });

  it('translates recorded 40001 and 40002 bodies', async () => {
    const { gateway } = await setup((req, res) =>
      send(res, 400, fixture(req.body.includes('SELECT') ? 'error-query-endpoint-400.json' : 'error-statement-400.json')),
    );
    const bad = await post(gateway, `mutation { execute(ksql: "CREATE STREM oops;") { type } }`);
    expect(bad.errors?.[0]?.extensions).toMatchObject({ code: 'KSQL_BAD_STATEMENT', ksqlErrorCode: 40001, httpStatus: 400 });
    const wrong = await post(gateway, `mutation { execute(ksql: "SELECT * FROM S;") { type } }`);
    expect(wrong.errors?.[0]?.extensions).toMatchObject({ code: 'KSQL_QUERY_ENDPOINT', ksqlErrorCode: 40002, httpStatus: 400 });
  });

  it('ends a push query with the recorded in-stream error as a GraphQL error', async () => {
    const { gateway } = await setup((_req, res) => writeChunks(res, [fixture('push-error.body')]));
    const events = readSse(
      gateway.fetch('http://gateway.test/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
        body: JSON.stringify({ query: 'subscription { pushQuery(sql: "SELECT * FROM S EMIT CHANGES;") { __typename } }' }),
      }),
    );
    const all = await events.all();
    expect(all.slice(0, 2)).toEqual([
      { data: { pushQuery: { __typename: 'QueryHeader' } } },
      { data: { pushQuery: { __typename: 'QueryRow' } } },
    ]);
    expect(all[2]?.errors).toEqual([
      expect.objectContaining({
        message: 'io.confluent.ksql.util.KsqlException: Error processing row 😀 in 日本',
        extensions: { code: 'KSQL_SERVER_ERROR', ksqlErrorCode: 50000, httpStatus: 200 },
      }),
    ]);
    expect(all).toHaveLength(3);
    expect(events.completed()).toBe(true);
  });

  it('aborts the upstream /query at once when the SSE client leaves, then calls /close-query', async () => {
    // Push queries write each element followed by ",\n" at once (ksqlDB's `JsonStreamedRowResponseWriter`).
    const header = Buffer.from('[{"header":{"queryId":"transient_S_99","schema":"`ID` STRING"}},\n');
    const { server, gateway } = await setup((req, res) => {
      if (req.url === '/query') {
        res.writeHead(200, { 'content-type': 'application/vnd.ksql.v1+json' });
        res.write(header); // and nothing more: a quiet push query
        return;
      }
      send(res, 200, '');
    });
    const events = readSse(
      gateway.fetch('http://gateway.test/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
        body: JSON.stringify({ query: 'subscription { pushQuery(sql: "SELECT * FROM S EMIT CHANGES;") { __typename } }' }),
      }),
    );
    expect(await events.next()).toEqual({ data: { pushQuery: { __typename: 'QueryHeader' } } });
    const started = Date.now();
    await events.cancel();
    expect(await server.closed(0)).toEqual({ finished: false });
    expect(Date.now() - started).toBeLessThan(1_000);
    await expect.poll(() => server.requests.map((r) => `${r.url} ${r.body}`)).toEqual([
      '/query {"ksql":"SELECT * FROM S EMIT CHANGES;"}',
      '/close-query {"queryId":"transient_S_99"}',
    ]);
  });

  it('reports KSQL_UNAVAILABLE when nothing listens', async () => {
    const port = await new Promise<number>((resolve) => {
      const srv = createServer();
      srv.listen(0, '127.0.0.1', () => {
        const p = (srv.address() as { port: number }).port;
        srv.close(() => resolve(p));
      });
    });
    const gateway = disposer.add(
      buildGateway({ client: createKsqlClient({ baseUrl: `http://127.0.0.1:${port}` }), logger: false, typedSchema: false, adminApi: 'open' }),
      (g) => g.close(),
    );
    const body = await post(gateway, '{ info { version } }');
    expect(body.errors).toEqual([
      expect.objectContaining({ message: 'ksqlDB is unavailable.', extensions: { code: 'KSQL_UNAVAILABLE', reason: 'connection refused' } }),
    ]);
    expect(JSON.stringify(body)).not.toMatch(/ECONNREFUSED|127\.0\.0\.1/);
  });
});
