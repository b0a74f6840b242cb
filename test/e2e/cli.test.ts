/**
 * The real binary in a child process: the URL line, --help, bad input, and a
 * clean exit 0 on SIGTERM/SIGINT while a subscription is open.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { eventually, gql, pushQueryCount, wsClient } from '../utils/stack.js';

const BIN = fileURLToPath(new URL('../../bin/ksqldb-gateway.js', import.meta.url));
const children: ChildProcessWithoutNullStreams[] = [];

function run(args: string[], env: Record<string, string> = {}): ChildProcessWithoutNullStreams {
  const child = spawn(process.execPath, [BIN, ...args], {
    // In memory: these tests run in parallel and must not share ./ksql-data (test/durability covers disk).
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

afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
});

describe('ksqldb-gateway CLI', () => {
  it('documents every option in --help', async () => {
    const child = run(['--help']);
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    expect(await exitCode(child)).toBe(0);
    for (const flag of ['--port', '--host', '--ksql-url', '--in-memory', '--set', 'KSQLDB_GATEWAY_KSQL_URL']) {
      expect(out).toContain(flag);
    }
  });

  it('rejects a bad flag with exit code 2 and a clear message', async () => {
    const child = run(['--prot', '1']);
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    expect(await exitCode(child)).toBe(2);
    expect(err).toContain('Unknown option "--prot"');
  });

  it('serve: prints its URL, serves GraphQL on the embedded engine, exits 0 on SIGTERM with a subscription open', async () => {
    const child = run(['serve', '--port', '0']);
    const url = await firstLine(child);
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const stack = { graphqlUrl: `${url}/graphql`, wsUrl: `${url.replace('http', 'ws')}/graphql` };
    const created = await gql(stack, `mutation { execute(ksql: "CREATE STREAM CLI_S (V INT) WITH (kafka_topic='cli_s', value_format='JSON', partitions=1);") { type } }`);
    expect(created.errors).toBeUndefined();
    const client = wsClient(stack);
    const it = client.iterate({ query: `subscription { pushQuery(sql: "SELECT * FROM CLI_S EMIT CHANGES;") { __typename } }` });
    await it.next();
    child.kill('SIGTERM');
    expect(await exitCode(child)).toBe(0);
    await client.dispose();
  });

  it('says at start which admin API policy is in force, and why', async () => {
    const cases: Array<[string[], Record<string, string>, RegExp]> = [
      [['--port', '0'], {}, /admin API: open \(listening on loopback only\)/],
      [['--port', '0', '--host', '0.0.0.0'], {}, /admin API: off \(listening beyond loopback and no admin secret is set\)/],
      [['--port', '0', '--host', '0.0.0.0'], { KSQLDB_GATEWAY_ADMIN_SECRET: 'cli-admin-secret-0123456789' }, /admin API: secret \(listening beyond loopback, admin secret set\): .* need the x-admin-secret header/],
      [['--port', '0', '--admin-api', 'off'], {}, /admin API: off \(--admin-api\)/],
    ];
    for (const [args, env, line] of cases) {
      const child = run(['serve', ...args, '--log-level', 'info'], env);
      let err = '';
      child.stderr.on('data', (d: Buffer) => (err += d.toString()));
      await firstLine(child);
      await eventually(async () => err, (text) => line.test(text));
      expect(err).not.toContain('cli-admin-secret');
      child.kill('SIGTERM');
      expect(await exitCode(child)).toBe(0);
    }
  });

  it('closes in order on a SIGTERM that arrives while it starts, or right after its URL line', async () => {
    const during = run(['serve', '--port', '0', '--log-level', 'info']);
    let err = '';
    during.stderr.on('data', (d: Buffer) => (err += d.toString()));
    await eventually(async () => err, (text) => text.includes('embedded ksqlDB-compatible engine on'));
    during.kill('SIGTERM');
    expect(await exitCode(during)).toBe(0);
    for (let i = 0; i < 5; i++) {
      const after = run(['serve', '--port', '0']);
      await firstLine(after);
      after.kill('SIGTERM');
      expect(await exitCode(after)).toBe(0);
    }
  });

  it('refuses a persisted documents manifest it cannot use, with exit code 2', async () => {
    const child = run(['serve', '--port', '0', '--persisted-documents', '/nonexistent/persisted.json', '--only-persisted']);
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    expect(await exitCode(child)).toBe(2);
    expect(err).toContain('--persisted-documents: cannot read /nonexistent/persisted.json (ENOENT)');
  });

  it('engine: prints its URL, answers /info, exits 0 on SIGINT', async () => {
    const child = run(['engine', '--port', '0']);
    const url = await firstLine(child);
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const info = (await (await fetch(`${url}/info`)).json()) as { KsqlServerInfo: { version: string } };
    expect(info.KsqlServerInfo.version).toEqual(expect.any(String));
    await eventually(() => pushQueryCount({ ksqlUrl: url }), (n) => n === 0);
    child.kill('SIGINT');
    expect(await exitCode(child)).toBe(0);
  });

  it('takes its options from the environment', async () => {
    const child = run(['engine'], { KSQLDB_GATEWAY_PORT: '0', KSQLDB_GATEWAY_SET: 'ksql.max.push.queries=7' });
    const url = await firstLine(child);
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    child.kill('SIGTERM');
    expect(await exitCode(child)).toBe(0);
  });
});
