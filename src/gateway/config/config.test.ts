/** The options table: the security flags' parsing, defaults and refusals. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, helpText, loadConfig, parseArgs, type ServeConfig } from './index.js';
import { loadPersistedDocuments, parsePersistedDocuments } from './persisted-documents.js';

const serve = (args: string[], env: Record<string, string> = {}) =>
  loadConfig(parseArgs(['serve', ...args]), env) as ServeConfig;
const SECRET = 'a'.repeat(32);

describe('security options', () => {
  it('has safe defaults', () => {
    const c = serve([]);
    expect(c.corsOrigins).toEqual([]);
    expect(c.allowedHosts).toBeUndefined();
    expect(c.requestContentTypes).toEqual(['application/json']);
    expect(c.adminApi).toBeUndefined();
    expect(c.adminSecret).toBeUndefined();
    expect(c.readOnly).toBe(false);
    expect(c.persistedDocuments).toBeUndefined();
    expect(c.onlyPersisted).toBe(false);
    expect(c.limits).toEqual({
      maxRequestBytes: 1048576,
      maxTokens: 1000,
      maxDepth: 10,
      maxAliases: 15,
      maxDirectives: 50,
      maxCost: 5000,
      maxUpstreamCalls: 10,
      maxSubscriptions: 10000,
      maxSubscriptionsPerConnection: 100,
    });
    expect(c.maxSqlTokens).toBe(100000);
  });

  it('reads every flag, and its environment variable', () => {
    const c = serve([
      '--cors-origins', 'https://app.example,HTTP://LOCALHOST:5173',
      '--allowed-hosts', 'gw.example.com',
      '--request-content-types', 'application/json,multipart/form-data',
      '--admin-api', 'secret',
      '--read-only',
      '--max-depth', '3',
      '--max-subscriptions-per-connection', '0',
    ], { KSQLDB_GATEWAY_ADMIN_SECRET: SECRET, KSQLDB_GATEWAY_MAX_ALIASES: '2' });
    expect(c.corsOrigins).toEqual(['https://app.example', 'http://localhost:5173']);
    expect(c.allowedHosts).toEqual(['gw.example.com']);
    expect(c.requestContentTypes).toEqual(['application/json', 'multipart/form-data']);
    expect(c.adminApi).toBe('secret');
    expect(c.adminSecret).toBe(SECRET);
    expect(c.readOnly).toBe(true);
    expect(c.limits.maxDepth).toBe(3);
    expect(c.limits.maxAliases).toBe(2);
    expect(c.limits.maxSubscriptionsPerConnection).toBe(0);
  });

  it.each([
    [['--admin-api', 'maybe'], /--admin-api must be one of open, secret, off/],
    [['--admin-api', 'secret'], /--admin-api secret needs --admin-secret/],
    [['--admin-secret', 'short'], /at least 16 characters/],
    [['--cors-origins', '*'], /not allowed; list each origin/],
    [['--cors-origins', 'null'], /not allowed/],
    [['--cors-origins', 'https://app.example/path'], /origin only/],
    [['--cors-origins', 'app.example'], /not an origin|must be http/],
    [['--cors-origins', 'ftp://app.example'], /must be http or https/],
    [['--request-content-types', 'text/plain'], /is not one of/],
    [['--only-persisted'], /--only-persisted needs --persisted-documents/],
    [['--max-tokens=-1'], /--max-tokens must be 0 \(no limit\) or positive/],
    [['--max-sql-tokens=-5'], /--max-sql-tokens must be 0/],
    [['--resume-gather-ms=-1'], /--resume-gather-ms must be 0 or more/],
    [['--resume-window-bytes=-1'], /--resume-window-bytes must be 0 or more/],
    [['--cursor-secret', 'short'], /--cursor-secret must be at least 16 characters/],
  ])('refuses %j', (args, message) => {
    expect(() => serve(args)).toThrow(ConfigError);
    expect(() => serve(args)).toThrow(message);
  });

  it('never echoes the cursor secret; resume defaults', () => {
    try {
      serve(['--cursor-secret', 'hunter2-cursor']);
      expect.unreachable();
    } catch (err) {
      expect((err as Error).message).not.toContain('hunter2');
    }
    expect(helpText('serve')).toContain('env KSQLDB_GATEWAY_CURSOR_SECRET');
    const c = serve([]);
    expect(c.cursorSecret).toBeUndefined();
    expect(c.resumeGatherMs).toBe(250);
    expect(serve(['--resume-gather-ms', '0']).resumeGatherMs).toBe(0);
    expect(c.resumeWindowBytes).toBe(1024 * 1024);
    expect(serve(['--resume-window-bytes', '0']).resumeWindowBytes).toBe(0);
  });

  it('never echoes the admin secret', () => {
    try {
      serve(['--admin-secret', 'hunter2-secret']);
      expect.unreachable();
    } catch (err) {
      expect((err as Error).message).not.toContain('hunter2');
    }
    expect(helpText('serve')).toContain('--admin-secret SECRET');
    expect(helpText('serve')).toContain('env KSQLDB_GATEWAY_ADMIN_SECRET');
  });
});

describe('persisted documents manifests', () => {
  it('reads the id -> document form (graphql-codegen, Relay)', () => {
    expect([...parsePersistedDocuments('{"a1":"{ info { version } }","sha256:b2":"query B { x }"}', 'm')]).toEqual([
      ['a1', '{ info { version } }'],
      ['sha256:b2', 'query B { x }'],
    ]);
  });

  it("reads Apollo's persisted query manifest", () => {
    const manifest = {
      format: 'apollo-persisted-query-manifest',
      version: 1,
      operations: [{ id: 'h1', name: 'Info', type: 'query', body: 'query Info { info { version } }' }],
    };
    expect([...parsePersistedDocuments(JSON.stringify(manifest), 'm')]).toEqual([['h1', 'query Info { info { version } }']]);
  });

  it.each([
    ['not json', /m: not JSON/],
    ['[]', /expected a JSON object/],
    ['{}', /holds no documents/],
    ['{"a": 1}', /id "a": the document must be a non-empty string/],
    ['{"format":"apollo-persisted-query-manifest","version":2,"operations":[]}', /version 2 is not supported/],
    ['{"format":"apollo-persisted-query-manifest","version":1,"operations":{}}', /"operations" must be an array/],
    ['{"format":"apollo-persisted-query-manifest","version":1,"operations":[{"id":"","body":"{x}"}]}', /operations\[0\]: the id must be/],
  ])('refuses %s', (text, message) => {
    expect(() => parsePersistedDocuments(text, 'm')).toThrow(message);
  });

  it('names an unreadable file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pd-'));
    expect(() => loadPersistedDocuments(join(dir, 'missing.json'))).toThrow(/cannot read .*missing\.json \(ENOENT\)/);
    const file = join(dir, 'ok.json');
    writeFileSync(file, '{"x":"{ info { version } }"}');
    expect(loadPersistedDocuments(file).get('x')).toBe('{ info { version } }');
  });
});

describe('--config FILE', () => {
  const dir = mkdtempSync(join(tmpdir(), 'config-'));
  const write = (name: string, text: string) => {
    const file = join(dir, name);
    writeFileSync(file, text);
    return file;
  };

  it('reads JSON and YAML with the flags as keys; flags and the environment win over it', () => {
    const yaml = write('gateway.yaml', 'port: 4100\nhost: 0.0.0.0\nksql-url:\n  - http://a:8088\n  - http://b:8088\nread-only: true\ncors-origins: https://app.example\nmax-depth: 4\n');
    const c = serve(['--config', yaml, '--max-depth', '6'], { KSQLDB_GATEWAY_PORT: '4200' });
    expect(c.port).toBe(4200);
    expect(c.host).toBe('0.0.0.0');
    expect(c.ksqlUrls).toEqual(['http://a:8088', 'http://b:8088']);
    expect(c.readOnly).toBe(true);
    expect(c.corsOrigins).toEqual(['https://app.example']);
    expect(c.limits.maxDepth).toBe(6);
    const json = write('gateway.json', JSON.stringify({ 'graphql-path': '/gql', 'max-aliases': 3, 'log-format': 'json' }));
    const d = serve([], { KSQLDB_GATEWAY_CONFIG: json });
    expect(d.graphqlPath).toBe('/gql');
    expect(d.limits.maxAliases).toBe(3);
    expect(d.logFormat).toBe('json');
  });

  it.each([
    ['bad.json', '{ nope', /--config .*bad\.json: /],
    ['list.json', '[1]', /expected an object of options/],
    ['unknown.json', '{"prot": 1}', /"prot" is not an option/],
    ['engine-only.json', '{"tls-cert-file": "x"}', /"tls-cert-file" does not apply to "serve"/],
    ['kind.json', '{"port": "x"}', /"port": expected an integer/],
    ['bool.yaml', 'read-only: maybe\n', /"read-only": expected true or false/],
  ])('refuses %s', (name, text, message) => {
    expect(() => serve(['--config', write(name, text)])).toThrow(message);
  });

  it('names an unreadable file', () => {
    expect(() => serve(['--config', join(dir, 'missing.yaml')])).toThrow(/--config: cannot read .*missing\.yaml \(ENOENT\)/);
  });
});

describe('flags (node:util parseArgs)', () => {
  it.each([
    [['--prot', '1'], /Unknown option "--prot" for "serve"/],
    [['--port'], /Option --port needs a value \(PORT\)/],
    [['--read-only=yes'], /Option --read-only takes no value/],
    [['--log-format', 'xml'], /--log-format must be one of json, pretty/],
    [['--ksql-url', 'http://a:8088,http://a:8088'], /lists a server twice/],
    [['--ksql-cert-file', 'c.pem'], /--ksql-cert-file and --ksql-key-file go together/],
    [['--no-help'], /Unknown option/],
  ])('refuses %j', (args, message) => {
    expect(() => serve(args)).toThrow(message);
  });

  it('takes --no-<flag>, repeated lists, the last of repeated values, and -h', () => {
    const c = serve(['--no-graphiql', '--cors-origins', 'https://a.example', '--cors-origins', 'https://b.example', '--port', '1', '--port', '2']);
    expect(c.graphiql).toBe(false);
    expect(c.corsOrigins).toEqual(['https://a.example', 'https://b.example']);
    expect(c.port).toBe(2);
    expect(parseArgs(['-h']).help).toBe(true);
    expect(parseArgs(['engine', '--version']).version).toBe(true);
  });

  it('engine: TLS files go together', () => {
    expect(() => loadConfig(parseArgs(['engine', '--tls-cert-file', 'c.pem']), {})).toThrow(/go together/);
    expect(() => loadConfig(parseArgs(['engine', '--tls-client-ca-file', 'ca.pem']), {})).toThrow(/needs --tls-cert-file/);
  });
});

describe('--ksql-http2', () => {
  it('defaults to auto, reads off from the flag or the environment, and refuses anything else', () => {
    expect((loadConfig(parseArgs(['serve']), {}) as ServeConfig).ksqlHttp2).toBe('auto');
    expect((loadConfig(parseArgs(['serve', '--ksql-http2', 'off']), {}) as ServeConfig).ksqlHttp2).toBe('off');
    expect((loadConfig(parseArgs(['serve']), { KSQLDB_GATEWAY_KSQL_HTTP2: 'off' }) as ServeConfig).ksqlHttp2).toBe('off');
    expect(() => loadConfig(parseArgs(['serve', '--ksql-http2', 'on']), {})).toThrow(/--ksql-http2 must be auto or off/);
  });
});
