/**
 * Embedded engine throughput benchmark (`npm run bench:engine`).
 *
 * The engine runs in a child process (`node bin/ksqldb-gateway.js engine
 * --port 0 --in-memory`, built by `npm run build`) so this driver does not
 * share its CPU. For N generated records (default 1,000,000) it prints:
 *
 *   ingest     rows/s through `POST /topics/{topic}` (batches of --batch records)
 *   filter     rows/s (input records per second) through
 *              `SELECT ... FROM s WHERE <predicate> EMIT CHANGES LIMIT k`
 *              with auto.offset.reset=earliest, k = the number of matching
 *              records (the last record matches, so the whole topic is read)
 *   aggregate  rows/s through a CTAS with GROUP BY: time from the statement
 *              until the table reflects every input record ("not available
 *              yet" when the engine rejects CTAS)
 *   lookup     key lookups (`SELECT ... WHERE ID = 'k'`, POST /query, one at a
 *              time) on a CTAS with one row per record: p50/p99 of 1,000
 *              random keys after 5,000 to warm up, and beside them the same lookup as a table scan
 *   ceiling    rows/s of a bare `JSON.parse` + `JSON.stringify` loop over the
 *              same records in this process: what one Node thread can do
 *
 * with the engine child's peak RSS (VmHWM from /proc/<pid>/status, reset via
 * clear_refs before each phase when permitted) and the filter/ceiling ratio
 * (target: at least 1/3). When `engine --help` lists `--data-dir`, ingest and
 * filter are repeated with a durable engine in a temporary directory, then
 *
 *   restart    the durable engine, holding the records and a CTAS aggregate
 *              over them, is killed (-9) after its checkpoint and started
 *              again: seconds from spawn to the aggregate answering every
 *              record (target <= 5 s at 1,000,000 records), and the same
 *              with the state database removed (re-reading all input)
 *
 * With --profile, a further engine child runs under `node --cpu-prof` for an
 * ingest + filter drain of --profile-records records, and the hot spots of
 * the ingest and of the filter drain are printed (bench/profile-summary.ts;
 * its "pipeline stage" heuristic is the gateway's: read the module groups
 * and functions instead).
 *
 * Flags: --records N (1000000)  --batch N (1000)  --tsx (run src/ through
 *        bench/cli.ts instead of dist/)  --no-durable  --no-in-memory (durable only)
 *        --engine-node-arg ARG (repeatable: a node flag for the engine child,
 *        e.g. --max-old-space-size=256)  --no-aggregate  --no-lookup  --no-restart
 *        --profile  --profile-records N (min(records, 300000))  --profile-dir DIR
 *        --json  --verbose
 *
 * @module
 */
import { spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { request } from 'undici';
import { cpuMs, resetPeak, startChild, statusKb, type Child } from './process.js';
import { formatSummary, inclusiveMatching, loadProfile, summarizeProfile } from './profile-summary.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

// ------------------------------------------------------------------ flags

interface Options {
  records: number;
  batch: number;
  tsx: boolean;
  durable: boolean;
  inMemory: boolean;
  engineNodeArgs: string[];
  aggregate: boolean;
  lookup: boolean;
  restart: boolean;
  profile: boolean;
  profileRecords: number;
  profileDir: string;
  json: boolean;
  verbose: boolean;
}

function parseOptions(argv: readonly string[]): Options {
  const o: Options = {
    records: 1_000_000,
    batch: 1000,
    tsx: false,
    durable: true,
    inMemory: true,
    engineNodeArgs: [],
    aggregate: true,
    lookup: true,
    restart: true,
    profile: false,
    profileRecords: 0,
    profileDir: join(tmpdir(), 'ksqldb-bench-engine-prof'),
    json: false,
    verbose: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    switch (a) {
      case '--records':
        o.records = Number(next());
        break;
      case '--batch':
        o.batch = Number(next());
        break;
      case '--tsx':
        o.tsx = true;
        break;
      case '--no-durable':
        o.durable = false;
        break;
      case '--no-in-memory':
        o.inMemory = false;
        break;
      case '--engine-node-arg':
        o.engineNodeArgs.push(next());
        break;
      case '--no-lookup':
        o.lookup = false;
        break;
      case '--no-restart':
        o.restart = false;
        break;
      case '--no-aggregate':
        o.aggregate = false;
        break;
      case '--profile':
        o.profile = true;
        break;
      case '--profile-records':
        o.profileRecords = Number(next());
        break;
      case '--profile-dir':
        o.profileDir = resolve(next());
        break;
      case '--json':
        o.json = true;
        break;
      case '--verbose':
        o.verbose = true;
        break;
      case '--help':
      case '-h':
        process.stdout.write(readFileSync(fileURLToPath(import.meta.url), 'utf8').split('*/')[0] + '*/\n');
        process.exit(0);
        break;
      default:
        throw new Error(`unknown flag ${a}`);
    }
  }
  if (!Number.isSafeInteger(o.records) || o.records < 10) throw new Error('--records must be an integer >= 10');
  if (!Number.isSafeInteger(o.batch) || o.batch < 1) throw new Error('--batch must be a positive integer');
  if (o.profileRecords === 0) o.profileRecords = Math.min(o.records, 300_000);
  return o;
}

// ------------------------------------------------------------------ children

function entry(opts: Options): string[] {
  return opts.tsx ? ['--import', 'tsx', join(ROOT, 'bench/cli.ts')] : [join(ROOT, 'bin/ksqldb-gateway.js')];
}

function startEngine(opts: Options, cliArgs: string[], nodeArgs: string[] = []): Promise<Child> {
  return startChild({
    name: 'engine',
    argv: [...nodeArgs, ...entry(opts), 'engine', '--port', '0', '--log-level', 'warn', ...cliArgs],
    cwd: ROOT,
    verbose: opts.verbose,
    stopTimeoutMs: 30_000,
  });
}

// ------------------------------------------------------------------ data

const STREAM = 'BENCH_S';
const TOPIC = 'bench_s';
const COLUMNS = 'ID STRING KEY, QTY INT, PRICE DOUBLE, NAME STRING, REGION STRING, TS BIGINT';
const REGIONS = ['eu', 'us', 'apac', 'latam', 'mea'];
/** ~10% of records: QTY >= 900 and REGION = 'eu' is 1/10 * 1/5; widen with OR. */
const PREDICATE = "QTY >= 900 OR (REGION = 'eu' AND PRICE < 50)";
const FILTER_SQL = (limit: number) =>
  `SELECT ID, QTY, PRICE, UCASE(NAME) AS NAME, REGION FROM ${STREAM} WHERE ${PREDICATE} EMIT CHANGES LIMIT ${limit};`;

interface Dataset {
  /** Produce bodies, one per batch. */
  readonly bodies: string[];
  /** The record texts (`{"key":...,"value":{...}}`) for the ceiling loop. */
  readonly records: string[];
  readonly matches: number;
}

function dataset(n: number, batch: number): Dataset {
  let seed = 42;
  const rand = () => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return (seed >>> 0) / 4294967296;
  };
  const t0 = 1_764_000_000_000;
  const records: string[] = [];
  let matches = 0;
  for (let i = 0; i < n; i++) {
    let qty = Math.floor(rand() * 1000);
    if (i === n - 1) qty = 999; // the last record matches: the query reads the whole topic
    const price = Math.round(rand() * 100_000) / 100;
    const region = REGIONS[i % REGIONS.length] as string;
    if (qty >= 900 || (region === 'eu' && price < 50)) matches++;
    records.push(
      `{"key":"id-${i}","value":{"QTY":${qty},"PRICE":${price},"NAME":"name-${i}","REGION":"${region}","TS":${t0 + i}}}`,
    );
  }
  const bodies: string[] = [];
  for (let s = 0; s < n; s += batch) bodies.push(`{"records":[${records.slice(s, s + batch).join(',')}]}`);
  return { bodies, records, matches };
}

