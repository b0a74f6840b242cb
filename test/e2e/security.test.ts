/**
 * Safe to expose, through the real interfaces (the CLI's composition over
 * loopback sockets): the admin API policy over HTTP, SSE and graphql-ws;
 * WebSocket upgrades by Origin and Host; content types; document and request
 * limits; subscription caps per process and per connection; persisted
 * documents over every transport; --read-only; the engine's SQL token limit.
 * Browsers themselves: test/e2e/browser-origin.test.ts.
 */
import { request as httpRequest } from 'node:http';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { eventually, gql, ksql, pushQueryCount, sseEvents, startStack, type GraphQLResponse, type Stack } from '../utils/stack.js';

const SECRET = 'e2e-admin-secret-7f3a9c1d2b4e';
const stacks: Stack[] = [];
const clients: Client[] = [];

afterEach(async () => {
  await Promise.all(clients.splice(0).map(async (c) => c.dispose()));
});
afterAll(async () => {
  await Promise.all(stacks.splice(0).map((s) => s.close()));
});

async function stack(args: string[] = []): Promise<Stack> {
  const s = await startStack(args);
  stacks.push(s);
  return s;
}

function ws(s: Stack, options: { connectionParams?: Record<string, unknown>; headers?: Record<string, string> } = {}): Client {
  const headers = options.headers;
  const client = createClient({
    url: s.wsUrl,
    webSocketImpl: headers
      ? class extends WebSocket {
          constructor(url: string, protocols?: string | string[]) {
            super(url, protocols, { headers });
          }
        }
      : WebSocket,
    lazy: true,
    retryAttempts: 0,
    ...(options.connectionParams ? { connectionParams: options.connectionParams } : {}),
  });
  clients.push(client);
  return client;
}

/**
 * The first result of an operation over graphql-ws; a graphql-ws `error`
 * message (a refusal before execution) comes back as `{ errors }` too.
 */
async function wsFirst(client: Client, query: string): Promise<GraphQLResponse> {
  const it = client.iterate({ query });
  try {
    const step = await it.next();
    return step.value as GraphQLResponse;
  } catch (error) {
    if (Array.isArray(error)) return { errors: error as NonNullable<GraphQLResponse['errors']> };
    throw error;
  } finally {
    await it.return?.();
  }
}

const codes = (res: GraphQLResponse | undefined) => (res?.errors ?? []).map((e) => e.extensions?.['code']);

/** A raw WebSocket upgrade request: 101, or the refusal's status and body. */
function upgrade(url: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url.replace(/^ws/, 'http'), {
      headers: {
        connection: 'Upgrade',
        upgrade: 'websocket',
        'sec-websocket-version': '13',
        'sec-websocket-key': Buffer.from('0123456789abcdef').toString('base64'),
        'sec-websocket-protocol': 'graphql-transport-ws',
        ...headers,
      },
    });
    req.on('upgrade', (res, socket) => {
      socket.destroy();
      resolve({ status: res.statusCode ?? 0, body: '' });
    });
    req.on('response', (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** A POST with any content type and Host, over a raw socket (fetch can set neither freely). */
function rawPost(url: string, body: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: 'POST', headers: { 'content-length': Buffer.byteLength(body), ...headers } }, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function streams(s: Stack): Promise<string[]> {
  const [entity] = (await ksql(s, 'SHOW STREAMS;')) as Array<{ streams: Array<{ name: string }> }>;
  return (entity?.streams ?? []).map((x) => x.name);
}

async function createStream(s: Stack, name: string): Promise<void> {
  await ksql(s, `CREATE STREAM ${name} (ID STRING KEY, V INT) WITH (kafka_topic='${name.toLowerCase()}', value_format='JSON', partitions=1);`);
}

async function sseFirst(s: Stack, query: string, headers: Record<string, string> = {}): Promise<GraphQLResponse[]> {
  const res = await fetch(s.graphqlUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...headers },
    body: JSON.stringify({ query }),
  });
  const text = await res.text();
  return text
    .split('\n\n')
    .filter((b) => b.startsWith('event: next'))
    .map((b) => JSON.parse(b.slice(b.indexOf('data:') + 5)) as GraphQLResponse);
}

