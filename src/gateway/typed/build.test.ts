/**
 * The typed root fields in process (`gateway.fetch`) against a fake client
 * that serves a scripted catalog: the exact statements sent, the caller's
 * credential on each call, and upstream errors reaching the client.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { KsqlEntity, KsqlRequest, SourceDescription } from '../../protocol/index.js';
import { KsqlServerError } from '../ksql-client/errors.js';
import type { KsqlClient, PullQueryResult } from '../ksql-client/types.js';
import { buildGateway, type Gateway } from '../server.js';
import { ctasTable, propertiesEntity, sourceDescription, sourceDescriptionsEntity } from '../testing/catalog.js';
import { createFakeKsqlClient, type FakeKsqlClient } from '../testing/fake-ksql-client.js';
import { readSse, type GraphQLResponse } from '../testing/http.js';

const URL_ = 'http://gateway.test/graphql';
const gateways: Gateway[] = [];
afterEach(async () => {
  await Promise.all(gateways.splice(0).map((g) => g.close()));
});

const CATALOG: SourceDescription[] = [
  ctasTable('USERS', { fields: [['ID', 'STRING', 'KEY'], ['NAME', 'STRING'], ['VISITS', 'BIGINT']] }),
  ctasTable('PER_MINUTE', { windowType: 'TUMBLING', fields: [['ID', 'STRING', 'KEY'], ['N', 'BIGINT']] }),
  sourceDescription('CLICKS', { fields: [['ID', 'STRING', 'KEY'], ['URL', 'STRING']] }),
];

async function catalogAnswer(request: KsqlRequest, tableScans = true): Promise<KsqlEntity[]> {
      if (request.ksql.startsWith('LIST')) return [sourceDescriptionsEntity(CATALOG)];
      if (request.ksql.startsWith('SHOW PROPERTIES')) return [propertiesEntity({ 'ksql.query.pull.table.scan.enabled': String(tableScans) })];
      return [];
}

function setup(overrides: Partial<KsqlClient> = {}, tableScans = true): { client: FakeKsqlClient; gateway: Gateway } {
  const client = createFakeKsqlClient({
    ksql: (request: KsqlRequest) => catalogAnswer(request, tableScans),
    pullQuery: async (): Promise<PullQueryResult> => ({
      header: { queryId: 'q1', schema: '`ID` STRING KEY, `NAME` STRING, `VISITS` BIGINT', columns: [] },
      rows: [],
      finalMessage: null,
    }),
    ...overrides,
  });
  const gateway = buildGateway({ client, logger: false, typedSchema: { refreshIntervalMs: 0 } });
  gateways.push(gateway);
  return { client, gateway };
}

async function post(gateway: Gateway, query: string, variables?: Record<string, unknown>, headers: Record<string, string> = {}) {
  await gateway.typedSchema?.refresh();
  const res = await gateway.fetch(URL_, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', ...headers },
    body: JSON.stringify({ query, variables }),
  });
  return (await res.json()) as GraphQLResponse;
}

const sqlOf = (client: FakeKsqlClient, method: 'pullQuery' | 'ksql' | 'query') =>
  client.callsOf(method).map((c) => (c.args[0] as KsqlRequest).ksql).filter((k) => !/^(LIST|SHOW)/.test(k));

describe('typed Query fields', () => {
  it('builds pull queries from the arguments and the selection, with the caller credential', async () => {
    const { client, gateway } = setup();
    const auth = { authorization: 'Bearer caller-token' };
    expect((await post(gateway, `{ users(id: "O'Brien") { name } }`, undefined, auth)).errors).toBeUndefined();
    await post(gateway, `{ users(where: { or: [{ visits: { gt: "9007199254740993" } }, { not: { name: { in: ["a", "b"] } } }] }, limit: 5) { id ...F } } fragment F on Users { visits }`);
    const w = await post(gateway, `{ perMinute(id: "k", windowStart: { gte: "2024-01-01T00:00:00Z", lt: "2024-01-01T01:00" }) { windowStart n } }`);
    expect(w.errors).toBeUndefined();
    expect(sqlOf(client, 'pullQuery')).toEqual([
      "SELECT `NAME` FROM `USERS` WHERE (`ID` = 'O''Brien');",
      expect.stringMatching(/^SELECT `ID`, `VISITS` FROM `USERS` WHERE .*9007199254740993.* LIMIT 5;$/),
      "SELECT `WINDOWSTART`, `N` FROM `PER_MINUTE` WHERE (`ID` = 'k') AND (`WINDOWSTART` >= 1704067200000) AND (`WINDOWSTART` < 1704070800000);",
    ]);
    expect(client.callsOf('pullQuery')[0]?.options?.authorization).toBe('Bearer caller-token');
  });

  it('offers pull queries only on materialized tables, and windows only on windowed ones', async () => {
    const { gateway } = setup();
    const res = await post(gateway, `{ __type(name: "Query") { fields { name args { name } } } }`);
    const fields = (res.data?.__type as { fields: Array<{ name: string; args: Array<{ name: string }> }> }).fields;
    const typed = Object.fromEntries(fields.filter((f) => ['users', 'perMinute', 'clicks'].includes(f.name)).map((f) => [f.name, f.args.map((a) => a.name)]));
    expect(typed).toEqual({ users: ['id', 'where', 'limit'], perMinute: ['id', 'where', 'limit', 'windowStart', 'windowEnd'] });
  });

  it('requires the key and filters value columns only when the server runs no table scans', async () => {
    const { gateway } = setup({}, false);
    const res = await post(gateway, `{ users { name } }`);
    expect(res.errors?.[0]?.message).toMatch(/Field "users" argument "id" of type "String!" is required/);
    const filter = await post(gateway, `{ __type(name: "UsersValueFilter") { inputFields { name } } }`);
    expect((filter.data?.__type as { inputFields: Array<{ name: string }> }).inputFields.map((f) => f.name)).toEqual(['name', 'visits', 'and', 'or', 'not']);
  });
});

describe('typed Mutation fields', () => {
  it('inserts into sources nothing writes to, with the caller credential, and returns the row', async () => {
    const { client, gateway } = setup();
    const res = await post(gateway, `mutation { insertClicks(row: { id: "a", url: "it's" }) { id url } }`, undefined, { authorization: 'Basic dTpw' });
    expect(res).toEqual({ data: { insertClicks: { id: 'a', url: "it's" } } });
    expect(sqlOf(client, 'ksql')).toEqual(["INSERT INTO `CLICKS` (`ID`, `URL`) VALUES ('a', 'it''s');"]);
    expect(client.callsOf('ksql').at(-1)?.options?.authorization).toBe('Basic dTpw');
    const m = await post(gateway, `{ __type(name: "Mutation") { fields { name } } }`);
    const names = (m.data?.__type as { fields: Array<{ name: string }> }).fields.map((f) => f.name);
    expect(names.filter((n) => n.startsWith('insert'))).toEqual(['insertClicks', 'insertClickss']);
  });

  it('inserts several rows as statements when the client offers no /inserts-stream, stopping at the first refused row', async () => {
    const { client, gateway } = setup({
      ksql: async (request: KsqlRequest) => {
        if (request.ksql.includes("'bad'")) throw new KsqlServerError('Cannot insert', { httpStatus: 400, errorCode: 40001, ksqlType: 'statement_error' });
        return catalogAnswer(request);
      },
    });
    const res = await post(gateway, `mutation { insertClickss(rows: [{ id: "a" }, { id: "bad" }, { id: "c" }]) { seq status } }`);
    expect(res.data).toEqual({ insertClickss: [{ seq: 0, status: 'OK' }, null, { seq: 2, status: 'SKIPPED' }] });
    expect(res.errors).toHaveLength(1);
    expect(res.errors?.[0]).toMatchObject({ path: ['insertClickss', 1], extensions: { code: 'KSQL_BAD_STATEMENT' } });
    expect(sqlOf(client, 'ksql').filter((s) => s.startsWith('INSERT'))).toEqual([
      "INSERT INTO `CLICKS` (`ID`) VALUES ('a');",
      "INSERT INTO `CLICKS` (`ID`) VALUES ('bad');",
    ]);
  });

  it('inserts several rows over /inserts-stream when the client offers it, keys quoted, one result per row', async () => {
    const { client, gateway } = setup({
      insertsStream: async (_target, rows) => rows.map((_r, seq) => ({ seq, status: 'ok' as const })),
    });
    const res = await post(gateway, `mutation { insertClickss(rows: [{ id: "a", url: "u" }, { id: "b" }]) { seq status } }`, undefined, { authorization: 'Basic dTpw' });
    expect(res).toEqual({ data: { insertClickss: [{ seq: 0, status: 'OK' }, { seq: 1, status: 'OK' }] } });
    const [call] = client.callsOf('insertsStream');
    expect(call?.args).toEqual(['CLICKS', [{ '`ID`': 'a', '`URL`': 'u' }, { '`ID`': 'b' }]]);
    expect(call?.options?.authorization).toBe('Basic dTpw');
    expect(sqlOf(client, 'ksql').filter((s) => s.startsWith('INSERT'))).toEqual([]);
  });

  it('passes ksqlDB errors through as GraphQL errors with their code', async () => {
    const { gateway } = setup({
      ksql: async (request: KsqlRequest) => {
        if (request.ksql.startsWith('INSERT')) {
          throw new KsqlServerError('Cannot insert', { httpStatus: 400, errorCode: 40001, ksqlType: 'statement_error' });
        }
        return catalogAnswer(request);
      },
    });
    const res = await post(gateway, `mutation { insertClicks(row: { id: "a" }) { id } }`);
    expect(res.errors?.[0]?.extensions).toMatchObject({ code: 'KSQL_BAD_STATEMENT' });
  });
});

describe('typed Subscription fields', () => {
  it('streams rows as typed objects and ends with the upstream error as a GraphQL error', async () => {
    const { client, gateway } = setup();
    await gateway.typedSchema?.refresh();
    const sse = readSse(
      gateway.fetch(URL_, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
        body: JSON.stringify({ query: `subscription { clicks(where: { url: { startsWith: "https" } }) { url } }` }),
      }),
    );
    const first = sse.next();
    const stream = await client.nextStream();
    expect(stream.request.ksql).toBe("SELECT `URL` FROM `CLICKS` WHERE (INSTR(`URL`, 'https') = 1) EMIT CHANGES;");
    stream.sendHeader('`URL` STRING');
    stream.sendRow(['https://a']);
    expect(await first).toEqual({ data: { clicks: { url: 'https://a' } } });
    stream.fail(new KsqlServerError('Query failed', { httpStatus: 200, errorCode: 50000, inStream: true }));
    const end = await sse.next();
    expect(end?.errors?.[0]?.extensions).toMatchObject({ code: 'KSQL_SERVER_ERROR' });
    expect(await sse.next()).toBeUndefined();
  });

  it('runs the snapshot pull query only once the push query is running, and sends its rows first', async () => {
    let pulls = 0;
    const { client, gateway } = setup({
      pullQuery: async (): Promise<PullQueryResult> => {
        pulls++;
        return {
          header: { queryId: 'p', schema: '`ID` STRING KEY, `VISITS` BIGINT', columns: [{ name: 'ID', type: { type: 'STRING' }, namespace: 'KEY' }, { name: 'VISITS', type: { type: 'BIGINT' }, namespace: 'VALUE' }] },
          rows: [{ columns: ['a', 1], tombstone: false }],
          finalMessage: null,
        };
      },
    });
    await gateway.typedSchema?.refresh();
    const sse = readSse(
      gateway.fetch(URL_, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
        body: JSON.stringify({ query: `subscription { users(snapshot: true, limit: 2) { id visits } }` }),
      }),
    );
    const first = sse.next();
    const stream = await client.nextStream();
    expect(stream.request.ksql).toBe('SELECT `ID`, `VISITS` FROM `USERS` EMIT CHANGES;');
    await new Promise((r) => setTimeout(r, 20));
    expect(pulls).toBe(0);
    stream.sendHeader('`ID` STRING KEY, `VISITS` BIGINT');
    expect(await first).toEqual({ data: { users: { id: 'a', visits: '1' } } });
    expect(pulls).toBe(1);
    expect(sqlOf(client, 'pullQuery')).toEqual(['SELECT `ID`, `VISITS` FROM `USERS`;']);
    stream.sendRow(['b', 7]);
    expect(await sse.next()).toEqual({ data: { users: { id: 'b', visits: '7' } } });
    // The limit (2) is reached: the gateway ends it and closes the upstream query.
    expect(await sse.next()).toBeUndefined();
    await stream.returned;
  });

  it('has a Batches twin per field, with the same arguments plus maxRows and maxDelayMs, and the same statement', async () => {
    const { client, gateway } = setup();
    const res = await post(gateway, `{ __type(name: "Subscription") { fields { name args { name } type { kind ofType { kind ofType { kind ofType { name } } } } } } }`);
    type Field = { name: string; args: Array<{ name: string }>; type: unknown };
    const fields = (res.data?.__type as { fields: Field[] }).fields;
    const byName = new Map(fields.map((f) => [f.name, f]));
    for (const plain of ['users', 'perMinute', 'clicks']) {
      const twin = byName.get(`${plain}Batches`);
      expect(twin?.args.map((a) => a.name)).toEqual([...(byName.get(plain)?.args.map((a) => a.name) ?? []), 'maxRows', 'maxDelayMs']);
    }
    expect(byName.get('clicksBatches')?.type).toEqual({ kind: 'NON_NULL', ofType: { kind: 'LIST', ofType: { kind: 'NON_NULL', ofType: { name: 'Clicks' } } } });

    const sse = readSse(
      gateway.fetch(URL_, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
        body: JSON.stringify({ query: `subscription { clicksBatches(where: { url: { startsWith: "https" } }, maxRows: 2) { url } }` }),
      }),
    );
    const first = sse.next();
    const stream = await client.nextStream();
    expect(stream.request.ksql).toBe("SELECT `URL` FROM `CLICKS` WHERE (INSTR(`URL`, 'https') = 1) EMIT CHANGES;");
    stream.sendHeader('`URL` STRING');
    stream.sendRow(['https://a']);
    stream.sendRow(['https://b']);
    expect(await first).toEqual({ data: { clicksBatches: [{ url: 'https://a' }, { url: 'https://b' }] } });
    stream.sendRow(['https://c']);
    stream.finish();
    // The partial batch is flushed before the end.
    expect(await sse.next()).toEqual({ data: { clicksBatches: [{ url: 'https://c' }] } });
    expect(await sse.next()).toBeUndefined();
  });

  it('cuts a batch of large rows before maxRows, at about 4 MiB', async () => {
    const { client, gateway } = setup();
    await gateway.typedSchema?.refresh();
    const sse = readSse(
      gateway.fetch(URL_, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
        body: JSON.stringify({ query: `subscription { clicksBatches(maxRows: 100, maxDelayMs: 60000) { url } }` }),
      }),
    );
    const first = sse.next();
    const stream = await client.nextStream();
    stream.sendHeader('`URL` STRING');
    const big = (c: string) => c.repeat(2 * 1024 * 1024);
    for (const c of ['a', 'b', 'c']) stream.sendRow([big(c)]);
    const batch = (r: GraphQLResponse | undefined) => (r?.data?.clicksBatches as Array<{ url: string }>).map((x) => x.url[0]);
    expect(batch(await first)).toEqual(['a', 'b']);
    stream.finish();
    expect(batch(await sse.next())).toEqual(['c']);
  });

  it('refuses batch arguments out of range with BAD_USER_INPUT before any upstream query', async () => {
    const { client, gateway } = setup();
    for (const args of ['maxRows: 0', 'maxRows: 10001', 'maxDelayMs: -1', 'maxDelayMs: 60001']) {
      const res = await post(gateway, `subscription { clicksBatches(${args}) { url } }`);
      expect(res.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argumentName: args.split(':')[0] });
    }
    expect(client.callsOf('query')).toEqual([]);
  });
});