// ------------------------------------------------------------------ REST

async function ksql(url: string, statement: string, props: Record<string, unknown> = {}): Promise<{ status: number; body: unknown }> {
  const res = await request(`${url}/ksql`, {
    method: 'POST',
    headers: { 'content-type': 'application/vnd.ksql.v1+json', accept: 'application/vnd.ksql.v1+json' },
    body: JSON.stringify({ ksql: statement, streamsProperties: props }),
  });
  const text = await res.body.text();
  return { status: res.statusCode, body: JSON.parse(text) as unknown };
}

async function ksqlOk(url: string, statement: string, props: Record<string, unknown> = {}): Promise<unknown> {
  const r = await ksql(url, statement, props);
  if (r.status !== 200) throw new Error(`${statement} → ${r.status}: ${JSON.stringify(r.body)}`);
  return r.body;
}

async function ingest(url: string, data: Dataset): Promise<number> {
  await ksqlOk(url, `CREATE STREAM ${STREAM} (${COLUMNS}) WITH (KAFKA_TOPIC='${TOPIC}', VALUE_FORMAT='JSON', PARTITIONS=1);`);
  const t0 = performance.now();
  for (const body of data.bodies) {
    const res = await request(`${url}/topics/${TOPIC}`, {
      method: 'POST',
      headers: { 'content-type': 'application/vnd.kafka.json.v2+json', accept: 'application/vnd.kafka.v2+json, application/json' },
      body,
    });
    const text = await res.body.text();
    if (res.statusCode !== 200) throw new Error(`produce → ${res.statusCode}: ${text.slice(0, 500)}`);
  }
  return (performance.now() - t0) / 1000;
}

/** Runs a push query to its LIMIT; returns the rows received. */
async function drain(url: string, sql: string): Promise<number> {
  const res = await request(`${url}/query`, {
    method: 'POST',
    headers: { 'content-type': 'application/vnd.ksql.v1+json', accept: 'application/vnd.ksql.v1+json' },
    body: JSON.stringify({ ksql: sql, streamsProperties: { 'ksql.streams.auto.offset.reset': 'earliest' } }),
  });
  if (res.statusCode !== 200) throw new Error(`/query → ${res.statusCode}: ${await res.body.text()}`);
  const decoder = new TextDecoder();
  let buf = '';
  let rows = 0;
  const count = (line: string) => {
    if (line.includes('"errorMessage"')) throw new Error(`/query error: ${line.slice(0, 500)}`);
    if (line.includes('"row"')) rows++;
  };
  for await (const chunk of res.body as AsyncIterable<Buffer>) {
    buf += decoder.decode(chunk, { stream: true });
    let start = 0;
    for (let nl = buf.indexOf('\n'); nl !== -1; nl = buf.indexOf('\n', start)) {
      count(buf.slice(start, nl));
      start = nl + 1;
    }
    buf = buf.slice(start);
  }
  count(buf + decoder.decode());
  return rows;
}

async function filterPhase(url: string, data: Dataset): Promise<number> {
  const t0 = performance.now();
  const rows = await drain(url, FILTER_SQL(data.matches));
  const seconds = (performance.now() - t0) / 1000;
  if (rows !== data.matches) throw new Error(`filter: expected ${data.matches} rows, got ${rows}`);
  return seconds;
}

type AggregateResult = { available: false; reason: string } | { available: true; seconds: number };

const AGGREGATE_SQL = `CREATE TABLE BENCH_AGG AS SELECT REGION, COUNT(*) AS N, SUM(QTY) AS Q FROM ${STREAM} GROUP BY REGION EMIT CHANGES;`;

async function aggregatePhase(url: string, n: number): Promise<AggregateResult> {
  const props = { 'ksql.streams.auto.offset.reset': 'earliest' };
  const t0 = performance.now();
  const r = await ksql(url, AGGREGATE_SQL, props);
  if (r.status !== 200) {
    const msg = (r.body as { message?: string }).message ?? JSON.stringify(r.body);
    return { available: false, reason: msg.split('\n')[0] ?? msg };
  }
  await aggregateCaughtUp(url, n);
  return { available: true, seconds: (performance.now() - t0) / 1000 };
}

