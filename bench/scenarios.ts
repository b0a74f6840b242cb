/**
 * The scenarios of `npm run bench:gateway` that are not a single drain
 * (see bench/gateway.ts for the drains and the processes):
 *
 *   fanout        N graphql-ws subscribers (over N/perSocket sockets) on the
 *                 same `pushQuery` SQL: one upstream push query. All subscribe
 *                 first (each gets its header), then M rows are produced;
 *                 measured: the time until every subscriber has every row
 *                 (each checked exactly once, in order), the gateway's peak
 *                 RSS, and its heap (`nodejs_heap_size_used_bytes` from
 *                 /metrics) idle before, and after all subscribers left.
 *   fanout-typed  the same on the typed subscription field of that stream.
 *   info          `{ info { version } }` from C concurrent connections for
 *                 a fixed time, against `GET /info` on the engine directly:
 *                 requests/s ratio and p50 latencies.
 *   pull          a pull-query key lookup from 1 connection, sequentially,
 *                 through `pullQuery` against `POST /query` directly: p50s
 *                 and the gateway's extra p50.
 *
 * @module
 */
import { createClient, type Client } from 'graphql-ws';
import { Pool, request } from 'undici';
import WebSocket from 'ws';
import { cpuMs, resetPeak, statusKb, type Child } from './process.js';

export interface ScenarioStack {
  readonly engine: Child;
  readonly gateway: Child;
  readonly graphqlUrl: string;
  readonly wsUrl: string;
}

/** One statement on the engine's /ksql; its parsed answer. */
export async function ksql(engineUrl: string, statement: string): Promise<unknown> {
  const res = await request(`${engineUrl}/ksql`, {
    method: 'POST',
    headers: { 'content-type': 'application/vnd.ksql.v1+json', accept: 'application/vnd.ksql.v1+json' },
    body: JSON.stringify({ ksql: statement, streamsProperties: {} }),
  });
  const text = await res.body.text();
  if (res.statusCode !== 200) throw new Error(`ksql ${statement} → ${res.statusCode}: ${text.slice(0, 300)}`);
  return JSON.parse(text) as unknown;
}

async function produce(engineUrl: string, topic: string, records: string[]): Promise<void> {
  for (let start = 0; start < records.length; start += 5000) {
    const res = await request(`${engineUrl}/topics/${topic}`, {
      method: 'POST',
      headers: { 'content-type': 'application/vnd.kafka.json.v2+json', accept: 'application/vnd.kafka.v2+json, application/json' },
      body: `{"records":[${records.slice(start, start + 5000).join(',')}]}`,
    });
    const text = await res.body.text();
    if (res.statusCode !== 200) throw new Error(`produce → ${res.statusCode}: ${text.slice(0, 300)}`);
  }
}

