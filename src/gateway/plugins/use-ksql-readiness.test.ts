/**
 * `/readiness` with one ksqlDB server (its /healthcheck is called) and with
 * several (their polled states are reported, nothing is called).
 */
import { describe, expect, it } from 'vitest';
import { KsqlTransportError } from '../ksql-client/errors.js';
import type { KsqlServerState } from '../ksql-client/types.js';
import { createFakeKsqlClient } from '../testing/fake-ksql-client.js';
import { gatewayFactory } from '../testing/gateways.js';

const setup = gatewayFactory();
const READINESS = 'http://gateway.test/readiness';

describe('useKsqlReadiness with several servers', () => {
  it('reports each server and is ready while one is healthy', async () => {
    const states: KsqlServerState[] = [
      { url: 'http://ksql-1:8088', healthy: true, lastCheckAt: Date.UTC(2024, 0, 2, 3, 4, 5), lastError: null },
      { url: 'http://ksql-2:8088', healthy: false, lastCheckAt: Date.UTC(2024, 0, 2, 3, 4, 6), lastError: 'connection refused' },
      { url: 'http://ksql-3:8088', healthy: false, lastCheckAt: null, lastError: null },
    ];
    const { gateway, client } = setup({ ksqlServers: () => states });
    const res = await gateway.fetch(READINESS);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      ready: true,
      ksql: {
        isHealthy: true,
        servers: [
          { url: 'http://ksql-1:8088', healthy: true, lastCheckAt: '2024-01-02T03:04:05.000Z', lastError: null },
          { url: 'http://ksql-2:8088', healthy: false, lastCheckAt: '2024-01-02T03:04:06.000Z', lastError: 'connection refused' },
          { url: 'http://ksql-3:8088', healthy: false, lastCheckAt: null, lastError: null },
        ],
      },
    });
    expect(client.callsOf('healthcheck')).toEqual([]);

    states[0] = { ...states[0]!, healthy: false, lastError: 'timed out' };
    const down = await gateway.fetch(READINESS);
    expect(down.status).toBe(503);
    expect(await down.json()).toMatchObject({ ready: false, reason: 'No ksqlDB server is healthy.', ksql: { isHealthy: false } });
  });

  it('waits for the typed schema as with one server', async () => {
    const { gateway } = setup({
      // The catalog cannot be read: the typed schema is never built.
      client: createFakeKsqlClient({ ksql: async () => Promise.reject(new KsqlTransportError('down')) }),
      ksqlServers: () => [{ url: 'http://ksql-1:8088', healthy: true, lastCheckAt: 0, lastError: null }],
      typedSchema: { retryInitialMs: 3_600_000 },
    });
    const res = await gateway.fetch(READINESS);
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({
      ready: false,
      ksql: { isHealthy: true },
      typedSchema: { ready: false },
      reason: 'The typed schema has not been built yet.',
    });
  });
});
