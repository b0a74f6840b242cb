/**
 * Several ksqlDB servers of one cluster: two embedded engines (each
 * `--in-memory`, the same catalog and rows created on both through their
 * REST /ksql) behind one gateway started as the CLI starts it, then one
 * engine killed. Reads and pull queries go on, a subscription on the killed
 * engine ends with KSQL_CONNECTION_LOST over graphql-ws, new work goes to the
 * survivor, and /readiness shows each server. Then the cluster client alone
 * over two engines, for what only its call order makes deterministic: which
 * calls are retried on the other server and which never are.
 */
import type { Client } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEngineServer, type EngineServer } from '../../src/engine/rest/server.js';
import { createKsqlCluster, type PullQueryResult } from '../../src/gateway/index.js';
import { eventually, gql, ksql, pushQueries, startStack, wsClient, type GraphQLResponse, type Stack } from '../utils/stack.js';

const CATALOG = [
  "CREATE STREAM ORDERS (ID STRING KEY, AMOUNT BIGINT) WITH (kafka_topic='orders', value_format='JSON', partitions=1);",
  'CREATE TABLE TOTALS AS SELECT ID, SUM(AMOUNT) AS TOTAL FROM ORDERS GROUP BY ID;',
  "INSERT INTO ORDERS (ID, AMOUNT) VALUES ('k1', 5);",
];

async function startEngine(): Promise<EngineServer> {
  const engine = await startEngineServer({ engineOptions: { inMemory: true } });
  for (const statement of CATALOG) await ksql({ ksqlUrl: engine.url }, statement);
  return engine;
}

interface ServerView {
  url: string;
  healthy: boolean;
  lastCheckAt: string | null;
  lastError: string | null;
}

interface Readiness {
  ready: boolean;
  ksql: { isHealthy: boolean; servers: ServerView[] };
}

interface Subscription {
  readonly sql: string;
  readonly rows: unknown[][];
  /** Resolves once the QueryHeader has arrived. */
  readonly header: Promise<void>;
  /** Resolves with the errors the subscription ended with (none: completed). */
  readonly ended: Promise<GraphQLResponse['errors']>;
}

function subscribe(client: Client, sql: string): Subscription {
  const rows: unknown[][] = [];
  let gotHeader!: () => void;
  const header = new Promise<void>((resolve) => (gotHeader = resolve));
  let errors: GraphQLResponse['errors'];
  const ended = new Promise<GraphQLResponse['errors']>((resolve, reject) => {
    client.subscribe<{ pushQuery: { __typename: string; columns?: unknown[] } }>(
      { query: 'subscription($sql: String!) { pushQuery(sql: $sql) { __typename ... on QueryRow { columns } } }', variables: { sql } },
      {
        next: (result) => {
          if (result.errors) errors = result.errors as GraphQLResponse['errors'];
          const event = result.data?.pushQuery;
          if (event?.__typename === 'QueryHeader') gotHeader();
          if (event?.__typename === 'QueryRow') rows.push(event.columns ?? []);
        },
        error: reject,
        complete: () => resolve(errors),
      },
    );
  });
  ended.catch(() => {});
  return { sql, rows, header, ended };
}

