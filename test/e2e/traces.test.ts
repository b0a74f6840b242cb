/**
 * OpenTelemetry traces from the real binary (a child process) to a local
 * OTLP/HTTP receiver (JSON encoding): the operation span continues the
 * caller's trace, ksqlDB calls are its children, failures are marked by code
 * only, nothing the caller sent leaks into any attribute, a push query's span
 * ends with its subscription, buffered spans are flushed at exit, and with
 * the OTEL_* variables off nothing is exported at all.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { afterEach, describe, expect, it } from 'vitest';
import { eventually, gql } from '../utils/stack.js';

const BIN = fileURLToPath(new URL('../../bin/ksqldb-gateway.js', import.meta.url));
const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const PARENT_ID = '00f067aa0ba902b7';
const TRACEPARENT = `00-${TRACE_ID}-${PARENT_ID}-01`;
const WS_TRACE_ID = '0af7651916cd43dd8448eb211c80319c';
const WS_PARENT_ID = 'b7ad6b7169203331';
const PASSWORD = 'ksql-pw-7c1d9e';
const AUTHORIZATION = 'Bearer caller-token-a41f';

// ------------------------------------------------------------ OTLP receiver

interface OtlpValue {
  stringValue?: string;
  intValue?: string | number;
  boolValue?: boolean;
  doubleValue?: number;
  arrayValue?: { values?: OtlpValue[] };
}
interface OtlpAttribute {
  key: string;
  value: OtlpValue;
}
interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  endTimeUnixNano: string | number;
  attributes?: OtlpAttribute[];
  events?: Array<{ name: string; attributes?: OtlpAttribute[] }>;
  status?: { code?: number; message?: string };
}
interface OtlpRequest {
  resourceSpans?: Array<{ resource?: { attributes?: OtlpAttribute[] }; scopeSpans?: Array<{ spans?: OtlpSpan[] }> }>;
}

interface Receiver {
  readonly endpoint: string;
  /** Every request received, any path. */
  readonly requests: Array<{ method: string; url: string; body: string }>;
  /** Spans of every `POST /v1/traces`, in arrival order. */
  spans(): OtlpSpan[];
  /** Resource attributes of every batch. */
  resources(): OtlpAttribute[][];
  close(): Promise<void>;
}

async function startReceiver(): Promise<Receiver> {
  const requests: Receiver['requests'] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      requests.push({ method: req.method ?? '', url: req.url ?? '', body });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const traces = () =>
    requests.filter((r) => r.method === 'POST' && r.url === '/v1/traces').map((r) => JSON.parse(r.body) as OtlpRequest);
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    spans: () => traces().flatMap((t) => (t.resourceSpans ?? []).flatMap((r) => (r.scopeSpans ?? []).flatMap((s) => s.spans ?? []))),
    resources: () => traces().flatMap((t) => (t.resourceSpans ?? []).map((r) => r.resource?.attributes ?? [])),
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

function scalar(value: OtlpValue): unknown {
  if (value.arrayValue) return (value.arrayValue.values ?? []).map(scalar);
  if (value.intValue !== undefined) return Number(value.intValue);
  return value.stringValue ?? value.boolValue ?? value.doubleValue;
}

function attributesOf(attributes: OtlpAttribute[] | undefined): Record<string, unknown> {
  return Object.fromEntries((attributes ?? []).map((a) => [a.key, scalar(a.value)]));
}

/** Every string in what was exported: span names, status messages, attribute values of spans, events and resources. */
function everyValue(receiver: Receiver): string {
  const values: string[] = [];
  for (const span of receiver.spans()) {
    values.push(span.name, span.status?.message ?? '');
    for (const a of span.attributes ?? []) values.push(JSON.stringify(scalar(a.value)));
    for (const event of span.events ?? []) {
      values.push(event.name);
      for (const a of event.attributes ?? []) values.push(JSON.stringify(scalar(a.value)));
    }
  }
  for (const attributes of receiver.resources()) for (const a of attributes) values.push(JSON.stringify(scalar(a.value)));
  return values.join('\n');
}

const SPAN_KIND_SERVER = 2;
const SPAN_KIND_CLIENT = 3;
const STATUS_ERROR = 2;

// ------------------------------------------------------------ the binary

const children: ChildProcessWithoutNullStreams[] = [];
const receivers: Receiver[] = [];

afterEach(async () => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
  await Promise.all(receivers.splice(0).map((r) => r.close()));
});

