/**
 * The per-operation budget of ksqlDB calls: the call past it fails with its
 * code before it leaves the gateway, fields before it keep their data, and
 * every operation starts with a full budget.
 */
import { describe, expect, it } from 'vitest';
import { gatewayFactory } from '../testing/gateways.js';
import { createFakeKsqlClient } from '../testing/fake-ksql-client.js';
import { errorCodes, request } from '../testing/http.js';
import { withUpstreamBudget } from './upstream-budget.js';

const URL_ = 'http://gateway.test/graphql';
const setup = gatewayFactory();

const aliases = (n: number, field = 'info { version }') =>
  `{ ${Array.from({ length: n }, (_, i) => `a${i}: ${field}`).join(' ')} }`;

describe('upstream call budget', () => {
  it('fails the calls past --max-upstream-calls without making them', async () => {
    const { client, gateway } = setup({ limits: { maxAliases: 50, maxUpstreamCalls: 10 } });
    const res = await request(gateway.fetch, URL_, { body: { query: aliases(12) } });
    expect(client.callsOf('info')).toHaveLength(10);
    // `info` is non-null, so the failed fields null the whole result (GraphQL's null propagation).
    expect(res.body?.data).toBeNull();
    expect(new Set(errorCodes(res))).toEqual(new Set(['UPSTREAM_CALL_LIMIT_EXCEEDED']));
    expect(res.body?.errors?.[0]?.message).toContain('at most 10 calls to ksqlDB (--max-upstream-calls)');

    // The next operation starts with a full budget.
    const again = await request(gateway.fetch, URL_, { body: { query: aliases(10) } });
    expect(errorCodes(again)).toEqual([]);
    expect(client.callsOf('info')).toHaveLength(20);
  });

  it('counts every kind of call, and never /close-query', async () => {
    const client = createFakeKsqlClient();
    const { client: budgeted, calls } = withUpstreamBudget(client, 2);
    await budgeted.info();
    await budgeted.healthcheck();
    await expect(budgeted.clusterStatus()).rejects.toMatchObject({ extensions: { code: 'UPSTREAM_CALL_LIMIT_EXCEEDED' } });
    expect(() => budgeted.query({ ksql: 'SELECT 1;' })).toThrow(/at most 2 calls/);
    await expect(budgeted.pullQuery({ ksql: 'SELECT 1;' })).rejects.toThrow(/at most 2 calls/);
    await budgeted.closeQuery('q1');
    expect(client.callsOf('clusterStatus')).toHaveLength(0);
    expect(client.callsOf('closeQuery')).toHaveLength(1);
    await budgeted.close();
    expect(client.callsOf('close')).toHaveLength(0);
    expect(calls()).toBe(2);
    const unlimited = withUpstreamBudget(client, 0);
    for (let i = 0; i < 20; i++) await unlimited.client.info();
    expect(unlimited.calls()).toBe(20);
  });
});
