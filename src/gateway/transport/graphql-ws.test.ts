/**
 * The gateway over real sockets (port 0): graphql-ws and SSE subscriptions,
 * cancellation, and shutdown.
 */
import { createClient, type Client, type ExecutionResult } from 'graphql-ws';
import WebSocket from 'ws';
import { afterEach, describe, expect, it } from 'vitest';
import { JsonNumber } from '../../protocol/index.js';
import { KsqlServerError } from '../ksql-client/errors.js';
import { buildGateway, type Gateway, type GatewayAddress } from '../server.js';
import { createFakeKsqlClient, type FakeKsqlClient } from '../testing/fake-ksql-client.js';
import { readSse } from '../testing/http.js';

const PUSH = `subscription($sql: String!) { pushQuery(sql: $sql) {
  __typename
  ... on QueryHeader { queryId schema headerColumns: columns { name type } }
  ... on QueryRow { columns row tombstone } } }`;

const disposers: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const dispose of disposers.splice(0).reverse()) await dispose().catch(() => {});
});

async function start(): Promise<{ client: FakeKsqlClient; gateway: Gateway; address: GatewayAddress }> {
  const client = createFakeKsqlClient();
  const gateway = buildGateway({ client, logger: false, keepAliveMs: 0, typedSchema: false });
  const address = await gateway.listen(0, '127.0.0.1');
  disposers.push(() => gateway.close());
  return { client, gateway, address };
}

function ws(address: GatewayAddress, connectionParams?: Record<string, unknown>): Client {
  const client = createClient({
    url: address.url.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    retryAttempts: 0,
    lazy: true,
    ...(connectionParams ? { connectionParams } : {}),
  });
  disposers.push(async () => client.dispose());
  return client;
}

/** Subscribes and collects results; `done` settles on complete or error. */
function collect(client: Client, query: string, variables: Record<string, unknown>) {
  const results: ExecutionResult[] = [];
  let unsubscribe!: () => void;
  const done = new Promise<{ error?: unknown }>((resolve) => {
    unsubscribe = client.subscribe(
      { query, variables },
      {
        next: (value) => void results.push(value as ExecutionResult),
        error: (error) => resolve({ error }),
        complete: () => resolve({}),
      },
    );
  });
  return { results, done, unsubscribe: () => unsubscribe() };
}

describe('graphql-ws', () => {
  it('streams the header and rows, then completes at the final message', async () => {
    const { client, address } = await start();
    const sub = collect(ws(address), PUSH, { sql: 'SELECT * FROM S EMIT CHANGES LIMIT 1;' });
    const stream = await client.nextStream();
    stream.sendHeader('`ID` STRING, `V` BIGINT', 'transient_S_1');
    stream.sendRow(['k', new JsonNumber('9007199254740993')]);
    stream.finish('Limit Reached');
    expect(await sub.done).toEqual({});
    expect(sub.results).toEqual([
      {
        data: {
          pushQuery: {
            __typename: 'QueryHeader',
            queryId: 'transient_S_1',
            schema: '`ID` STRING, `V` BIGINT',
            headerColumns: [
              { name: 'ID', type: 'STRING' },
              { name: 'V', type: 'BIGINT' },
            ],
          },
        },
      },
      {
        data: {
          pushQuery: {
            __typename: 'QueryRow',
            columns: ['k', '9007199254740993'],
            row: { ID: 'k', V: '9007199254740993' },
            tombstone: false,
          },
        },
      },
    ]);
    expect(client.callsOf('closeQuery')).toEqual([]);
  });

  it('closes the upstream request at once when the client unsubscribes while no rows flow', async () => {
    const { client, address } = await start();
    const sub = collect(ws(address), PUSH, { sql: 'SELECT * FROM S EMIT CHANGES;' });
    const stream = await client.nextStream();
    stream.sendHeader('`ID` STRING', 'transient_S_2');
    await expect.poll(() => sub.results.length).toBe(1);
    const started = Date.now();
    sub.unsubscribe();
    await stream.returned;
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(stream.options?.signal?.aborted).toBe(true);
    await expect.poll(() => client.callsOf('closeQuery').map((c) => c.args)).toEqual([['transient_S_2']]);
  });

  it('closes the upstream request when the client disconnects', async () => {
    const { client, address } = await start();
    const wsClient = ws(address);
    collect(wsClient, PUSH, { sql: 'SELECT * FROM S EMIT CHANGES;' });
    const stream = await client.nextStream();
    stream.sendHeader('`ID` STRING', 'transient_S_3');
    await new Promise((r) => setTimeout(r, 20));
    await wsClient.dispose();
    await stream.returned;
    await expect.poll(() => client.callsOf('closeQuery').map((c) => c.args)).toEqual([['transient_S_3']]);
  });

  it('delivers an upstream error as a GraphQL error result, then completes', async () => {
    const { client, address } = await start();
    const sub = collect(ws(address), PUSH, { sql: 'SELECT * FROM S EMIT CHANGES;' });
    const stream = await client.nextStream();
    stream.sendHeader('`ID` STRING');
    stream.fail(new KsqlServerError('boom upstream', { httpStatus: 200, errorCode: 50000, inStream: true }));
    expect(await sub.done).toEqual({});
    expect(sub.results[1]).toEqual({
      errors: [
        {
          message: 'boom upstream',
          locations: [{ line: 1, column: 1 }],
          extensions: { code: 'KSQL_SERVER_ERROR', ksqlErrorCode: 50000, httpStatus: 200 },
        },
      ],
    });
  });

  it('masks an unexpected error in the stream', async () => {
    const { client, address } = await start();
    const sub = collect(ws(address), PUSH, { sql: 'SELECT * FROM S EMIT CHANGES;' });
    const stream = await client.nextStream();
    stream.fail(new TypeError('internal detail /srv/secret.ts:12'));
    expect(await sub.done).toEqual({});
    expect(JSON.stringify(sub.results)).not.toContain('secret');
    expect(sub.results).toEqual([
      { errors: [{ message: 'Unexpected error.', locations: [{ line: 1, column: 1 }], extensions: { code: 'INTERNAL_SERVER_ERROR' } }] },
    ]);
  });

  it('runs queries and mutations too, forwarding connectionParams.Authorization', async () => {
    const { client, address } = await start();
    const sub = collect(ws(address, { Authorization: 'Basic dTpw' }), '{ info { version } }', {});
    expect(await sub.done).toEqual({});
    expect(sub.results).toEqual([{ data: { info: { version: '0.29.0' } } }]);
    expect(client.callsOf('info')[0]?.options?.authorization).toBe('Basic dTpw');
  });

  it('reports validation errors as an error message', async () => {
    const { address } = await start();
    const sub = collect(ws(address), '{ nope }', {});
    const { error } = await sub.done;
    expect(error).toEqual([expect.objectContaining({ message: 'Cannot query field "nope" on type "Query".' })]);
  });

  it('requires an alias when header and row columns are selected side by side', async () => {
    // QueryHeader.columns ([QueryColumn!]!) and QueryRow.columns ([JSON]!) have
    // different shapes, which GraphQL validation refuses in one selection set.
    const { address } = await start();
    const sub = collect(
      ws(address),
      'subscription { pushQuery(sql: "x") { ... on QueryHeader { columns { name } } ... on QueryRow { columns } } }',
      {},
    );
    const { error } = await sub.done;
    expect(JSON.stringify(error)).toContain('Fields \\"columns\\" conflict');
  });
});

