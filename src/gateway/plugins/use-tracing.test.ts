/**
 * Operation and ksqlDB call spans, in process over a fake client: the
 * caller's trace context is the parent, calls are children of their
 * operation, errors are recorded by code only, refused calls get no span,
 * and a subscription's spans end when it ends.
 */
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
} from '@opentelemetry/sdk-trace-base';
import { afterEach, describe, expect, it } from 'vitest';
import { KsqlServerError } from '../ksql-client/errors.js';
import { gatewayFactory } from '../testing/gateways.js';
import { errorCodes, readSse, request } from '../testing/http.js';

const URL_ = 'http://gateway.test/graphql';
const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const PARENT_ID = '00f067aa0ba902b7';
const TRACEPARENT = `00-${TRACE_ID}-${PARENT_ID}-01`;
const AUTHORIZATION = 'Bearer caller-token-5f1e';

const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
const tracing = { tracerProvider: provider, propagator: new W3CTraceContextPropagator() };
const setup = gatewayFactory({ adminApi: 'open', tracing });

afterEach(() => exporter.reset());

function spanNamed(name: string): ReadableSpan {
  const span = exporter.getFinishedSpans().find((s) => s.name === name);
  if (!span) throw new Error(`no span ${name}; got ${exporter.getFinishedSpans().map((s) => s.name).join(', ')}`);
  return span;
}

/** Every string a span carries: name, attribute values, status message, events and their attributes. */
function everyValue(spans: readonly ReadableSpan[]): string[] {
  const values: string[] = [];
  for (const span of spans) {
    values.push(span.name, span.status.message ?? '');
    for (const value of Object.values(span.attributes)) values.push(JSON.stringify(value));
    for (const event of span.events) {
      values.push(event.name);
      for (const value of Object.values(event.attributes ?? {})) values.push(JSON.stringify(value));
    }
  }
  return values;
}