/** A gauge or counter of the gateway's /metrics (first sample of that name). */
async function metric(stack: ScenarioStack, name: string): Promise<number> {
  const text = await (await fetch(`${stack.gateway.url}/metrics`)).text();
  const match = new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.e+-]+)$`, 'm').exec(text);
  return match ? Number(match[1]) : NaN;
}

/** The gateway's heap after it has been idle for `ms` (V8 collects on its own meanwhile). */
/**
 * The gateway's used heap after `ms` of quiet. With the gateway under
 * `--inspect` (startStack does that), a full garbage collection runs first,
 * through the DevTools protocol, so the figure is what is still referenced,
 * not garbage V8 has not yet collected; else the heap metric as it is.
 */
async function settledHeapMb(stack: ScenarioStack, ms: number): Promise<number> {
  await new Promise((r) => setTimeout(r, ms));
  const inspector = stack.gateway.inspectorUrl();
  if (inspector !== undefined) return (await collectedHeapBytes(inspector)) / 1024 / 1024;
  return (await metric(stack, 'nodejs_heap_size_used_bytes')) / 1024 / 1024;
}

/** A WebSocket message as text (a Buffer, with ws's default binaryType). */
function rawText(data: WebSocket.RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return (data instanceof ArrayBuffer ? Buffer.from(data) : data).toString('utf8');
}

/** HeapProfiler.collectGarbage, then Runtime.getHeapUsage's usedSize. */
async function collectedHeapBytes(inspectorUrl: string): Promise<number> {
  const socket = new WebSocket(inspectorUrl);
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    let nextId = 0;
    const call = (method: string) =>
      new Promise<Record<string, unknown>>((resolve, reject) => {
        const id = ++nextId;
        const onMessage = (data: WebSocket.RawData) => {
          const message = JSON.parse(rawText(data)) as { id?: number; result?: Record<string, unknown>; error?: { message: string } };
          if (message.id !== id) return;
          socket.off('message', onMessage);
          if (message.error) reject(new Error(`${method}: ${message.error.message}`));
          else resolve(message.result ?? {});
        };
        socket.on('message', onMessage);
        socket.send(JSON.stringify({ id, method }));
      });
    await call('HeapProfiler.collectGarbage');
    const usage = await call('Runtime.getHeapUsage');
    return Number(usage['usedSize']);
  } finally {
    socket.close();
  }
}

// ------------------------------------------------------------------ fan-out

export interface FanoutOptions {
  readonly subscribers: number;
  readonly rows: number;
  /** Subscriptions multiplexed on one graphql-ws socket. */
  readonly perSocket: number;
  readonly typed: boolean;
}

export interface FanoutResult {
  readonly label: string;
  readonly subscribers: number;
  readonly rows: number;
  /** From the first produced row until every subscriber had every row. */
  readonly deliverSeconds: number;
  /** Subscribing all of them (until each had its first event). */
  readonly subscribeSeconds: number;
  /** CPU time (user + sys) of the gateway and of this driver process while delivering: which one bounds the run. */
  readonly gatewayCpuSeconds: number;
  readonly driverCpuSeconds: number;
  readonly gatewayPeakRssMb: number;
  readonly heapIdleMb: number;
  /** With every subscriber joined, before the first row: what the subscriptions themselves hold. */
  readonly heapJoinedMb: number;
  readonly heapAfterLeaveMb: number;
  readonly rssAfterLeaveMb: number;
}

let fanoutRound = 0;

export async function fanout(stack: ScenarioStack, opts: FanoutOptions): Promise<FanoutResult> {
  const round = ++fanoutRound;
  const stream = `FANOUT_${round}`;
  const topic = `fanout_${round}`;
  await ksql(
    stack.engine.url,
    `CREATE STREAM ${stream} (ID STRING KEY, SEQ INT, NAME STRING, PRICE DOUBLE) WITH (KAFKA_TOPIC='${topic}', VALUE_FORMAT='JSON', PARTITIONS=1);`,
  );
  const field = `fanout${round}`; // the typed field of FANOUT_<n>
  let document: string;
  let seqOf: (data: Record<string, unknown>) => number | undefined;
  if (opts.typed) {
    await waitForType(stack.graphqlUrl, `Fanout${round}`);
    document = `subscription { ${field} { id seq name price } }`;
    seqOf = (data) => (data[field] as { seq?: number } | undefined)?.seq;
  } else {
    document = `subscription { pushQuery(sql: "SELECT * FROM ${stream} EMIT CHANGES;") { ... on QueryRow { row } } }`;
    // row: the values keyed by column name
    seqOf = (data) => {
      const row = (data['pushQuery'] as { row?: Record<string, unknown> } | undefined)?.row;
      return row === undefined ? undefined : Number(row['SEQ']);
    };
  }

  const heapIdleMb = await settledHeapMb(stack, 500);
  resetPeak(stack.gateway.pid);
  const sockets: Client[] = [];
  const expected = new Array<number>(opts.subscribers).fill(0);
  let complete = 0;
  let started = 0;
  let failure: Error | undefined;
  let allStarted!: () => void;
  let allDone!: () => void;
  const startedP = new Promise<void>((r) => (allStarted = r));
  const doneP = new Promise<void>((r) => (allDone = r));
  const fail = (err: Error) => {
    failure ??= err;
    allStarted();
    allDone();
  };
  // A function: TS would keep `failure` narrowed across the awaits, during which callbacks set it.
  const throwIfFailed = () => {
    if (failure) throw failure;
  };
  const t0 = performance.now();
  for (let i = 0; i < opts.subscribers; i++) {
    if (i % opts.perSocket === 0) {
      sockets.push(createClient({ url: stack.wsUrl, webSocketImpl: WebSocket, lazy: true, retryAttempts: 0 }));
    }
    const client = sockets[sockets.length - 1] as Client;
    let first = true;
    client.subscribe<Record<string, unknown>>(
      { query: document },
      {
        next: (result) => {
          if (result.errors) return fail(new Error(`subscriber ${i}: ${JSON.stringify(result.errors)}`));
          if (first) {
            first = false;
            if (++started === opts.subscribers) allStarted();
          }
          const seq = result.data ? seqOf(result.data) : undefined;
          if (seq === undefined) return; // the generic header
          if (seq !== expected[i]) return fail(new Error(`subscriber ${i}: got row ${seq}, expected ${expected[i]}`));
          expected[i] = seq + 1;
          if (seq + 1 === opts.rows && ++complete === opts.subscribers) allDone();
        },
        error: (err: unknown) => fail(err instanceof Error ? err : new Error(`subscriber ${i}: ${JSON.stringify(err)}`)),
        complete: () => {},
      },
    );
  }
  // A typed subscription has no header event: its first event is a row, so
  // it counts as started once the upstream query runs (checked on the engine).
  if (opts.typed) {
    await waitFor(async () => (await metric(stack, 'ksqldb_gateway_subscriptions_active')) >= opts.subscribers, 120_000);
    await new Promise((r) => setTimeout(r, 500));
    allStarted();
  }
  await startedP;
  const subscribeSeconds = (performance.now() - t0) / 1000;
  throwIfFailed();
  const heapJoinedMb = await settledHeapMb(stack, 0);
  resetPeak(stack.gateway.pid);

  const records = Array.from(
    { length: opts.rows },
    (_, seq) => `{"key":"k-${seq % 100}","value":{"SEQ":${seq},"NAME":"name-${seq}","PRICE":${(seq * 1.25).toFixed(2)}}}`,
  );
  const t1 = performance.now();
  const gatewayCpu0 = cpuMs(stack.gateway.pid);
  const driverCpu0 = process.cpuUsage();
  await produce(stack.engine.url, topic, records);
  await doneP;
  const deliverSeconds = (performance.now() - t1) / 1000;
  const gatewayCpuSeconds = (cpuMs(stack.gateway.pid) - gatewayCpu0) / 1000;
  const driverCpu = process.cpuUsage(driverCpu0);
  const driverCpuSeconds = (driverCpu.user + driverCpu.system) / 1e6;
  const gatewayPeakRssMb = statusKb(stack.gateway.pid, 'VmHWM') / 1024;
  await Promise.all(sockets.map((s) => Promise.resolve(s.dispose())));
  throwIfFailed();
  await waitFor(async () => (await metric(stack, 'ksqldb_gateway_subscriptions_active')) === 0, 60_000);
  const heapAfterLeaveMb = await settledHeapMb(stack, 3000);
  await ksql(stack.engine.url, `DROP STREAM ${stream};`).catch(() => {});
  return {
    label: `fan-out ${opts.typed ? 'typed field' : 'pushQuery'} ${opts.subscribers}×${opts.rows}`,
    subscribers: opts.subscribers,
    rows: opts.rows,
    deliverSeconds,
    subscribeSeconds,
    gatewayCpuSeconds,
    driverCpuSeconds,
    gatewayPeakRssMb,
    heapIdleMb,
    heapJoinedMb,
    heapAfterLeaveMb,
    rssAfterLeaveMb: statusKb(stack.gateway.pid, 'VmRSS') / 1024,
  };
}

async function waitFor(check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`condition not met in ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function waitForType(graphqlUrl: string, type: string): Promise<void> {
  await waitFor(async () => {
    const res = await fetch(graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: `{ __type(name: "${type}") { name } }` }),
    });
    const body = (await res.json()) as { data?: { __type: unknown } };
    return Boolean(body.data?.__type);
  }, 30_000);
}

