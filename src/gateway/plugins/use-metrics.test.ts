/**
 * Metrics in process over a fake ksqlDB client: each gateway counts in its
 * own registry, subscriptions are counted by transport while they run, a
 * slow SSE subscriber of a shared query is counted when it is ended, and the
 * endpoint can move or go. The same metrics against the real stack:
 * test/e2e/metrics.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { KsqlServerError } from '../ksql-client/errors.js';
import type { Gateway } from '../server.js';
import { gatewayFactory } from '../testing/gateways.js';
import { readSse } from '../testing/http.js';
import { metricNames, parseExposition, sampleValue, type Sample } from '../testing/prometheus.js';

const BASE = 'http://gateway.test';
const setup = gatewayFactory({ adminApi: 'open' });

async function scrape(gateway: Gateway, path = '/metrics'): Promise<{ text: string; samples: Sample[] }> {
  const res = await gateway.fetch(`${BASE}${path}`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
  const text = await res.text();
  return { text, samples: parseExposition(text) };
}

const query = (gateway: Gateway, body: unknown, headers: Record<string, string> = {}) =>
  gateway.fetch(`${BASE}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });

const subscribe = (gateway: Gateway, sql: string) =>
  query(
    gateway,
    { query: `subscription { pushQuery(sql: ${JSON.stringify(sql)}) { ... on QueryRow { columns } } }` },
    { accept: 'text/event-stream' },
  );

describe('metrics', () => {
  it("each gateway counts in its own registry; the endpoint adds the process's metrics", async () => {
    const one = setup();
    const two = setup();
    expect(one.gateway.metricsRegistry).toBeDefined();
    expect(one.gateway.metricsRegistry).not.toBe(two.gateway.metricsRegistry);

    await (await query(one.gateway, { query: '{ info { version } }' })).json();
    const a = await scrape(one.gateway);
    const b = await scrape(two.gateway);
    expect(sampleValue(a.samples, 'graphql_envelop_request', { operationType: 'query' })).toBe(1);
    expect(sampleValue(b.samples, 'graphql_envelop_request', { operationType: 'query' })).toBe(0);
    expect(sampleValue(a.samples, 'ksqldb_gateway_ksql_request_duration_seconds_count', { endpoint: '/info', outcome: 'ok' })).toBe(1);
    expect(sampleValue(b.samples, 'ksqldb_gateway_ksql_request_duration_seconds_count', { endpoint: '/info', outcome: 'ok' })).toBe(0);
    for (const { text } of [a, b]) {
      expect(metricNames(text)).toContain('process_cpu_user_seconds_total');
      expect(metricNames(text)).toContain('nodejs_eventloop_lag_seconds');
    }
    // The process metrics are the endpoint's, not the gateway's registry's.
    expect(one.gateway.metricsRegistry?.getSingleMetric('process_cpu_user_seconds_total')).toBeUndefined();
  });

  it('counts running subscriptions and the results they were sent by transport', async () => {
    const { client, gateway } = setup();
    const sse = readSse(subscribe(gateway, 'SELECT * FROM S EMIT CHANGES;'));
    const upstream = await client.nextStream();
    upstream.sendHeader('`V` INT');
    upstream.sendRow([1]);
    expect(await sse.next()).toEqual({ data: { pushQuery: {} } });
    expect(await sse.next()).toEqual({ data: { pushQuery: { columns: [1] } } });
    const second = readSse(subscribe(gateway, 'SELECT * FROM S EMIT CHANGES;'));
    expect(await second.next()).toEqual({ data: { pushQuery: {} } });

    const running = (await scrape(gateway)).samples;
    expect(sampleValue(running, 'ksqldb_gateway_subscriptions_active', { transport: 'sse' })).toBe(2);
    expect(sampleValue(running, 'ksqldb_gateway_subscriptions_active', { transport: 'graphql-ws' })).toBe(0);
    expect(sampleValue(running, 'ksqldb_gateway_subscription_events_total', { transport: 'sse' })).toBe(3);
    expect(sampleValue(running, 'ksqldb_gateway_shared_push_queries')).toBe(1);
    expect(sampleValue(running, 'ksqldb_gateway_shared_push_query_subscribers')).toBe(2);
    expect(sampleValue(running, 'ksqldb_gateway_shared_push_query_max_subscribers')).toBe(2);
    expect(sampleValue(running, 'ksqldb_gateway_upstream_push_queries')).toBe(1);

    await sse.cancel();
    await second.cancel();
    await expect
      .poll(async () => sampleValue((await scrape(gateway)).samples, 'ksqldb_gateway_subscriptions_active', { transport: 'sse' }))
      .toBe(0);
    const ended = (await scrape(gateway)).samples;
    expect(sampleValue(ended, 'ksqldb_gateway_shared_push_queries')).toBe(0);
    expect(sampleValue(ended, 'ksqldb_gateway_shared_push_query_subscribers')).toBe(0);
    expect(sampleValue(ended, 'ksqldb_gateway_upstream_push_queries')).toBe(0);
    expect(
      sampleValue(ended, 'ksqldb_gateway_ksql_request_duration_seconds_count', {
        endpoint: '/query',
        query_kind: 'push',
        outcome: 'cancelled',
      }),
    ).toBe(1);
  });

  it('counts a subscriber of a shared query ended with SUBSCRIBER_TOO_SLOW', async () => {
    // Without shared execution (its slow subscribers count here too:
    // gateway/execution/use-shared-subscriptions.test.ts).
    const { client, gateway } = setup({ pushLogBytes: 300, sharedExecution: false });
    const fast = readSse(subscribe(gateway, 'SELECT * FROM S EMIT CHANGES;'));
    const upstream = await client.nextStream();
    // SSE pulls the next event only as the body is read: this one never reads.
    const slow = await subscribe(gateway, 'SELECT * FROM S EMIT CHANGES;');
    upstream.sendHeader('`V` INT');
    expect(await fast.next()).toEqual({ data: { pushQuery: {} } });
    for (let i = 0; i < 5; i++) {
      upstream.sendRow([i]);
      expect(await fast.next()).toEqual({ data: { pushQuery: { columns: [i] } } });
    }
    expect(sampleValue((await scrape(gateway)).samples, 'ksqldb_gateway_subscribers_too_slow_total')).toBe(1);
    const slowEvents = await readSse(Promise.resolve(slow)).all();
    expect(slowEvents.at(-1)?.errors?.[0]?.extensions?.['code']).toBe('SUBSCRIBER_TOO_SLOW');
    await fast.cancel();
  });

  it('labels never carry what a caller chose: operation names, SQL, credentials', async () => {
    const { client, gateway } = setup();
    client.ksql = async () => {
      throw new KsqlServerError('Stream SECRET_SOURCE_7d1 does not exist.', { httpStatus: 400, errorCode: 40001, ksqlType: 'statement_error' });
    };
    await (
      await query(
        gateway,
        { query: 'mutation Op_Name_7d1 { execute(ksql: "DROP STREAM SECRET_SOURCE_7d1;") { type } }' },
        { authorization: 'Bearer token-7d1' },
      )
    ).json();
    const { text, samples } = await scrape(gateway);
    expect(sampleValue(samples, 'graphql_envelop_request', { operationType: 'mutation' })).toBe(1);
    expect(sampleValue(samples, 'ksqldb_gateway_ksql_request_duration_seconds_count', { endpoint: '/ksql', outcome: 'error' })).toBe(1);
    expect(text).not.toMatch(/7d1/);
  });

  it('answers whatever the Host, like the probes (Prometheus scrapes the pod address)', async () => {
    const { gateway } = setup({ allowedHosts: ['gateway.test'] });
    const refused = await gateway.fetch('http://10.1.2.3:4000/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ __typename }' }),
    });
    expect(((await refused.json()) as { errors: Array<{ extensions: { code: string } }> }).errors[0]?.extensions.code).toBe(
      'HOST_NOT_ALLOWED',
    );
    expect((await gateway.fetch('http://10.1.2.3:4000/metrics')).status).toBe(200);
  });

  it('moves to another path, or is not served; metrics: false collects nothing', async () => {
    const moved = setup({ metrics: { endpoint: '/internal/prometheus' } }).gateway;
    await scrape(moved, '/internal/prometheus');
    expect((await moved.fetch(`${BASE}/metrics`)).status).toBe(404);
    expect((await moved.fetch(`${BASE}/internal/prometheus`, { method: 'POST' })).status).toBe(405);

    const unserved = setup({ metrics: { endpoint: false } }).gateway;
    expect((await unserved.fetch(`${BASE}/metrics`)).status).toBe(404);
    expect(await unserved.metricsRegistry?.metrics()).toContain('ksqldb_gateway_subscriptions_active');

    const off = setup({ metrics: false }).gateway;
    expect((await off.fetch(`${BASE}/metrics`)).status).toBe(404);
    expect(off.metricsRegistry).toBeUndefined();
  });
});
