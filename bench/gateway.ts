/**
 * Gateway throughput benchmark (`npm run bench:gateway`).
 *
 * Three processes, so that the gateway does not share an event loop with the
 * engine or the load generator (this matters on a 2-core machine):
 *
 *   engine child   `ksqldb-gateway engine --port 0 --in-memory`
 *   gateway child  `ksqldb-gateway serve --port 0 --ksql-url <engine>`
 *   this driver    produces N rows, then drains them N at a time
 *
 * Each child prints its URL as its first stdout line; both run in a temporary
 * working directory and are killed at the end, on error and on SIGINT.
 *
 * Measured (each warmed up once on a smaller LIMIT, then run `--runs` times;
 * the median is printed):
 *
 *   direct      POST /query on the engine (undici.request), split by lines,
 *               JSON.parse each line: the cheapest honest client
 *   ws          Subscription.pushQuery over graphql-ws (createClient + ws),
 *               selecting `... on QueryRow { row }`
 *   sse         the same subscription over GraphQL-over-SSE (fetch)
 *   ws-typed    the typed field Subscription.benchRows over graphql-ws (every
 *               column selected, typed scalars)
 *   ws-batches, ws-typed-batches
 *               the same two over their batched twins (pushQueryBatches,
 *               benchRowsBatches; maxRows 500); opt-in through --modes
 *   direct-xK   K concurrent direct queries (aggregate rows/s)
 *   ws-xK       K concurrent graphql-ws subscribers, each on its own socket
 *               and its own upstream query (aggregate rows/s)
 *   fanout, fanout-typed, info, pull: see bench/scenarios.ts (many
 *               subscribers on one upstream query, heap after they leave;
 *               `{ info }` at 20 connections and a pull-query key lookup,
 *               each side by side with ksqlDB called directly)
 *
 * For every mode: rows/s, ratio to the direct figure, CPU time per row of the
 * gateway, the engine and the driver (from /proc/<pid>/stat and
 * process.cpuUsage), the gateway's kernel share of CPU and its read/write
 * syscalls per row (/proc/<pid>/io: 1.000 writes/row means one socket write
 * per row), and the gateway's peak RSS (VmHWM, reset through
 * /proc/<pid>/clear_refs before each mode). On a shared 2-core machine rows/s
 * move with the load of other processes; CPU µs/row and syscalls/row are the
 * steadier figures.
 *
 * With `--profile`, the gateway is then restarted under `node --cpu-prof` for
 * one drain of each of the ws, sse and ws-typed modes asked for, and the hot spots are printed (by pipeline
 * stage, module and function; see bench/profile-summary.ts). Findings so far:
 * bench/notes/gateway-findings.md.
 *
 * Flags: --rows N (200000)  --runs N (3)  --warmup-rows N (min(20000, rows))
 *        --concurrency K (10)  --concurrent-rows N (rows per subscriber, default rows/K*2)
 *        --modes direct,ws,sse,ws-typed,ws-batches,ws-typed-batches,direct-x,ws-x,fanout,fanout-typed,info,pull,resume
 *        --batch N (5000 rows per produce)
 *        --fanout 10000x100,1000x1000 (subscribers x rows, each a fan-out run)
 *        --fanout-per-socket N (100 subscriptions per graphql-ws socket)
 *        --info-concurrency N (20)  --seconds N (3: length of the info and pull runs)
 *        --values typical|fast (fast: no value the lossless JSON path must handle)
 *        --dist | --tsx: run the children from dist/ (bin/ksqldb-gateway.js, after
 *          `npm run build`) or from src/ through tsx (bench/cli.ts). Default: dist/
 *          when it is newer than every source file, else tsx. tsx adds ~100 MB
 *          of RSS (its loader thread and transpiled sources) but no per-row cost.
 *        --profile  --profile-only  --profile-dir DIR  --json  --verbose
 *        --gateway-node-args "--max-semi-space-size=32 ..." (node flags for the gateway child)
 *        --gateway-entry PATH (run the gateway from another CLI entry through tsx,
 *          e.g. a patched copy of the tree, to try a bench/notes/*.patch)
 *
 * @module
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { request } from 'undici';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { jsonStringify } from '../src/shared/json.js';
import { cpuMs, cpuTimes, killAll, resetPeak, startChild, statusKb, syscalls, type Child } from './process.js';
import { formatSummary, loadProfile, summarizeProfile, type ProfileSummary } from './profile-summary.js';
import { fanout, info, ksql, pull, type FanoutResult, type LatencyResult } from './scenarios.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
/** tsx's loader, resolved here so that the children need not run in the tree. */
const TSX = import.meta.resolve('tsx');
/** The children's working directory: a fresh temporary one, so nothing lands in the tree. */
const CHILD_CWD = mkdtempSync(join(tmpdir(), 'ksqldb-gateway-bench-cwd-'));
process.on('exit', () => rmSync(CHILD_CWD, { recursive: true, force: true }));

// ------------------------------------------------------------------ flags

interface Options {
  rows: number;
  runs: number;
  warmupRows: number;
  concurrency: number;
  concurrentRows: number;
  modes: Set<string>;
  batch: number;
  values: 'typical' | 'fast';
  dist: boolean;
  profile: boolean;
  profileOnly: boolean;
  profileDir: string;
  json: boolean;
  verbose: boolean;
  /** Extra node flags for the gateway child (space-separated), e.g. "--max-semi-space-size=32". */
  gatewayNodeArgs: string[];
  /**
   * Run the gateway child from this CLI entry (a TS file, through tsx)
   * instead; e.g. a patched copy of the tree: /tmp/proto/bench/cli.ts.
   */
  gatewayEntry: string | undefined;
  fanout: Array<{ subscribers: number; rows: number }>;
  fanoutPerSocket: number;
  infoConcurrency: number;
  seconds: number;
}