describe('a gateway over two ksqlDB servers', () => {
  let a: EngineServer;
  let b: EngineServer;
  let stack: Stack;
  const clients: Client[] = [];

  const readiness = async (): Promise<{ status: number; body: Readiness }> => {
    const res = await fetch(`${stack.url}/readiness`);
    return { status: res.status, body: (await res.json()) as Readiness };
  };
  const total = async (id: string) => gql<{ totals: Array<{ id: string; total: string }> }>(stack, `{ totals(id: "${id}") { id total } }`);

  beforeAll(async () => {
    [a, b] = await Promise.all([startEngine(), startEngine()]);
    stack = await startStack(['--ksql-url', `${a.url},${b.url}`, '--ksql-health-interval-ms', '50', '--schema-refresh-ms', '0']);
  });
  afterAll(async () => {
    await Promise.all(clients.map(async (c) => c.dispose()));
    // Each is unassigned if beforeAll failed before assigning it.
    await (stack as Stack | undefined)?.close();
    await (a as EngineServer | undefined)?.close();
    await (b as EngineServer | undefined)?.close();
  });

  it('serves reads from both and /readiness shows each server', async () => {
    const { status, body } = await eventually(readiness, (r) => r.status === 200);
    expect(body).toMatchObject({
      ready: true,
      ksql: {
        isHealthy: true,
        servers: [
          { url: a.url, healthy: true, lastError: null },
          { url: b.url, healthy: true, lastError: null },
        ],
      },
    });
    expect(status).toBe(200);
    expect(Date.parse(body.ksql.servers[0]?.lastCheckAt ?? '')).not.toBeNaN();
    expect((await gql(stack, '{ info { version } }')).errors).toBeUndefined();
    // Round-robin: consecutive pulls go to both engines, which hold the same rows.
    for (let i = 0; i < 4; i++) {
      expect(await eventually(() => total('k1'), (r) => r.data?.totals.length === 1)).toEqual({ data: { totals: [{ id: 'k1', total: '5' }] } });
    }
  });

  it('ends a subscription on a killed server with KSQL_CONNECTION_LOST; the rest goes on on the other', async () => {
    const client = wsClient(stack);
    clients.push(client);
    // Round-robin puts consecutive push queries on alternate servers: open until both run one.
    const subs: Subscription[] = [];
    let onA: Subscription | undefined;
    let onB: Subscription | undefined;
    for (let i = 0; i < 6 && (onA === undefined || onB === undefined); i++) {
      const sub = subscribe(client, `SELECT ID, AMOUNT FROM ORDERS WHERE AMOUNT > ${i} EMIT CHANGES;`);
      subs.push(sub);
      await sub.header;
      const [queriesA, queriesB] = await Promise.all([pushQueries({ ksqlUrl: a.url }), pushQueries({ ksqlUrl: b.url })]);
      onA ??= subs.find((s) => queriesA.some((q) => q.includes(`AMOUNT > ${subs.indexOf(s)}`)));
      onB ??= subs.find((s) => queriesB.some((q) => q.includes(`AMOUNT > ${subs.indexOf(s)}`)));
    }
    expect(onA).toBeDefined();
    expect(onB).toBeDefined();

    await a.close();
    const errors = await onA!.ended;
    expect(errors?.[0]?.extensions).toEqual({ code: 'KSQL_CONNECTION_LOST', retryable: true });
    expect(errors?.[0]?.message).toBe('The connection to the ksqlDB server running this query broke; subscribe (or run the query) again.');

    // The subscription on b is untouched.
    await ksql({ ksqlUrl: b.url }, "INSERT INTO ORDERS (ID, AMOUNT) VALUES ('k9', 100);");
    await eventually(async () => onB!.rows.length, (n) => n === 1);
    expect(onB!.rows).toEqual([['k9', '100']]);
  });

  it('after the kill: reads and pull queries work, /readiness shows the dead server, new work goes to the live one', async () => {
    for (let i = 0; i < 4; i++) {
      expect((await gql(stack, '{ info { version } }')).errors).toBeUndefined();
      expect((await total('k1')).data?.totals).toEqual([{ id: 'k1', total: '5' }]);
    }
    const { status, body } = await eventually(readiness, (r) => r.body.ksql.servers[0]?.healthy === false);
    expect(status).toBe(200);
    expect(body.ready).toBe(true);
    expect(body.ksql.servers[0]).toMatchObject({ url: a.url, healthy: false, lastError: expect.stringMatching(/^(connection refused|connection closed|connection lost|reported unhealthy)$/) });
    expect(body.ksql.servers[1]).toMatchObject({ url: b.url, healthy: true, lastError: null });

    // A statement that may run only once goes to the server known healthy.
    const inserted = await gql(stack, `mutation { execute(ksql: "INSERT INTO ORDERS (ID, AMOUNT) VALUES ('k2', 7);") { type } }`);
    expect(inserted.errors).toBeUndefined();
    expect(await eventually(() => total('k2'), (r) => r.data?.totals.length === 1)).toEqual({ data: { totals: [{ id: 'k2', total: '7' }] } });

    // A new subscription opens on b.
    const client = wsClient(stack);
    clients.push(client);
    const sub = subscribe(client, 'SELECT ID, AMOUNT FROM ORDERS WHERE AMOUNT > 500 EMIT CHANGES;');
    await sub.header;
    expect(await pushQueries({ ksqlUrl: b.url })).toContainEqual(expect.stringContaining('AMOUNT > 500'));
    await ksql({ ksqlUrl: b.url }, "INSERT INTO ORDERS (ID, AMOUNT) VALUES ('k3', 501);");
    await eventually(async () => sub.rows.length, (n) => n === 1);
    expect(sub.rows).toEqual([['k3', '501']]);
  });

  it('is not ready once no server is healthy', async () => {
    await b.close();
    const { status, body } = await eventually(readiness, (r) => r.status === 503);
    expect(status).toBe(503);
    expect(body).toMatchObject({ ready: false, reason: 'No ksqlDB server is healthy.', ksql: { isHealthy: false } });
    const res = await gql(stack, '{ info { version } }');
    expect(res.errors?.[0]?.extensions).toEqual({ code: 'KSQL_UNAVAILABLE', reason: 'connection refused' });
  });
});

