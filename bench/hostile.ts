/**
 * What a misbehaving ksqlDB does to the gateway, measured from outside
 * (`tsx bench/hostile.ts [--root DIR] [--scenarios a,b] [--json]`).
 *
 * Three processes: the hostile fake ksqlDB (test/utils/hostile-ksql.ts,
 * through tsx), the gateway (`DIR/bin/ksqldb-gateway.js serve --ksql-url
 * <fake>`, built dist/ of DIR, default this tree) and this driver, which
 * scripts the fake over `POST /__hostile`, runs one GraphQL operation per
 * scenario and meanwhile polls the gateway's `GET /health` one request at a
 * time (every 20 ms).
 *
 * Scenarios:
 *   endless-line  pushQuery subscription (graphql-ws); the /query body is one
 *                 row that never ends. Up to --max-wait-ms.
 *   flood         pushQuery subscription over a stream of small rows as fast
 *                 as the gateway reads, for --flood-ms.
 *   huge-ksql     execute mutation; /ksql answers --huge-bytes (chunked).
 *   huge-pull     pullQuery; /query answers --huge-bytes of rows.
 *   html-502      execute mutation; /ksql answers an nginx 502 page.
 *
 * Per scenario: the outcome (error code, or how many events), the GraphQL
 * response size, /health latency (count, p50, p99, max), the gateway's peak
 * RSS (VmHWM, reset before the scenario) and its RSS one second after.
 *
 * Flags: --root DIR (.)  --scenarios LIST (all)  --huge-bytes N (104857600)
 *        --flood-ms N (10000)  --max-wait-ms N (30000)  --gateway-args "..." (extra serve flags)
 *        --json  --verbose
 *
 * @module
 */
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createClient } from 'graphql-ws';
import { Agent, request } from 'undici';
import WebSocket from 'ws';
import { killAll, resetPeak, startChild, statusKb, type Child } from './process.js';

const HERE = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const TSX = import.meta.resolve('tsx');

const SCENARIOS = ['endless-line', 'flood', 'huge-ksql', 'huge-pull', 'html-502'] as const;
type Scenario = (typeof SCENARIOS)[number];

interface Options {
  root: string;
  scenarios: Scenario[];
  hugeBytes: number;
  floodMs: number;
  maxWaitMs: number;
  gatewayArgs: string[];
  json: boolean;
  verbose: boolean;
}

function parseOptions(argv: string[]): Options {
  const get = (name: string) => {
    const i = argv.indexOf(`--${name}`);
    return i === -1 ? undefined : argv[i + 1];
  };
  const scenarios = (get('scenarios')?.split(',') ?? [...SCENARIOS]) as Scenario[];
  for (const s of scenarios) if (!SCENARIOS.includes(s)) throw new Error(`unknown scenario ${s}`);
  return {
    root: resolve(get('root') ?? HERE),
    scenarios,
    hugeBytes: Number(get('huge-bytes') ?? 100 * 1024 * 1024),
    floodMs: Number(get('flood-ms') ?? 10_000),
    maxWaitMs: Number(get('max-wait-ms') ?? 30_000),
    gatewayArgs: (get('gateway-args') ?? '').split(' ').filter(Boolean),
    json: argv.includes('--json'),
    verbose: argv.includes('--verbose'),
  };
}

interface Result {
  scenario: Scenario;
  outcome: string;
  responseBytes: number | null;
  elapsedMs: number;
  health: { count: number; p50: number; p99: number; max: number; failures: number };
  peakRssMb: number;
  rssAfterMb: number;
}

const agent = new Agent({ keepAliveTimeout: 10_000, pipelining: 1 });

async function post(url: string, body: unknown): Promise<string> {
  const res = await request(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
    body: JSON.stringify(body),
    dispatcher: agent,
    headersTimeout: 0,
    bodyTimeout: 0,
  });
  return res.body.text();
}

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
}

/** Polls GET /health one request at a time until stopped. */
function pollHealth(url: string): { stop(): Promise<Result['health']> } {
  const latencies: number[] = [];
  let failures = 0;
  let running = true;
  // Not an IIFE: TS would read its body in line, as if `running` could not change while it waits.
  const poll = async () => {
    const healthAgent = new Agent({ keepAliveTimeout: 10_000, pipelining: 1 });
    try {
      while (running) {
        const t0 = performance.now();
        try {
          const res = await request(`${url}/health`, { dispatcher: healthAgent, headersTimeout: 0, bodyTimeout: 0 });
          await res.body.text();
          if (res.statusCode !== 200) failures++;
        } catch {
          failures++;
        }
        latencies.push(performance.now() - t0);
        await new Promise((r) => setTimeout(r, 20));
      }
    } finally {
      await healthAgent.close();
    }
  };
  const loop = poll();
  return {
    async stop() {
      running = false;
      await loop;
      const sorted = [...latencies].sort((a, b) => a - b);
      const round = (n: number) => Math.round(n * 10) / 10;
      return {
        count: sorted.length,
        p50: round(quantile(sorted, 0.5)),
        p99: round(quantile(sorted, 0.99)),
        max: round(sorted.at(-1) ?? NaN),
        failures,
      };
    },
  };
}