function parseOptions(argv: readonly string[]): Options {
  const get = (name: string): string | undefined => {
    const i = argv.indexOf(`--${name}`);
    if (i !== -1) return argv[i + 1];
    const eq = argv.find((a) => a.startsWith(`--${name}=`));
    return eq?.slice(name.length + 3);
  };
  const has = (name: string) => argv.includes(`--${name}`);
  if (has('dist') && has('tsx')) throw new Error('--dist and --tsx exclude each other');
  const int = (name: string, dflt: number): number => {
    const v = get(name);
    if (v === undefined) return dflt;
    const n = Number(v.replaceAll('_', ''));
    if (!Number.isInteger(n) || n <= 0) throw new Error(`--${name}: expected a positive integer, got ${v}`);
    return n;
  };
  const rows = int('rows', 200_000);
  const concurrency = int('concurrency', 10);
  const values = get('values') ?? 'typical';
  if (values !== 'typical' && values !== 'fast') throw new Error('--values: typical or fast');
  const profileOnly = has('profile-only');
  return {
    rows,
    runs: int('runs', 3),
    warmupRows: int('warmup-rows', Math.min(20_000, rows)),
    concurrency,
    concurrentRows: int('concurrent-rows', Math.max(1, Math.round((rows / concurrency) * 2))),
    modes: new Set(
      (get('modes') ?? 'direct,ws,sse,ws-typed,ws-batches,ws-typed-batches,direct-x,ws-x,fanout,fanout-typed,info,pull,resume').split(',').map((s) => s.trim()),
    ),
    batch: int('batch', 5_000),
    values,
    dist: has('dist') || (!has('tsx') && distIsFresh()),
    profile: has('profile') || profileOnly,
    profileOnly,
    profileDir: get('profile-dir') ?? join(tmpdir(), `ksqldb-gateway-bench-${process.pid}`),
    json: has('json'),
    verbose: has('verbose'),
    gatewayNodeArgs: (get('gateway-node-args') ?? '').split(' ').filter((a) => a !== ''),
    gatewayEntry: get('gateway-entry'),
    fanout: (get('fanout') ?? '10000x100,1000x1000').split(',').map((pair) => {
      const [subscribers, rows] = pair.split('x').map(Number);
      if (!Number.isInteger(subscribers) || !Number.isInteger(rows) || !(subscribers! > 0) || !(rows! > 0)) {
        throw new Error(`--fanout: expected SUBSCRIBERSxROWS pairs, got ${pair}`);
      }
      return { subscribers: subscribers!, rows: rows! };
    }),
    fanoutPerSocket: int('fanout-per-socket', 100),
    infoConcurrency: int('info-concurrency', 20),
    seconds: int('seconds', 3),
  };
}

/** dist/ was built after the last change to any non-test source file. */
function distIsFresh(): boolean {
  let built: number;
  try {
    built = statSync(join(ROOT, 'dist/cli/main.js')).mtimeMs;
  } catch {
    return false;
  }
  const newest = (dir: string): number => {
    let max = 0;
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) max = Math.max(max, newest(path));
      else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts')) max = Math.max(max, statSync(path).mtimeMs);
    }
    return max;
  };
  return newest(join(ROOT, 'src')) < built;
}

// ------------------------------------------------------------------ children

let interrupted = false;
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    interrupted = true;
    process.stderr.write(`\n${sig}: stopping children\n`);
    killAll('SIGTERM');
    setTimeout(() => {
      killAll('SIGKILL');
      process.exit(130);
    }, 2000).unref();
  });
}

function startChildFor(
  name: string,
  cliArgs: string[],
  opts: Options,
  nodeArgs: string[] = [],
  entryFile?: string,
): Promise<Child> {
  const entry = entryFile
    ? ['--import', TSX, resolve(entryFile)]
    : opts.dist
      ? [join(ROOT, 'bin/ksqldb-gateway.js')]
      : ['--import', TSX, join(ROOT, 'bench/cli.ts')];
  return startChild({ name, argv: [...nodeArgs, ...entry, ...cliArgs], cwd: CHILD_CWD, verbose: opts.verbose });
}

// ------------------------------------------------------------------ /proc

function driverCpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

// ------------------------------------------------------------------ data

const STREAM = 'BENCH_ROWS';
const TOPIC = 'bench_rows';
const COLUMNS = 'ID STRING KEY, QTY INT, TS BIGINT, PRICE DOUBLE, NAME STRING, AMOUNT DECIMAL(10,2)';
const NAMES = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'hotel', 'india', 'juliet'];

/**
 * One produce body per batch. `typical` values: a full-precision DOUBLE (17
 * significant digits, as measurements usually are) and DECIMAL(10,2) amounts
 * of which 10% end in 0 (`12.30`); `fast`: DOUBLE with 3 decimals and
 * amounts never ending in 0, so no row needs the lossless JSON path.
 */
function produceBodies(rows: number, batch: number, values: Options['values']): string[] {
  const bodies: string[] = [];
  let seed = 42;
  const rand = () => {
    // xorshift32: reproducible data
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return (seed >>> 0) / 4294967296;
  };
  const t0 = 1_764_000_000_000;
  for (let start = 0; start < rows; start += batch) {
    const records: string[] = [];
    for (let i = start; i < Math.min(rows, start + batch); i++) {
      const price = values === 'typical' ? rand() * 1000 : Math.round(rand() * 1_000_000) / 1000;
      let cents = Math.floor(rand() * 10_000_000);
      if (values === 'fast' && cents % 10 === 0) cents += 1;
      const amount = `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`;
      const name = `${NAMES[i % NAMES.length]}-${i}`;
      records.push(
        `{"key":"id-${i}","value":{"QTY":${i % 1000},"TS":${t0 + i},"PRICE":${price},"NAME":"${name}","AMOUNT":${amount}}}`,
      );
    }
    bodies.push(`{"records":[${records.join(',')}]}`);
  }
  return bodies;
}

async function ingest(engineUrl: string, opts: Options): Promise<{ rowsPerSec: number; seconds: number }> {
  await ksql(
    engineUrl,
    `CREATE STREAM ${STREAM} (${COLUMNS}) WITH (KAFKA_TOPIC='${TOPIC}', VALUE_FORMAT='JSON', PARTITIONS=1);`,
  );
  const bodies = produceBodies(opts.rows, opts.batch, opts.values);
  const t0 = performance.now();
  await produce(engineUrl, bodies);
  const seconds = (performance.now() - t0) / 1000;
  return { rowsPerSec: opts.rows / seconds, seconds };
}

/** Writes produce bodies to the bench topic, one request each. */
async function produce(engineUrl: string, bodies: readonly string[]): Promise<void> {
  for (const body of bodies) {
    const res = await request(`${engineUrl}/topics/${TOPIC}`, {
      method: 'POST',
      headers: { 'content-type': 'application/vnd.kafka.json.v2+json', accept: 'application/vnd.kafka.v2+json, application/json' },
      body,
    });
    const text = await res.body.text();
    if (res.statusCode !== 200) throw new Error(`produce → ${res.statusCode}: ${text.slice(0, 500)}`);
  }
}