interface Gateway {
  readonly child: ChildProcessWithoutNullStreams;
  readonly graphqlUrl: string;
  readonly wsUrl: string;
  stderr(): string;
}

/** The binary with no OTEL_* variable but `otel`. */
async function startGateway(otel: Record<string, string>, args: string[] = []): Promise<Gateway> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && !key.startsWith('OTEL_')) env[key] = value;
  }
  const child = spawn(
    process.execPath,
    [BIN, 'serve', '--port', '0', '--in-memory', '--ksql-username', 'gw', '--ksql-password', PASSWORD, ...args],
    { env: { ...env, KSQLDB_GATEWAY_LOG_LEVEL: 'debug', KSQLDB_GATEWAY_LOG_FORMAT: 'json', ...otel } },
  );
  children.push(child);
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  let out = '';
  for await (const chunk of child.stdout) {
    out += (chunk as Buffer).toString();
    const nl = out.indexOf('\n');
    if (nl !== -1) {
      const url = out.slice(0, nl);
      return {
        child,
        graphqlUrl: `${url}/graphql`,
        wsUrl: `${url.replace('http', 'ws')}/graphql`,
        stderr: () => err,
      };
    }
  }
  throw new Error(`the gateway ended before printing its URL; stderr: ${err}`);
}

/** Waits for `line` on stderr (a pipe of its own: it may arrive after the URL line on stdout). */
async function logged(gateway: Gateway, line: string): Promise<void> {
  await eventually(
    async () => gateway.stderr(),
    (err) => err.includes(line),
  );
}

async function stop(gateway: Gateway): Promise<number | null> {
  gateway.child.kill('SIGTERM');
  if (gateway.child.exitCode !== null) return gateway.child.exitCode;
  const [code] = (await once(gateway.child, 'exit')) as [number | null];
  return code;
}

function otlpEnv(receiver: Receiver, extra: Record<string, string> = {}): Record<string, string> {
  return {
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
    OTEL_BSP_SCHEDULE_DELAY: '50',
    ...extra,
  };
}

async function spanNamed(receiver: Receiver, name: string): Promise<OtlpSpan> {
  const spans = await eventually(
    async () => receiver.spans(),
    (all) => all.some((s) => s.name === name),
  );
  return spans.find((s) => s.name === name) as OtlpSpan;
}

function childrenOf(receiver: Receiver, parent: OtlpSpan): OtlpSpan[] {
  return receiver.spans().filter((s) => s.parentSpanId === parent.spanId);
}

/** A graphql-ws client whose upgrade request carries `headers`. */
function wsClient(url: string, headers: Record<string, string>, connectionParams?: Record<string, unknown>) {
  class WithHeaders extends WebSocket {
    constructor(address: string, protocols?: string | string[]) {
      super(address, protocols, { headers });
    }
  }
  return createClient({ url, webSocketImpl: WithHeaders, lazy: true, retryAttempts: 0, ...(connectionParams ? { connectionParams } : {}) });
}

const SUBSCRIBE = 'subscription Rows($sql: String!) { pushQuery(sql: $sql) { __typename } }';
const PUSH_SQL = 'SELECT * FROM TRACED_S EMIT CHANGES;';
const CREATE = 'mutation Create($sql: String!) { execute(ksql: $sql) { type } }';
const CREATE_SQL = "CREATE STREAM TRACED_S (V INT) WITH (kafka_topic='traced_topic_q9', value_format='JSON', partitions=1);";

