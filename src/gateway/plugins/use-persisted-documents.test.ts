/**
 * Persisted documents over HTTP in process (graphql-ws: test/e2e/security.test.ts):
 * both id forms, both manifest formats' ids, `--only-persisted`, the admin's
 * bypass, and Apollo's `PersistedQueryNotFound` answer.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Gateway, GatewayOptions } from '../server.js';
import { gatewayFactory, type TestGateway } from '../testing/gateways.js';
import { errorCodes, request } from '../testing/http.js';
import { createPersistedDocuments, persistedDocumentId } from './use-persisted-documents.js';

const URL_ = 'http://gateway.test/graphql';
const SECRET = 'persisted-admin-secret-0123456789';
const INFO = 'query Info { info { version } }';
const INFO_ID = createHash('sha256').update(INFO).digest('hex');
const HEALTH = '{ healthcheck { isHealthy } }';
const make = gatewayFactory();

function setup(only: boolean, options: Partial<GatewayOptions> = {}): TestGateway {
  const documents = new Map([
    [INFO_ID, INFO],
    [`sha256:${createHash('sha256').update(HEALTH).digest('hex')}`, HEALTH],
    ['relay-1', 'mutation { execute(ksql: "SHOW STREAMS;") { type } }'],
  ]);
  return make({ persistedDocuments: { documents, only }, ...options });
}

const post = (gateway: Gateway, body: Record<string, unknown>, headers: Record<string, string> = {}) =>
  request(gateway.fetch, URL_, { body, headers });

describe('persisted documents', () => {
  it('runs a document sent by id: documentId, or Apollo extensions.persistedQuery, with or without sha256:', async () => {
    const { gateway } = setup(false);
    const expected = { data: { info: { version: '0.29.0' } } };
    expect((await post(gateway, { documentId: INFO_ID })).body).toEqual(expected);
    expect((await post(gateway, { documentId: `sha256:${INFO_ID}` })).body).toEqual(expected);
    expect((await post(gateway, { extensions: { persistedQuery: { version: 1, sha256Hash: INFO_ID } } })).body).toEqual(expected);
    const health = createHash('sha256').update(HEALTH).digest('hex');
    expect((await post(gateway, { documentId: health })).body).toEqual({ data: { healthcheck: { isHealthy: true } } });
  });

  it('passes variables and the operation name with an id', async () => {
    const { gateway } = setup(false);
    const res = await post(gateway, { documentId: INFO_ID, operationName: 'Info', variables: {} });
    expect(res.body).toEqual({ data: { info: { version: '0.29.0' } } });
  });

  it('answers an unknown id as Apollo Client expects (PersistedQueryNotFound), then runs the whole document', async () => {
    const { gateway } = setup(false);
    const unknown = { extensions: { persistedQuery: { version: 1, sha256Hash: 'ab'.repeat(32) } } };
    const miss = await post(gateway, unknown);
    expect(errorCodes(miss)).toEqual(['PERSISTED_QUERY_NOT_FOUND']);
    expect(miss.body?.errors?.[0]?.message).toBe('PersistedQueryNotFound');
    const retry = await post(gateway, { ...unknown, query: '{ info { version } }' });
    expect(retry.body).toEqual({ data: { info: { version: '0.29.0' } } });
  });

  it('--only-persisted: refuses any other document, before parsing it', async () => {
    const { client, gateway } = setup(true);
    for (const body of [{ query: '{ info { version } }' }, { query: INFO }, { query: INFO, documentId: INFO_ID }]) {
      const res = await post(gateway, body);
      expect(errorCodes(res)).toEqual(['DOCUMENT_NOT_PERSISTED']);
    }
    expect(client.calls).toEqual([]);
    expect((await post(gateway, { documentId: INFO_ID })).body).toEqual({ data: { info: { version: '0.29.0' } } });
    expect(errorCodes(await post(gateway, { variables: {} }))).toEqual(['DOCUMENT_REQUIRED']);
  });

  it('--only-persisted: lets requests carrying the admin secret send any document', async () => {
    const { gateway } = setup(true, { adminApi: 'secret', adminSecret: SECRET });
    const res = await post(gateway, { query: '{ info { kafkaClusterId } }' }, { 'x-admin-secret': SECRET });
    expect(res.body).toEqual({ data: { info: { kafkaClusterId: 'kafka-1' } } });
    const wrong = await post(gateway, { query: '{ info { kafkaClusterId } }' }, { 'x-admin-secret': `${SECRET}!` });
    expect(errorCodes(wrong)).toEqual(['DOCUMENT_NOT_PERSISTED']);
  });

  it('keeps the admin policy for persisted documents', async () => {
    const { client, gateway } = setup(true, { adminApi: 'off' });
    expect(errorCodes(await post(gateway, { documentId: 'relay-1' }))).toEqual(['FORBIDDEN']);
    expect(client.calls).toEqual([]);
  });

  it('refuses a manifest with a document that does not parse, naming its id', () => {
    expect(() =>
      createPersistedDocuments({ documents: new Map([['broken', '{ info { version }']]) }),
    ).toThrow(/persisted document "broken" does not parse/);
  });

  it('reads ids from documentId or a version 1 persistedQuery extension only', () => {
    expect(persistedDocumentId({ documentId: 'a' })).toBe('a');
    expect(persistedDocumentId({ extensions: { persistedQuery: { version: 1, sha256Hash: 'b' } } })).toBe('b');
    expect(persistedDocumentId({ extensions: { persistedQuery: { version: 2, sha256Hash: 'b' } } })).toBeUndefined();
    expect(persistedDocumentId({ documentId: 7 })).toBeUndefined();
    expect(persistedDocumentId({})).toBeUndefined();
  });
});
