/**
 * The gateway in front of the embedded engine, over real sockets: the whole
 * path a client's request takes, end to end.
 */
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  eventually,
  gql,
  pushQueryCount,
  sseEvents,
  startStack,
  wsClient,
  type GraphQLResponse,
  type Stack,
} from '../utils/stack.js';

const PUSH_FIELDS = `
  __typename
  ... on QueryHeader { queryId schema headerColumns: columns { name type } }
  ... on QueryRow { columns row tombstone }
`;

let stack: Stack;
let streamNo = 0;

beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  // Unassigned if beforeAll failed before assigning it.
  await (stack as Stack | undefined)?.close();
});

async function createStream(): Promise<string> {
  const name = `S${++streamNo}_${Date.now()}`;
  const res = await gql(stack, `mutation($k: String!) { execute(ksql: $k) { type statementText } }`, {
    k: `CREATE STREAM ${name} (ID STRING KEY, V BIGINT, TXT STRING) WITH (kafka_topic='${name.toLowerCase()}', value_format='JSON', partitions=1);`,
  });
  expect(res.errors).toBeUndefined();
  expect(res.data?.['execute']).toEqual([expect.objectContaining({ type: 'currentStatus' })]);
  return name;
}

async function insert(name: string, id: string, v: string, txt: string): Promise<void> {
  const res = await gql(stack, `mutation($k: String!) { execute(ksql: $k) { type } }`, {
    k: `INSERT INTO ${name} (ID, V, TXT) VALUES ('${id}', ${v}, '${txt.replaceAll("'", "''")}');`,
  });
  expect(res.errors).toBeUndefined();
}

type PushEvent = { __typename: string; row?: Record<string, unknown>; columns?: unknown[]; queryId?: string };

describe('subscriptions', () => {
  it('delivers rows inserted through Mutation.execute over graphql-ws', async () => {
    const name = await createStream();
    const client = wsClient(stack);
    const events: PushEvent[] = [];
    try {
      const it = client.iterate<{ pushQuery: PushEvent }>({
        query: `subscription($sql: String!) { pushQuery(sql: $sql) { ${PUSH_FIELDS} } }`,
        variables: { sql: `SELECT * FROM ${name} EMIT CHANGES;` },
      });
      const first = await it.next();
      events.push(first.value?.data?.pushQuery as PushEvent);
      expect(events[0]?.__typename).toBe('QueryHeader');
      await eventually(() => pushQueryCount(stack), (n) => n >= 1);
      await insert(name, 'a', '1', 'héllo 😀');
      await insert(name, 'b', '9007199254740993', "O'Brien");
      for (let i = 0; i < 2; i++) {
        const next = await it.next();
        events.push(next.value?.data?.pushQuery as PushEvent);
      }
      await it.return?.();
    } finally {
      await client.dispose();
    }
    expect(events.slice(1).map((e) => e.row)).toEqual([
      { ID: 'a', V: '1', TXT: 'héllo 😀' },
      { ID: 'b', V: '9007199254740993', TXT: "O'Brien" },
    ]);
    await eventually(() => pushQueryCount(stack), (n) => n === 0);
  });

  it('delivers rows over SSE and completes at LIMIT', async () => {
    const name = await createStream();
    const abort = new AbortController();
    const got: GraphQLResponse[] = [];
    const reading = (async () => {
      for await (const ev of sseEvents(
        stack,
        `subscription { pushQuery(sql: "SELECT ID, V FROM ${name} EMIT CHANGES LIMIT 2;") { ${PUSH_FIELDS} } }`,
        abort.signal,
      )) {
        got.push(ev);
      }
    })();
    await eventually(() => pushQueryCount(stack), (n) => n >= 1);
    await insert(name, 'x', '5', 'one');
    await insert(name, 'y', '6', 'two');
    await reading;
    expect(got.map((e) => (e.data?.['pushQuery'] as PushEvent).__typename)).toEqual([
      'QueryHeader',
      'QueryRow',
      'QueryRow',
    ]);
    expect(got.slice(1).map((e) => (e.data?.['pushQuery'] as PushEvent).columns)).toEqual([
      ['x', '5'],
      ['y', '6'],
    ]);
    await eventually(() => pushQueryCount(stack), (n) => n === 0);
  });

  it('closes the upstream push query when the client unsubscribes while no rows flow', async () => {
    const name = await createStream();
    const clients = [wsClient(stack), wsClient(stack), wsClient(stack)];
    // Three different queries: identical ones would share one upstream query.
    const projections = ['*', 'ID', 'V'];
    const iterators = clients.map((c, i) =>
      c.iterate({ query: `subscription { pushQuery(sql: "SELECT ${projections[i]} FROM ${name} EMIT CHANGES;") { __typename } }` }),
    );
    await Promise.all(iterators.map((i) => i.next()));
    expect(await pushQueryCount(stack)).toBe(3);
    await iterators[0]?.return?.();
    await eventually(() => pushQueryCount(stack), (n) => n === 2);
    // A disconnect (not a polite complete) must also close the upstream query.
    await clients[1]?.dispose();
    await eventually(() => pushQueryCount(stack), (n) => n === 1);
    await iterators[2]?.return?.();
    await eventually(() => pushQueryCount(stack), (n) => n === 0);
    await Promise.all(clients.map(async (c) => c.dispose()));
  });

  it('closes the upstream push query when an SSE client goes away', async () => {
    const name = await createStream();
    const abort = new AbortController();
    const it = sseEvents(stack, `subscription { pushQuery(sql: "SELECT * FROM ${name} EMIT CHANGES;") { __typename } }`, abort.signal);
    await it.next();
    expect(await pushQueryCount(stack)).toBe(1);
    abort.abort();
    await it.return(undefined).catch(() => {});
    await eventually(() => pushQueryCount(stack), (n) => n === 0);
  });

  it('answers 406 to a subscription that accepts no stream, and closes what it started', async () => {
    const name = await createStream();
    const res = await fetch(stack.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ query: `subscription { pushQuery(sql: "SELECT * FROM ${name} EMIT CHANGES;") { __typename } }` }),
    });
    expect(res.status).toBe(406);
    await res.arrayBuffer();
    // Neither the upstream push query nor the subscription slot outlives the refusal.
    await eventually(() => pushQueryCount(stack), (n) => n === 0);
    const active = () =>
      fetch(`${stack.url}/metrics`)
        .then((r) => r.text())
        .then((text) => /^ksqldb_gateway_subscriptions_active\{transport="sse"\} (\d+)/m.exec(text)?.[1] ?? '0');
    await eventually(active, (n) => n === '0');
  });
});

