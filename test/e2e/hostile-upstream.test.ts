/**
 * A misbehaving ksqlDB cannot take the gateway down: the CLI's
 * gateway pointed at the hostile fake (test/utils/hostile-ksql.ts) with small
 * bounds. An endless /query line ends the subscription with
 * KSQL_RESPONSE_TOO_LARGE over graphql-ws and SSE while /health keeps
 * answering; a 100 MiB /ksql answer is a small GraphQL error; an HTML 502 is
 * summarised, never copied; a catalog answer of the wrong shape keeps the
 * last good typed schema. (RSS and /health latency figures: bench/hostile.ts.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHostileKsql, type HostileKsql } from '../utils/hostile-ksql.js';
import { eventually, gql, sseEvents, startStack, wsClient, type GraphQLResponse, type Stack } from '../utils/stack.js';

const MAX_LINE = 4 * 1024 * 1024;
const MAX_BODY = 8 * 1024 * 1024;
const PUSH = 'subscription { pushQuery(sql: "SELECT * FROM ORDERS EMIT CHANGES;") { __typename } }';

let fake: HostileKsql;
let stack: Stack;

beforeAll(async () => {
  fake = await startHostileKsql();
  stack = await startStack([
    '--ksql-url', fake.url,
    '--ksql-max-line-bytes', String(MAX_LINE),
    '--ksql-max-body-bytes', String(MAX_BODY),
    '--schema-refresh-ms', '0',
    '--request-timeout-ms', '1500',
  ]);
});
afterAll(async () => {
  // Each is unassigned if beforeAll failed before assigning it.
  await (stack as Stack | undefined)?.close();
  await (fake as HostileKsql | undefined)?.close();
});

/** GET /health answers 200 `ok`-style while the hostile query is still open upstream. */
async function expectHealthyMeanwhile(): Promise<void> {
  for (let i = 0; i < 3; i++) {
    const res = await fetch(`${stack.url}/health`);
    expect(res.status).toBe(200);
    await res.text();
    expect(fake.openQueries).toBe(1);
  }
}

function expectTooLarge(result: GraphQLResponse | undefined, flag: string, limit: number): void {
  expect(result?.errors).toHaveLength(1);
  const [error] = result?.errors ?? [];
  expect(error?.extensions).toMatchObject({ code: 'KSQL_RESPONSE_TOO_LARGE', limitBytes: limit });
  expect(error?.message).toContain(flag);
}

describe('an endless /query line', () => {
  it('ends a graphql-ws subscription with KSQL_RESPONSE_TOO_LARGE; /health answers meanwhile', async () => {
    // Half the bound, then the fake holds: the gateway holds a 2 MiB partial line.
    fake.behave({ query: 'endless-line', holdAtBytes: MAX_LINE / 2 });
    const client = wsClient(stack);
    try {
      const events = client.iterate<{ pushQuery: { __typename: string } }>({ query: PUSH });
      expect((await events.next()).value?.data?.pushQuery.__typename).toBe('QueryHeader');
      await fake.held();
      await expectHealthyMeanwhile();
      fake.release();
      const next = await events.next();
      expectTooLarge(next.value, '--ksql-max-line-bytes', MAX_LINE);
      expect((await events.next()).done).toBe(true);
      // The upstream request was aborted at the bound.
      await fake.queriesClosed();
      expect(fake.openQueries).toBe(0);
    } finally {
      await client.dispose();
      fake.behave({});
    }
  });

  it('ends an SSE subscription the same way', async () => {
    fake.behave({ query: 'endless-line', holdAtBytes: MAX_LINE / 2 });
    const ac = new AbortController();
    const events = sseEvents(stack, PUSH, ac.signal);
    try {
      expect((await events.next()).value?.data).toEqual({ pushQuery: { __typename: 'QueryHeader' } });
      await fake.held();
      await expectHealthyMeanwhile();
      fake.release();
      expectTooLarge((await events.next()).value as GraphQLResponse, '--ksql-max-line-bytes', MAX_LINE);
      expect((await events.next()).done).toBe(true);
      await fake.queriesClosed();
    } finally {
      ac.abort();
      await events.return(undefined).catch(() => {});
      fake.behave({});
    }
  });

  it('a subscription over a normal stream still works afterwards', async () => {
    const client = wsClient(stack);
    try {
      const events = client.iterate<{ pushQuery: { __typename: string } }>({ query: PUSH });
      const kinds: string[] = [];
      for (let i = 0; i < 3; i++) kinds.push(((await events.next()).value?.data?.pushQuery.__typename) ?? '?');
      expect(kinds).toEqual(['QueryHeader', 'QueryRow', 'QueryRow']);
      await events.return?.();
    } finally {
      await client.dispose();
    }
  });
});

