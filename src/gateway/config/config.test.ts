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
    [['--max-tokens', '-1'], /--max-tokens must be 0 \(no limit\) or positive/],
    [['--max-sql-tokens', '-5'], /--max-sql-tokens must be 0/],
  ])('refuses %j', (args, message) => {
    expect(() => serve(args as string[])).toThrow(ConfigError);
    expect(() => serve(args as string[])).toThrow(message);
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