describe('the cluster client over two engines', () => {
  let a: EngineServer;
  let b: EngineServer;

  beforeAll(async () => {
    [a, b] = await Promise.all([startEngine(), startEngine()]);
  });
  afterAll(async () => {
    // Each is unassigned if beforeAll failed before assigning it.
    await (a as EngineServer | undefined)?.close();
    await (b as EngineServer | undefined)?.close();
  });

  it('after one dies, retries reads on the other and never sends a statement twice', async () => {
    // No check runs during the test: only the calls below change what the cluster knows.
    const cluster = createKsqlCluster({ urls: [a.url, b.url], healthIntervalMs: 3_600_000 });
    try {
      expect((await cluster.checkHealth()).map((s) => s.healthy)).toEqual([true, true]);
      await b.close();
      // Each call takes the next server in turn when it starts: one pull and one
      // statement start on b, the dead one.
      const pull = { ksql: "SELECT * FROM TOTALS WHERE ID = 'k1';" };
      const [p1, p2, s1, s2] = await Promise.allSettled([
        cluster.pullQuery(pull),
        cluster.pullQuery(pull),
        cluster.ksql({ ksql: "CREATE STREAM X1 (V INT) WITH (kafka_topic='x1', value_format='JSON', partitions=1);" }),
        cluster.ksql({ ksql: "CREATE STREAM X2 (V INT) WITH (kafka_topic='x2', value_format='JSON', partitions=1);" }),
      ]);
      for (const p of [p1, p2]) {
        expect(p.status).toBe('fulfilled');
        expect((p as PromiseFulfilledResult<PullQueryResult>).value.rows.map((r) => r.columns)).toEqual([['k1', 5]]);
      }
      const statements = [s1, s2];
      expect(statements.map((s) => s.status).sort()).toEqual(['fulfilled', 'rejected']);
      const failed = statements.find((s) => s.status === 'rejected') as PromiseRejectedResult;
      expect(failed.reason).toMatchObject({ code: 'KSQL_TRANSPORT', inStream: false });
      // Only the statement sent to a ran, once.
      const [streams] = (await ksql({ ksqlUrl: a.url }, 'SHOW STREAMS;')) as Array<{ streams: Array<{ name: string }> }>;
      const created = streams!.streams.map((s) => s.name).filter((n) => n.startsWith('X'));
      expect(created).toEqual([statements.indexOf(failed) === 0 ? 'X2' : 'X1']);
      expect(cluster.servers()).toMatchObject([
        { url: a.url, healthy: true },
        { url: b.url, healthy: false, lastError: 'connection refused' },
      ]);
      // b is known dead: the next statement goes to a.
      await cluster.ksql({ ksql: "CREATE STREAM X3 (V INT) WITH (kafka_topic='x3', value_format='JSON', partitions=1);" });
    } finally {
      await cluster.close();
    }
  });
});
