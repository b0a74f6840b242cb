/**
 * The admin API policy in process (HTTP and SSE; graphql-ws is covered end
 * to end in test/e2e/security.test.ts): refusals come before any resolver,
 * the secret is compared exactly and never echoed.
 */
import { parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import type { Gateway } from '../server.js';
import { gatewayFactory } from '../testing/gateways.js';
import { errorCodes, readSse, request } from '../testing/http.js';
import { adminFieldsOf, defaultAdminPolicy, secretMatcher } from './use-admin-policy.js';

const URL_ = 'http://gateway.test/graphql';
const SECRET = 'correct-horse-battery-staple-42';

const setup = gatewayFactory();

const post = (gateway: Gateway, query: string, headers: Record<string, string> = {}) =>
  request(gateway.fetch, URL_, { body: { query }, headers });

const ADMIN_OPERATIONS = [
  'mutation { execute(ksql: "SHOW STREAMS;") { type } }',
  'mutation { terminateCluster { type } }',
  '{ pullQuery(sql: "SELECT * FROM T;") { finalMessage } }',
];

describe('adminFieldsOf', () => {
  it('finds admin root fields through aliases, fragments and inline fragments, in the selected operation only', () => {
    const doc = parse(`
      query A { info { version } ...F }
      fragment F on Query { ... on Query { p: pullQuery(sql: "x") { finalMessage } } }
      mutation B { execute(ksql: "x") { type } ok: terminateCluster { type } }
      subscription C { pushQuery(sql: "x") { __typename } schemaChanged { version } }
    `);
    expect(adminFieldsOf(doc, 'A')).toEqual(['pullQuery']);
    expect(adminFieldsOf(doc, 'B').sort()).toEqual(['execute', 'terminateCluster']);
    expect(adminFieldsOf(doc, 'C')).toEqual(['pushQuery']);
    expect(adminFieldsOf(parse('{ info { version } healthcheck { isHealthy } }'), undefined)).toEqual([]);
  });

  it('counts the batched raw-SQL subscription as an admin field', () => {
    expect(adminFieldsOf(parse('subscription { pushQueryBatches(sql: "x") { __typename } }'), undefined)).toEqual(['pushQueryBatches']);
  });

  it('ignores fields of the same name below the root', () => {
    expect(adminFieldsOf(parse('{ info { execute: version } }'), undefined)).toEqual([]);
  });
});

describe('defaultAdminPolicy', () => {
  it('is open on loopback, else secret with a secret, else off', () => {
    expect(defaultAdminPolicy(true, false)).toBe('open');
    expect(defaultAdminPolicy(true, true)).toBe('open');
    expect(defaultAdminPolicy(false, true)).toBe('secret');
    expect(defaultAdminPolicy(false, false)).toBe('off');
  });
});

describe('secretMatcher', () => {
  it('matches the exact secret only', () => {
    const matches = secretMatcher(SECRET);
    expect(matches(SECRET)).toBe(true);
    for (const other of [undefined, '', SECRET.slice(0, -1), `${SECRET} `, SECRET.toUpperCase(), `${SECRET}${SECRET}`]) {
      expect(matches(other)).toBe(false);
    }
  });
});

describe('admin API policy', () => {
  it('off: every admin field is FORBIDDEN and ksqlDB is not called; the rest works', async () => {
    const { client, gateway } = setup({ adminApi: 'off' });
    expect(gateway.adminApi).toBe('off');
    for (const query of ADMIN_OPERATIONS) {
      const res = await post(gateway, query, { 'x-admin-secret': SECRET });
      expect(errorCodes(res)).toEqual(['FORBIDDEN']);
      expect(res.body?.data ?? null).toBeNull();
    }
    expect(client.calls).toEqual([]);
    const info = await post(gateway, '{ info { version } }');
    expect(info.body).toEqual({ data: { info: { version: '0.29.0' } } });
  });

  it('secret: needs the exact x-admin-secret header; the error never echoes it', async () => {
    const { client, gateway } = setup({ adminApi: 'secret', adminSecret: SECRET });
    for (const headers of [{}, { 'x-admin-secret': 'wrong-secret-value-123456' }, { 'x-admin-secret': SECRET.slice(1) }]) {
      for (const query of ADMIN_OPERATIONS) {
        const res = await post(gateway, query, headers);
        expect(errorCodes(res)).toEqual(['FORBIDDEN']);
        expect(res.body?.errors?.[0]?.message).toContain('x-admin-secret');
        expect(res.text).not.toContain(SECRET);
        expect(res.text).not.toContain(SECRET.slice(1));
      }
    }
    expect(client.calls).toEqual([]);
    const ok = await post(gateway, 'mutation { execute(ksql: "SHOW STREAMS;") { type } }', { 'x-admin-secret': SECRET });
    expect(errorCodes(ok)).toEqual([]);
    expect(client.callsOf('ksql')).toHaveLength(1);
  });

  it('refuses a mixed operation whole, so that no field of it runs', async () => {
    const { client, gateway } = setup({ adminApi: 'off' });
    const res = await post(gateway, '{ info { version } pullQuery(sql: "SELECT * FROM T;") { finalMessage } }');
    expect(errorCodes(res)).toEqual(['FORBIDDEN']);
    expect(res.body?.errors?.[0]?.extensions?.['fields']).toEqual(['pullQuery']);
    expect(client.calls).toEqual([]);
  });

  it('refuses pushQuery over SSE before the upstream query starts', async () => {
    const { client, gateway } = setup({ adminApi: 'secret', adminSecret: SECRET });
    const events = readSse(
      gateway.fetch(URL_, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
        body: JSON.stringify({ query: 'subscription { pushQuery(sql: "SELECT * FROM S EMIT CHANGES;") { __typename } }' }),
      }),
    );
    const all = await events.all();
    expect(all.map((e) => e.errors?.map((x) => x.extensions?.['code']))).toEqual([['FORBIDDEN']]);
    expect(client.streams).toHaveLength(0);
  });

  it('open: admin fields run for everyone', async () => {
    const { client, gateway } = setup({ adminApi: 'open' });
    expect(errorCodes(await post(gateway, 'mutation { terminateCluster { type } }'))).toEqual([]);
    expect(client.callsOf('terminateCluster')).toHaveLength(1);
  });

  it('defaults to off when the gateway is not listening and no secret is set, to secret with one', async () => {
    expect(setup({}).gateway.adminApi).toBe('off');
    expect(setup({ adminSecret: SECRET }).gateway.adminApi).toBe('secret');
  });

  it('settles the default when listening: open on loopback', async () => {
    const { gateway } = setup({ adminSecret: SECRET });
    await gateway.listen(0, '127.0.0.1');
    expect(gateway.adminApi).toBe('open');
  });
});