// ------------------------------------------------------------------ readers

const PROPS = { 'ksql.streams.auto.offset.reset': 'earliest' };
const sqlFor = (limit: number) => `SELECT * FROM ${STREAM} EMIT CHANGES LIMIT ${limit};`;
const SUBSCRIPTION = /* GraphQL */ `
  subscription Bench($sql: String!, $p: JSON) {
    pushQuery(sql: $sql, properties: $p) { ... on QueryRow { row } }
  }
`;

/** Counts the rows of one `/query` line; throws on an errorMessage. */
function countLine(raw: string): number {
  let line = raw.trim();
  if (line.startsWith('[')) line = line.slice(1);
  if (line.endsWith(']')) line = line.slice(0, -1);
  if (line.endsWith(',')) line = line.slice(0, -1);
  if (line === '') return 0;
  const element = JSON.parse(line) as Record<string, unknown>;
  if ('row' in element) return 1;
  if ('errorMessage' in element) throw new Error(`/query error: ${line}`);
  return 0;
}

/** Reads a `/query` push query to its end; `onFirstRow` is called when its first row arrives. */
async function readQuery(engineUrl: string, sql: string, onFirstRow?: () => void): Promise<number> {
  const res = await request(`${engineUrl}/query`, {
    method: 'POST',
    headers: { 'content-type': 'application/vnd.ksql.v1+json', accept: 'application/vnd.ksql.v1+json' },
    body: JSON.stringify({ ksql: sql, streamsProperties: PROPS }),
  });
  if (res.statusCode !== 200) throw new Error(`/query → ${res.statusCode}: ${await res.body.text()}`);
  const decoder = new TextDecoder();
  let buf = '';
  let count = 0;
  const add = (line: string) => {
    const rows = countLine(line);
    if (rows > 0 && count === 0) onFirstRow?.();
    count += rows;
  };
  for await (const chunk of res.body as AsyncIterable<Buffer>) {
    buf += decoder.decode(chunk, { stream: true });
    let start = 0;
    for (let nl = buf.indexOf('\n'); nl !== -1; nl = buf.indexOf('\n', start)) {
      add(buf.slice(start, nl));
      start = nl + 1;
    }
    buf = buf.slice(start);
  }
  add(buf + decoder.decode());
  return count;
}

const drainDirect = (engineUrl: string, limit: number): Promise<number> => readQuery(engineUrl, sqlFor(limit));

async function drainWs(wsUrl: string, limit: number): Promise<number> {
  const client = createClient({ url: wsUrl, webSocketImpl: WebSocket, lazy: true, retryAttempts: 0 });
  try {
    return await new Promise<number>((res, rej) => {
      let count = 0;
      client.subscribe<{ pushQuery: { row?: unknown } }>(
        { query: SUBSCRIPTION, variables: { sql: sqlFor(limit), p: PROPS } },
        {
          next: (result) => {
            if (result.errors) rej(new Error(`graphql-ws errors: ${JSON.stringify(result.errors)}`));
            else if (result.data?.pushQuery.row !== undefined) count++;
          },
          error: (err: unknown) =>
            rej(err instanceof Error ? err : new Error(`graphql-ws error: ${jsonStringify(err) ?? String(err)}`)),
          complete: () => res(count),
        },
      );
    });
  } finally {
    await client.dispose();
  }
}

/** The typed subscription over the same stream: every column, typed (BigInt, Decimal, ...). */
const TYPED_SUBSCRIPTION = /* GraphQL */ `
  subscription BenchTyped($limit: Int!) {
    benchRows(fromBeginning: true, limit: $limit) { id qty ts price name amount }
  }
`;

/** Waits until the gateway's typed schema has the bench stream (it re-reads the catalog every 200 ms here). */
async function waitForTypedField(graphqlUrl: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const res = await fetch(graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ __type(name: "BenchRows") { name } }' }),
    });
    const body = (await res.json()) as { data?: { __type: unknown } };
    if (body.data?.__type) return;
    if (Date.now() > deadline) throw new Error('the typed schema never showed BENCH_ROWS');
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function drainWsTyped(wsUrl: string, limit: number): Promise<number> {
  const client = createClient({ url: wsUrl, webSocketImpl: WebSocket, lazy: true, retryAttempts: 0 });
  try {
    return await new Promise<number>((res, rej) => {
      let count = 0;
      client.subscribe<{ benchRows: { id?: unknown } }>(
        { query: TYPED_SUBSCRIPTION, variables: { limit } },
        {
          next: (result) => {
            if (result.errors) rej(new Error(`graphql-ws errors: ${JSON.stringify(result.errors)}`));
            else if (result.data?.benchRows.id !== undefined) count++;
          },
          error: (err: unknown) =>
            rej(err instanceof Error ? err : new Error(`graphql-ws error: ${jsonStringify(err) ?? String(err)}`)),
          complete: () => res(count),
        },
      );
    });
  } finally {
    await client.dispose();
  }
}

/** The batched twins (docs/subscriptions.md): `pushQueryBatches` and `benchRowsBatches`, 500 rows a message at most. */
const BATCH_SUBSCRIPTION = /* GraphQL */ `
  subscription BenchBatches($sql: String!, $p: JSON) {
    pushQueryBatches(sql: $sql, properties: $p, maxRows: 500) { ... on QueryRowBatch { rows { row } } }
  }
`;
const TYPED_BATCH_SUBSCRIPTION = /* GraphQL */ `
  subscription BenchTypedBatches($limit: Int!) {
    benchRowsBatches(fromBeginning: true, limit: $limit, maxRows: 500) { id qty ts price name amount }
  }
`;

/** Drains a batched subscription over graphql-ws; `rowsOf` counts the rows of one result. */
async function drainWsBatches(
  wsUrl: string,
  request: { query: string; variables: Record<string, unknown> },
  rowsOf: (data: Record<string, unknown> | null | undefined) => number,
): Promise<number> {
  const client = createClient({ url: wsUrl, webSocketImpl: WebSocket, lazy: true, retryAttempts: 0 });
  try {
    return await new Promise<number>((res, rej) => {
      let count = 0;
      client.subscribe<Record<string, unknown>>(request, {
        next: (result) => {
          if (result.errors) rej(new Error(`graphql-ws errors: ${JSON.stringify(result.errors)}`));
          else count += rowsOf(result.data);
        },
        error: (err: unknown) => rej(err instanceof Error ? err : new Error(`graphql-ws error: ${jsonStringify(err) ?? String(err)}`)),
        complete: () => res(count),
      });
    });
  } finally {
    await client.dispose();
  }
}