const EXECUTE = 'mutation { execute(ksql: "SHOW STREAMS;") { type } }';
const TERMINATE = 'mutation { terminateCluster { type } }';

describe('admin API beyond loopback without a secret: off', () => {
  let s: Stack;
  beforeAll(async () => {
    s = await stack(['--host', '0.0.0.0']);
  });

  it('refuses every admin field over HTTP, SSE and graphql-ws; the typed and small fields work', async () => {
    await createStream(s, 'OFF_S');
    for (const q of [EXECUTE, TERMINATE, '{ pullQuery(sql: "SELECT * FROM OFF_S;") { finalMessage } }']) {
      const res = await gql(s, q, undefined, { 'x-admin-secret': SECRET });
      expect(codes(res), q).toEqual(['FORBIDDEN']);
      expect(res.errors?.[0]?.message).toContain('turned off');
    }
    const sse = await sseFirst(s, 'subscription { pushQuery(sql: "SELECT * FROM OFF_S EMIT CHANGES;") { __typename } }');
    expect(sse.map(codes)).toEqual([['FORBIDDEN']]);
    const client = ws(s, { connectionParams: { 'x-admin-secret': SECRET } });
    expect(codes(await wsFirst(client, TERMINATE))).toEqual(['FORBIDDEN']);
    expect(await pushQueryCount(s)).toBe(0);
    expect(await streams(s)).toContain('OFF_S');
    const info = await gql(s, '{ info { version } }');
    expect(info.errors).toBeUndefined();
  });
});

describe('admin API with a secret', () => {
  let s: Stack;
  beforeAll(async () => {
    s = await stack(['--host', '0.0.0.0', '--admin-secret', SECRET]);
  });

  it('HTTP and SSE: runs with the x-admin-secret header only; errors never echo a secret', async () => {
    expect(codes(await gql(s, EXECUTE))).toEqual(['FORBIDDEN']);
    const wrong = await gql(s, EXECUTE, undefined, { 'x-admin-secret': `${SECRET}x` });
    expect(codes(wrong)).toEqual(['FORBIDDEN']);
    expect(JSON.stringify(wrong)).not.toContain(SECRET);
    expect((await gql(s, EXECUTE, undefined, { 'x-admin-secret': SECRET })).errors).toBeUndefined();

    await createStream(s, 'SECRET_S');
    const push = 'subscription { pushQuery(sql: "SELECT * FROM SECRET_S EMIT CHANGES LIMIT 1;") { __typename } }';
    expect((await sseFirst(s, push)).map(codes)).toEqual([['FORBIDDEN']]);
    expect(await pushQueryCount(s)).toBe(0);
    const controller = new AbortController();
    const events = sseEvents(s, push, controller.signal);
    // sseEvents sends no secret: refused. With the header the query starts:
    expect((await events.next()).value?.errors?.[0]?.extensions?.['code']).toBe('FORBIDDEN');
    controller.abort();
    const res = await fetch(s.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', 'x-admin-secret': SECRET },
      body: JSON.stringify({ query: push }),
    });
    await eventually(() => pushQueryCount(s), (n) => n === 1);
    await res.body?.cancel();
    await eventually(() => pushQueryCount(s), (n) => n === 0);
  });

  it('graphql-ws: the secret in connection_init (key or headers) or on the upgrade request', async () => {
    expect(codes(await wsFirst(ws(s), EXECUTE))).toEqual(['FORBIDDEN']);
    expect(codes(await wsFirst(ws(s, { connectionParams: { 'x-admin-secret': 'nope-nope-nope-nope' } }), EXECUTE))).toEqual(['FORBIDDEN']);
    for (const client of [
      ws(s, { connectionParams: { 'x-admin-secret': SECRET } }),
      ws(s, { connectionParams: { headers: { 'X-Admin-Secret': SECRET } } }),
      ws(s, { headers: { 'x-admin-secret': SECRET } }),
    ]) {
      expect(await wsFirst(client, EXECUTE)).toEqual({ data: { execute: [{ type: 'streams' }] } });
    }
  });
});

