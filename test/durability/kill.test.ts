/**
 * Durability under `kill -9`: a real engine process (the CLI, durable by
 * default) takes INSERTs and produce requests from concurrent clients, is
 * SIGKILLed mid-load, and is restarted on the same data directory, twice.
 * Every acknowledged record must be back exactly once, the sources must be
 * back, and the persistent query's sink must hold exactly one output per
 * input that passed its filter (none lost, none duplicated).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const ENTRY = fileURLToPath(new URL('./engine-child.ts', import.meta.url));
const dataDir = mkdtempSync(join(tmpdir(), 'ksql-kill-'));
const children: ChildProcess[] = [];

afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

interface Child {
  readonly proc: ChildProcess;
  readonly url: string;
  stderr(): string;
}

async function start(): Promise<Child> {
  const proc = spawn(process.execPath, ['--import', 'tsx', ENTRY, 'engine', '--port', '0', '--data-dir', dataDir, '--log-level', 'info'], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, KSQLDB_GATEWAY_IN_MEMORY: 'false' },
  });
  children.push(proc);
  let err = '';
  proc.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  let out = '';
  for await (const chunk of proc.stdout as AsyncIterable<Buffer>) {
    out += chunk.toString();
    const nl = out.indexOf('\n');
    if (nl !== -1) return { proc, url: out.slice(0, nl), stderr: () => err };
  }
  throw new Error(`engine exited before printing its URL: ${err}`);
}

async function kill9(c: Child): Promise<void> {
  const exited = once(c.proc, 'exit');
  c.proc.kill('SIGKILL');
  await exited;
}

async function ksql(url: string, statement: string): Promise<unknown> {
  const res = await fetch(`${url}/ksql`, {
    method: 'POST',
    headers: { 'content-type': 'application/vnd.ksql.v1+json' },
    body: JSON.stringify({ ksql: statement, streamsProperties: { 'ksql.streams.auto.offset.reset': 'earliest' } }),
  });
  const body = (await res.json()) as unknown;
  if (!res.ok) throw Object.assign(new Error(`${res.status}: ${JSON.stringify(body)}`), { status: res.status });
  return body;
}

async function values(url: string, topic: string): Promise<number[]> {
  const res = await fetch(`${url}/topics/${topic}/records`);
  if (!res.ok) throw new Error(`${res.status}: ${await res.text()}`);
  const recs = (await res.json()) as { value: { N: number } }[];
  return recs.map((r) => r.value.N);
}

/** Writes distinct N values from `writers` concurrent clients until `stop`; returns the acknowledged ones. */
function load(url: string, first: number, writers: number, acked: Set<number>, stop: AbortSignal): Promise<void> {
  let next = first;
  const writer = async (w: number) => {
    while (!stop.aborted) {
      const batch = Array.from({ length: 5 }, () => next++);
      try {
        if (w % 2 === 0) {
          // INSERT VALUES through /ksql: one statement per record.
          await ksql(url, batch.map((n) => `INSERT INTO S (K, N) VALUES ('k${n}', ${n});`).join('\n'));
        } else {
          const res = await fetch(`${url}/topics/s`, {
            method: 'POST',
            headers: { 'content-type': 'application/vnd.kafka.json.v2+json' },
            body: JSON.stringify({ records: batch.map((n) => ({ key: `k${n}`, value: { N: n } })) }),
          });
          if (!res.ok) throw new Error(String(res.status));
          await res.arrayBuffer();
        }
        for (const n of batch) acked.add(n);
      } catch {
        return; // the engine is gone
      }
    }
  };
  return Promise.all(Array.from({ length: writers }, (_, w) => writer(w))).then(() => {});
}

async function eventually<T>(read: () => Promise<T>, ok: (v: T) => boolean, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await read();
    if (ok(v) || Date.now() > end) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
}

function counts(xs: readonly number[]): Map<number, number> {
  const m = new Map<number, number>();
  for (const x of xs) m.set(x, (m.get(x) ?? 0) + 1);
  return m;
}

describe('kill -9 durability', () => {
  it('keeps every acknowledged record, the sources and the persistent query, exactly once', { timeout: 120_000 }, async () => {
    let engine = await start();
    await ksql(engine.url, "CREATE STREAM S (K STRING KEY, N INT) WITH (kafka_topic='s', value_format='JSON', partitions=3);");
    let persistent = true;
    try {
      await ksql(engine.url, 'CREATE STREAM EVENS AS SELECT K, N FROM S WHERE N % 2 = 0;');
    } catch (err) {
      // Persistent queries land separately; until then this test covers records and the catalog.
      persistent = false;
      console.warn(`durability test: no persistent query (${(err as Error).message.slice(0, 200)})`);
    }

    const acked = new Set<number>();
    let first = 0;
    for (let round = 0; round < 2; round++) {
      const base = acked.size;
      const stop = new AbortController();
      const loading = load(engine.url, first, 8, acked, stop.signal);
      // Let acknowledgements pile up, then kill mid-load: requests are in flight.
      await eventually(async () => acked.size, (n) => n >= base + 300, 30_000);
      await kill9(engine);
      stop.abort();
      await loading;
      first += 1_000_000;

      const t0 = Date.now();
      engine = await start();
      const stored = await values(engine.url, 's');
      console.log(`round ${round}: acked ${acked.size}, stored ${stored.length}, restart ${Date.now() - t0} ms`);
      const c = counts(stored);
      const missing = [...acked].filter((n) => c.get(n) !== 1);
      expect(missing, `acknowledged records lost or duplicated after kill ${round + 1}`).toEqual([]);
      expect([...c.values()].every((k) => k === 1), 'no record is stored twice').toBe(true);
      expect(acked.size).toBeGreaterThanOrEqual(300 * (round + 1));

      const streams = (await ksql(engine.url, 'SHOW STREAMS;')) as { streams: { name: string }[] }[];
      const names = streams[0]?.streams.map((s) => s.name).sort();
      expect(names).toEqual(persistent ? ['EVENS', 'S'] : ['S']);

      if (persistent) {
        // The restarted query catches up: one output per even input, whatever it had written before the kill.
        const evens = stored.filter((n) => n % 2 === 0);
        const sink = await eventually(() => values(engine.url, 'EVENS'), (v) => v.length >= evens.length);
        const sc = counts(sink);
        console.log(`round ${round}: sink caught up in ${Date.now() - t0} ms (${sink.length} outputs)`);
        expect(evens.filter((n) => sc.get(n) !== 1), 'outputs lost or duplicated').toEqual([]);
        expect(sink.length).toBe(evens.length);
        const queries = (await ksql(engine.url, 'SHOW QUERIES;')) as { queries: { queryType: string }[] }[];
        expect(queries[0]?.queries.filter((q) => q.queryType === 'PERSISTENT')).toHaveLength(1);
      }
    }
    expect(engine.stderr()).toMatch(/storage: replayed/);
    const exited = once(engine.proc, 'exit');
    engine.proc.kill('SIGTERM');
    expect((await exited)[0]).toBe(0);
  });
});
