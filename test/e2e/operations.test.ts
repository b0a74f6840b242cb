/**
 * Operating the real binary: JSON log lines (one per operation, one per
 * subscription end), secrets absent from every line and every response on
 * every error path, SIGTERM draining with live subscriptions, SCHEMA_NOT_READY
 * before the typed schema exists, and the configuration file.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { afterEach, describe, expect, it } from 'vitest';
import { killAll, spawnCli, type CliProcess } from '../utils/cli.js';
import { eventually, ksql, pushQueryCount, type GraphQLResponse } from '../utils/stack.js';

afterEach(() => killAll());

async function post(url: string, query: string, headers: Record<string, string> = {}, variables?: Record<string, unknown>) {
  const res = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query, variables }),
  });
  return { status: res.status, text: await res.text() };
}

const json = (text: string) => JSON.parse(text) as GraphQLResponse;

async function serve(args: string[], env: Record<string, string> = {}): Promise<{ cli: CliProcess; url: string }> {
  const cli = spawnCli(['serve', '--port', '0', '--log-format', 'json', ...args], env);
  return { cli, url: await cli.url() };
}

describe('logs', () => {
  it('one JSON line per operation and per subscription end, with calls, duration and result', async () => {
    const { cli, url } = await serve(['--log-level', 'info', '--schema-refresh-ms', '0']);
    expect((await post(url, 'query Info { info { version } }')).status).toBe(200);
    await post(url, 'mutation Broken { execute(ksql: "CREATE STREM oops;") { type } }');
    await post(url, '{ nope }');

    const client = createClient({ url: url.replace('http', 'ws') + '/graphql', webSocketImpl: WebSocket, lazy: true, retryAttempts: 0 });
    await post(url, `mutation { execute(ksql: "CREATE STREAM LOGS_S (V INT) WITH (kafka_topic='logs_s', value_format='JSON', partitions=1);") { type } }`);
    const it = client.iterate({ query: 'subscription Watch { pushQuery(sql: "SELECT * FROM LOGS_S EMIT CHANGES;") { __typename } }' });
    await it.next();
    await it.return?.();
    await client.dispose();

    const lines = await eventually(
      async () => cli.logLines(),
      (l) => l.some((x) => x['msg'] === 'subscription ended'),
    );
    for (const line of lines) {
      expect(line['level']).toEqual(expect.any(Number));
      expect(line['time']).toEqual(expect.any(Number));
      expect(line['name']).toBe('ksqldb-gateway');
    }
    const ops = lines.filter((l) => l['component'] === 'operations');
    expect(ops.find((l) => l['operationName'] === 'Info')).toMatchObject({
      msg: 'operation',
      operationType: 'query',
      ksqlCalls: 1,
      result: ['ok'],
      durationMs: expect.any(Number),
    });
    expect(ops.find((l) => l['operationName'] === 'Broken')).toMatchObject({ ksqlCalls: 1, result: ['KSQL_BAD_STATEMENT'] });
    expect(ops.find((l) => l['msg'] === 'operation refused')).toMatchObject({ result: ['GRAPHQL_VALIDATION_FAILED'], ksqlCalls: 0 });
    expect(ops.find((l) => l['msg'] === 'subscription ended')).toMatchObject({
      operationName: 'Watch',
      operationType: 'subscription',
      ksqlCalls: 1,
      events: 1,
      ended: ['client'],
    });
    // Components have their own child loggers.
    expect(lines.find((l) => String(l['msg']).startsWith('GraphQL gateway listening'))?.['component']).toBe('gateway');
    expect(lines.find((l) => String(l['msg']).startsWith('typed schema'))?.['component']).toBe('typed-schema');
    cli.child.kill('SIGTERM');
    expect(await cli.exit()).toBe(0);
  });

  it('pretty lines on request, and readiness failures with their cause', async () => {
    const { cli, url } = await serve(['--log-format', 'pretty', '--log-level', 'info', '--ksql-url', 'http://127.0.0.1:9', '--request-timeout-ms', '2000']);
    const res = await fetch(`${url}/readiness`);
    expect(res.status).toBe(503);
    await eventually(async () => cli.stderr(), (t) => /WARN.*not ready: ksqlDB is unavailable/.test(t) && /cause/.test(t));
    expect(cli.stderr()).not.toMatch(/^\{/m);
    cli.child.kill('SIGTERM');
    expect(await cli.exit()).toBe(0);
  });
});

/** A ksqlDB that echoes the caller's Authorization back in every kind of error. */
async function echoingKsql(): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    const auth = req.headers.authorization ?? '';
    const credential = auth.split(' ')[1] ?? '';
    const decoded = Buffer.from(credential, 'base64').toString();
    const password = decoded.split(':')[1] ?? '';
    const echo = `got ${auth}; user:pass ${decoded}; base64 of the password ${Buffer.from(password).toString('base64')}; raw ${password}`;
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      const path = req.url ?? '';
      if (path === '/healthcheck') {
        res.writeHead(503, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ '@type': 'generic_error', error_code: 50300, message: echo }));
      } else if (path === '/info') {
        res.writeHead(401, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ '@type': 'generic_error', error_code: 40100, message: echo }));
      } else if (path === '/ksql') {
        res.writeHead(500, { 'content-type': 'text/html' });
        res.end(`<html><body><h1>Internal error</h1><pre>${echo}</pre></body></html>`);
      } else if (path === '/query') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(
          `[{"header":{"queryId":"q1","schema":"\`V\` INT"}},\n{"errorMessage":{"@type":"generic_error","error_code":50000,"message":${JSON.stringify(echo)}}}]\n`,
        );
      } else {
        res.writeHead(404);
        res.end(echo);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

describe('secrets never appear', () => {
  it('on every error path, in any log line at debug, or in any response', async () => {
    const PASSWORD = 'pa55-W0rd-e2e-77';
    const ADMIN = 'admin-secret-e2e-0123456789';
    const TOKEN = 'caller-token-e2e-abcdef123';
    const forms = (s: string) => [s, Buffer.from(s).toString('base64'), Buffer.from(s).toString('base64').replace(/=+$/, '')];
    const secrets = [
      ...forms(PASSWORD),
      ...forms(`ksql-user:${PASSWORD}`),
      ...forms(ADMIN),
      ...forms(TOKEN),
    ];
    const ksqlDb = await echoingKsql();
    try {
      for (const forward of [false, true]) {
        const { cli, url } = await serve(
          [
            '--ksql-url', ksqlDb.url,
            '--ksql-username', 'ksql-user',
            '--log-level', 'debug',
            '--host', '0.0.0.0',
            '--schema-refresh-ms', '0',
            ...(forward ? ['--forward-authorization'] : []),
          ],
          { KSQLDB_GATEWAY_KSQL_PASSWORD: PASSWORD, KSQLDB_GATEWAY_ADMIN_SECRET: ADMIN },
        );
        const base = url.replace('0.0.0.0', '127.0.0.1');
        const headers = { 'x-admin-secret': ADMIN, authorization: `Bearer ${TOKEN}` };
        const wrong = { 'x-admin-secret': `${ADMIN}-wrong`, authorization: `Bearer ${TOKEN}` };
        const responses: string[] = [];
        for (const [query, h] of [
          ['{ info { version } }', headers],
          ['mutation { execute(ksql: "SHOW STREAMS;") { type } }', headers],
          ['mutation { execute(ksql: "SHOW STREAMS;") { type } }', wrong],
          ['{ pullQuery(sql: "SELECT * FROM T;") { finalMessage } }', headers],
          ['{ healthcheck { isHealthy } }', headers],
        ] as Array<[string, Record<string, string>]>) {
          responses.push((await post(base, query, h)).text);
        }
        const sse = await fetch(`${base}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...headers },
          body: JSON.stringify({ query: 'subscription { pushQuery(sql: "SELECT * FROM S EMIT CHANGES;") { __typename } }' }),
        });
        responses.push(await sse.text());
        responses.push(await (await fetch(`${base}/readiness`)).text());
        const ws = createClient({
          url: `${base.replace('http', 'ws')}/graphql`,
          webSocketImpl: WebSocket,
          lazy: true,
          retryAttempts: 0,
          connectionParams: { 'x-admin-secret': ADMIN, authorization: `Bearer ${TOKEN}` },
        });
        const it = ws.iterate({ query: 'subscription { pushQuery(sql: "SELECT * FROM S EMIT CHANGES;") { __typename } }' });
        for await (const event of it) responses.push(JSON.stringify(event));
        await ws.dispose();
        // The typed schema manager read the catalog (an HTML 500 echoing the credential) and logged it.
        await eventually(async () => cli.stderr(), (t) => /typed schema/.test(t));
        cli.child.kill('SIGTERM');
        await cli.exit();

        const everything = [cli.stderr(), cli.stdout(), ...responses].join('\n');
        // The paths were taken: the echoes arrived and were redacted.
        expect(everything).toContain('[REDACTED]');
        expect(responses.join('\n')).toContain('KSQL_UNAUTHORIZED');
        expect(responses.join('\n')).not.toContain('<html');
        for (const secret of secrets) expect(everything, `${secret} (forward=${forward})`).not.toContain(secret);
      }
    } finally {
      ksqlDb.server.close();
    }
  }, 60_000);
});

describe('SIGTERM', () => {
  it('drains: running subscriptions end with SHUTTING_DOWN, upstream queries close, the process exits', async () => {
    const engine = spawnCli(['engine', '--port', '0']);
    const ksqlUrl = await engine.url();
    await ksql({ ksqlUrl }, "CREATE STREAM DRAIN_S (V INT) WITH (kafka_topic='drain_s', value_format='JSON', partitions=1);");
    const { cli, url } = await serve(['--ksql-url', ksqlUrl, '--shutdown-timeout-ms', '3000', '--log-level', 'info']);

    const ws = createClient({ url: `${url.replace('http', 'ws')}/graphql`, webSocketImpl: WebSocket, lazy: true, retryAttempts: 0 });
    const wsEvents: unknown[] = [];
    const wsDone = new Promise<void>((resolve) => {
      ws.subscribe(
        { query: 'subscription { pushQuery(sql: "SELECT * FROM DRAIN_S EMIT CHANGES;") { __typename } }' },
        { next: (e) => wsEvents.push(e), error: () => resolve(), complete: () => resolve() },
      );
    });
    const sse = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({ query: 'subscription { pushQuery(sql: "SELECT V FROM DRAIN_S EMIT CHANGES;") { __typename } }' }),
    });
    const sseText = sse.text();
    await eventually(() => pushQueryCount({ ksqlUrl }), (n) => n === 2);
    // A client that never finishes its request: cut when the budget is spent.
    const { connect } = await import('node:net');
    const slow = connect(Number(new URL(url).port), '127.0.0.1');
    slow.write('POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100\r\n\r\n{');
    slow.on('error', () => {});

    const started = Date.now();
    cli.child.kill('SIGTERM');
    await wsDone;
    const shuttingDown = { code: 'SHUTTING_DOWN', retryable: true };
    expect((wsEvents.at(-1) as GraphQLResponse).errors?.[0]?.extensions).toEqual(shuttingDown);
    expect(await sseText).toContain('"code":"SHUTTING_DOWN"');
    expect(await cli.exit()).toBe(0);
    const tookMs = Date.now() - started;
    // Upstream push queries were closed on the (still running) engine.
    expect(await pushQueryCount({ ksqlUrl })).toBe(0);
    expect(cli.logLines().some((l) => l['msg'] === 'subscription ended' && JSON.stringify(l['ended']) === '["SHUTTING_DOWN"]')).toBe(true);
    console.log(`SIGTERM with 2 subscriptions and a stalled request: exited in ${tookMs} ms (--shutdown-timeout-ms 3000)`);
    slow.destroy();
    await ws.dispose();
    engine.child.kill('SIGTERM');
    await engine.exit();
  }, 30_000);
});

describe('start-up', () => {
  it('answers typed operations with SCHEMA_NOT_READY until the catalog is read, then runs them', async () => {
    // A port nothing listens on yet: the engine starts there later.
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as AddressInfo).port;
    await new Promise((resolve) => probe.close(resolve));
    const { cli, url } = await serve(['--ksql-url', `http://127.0.0.1:${port}`, '--request-timeout-ms', '1000']);
    const typed = 'subscription Ready { readyS(fromBeginning: true, limit: 1) { v } }';
    const subscribe = async () => {
      const res = await fetch(`${url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
        body: JSON.stringify({ query: typed }),
      });
      return res.text();
    };
    const early = await subscribe();
    expect(early).toContain('"code":"SCHEMA_NOT_READY"');
    expect(early).toContain('"retryable":true');
    expect(early).toContain('"fields":["readyS"]');
    expect((await fetch(`${url}/readiness`)).status).toBe(503);
    // Generic operations are not affected: they fail for their own reason.
    expect(json((await post(url, '{ info { version } }')).text).errors?.[0]?.extensions?.['code']).toBe('KSQL_UNAVAILABLE');

    const engine = spawnCli(['engine', '--port', String(port)]);
    const ksqlUrl = await engine.url();
    await ksql({ ksqlUrl }, "CREATE STREAM READY_S (V INT) WITH (kafka_topic='ready_s', value_format='JSON', partitions=1);");
    await ksql({ ksqlUrl }, 'INSERT INTO READY_S (V) VALUES (42);');
    await eventually(async () => (await fetch(`${url}/readiness`)).status, (s) => s === 200, { timeoutMs: 20_000 });
    expect(await subscribe()).toContain('{"data":{"readyS":{"v":42}}}');
    cli.child.kill('SIGTERM');
    expect(await cli.exit()).toBe(0);
    engine.child.kill('SIGTERM');
    await engine.exit();
  }, 40_000);
});

describe('--config FILE', () => {
  it('runs from a YAML file, flags winning over it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gw-config-'));
    const file = join(dir, 'gateway.yaml');
    writeFileSync(file, 'port: 1\ngraphql-path: /gql\nlog-format: json\nlog-level: info\n');
    // The file sets the log level: the environment must not.
    const cli = spawnCli(['serve', '--config', file, '--port', '0'], { KSQLDB_GATEWAY_LOG_LEVEL: '' });
    const url = await cli.url();
    const res = await fetch(`${url}/gql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query":"{ info { version } }"}' });
    expect(res.status).toBe(200);
    await eventually(async () => cli.logLines(), (l) => l.some((x) => x['msg'] === 'operation'));
    cli.child.kill('SIGTERM');
    expect(await cli.exit()).toBe(0);
  });
});
