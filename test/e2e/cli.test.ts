/**
 * The real binary in a child process: the URL line, --help, bad input, and a
 * clean exit 0 on SIGTERM/SIGINT while a subscription is open.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { killAll, spawnCli } from '../utils/cli.js';
import { eventually, gql, pushQueryCount, wsClient } from '../utils/stack.js';

type Child = ReturnType<typeof spawnCli>;
const run = (args: string[], env: Record<string, string> = {}): Child => spawnCli(args, env);
const firstLine = (child: Child) => child.url();
const exitCode = (child: Child) => child.exit();

afterEach(() => killAll());

describe('ksqldb-gateway CLI', () => {
  it('documents every option in --help', async () => {
    const child = run(['--help']);
    expect(await exitCode(child)).toBe(0);
    const out = child.stdout();
    for (const flag of ['--port', '--host', '--ksql-url', '--in-memory', '--set', 'KSQLDB_GATEWAY_KSQL_URL']) {
      expect(out).toContain(flag);
    }
  });

  it('rejects a bad flag with exit code 2 and a clear message', async () => {
    const child = run(['--prot', '1']);
    expect(await exitCode(child)).toBe(2);
    expect(child.stderr()).toContain('Unknown option "--prot"');
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
    child.child.kill('SIGTERM');
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
      await firstLine(child);
      await eventually(async () => child.stderr(), (text) => line.test(text));
      expect(child.stderr()).not.toContain('cli-admin-secret');
      child.child.kill('SIGTERM');
      expect(await exitCode(child)).toBe(0);
    }
  });

  it('closes in order on a SIGTERM that arrives while it starts, or right after its URL line', async () => {
    const during = run(['serve', '--port', '0', '--log-level', 'info']);
    await eventually(async () => during.stderr(), (text) => text.includes('embedded ksqlDB-compatible engine on'));
    during.child.kill('SIGTERM');
    expect(await exitCode(during)).toBe(0);
    for (let i = 0; i < 5; i++) {
      const after = run(['serve', '--port', '0']);
      await firstLine(after);
      after.child.kill('SIGTERM');
      expect(await exitCode(after)).toBe(0);
    }
  });

  it('refuses a persisted documents manifest it cannot use, with exit code 2', async () => {
    const child = run(['serve', '--port', '0', '--persisted-documents', '/nonexistent/persisted.json', '--only-persisted']);
    expect(await exitCode(child)).toBe(2);
    expect(child.stderr()).toContain('--persisted-documents: cannot read /nonexistent/persisted.json (ENOENT)');
  });

  it('engine: prints its URL, answers /info, exits 0 on SIGINT', async () => {
    const child = run(['engine', '--port', '0']);
    const url = await firstLine(child);
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const info = (await (await fetch(`${url}/info`)).json()) as { KsqlServerInfo: { version: string } };
    expect(info.KsqlServerInfo.version).toEqual(expect.any(String));
    await eventually(() => pushQueryCount({ ksqlUrl: url }), (n) => n === 0);
    child.child.kill('SIGINT');
    expect(await exitCode(child)).toBe(0);
  });

  it('takes its options from the environment', async () => {
    const child = run(['engine'], { KSQLDB_GATEWAY_PORT: '0', KSQLDB_GATEWAY_SET: 'ksql.max.push.queries=7' });
    const url = await firstLine(child);
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    child.child.kill('SIGTERM');
    expect(await exitCode(child)).toBe(0);
  });
});