describe('useTracing', () => {
  it('makes the operation span a child of the caller, and each ksqlDB call a child of the operation', async () => {
    const { gateway } = setup();
    const res = await request(gateway.fetch, URL_, {
      body: { query: 'query Probe { info { version } healthcheck { isHealthy } }' },
      headers: { traceparent: TRACEPARENT },
    });
    expect(errorCodes(res)).toEqual([]);

    const operation = spanNamed('query Probe');
    expect(operation.kind).toBe(SpanKind.SERVER);
    expect(operation.spanContext().traceId).toBe(TRACE_ID);
    expect(operation.parentSpanContext?.spanId).toBe(PARENT_ID);
    expect(operation.attributes).toEqual({
      'graphql.operation.type': 'query',
      'graphql.operation.name': 'Probe',
      'graphql.operation.result': 'ok',
      'ksql.calls': 2,
    });
    expect(operation.status.code).toBe(SpanStatusCode.UNSET);

    for (const endpoint of ['/info', '/healthcheck']) {
      const call = spanNamed(`ksqlDB ${endpoint}`);
      expect(call.kind).toBe(SpanKind.CLIENT);
      expect(call.spanContext().traceId).toBe(TRACE_ID);
      expect(call.parentSpanContext?.spanId).toBe(operation.spanContext().spanId);
      expect(call.attributes).toEqual({ 'ksql.endpoint': endpoint, 'ksql.call.result': 'ok' });
    }
  });

  it('starts a new trace without a traceparent, and names anonymous operations by type', async () => {
    const { gateway } = setup();
    await request(gateway.fetch, URL_, { body: { query: '{ info { version } }' } });
    const operation = spanNamed('query');
    expect(operation.parentSpanContext).toBeUndefined();
    expect(operation.attributes['graphql.operation.name']).toBeUndefined();
  });

  it('records a failed statement by its codes only: no SQL, variables or credentials anywhere', async () => {
    const sql = "CREATE STREAM S (V INT) WITH (kafka_topic='hunter2-topic' value_format='JSON');";
    const { client, gateway } = setup();
    // ksqlDB's statement error, quoting the statement as ksqlDB does.
    (client as { ksql: unknown }).ksql = async () => {
      throw new KsqlServerError(`line 1:59: Syntax Error\n${sql}\nExpected ',' or ')', found 'value_format'`, {
        httpStatus: 400,
        errorCode: 40001,
        ksqlType: 'statement_error',
        statementText: sql,
        entities: [],
      });
    };
    const res = await request(gateway.fetch, URL_, {
      body: { query: 'mutation Create($sql: String!) { execute(ksql: $sql) { type } }', variables: { sql } },
      headers: { traceparent: TRACEPARENT, authorization: AUTHORIZATION },
    });
    expect(errorCodes(res)).toEqual(['KSQL_BAD_STATEMENT']);

    const operation = spanNamed('mutation Create');
    expect(operation.status).toEqual({ code: SpanStatusCode.ERROR, message: 'KSQL_BAD_STATEMENT' });
    expect(operation.attributes).toMatchObject({
      'graphql.operation.result': 'error',
      'graphql.error.codes': ['KSQL_BAD_STATEMENT'],
    });
    const call = spanNamed('ksqlDB /ksql');
    expect(call.parentSpanContext?.spanId).toBe(operation.spanContext().spanId);
    expect(call.status).toEqual({ code: SpanStatusCode.ERROR, message: 'KSQL_SERVER_ERROR' });
    expect(call.attributes).toEqual({
      'ksql.endpoint': '/ksql',
      'ksql.statement.kind': 'CREATE STREAM',
      'ksql.call.result': 'error',
      'error.type': 'KSQL_SERVER_ERROR',
      'http.response.status_code': 400,
      'ksql.error_code': 40001,
    });
    const values = everyValue(exporter.getFinishedSpans()).join('\n');
    for (const secret of ['hunter2', 'kafka_topic', 'value_format', 'caller-token', 'Bearer']) {
      expect(values).not.toContain(secret);
    }
  });

  it('gives the calls the budget refuses no span, and the operation their code', async () => {
    const { gateway } = setup({ limits: { maxUpstreamCalls: 1 } });
    const res = await request(gateway.fetch, URL_, { body: { query: '{ a: info { version } b: info { version } }' } });
    expect(errorCodes(res)).toEqual(['UPSTREAM_CALL_LIMIT_EXCEEDED']);
    expect(exporter.getFinishedSpans().filter((s) => s.name === 'ksqlDB /info')).toHaveLength(1);
    expect(spanNamed('query').attributes).toMatchObject({
      'graphql.operation.result': 'error',
      'graphql.error.codes': ['UPSTREAM_CALL_LIMIT_EXCEEDED'],
      'ksql.calls': 1,
    });
  });

  it('gives an operation the admin policy refuses a span with its code', async () => {
    const { gateway } = setup({ adminApi: 'off' });
    const res = await request(gateway.fetch, URL_, { body: { query: 'mutation { execute(ksql: "SHOW STREAMS;") { type } }' } });
    expect(errorCodes(res)).toEqual(['FORBIDDEN']);
    expect(spanNamed('mutation').attributes['graphql.error.codes']).toEqual(['FORBIDDEN']);
    expect(exporter.getFinishedSpans().map((s) => s.name)).toEqual(['mutation']);
  });

  it('ends a subscription span, and its push query span, when the subscription ends', async () => {
    const { client, gateway } = setup();
    const controller = new AbortController();
    const events = readSse(
      gateway.fetch(URL_, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'text/event-stream', traceparent: TRACEPARENT },
        body: JSON.stringify({
          query: 'subscription Rows($sql: String!) { pushQuery(sql: $sql) { __typename } }',
          variables: { sql: 'SELECT * FROM S EMIT CHANGES;' },
        }),
        signal: controller.signal,
      }),
    );
    const stream = await client.nextStream();
    stream.sendHeader('`ID` STRING');
    stream.sendRow(['a']);
    expect(await events.next()).toEqual({ data: { pushQuery: { __typename: 'QueryHeader' } } });
    expect(await events.next()).toEqual({ data: { pushQuery: { __typename: 'QueryRow' } } });
    // Running: nothing has ended yet.
    expect(exporter.getFinishedSpans()).toEqual([]);

    await events.cancel();
    controller.abort();
    await stream.returned;
    await gateway.close();

    const operation = spanNamed('subscription Rows');
    expect(operation.parentSpanContext?.spanId).toBe(PARENT_ID);
    expect(operation.attributes).toMatchObject({ 'graphql.operation.type': 'subscription', 'graphql.operation.result': 'ok' });
    const push = spanNamed('ksqlDB /query');
    expect(push.parentSpanContext?.spanId).toBe(operation.spanContext().spanId);
    expect(push.attributes).toEqual({
      'ksql.endpoint': '/query',
      'ksql.query.kind': 'push',
      'ksql.statement.kind': 'SELECT',
      'ksql.call.result': 'cancelled',
    });
    expect(push.status.code).toBe(SpanStatusCode.UNSET);
  });

  it('adds nothing when tracing is off', async () => {
    const { gateway } = setup({ tracing: false });
    await request(gateway.fetch, URL_, { body: { query: '{ info { version } }' } });
    expect(exporter.getFinishedSpans()).toEqual([]);
  });
});