describe('traces (OTLP over HTTP)', () => {
  it('exports an operation span under the caller, ksqlDB call spans under it, and nothing the caller sent', async () => {
    const receiver = await startReceiver();
    receivers.push(receiver);
    const gateway = await startGateway(otlpEnv(receiver));
    await logged(gateway, `traces: exported with OTLP http/json to ${receiver.endpoint}/v1/traces`);
    const headers = { traceparent: TRACEPARENT, authorization: AUTHORIZATION };
    const created = await gql(gateway, CREATE, { sql: CREATE_SQL }, headers);
    expect(created.errors).toBeUndefined();
    const badSql = "CREATE STREAM BROKEN_S (V INT) WITH (kafka_topic='broken_topic_z3' value_format='JSON');";
    const broken = await gql(gateway, 'mutation Broken($sql: String!) { execute(ksql: $sql) { type } }', { sql: badSql }, headers);
    expect(broken.errors?.[0]?.extensions?.['code']).toBe('KSQL_BAD_STATEMENT');

    const create = await spanNamed(receiver, 'mutation Create');
    expect(create).toMatchObject({ traceId: TRACE_ID, parentSpanId: PARENT_ID, kind: SPAN_KIND_SERVER });
    expect(attributesOf(create.attributes)).toEqual({
      'graphql.operation.type': 'mutation',
      'graphql.operation.name': 'Create',
      'graphql.operation.result': 'ok',
      'ksql.calls': 1,
    });
    const [createCall, ...more] = childrenOf(receiver, create).filter((s) => s.name === 'ksqlDB /ksql');
    expect(more).toEqual([]);
    expect(createCall).toMatchObject({ traceId: TRACE_ID, kind: SPAN_KIND_CLIENT });
    expect(attributesOf(createCall?.attributes)).toEqual({
      'ksql.endpoint': '/ksql',
      'ksql.statement.kind': 'CREATE STREAM',
      'ksql.call.result': 'ok',
    });

    const failed = await spanNamed(receiver, 'mutation Broken');
    expect(failed).toMatchObject({ traceId: TRACE_ID, parentSpanId: PARENT_ID, status: { code: STATUS_ERROR } });
    expect(attributesOf(failed.attributes)).toMatchObject({
      'graphql.operation.result': 'error',
      'graphql.error.codes': ['KSQL_BAD_STATEMENT'],
    });
    const failedCall = childrenOf(receiver, failed).find((s) => s.name === 'ksqlDB /ksql');
    expect(failedCall).toMatchObject({ status: { code: STATUS_ERROR, message: 'KSQL_SERVER_ERROR' } });
    expect(attributesOf(failedCall?.attributes)).toEqual({
      'ksql.endpoint': '/ksql',
      'ksql.statement.kind': 'CREATE STREAM',
      'ksql.call.result': 'error',
      'error.type': 'KSQL_SERVER_ERROR',
      'http.response.status_code': 400,
      'ksql.error_code': 40001,
    });

    expect(attributesOf(receiver.resources()[0])).toMatchObject({ 'service.name': 'ksqldb-graphql-gateway' });
    const values = everyValue(receiver);
    // The statements (whole or in part, including the identifiers and literals
    // ksqlDB's error message quotes), the credentials, and the command line.
    for (const secret of [CREATE_SQL, badSql, 'traced_topic_q9', 'broken_topic_z3', 'value_format', 'kafka_topic', 'caller-token', 'Bearer', PASSWORD, '--ksql-password']) {
      expect(values).not.toContain(secret);
    }
    expect(await stop(gateway)).toBe(0);
  });

  it('exports a graphql-ws subscription under the upgrade request, and ends its push query span when it ends', async () => {
    const receiver = await startReceiver();
    receivers.push(receiver);
    const gateway = await startGateway(otlpEnv(receiver));
    expect((await gql(gateway, CREATE, { sql: CREATE_SQL })).errors).toBeUndefined();
    const client = wsClient(gateway.wsUrl, { traceparent: `00-${WS_TRACE_ID}-${WS_PARENT_ID}-01` });
    const rows = client.iterate({ query: SUBSCRIBE, variables: { sql: PUSH_SQL } });
    expect((await rows.next()).value).toEqual({ data: { pushQuery: { __typename: 'QueryHeader' } } });

    // Spans are exported in the order they end: once a later operation's span
    // is in, a push query span that had ended would be in too.
    await gql(gateway, 'query Barrier { info { version } }');
    const barrier = await spanNamed(receiver, 'query Barrier');
    expect(receiver.spans().map((s) => s.name)).not.toContain('subscription Rows');
    expect(receiver.spans().filter((s) => s.name === 'ksqlDB /query')).toEqual([]);

    await rows.return?.(undefined);
    const operation = await spanNamed(receiver, 'subscription Rows');
    expect(operation).toMatchObject({ traceId: WS_TRACE_ID, parentSpanId: WS_PARENT_ID, kind: SPAN_KIND_SERVER });
    expect(attributesOf(operation.attributes)).toMatchObject({
      'graphql.operation.type': 'subscription',
      'graphql.operation.name': 'Rows',
      'graphql.operation.result': 'ok',
    });
    const push = await spanNamed(receiver, 'ksqlDB /query');
    expect(push).toMatchObject({ traceId: WS_TRACE_ID, parentSpanId: operation.spanId, kind: SPAN_KIND_CLIENT });
    expect(attributesOf(push.attributes)).toEqual({
      'ksql.endpoint': '/query',
      'ksql.query.kind': 'push',
      'ksql.statement.kind': 'SELECT',
      'ksql.call.result': 'cancelled',
    });
    expect(BigInt(push.endTimeUnixNano)).toBeGreaterThan(BigInt(barrier.endTimeUnixNano));
    expect(everyValue(receiver)).not.toContain('TRACED_S');
    await client.dispose();
    expect(await stop(gateway)).toBe(0);
  });

  it('flushes the spans still buffered when it exits, after the gateway has closed', async () => {
    const receiver = await startReceiver();
    receivers.push(receiver);
    // No scheduled export before exit: only the flush at shutdown sends anything.
    const gateway = await startGateway(otlpEnv(receiver, { OTEL_BSP_SCHEDULE_DELAY: '600000' }));
    expect((await gql(gateway, CREATE, { sql: CREATE_SQL })).errors).toBeUndefined();
    // The trace context in the connection_init payload this time (it wins over the upgrade's).
    const client = wsClient(
      gateway.wsUrl,
      { traceparent: TRACEPARENT },
      { headers: { traceparent: `00-${WS_TRACE_ID}-${WS_PARENT_ID}-01` } },
    );
    const rows = client.iterate({ query: SUBSCRIBE, variables: { sql: PUSH_SQL } });
    await rows.next();
    expect(await stop(gateway)).toBe(0);
    const names = receiver.spans().map((s) => s.name);
    // The subscription the shutdown ended, and its push query.
    expect(names).toEqual(expect.arrayContaining(['mutation Create', 'ksqlDB /ksql', 'subscription Rows', 'ksqlDB /query']));
    const operation = receiver.spans().find((s) => s.name === 'subscription Rows');
    expect(operation).toMatchObject({ traceId: WS_TRACE_ID, parentSpanId: WS_PARENT_ID });
    expect(receiver.spans().find((s) => s.name === 'ksqlDB /query')).toMatchObject({ parentSpanId: operation?.spanId });
    await client.dispose();
  });

  it('exports nothing when the OTEL_* variables do not ask for traces', async () => {
    const receiver = await startReceiver();
    receivers.push(receiver);
    const cases: Array<[Record<string, string>, string]> = [
      [{}, 'traces: off (no OTEL_* variable asks for them'],
      [otlpEnv(receiver, { OTEL_SDK_DISABLED: 'true' }), 'traces: off (OTEL_SDK_DISABLED=true)'],
      [otlpEnv(receiver, { OTEL_TRACES_EXPORTER: 'none' }), 'traces: off (OTEL_TRACES_EXPORTER=none)'],
    ];
    for (const [otel, line] of cases) {
      const gateway = await startGateway(otel);
      await logged(gateway, line);
      const res = await gql(gateway, 'query { info { version } }', undefined, { traceparent: TRACEPARENT });
      expect(res.errors).toBeUndefined();
      // A started SDK would flush at exit: after a clean exit, nothing came means nothing would.
      expect(await stop(gateway)).toBe(0);
    }
    expect(receiver.requests).toEqual([]);
  });

  it('refuses to start with an exporter or protocol it cannot honour (exit 2)', async () => {
    const receiver = await startReceiver();
    receivers.push(receiver);
    const child = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--in-memory'], {
      env: { ...process.env, ...otlpEnv(receiver, { OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' }) },
    });
    children.push(child);
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(code).toBe(2);
    expect(err).toContain('OTEL_EXPORTER_OTLP_PROTOCOL=grpc is not supported');
  });
});
