/**
 * Reaching a secured ksqlDB: the gateway composed as the CLI
 * composes it, in front of the embedded engine serving HTTPS (optionally
 * requiring client certificates, as ksqlDB's
 * `ssl.client.authentication=REQUIRED`), with certificates made by openssl
 * at test time. The real binary for what only a process shows: the exit
 * code of an unreadable file, the `https://` URL of `engine --tls-*`.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Agent, request } from 'undici';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startServe } from '../../src/cli/main.js';
import { startEngineServer, type EngineServer, type EngineServerTlsOptions } from '../../src/engine/rest/server.js';
import { loadConfig, parseArgs, type ServeConfig } from '../../src/gateway/config/index.js';
import { createLogger } from '../../src/shared/logger.js';
import { makeTestCerts, opensslMissing, type TestCerts } from '../utils/certs.js';
import { eventually, gql, startStack, wsClient, type Stack } from '../utils/stack.js';

const BIN = fileURLToPath(new URL('../../bin/ksqldb-gateway.js', import.meta.url));
const skipReason = opensslMissing();

let certs: TestCerts;
const disposers: Array<() => unknown> = [];
const children: ChildProcessWithoutNullStreams[] = [];

beforeAll(() => {
  if (skipReason !== undefined) return;
  certs = makeTestCerts();
  return () => certs.dispose();
});
afterEach(async () => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
  // Gateways were registered after their engines: close them first.
  for (const dispose of disposers.splice(0).reverse()) await dispose();
});

async function httpsEngine(tls: EngineServerTlsOptions): Promise<EngineServer> {
  const engine = await startEngineServer({ tls });
  disposers.push(() => engine.close());
  return engine;
}

async function gateway(args: string[]): Promise<Stack> {
  // A short budget: a refused connection fails at once anyway, and nothing here should wait.
  const stack = await startStack([...args, '--request-timeout-ms', '5000']);
  disposers.push(() => stack.close());
  return stack;
}

async function unavailableReason(stack: Stack): Promise<unknown> {
  const res = await gql(stack, '{ info { version } }');
  expect(res.data ?? null).toBeNull();
  expect(res.errors).toHaveLength(1);
  const [error] = res.errors ?? [];
  expect(error?.message).toBe('ksqlDB is unavailable.');
  // Nothing of the machine, the files or the connection reaches the client.
  expect(JSON.stringify(res)).not.toMatch(/127\.0\.0\.1|\/tmp|ksqldb-gateway-tls|\.pem|\.key|stack|at .*\.js/);
  expect(Object.keys(error?.extensions ?? {}).sort()).toEqual(['code', 'reason']);
  expect(error?.extensions?.['code']).toBe('KSQL_UNAVAILABLE');
  return error?.extensions?.['reason'];
}

/** Running push queries, asked of the engine's handler in process (the socket speaks TLS with a test CA). */
async function pushQueryCount(engine: EngineServer): Promise<number> {
  const res = await engine.fetch(
    new Request('http://engine/ksql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/vnd.ksql.v1+json' },
      body: JSON.stringify({ ksql: 'SHOW QUERIES;' }),
    }),
  );
  const [entity] = (await res.json()) as Array<{ queries: Array<{ queryType: string }> }>;
  return (entity?.queries ?? []).filter((q) => q.queryType === 'PUSH').length;
}

function run(args: string[], env: Record<string, string> = {}): ChildProcessWithoutNullStreams {
  const child = spawn(process.execPath, [BIN, ...args], {
    env: { ...process.env, KSQLDB_GATEWAY_IN_MEMORY: 'true', ...env, KSQLDB_GATEWAY_LOG_LEVEL: 'warn' },
  });
  children.push(child);
  return child;
}

async function firstLine(child: ChildProcessWithoutNullStreams): Promise<string> {
  let out = '';
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  for await (const chunk of child.stdout) {
    out += (chunk as Buffer).toString();
    const nl = out.indexOf('\n');
    if (nl !== -1) return out.slice(0, nl);
  }
  throw new Error(`process ended before printing its URL; stderr: ${err}`);
}

async function exitCode(child: ChildProcessWithoutNullStreams): Promise<number | null> {
  if (child.exitCode !== null) return child.exitCode;
  const [code] = (await once(child, 'exit')) as [number | null];
  return code;
}