describe('a huge body read whole', () => {
  it('a 100 MiB /ksql answer is a small GraphQL error with the code; the upstream request is aborted', async () => {
    fake.behave({ ksql: 'huge-body', hugeBodyBytes: 100 * 1024 * 1024 });
    const sentBefore = fake.bytesSent;
    try {
      const res = await fetch(stack.graphqlUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
        body: JSON.stringify({ query: 'mutation { execute(ksql: "SHOW STREAMS;") { type statementText raw } }' }),
      });
      const text = await res.text();
      expect(text.length).toBeLessThan(2000);
      const body = JSON.parse(text) as GraphQLResponse;
      expectTooLarge(body, '--ksql-max-body-bytes', MAX_BODY);
      expect(body.errors?.[0]?.extensions?.['limit']).toBe('maxBodyBytes');
      // Aborted near the bound: far less than the 100 MiB went out.
      await eventually(async () => fake.bytesSent, (sent) => sent > sentBefore);
      expect(fake.bytesSent - sentBefore).toBeLessThan(50 * 1024 * 1024);
    } finally {
      fake.behave({});
    }
  });

  it("a pull query's rows past the body budget are the same error", async () => {
    fake.behave({ query: 'huge-body', hugeBodyBytes: 100 * 1024 * 1024 });
    try {
      const res = await gql(stack, 'query { pullQuery(sql: "SELECT * FROM ORDERS;") { rows { columns } } }');
      expectTooLarge(res, '--ksql-max-body-bytes', MAX_BODY);
    } finally {
      fake.behave({});
    }
  });
});

describe('a slow drip', () => {
  it('a pull query that drips ends with KSQL_UNAVAILABLE at the request timeout, aborted upstream', async () => {
    fake.behave({ query: 'slow-drip', dripIntervalMs: 20 });
    try {
      const res = await gql(stack, 'query { pullQuery(sql: "SELECT * FROM ORDERS;") { rows { columns } } }');
      expect(res.errors?.[0]?.extensions).toEqual({ code: 'KSQL_UNAVAILABLE' });
      await fake.queriesClosed();
    } finally {
      fake.behave({});
    }
  });

  it('a push query that drips stays open (no body timeout) and ends when unsubscribed', async () => {
    fake.behave({ query: 'slow-drip', dripIntervalMs: 5 });
    const client = wsClient(stack);
    try {
      const events = client.iterate<{ pushQuery: { __typename: string } }>({ query: PUSH });
      expect((await events.next()).value?.data?.pushQuery.__typename).toBe('QueryHeader');
      // Rows arrive a byte at a time; each is a row all the same.
      expect((await events.next()).value?.data?.pushQuery.__typename).toBe('QueryRow');
      await expectHealthyMeanwhile();
      await events.return?.();
      await fake.queriesClosed();
    } finally {
      await client.dispose();
      fake.behave({});
    }
  });
});

describe('an HTML error page', () => {
  it('is a short plain summary, no HTML copied', async () => {
    fake.behave({ ksql: 'html-502', query: 'html-502' });
    try {
      const res = await fetch(stack.graphqlUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
        body: JSON.stringify({ query: 'mutation { execute(ksql: "SHOW STREAMS;") { type } }' }),
      });
      const text = await res.text();
      expect(text).not.toMatch(/<|&lt;|\\u003c|nginx|Bad Gateway/i);
      const body = JSON.parse(text) as GraphQLResponse;
      expect(body.errors?.[0]?.message).toBe('ksqlDB returned HTTP 502 (an HTML page)');
      expect(body.errors?.[0]?.extensions).toMatchObject({ ksqlErrorCode: 50200, httpStatus: 502 });

      const client = wsClient(stack);
      try {
        const events = client.iterate({ query: PUSH });
        const first = (await events.next()).value as GraphQLResponse;
        expect(first.errors?.[0]?.message).toBe('ksqlDB returned HTTP 502 (an HTML page)');
      } finally {
        await client.dispose();
      }
    } finally {
      fake.behave({});
    }
  });
});

describe('a catalog answer of the wrong shape', () => {
  let own: HostileKsql;
  let gateway: Stack;

  beforeAll(async () => {
    own = await startHostileKsql();
    gateway = await startStack(['--ksql-url', own.url, '--schema-refresh-ms', '50']);
  });
  afterAll(async () => {
    // Each is unassigned if beforeAll failed before assigning it.
    await (gateway as Stack | undefined)?.close();
    await (own as HostileKsql | undefined)?.close();
  });

  /** The root subscription fields: a typed stream has one. */
  const subscriptionFields = async (): Promise<string[]> => {
    const res = await gql<{ __schema: { subscriptionType: { fields: Array<{ name: string }> } } }>(
      gateway,
      '{ __schema { subscriptionType { fields { name } } } }',
    );
    return res.data?.__schema.subscriptionType.fields.map((f) => f.name) ?? [];
  };
  const listings = () => own.requests.filter((r) => r.url === '/ksql' && r.body.includes('LIST STREAMS EXTENDED')).length;

  it('keeps the last good typed schema and readiness', async () => {
    await eventually(subscriptionFields, (fields) => fields.includes('orders'));
    const readiness = async () => (await fetch(`${gateway.url}/readiness`)).status;
    expect(await readiness()).toBe(200);

    own.behave({ ksql: 'wrong-catalog' });
    // Several refreshes read the wrong shape (interval, and one after a command).
    const before = listings();
    const execute = await gql(gateway, 'mutation { execute(ksql: "CREATE STREAM X (ID STRING KEY) WITH (kafka_topic=\'x\', value_format=\'JSON\');") { type } }');
    expect(execute.errors).toBeUndefined();
    await eventually(async () => listings(), (n) => n >= before + 3);

    expect(await subscriptionFields()).toContain('orders');
    expect(await readiness()).toBe(200);
    const ok = await gql(gateway, '{ __type(name: "Orders") { name } }');
    expect(ok.data).toEqual({ __type: { name: 'Orders' } });
    own.behave({});
  });
});
