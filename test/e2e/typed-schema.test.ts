/**
 * The typed schema against the real stack (CLI composition, embedded engine
 * over HTTP): generated types and root fields, refresh after DDL and on the
 * interval, schemaChanged, pull/push/insert fields with filters, only the
 * selected columns requested upstream, dropped sources, include/exclude.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, gql, ksql, pushQueries, sseEvents, startStack, wsClient, type GraphQLResponse, type Stack } from '../utils/stack.js';

let stack: Stack;

/** The typed schema version the stack's gateway serves (via schemaChanged's first event). */
async function stackVersion(): Promise<number> {
  const [event] = await collect(stack, `subscription { schemaChanged { version } }`, 1);
  return (event?.data as { schemaChanged: { version: number } }).schemaChanged.version;
}

beforeAll(async () => {
  stack = await startStack(['--schema-refresh-ms', '0']);
});
afterAll(async () => {
  // Unassigned if beforeAll failed before assigning it.
  await (stack as Stack | undefined)?.close();
});

async function execute(s: Pick<Stack, 'graphqlUrl'>, statement: string, properties?: Record<string, string>): Promise<void> {
  const res = await gql(s, `mutation($k: String!, $p: JSON) { execute(ksql: $k, streamsProperties: $p) { type } }`, {
    k: statement,
    p: properties,
  });
  expect(res.errors).toBeUndefined();
}

async function fieldsOf(s: Pick<Stack, 'graphqlUrl'>, type: string): Promise<string[] | null> {
  const res = await gql<{ __type: { fields: Array<{ name: string }> } | null }>(
    s,
    `query($t: String!) { __type(name: $t) { fields { name } } }`,
    { t: type },
  );
  return res.data?.__type?.fields.map((f) => f.name) ?? null;
}

/** Collects the first `n` events of a subscription over SSE. */
async function collect(s: Pick<Stack, 'graphqlUrl'>, query: string, n: number, onOpen?: () => Promise<void>): Promise<GraphQLResponse[]> {
  const ac = new AbortController();
  const out: GraphQLResponse[] = [];
  const it = sseEvents(s, query, ac.signal);
  const first = it.next();
  if (onOpen) await onOpen();
  try {
    let step = await first;
    while (!step.done) {
      out.push(step.value);
      if (out.length >= n) break;
      step = await it.next();
    }
  } finally {
    ac.abort();
    await it.return(undefined).catch(() => {});
  }
  return out;
}