/**
 * Resolves once BENCH_AGG's counts over all groups add up to n: a pull query
 * if the engine has them, else the sink topic's latest value per key.
 */
async function aggregateCaughtUp(url: string, n: number): Promise<void> {
  const deadline = performance.now() + 30 * 60_000;
  let usePull = true;
  for (;;) {
    let total = -1;
    if (usePull) {
      const q = await request(`${url}/query`, {
        method: 'POST',
        headers: { 'content-type': 'application/vnd.ksql.v1+json', accept: 'application/vnd.ksql.v1+json' },
        body: JSON.stringify({ ksql: 'SELECT REGION, N FROM BENCH_AGG;', streamsProperties: {} }),
      });
      const text = await q.body.text();
      if (q.statusCode !== 200) usePull = false;
      else {
        total = 0;
        for (const m of text.matchAll(/"columns":\["[^"]*",(\d+)\]/g)) total += Number(m[1]);
      }
    }
    if (!usePull) {
      const q = await request(`${url}/topics/BENCH_AGG/records`);
      const records = (await q.body.json()) as { key: unknown; value: { N?: number } | null }[];
      const last = new Map<string, number>();
      for (const rec of records) last.set(JSON.stringify(rec.key), rec.value?.N ?? 0);
      total = [...last.values()].reduce((a, b) => a + b, 0);
    }
    if (total >= n) return;
    if (performance.now() > deadline) throw new Error(`aggregate: only ${total} of ${n} counted after 30 minutes`);
    await new Promise((res) => setTimeout(res, 20));
  }
}

// ------------------------------------------------------------------ restart

interface RestartResult {
  /** From spawning the engine to the aggregate answering every record, resuming from its checkpoint. */
  readonly checkpointedSeconds: number;
  /** The same with the state database removed: the query re-reads all its input. */
  readonly replaySeconds: number;
  readonly aggregateSeconds: number;
}

/**
 * A durable engine holding the dataset and a CTAS aggregate over it is
 * killed (-9) after its checkpoint and started again; then again without
 * its state database, which is what every restart cost before checkpoints.
 */
async function restartPhase(opts: Options, engine: Child, dir: string, n: number): Promise<RestartResult> {
  const aggregate = await aggregatePhase(engine.url, n);
  if (!aggregate.available) throw new Error(`restart: no aggregate (${aggregate.reason})`);
  // Two checkpoint intervals (1 s by default): the last checkpoint has the whole input.
  await new Promise((r) => setTimeout(r, 2_500));
  const args = ['--no-in-memory', '--data-dir', dir];
  const timed = async (): Promise<number> => {
    const t0 = performance.now();
    const child = await startEngine(opts, args, opts.engineNodeArgs);
    try {
      await aggregateCaughtUp(child.url, n);
      const s = (performance.now() - t0) / 1000;
      await new Promise((r) => setTimeout(r, 2_500));
      return s;
    } finally {
      child.proc.kill('SIGKILL');
      await once(child.proc, 'exit').catch(() => {});
    }
  };
  engine.proc.kill('SIGKILL');
  await once(engine.proc, 'exit').catch(() => {});
  const checkpointedSeconds = await timed();
  rmSync(join(dir, 'state.mdb'), { force: true });
  rmSync(join(dir, 'state.mdb-lock'), { force: true });
  const replaySeconds = await timed();
  return { checkpointedSeconds, replaySeconds, aggregateSeconds: aggregate.seconds };
}

// ------------------------------------------------------------------ key lookups

interface LookupResult {
  readonly keys: number;
  /** Seconds until the CTAS held every key. */
  readonly materializeSeconds: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly samples: number;
  /** The same lookup written so that it cannot be served by key (`ID = k OR ID = k`): a scan of the table. */
  readonly scanP50Ms: number;
  readonly scanSamples: number;
}

/** One pull query through POST /query; its rows. */
async function pull(url: string, sql: string): Promise<number> {
  const res = await request(`${url}/query`, {
    method: 'POST',
    headers: { 'content-type': 'application/vnd.ksql.v1+json', accept: 'application/vnd.ksql.v1+json' },
    body: JSON.stringify({ ksql: sql, streamsProperties: {} }),
  });
  const text = await res.body.text();
  if (res.statusCode !== 200) throw new Error(`${sql} → ${res.statusCode}: ${text.slice(0, 300)}`);
  return (text.match(/"row"/g) ?? []).length;
}

const percentile = (sorted: readonly number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] as number;

/**
 * Key lookups on a table of one row per input record (`GROUP BY ID`, so
 * `--records` keys), one at a time over one connection, random keys; beside
 * them the same lookup in a form no key index serves, as the engine ran
 * every lookup before it had one.
 */
async function lookupPhase(url: string, n: number, log: (s: string) => void): Promise<LookupResult> {
  const t0 = performance.now();
  await ksqlOk(
    url,
    `CREATE TABLE BENCH_BY_ID AS SELECT ID, LATEST_BY_OFFSET(QTY) AS QTY FROM ${STREAM} GROUP BY ID EMIT CHANGES;`,
    { 'ksql.streams.auto.offset.reset': 'earliest' },
  );
  // Records are processed in order: the last key's row means every key is in.
  const last = `SELECT ID, QTY FROM BENCH_BY_ID WHERE ID = 'id-${n - 1}';`;
  const deadline = performance.now() + 30 * 60_000;
  let lastProgress = performance.now();
  while ((await pull(url, last)) === 0) {
    if (performance.now() > deadline) throw new Error('lookup: the table did not fill in 30 minutes');
    if (performance.now() - lastProgress > 10_000) {
      lastProgress = performance.now();
      log(`  lookup: materializing ${fmt(n)} keys (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
    }
    await new Promise((res) => setTimeout(res, 100));
  }
  const materializeSeconds = (performance.now() - t0) / 1000;
  let seed = 7;
  const key = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return `id-${seed % n}`;
  };
  const time = async (sql: string) => {
    const t = performance.now();
    const rows = await pull(url, sql);
    if (rows !== 1) throw new Error(`${sql}: expected 1 row, got ${rows}`);
    return performance.now() - t;
  };
  // Warm-up: the request path's p50 settles only after a few thousand requests (JIT), measured
  // 0.86 ms over the first 3,000 and 0.54 ms over the fifth 3,000 on a one-row table.
  for (let i = 0; i < 5_000; i++) await time(`SELECT ID, QTY FROM BENCH_BY_ID WHERE ID = '${key()}';`);
  const samples: number[] = [];
  for (let i = 0; i < 1_000; i++) samples.push(await time(`SELECT ID, QTY FROM BENCH_BY_ID WHERE ID = '${key()}';`));
  const scans: number[] = [];
  const scanBudget = performance.now() + 20_000;
  while (scans.length < 3 || (scans.length < 20 && performance.now() < scanBudget)) {
    const k = key();
    scans.push(await time(`SELECT ID, QTY FROM BENCH_BY_ID WHERE ID = '${k}' OR ID = '${k}';`));
  }
  samples.sort((a, b) => a - b);
  scans.sort((a, b) => a - b);
  return {
    keys: n,
    materializeSeconds,
    p50Ms: percentile(samples, 0.5),
    p99Ms: percentile(samples, 0.99),
    samples: samples.length,
    scanP50Ms: percentile(scans, 0.5),
    scanSamples: scans.length,
  };
}

// ------------------------------------------------------------------ ceiling

/** A bare JSON.parse + JSON.stringify of every record, best of three passes. */
function ceiling(records: readonly string[]): number {
  let best = Infinity;
  let sink = 0;
  for (let pass = 0; pass < 3; pass++) {
    const t0 = performance.now();
    for (const r of records) {
      const o = JSON.parse(r) as { value: unknown };
      sink += JSON.stringify(o.value).length;
    }
    best = Math.min(best, (performance.now() - t0) / 1000);
  }
  if (sink < 0) process.stdout.write('');
  return records.length / best;
}

// ------------------------------------------------------------------ main

interface RunResult {
  mode: 'in-memory' | 'durable';
  ingestRowsPerSec: number;
  ingestPeakRssMb: number;
  filterRowsPerSec: number;
  filterPeakRssMb: number;
  aggregate: AggregateResult & { rowsPerSec?: number; peakRssMb?: number };
  lookup: LookupResult | undefined;
  restart: RestartResult | undefined;
  engineCpuSeconds: number;
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const mb = (kb: number) => Math.round(kb / 1024);

async function run(
  opts: Options,
  data: Dataset,
  mode: RunResult['mode'],
  cliArgs: string[],
  log: (s: string) => void,
  dataDir?: string,
): Promise<RunResult> {
  const engine = await startEngine(opts, cliArgs, opts.engineNodeArgs);
  try {
    const canReset = resetPeak(engine.pid);
    const ingestS = await ingest(engine.url, data);
    const ingestRss = statusKb(engine.pid, 'VmHWM');
    log(`[${mode}] ingest: ${fmt(opts.records)} records in ${ingestS.toFixed(2)} s = ${fmt(opts.records / ingestS)} rows/s; peak RSS ${mb(ingestRss)} MB`);
    if (canReset) resetPeak(engine.pid);
    const filterS = await filterPhase(engine.url, data);
    const filterRss = statusKb(engine.pid, 'VmHWM');
    log(
      `[${mode}] filter: ${fmt(opts.records)} records (${fmt(data.matches)} match) in ${filterS.toFixed(2)} s = ${fmt(opts.records / filterS)} rows/s; peak RSS ${mb(filterRss)} MB`,
    );
    let aggregate: RunResult['aggregate'] = { available: false, reason: 'skipped (--no-aggregate or durable run)' };
    if (opts.aggregate && mode === 'in-memory') {
      if (canReset) resetPeak(engine.pid);
      const a = await aggregatePhase(engine.url, opts.records);
      if (a.available) {
        aggregate = { ...a, rowsPerSec: opts.records / a.seconds, peakRssMb: mb(statusKb(engine.pid, 'VmHWM')) };
        log(`[${mode}] aggregate (CTAS GROUP BY): caught up in ${a.seconds.toFixed(2)} s = ${fmt(opts.records / a.seconds)} rows/s; peak RSS ${aggregate.peakRssMb} MB`);
      } else {
        aggregate = a;
        log(`[${mode}] aggregate (CTAS GROUP BY): not available yet (${a.reason})`);
      }
    }
    let lookup: LookupResult | undefined;
    if (opts.lookup && mode === 'in-memory') {
      lookup = await lookupPhase(engine.url, opts.records, log);
      log(
        `[${mode}] key lookup (POST /query, 1 connection, ${fmt(lookup.keys)} keys, ${lookup.samples} random keys): ` +
          `p50 ${lookup.p50Ms.toFixed(2)} ms, p99 ${lookup.p99Ms.toFixed(2)} ms (target p50 <= 1 ms at 1,000,000 keys); ` +
          `the same lookup as a table scan (ID = k OR ID = k, ${lookup.scanSamples} samples): p50 ${lookup.scanP50Ms.toFixed(1)} ms; ` +
          `table filled in ${lookup.materializeSeconds.toFixed(1)} s`,
      );
    }
    let restart: RestartResult | undefined;
    const engineCpuSeconds = cpuMs(engine.pid) / 1000;
    if (opts.restart && dataDir !== undefined) {
      restart = await restartPhase(opts, engine, dataDir, opts.records);
      log(
        `[${mode}] restart after kill -9 (${fmt(opts.records)} records, CTAS GROUP BY over them, caught up in ${restart.aggregateSeconds.toFixed(2)} s): ` +
          `spawn to the aggregate answering ${restart.checkpointedSeconds.toFixed(2)} s from its checkpoint (target <= 5 s); ` +
          `${restart.replaySeconds.toFixed(2)} s with the state database removed (re-reading all input)`,
      );
    }
    return {
      mode,
      lookup,
      restart,
      ingestRowsPerSec: opts.records / ingestS,
      ingestPeakRssMb: mb(ingestRss),
      filterRowsPerSec: opts.records / filterS,
      filterPeakRssMb: mb(filterRss),
      aggregate,
      engineCpuSeconds,
    };
  } finally {
    await engine.stop();
  }
}

async function profileRun(opts: Options, log: (s: string) => void): Promise<void> {
  mkdirSync(opts.profileDir, { recursive: true });
  const before = new Set(readdirSync(opts.profileDir));
  const data = dataset(opts.profileRecords, opts.batch);
  // With --no-in-memory the profiled engine is a durable one.
  const dataDir = opts.inMemory ? undefined : mkdtempSync(join(tmpdir(), 'ksqldb-bench-engine-prof-'));
  const modeArgs = dataDir === undefined ? ['--in-memory'] : ['--no-in-memory', '--data-dir', dataDir];
  const engine = await startEngine(opts, modeArgs, ['--cpu-prof', '--cpu-prof-dir', opts.profileDir, '--cpu-prof-interval', '500']);
  let ingestStart = 0;
  let filterStart = 0;
  let filterEnd = 0;
  try {
    ingestStart = performance.timeOrigin + performance.now();
    await ingest(engine.url, data);
    filterStart = performance.timeOrigin + performance.now();
    await filterPhase(engine.url, data);
    filterEnd = performance.timeOrigin + performance.now();
  } finally {
    await engine.stop();
    if (dataDir !== undefined) rmSync(dataDir, { recursive: true, force: true });
  }
  const file = readdirSync(opts.profileDir).find((f) => f.endsWith('.cpuprofile') && !before.has(f));
  if (file === undefined) throw new Error(`no profile written to ${opts.profileDir}`);
  const path = join(opts.profileDir, file);
  const profile = loadProfile(path);
  // Keep only the samples of the filter drain (profile times are µs on the monotonic clock;
  // align on the profile's end, which is the engine's exit shortly after the drain).
  const ingestSlice = sliceProfile(profile, ingestStart, filterStart, filterEnd);
  log(formatSummary(summarizeProfile(ingestSlice, 15), `engine CPU profile, ingest of ${fmt(opts.profileRecords)} records`, opts.profileRecords));
  const sliced = sliceProfile(profile, filterStart, filterEnd, filterEnd);
  log(formatSummary(summarizeProfile(sliced, 25), `engine CPU profile, filter drain of ${fmt(opts.profileRecords)} records (${path})`, opts.profileRecords));
  const interesting = inclusiveMatching(sliced, /compileExpr|evaluate|deserialize|encodeRowJson|push|parseJson|fromJson|write/);
  log('inclusive time of selected functions (filter drain):');
  for (const e of interesting.slice(0, 20)) log(`  ${(e.share * 100).toFixed(1).padStart(5)}%  ${e.name}`);
}

type Profile = ReturnType<typeof loadProfile>;

/** The profile restricted to samples within [fromMs, toMs] (wall clock, ms since epoch). */
function sliceProfile(p: Profile, fromMs: number, toMs: number, lastMs: number): Profile {
  // startTime/endTime are µs of a monotonic clock; the engine exited right after lastMs.
  const endWall = lastMs + 50;
  const offsetUs = p.endTime - endWall * 1000; // monotonic µs − wall µs (approximate)
  const from = fromMs * 1000 + offsetUs;
  const to = toMs * 1000 + offsetUs;
  const samples: number[] = [];
  const deltas: number[] = [];
  let t = p.startTime;
  let last = p.startTime;
  p.samples.forEach((s, i) => {
    t += p.timeDeltas[i] ?? 0;
    if (t >= from && t <= to) {
      samples.push(s);
      deltas.push(t - last);
      last = t;
    }
  });
  if (samples.length < 10) return p;
  return { ...p, samples, timeDeltas: deltas, startTime: from, endTime: to };
}

async function main(): Promise<void> {
  const opts = parseOptions(process.argv.slice(2));
  const out: string[] = [];
  const log = (s: string) => {
    out.push(s);
    if (!opts.json) process.stdout.write(s + '\n');
  };
  const help = spawnSync(process.execPath, [...entry(opts), 'engine', '--help'], { cwd: ROOT, encoding: 'utf8' });
  if (help.status !== 0) throw new Error(`engine --help failed (did you run npm run build?)\n${help.stderr}`);
  const durableSupported = /--data-dir\b/.test(help.stdout);
  log(
    `bench:engine  ${new Date().toISOString().slice(0, 10)}  node ${process.version}  ${cpus().length} cores (${cpus()[0]?.model ?? '?'})  ` +
      `records=${fmt(opts.records)} batch=${opts.batch}  engine: ${opts.tsx ? 'src via tsx' : 'dist (bin/ksqldb-gateway.js)'}  ` +
      `load average ${loadavg().map((x) => x.toFixed(2)).join(' ')}`,
  );
  const data = dataset(opts.records, opts.batch);
  const ceil = ceiling(data.records);
  log(`ceiling: JSON.parse + JSON.stringify of each record in one Node thread: ${fmt(ceil)} rows/s`);

  const results: RunResult[] = opts.inMemory ? [await run(opts, data, 'in-memory', ['--in-memory'], log)] : [];
  if (opts.durable) {
    if (durableSupported) {
      const dir = mkdtempSync(join(tmpdir(), 'ksqldb-bench-engine-'));
      try {
        results.push(await run(opts, data, 'durable', ['--no-in-memory', '--data-dir', dir], log, dir));
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    } else {
      log('durable: not available yet (engine --help lists no --data-dir)');
    }
  }

  log('');
  log('| mode | phase | rows/s | ratio to ceiling | engine peak RSS (MB) |');
  log('|---|---|---:|---:|---:|');
  log(`| – | JSON.parse+stringify ceiling | ${fmt(ceil)} | 1.00 | – |`);
  for (const r of results) {
    log(`| ${r.mode} | ingest (POST /topics, ${opts.batch}/request) | ${fmt(r.ingestRowsPerSec)} | ${(r.ingestRowsPerSec / ceil).toFixed(2)} | ${r.ingestPeakRssMb} |`);
    log(`| ${r.mode} | filter push query (input rows/s) | ${fmt(r.filterRowsPerSec)} | ${(r.filterRowsPerSec / ceil).toFixed(2)} | ${r.filterPeakRssMb} |`);
    if (r.mode === 'in-memory' && opts.aggregate) {
      const a = r.aggregate;
      log(
        a.available
          ? `| ${r.mode} | CTAS GROUP BY (to caught up) | ${fmt(a.rowsPerSec ?? 0)} | ${((a.rowsPerSec ?? 0) / ceil).toFixed(2)} | ${a.peakRssMb ?? '–'} |`
          : `| ${r.mode} | CTAS GROUP BY | not available yet | – | – |`,
      );
    }
  }
  const filterRatio = (results[0]?.filterRowsPerSec ?? 0) / ceil;
  log('');
  log(`load average at the end: ${loadavg().map((x) => x.toFixed(2)).join(' ')} (other processes on the machine skew every figure)`);
  log(`filter path: ${(filterRatio * 100).toFixed(0)}% of the ceiling (target >= 33%): ${filterRatio >= 1 / 3 ? 'met' : 'NOT met'}`);

  if (opts.profile) {
    log('');
    await profileRun(opts, log);
  }
  if (opts.json) process.stdout.write(JSON.stringify({ options: opts, ceilingRowsPerSec: ceil, results, filterRatio, log: out }, null, 2) + '\n');
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
