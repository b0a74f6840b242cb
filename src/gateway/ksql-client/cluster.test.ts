/**
 * The cluster client's rules: health, routing, what is retried and what never
 * is, push queries and `closeQuery`. First over fake per-server clients
 * (deterministic), then over real sockets where the transport is the subject.
 */
import type { ServerResponse } from 'node:http';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { KsqlRequest } from '../../protocol/index.js';
import type { Logger } from '../../shared/logger.js';
import {
  createFakeKsqlClient,
  defaultHealth,
  defaultServerInfo,
  type FakeKsqlClient,
  type FakeQueryStream,
} from '../testing/fake-ksql-client.js';
import { createKsqlClient } from './client.js';
import { createKsqlCluster, failureReason, isListingOnly, type KsqlCluster, type KsqlClusterOptions } from './cluster.js';
import { KsqlAbortError, KsqlServerError, KsqlTimeoutError, KsqlTransportError } from './errors.js';
import { Disposer, startReplayServer, send, type ReplayServer } from './replay-server.test-helper.js';
import type { QueryEvent, QueryStream } from './types.js';

const HOUR = 3_600_000;
const NOW = 1_700_000_000_000;
const SELECT: KsqlRequest = { ksql: 'SELECT * FROM S EMIT CHANGES;' };

const refused = () => new KsqlTransportError('connect ECONNREFUSED', { causeCode: 'ECONNREFUSED' });
const notReady = () => new KsqlServerError('The server is shutting down', { httpStatus: 503, errorCode: 50303 });
const badStatement = () => new KsqlServerError('line 1:1: mismatched input', { httpStatus: 400, errorCode: 40001 });

interface FakeServer {
  readonly url: string;
  readonly client: FakeKsqlClient;
  /** What its /healthcheck does. */
  health: 'up' | 'sick' | 'down';
  /** Thrown by every other call while set. */
  error: (() => unknown) | undefined;
}

interface LogLine {
  readonly level: string;
  readonly bindings: Record<string, unknown>;
  readonly text: string;
}

function recordingLogger(lines: LogLine[], bindings: Record<string, unknown> = {}): Logger {
  const log = (level: string) => (...args: unknown[]) => lines.push({ level, bindings, text: args.map(String).join(' ') });
  return {
    debug: log('debug'),
    info: log('info'),
    warn: log('warn'),
    error: log('error'),
    child: (more) => recordingLogger(lines, { ...bindings, ...more }),
  };
}

function fakeServer(url: string): FakeServer {
  const server = { url, health: 'up', error: undefined } as FakeServer;
  const fail = () => {
    if (server.error) throw server.error();
  };
  (server as { client: FakeKsqlClient }).client = createFakeKsqlClient({
    healthcheck: async () => {
      if (server.health === 'down') throw refused();
      return { ...defaultHealth, isHealthy: server.health === 'up' };
    },
    info: async () => {
      fail();
      return { ...defaultServerInfo, ksqlServiceId: url };
    },
    clusterStatus: async () => {
      fail();
      return { clusterStatus: {} };
    },
    status: async () => {
      fail();
      return { status: 'SUCCESS', message: url, queryId: null };
    },
    ksql: async () => {
      fail();
      return [{ '@type': 'streams', statementText: url, streams: [], warnings: [] }];
    },
    terminateCluster: async () => {
      fail();
      return [];
    },
    pullQuery: async () => {
      fail();
      return { header: { queryId: url, schema: '`A` INTEGER', columns: [] }, rows: [], finalMessage: null };
    },
    closeQuery: async () => {
      fail();
    },
  });
  return server;
}

const clusters: KsqlCluster[] = [];
const disposer = new Disposer();
afterEach(async () => {
  await Promise.all(clusters.splice(0).map((c) => c.close()));
  await disposer.disposeAll();
  vi.useRealTimers();
});