describe('WebSocket upgrades (loopback, GraphiQL-style defaults)', () => {
  let s: Stack;
  beforeAll(async () => {
    s = await stack(['--cors-origins', 'https://app.example']);
  });

  it('refuses foreign and null origins with 403 and a JSON reason, before any WebSocket exists', async () => {
    for (const origin of ['https://evil.example', 'null', 'http://127.0.0.1.evil.example', 'https://app.example.evil.example']) {
      const res = await upgrade(s.wsUrl, { origin });
      expect(res.status, origin).toBe(403);
      expect(JSON.parse(res.body)).toEqual({ errors: [{ message: expect.stringContaining('origin'), extensions: { code: 'ORIGIN_NOT_ALLOWED' } }] });
    }
  });

  it('accepts the gateway’s own origin, a listed origin, and clients that send no Origin (not browsers)', async () => {
    const own = new URL(s.url).origin;
    for (const headers of [{ origin: own }, { origin: 'https://app.example' }, {}]) {
      expect((await upgrade(s.wsUrl, headers)).status).toBe(101);
    }
  });

  it('a socket from a refused origin can never send terminateCluster', async () => {
    const socket = new WebSocket(s.wsUrl, 'graphql-transport-ws', { origin: 'https://evil.example' });
    const status = await new Promise<number>((resolve) => {
      socket.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      socket.on('open', () => resolve(101));
    });
    expect(status).toBe(403);
    expect(await streams(s)).toBeDefined(); // the engine still answers
  });

  it('refuses hosts other than loopback names (DNS rebinding), for HTTP and upgrades', async () => {
    const { port } = new URL(s.url);
    const post = await rawPost(s.graphqlUrl, JSON.stringify({ query: TERMINATE }), {
      'content-type': 'application/json',
      host: `rebound.evil.example:${port}`,
    });
    expect(post.status).toBe(403);
    expect(JSON.parse(post.body).errors[0].extensions.code).toBe('HOST_NOT_ALLOWED');
    const up = await upgrade(s.wsUrl, { host: `rebound.evil.example:${port}`, origin: `http://rebound.evil.example:${port}` });
    expect(up.status).toBe(403);
    expect(JSON.parse(up.body).errors[0].extensions.code).toBe('HOST_NOT_ALLOWED');
    for (const host of [`localhost:${port}`, `127.0.0.1:${port}`]) {
      const ok = await rawPost(s.graphqlUrl, JSON.stringify({ query: '{ info { version } }' }), { 'content-type': 'application/json', host });
      expect(ok.status, host).toBe(200);
    }
  });

  it('closes a socket whose message is larger than --max-request-bytes (1009)', async () => {
    const socket = new WebSocket(s.wsUrl, 'graphql-transport-ws');
    await new Promise((resolve) => socket.once('open', resolve));
    const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
    socket.send(JSON.stringify({ type: 'connection_init', payload: { pad: 'x'.repeat(1_100_000) } }));
    expect(await closed).toBe(1009);
  });
});