describe('typed schema', () => {
  it('is built from the catalog and rebuilt after DDL run through the gateway', async () => {
    expect(await fieldsOf(stack, 'Pageviews')).toBeNull();
    await execute(
      stack,
      "CREATE STREAM PAGEVIEWS (USER_ID STRING KEY, PAGE_ID STRING, VIEWTIME BIGINT, `ref url` STRING, ADDR STRUCT<CITY STRING, ZIP INT>, TAGS MAP<STRING, INT>, PRICE DECIMAL(10, 2)) WITH (kafka_topic='pageviews', value_format='JSON', partitions=1);",
    );
    // The mutation returns after the swap: the next operation sees the type.
    expect(await fieldsOf(stack, 'Pageviews')).toEqual(['userId', 'pageId', 'viewtime', 'refUrl', 'addr', 'tags', 'price', '_cursor']);
    const roots = await gql<{ s: { fields: Array<{ name: string }> }; m: { fields: Array<{ name: string }> } }>(
      stack,
      `{ s: __type(name: "Subscription") { fields { name } } m: __type(name: "Mutation") { fields { name } } }`,
    );
    expect(roots.data?.s.fields.map((f) => f.name)).toContain('pageviews');
    expect(roots.data?.m.fields.map((f) => f.name)).toContain('insertPageviews');
  });

  it('inserts typed rows without loss and returns what was written', async () => {
    const res = await gql(
      stack,
      `mutation($row: PageviewsInput!) { insertPageviews(row: $row) { userId pageId viewtime refUrl addr { city zip } tags { key value } price } }`,
      {
        row: {
          userId: "O'Brien",
          pageId: 'p1',
          viewtime: '9007199254740993',
          refUrl: 'hello world',
          addr: { city: 'Zürich', zip: 8000 },
          tags: [{ key: 'a', value: 1 }],
          price: '1.10',
        },
      },
    );
    expect(res.errors).toBeUndefined();
    expect(res.data).toEqual({
      insertPageviews: {
        userId: "O'Brien",
        pageId: 'p1',
        viewtime: '9007199254740993',
        refUrl: 'hello world',
        addr: { city: 'Zürich', zip: 8000 },
        tags: [{ key: 'a', value: 1 }],
        price: '1.10',
      },
    });
    for (const [u, p, t] of [
      ['u1', 'p2', '2'],
      ['u2', 'p3', '3'],
      ['u1', 'p4', '4'],
    ] as const) {
      const r = await gql(stack, `mutation { insertPageviews(row: { userId: "${u}", pageId: "${p}", viewtime: "${t}" }) { userId } }`);
      expect(r.errors).toBeUndefined();
    }
  });

  it('subscribes with where, limit and fromBeginning, asking ksqlDB only for the selected columns', async () => {
    const events = await collect(
      stack,
      `subscription { pageviews(fromBeginning: true, limit: 2, where: { userId: { eq: "u1" } }) { pageId ... on Pageviews { viewtime } } }`,
      3,
    );
    expect(events).toEqual([{ data: { pageviews: { pageId: 'p2', viewtime: '2' } } }, { data: { pageviews: { pageId: 'p4', viewtime: '4' } } }]);

    const all = await collect(
      stack,
      `subscription { pageviews(fromBeginning: true, limit: 4) { userId viewtime addr { city } price tags { key value } } }`,
      4,
    );
    expect(all[0]).toEqual({
      data: { pageviews: { userId: "O'Brien", viewtime: '9007199254740993', addr: { city: 'Zürich' }, price: '1.10', tags: [{ key: 'a', value: 1 }] } },
    });

    // Only the selected columns go upstream.
    const ac = new AbortController();
    const it = sseEvents(stack, `subscription { pageviews(where: { or: [{ pageId: { startsWith: "p%" } }, { viewtime: { gt: "3" } }] }) { pageId } }`, ac.signal);
    const next = it.next();
    try {
      const sql = await eventually(() => pushQueries(stack), (q) => q.length === 1);
      expect(sql[0]).toMatch(/^SELECT `PAGE_ID` FROM `PAGEVIEWS` WHERE /);
      expect(sql[0]).not.toContain('USER_ID`,');
      await execute(stack, "INSERT INTO PAGEVIEWS (USER_ID, PAGE_ID, VIEWTIME) VALUES ('u9', 'p9', 9);");
      expect((await next).value).toEqual({ data: { pageviews: { pageId: 'p9' } } });
    } finally {
      ac.abort();
      await it.return(undefined).catch(() => {});
    }
    await eventually(() => pushQueries(stack), (q) => q.length === 0);
  });

  it('shares one upstream query among identical typed subscriptions', async () => {
    const clients = [wsClient(stack), wsClient(stack)];
    const rows: unknown[][] = [[], []];
    const stops: Array<() => void> = [];
    try {
      for (const [i, client] of clients.entries()) {
        stops.push(
          client.subscribe(
            { query: `subscription { pageviews(where: { userId: { eq: "share" } }) { pageId } }` },
            { next: (r) => rows[i]!.push(r.data), error: () => {}, complete: () => {} },
          ),
        );
      }
      await eventually(() => pushQueries(stack), (q) => q.length === 1);
      await new Promise((r) => setTimeout(r, 100));
      expect(await pushQueries(stack)).toHaveLength(1);
      await execute(stack, "INSERT INTO PAGEVIEWS (USER_ID, PAGE_ID) VALUES ('share', 'x');");
      await eventually(async () => rows.map((r) => r.length), (n) => n.every((x) => x === 1));
      expect(rows).toEqual([[{ pageviews: { pageId: 'x' } }], [{ pageviews: { pageId: 'x' } }]]);
    } finally {
      for (const stop of stops) stop();
      await Promise.all(clients.map(async (c) => c.dispose()));
    }
    await eventually(() => pushQueries(stack), (q) => q.length === 0);
  });

  it('serves pull queries on materialized tables: key lookup, where, limit', async () => {
    await execute(
      stack,
      'CREATE TABLE VIEWS_PER_USER AS SELECT USER_ID, COUNT(*) AS VIEWS, MAX(VIEWTIME) AS LAST_TIME FROM PAGEVIEWS GROUP BY USER_ID;',
      { 'ksql.streams.auto.offset.reset': 'earliest' },
    );
    const args = await gql<{ __type: { fields: Array<{ name: string; args: Array<{ name: string; type: { kind: string } }> }> } }>(
      stack,
      `{ __type(name: "Query") { fields { name args { name type { kind } } } } }`,
    );
    const field = args.data?.__type.fields.find((f) => f.name === 'viewsPerUser');
    expect(field?.args.map((a) => a.name)).toEqual(['userId', 'where', 'limit']);
    // A table with no materializing query has no pull-query field.
    expect(args.data?.__type.fields.find((f) => f.name === 'pageviews')).toBeUndefined();

    const lookup = await eventually(
      () => gql(stack, `{ viewsPerUser(userId: "u1") { userId views lastTime } }`),
      (r) => (r.data?.viewsPerUser as unknown[] | undefined)?.length === 1 && (r.data?.viewsPerUser as Array<{ views: string }>)[0]!.views === '2',
    );
    expect(lookup).toEqual({ data: { viewsPerUser: [{ userId: 'u1', views: '2', lastTime: '4' }] } });

    const quoted = await gql(stack, `{ viewsPerUser(userId: "O'Brien") { userId views } }`);
    expect(quoted).toEqual({ data: { viewsPerUser: [{ userId: "O'Brien", views: '1' }] } });

    const filtered = await gql(stack, `{ viewsPerUser(where: { views: { gte: "1" }, userId: { in: ["u1", "u2"] } }) { userId } }`);
    expect((filtered.data?.viewsPerUser as Array<{ userId: string }>).map((r) => r.userId).sort()).toEqual(['u1', 'u2']);

    const limited = await gql(stack, `{ viewsPerUser(limit: 1) { userId } }`);
    expect(limited.data?.viewsPerUser).toHaveLength(1);

    const none = await gql(stack, `{ viewsPerUser(userId: "nobody") { userId } }`);
    expect(none).toEqual({ data: { viewsPerUser: [] } });

    // Sinks of persistent queries take no inserts.
    const m = await gql<{ __type: { fields: Array<{ name: string }> } }>(stack, `{ __type(name: "Mutation") { fields { name } } }`);
    expect(m.data?.__type.fields.map((f) => f.name)).not.toContain('insertViewsPerUser');
  });

  it('serves windowed tables with window bounds', async () => {
    await execute(stack, "CREATE STREAM TICKS (ID STRING KEY, V INT) WITH (kafka_topic='ticks', value_format='JSON', partitions=1);");
    await execute(
      stack,
      'CREATE TABLE TICKS_PER_MINUTE AS SELECT ID, COUNT(*) AS N FROM TICKS WINDOW TUMBLING (SIZE 1 MINUTE) GROUP BY ID;',
      { 'ksql.streams.auto.offset.reset': 'earliest' },
    );
    // 00:00:10, 00:00:20 and 00:01:30 on 2024-01-01 (UTC).
    for (const t of [1704067210000, 1704067220000, 1704067290000]) {
      await execute(stack, `INSERT INTO TICKS (ROWTIME, ID, V) VALUES (${t}, 'a', 1);`);
    }
    const all = await eventually(
      () => gql(stack, `{ ticksPerMinute(id: "a") { id windowStart windowEnd n } }`),
      (r) => (r.data?.ticksPerMinute as unknown[] | undefined)?.length === 2 && JSON.stringify(r).includes('"n":"2"'),
    );
    expect(all).toEqual({
      data: {
        ticksPerMinute: [
          { id: 'a', windowStart: '1704067200000', windowEnd: '1704067260000', n: '2' },
          { id: 'a', windowStart: '1704067260000', windowEnd: '1704067320000', n: '1' },
        ],
      },
    });
    const second = await gql(stack, `{ ticksPerMinute(id: "a", windowStart: { gte: "2024-01-01T00:01:00Z" }) { windowStart n } }`);
    expect(second).toEqual({ data: { ticksPerMinute: [{ windowStart: '1704067260000', n: '1' }] } });
    const first = await gql(stack, `{ ticksPerMinute(id: "a", windowEnd: { lte: "2024-01-01T00:01" }) { windowStart n } }`);
    expect(first).toEqual({ data: { ticksPerMinute: [{ windowStart: '1704067200000', n: '2' }] } });
  });

  it('subscribes to a table with a snapshot first, then its changes', async () => {
    const client = wsClient(stack);
    try {
      const events: Array<{ userId: string; views: string }> = [];
      const errors: unknown[] = [];
      client.subscribe<{ viewsPerUser: { userId: string; views: string } }>(
        { query: `subscription { viewsPerUser(snapshot: true, where: { userId: { in: ["u1", "u2"] } }) { userId views } }` },
        { next: (r) => (r.data ? events.push(r.data.viewsPerUser) : errors.push(r.errors)), error: (e) => errors.push(e), complete: () => {} },
      );
      await eventually(async () => events.length, (n) => n === 2);
      expect([...events].sort((a, b) => a.userId.localeCompare(b.userId))).toEqual([
        { userId: 'u1', views: '2' },
        { userId: 'u2', views: '1' },
      ]);
      await execute(stack, "INSERT INTO PAGEVIEWS (USER_ID, PAGE_ID, VIEWTIME) VALUES ('u2', 'p5', 5);");
      await execute(stack, "INSERT INTO PAGEVIEWS (USER_ID, PAGE_ID, VIEWTIME) VALUES ('nobody-else', 'p6', 6);");
      await eventually(async () => events.length, (n) => n >= 3);
      expect(events[2]).toEqual({ userId: 'u2', views: '2' });
      expect(errors).toEqual([]);

      const limited = await collect(stack, `subscription { viewsPerUser(snapshot: true, limit: 1, where: { userId: { eq: "u1" } }) { views } }`, 2);
      expect(limited).toEqual([{ data: { viewsPerUser: { views: '2' } } }]);
      const conflict = await collect(stack, `subscription { viewsPerUser(snapshot: true, fromBeginning: true) { views } }`, 1);
      expect(conflict[0]?.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      // Streams have no snapshot argument.
      const onStream = await gql(stack, `subscription { pageviews(snapshot: true) { userId } }`);
      expect(onStream.errors?.[0]?.message).toMatch(/Unknown argument "snapshot"/);
    } finally {
      await client.dispose();
    }
    await eventually(() => pushQueries(stack), (q) => q.length === 0);
  });

  it('rejects bad filter input with BAD_USER_INPUT', async () => {
    const res = await gql(stack, `{ viewsPerUser(where: { userId: { eq: null } }) { userId } }`);
    expect(res.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('ends a subscription on a dropped source with SOURCE_DROPPED and tells schemaChanged subscribers', async () => {
    await execute(stack, "CREATE STREAM DOOMED (ID STRING KEY, V INT) WITH (kafka_topic='doomed', value_format='JSON', partitions=1);");
    const client = wsClient(stack);
    try {
      const changes: Array<{ version: number; added: string[]; removed: string[] }> = [];
      const stopChanges = client.subscribe<{ schemaChanged: { version: number; added: string[]; removed: string[] } }>(
        { query: `subscription { schemaChanged { version added removed } }` },
        { next: (r) => r.data && changes.push(r.data.schemaChanged), error: () => {}, complete: () => {} },
      );
      const ended = new Promise<GraphQLResponse>((resolve, reject) => {
        client.subscribe(
          { query: `subscription { doomed { id v } }` },
          { next: (r) => r.errors && resolve(r as GraphQLResponse), error: reject, complete: () => reject(new Error('completed without an error')) },
        );
      });
      await eventually(() => pushQueries(stack), (q) => q.some((s) => s.includes('`DOOMED`')));
      await eventually(async () => changes.length, (n) => n >= 1);
      await execute(stack, 'DROP STREAM DOOMED;');
      const result = await ended;
      expect(result.errors?.[0]?.extensions).toMatchObject({ code: 'SOURCE_DROPPED', source: 'DOOMED' });
      await eventually(async () => changes.at(-1)?.removed ?? [], (r) => r.includes('DOOMED'));
      expect(changes.at(-1)!.version).toBeGreaterThan(changes[0]!.version);
      stopChanges();
      expect(await fieldsOf(stack, 'Doomed')).toBeNull();
    } finally {
      await client.dispose();
    }
  });

  it('keeps running subscriptions through a schema swap', async () => {
    const client = wsClient(stack);
    try {
      const rows: unknown[] = [];
      const got = new Promise<void>((resolve, reject) => {
        client.subscribe(
          { query: `subscription { pageviews(where: { userId: { eq: "swap" } }) { pageId } }` },
          { next: (r) => (rows.push(r.data ?? r.errors), rows.length === 2 && resolve()), error: reject, complete: () => {} },
        );
      });
      await eventually(() => pushQueries(stack), (q) => q.some((sql) => sql.includes("'swap'")));
      await execute(stack, "INSERT INTO PAGEVIEWS (USER_ID, PAGE_ID) VALUES ('swap', 'before');");
      await eventually(async () => rows.length, (n) => n === 1);
      const version = await stackVersion();
      await execute(stack, "CREATE STREAM SWAPPED_IN (ID STRING KEY) WITH (kafka_topic='swapped_in', value_format='JSON', partitions=1);");
      expect(await fieldsOf(stack, 'SwappedIn')).toEqual(['id', '_cursor']);
      expect(await stackVersion()).toBeGreaterThan(version);
      await execute(stack, "INSERT INTO PAGEVIEWS (USER_ID, PAGE_ID) VALUES ('swap', 'after');");
      await got;
      expect(rows).toEqual([{ pageviews: { pageId: 'before' } }, { pageviews: { pageId: 'after' } }]);
    } finally {
      await client.dispose();
    }
  });

  it('maps hostile identifiers to valid, distinct names and round-trips their values', async () => {
    await execute(
      stack,
      "CREATE STREAM `query` (`id` STRING KEY, `a b` STRING, `A_B` STRING, `__typename` INT, `select` STRING) WITH (kafka_topic='hostile', value_format='JSON', partitions=1);",
    );
    expect(await fieldsOf(stack, 'Query_2')).toEqual(['id', 'aB_2', 'aB', 'typename', 'select', '_cursor']);
    const row = { id: "k'1`;--", aB: 'upper', aB_2: 'spaced /* x */', typename: 7, select: "'); DROP STREAM PAGEVIEWS; --" };
    const inserted = await gql(stack, `mutation($row: Query_2Input!) { insertQuery_2(row: $row) { id aB aB_2 typename select } }`, { row });
    expect(inserted).toEqual({ data: { insertQuery_2: row } });
    const events = await collect(stack, `subscription { query(fromBeginning: true, limit: 1, where: { select: { contains: "DROP" } }) { id aB aB_2 typename select } }`, 1);
    expect(events).toEqual([{ data: { query: row } }]);
    expect(await fieldsOf(stack, 'Pageviews')).not.toBeNull();
  });

  it('hides KSQL_PROCESSING_LOG by default', async () => {
    await ksql(stack, "CREATE STREAM KSQL_PROCESSING_LOG (MESSAGE STRING) WITH (kafka_topic='processing_log', value_format='JSON', partitions=1);");
    await execute(stack, "CREATE STREAM VISIBLE (ID STRING KEY) WITH (kafka_topic='visible', value_format='JSON', partitions=1);");
    expect(await fieldsOf(stack, 'Visible')).toEqual(['id', '_cursor']);
    expect(await fieldsOf(stack, 'KsqlProcessingLog')).toBeNull();
  });
});

describe('typed schema options', () => {
  it('follows DDL made behind its back on the refresh interval, with include/exclude patterns', async () => {
    const s = await startStack(['--schema-refresh-ms', '100', '--include-sources', 'ORDERS*,AUDIT', '--exclude-sources', '*_TMP']);
    try {
      await ksql(s, "CREATE STREAM ORDERS (ID STRING KEY, AMOUNT DOUBLE) WITH (kafka_topic='orders', value_format='JSON', partitions=1);");
      await ksql(s, "CREATE STREAM ORDERS_TMP (ID STRING KEY) WITH (kafka_topic='orders_tmp', value_format='JSON', partitions=1);");
      await ksql(s, "CREATE STREAM OTHER (ID STRING KEY) WITH (kafka_topic='other', value_format='JSON', partitions=1);");
      await eventually(() => fieldsOf(s, 'Orders'), (f) => f !== null);
      expect(await fieldsOf(s, 'Orders')).toEqual(['id', 'amount', '_cursor']);
      expect(await fieldsOf(s, 'OrdersTmp')).toBeNull();
      expect(await fieldsOf(s, 'Other')).toBeNull();
    } finally {
      await s.close();
    }
  });

  it('requires the key when the server runs no table scans', async () => {
    const s = await startStack(['--schema-refresh-ms', '0', '--set', 'ksql.query.pull.table.scan.enabled=false']);
    try {
      await execute(s, "CREATE STREAM E (K STRING KEY, V INT) WITH (kafka_topic='e', value_format='JSON', partitions=1);");
      await execute(s, 'CREATE TABLE T AS SELECT K, SUM(V) AS TOTAL FROM E GROUP BY K;');
      const res = await gql<{ __type: { fields: Array<{ name: string; args: Array<{ name: string; type: { kind: string } }> }> } }>(
        s,
        `{ __type(name: "Query") { fields { name args { name type { kind } } } } }`,
      );
      const t = res.data?.__type.fields.find((f) => f.name === 't');
      expect(t?.args.find((a) => a.name === 'k')?.type.kind).toBe('NON_NULL');
      const noKey = await gql(s, `{ t { k } }`);
      expect(noKey.errors?.[0]?.message).toMatch(/"k" of type "String!" is required/);
      await execute(s, "INSERT INTO E (K, V) VALUES ('a', 5);");
      await eventually(() => gql(s, `{ t(k: "a") { k total } }`), (r) => JSON.stringify(r) === JSON.stringify({ data: { t: [{ k: 'a', total: 5 }] } }));
    } finally {
      await s.close();
    }
  });

  it('serves the generic schema while ksqlDB is unreachable, reports not ready, and catches up with backoff', async () => {
    // A port nothing listens on yet.
    const { createServer } = await import('node:net');
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', () => r()));
    const port = (probe.address() as { port: number }).port;
    await new Promise<void>((r) => probe.close(() => r()));

    const { buildGateway, createKsqlClient } = await import('../../src/gateway/index.js');
    const { startEngineServer } = await import('../../src/engine/rest/server.js');
    const gateway = buildGateway({
      client: createKsqlClient({ baseUrl: `http://127.0.0.1:${port}`, requestTimeoutMs: 1000 }),
      logger: false,
      typedSchema: { retryInitialMs: 50, retryMaxMs: 200, refreshIntervalMs: 0 },
    });
    const started = Date.now();
    const { url } = await gateway.listen(0);
    expect(Date.now() - started).toBeLessThan(5000);
    const base = url.replace(/\/graphql$/, '');
    let engine: Awaited<ReturnType<typeof startEngineServer>> | undefined;
    try {
      const notReady = await fetch(`${base}/readiness`);
      expect(notReady.status).toBe(503);
      const generic = await gql({ graphqlUrl: url }, `{ __type(name: "ServerInfo") { name } }`);
      expect(generic.data).toEqual({ __type: { name: 'ServerInfo' } });
      const first = await gql({ graphqlUrl: url }, `{ __typename }`);
      expect(first.data).toEqual({ __typename: 'Query' });

      engine = await startEngineServer({ host: '127.0.0.1', port, engineOptions: { inMemory: true } });
      await fetch(`${engine.url}/ksql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ ksql: "CREATE STREAM LATE (ID STRING KEY) WITH (kafka_topic='late', value_format='JSON', partitions=1);" }),
      });
      await eventually(() => fetch(`${base}/readiness`).then((r) => r.status), (st) => st === 200, { timeoutMs: 10_000 });
      expect(gateway.typedSchema?.ready).toBe(true);
      expect(await fieldsOf({ graphqlUrl: url }, 'Late')).toEqual(['id', '_cursor']);
    } finally {
      await gateway.close();
      await engine?.close();
    }
  });
});
