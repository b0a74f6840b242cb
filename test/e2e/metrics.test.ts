/**
 * Prometheus metrics against the real stack, scraped over HTTP as Prometheus
 * does: ksqlDB calls by endpoint and outcome, the typed schema's version, a
 * subscription over graphql-ws and one over SSE sharing one upstream query
 * (counted while they run, back to 0 when they end), the events they were
 * sent, and the endpoint moved or turned off.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { metricNames, parseExposition, sampleValue, type Sample } from '../../src/gateway/testing/prometheus.js';
import { eventually, gql, ksql, sseEvents, startStack, wsClient, type GraphQLResponse, type Stack } from '../utils/stack.js';

let stack: Stack;

beforeAll(async () => {
  // No interval refresh: the typed schema refreshes only after DDL, so its counters are exact.
  stack = await startStack(['--schema-refresh-ms', '0']);
});
afterAll(async () => {
  // Unassigned if beforeAll failed before assigning it.
  await (stack as Stack | undefined)?.close();
});

async function scrape(target: Pick<Stack, 'url'> = stack, path = '/metrics'): Promise<Sample[]> {
  const res = await fetch(`${target.url}${path}`);
  expect(res.status).toBe(200);
  return parseExposition(await res.text());
}

const ksqlCalls = (samples: Sample[], labels: Record<string, string>) =>
  sampleValue(samples, 'ksqldb_gateway_ksql_request_duration_seconds_count', labels);

async function execute(statement: string): Promise<GraphQLResponse> {
  return gql(stack, `mutation($k: String!) { execute(ksql: $k) { type } }`, { k: statement });
}

describe('metrics', () => {
  it("serves yoga's, the gateway's and the process's metrics in the Prometheus text format", async () => {
    const res = await fetch(`${stack.url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const names = metricNames(await res.text());
    for (const name of [
      'graphql_envelop_request',
      'graphql_envelop_request_duration',
      'graphql_envelop_phase_parse',
      'graphql_envelop_phase_validate',
      'graphql_envelop_phase_execute',
      'graphql_envelop_phase_subscribe',
      'graphql_envelop_error_result',
      'graphql_yoga_http_duration',
      'ksqldb_gateway_subscriptions_active',
      'ksqldb_gateway_subscription_events_total',
      'ksqldb_gateway_subscribers_too_slow_total',
      'ksqldb_gateway_shared_push_queries',
      'ksqldb_gateway_shared_push_query_subscribers',
      'ksqldb_gateway_shared_push_query_max_subscribers',
      'ksqldb_gateway_upstream_push_queries',
      'ksqldb_gateway_ksql_request_duration_seconds',
      'ksqldb_gateway_typed_schema_version',
      'ksqldb_gateway_typed_schema_refreshes_total',
      'ksqldb_gateway_typed_schema_last_refresh_timestamp_seconds',
      'ksqldb_gateway_typed_schema_last_refresh_success',
      'process_cpu_user_seconds_total',
      'nodejs_heap_size_used_bytes',
    ]) {
      expect(names).toContain(name);
    }
    // Per-resolver timing is off.
    expect(names).not.toContain('graphql_envelop_execute_resolver');
  });

  it('times ksqlDB calls by endpoint and outcome', async () => {
    const before = await scrape();
    expect((await gql(stack, '{ info { version } }')).errors).toBeUndefined();
    const afterInfo = await scrape();
    expect(ksqlCalls(afterInfo, { endpoint: '/info', outcome: 'ok' })).toBe(ksqlCalls(before, { endpoint: '/info', outcome: 'ok' }) + 1);

    const failed = await execute('DROP STREAM NO_SUCH_STREAM;');
    expect(failed.errors?.[0]?.extensions?.['code']).toBe('KSQL_BAD_STATEMENT');
    const afterError = await scrape();
    expect(ksqlCalls(afterError, { endpoint: '/ksql', outcome: 'error' })).toBe(ksqlCalls(before, { endpoint: '/ksql', outcome: 'error' }) + 1);
    expect(sampleValue(afterError, 'graphql_envelop_error_result', { operationType: 'mutation', phase: 'execute' })).toBeGreaterThan(0);
  });

  it('reports the typed schema version and refreshes after a CREATE STREAM through execute', async () => {
    // The first catalog read runs in the background after start-up.
    const before = parseExposition(
      await eventually(
        () => fetch(`${stack.url}/metrics`).then((r) => r.text()),
        (text) => sampleValue(parseExposition(text), 'ksqldb_gateway_typed_schema_version') >= 1,
      ),
    );
    const version = sampleValue(before, 'ksqldb_gateway_typed_schema_version');
    const changed = sampleValue(before, 'ksqldb_gateway_typed_schema_refreshes_total', { result: 'changed' });

    const created = await execute(
      "CREATE STREAM METRICS_TYPED (ID STRING KEY, V BIGINT) WITH (kafka_topic='metrics_typed', value_format='JSON', partitions=1);",
    );
    expect(created.errors).toBeUndefined();
    // execute returns once the typed schema was refreshed.
    const after = await scrape();
    expect(sampleValue(after, 'ksqldb_gateway_typed_schema_version')).toBe(version + 1);
    expect(sampleValue(after, 'ksqldb_gateway_typed_schema_refreshes_total', { result: 'changed' })).toBe(changed + 1);
    expect(sampleValue(after, 'ksqldb_gateway_typed_schema_refreshes_total', { result: 'error' })).toBe(0);
    expect(sampleValue(after, 'ksqldb_gateway_typed_schema_last_refresh_success')).toBe(1);
    expect(sampleValue(after, 'ksqldb_gateway_typed_schema_last_refresh_timestamp_seconds')).toBeGreaterThan(0);
  });

  it('counts subscriptions by transport and the shared upstream query while they run, the events they were sent, and 0 once they end', async () => {
    const name = 'METRICS_SUBS';
    expect((await execute(`CREATE STREAM ${name} (ID STRING KEY, V BIGINT) WITH (kafka_topic='metrics_subs', value_format='JSON', partitions=1);`)).errors).toBeUndefined();
    const sql = `SELECT ID, V FROM ${name} EMIT CHANGES;`;
    const document = `subscription { pushQuery(sql: "${sql}") { __typename } }`;
    const before = await scrape();
    const eventsBefore = (transport: string) => sampleValue(before, 'ksqldb_gateway_subscription_events_total', { transport });

    const client = wsClient(stack);
    const abort = new AbortController();
    try {
      const ws = client.iterate<{ pushQuery: { __typename: string } }>({ query: document });
      const sse = sseEvents(stack, document, abort.signal);
      const wsReceived: unknown[] = [(await ws.next()).value];
      const sseReceived: unknown[] = [(await sse.next()).value];

      const running = await scrape();
      expect(sampleValue(running, 'ksqldb_gateway_subscriptions_active', { transport: 'graphql-ws' })).toBe(1);
      expect(sampleValue(running, 'ksqldb_gateway_subscriptions_active', { transport: 'sse' })).toBe(1);
      expect(sampleValue(running, 'ksqldb_gateway_shared_push_queries')).toBe(1);
      expect(sampleValue(running, 'ksqldb_gateway_shared_push_query_subscribers')).toBe(2);
      expect(sampleValue(running, 'ksqldb_gateway_shared_push_query_max_subscribers')).toBe(2);
      expect(sampleValue(running, 'ksqldb_gateway_upstream_push_queries')).toBe(1);

      for (let i = 0; i < 3; i++) await ksql(stack, `INSERT INTO ${name} (ID, V) VALUES ('k${i}', ${i});`);
      for (let i = 0; i < 3; i++) {
        wsReceived.push((await ws.next()).value);
        sseReceived.push((await sse.next()).value);
      }
      expect(wsReceived).toHaveLength(4); // the header, then 3 rows
      const delivered = await scrape();
      expect(sampleValue(delivered, 'ksqldb_gateway_subscription_events_total', { transport: 'graphql-ws' })).toBe(
        eventsBefore('graphql-ws') + wsReceived.length,
      );
      expect(sampleValue(delivered, 'ksqldb_gateway_subscription_events_total', { transport: 'sse' })).toBe(
        eventsBefore('sse') + sseReceived.length,
      );

      await ws.return?.();
      abort.abort();
      await sse.return(undefined);
      const ended = await eventually(
        () => scrape(),
        (samples) =>
          sampleValue(samples, 'ksqldb_gateway_subscriptions_active', { transport: 'graphql-ws' }) === 0 &&
          sampleValue(samples, 'ksqldb_gateway_subscriptions_active', { transport: 'sse' }) === 0 &&
          sampleValue(samples, 'ksqldb_gateway_upstream_push_queries') === 0,
      );
      expect(sampleValue(ended, 'ksqldb_gateway_shared_push_queries')).toBe(0);
      // envelop's request metrics count and time both subscriptions once they end.
      const subscription = { operationType: 'subscription' };
      for (const name of ['graphql_envelop_request', 'graphql_envelop_request_duration_count', 'graphql_envelop_phase_subscribe_count']) {
        expect(sampleValue(ended, name, subscription), name).toBe(sampleValue(before, name, subscription) + 2);
      }
      expect(sampleValue(ended, 'ksqldb_gateway_shared_push_query_subscribers')).toBe(0);
      expect(sampleValue(ended, 'ksqldb_gateway_shared_push_query_max_subscribers')).toBe(0);
      expect(ksqlCalls(ended, { endpoint: '/query', query_kind: 'push', outcome: 'cancelled' })).toBe(
        ksqlCalls(before, { endpoint: '/query', query_kind: 'push', outcome: 'cancelled' }) + 1,
      );
    } finally {
      abort.abort();
      await client.dispose();
    }
  });

  it('counts an error a subscription ends with as an execute-phase error of a subscription', async () => {
    const labels = { operationType: 'subscription', phase: 'execute' };
    const before = sampleValue(await scrape(), 'graphql_envelop_error_result', labels);
    const client = wsClient(stack);
    try {
      const ws = client.iterate({ query: 'subscription { pushQuery(sql: "SELECT * FROM METRICS_NO_SUCH_STREAM EMIT CHANGES;") { __typename } }' });
      const first = await ws.next();
      expect((first.value as GraphQLResponse).errors?.[0]?.extensions?.['code']).toBe('KSQL_BAD_STATEMENT');
    } finally {
      await client.dispose();
    }
    expect(sampleValue(await scrape(), 'graphql_envelop_error_result', labels)).toBe(before + 1);
  });

  it('--metrics-path moves the endpoint; --no-metrics turns it off', async () => {
    const moved = await startStack(['--metrics-path', '/internal/metrics']);
    const off = await startStack(['--no-metrics']);
    try {
      expect(sampleValue(await scrape(moved, '/internal/metrics'), 'ksqldb_gateway_subscriptions_active', { transport: 'sse' })).toBe(0);
      expect((await fetch(`${moved.url}/metrics`)).status).toBe(404);
      expect((await fetch(`${off.url}/metrics`)).status).toBe(404);
    } finally {
      await Promise.all([moved.close(), off.close()]);
    }
  });
});