// ------------------------------------------------------------------ request/response

export interface LatencyResult {
  readonly label: string;
  readonly requestsPerSec: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? NaN;
}

/** `concurrency` workers on a pool of as many connections, each sending `send()` back to back for `seconds`. */
async function load(
  label: string,
  origin: string,
  concurrency: number,
  seconds: number,
  send: (pool: Pool) => Promise<void>,
): Promise<LatencyResult> {
  const pool = new Pool(origin, { connections: concurrency, pipelining: 1 });
  try {
    // warm-up: open every connection
    await Promise.all(Array.from({ length: concurrency * 2 }, () => send(pool)));
    const latencies: number[] = [];
    const end = performance.now() + seconds * 1000;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (performance.now() < end) {
          const t = performance.now();
          await send(pool);
          latencies.push(performance.now() - t);
        }
      }),
    );
    const elapsed = (performance.now() - t0) / 1000;
    latencies.sort((a, b) => a - b);
    return { label, requestsPerSec: latencies.length / elapsed, p50Ms: percentile(latencies, 0.5), p99Ms: percentile(latencies, 0.99) };
  } finally {
    await pool.close();
  }
}

async function expectOk(res: Awaited<ReturnType<Pool['request']>>, what: string): Promise<string> {
  const text = await res.body.text();
  if (res.statusCode !== 200 || text.includes('"errors"')) throw new Error(`${what} → ${res.statusCode}: ${text.slice(0, 300)}`);
  return text;
}