async function setup(count = 2, options: Partial<KsqlClusterOptions> = {}) {
  const servers = Array.from({ length: count }, (_, i) => fakeServer(`http://ksql-${i}.test:8088`));
  const [a, b] = servers as [FakeServer, FakeServer];
  const lines: LogLine[] = [];
  const cluster = createKsqlCluster({
    urls: servers.map((s) => s.url),
    healthIntervalMs: HOUR,
    createClient: (o) => servers.find((s) => s.url === String(o.baseUrl))!.client,
    now: () => NOW,
    logger: recordingLogger(lines),
    ...options,
  });
  clusters.push(cluster);
  await cluster.checkHealth();
  return { cluster, servers, a, b, lines };
}

const served = (server: FakeServer, method: Parameters<FakeKsqlClient['callsOf']>[0]) => server.client.callsOf(method).length;

async function collect(stream: QueryStream): Promise<QueryEvent[]> {
  const events: QueryEvent[] = [];
  for await (const event of stream) events.push(event);
  return events;
}

describe('isListingOnly', () => {
  it.each([
    ['SHOW STREAMS;', true],
    ['show tables; LIST TOPICS;  describe S; EXPLAIN Q1;', true],
    ['DESCRIBE `weird; DROP STREAM X`;', true],
    ["SHOW STREAMS; -- DROP STREAM X;\n", true],
    ['/* DROP STREAM X; */ LIST QUERIES;', true],
    ['', true],
    ['SHOW STREAMS; CREATE STREAM X (A INT) WITH (kafka_topic=\'x\', value_format=\'JSON\');', false],
    ['INSERT INTO S (A) VALUES (1);', false],
    ['TERMINATE ALL;', false],
    ["DESCRIBE S; INSERT INTO S (A) VALUES ('unterminated;", false],
  ])('%j → %s', (sql, expected) => {
    expect(isListingOnly(sql)).toBe(expected);
  });
});

describe('health', () => {
  it('checks every server at once and reports each, logging changes with the URL only', async () => {
    const { cluster, b, lines } = await setup(2);
    expect(cluster.servers()).toEqual([
      { url: 'http://ksql-0.test:8088', healthy: true, lastCheckAt: NOW, lastError: null },
      { url: 'http://ksql-1.test:8088', healthy: true, lastCheckAt: NOW, lastError: null },
    ]);
    b.health = 'sick';
    await cluster.checkHealth();
    expect(cluster.servers()[1]).toEqual({ url: 'http://ksql-1.test:8088', healthy: false, lastCheckAt: NOW, lastError: 'reported unhealthy' });
    b.health = 'down';
    await cluster.checkHealth();
    expect(cluster.servers()[1]?.lastError).toBe('connection refused');
    b.health = 'up';
    await cluster.checkHealth();
    expect(cluster.servers()[1]?.healthy).toBe(true);
    expect(lines.filter((l) => l.bindings['ksqlServer'] === 'http://ksql-1.test:8088').map((l) => `${l.level} ${l.text}`)).toEqual([
      'info ksqlDB server is healthy',
      'warn ksqlDB server is unhealthy: reported unhealthy',
      'warn ksqlDB server is unhealthy: connection refused',
      'info ksqlDB server is healthy',
    ]);
  });

  it('polls every interval until closed', async () => {
    vi.useFakeTimers();
    const { cluster, a } = await setup(2, { healthIntervalMs: 1000 });
    expect(served(a, 'healthcheck')).toBe(1);
    await vi.advanceTimersByTimeAsync(1000);
    expect(served(a, 'healthcheck')).toBe(2);
    await vi.advanceTimersByTimeAsync(1000);
    expect(served(a, 'healthcheck')).toBe(3);
    await cluster.close();
    await vi.advanceTimersByTimeAsync(5000);
    expect(served(a, 'healthcheck')).toBe(3);
  });

  it('a connection failure on a call marks the server unhealthy at once; a passing check brings it back', async () => {
    const { cluster, a, b } = await setup(2);
    a.error = refused;
    await cluster.info();
    await cluster.info();
    expect(cluster.servers()[0]).toMatchObject({ healthy: false, lastError: 'connection refused' });
    // Out of rotation: everything goes to b now.
    const before = served(a, 'info');
    await cluster.info();
    await cluster.info();
    expect(served(a, 'info')).toBe(before);
    a.error = undefined;
    await cluster.checkHealth();
    expect(cluster.servers()[0]?.healthy).toBe(true);
    expect(served(b, 'info')).toBeGreaterThanOrEqual(3);
  });

  it('a check that started before a failed call does not bring the server back', async () => {
    const { cluster, a } = await setup(2);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    a.client.healthcheck = async () => {
      await gate;
      return defaultHealth;
    };
    const check = cluster.checkHealth();
    a.error = refused;
    // Round-robin: one of two calls lands on a.
    await cluster.info();
    await cluster.info();
    expect(cluster.servers()[0]?.healthy).toBe(false);
    release();
    await check;
    expect(cluster.servers()[0]?.healthy).toBe(false);
  });

  it('timeouts and server errors do not take a server out of rotation', async () => {
    const { cluster, a } = await setup(2);
    a.error = () => new KsqlTimeoutError('slow');
    await cluster.info();
    await cluster.info();
    a.error = notReady;
    await cluster.info();
    await cluster.info();
    expect(cluster.servers()[0]?.healthy).toBe(true);
  });
});