async function drainSse(graphqlUrl: string, limit: number): Promise<number> {
  const res = await fetch(graphqlUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
    body: JSON.stringify({ query: SUBSCRIPTION, variables: { sql: sqlFor(limit), p: PROPS } }),
  });
  if (!res.ok || !res.body) throw new Error(`SSE → ${res.status}: ${await res.text()}`);
  const decoder = new TextDecoder();
  let buf = '';
  let count = 0;
  const onBlock = (block: string): boolean => {
    let event = 'message';
    let data = '';
    for (const line of block.split('\n')) {
      if (line.startsWith('event:')) event = line.slice(6).trim();
      else if (line.startsWith('data:')) data += (data ? '\n' : '') + line.slice(5).trimStart();
    }
    if (event === 'complete') return true;
    if (data === '') return false;
    const payload = JSON.parse(data) as { data?: { pushQuery?: { row?: unknown } }; errors?: unknown };
    if (payload.errors) throw new Error(`SSE errors: ${JSON.stringify(payload.errors)}`);
    if (payload.data?.pushQuery?.row !== undefined) count++;
    return false;
  };
  const reader = res.body.getReader();
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buf += decoder.decode(value, { stream: true });
      let start = 0;
      for (let sep = buf.indexOf('\n\n'); sep !== -1; sep = buf.indexOf('\n\n', start)) {
        if (onBlock(buf.slice(start, sep))) return count;
        start = sep + 2;
      }
      buf = buf.slice(start);
    }
    if (buf.trim() !== '') onBlock(buf);
    return count;
  } finally {
    reader.cancel().catch(() => {});
  }
}

// ------------------------------------------------------------------ measuring

interface Stack {
  engine: Child;
  gateway: Child;
  graphqlUrl: string;
  wsUrl: string;
}

interface Sample {
  rowsPerSec: number;
  seconds: number;
  gatewayUsPerRow: number;
  /** Share of the gateway's CPU time spent in the kernel (socket writes, mostly). */
  gatewaySysShare: number;
  /** write/writev syscalls of the gateway per row (1 = one socket write per row). */
  gatewayWritesPerRow: number;
  /** read syscalls of the gateway per row. */
  gatewayReadsPerRow: number;
  engineUsPerRow: number;
  driverUsPerRow: number;
}

interface ModeResult {
  mode: string;
  label: string;
  /** Rows per run (all subscribers together). */
  rows: number;
  subscribers: number;
  median: Sample;
  samples: Sample[];
  gatewayPeakRssMb: number;
}