describe('SSE over a socket', () => {
  it('streams rows and closes the upstream request when the client aborts', async () => {
    const { client, address } = await start();
    const abort = new AbortController();
    const events = readSse(
      fetch(address.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
        body: JSON.stringify({ query: PUSH, variables: { sql: 'SELECT * FROM S EMIT CHANGES;' } }),
        signal: abort.signal,
      }),
    );
    const stream = await client.nextStream();
    stream.sendHeader('`V` BIGINT', 'transient_S_4');
    stream.sendRow([new JsonNumber('9007199254740993')]);
    expect((await events.next())?.data).toMatchObject({ pushQuery: { __typename: 'QueryHeader' } });
    expect((await events.next())?.data).toEqual({
      pushQuery: { __typename: 'QueryRow', columns: ['9007199254740993'], row: { V: '9007199254740993' }, tombstone: false },
    });
    abort.abort();
    await stream.returned;
    await expect.poll(() => client.callsOf('closeQuery').map((c) => c.args)).toEqual([['transient_S_4']]);
  });

  it('serves GraphiQL and the health endpoints on the same port', async () => {
    const { address } = await start();
    const page = await fetch(address.url, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('renderYogaGraphiQL');
    expect((await fetch(new URL('/health', address.url))).status).toBe(200);
    expect((await fetch(new URL('/readiness', address.url))).status).toBe(200);
  });
});

describe('close()', () => {
  it('ends graphql-ws and SSE subscriptions with SHUTTING_DOWN, closes their upstream queries and the servers', async () => {
    const client = createFakeKsqlClient();
    let clientClosed = false;
    const gateway = buildGateway({
      client: { ...client, close: async () => void (clientClosed = true) },
      logger: false,
      keepAliveMs: 0,
    });
    const address = await gateway.listen(0, '127.0.0.1');

    const wsClient = ws(address);
    const closed = new Promise<number>((resolve) => wsClient.on('closed', (e) => resolve((e as { code: number }).code)));
    const sub = collect(wsClient, PUSH, { sql: 'SELECT * FROM A EMIT CHANGES;' });
    const wsStream = await client.nextStream();
    wsStream.sendHeader('`ID` STRING', 'transient_A_1');

    const events = readSse(
      fetch(address.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
        body: JSON.stringify({ query: PUSH, variables: { sql: 'SELECT * FROM B EMIT CHANGES;' } }),
      }),
    );
    const sseStream = await client.nextStream();
    sseStream.sendHeader('`ID` STRING', 'transient_B_1');
    await events.next();
    await expect.poll(() => sub.results.length).toBe(1);

    await gateway.close();
    await Promise.all([wsStream.returned, sseStream.returned]);
    expect(client.callsOf('closeQuery').map((c) => c.args).sort()).toEqual([['transient_A_1'], ['transient_B_1']]);
    const shuttingDown = { errors: [{ message: expect.stringContaining('shutting down'), extensions: { code: 'SHUTTING_DOWN', retryable: true } }] };
    expect(await events.all()).toEqual([shuttingDown]);
    expect(events.completed()).toBe(true);
    expect(await sub.done).toEqual({});
    expect(sub.results.at(-1)).toEqual(shuttingDown);
    expect(await closed).toBeGreaterThanOrEqual(1000);
    expect(gateway.server?.listening).toBe(false);
    expect(clientClosed).toBe(true);
    await expect(fetch(new URL('/health', address.url))).rejects.toThrow();
    await gateway.close(); // idempotent
  });
});