describe('routing and retries', () => {
  it('goes round-robin over the healthy servers', async () => {
    const { cluster } = await setup(3);
    const ids = [];
    for (let i = 0; i < 6; i++) ids.push((await cluster.info()).ksqlServiceId);
    expect(new Set(ids.slice(0, 3)).size).toBe(3);
    expect(ids.slice(3)).toEqual(ids.slice(0, 3));
  });

  it('skips unhealthy servers, and tries them in order when none is known healthy', async () => {
    const { cluster, servers } = await setup(3);
    const [a, b, c] = servers as [FakeServer, FakeServer, FakeServer];
    b.health = 'sick';
    await cluster.checkHealth();
    for (let i = 0; i < 4; i++) await cluster.status('stream/S/create');
    expect([served(a, 'status'), served(b, 'status'), served(c, 'status')]).toEqual([2, 0, 2]);
    a.health = 'sick';
    c.health = 'sick';
    await cluster.checkHealth();
    for (let i = 0; i < 2; i++) await cluster.status('stream/S/create');
    expect([served(a, 'status'), served(b, 'status'), served(c, 'status')]).toEqual([4, 0, 2]);
  });

  it.each([
    ['a connection failure', refused],
    ['a timeout', () => new KsqlTimeoutError('slow', { timeoutMs: 10 })],
    ['HTTP 503', notReady],
  ])('retries idempotent reads on another server after %s', async (_what, error) => {
    const { cluster, a, b } = await setup(2);
    a.error = error;
    for (let i = 0; i < 2; i++) {
      expect((await cluster.info()).ksqlServiceId).toBe(b.url);
      await cluster.healthcheck();
      await cluster.clusterStatus();
      expect((await cluster.status('c')).message).toBe(b.url);
      expect((await cluster.pullQuery({ ksql: 'SELECT * FROM T;' })).header.queryId).toBe(b.url);
      expect(await cluster.ksql({ ksql: 'SHOW STREAMS; DESCRIBE S;' })).toMatchObject([{ statementText: b.url }]);
    }
  });

  it('does not retry reads on ksqlDB errors other than 503, nor when the caller aborted', async () => {
    const { cluster, a, b } = await setup(2);
    a.error = badStatement;
    b.error = badStatement;
    await expect(cluster.pullQuery({ ksql: 'SELECT * FROM NOPE;' })).rejects.toMatchObject({ errorCode: 40001 });
    expect(served(a, 'pullQuery') + served(b, 'pullQuery')).toBe(1);
    const controller = new AbortController();
    controller.abort();
    a.error = b.error = () => new KsqlAbortError('aborted');
    await expect(cluster.info({ signal: controller.signal })).rejects.toMatchObject({ code: 'KSQL_ABORTED' });
    expect(served(a, 'info') + served(b, 'info')).toBe(1);
  });

  it('never retries a statement that may have run: its error goes to the caller', async () => {
    const { cluster, a, b } = await setup(2);
    a.error = refused;
    const outcomes = await Promise.allSettled([
      cluster.ksql({ ksql: "CREATE STREAM X (A INT) WITH (kafka_topic='x', value_format='JSON', partitions=1);" }),
      cluster.ksql({ ksql: "CREATE STREAM Y (A INT) WITH (kafka_topic='y', value_format='JSON', partitions=1);" }),
    ]);
    // One went to a and failed there, one to b; neither was sent twice.
    expect(outcomes.map((o) => o.status).sort()).toEqual(['fulfilled', 'rejected']);
    expect([served(a, 'ksql'), served(b, 'ksql')]).toEqual([1, 1]);
    const rejected = outcomes.find((o) => o.status === 'rejected') as PromiseRejectedResult;
    expect(rejected.reason).toMatchObject({ code: 'KSQL_TRANSPORT', causeCode: 'ECONNREFUSED', inStream: false });
    // a is now known unhealthy: the next statement goes to b.
    await cluster.ksql({ ksql: 'INSERT INTO X (A) VALUES (1);' });
    expect([served(a, 'ksql'), served(b, 'ksql')]).toEqual([1, 2]);
  });

  it('never retries terminateCluster', async () => {
    const { cluster, a, b } = await setup(2);
    a.error = b.error = notReady;
    await expect(cluster.terminateCluster()).rejects.toMatchObject({ httpStatus: 503 });
    expect(served(a, 'terminateCluster') + served(b, 'terminateCluster')).toBe(1);
  });

  it('fails with one transport error naming each server when all fail (KSQL_UNAVAILABLE)', async () => {
    const { cluster, a, b } = await setup(2);
    a.error = refused;
    b.error = () => new KsqlTimeoutError('slow');
    const err = await cluster.info().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KsqlTransportError);
    expect((err as Error).message).toMatch(/no ksqlDB server answered \(http:\/\/ksql-\d\.test:8088: (connection refused|timed out); http:\/\/ksql-\d\.test:8088: (connection refused|timed out)\)/);
    // Not inStream: the gateway says KSQL_UNAVAILABLE.
    expect(err).toMatchObject({ code: 'KSQL_TRANSPORT', inStream: false });
    // All not ready: the last 503 itself (KSQL_NOT_READY).
    a.error = b.error = notReady;
    await expect(cluster.info()).rejects.toMatchObject({ httpStatus: 503, errorCode: 50303 });
  });
});