interface Mode {
  readonly key: string;
  readonly label: string;
  readonly subscribers: number;
  readonly rowsEach: number;
  drain(limit: number): Promise<number>;
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

async function runOnce(stack: Stack, mode: Mode, limit: number): Promise<Sample> {
  const g0t = cpuTimes(stack.gateway.pid);
  const g0 = g0t.user + g0t.sys;
  const io0 = syscalls(stack.gateway.pid);
  const e0 = cpuMs(stack.engine.pid);
  const d0 = driverCpuMs();
  const t0 = performance.now();
  const counts = await Promise.all(Array.from({ length: mode.subscribers }, () => mode.drain(limit)));
  const seconds = (performance.now() - t0) / 1000;
  const total = counts.reduce((a, b) => a + b, 0);
  if (counts.some((c) => c !== limit)) {
    throw new Error(`${mode.label}: expected ${limit} rows per subscriber, got ${counts.join(', ')}`);
  }
  const us = (ms: number) => (ms * 1000) / total;
  const g1t = cpuTimes(stack.gateway.pid);
  const gwMs = g1t.user + g1t.sys - g0;
  return {
    rowsPerSec: total / seconds,
    seconds,
    gatewayUsPerRow: mode.key.startsWith('direct') ? 0 : us(gwMs),
    gatewaySysShare: gwMs > 0 ? (g1t.sys - g0t.sys) / gwMs : 0,
    gatewayWritesPerRow: (syscalls(stack.gateway.pid).writes - io0.writes) / total,
    gatewayReadsPerRow: (syscalls(stack.gateway.pid).reads - io0.reads) / total,
    engineUsPerRow: us(cpuMs(stack.engine.pid) - e0),
    driverUsPerRow: us(driverCpuMs() - d0),
  };
}

async function measure(stack: Stack, mode: Mode, opts: Options): Promise<ModeResult> {
  const warm = Math.min(opts.warmupRows, mode.rowsEach);
  await runOnce(stack, mode, warm);
  resetPeak(stack.gateway.pid);
  const samples: Sample[] = [];
  for (let i = 0; i < opts.runs; i++) {
    const s = await runOnce(stack, mode, mode.rowsEach);
    samples.push(s);
    if (opts.verbose) process.stderr.write(`${mode.label} run ${i + 1}: ${fmtInt(s.rowsPerSec)} rows/s\n`);
  }
  const pick = (f: (s: Sample) => number) => median(samples.map(f));
  return {
    mode: mode.key,
    label: mode.label,
    rows: mode.rowsEach * mode.subscribers,
    subscribers: mode.subscribers,
    samples,
    median: {
      rowsPerSec: pick((s) => s.rowsPerSec),
      seconds: pick((s) => s.seconds),
      gatewayUsPerRow: pick((s) => s.gatewayUsPerRow),
      gatewaySysShare: pick((s) => s.gatewaySysShare),
      gatewayWritesPerRow: pick((s) => s.gatewayWritesPerRow),
      gatewayReadsPerRow: pick((s) => s.gatewayReadsPerRow),
      engineUsPerRow: pick((s) => s.engineUsPerRow),
      driverUsPerRow: pick((s) => s.driverUsPerRow),
    },
    gatewayPeakRssMb: statusKb(stack.gateway.pid, 'VmHWM') / 1024,
  };
}

function modes(stack: Stack, opts: Options): Mode[] {
  const K = opts.concurrency;
  const all: Mode[] = [
    { key: 'direct', label: 'direct /query (engine)', subscribers: 1, rowsEach: opts.rows, drain: (n) => drainDirect(stack.engine.url, n) },
    { key: 'ws', label: 'gateway graphql-ws', subscribers: 1, rowsEach: opts.rows, drain: (n) => drainWs(stack.wsUrl, n) },
    { key: 'sse', label: 'gateway SSE', subscribers: 1, rowsEach: opts.rows, drain: (n) => drainSse(stack.graphqlUrl, n) },
    {
      key: 'ws-typed',
      label: 'gateway graphql-ws, typed field',
      subscribers: 1,
      rowsEach: opts.rows,
      drain: async (n) => {
        await waitForTypedField(stack.graphqlUrl);
        return drainWsTyped(stack.wsUrl, n);
      },
    },
    {
      key: 'ws-batches',
      label: 'gateway graphql-ws, pushQueryBatches (500)',
      subscribers: 1,
      rowsEach: opts.rows,
      drain: (n) =>
        drainWsBatches(stack.wsUrl, { query: BATCH_SUBSCRIPTION, variables: { sql: sqlFor(n), p: PROPS } }, (data) => {
          const event = data?.pushQueryBatches as { rows?: unknown[] } | undefined;
          return event?.rows?.length ?? 0;
        }),
    },
    {
      key: 'ws-typed-batches',
      label: 'gateway graphql-ws, typed benchRowsBatches (500)',
      subscribers: 1,
      rowsEach: opts.rows,
      drain: async (n) => {
        await waitForTypedField(stack.graphqlUrl);
        return drainWsBatches(stack.wsUrl, { query: TYPED_BATCH_SUBSCRIPTION, variables: { limit: n } }, (data) => {
          const rows = data?.benchRowsBatches as unknown[] | undefined;
          return rows?.length ?? 0;
        });
      },
    },
    {
      key: 'direct-x',
      label: `direct /query x${K}`,
      subscribers: K,
      rowsEach: Math.min(opts.rows, opts.concurrentRows),
      drain: (n) => drainDirect(stack.engine.url, n),
    },
    {
      key: 'ws-x',
      label: `gateway graphql-ws x${K}`,
      subscribers: K,
      rowsEach: Math.min(opts.rows, opts.concurrentRows),
      drain: (n) => drainWs(stack.wsUrl, n),
    },
  ];
  return all.filter((m) => opts.modes.has(m.key));
}

/**
 * The engine's CLI arguments: in memory (the engine's default is a data
 * directory in the working directory, and the benchmark must neither write
 * into the tree nor find the previous run's stream there).
 */
const ENGINE_ARGS = ['engine', '--port', '0', '--in-memory', '--log-level', 'warn', '--set', 'ksql.max.push.queries=1000'];

async function startStack(opts: Options, gatewayNodeArgs: string[] = [], engine?: Child): Promise<Stack> {
  const eng = engine ?? (await startChildFor('engine', ENGINE_ARGS, opts));
  const gateway = await startChildFor(
    'gateway',
    [
      'serve',
      '--port',
      '0',
      '--ksql-url',
      eng.url,
      '--log-level',
      'warn',
      '--no-graphiql',
      '--schema-refresh-ms',
      '200',
      // the fan-out runs hold 10,000 subscriptions at once
      '--max-subscriptions',
      '0',
      '--max-subscriptions-per-connection',
      '0',
    ],
    opts,
    // --inspect lets the fan-out runs collect garbage before reading the heap (bench/scenarios.ts).
    ['--inspect=127.0.0.1:0', ...opts.gatewayNodeArgs, ...gatewayNodeArgs],
    opts.gatewayEntry,
  );
  const graphqlUrl = `${gateway.url}/graphql`;
  return { engine: eng, gateway, graphqlUrl, wsUrl: graphqlUrl.replace(/^http/, 'ws') };
}

// ------------------------------------------------------------------ resume

interface ResumeResult {
  readonly missed: number;
  readonly directFirstMs: number;
  readonly directAllMs: number;
  readonly gatewayFirstMs: number;
  readonly gatewayAllMs: number;
  readonly resumers: number;
  readonly stormSeconds: number;
  readonly stormPeakUpstreamQueries: number;
  /** A resume served by a live query's replay window. */
  readonly windowFirstMs: number;
  readonly windowAllMs: number;
  readonly windowExtraUpstreamQueries: number;
}

/** Push queries running on the engine now (SHOW QUERIES). */
async function enginePushQueries(engineUrl: string): Promise<number> {
  const [entity] = (await ksql(engineUrl, 'SHOW QUERIES;')) as Array<{ queries?: Array<{ queryType: string }> }>;
  return (entity?.queries ?? []).filter((q) => q.queryType === 'PUSH').length;
}

/** Times a `/query` push query's first row and its `limit` rows. */
async function timeDirect(engineUrl: string, sql: string, limit: number): Promise<{ firstMs: number; allMs: number }> {
  const t0 = performance.now();
  let first = NaN;
  const count = await readQuery(engineUrl, sql, () => (first = performance.now() - t0));
  if (count !== limit) throw new Error(`direct resume: expected ${limit} rows, got ${count}`);
  return { firstMs: first, allMs: performance.now() - t0 };
}

/**
 * Times a typed subscription from `after` (without a limit, as a client
 * resumes; so it joins a resume group): its first event and its first
 * `rows` events, then leaves.
 */
function timeResumed(wsUrl: string, after: string, rows: number): Promise<{ firstMs: number; allMs: number }> {
  const client = createClient({ url: wsUrl, webSocketImpl: WebSocket, lazy: true, retryAttempts: 0 });
  const t0 = performance.now();
  let first = NaN;
  let count = 0;
  return new Promise<{ firstMs: number; allMs: number }>((res, rej) => {
    const dispose = client.subscribe(
      { query: 'subscription($after: String!) { benchRows(after: $after) { id } }', variables: { after } },
      {
        next: (result) => {
          if (result.errors) return rej(new Error(`resume: ${JSON.stringify(result.errors)}`));
          if (count++ === 0) first = performance.now() - t0;
          if (count === rows) {
            res({ firstMs: first, allMs: performance.now() - t0 });
            dispose();
          }
        },
        error: (err: unknown) => rej(err instanceof Error ? err : new Error(JSON.stringify(err))),
        complete: () => (count >= rows ? undefined : rej(new Error(`resume: expected ${rows} rows, got ${count}`))),
      },
    );
  }).finally(() => client.dispose());
}

/**
 * Resuming after the row `rows - missed` of the bench stream: the resumed
 * subscription against the statement it runs, sent to the engine directly;
 * then `resumers` subscribers resuming at once from the same cursor (a
 * reconnect storm), with the most upstream push queries seen meanwhile.
 */
async function resumeScenario(stack: Stack, rows: number, missed: number, resumers: number): Promise<ResumeResult> {
  await waitForTypedField(stack.graphqlUrl);
  // The cursor of row `rows - missed`, as a client that read that far holds it.
  const client = createClient({ url: stack.wsUrl, webSocketImpl: WebSocket, lazy: true, retryAttempts: 0 });
  const cursor = await new Promise<string>((res, rej) => {
    let last = '';
    client.subscribe<{ benchRowsBatches: Array<{ _cursor: string }> }>(
      { query: `subscription { benchRowsBatches(fromBeginning: true, limit: ${rows - missed}, maxRows: 1000) { _cursor } }` },
      {
        next: (r) => {
          if (r.errors) rej(new Error(JSON.stringify(r.errors)));
          last = r.data?.benchRowsBatches.at(-1)?._cursor ?? last;
        },
        error: (e: unknown) => rej(e instanceof Error ? e : new Error(JSON.stringify(e))),
        complete: () => res(last),
      },
    );
  }).finally(() => client.dispose());
  // What the gateway sends ksqlDB for it (one partition, offsets from 0; docs/resume.md).
  // It also takes the cursor's own row (skipped by the gateway; docs/resume.md "Expired cursors").
  const sql = `SELECT ID, ROWPARTITION, ROWOFFSET FROM ${STREAM} WHERE (ROWPARTITION = 0 AND ROWOFFSET >= ${rows - missed - 1}) OR (ROWPARTITION NOT IN (0) AND ROWTIME >= 0) EMIT CHANGES LIMIT ${missed + 1};`;
  await timeDirect(stack.engine.url, sql, missed + 1); // warm-up
  const direct = await timeDirect(stack.engine.url, sql, missed + 1);
  await timeResumed(stack.wsUrl, cursor, missed); // warm-up
  const gateway = await timeResumed(stack.wsUrl, cursor, missed);

  let peak = 0;
  let polling = true;
  // Not an IIFE: TS would read its body in line, as if `polling` could not change while it waits.
  const pollPeak = async () => {
    while (polling) {
      peak = Math.max(peak, await enginePushQueries(stack.engine.url));
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  const poll = pollPeak();
  const t0 = performance.now();
  try {
    await Promise.all(Array.from({ length: resumers }, () => timeResumed(stack.wsUrl, cursor, missed)));
  } finally {
    polling = false;
    await poll;
  }
  const stormSeconds = (performance.now() - t0) / 1000;
  const window = await windowResume(stack, rows, missed);
  return {
    missed,
    windowFirstMs: window.firstMs,
    windowAllMs: window.allMs,
    windowExtraUpstreamQueries: window.extraUpstreamQueries,
    directFirstMs: direct.firstMs,
    directAllMs: direct.allMs,
    gatewayFirstMs: gateway.firstMs,
    gatewayAllMs: gateway.allMs,
    resumers,
    stormSeconds,
    stormPeakUpstreamQueries: peak,
  };
}

/**
 * A client away briefly: a live subscriber of `benchRows { id _cursor }`
 * holds the shared query while `missed` new rows are written; a resumer from
 * the cursor of the first of them gets the other `missed - 1` from the live
 * query's replay window (no catch-up query, no gathering wait).
 */
async function windowResume(stack: Stack, rows: number, missed: number): Promise<{ firstMs: number; allMs: number; extraUpstreamQueries: number }> {
  const client = createClient({ url: stack.wsUrl, webSocketImpl: WebSocket, lazy: false, retryAttempts: 0 });
  const cursors: string[] = [];
  let failed: unknown;
  const dispose = client.subscribe<{ benchRows: { _cursor: string } }>(
    { query: 'subscription { benchRows { id _cursor } }' },
    { next: (r) => void (r.errors ? (failed = r.errors) : cursors.push(r.data?.benchRows._cursor ?? '')), error: (e) => void (failed = e), complete: () => {} },
  );
  try {
    const before = await enginePushQueries(stack.engine.url);
    for (let i = 0; i < 200 && (await enginePushQueries(stack.engine.url)) === before; i++) await new Promise((r) => setTimeout(r, 10));
    const queries = await enginePushQueries(stack.engine.url);
    // New rows, with ids after the bench's.
    const bodies = produceBodies(rows + missed, 1_000, 'fast').slice(Math.ceil(rows / 1_000));
    await produce(stack.engine.url, bodies);
    for (let i = 0; i < 1_000 && cursors.length < missed && failed === undefined; i++) await new Promise((r) => setTimeout(r, 10));
    if (failed !== undefined || cursors.length < missed) throw new Error(`window resume: the live subscriber got ${cursors.length} rows (${JSON.stringify(failed)})`);
    const timed = await timeResumed(stack.wsUrl, cursors[0] as string, missed - 1);
    return { ...timed, extraUpstreamQueries: (await enginePushQueries(stack.engine.url)) - queries };
  } finally {
    dispose();
    await client.dispose();
  }
}

// ------------------------------------------------------------------ profiling

interface ProfileResult {
  mode: string;
  file: string;
  rows: number;
  summary: ProfileSummary;
}

async function profileMode(
  engine: Child,
  opts: Options,
  mode: 'ws' | 'sse' | 'ws-typed',
): Promise<ProfileResult> {
  const dir = join(opts.profileDir, mode);
  mkdirSync(dir, { recursive: true });
  const stack = await startStack(opts, ['--cpu-prof', '--cpu-prof-dir', dir, '--cpu-prof-interval', '200'], engine);
  try {
    const drain =
      mode === 'ws'
        ? (n: number) => drainWs(stack.wsUrl, n)
        : mode === 'sse'
          ? (n: number) => drainSse(stack.graphqlUrl, n)
          : async (n: number) => {
              await waitForTypedField(stack.graphqlUrl);
              return drainWsTyped(stack.wsUrl, n);
            };
    await drain(Math.min(opts.warmupRows, opts.rows));
    const got = await drain(opts.rows);
    if (got !== opts.rows) throw new Error(`profile ${mode}: expected ${opts.rows} rows, got ${got}`);
  } finally {
    await stack.gateway.stop();
  }
  const file = readdirSync(dir)
    // CPU.<date>.<time>.<pid>.<thread>.<seq>.cpuprofile: thread 0 is the main
    // thread (with tsx, thread 1 is the module-loader worker).
    .filter((f) => /\.0\.\d+\.cpuprofile$/.test(f))
    .map((f) => join(dir, f))
    .sort()
    .pop();
  if (!file) throw new Error(`profile ${mode}: no .cpuprofile written in ${dir}`);
  return { mode, file, rows: opts.rows + Math.min(opts.warmupRows, opts.rows), summary: summarizeProfile(loadProfile(file), 30) };
}

// ------------------------------------------------------------------ output

function fmtInt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

function table(results: ModeResult[]): string {
  const direct = results.find((r) => r.mode === 'direct')?.median.rowsPerSec;
  const directX = results.find((r) => r.mode === 'direct-x')?.median.rowsPerSec;
  const head = ['mode', 'rows/run', 'rows/s (median)', 'vs direct', 'gw CPU µs/row', 'gw sys%', 'gw writes/row', 'gw reads/row', 'engine µs/row', 'driver µs/row', 'gw peak RSS MB'];
  const body = results.map((r) => {
    const base = r.subscribers > 1 ? directX : direct;
    const ratio = base && !r.mode.startsWith('direct') ? `${(r.median.rowsPerSec / base).toFixed(2)}x` : r.mode.startsWith('direct') ? '1.00x' : '-';
    return [
      r.label,
      fmtInt(r.rows),
      fmtInt(r.median.rowsPerSec),
      ratio,
      r.mode.startsWith('direct') ? '-' : r.median.gatewayUsPerRow.toFixed(2),
      r.mode.startsWith('direct') ? '-' : `${(r.median.gatewaySysShare * 100).toFixed(0)}%`,
      r.mode.startsWith('direct') ? '-' : r.median.gatewayWritesPerRow.toFixed(3),
      r.mode.startsWith('direct') ? '-' : r.median.gatewayReadsPerRow.toFixed(3),
      r.median.engineUsPerRow.toFixed(2),
      r.median.driverUsPerRow.toFixed(2),
      r.mode.startsWith('direct') ? '-' : r.gatewayPeakRssMb.toFixed(0),
    ];
  });
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((row) => (row[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}

// ------------------------------------------------------------------ main

async function main(): Promise<void> {
  const opts = parseOptions(process.argv.slice(2));
  const machine = {
    date: new Date().toISOString(),
    node: process.version,
    cores: cpus().length,
    cpu: cpus()[0]?.model ?? 'unknown',
    runner:
      (opts.dist ? 'dist (bin/ksqldb-gateway.js)' : 'src via tsx (bench/cli.ts)') +
      (opts.gatewayEntry ? `; gateway from ${opts.gatewayEntry}` : ''),
  };
  const log = (s: string) => process.stdout.write(s + '\n');
  log(
    `ksqldb-graphql-gateway bench: ${machine.date}, node ${machine.node}, ${machine.cores} cores (${machine.cpu}), ${machine.runner}`,
  );
  log(`load average at start: ${loadavg().map((l) => l.toFixed(2)).join(' ')} (other processes on this machine skew rows/s; CPU µs/row is steadier)`);
  log(
    `rows=${opts.rows} runs=${opts.runs} (median) warmup=${opts.warmupRows} concurrency=${opts.concurrency}x${Math.min(opts.rows, opts.concurrentRows)} values=${opts.values}`,
  );

  const engine = await startChildFor('engine', ENGINE_ARGS, opts);
  let stack: Stack | undefined;
  try {
    const ing = await ingest(engine.url, opts);
    log(`ingest: ${fmtInt(opts.rows)} rows in ${ing.seconds.toFixed(2)} s = ${fmtInt(ing.rowsPerSec)} rows/s (POST /topics, ${opts.batch} rows/batch)`);

    const results: ModeResult[] = [];
    const fanouts: FanoutResult[] = [];
    const latencies: LatencyResult[] = [];
    let gatewayCpuTotalMs = NaN;
    let gatewayPeakRssMb = NaN;
    let engineRssMb = NaN;
    let gatewayIdleRssMb = NaN;
    if (!opts.profileOnly) {
      stack = await startStack(opts, [], engine);
      gatewayIdleRssMb = statusKb(stack.gateway.pid, 'VmRSS') / 1024;
      log(`gateway started: RSS ${gatewayIdleRssMb.toFixed(0)} MB before any request`);
      const gwCpu0 = cpuMs(stack.gateway.pid);
      for (const mode of modes(stack, opts)) {
        const r = await measure(stack, mode, opts);
        results.push(r);
        log(`  ${r.label}: ${fmtInt(r.median.rowsPerSec)} rows/s (runs: ${r.samples.map((s) => fmtInt(s.rowsPerSec)).join(', ')})`);
      }
      gatewayCpuTotalMs = cpuMs(stack.gateway.pid) - gwCpu0;
      for (const typed of [false, true]) {
        if (!opts.modes.has(typed ? 'fanout-typed' : 'fanout')) continue;
        for (const f of opts.fanout) {
          const r = await fanout(stack, { ...f, perSocket: opts.fanoutPerSocket, typed });
          fanouts.push(r);
          log(
            `  ${r.label}: delivered in ${r.deliverSeconds.toFixed(2)} s (subscribing took ${r.subscribeSeconds.toFixed(1)} s; CPU while delivering: gateway ${r.gatewayCpuSeconds.toFixed(1)} s, driver ${r.driverCpuSeconds.toFixed(1)} s); gateway peak RSS ${r.gatewayPeakRssMb.toFixed(0)} MB; heap ${r.heapIdleMb.toFixed(0)} MB idle, ${r.heapJoinedMb.toFixed(0)} MB with all joined, ${r.heapAfterLeaveMb.toFixed(0)} MB after all left (RSS ${r.rssAfterLeaveMb.toFixed(0)} MB)`,
          );
        }
      }
      if (opts.modes.has('info')) latencies.push(...(await info(stack, opts.infoConcurrency, opts.seconds)));
      if (opts.modes.has('pull')) latencies.push(...(await pull(stack, opts.seconds)));
      if (opts.modes.has('resume')) {
        const r = await resumeScenario(stack, opts.rows, Math.min(1_000, Math.floor(opts.rows / 2)), 50);
        log(
          `  resume after row ${fmtInt(opts.rows - r.missed)} of ${fmtInt(opts.rows)} (${fmtInt(r.missed)} missed): ` +
            `gateway first event ${r.gatewayFirstMs.toFixed(1)} ms, all ${r.gatewayAllMs.toFixed(1)} ms (250 ms of it gathering resumers); ` +
            `its statement sent to the engine directly: first row ${r.directFirstMs.toFixed(1)} ms, all ${r.directAllMs.toFixed(1)} ms`,
        );
        log(
          `  resume from a live query's replay window (${fmtInt(r.missed - 1)} missed): first event ${r.windowFirstMs.toFixed(1)} ms, ` +
            `all ${r.windowAllMs.toFixed(1)} ms, ${r.windowExtraUpstreamQueries} more upstream push queries`,
        );
        log(
          `  resume storm: ${r.resumers} subscribers resuming at once from that cursor: all caught up in ${r.stormSeconds.toFixed(2)} s, ` +
            `at most ${r.stormPeakUpstreamQueries} upstream push queries at a time`,
        );
      }
      // The whole-run peak cannot be read after per-mode resets; report the max of the per-mode peaks.
      gatewayPeakRssMb = Math.max(
        ...results.filter((r) => !r.mode.startsWith('direct')).map((r) => r.gatewayPeakRssMb),
        ...fanouts.map((f) => f.gatewayPeakRssMb),
      );
      engineRssMb = statusKb(engine.pid, 'VmHWM') / 1024;
      await stack.gateway.stop();
      stack = undefined;
      log('');
      log(table(results));
      log('');
      const direct = results.find((r) => r.mode === 'direct');
      for (const r of results.filter((x) => !x.mode.startsWith('direct'))) {
        const base = r.subscribers > 1 ? results.find((x) => x.mode === 'direct-x') : direct;
        if (base) log(`ratio ${r.label} / ${base.label}: ${(r.median.rowsPerSec / base.median.rowsPerSec).toFixed(3)}`);
      }
      for (let i = 0; i + 1 < latencies.length; i += 2) {
        const [d, g] = [latencies[i] as LatencyResult, latencies[i + 1] as LatencyResult];
        for (const r of [d, g]) {
          log(`${r.label}: ${fmtInt(r.requestsPerSec)} req/s, p50 ${r.p50Ms.toFixed(2)} ms, p99 ${r.p99Ms.toFixed(2)} ms`);
        }
        log(`ratio ${g.label} / ${d.label}: ${(g.requestsPerSec / d.requestsPerSec).toFixed(3)} (p50 +${(g.p50Ms - d.p50Ms).toFixed(2)} ms)`);
      }
      log(`gateway peak RSS (VmHWM, max over modes): ${gatewayPeakRssMb.toFixed(0)} MB; gateway CPU over all modes: ${(gatewayCpuTotalMs / 1000).toFixed(1)} s; engine peak RSS: ${engineRssMb.toFixed(0)} MB`);
    }

    log(`load average at end: ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
    const profiles: ProfileResult[] = [];
    if (opts.profile) {
      for (const mode of (['ws', 'sse', 'ws-typed'] as const).filter((m) => opts.modes.has(m))) {
        const p = await profileMode(engine, opts, mode);
        profiles.push(p);
        log('');
        log(formatSummary(p.summary, `gateway CPU profile, ${mode} drain (${p.file})`, p.rows, { stages: true }));
      }
    }

    if (opts.json) {
      log(
        JSON.stringify({
          bench: 'gateway',
          machine,
          options: { rows: opts.rows, runs: opts.runs, warmupRows: opts.warmupRows, concurrency: opts.concurrency, concurrentRows: Math.min(opts.rows, opts.concurrentRows), values: opts.values, batch: opts.batch },
          ingestRowsPerSec: Math.round(ing.rowsPerSec),
          modes: Object.fromEntries(
            results.map((r) => [
              r.mode,
              {
                rowsPerRun: r.rows,
                subscribers: r.subscribers,
                rowsPerSec: Math.round(r.median.rowsPerSec),
                runs: r.samples.map((s) => Math.round(s.rowsPerSec)),
                gatewayCpuUsPerRow: round2(r.median.gatewayUsPerRow),
                gatewaySysShare: round2(r.median.gatewaySysShare),
                gatewayWritesPerRow: Math.round(r.median.gatewayWritesPerRow * 1000) / 1000,
                gatewayReadsPerRow: Math.round(r.median.gatewayReadsPerRow * 1000) / 1000,
                engineCpuUsPerRow: round2(r.median.engineUsPerRow),
                driverCpuUsPerRow: round2(r.median.driverUsPerRow),
                gatewayPeakRssMb: r.mode.startsWith('direct') ? null : Math.round(r.gatewayPeakRssMb),
              },
            ]),
          ),
          ratios: ratios(results),
          fanout: fanouts.map((f) => ({ ...f, deliverSeconds: round2(f.deliverSeconds), subscribeSeconds: round2(f.subscribeSeconds) })),
          latency: latencies.map((l) => ({ ...l, requestsPerSec: Math.round(l.requestsPerSec), p50Ms: round2(l.p50Ms), p99Ms: round2(l.p99Ms) })),
          gatewayPeakRssMb: Number.isFinite(gatewayPeakRssMb) ? Math.round(gatewayPeakRssMb) : null,
          gatewayIdleRssMb: Number.isFinite(gatewayIdleRssMb) ? Math.round(gatewayIdleRssMb) : null,
          gatewayCpuSeconds: Number.isFinite(gatewayCpuTotalMs) ? round2(gatewayCpuTotalMs / 1000) : null,
          enginePeakRssMb: Number.isFinite(engineRssMb) ? Math.round(engineRssMb) : null,
          profiles: profiles.map((p) => ({
            mode: p.mode,
            file: p.file,
            busyUsPerRow: round2(p.summary.busyUs / p.rows),
            stagesPercent: p.summary.stages.map((e) => [e.name, round2(e.share * 100)]),
            topGroups: p.summary.groups.slice(0, 10).map((e) => [e.name, round2(e.share * 100)]),
          })),
        }),
      );
    }
  } finally {
    await stack?.gateway.stop().catch(() => {});
    await engine.stop().catch(() => {});
  }
}

function round2(n: number): number {
  return Math.round(n * 100) / 100;
}

function ratios(results: ModeResult[]): Record<string, number> {
  const out: Record<string, number> = {};
  const direct = results.find((r) => r.mode === 'direct');
  const directX = results.find((r) => r.mode === 'direct-x');
  for (const r of results) {
    if (r.mode.startsWith('direct')) continue;
    const base = r.subscribers > 1 ? directX : direct;
    if (base) out[`${r.mode}/${base.mode}`] = Math.round((r.median.rowsPerSec / base.median.rowsPerSec) * 1000) / 1000;
  }
  return out;
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    killAll('SIGKILL');
    if (interrupted) process.exit(130); // the drains fail once the children are gone
    console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
    process.exit(1);
  },
);
