/**
 * The durability tests' harness: real engine processes (the CLI from source)
 * on a data directory, SIGKILLed and restarted, and clients that load them.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const ENTRY = fileURLToPath(new URL('./engine-child.ts', import.meta.url));

export interface Child {
  readonly proc: ChildProcess;
  readonly url: string;
  stderr(): string;
}

/** Engine processes started by {@link start}, for the test's afterAll to kill. */
export const children: ChildProcess[] = [];

export function killAll(): void {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
}

export async function start(dataDir: string, extraArgs: readonly string[] = []): Promise<Child> {
  const proc = spawn(
    process.execPath,
    ['--import', 'tsx', ENTRY, 'engine', '--port', '0', '--data-dir', dataDir, '--log-level', 'info', ...extraArgs],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, KSQLDB_GATEWAY_IN_MEMORY: 'false' } },
  );
  children.push(proc);
  let err = '';
  proc.stderr.on('data', (d: Buffer) => (err += d.toString()));
  let out = '';
  for await (const chunk of proc.stdout as AsyncIterable<Buffer>) {
    out += chunk.toString();
    const nl = out.indexOf('\n');
    if (nl !== -1) return { proc, url: out.slice(0, nl), stderr: () => err };
  }
  throw new Error(`engine exited before printing its URL: ${err}`);
}

export async function kill9(c: Child): Promise<void> {
  const exited = once(c.proc, 'exit');
  c.proc.kill('SIGKILL');
  await exited;
}

export async function ksql(url: string, statement: string): Promise<unknown> {
  const res = await fetch(`${url}/ksql`, {
    method: 'POST',
    headers: { 'content-type': 'application/vnd.ksql.v1+json' },
    body: JSON.stringify({ ksql: statement, streamsProperties: { 'ksql.streams.auto.offset.reset': 'earliest' } }),
  });
  const body = (await res.json()) as unknown;
  if (!res.ok) throw Object.assign(new Error(`${res.status}: ${JSON.stringify(body)}`), { status: res.status });
  return body;
}

/** The rows of a pull query, as arrays of column values (the delimited format: a header line, then a row per line). */
export async function pull(url: string, sql: string): Promise<unknown[][]> {
  const res = await fetch(`${url}/query`, {
    method: 'POST',
    headers: { 'content-type': 'application/vnd.ksql.v1+json', accept: 'application/vnd.ksqlapi.delimited.v1' },
    body: JSON.stringify({ ksql: sql, streamsProperties: {} }),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${res.status}: ${text}`);
  return text
    .split('\n')
    .slice(1)
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as unknown[]);
}

/** Every record's value of a topic. */
export async function topicValues<T>(url: string, topic: string): Promise<T[]> {
  const res = await fetch(`${url}/topics/${topic}/records`);
  if (!res.ok) throw new Error(`${res.status}: ${await res.text()}`);
  const recs = (await res.json()) as { value: T }[];
  return recs.map((r) => r.value);
}

export async function values(url: string, topic: string): Promise<number[]> {
  return (await topicValues<{ N: number }>(url, topic)).map((v) => v.N);
}

/**
 * Writes distinct N values (`{ N, G: N % 7 }`, key `k<N>`) from `writers`
 * concurrent clients until `stop` or the engine is gone; adds the
 * acknowledged ones to `acked`.
 */
export function load(url: string, first: number, writers: number, acked: Set<number>, stop: AbortSignal): Promise<void> {
  let next = first;
  const writer = async (w: number) => {
    while (!stop.aborted) {
      const batch = Array.from({ length: 5 }, () => next++);
      try {
        if (w % 2 === 0) {
          // INSERT VALUES through /ksql: one statement per record.
          await ksql(url, batch.map((n) => `INSERT INTO S (K, N, G) VALUES ('k${n}', ${n}, ${n % 7});`).join('\n'));
        } else {
          const res = await fetch(`${url}/topics/s`, {
            method: 'POST',
            headers: { 'content-type': 'application/vnd.kafka.json.v2+json' },
            body: JSON.stringify({ records: batch.map((n) => ({ key: `k${n}`, value: { N: n, G: n % 7 } })) }),
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

/**
 * Loads `engine` with `writers` concurrent clients (see {@link load}) until
 * `atLeast` more records are acknowledged, waits a random time below
 * `jitterMs` (so that the kill lands anywhere in what the engine does), and
 * kills it with SIGKILL while requests are in flight.
 */
export async function killUnderLoad(
  engine: Child,
  o: { readonly first: number; readonly writers: number; readonly acked: Set<number>; readonly atLeast: number; readonly jitterMs?: number },
): Promise<void> {
  const base = o.acked.size;
  const stop = new AbortController();
  const loading = load(engine.url, o.first, o.writers, o.acked, stop.signal);
  await eventually(async () => o.acked.size, (n) => n >= base + o.atLeast, 30_000);
  if (o.jitterMs !== undefined) await new Promise((r) => setTimeout(r, Math.floor(Math.random() * (o.jitterMs as number))));
  await kill9(engine);
  stop.abort();
  await loading;
}

export async function eventually<T>(read: () => Promise<T>, ok: (v: T) => boolean, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await read();
    if (ok(v) || Date.now() > end) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
}

export function counts(xs: readonly number[]): Map<number, number> {
  const m = new Map<number, number>();
  for (const x of xs) m.set(x, (m.get(x) ?? 0) + 1);
  return m;
}