async function subscribe(wsUrl: string, waitMs: number, stopAfterMs: number | null): Promise<{ outcome: string; events: number }> {
  const client = createClient({ url: wsUrl, webSocketImpl: WebSocket, lazy: true, retryAttempts: 0 });
  let events = 0;
  try {
    const iterator = client.iterate<{ pushQuery: unknown }>({
      query: 'subscription { pushQuery(sql: "SELECT * FROM ORDERS EMIT CHANGES;") { __typename } }',
    });
    const deadline = new Promise<'deadline'>((r) => setTimeout(() => r('deadline'), stopAfterMs ?? waitMs).unref());
    const consume = (async () => {
      for await (const result of iterator) {
        if (result.errors) return `error ${String(result.errors[0]?.extensions?.['code'])}: ${result.errors[0]?.message}`;
        events++;
      }
      return 'completed';
    })().catch((err: unknown) => `failed: ${err instanceof Error ? err.message : JSON.stringify(err)}`);
    const first = await Promise.race([consume, deadline]);
    await iterator.return?.();
    if (first === 'deadline') return { outcome: stopAfterMs === null ? `still open after ${waitMs} ms` : 'stopped', events };
    return { outcome: first, events };
  } finally {
    await client.dispose();
  }
}

function outcomeOf(text: string): string {
  try {
    const body = JSON.parse(text) as { errors?: Array<{ message: string; extensions?: { code?: string } }> };
    const e = body.errors?.[0];
    return e ? `error ${e.extensions?.code}: ${e.message.length > 120 ? `${e.message.slice(0, 120)}…` : e.message}` : 'data';
  } catch {
    return `unparseable (${text.length} bytes)`;
  }
}

async function setBehaviour(fakeUrl: string, behaviour: Record<string, unknown>): Promise<void> {
  const res = await request(`${fakeUrl}/__hostile`, { method: 'POST', body: JSON.stringify(behaviour), dispatcher: agent });
  await res.body.text();
}

async function run(scenario: Scenario, opts: Options, gateway: Child, fakeUrl: string): Promise<Result> {
  const graphqlUrl = `${gateway.url}/graphql`;
  const behaviour: Record<Scenario, Record<string, unknown>> = {
    'endless-line': { query: 'endless-line' },
    flood: { query: 'flood' },
    'huge-ksql': { ksql: 'huge-body', hugeBodyBytes: opts.hugeBytes },
    'huge-pull': { query: 'huge-body', hugeBodyBytes: opts.hugeBytes },
    'html-502': { ksql: 'html-502' },
  };
  await setBehaviour(fakeUrl, behaviour[scenario]);
  resetPeak(gateway.pid);
  const health = pollHealth(gateway.url);
  const t0 = performance.now();
  let outcome: string;
  let responseBytes: number | null = null;
  switch (scenario) {
    case 'endless-line': {
      const r = await subscribe(graphqlUrl.replace(/^http/, 'ws'), opts.maxWaitMs, null);
      outcome = `${r.outcome} (${r.events} events before)`;
      break;
    }
    case 'flood': {
      const r = await subscribe(graphqlUrl.replace(/^http/, 'ws'), opts.maxWaitMs, opts.floodMs);
      outcome = `${r.outcome}: ${r.events} events in ${opts.floodMs} ms`;
      break;
    }
    case 'huge-ksql':
    case 'html-502': {
      const text = await post(graphqlUrl, { query: 'mutation { execute(ksql: "SHOW STREAMS;") { type statementText raw } }' });
      responseBytes = Buffer.byteLength(text);
      outcome = outcomeOf(text);
      break;
    }
    case 'huge-pull': {
      const text = await post(graphqlUrl, { query: 'query { pullQuery(sql: "SELECT * FROM ORDERS;") { rows { columns } } }' });
      responseBytes = Buffer.byteLength(text);
      outcome = outcomeOf(text);
      break;
    }
  }
  const elapsedMs = Math.round(performance.now() - t0);
  const healthStats = await health.stop();
  const peakRssMb = Math.round(statusKb(gateway.pid, 'VmHWM') / 1024);
  await setBehaviour(fakeUrl, {});
  await new Promise((r) => setTimeout(r, 1000));
  const rssAfterMb = Math.round(statusKb(gateway.pid, 'VmRSS') / 1024);
  return { scenario, outcome, responseBytes, elapsedMs, health: healthStats, peakRssMb, rssAfterMb };
}

async function main(): Promise<void> {
  const opts = parseOptions(process.argv.slice(2));
  const fake = await startChild({
    name: 'fake',
    argv: ['--import', TSX, resolve(HERE, 'test/utils/hostile-ksql.ts')],
    cwd: HERE,
    verbose: opts.verbose,
  });
  const results: Result[] = [];
  try {
    for (const scenario of opts.scenarios) {
      // A fresh gateway per scenario: one scenario's leftovers do not count against the next.
      const gateway = await startChild({
        name: 'gateway',
        argv: [resolve(opts.root, 'bin/ksqldb-gateway.js'), 'serve', '--port', '0', '--ksql-url', fake.url, ...opts.gatewayArgs],
        cwd: opts.root,
        verbose: opts.verbose,
        stopTimeoutMs: 5000,
      });
      try {
        // Let the typed schema read the catalog before measuring.
        await new Promise((r) => setTimeout(r, 1000));
        const result = await run(scenario, opts, gateway, fake.url);
        results.push(result);
        if (!opts.json) {
          const h = result.health;
          console.log(
            `${scenario.padEnd(12)} ${result.outcome}\n` +
              `${''.padEnd(12)} elapsed ${result.elapsedMs} ms, response ${result.responseBytes ?? '-'} bytes, ` +
              `/health n=${h.count} p50=${h.p50} p99=${h.p99} max=${h.max} ms (failures ${h.failures}), ` +
              `peak RSS ${result.peakRssMb} MB, RSS after ${result.rssAfterMb} MB`,
          );
        }
      } finally {
        await gateway.stop();
      }
    }
  } finally {
    await fake.stop();
    await agent.close();
  }
  if (opts.json) console.log(JSON.stringify({ root: opts.root, results }, null, 2));
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
  killAll();
  process.exit(1);
});
