/**
 * The HTTP edge in process: content types, CSRF, GET, CORS, Host and body
 * size. Every refusal comes before any call to ksqlDB.
 */
import { describe, expect, it } from 'vitest';
import type { Gateway } from '../server.js';
import { gatewayFactory } from '../testing/gateways.js';
import { errorCodes, request } from '../testing/http.js';

const URL_ = 'http://127.0.0.1/graphql';
const MUTATION = 'mutation { execute(ksql: "DROP STREAM S;") { type } }';

const setup = gatewayFactory({ adminApi: 'open' });

const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();

describe('content types', () => {
  it('refuses what a plain HTML form can send, and application/graphql, with 415 and no call', async () => {
    const { client, gateway } = setup();
    const multipart = new FormData();
    multipart.set('operations', JSON.stringify({ query: MUTATION }));
    multipart.set('map', '{}');
    const bodies: Array<{ type: string | undefined; body: BodyInit }> = [
      { type: 'application/x-www-form-urlencoded', body: form({ query: MUTATION }) },
      { type: 'text/plain', body: JSON.stringify({ query: MUTATION }) },
      { type: 'application/graphql', body: MUTATION },
      { type: undefined, body: multipart },
    ];
    for (const { type, body } of bodies) {
      const res = await gateway.fetch(URL_, { method: 'POST', headers: type ? { 'content-type': type } : {}, body });
      expect(res.status, String(type)).toBe(415);
      const json = (await res.json()) as { errors: Array<{ extensions: { code: string }; message: string }> };
      expect(json.errors[0]?.extensions.code).toBe('UNSUPPORTED_CONTENT_TYPE');
      expect(json.errors[0]?.message).toContain('application/json');
    }
    expect(client.calls).toEqual([]);
  });

  it('accepts the content types configured, which still need a CSRF header', async () => {
    const { client, gateway } = setup({ requestContentTypes: ['application/json', 'application/x-www-form-urlencoded'] });
    const body = form({ query: MUTATION });
    const headers = { 'content-type': 'application/x-www-form-urlencoded' };
    const refused = await request(gateway.fetch, URL_, { body, headers });
    expect(refused.status).toBe(403);
    expect(errorCodes(refused)).toEqual(['CSRF_HEADER_REQUIRED']);
    expect(client.calls).toEqual([]);
    const ok = await request(gateway.fetch, URL_, { body, headers: { ...headers, 'x-graphql-yoga-csrf': '1' } });
    expect(errorCodes(ok)).toEqual([]);
    expect(client.callsOf('ksql')).toHaveLength(1);
  });

  it('accepts application/json with a charset', async () => {
    const { gateway } = setup();
    const res = await request(gateway.fetch, URL_, {
      body: JSON.stringify({ query: '{ info { version } }' }),
      headers: { 'content-type': 'application/json;charset=UTF-8' },
    });
    expect(res.body).toEqual({ data: { info: { version: '0.29.0' } } });
  });
});

describe('GET', () => {
  const get = (gateway: Gateway, query: string, headers: Record<string, string> = {}) =>
    request(gateway.fetch, `${URL_}?query=${encodeURIComponent(query)}`, { headers });

  it('needs a CSRF header (a page can make a GET cross-site without a preflight)', async () => {
    const { client, gateway } = setup();
    const refused = await get(gateway, '{ info { version } }');
    expect(refused.status).toBe(403);
    expect(errorCodes(refused)).toEqual(['CSRF_HEADER_REQUIRED']);
    for (const header of ['x-graphql-yoga-csrf', 'apollo-require-preflight', 'x-apollo-operation-name']) {
      const ok = await get(gateway, '{ info { version } }', { [header]: 'x' });
      expect(ok.body).toEqual({ data: { info: { version: '0.29.0' } } });
    }
    expect(client.callsOf('info')).toHaveLength(3);
  });

  it('never runs a mutation', async () => {
    const { client, gateway } = setup();
    const res = await get(gateway, MUTATION, { 'x-graphql-yoga-csrf': '1' });
    expect(res.status).toBe(405);
    expect(client.calls).toEqual([]);
  });

  it('still serves GraphiQL to a browser', async () => {
    const { gateway } = setup();
    const res = await gateway.fetch(URL_, { headers: { accept: 'text/html' } });
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('x-graphql-yoga-csrf');
  });
});

describe('CORS', () => {
  const preflight = (gateway: Gateway, origin: string) =>
    gateway.fetch(URL_, {
      method: 'OPTIONS',
      headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type, x-admin-secret' },
    });

  it('gives a foreign origin no CORS headers by default, neither on the preflight nor on the response', async () => {
    const { gateway } = setup();
    const pre = await preflight(gateway, 'https://evil.example');
    expect(pre.headers.get('access-control-allow-origin')).toBeNull();
    expect(pre.headers.get('access-control-allow-credentials')).toBeNull();
    const res = await request(gateway.fetch, URL_, { body: { query: '{ info { version } }' }, headers: { origin: 'https://evil.example' } });
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
    expect(res.headers.get('access-control-allow-credentials')).toBeNull();
  });

  it('allows exactly the listed origins, with credentials, and nothing else (not "null")', async () => {
    const { gateway } = setup({ corsOrigins: ['https://app.example', 'http://localhost:5173'] });
    for (const origin of ['https://app.example', 'http://localhost:5173']) {
      const pre = await preflight(gateway, origin);
      expect(pre.headers.get('access-control-allow-origin')).toBe(origin);
      expect(pre.headers.get('access-control-allow-credentials')).toBe('true');
      expect(pre.headers.get('access-control-allow-headers')).toContain('x-admin-secret');
      const res = await request(gateway.fetch, URL_, { body: { query: '{ info { version } }' }, headers: { origin } });
      expect(res.headers.get('access-control-allow-origin')).toBe(origin);
      expect(res.headers.get('vary')).toContain('Origin');
    }
    for (const origin of ['https://evil.example', 'null', 'https://app.example.evil.example', 'http://app.example']) {
      const pre = await preflight(gateway, origin);
      expect(pre.headers.get('access-control-allow-origin'), origin).toBeNull();
      expect(pre.headers.get('access-control-allow-credentials'), origin).toBeNull();
    }
  });
});

describe('Host', () => {
  it('refuses hosts not allowed (DNS rebinding) before any GraphQL work', async () => {
    const { client, gateway } = setup({ allowedHosts: ['localhost', '127.0.0.1', '*.internal.example'] });
    const query = { query: '{ info { version } }' };
    for (const url of ['http://evil.example/graphql', 'http://evil.example:4000/graphql', 'http://127.0.0.1.evil.example/graphql']) {
      const res = await request(gateway.fetch, url, { body: query });
      expect(res.status, url).toBe(403);
      expect(errorCodes(res)).toEqual(['HOST_NOT_ALLOWED']);
    }
    expect(client.calls).toEqual([]);
    for (const url of ['http://localhost:4000/graphql', 'http://127.0.0.1/graphql', 'http://gw.internal.example/graphql']) {
      const res = await request(gateway.fetch, url, { body: query });
      expect(res.status, url).toBe(200);
    }
  });
});

describe('request size', () => {
  it('refuses bodies over --max-request-bytes with 413', async () => {
    const { client, gateway } = setup({ limits: { maxRequestBytes: 1024 } });
    const res = await request(gateway.fetch, URL_, { body: { query: `{ info { version } } # ${'x'.repeat(2000)}` } });
    expect(res.status).toBe(413);
    expect(errorCodes(res)).toEqual(['REQUEST_ENTITY_TOO_LARGE']);
    expect(client.calls).toEqual([]);
  });
});