/** `{ info }` through the gateway against `GET /info` directly, side by side. */
export async function info(stack: ScenarioStack, concurrency: number, seconds: number): Promise<[LatencyResult, LatencyResult]> {
  const body = JSON.stringify({ query: '{ info { version } }' });
  const direct = await load(`direct GET /info x${concurrency}`, stack.engine.url, concurrency, seconds, async (pool) => {
    await expectOk(await pool.request({ method: 'GET', path: '/info', headers: { accept: 'application/json' } }), '/info');
  });
  const gateway = await load(`gateway { info } x${concurrency}`, stack.gateway.url, concurrency, seconds, async (pool) => {
    await expectOk(
      await pool.request({ method: 'POST', path: '/graphql', headers: { 'content-type': 'application/json' }, body }),
      '{ info }',
    );
  });
  return [direct, gateway];
}

/** A pull-query key lookup through `pullQuery` against `POST /query` directly, one connection, side by side. */
export async function pull(stack: ScenarioStack, seconds: number): Promise<[LatencyResult, LatencyResult]> {
  await ksql(stack.engine.url, "CREATE STREAM PULL_SRC (ID STRING KEY, V INT) WITH (KAFKA_TOPIC='pull_src', VALUE_FORMAT='JSON', PARTITIONS=1);");
  await ksql(stack.engine.url, 'CREATE TABLE PULL_T AS SELECT ID, LATEST_BY_OFFSET(V) AS V FROM PULL_SRC GROUP BY ID EMIT CHANGES;');
  await produce(
    stack.engine.url,
    'pull_src',
    Array.from({ length: 1000 }, (_, i) => `{"key":"k-${i}","value":{"V":${i}}}`),
  );
  const sql = "SELECT * FROM PULL_T WHERE ID = 'k-500';";
  // until the table has caught up
  await waitFor(async () => {
    const res = await request(`${stack.engine.url}/query`, {
      method: 'POST',
      headers: { 'content-type': 'application/vnd.ksql.v1+json', accept: 'application/vnd.ksql.v1+json' },
      body: JSON.stringify({ ksql: sql, streamsProperties: {} }),
    });
    return (await res.body.text()).includes('"row"');
  }, 30_000);
  const directBody = JSON.stringify({ ksql: sql, streamsProperties: {} });
  const gqlBody = JSON.stringify({ query: `{ pullQuery(sql: "${sql}") { rows { row } } }` });
  const direct = await load('direct POST /query pull x1', stack.engine.url, 1, seconds, async (pool) => {
    const text = await expectOk(
      await pool.request({
        method: 'POST',
        path: '/query',
        headers: { 'content-type': 'application/vnd.ksql.v1+json', accept: 'application/vnd.ksql.v1+json' },
        body: directBody,
      }),
      'pull',
    );
    if (!text.includes('"row"')) throw new Error(`pull: no row in ${text.slice(0, 200)}`);
  });
  const gateway = await load('gateway pullQuery x1', stack.gateway.url, 1, seconds, async (pool) => {
    const text = await expectOk(
      await pool.request({ method: 'POST', path: '/graphql', headers: { 'content-type': 'application/json' }, body: gqlBody }),
      'pullQuery',
    );
    if (!text.includes('k-500')) throw new Error(`pullQuery: no row in ${text.slice(0, 200)}`);
  });
  return [direct, gateway];
}