describe('errors', () => {
  it('gives ksqlErrorCode 40001 for a bad statement', async () => {
    const res = await gql(stack, `mutation { execute(ksql: "CREATE STREM oops;") { type } }`);
    expect(res.errors?.[0]?.extensions).toMatchObject({
      code: 'KSQL_BAD_STATEMENT',
      ksqlErrorCode: 40001,
      httpStatus: 400,
      statementText: 'CREATE STREM oops;',
    });
  });

  it('gives ksqlErrorCode 40002 for a statement meant for /query', async () => {
    const name = await createStream();
    const res = await gql(stack, `mutation($k: String!) { execute(ksql: $k) { type } }`, {
      k: `SELECT * FROM ${name} EMIT CHANGES;`,
    });
    expect(res.errors?.[0]?.extensions).toMatchObject({ ksqlErrorCode: 40002, httpStatus: 400 });
    expect(res.errors?.[0]?.message).toContain("should be issued to the websocket endpoint '/query'");
  });

  it('reports KSQL_UNAVAILABLE when ksqlDB is down, and stays up', async () => {
    const port = await new Promise<number>((resolve) => {
      const srv = createServer();
      srv.listen(0, '127.0.0.1', () => {
        const p = (srv.address() as { port: number }).port;
        srv.close(() => resolve(p));
      });
    });
    const down = await startStack(['--ksql-url', `http://127.0.0.1:${port}`, '--request-timeout-ms', '2000']);
    try {
      for (let i = 0; i < 2; i++) {
        const res = await gql(down, `{ info { version } }`);
        expect(res.errors?.[0]?.extensions?.['code']).toBe('KSQL_UNAVAILABLE');
        expect(JSON.stringify(res)).not.toMatch(/ECONNREFUSED|stack|at .*\.js/);
      }
      const health = await fetch(`${down.url}/health`);
      expect(health.status).toBe(200);
    } finally {
      await down.close();
    }
  });
});

describe('values', () => {
  it('round-trips BIGINT 9007199254740993 exactly', async () => {
    const name = await createStream();
    await insert(name, 'big', '9007199254740993', 'x');
    // A LIMITed push query from the earliest offset, collected to its end.
    const res = await gql(
      stack,
      `query($sql: String!, $p: JSON) { pullQuery(sql: $sql, properties: $p) { header { schema } rows { columns row } } }`,
      { sql: `SELECT ID, V FROM ${name} EMIT CHANGES LIMIT 1;`, p: { 'auto.offset.reset': 'earliest' } },
    );
    expect(res.errors).toBeUndefined();
    const result = res.data?.['pullQuery'] as { header: { schema: string }; rows: Array<{ columns: unknown[]; row: unknown }> };
    expect(result.header.schema).toBe('`ID` STRING, `V` BIGINT');
    expect(result.rows).toEqual([{ columns: ['big', '9007199254740993'], row: { ID: 'big', V: '9007199254740993' } }]);
    // And the value the engine stored is the exact integer, not a rounded double.
    const records = (await (await fetch(`${stack.ksqlUrl}/topics/${name.toLowerCase()}/records`)).text());
    expect(records).toContain('9007199254740993');
    expect(records).not.toContain('9007199254740992');
  });

  it('serves info and the generic schema', async () => {
    const res = await gql(stack, `{ info { version kafkaClusterId ksqlServiceId serverStatus } }`);
    expect(res.errors).toBeUndefined();
    expect(res.data?.['info']).toMatchObject({ ksqlServiceId: expect.any(String), serverStatus: 'RUNNING' });
  });
});