describe('push queries', () => {
  it('open on a healthy server and closeQuery goes to the server running the query', async () => {
    const { cluster, a, b } = await setup(2);
    const first = cluster.query(SELECT);
    const second = cluster.query(SELECT);
    const streams = [...a.client.streams, ...b.client.streams];
    expect(streams).toHaveLength(2);
    a.client.streams[0]?.sendHeader('`A` INTEGER', 'transient_ON_A');
    b.client.streams[0]?.sendHeader('`A` INTEGER', 'transient_ON_B');
    await Promise.all([first.header, second.header]);
    await first.return();
    await second.return();
    await cluster.closeQuery('transient_ON_B');
    await cluster.closeQuery('transient_ON_A');
    expect(a.client.callsOf('closeQuery').map((c) => c.args)).toEqual([['transient_ON_A']]);
    expect(b.client.callsOf('closeQuery').map((c) => c.args)).toEqual([['transient_ON_B']]);
  });

  it('opens on the next server when the connection failed before the header', async () => {
    const { cluster, a, b } = await setup(2);
    b.health = 'sick';
    await cluster.checkHealth();
    const stream = cluster.query(SELECT);
    (a.client.streams[0] as FakeQueryStream).fail(refused());
    const onB = await b.client.nextStream();
    onB.sendHeader('`A` INTEGER', 'transient_1');
    onB.sendRow([1]);
    onB.finish();
    expect((await stream.header).queryId).toBe('transient_1');
    expect(await collect(stream)).toMatchObject([{ kind: 'header' }, { kind: 'row', columns: [1] }, { kind: 'final' }]);
    expect(cluster.servers()[0]).toMatchObject({ healthy: false, lastError: 'connection refused' });
    expect(a.client.streams[0]?.returnCalls).toBeGreaterThan(0);
  });

  it('does not open elsewhere when ksqlDB refused the query', async () => {
    const { cluster, a, b } = await setup(2);
    b.health = 'sick';
    await cluster.checkHealth();
    const stream = cluster.query(SELECT);
    (a.client.streams[0] as FakeQueryStream).fail(badStatement());
    await expect(stream.next()).rejects.toMatchObject({ errorCode: 40001 });
    await expect(stream.header).rejects.toMatchObject({ errorCode: 40001 });
    expect(b.client.streams).toHaveLength(0);
    expect(await stream.next()).toEqual({ value: undefined, done: true });
  });

  it('a broken connection after the header ends the stream with an inStream transport error (KSQL_CONNECTION_LOST)', async () => {
    const { cluster, a, b } = await setup(2);
    b.health = 'sick';
    await cluster.checkHealth();
    const stream = cluster.query(SELECT);
    const onA = a.client.streams[0] as FakeQueryStream;
    onA.sendHeader('`A` INTEGER');
    expect((await stream.next()).value).toMatchObject({ kind: 'header' });
    onA.fail(new KsqlTransportError('other side closed', { causeCode: 'UND_ERR_SOCKET', inStream: true }));
    const err = await stream.next().catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'KSQL_TRANSPORT', inStream: true });
    expect(cluster.servers()[0]).toMatchObject({ healthy: false, lastError: 'connection lost' });
  });

  it('return() while the query opens ends it at once, and nothing is remembered', async () => {
    const { cluster, a, b } = await setup(2);
    const stream = cluster.query(SELECT);
    const pending = stream.next();
    await stream.return();
    expect(await pending).toEqual({ value: undefined, done: true });
    await expect(stream.header).rejects.toMatchObject({ code: 'KSQL_ABORTED' });
    expect([...a.client.streams, ...b.client.streams].every((s) => s.returnCalls > 0)).toBe(true);
    // An id nobody opened here: each server is asked until one knows it.
    a.error = b.error = () => new KsqlServerError('No query with id X', { httpStatus: 400, errorCode: 40000 });
    await expect(cluster.closeQuery('X')).rejects.toMatchObject({ errorCode: 40000 });
    expect(served(a, 'closeQuery') + served(b, 'closeQuery')).toBe(2);
  });
});