describe('content types and document limits', () => {
  let s: Stack;
  beforeAll(async () => {
    s = await stack();
  });

  it('a cross-site form post (urlencoded, multipart, text/plain) or application/graphql runs nothing', async () => {
    const create = (n: string) =>
      `mutation { execute(ksql: "CREATE STREAM ${n} (V INT) WITH (kafka_topic='${n.toLowerCase()}', value_format='JSON', partitions=1);") { type } }`;
    const attempts: Array<[string, string]> = [
      ['application/x-www-form-urlencoded', new URLSearchParams({ query: create('FORM_A') }).toString()],
      ['text/plain', JSON.stringify({ query: create('FORM_B') })],
      ['application/graphql', create('FORM_C')],
      ['multipart/form-data; boundary=X', `--X\r\nContent-Disposition: form-data; name="query"\r\n\r\n${create('FORM_D')}\r\n--X--\r\n`],
    ];
    for (const [type, body] of attempts) {
      const res = await rawPost(s.graphqlUrl, body, { 'content-type': type, origin: 'https://evil.example' });
      expect(res.status, type).toBe(415);
      expect(JSON.parse(res.body).errors[0].extensions.code).toBe('UNSUPPORTED_CONTENT_TYPE');
    }
    expect((await streams(s)).filter((n) => n.startsWith('FORM_'))).toEqual([]);
  });

  it('3,000 aliases of execute are refused before any statement runs', async () => {
    const query = `mutation { ${Array.from({ length: 3000 }, (_, i) => `a${i}: execute(ksql: "CREATE STREAM ALIAS_${i} (V INT) WITH (kafka_topic='alias_${i}', value_format='JSON', partitions=1);") { type }`).join(' ')} }`;
    const res = await gql(s, query);
    expect(codes(res)).toEqual(['TOKEN_LIMIT_EXCEEDED']);
    expect((await streams(s)).filter((n) => n.startsWith('ALIAS_'))).toEqual([]);
    // Within the token limit, the alias limit answers.
    const fewer = await gql(s, `{ ${Array.from({ length: 16 }, (_, i) => `a${i}: info { version }`).join(' ')} }`);
    expect(codes(fewer)).toEqual(['ALIAS_LIMIT_EXCEEDED']);
  });

  it('a 10 MB document is refused with 413 before it is parsed', async () => {
    const body = JSON.stringify({ query: `{ ${'__typename '.repeat(1_000_000)} }` });
    const res = await fetch(s.graphqlUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    expect(res.status).toBe(413);
    expect(((await res.json()) as GraphQLResponse).errors?.[0]?.extensions?.['code']).toBe('REQUEST_ENTITY_TOO_LARGE');
    expect((await gql(s, '{ info { version } }')).errors).toBeUndefined();
  });
});

describe('subscription caps', () => {
  let s: Stack;
  beforeAll(async () => {
    s = await stack(['--max-subscriptions', '3', '--max-subscriptions-per-connection', '2']);
    await createStream(s, 'CAPS_S');
  });

  it('per connection and per process, with clear codes; the running subscriptions go on', async () => {
    const sql = (n: number) => `subscription { pushQuery(sql: "SELECT V FROM CAPS_S EMIT CHANGES;${' '.repeat(n)}") { ... on QueryRow { columns } } }`;
    const a = ws(s);
    const b = ws(s);
    const rows: unknown[][] = [[], [], []];
    const started = [a, a, b].map((client, i) =>
      client.subscribe<{ pushQuery: { columns?: unknown[] } }>(
        { query: sql(i) },
        { next: (r) => r.data?.pushQuery.columns && rows[i]?.push(r.data.pushQuery.columns), error: () => {}, complete: () => {} },
      ),
    );
    await eventually(() => pushQueryCount(s), (n) => n === 1); // one shared upstream query
    expect(codes(await wsFirst(a, sql(3)))).toEqual(['CONNECTION_SUBSCRIPTION_LIMIT_EXCEEDED']);
    expect(codes(await wsFirst(ws(s), sql(4)))).toEqual(['SUBSCRIPTION_LIMIT_EXCEEDED']);
    expect((await sseFirst(s, sql(5))).map(codes)).toEqual([['SUBSCRIPTION_LIMIT_EXCEEDED']]);

    await gql(s, `mutation { execute(ksql: "INSERT INTO CAPS_S (ID, V) VALUES ('k', 7);") { type } }`);
    await eventually(async () => rows.map((r) => r.length), (lengths) => lengths.every((n) => n === 1));
    expect(rows).toEqual([[[7]], [[7]], [[7]]]);

    started[0]?.();
    await eventually(
      async () => codes(await wsFirst(ws(s), 'subscription { schemaChanged { version } }')),
      (c) => c.length === 0,
    );
    for (const stop of started) stop();
  });
});

describe('persisted documents, --only-persisted and --read-only', () => {
  let s: Stack;
  const INFO_ID = 'info-v1';
  const ROWS_ID = 'rows-v1';
  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'persisted-'));
    const file = join(dir, 'persisted-documents.json');
    writeFileSync(
      file,
      JSON.stringify({
        format: 'apollo-persisted-query-manifest',
        version: 1,
        operations: [
          { id: INFO_ID, name: 'Info', type: 'query', body: 'query Info { info { version } }' },
          { id: ROWS_ID, name: 'Rows', type: 'subscription', body: 'subscription Rows { persisted(fromBeginning: true, limit: 1) { v } }' },
        ],
      }),
    );
    s = await stack(['--persisted-documents', file, '--only-persisted', '--read-only', '--admin-secret', SECRET, '--schema-refresh-ms', '0']);
    // Through the admin API (the secret lets any document through): the typed schema is rebuilt at once.
    const created = await gql(
      s,
      'mutation($k: String!) { execute(ksql: $k) { type } }',
      { k: "CREATE STREAM PERSISTED (ID STRING KEY, V INT) WITH (kafka_topic='persisted', value_format='JSON', partitions=1); INSERT INTO PERSISTED (ID, V) VALUES ('a', 1);" },
      { 'x-admin-secret': SECRET },
    );
    expect(created.errors).toBeUndefined();
  });

  it('HTTP: ids run, documents are refused (the admin secret excepted)', async () => {
    const post = (body: unknown, headers: Record<string, string> = {}) =>
      fetch(s.graphqlUrl, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) }).then(
        (r) => r.json() as Promise<GraphQLResponse>,
      );
    expect(await post({ documentId: INFO_ID })).toEqual({ data: { info: { version: expect.any(String) } } });
    expect(codes(await post({ query: '{ info { version } }' }))).toEqual(['DOCUMENT_NOT_PERSISTED']);
    expect(codes(await post({ documentId: 'nope' }))).toEqual(['PERSISTED_QUERY_NOT_FOUND']);
    expect((await post({ query: '{ info { version } }' }, { 'x-admin-secret': SECRET })).errors).toBeUndefined();
  });

  it('SSE and graphql-ws: subscriptions by id', async () => {
    const sse = await fetch(s.graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({ documentId: ROWS_ID }),
    });
    expect(await sse.text()).toContain('"persisted":{"v":1}');

    const client = ws(s);
    const viaWs = client.iterate({ query: '', extensions: { persistedQuery: { version: 1, sha256Hash: ROWS_ID } } });
    expect((await viaWs.next()).value).toEqual({ data: { persisted: { v: 1 } } });
    await viaWs.return?.();
    expect(codes(await wsFirst(client, 'subscription { persisted { v } }'))).toEqual(['DOCUMENT_NOT_PERSISTED']);
    expect(codes(await wsFirst(client, ''))).toEqual(['DOCUMENT_REQUIRED']);
    const admin = ws(s, { connectionParams: { 'x-admin-secret': SECRET } });
    expect((await wsFirst(admin, '{ info { version } }')).errors).toBeUndefined();
  });

  it('--read-only: no insert mutation in the schema', async () => {
    const res = await gql(s, '{ __type(name: "Mutation") { fields { name } } }', undefined, { 'x-admin-secret': SECRET });
    const names = (res.data as { __type: { fields: Array<{ name: string }> } }).__type.fields.map((f) => f.name);
    expect(names).toEqual(expect.arrayContaining(['execute', 'terminateCluster']));
    expect(names.filter((n) => n.startsWith('insert'))).toEqual([]);
  });
});

describe('the engine’s SQL token limit', () => {
  it('stops parsing a statement past --max-sql-tokens, through the gateway and on the REST API', async () => {
    const s = await stack(['--max-sql-tokens', '50']);
    const values = Array.from({ length: 40 }, (_, i) => String(i)).join(', ');
    const res = await gql(s, `mutation($k: String!) { execute(ksql: $k) { type } }`, { k: `SELECT ARRAY[${values}] FROM X;` });
    expect(codes(res)).toEqual(['KSQL_BAD_STATEMENT']);
    expect(res.errors?.[0]?.message).toContain('more than 50 tokens');
    await expect(ksql(s, `CREATE STREAM T50 (V INT) WITH (kafka_topic='t50', value_format='JSON', partitions=1); ${'SHOW STREAMS; '.repeat(20)}`)).rejects.toThrow(
      /more than 50 tokens/,
    );
    expect(await streams(s)).not.toContain('T50');
  });
});