describe.skipIf(skipReason !== undefined)(`TLS towards ksqlDB${skipReason ? ` (skipped: ${skipReason})` : ''}`, () => {
  it('trusts --ksql-ca-file: queries and push subscriptions work over https', async () => {
    const engine = await httpsEngine({ cert: certs.server.cert, key: certs.server.key });
    expect(engine.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const stack = await gateway(['--ksql-url', engine.url, '--ksql-ca-file', certs.ca.certFile]);

    const info = await gql<{ info: { version: string } }>(stack, '{ info { version } }');
    expect(info.errors).toBeUndefined();
    expect(info.data?.info.version).toEqual(expect.any(String));

    const created = await gql(stack, `mutation { execute(ksql: "CREATE STREAM TLS_S (ID STRING KEY, V INT) WITH (kafka_topic='tls_s', value_format='JSON', partitions=1);") { type } }`);
    expect(created.errors).toBeUndefined();
    const client = wsClient(stack);
    try {
      const it = client.iterate<{ pushQuery: { __typename: string; row?: Record<string, unknown> } }>({
        query: `subscription { pushQuery(sql: "SELECT * FROM TLS_S EMIT CHANGES;") { __typename ... on QueryRow { row } } }`,
      });
      expect((await it.next()).value?.data?.pushQuery.__typename).toBe('QueryHeader');
      // The push query runs on the engine, over TLS, before the row goes in.
      await eventually(() => pushQueryCount(engine), (n) => n >= 1);
      const inserted = await gql(stack, `mutation { execute(ksql: "INSERT INTO TLS_S (ID, V) VALUES ('a', 1);") { type } }`);
      expect(inserted.errors).toBeUndefined();
      expect((await it.next()).value?.data?.pushQuery).toEqual({ __typename: 'QueryRow', row: { ID: 'a', V: 1 } });
      await it.return?.();
    } finally {
      await client.dispose();
    }
  });

  it('refuses a certificate no trusted CA signed: KSQL_UNAVAILABLE with the untrusted-certificate reason', async () => {
    const engine = await httpsEngine({ cert: certs.server.cert, key: certs.server.key });
    const unrelated = await gateway(['--ksql-url', engine.url, '--ksql-ca-file', certs.otherCa.certFile]);
    expect(await unavailableReason(unrelated)).toBe("ksqlDB's certificate is not trusted (UNABLE_TO_VERIFY_LEAF_SIGNATURE)");
    // Node's root certificates do not know the test CA either.
    const system = await gateway(['--ksql-url', engine.url]);
    expect(await unavailableReason(system)).toBe("ksqlDB's certificate is not trusted (UNABLE_TO_VERIFY_LEAF_SIGNATURE)");
    const self = await httpsEngine({ cert: certs.selfSigned.cert, key: certs.selfSigned.key });
    const selfStack = await gateway(['--ksql-url', self.url, '--ksql-ca-file', certs.ca.certFile]);
    expect(await unavailableReason(selfStack)).toBe("ksqlDB's certificate is not trusted (DEPTH_ZERO_SELF_SIGNED_CERT)");
  });

  it('refuses a certificate for another host', async () => {
    const engine = await httpsEngine({ cert: certs.wrongHost.cert, key: certs.wrongHost.key });
    const stack = await gateway(['--ksql-url', engine.url, '--ksql-ca-file', certs.ca.certFile]);
    expect(await unavailableReason(stack)).toBe("ksqlDB's certificate does not match the host");
  });

  it('says when an https URL reaches a plain-HTTP server', async () => {
    const plain = await startEngineServer();
    disposers.push(() => plain.close());
    const stack = await gateway(['--ksql-url', plain.url.replace('http:', 'https:'), '--ksql-ca-file', certs.ca.certFile]);
    expect(await unavailableReason(stack)).toBe('ksqlDB did not answer with TLS (is the URL meant to be http://?)');
  });

  it('mutual TLS: without a client certificate the reason says one is required; with one it works', async () => {
    const engine = await httpsEngine({ cert: certs.server.cert, key: certs.server.key, ca: certs.clientCa.cert });
    const without = await gateway(['--ksql-url', engine.url, '--ksql-ca-file', certs.ca.certFile]);
    expect(await unavailableReason(without)).toBe('ksqlDB requires a client certificate');
    // Again, on a new connection: the reason is not a one-off.
    expect(await unavailableReason(without)).toBe('ksqlDB requires a client certificate');

    const withCert = await gateway([
      '--ksql-url', engine.url,
      '--ksql-ca-file', certs.ca.certFile,
      '--ksql-cert-file', certs.client.certFile,
      '--ksql-key-file', certs.client.keyFile,
    ]);
    const info = await gql<{ info: { version: string } }>(withCert, '{ info { version } }');
    expect(info.errors).toBeUndefined();
    expect(info.data?.info.version).toEqual(expect.any(String));
  });

  it('Confluent Cloud style: an API key and secret go as Basic credentials over https', async () => {
    const seen: Array<string | undefined> = [];
    const server = createHttpsServer({ cert: certs.server.cert, key: certs.server.key }, (req, res) => {
      seen.push(req.headers.authorization);
      if (req.url !== '/info') {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ KsqlServerInfo: { version: '7.6.0', kafkaClusterId: 'lkc-test', ksqlServiceId: 'pksqlc-test', serverStatus: 'RUNNING' } }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    disposers.push(() => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }));
    const { port } = server.address() as AddressInfo;
    const stack = await gateway([
      '--ksql-url', `https://127.0.0.1:${port}`,
      '--ksql-ca-file', certs.ca.certFile,
      '--ksql-username', 'API_KEY_123',
      '--ksql-password', 'api-secret-456',
      '--no-typed-schema',
    ]);
    const info = await gql<{ info: { version: string } }>(stack, '{ info { version } }');
    expect(info.errors).toBeUndefined();
    expect(info.data?.info.version).toBe('7.6.0');
    expect(seen.at(-1)).toBe(`Basic ${Buffer.from('API_KEY_123:api-secret-456').toString('base64')}`);
  });

  it('--ksql-tls-insecure accepts a self-signed server, and says so loudly at start', async () => {
    const engine = await httpsEngine({ cert: certs.selfSigned.cert, key: certs.selfSigned.key });
    const lines: string[] = [];
    const logger = createLogger({ level: 'warn', format: 'json', destination: { write: (line) => lines.push(line) } });
    const config = loadConfig(parseArgs(['serve', '--port', '0', '--ksql-url', engine.url, '--ksql-tls-insecure']), {}) as ServeConfig;
    const running = await startServe(config, logger);
    disposers.push(() => running.close());
    const warnings = lines.map((l) => JSON.parse(l) as { level: number; msg: string }).filter((l) => l.level === 40);
    expect(warnings).toContainEqual(expect.objectContaining({ msg: expect.stringMatching(/--ksql-tls-insecure: .*NOT verified; every certificate is accepted.*Development only/) }));
    const info = await gql<{ info: { version: string } }>({ graphqlUrl: `${running.url}/graphql` }, '{ info { version } }');
    expect(info.errors).toBeUndefined();
    expect(info.data?.info.version).toEqual(expect.any(String));
  });

  it('binary: an unreadable --ksql-ca-file stops the start with exit code 2, naming the flag and the path', async () => {
    const missing = join(certs.dir, 'no-such-ca.pem');
    const child = run(['serve', '--port', '0', '--ksql-url', 'https://127.0.0.1:1', '--ksql-ca-file', missing]);
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    expect(await exitCode(child)).toBe(2);
    expect(err).toContain(`--ksql-ca-file: cannot read ${missing} (ENOENT)`);
  });

  it('binary: a --ksql-ca-file that is not PEM stops the start with exit code 2, without echoing it', async () => {
    const notPem = join(certs.dir, 'not-a-ca.pem');
    writeFileSync(notPem, 'this-is-not-pem-0123456789\n');
    const child = run(['serve', '--port', '0', '--ksql-url', 'https://127.0.0.1:1', '--ksql-ca-file', notPem]);
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    expect(await exitCode(child)).toBe(2);
    expect(err).toContain(`--ksql-ca-file ${notPem}: no PEM certificate in it`);
    expect(err).not.toContain('this-is-not-pem');
  });

  it('binary: engine --tls-cert-file/--tls-key-file prints an https URL and answers /info over https', async () => {
    const child = run(['engine', '--port', '0', '--tls-cert-file', certs.server.certFile, '--tls-key-file', certs.server.keyFile]);
    const url = await firstLine(child);
    expect(url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const dispatcher = new Agent({ connect: { ca: certs.ca.cert } });
    try {
      const res = await request(`${url}/info`, { dispatcher });
      expect(res.statusCode).toBe(200);
      expect(await res.body.json()).toEqual({ KsqlServerInfo: expect.objectContaining({ version: expect.any(String) }) });
    } finally {
      await dispatcher.close();
    }
    child.kill('SIGTERM');
    expect(await exitCode(child)).toBe(0);
  });

  it('binary: engine --tls-client-ca-file requires a client certificate signed by that CA', async () => {
    const child = run([
      'engine', '--port', '0',
      '--tls-cert-file', certs.server.certFile,
      '--tls-key-file', certs.server.keyFile,
      '--tls-client-ca-file', certs.clientCa.certFile,
    ]);
    const url = await firstLine(child);
    expect(url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const anonymous = new Agent({ connect: { ca: certs.ca.cert } });
    const authenticated = new Agent({ connect: { ca: certs.ca.cert, cert: certs.client.cert, key: certs.client.key } });
    try {
      await expect(request(`${url}/info`, { dispatcher: anonymous })).rejects.toThrow();
      const res = await request(`${url}/info`, { dispatcher: authenticated });
      expect(res.statusCode).toBe(200);
      await res.body.dump();
    } finally {
      await anonymous.close();
      await authenticated.close();
    }
    child.kill('SIGTERM');
    expect(await exitCode(child)).toBe(0);
  });
});