describe('close()', () => {
  it('stops the checks and closes every client', async () => {
    const { cluster, a, b } = await setup(2);
    await cluster.close();
    expect(a.client.callsOf('close')).toHaveLength(1);
    expect(b.client.callsOf('close')).toHaveLength(1);
  });

  it('refuses no servers, and a server listed twice', () => {
    expect(() => createKsqlCluster({ urls: [] })).toThrow(/at least one/);
    expect(() => createKsqlCluster({ urls: ['http://a.test:8088', 'http://a.test:8088/'] })).toThrow(/twice/);
    expect(() => createKsqlCluster({ urls: ['http://user:pw@a.test:8088'] })).toThrow(/user name or password/);
  });
});

describe('failureReason', () => {
  it('is short and plain', () => {
    expect(failureReason(refused())).toBe('connection refused');
    expect(failureReason(new KsqlTransportError('x', { causeCode: 'ERR_TLS_CERT_ALTNAME_INVALID' }))).toBe("ksqlDB's certificate does not match the host");
    expect(failureReason(new KsqlTransportError('x'))).toBe('connection failed');
    expect(failureReason(new KsqlTimeoutError('x'))).toBe('timed out');
    expect(failureReason(notReady())).toBe('HTTP 503');
    expect(failureReason(new Error('x'))).toBe('unexpected error');
  });
});

// ---------------------------------------------------------------- real sockets

const V1 = 'application/vnd.ksql.v1+json';
const HEADER = '[{"header":{"queryId":"transient_S_1","schema":"`A` INTEGER"}},\n';

interface RealServer {
  readonly replay: ReplayServer;
  healthy: boolean;
}

async function realServer(query: (res: ServerResponse) => void): Promise<RealServer> {
  const state = { healthy: true } as RealServer;
  (state as { replay: ReplayServer }).replay = disposer.add(
    await startReplayServer((req, res) => {
      if (req.url === '/healthcheck') return send(res, 200, JSON.stringify({ ...defaultHealth, isHealthy: state.healthy }));
      if (req.url === '/info') return send(res, 200, JSON.stringify({ KsqlServerInfo: defaultServerInfo }));
      if (req.url === '/query') return query(res);
      return send(res, 404, 'Not Found', null);
    }),
    (s) => s.close(),
  );
  return state;
}

function realCluster(urls: string[]): KsqlCluster {
  const cluster = createKsqlCluster({ urls, healthIntervalMs: HOUR, client: { requestTimeoutMs: 5_000 } });
  clusters.push(cluster);
  return cluster;
}

describe('over real sockets', () => {
  it('a refused connection is retried on the other server and marks the first unhealthy', async () => {
    const dead = await startReplayServer(() => {});
    await dead.close();
    const live = await realServer(() => {});
    const cluster = realCluster([dead.url, live.replay.url]);
    await cluster.checkHealth();
    expect(cluster.servers().map((s) => [s.healthy, s.lastError])).toEqual([
      [false, 'connection refused'],
      [true, null],
    ]);
    expect(await cluster.info()).toMatchObject({ ksqlServiceId: 'default_' });
    // With neither known healthy, the dead one is tried first and the call still succeeds.
    live.healthy = false;
    await cluster.checkHealth();
    expect(await cluster.info()).toMatchObject({ ksqlServiceId: 'default_' });
  });

  it('a socket that dies after the /query header ends the stream with an inStream transport error (also from a plain client)', async () => {
    const server = await realServer((res) => {
      res.writeHead(200, { 'content-type': V1 });
      res.write(HEADER, () => setImmediate(() => res.socket?.destroy()));
    });
    const plain = createKsqlClient({ baseUrl: server.replay.url });
    disposer.add(plain, (c) => c.close());
    const err = await collect(plain.query(SELECT)).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'KSQL_TRANSPORT', inStream: true });

    const other = await realServer((res) => {
      res.writeHead(200, { 'content-type': V1 });
      res.end(HEADER + '{"finalMessage":"Limit Reached"}]');
    });
    const cluster = realCluster([server.replay.url, other.replay.url]);
    await cluster.checkHealth();
    // Whichever server it opens on first, the second query lands on the dying one.
    const outcomes = await Promise.allSettled([collect(cluster.query(SELECT)), collect(cluster.query(SELECT))]);
    const lost = outcomes.find((o) => o.status === 'rejected') as PromiseRejectedResult;
    expect(lost.reason).toMatchObject({ code: 'KSQL_TRANSPORT', inStream: true });
    expect(cluster.servers()[0]).toMatchObject({ healthy: false, lastError: 'connection lost' });
  });

  it('a push body that just ends: a normal end while its server is healthy, an inStream transport error once it is not', async () => {
    const endsAtOnce = (res: ServerResponse) => {
      res.writeHead(200, { 'content-type': V1 });
      res.end(HEADER + ']');
    };
    const servers = [await realServer(endsAtOnce), await realServer(endsAtOnce)];
    const cluster = realCluster(servers.map((s) => s.replay.url));
    await cluster.checkHealth();
    expect(await collect(cluster.query(SELECT))).toMatchObject([{ kind: 'header', queryId: 'transient_S_1' }]);
    for (const server of servers) server.healthy = false;
    const err = await collect(cluster.query(SELECT)).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'KSQL_TRANSPORT', inStream: true });
    expect((err as Error).message).toMatch(/ended without a final message .*\(reported unhealthy\)/);
  });
});
