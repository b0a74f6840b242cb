/**
 * The typed field's memory (issue 10): does the gateway's heap return to its
 * idle size once every subscriber has left?
 *
 *   node --expose-gc --import tsx bench/typed-memory.ts [--subscribers N] [--rows N] [--sockets N]
 *
 * One process: the gateway and the embedded engine composed as the CLI does
 * (test/utils/stack.ts), and the graphql-ws clients. Prints the heap after a
 * full GC when idle (after a small warm-up run), its peak while N typed
 * subscribers read R rows each, and after a full GC once they have all left
 * and the upstream query is closed, as a ratio to the idle heap. The clients
 * are disposed before the last figure, so what is left is the gateway's.
 *
 * Not part of the test suite: heap figures move with V8 and the machine.
 *
 * @module
 */
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { fanOut, insertRows } from '../test/utils/fanout.js';
import { eventually, gql, pushQueryCount, startStack, type Stack } from '../test/utils/stack.js';

const { values } = parseArgs({
  options: {
    subscribers: { type: 'string', default: '1000' },
    rows: { type: 'string', default: '1000' },
    sockets: { type: 'string', default: '4' },
  },
});
const SUBSCRIBERS = Number(values.subscribers);
const ROWS = Number(values.rows);
const SOCKETS = Number(values.sockets);

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc');

async function settledHeap(): Promise<number> {
  // Several rounds: finalizers and weak references settle over more than one GC.
  for (let i = 0; i < 5; i++) {
    gc?.();
    await sleep(50);
  }
  return process.memoryUsage().heapUsed;
}

const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

async function typedField(stack: Stack, name: string): Promise<string> {
  const wanted = name.replace(/_/g, '').toLowerCase();
  const res = await eventually(
    () => gql<{ __type: { fields: Array<{ name: string }> } | null }>(stack, `{ __type(name: "Subscription") { fields { name } } }`),
    (r) => (r.data?.__type?.fields ?? []).some((f) => f.name.toLowerCase() === wanted),
  );
  return (res.data?.__type?.fields ?? []).find((f) => f.name.toLowerCase() === wanted)?.name as string;
}

async function round(stack: Stack, subscribers: number, rows: number, onSample?: () => void): Promise<void> {
  const name = `MEM_${Date.now()}`;
  const created = await gql(stack, `mutation($k: String!) { execute(ksql: $k) { type } }`, {
    k: `CREATE STREAM ${name} (ID STRING KEY, V INT, S STRING) WITH (kafka_topic='${name.toLowerCase()}', value_format='JSON', partitions=1);`,
  });
  if (created.errors) throw new Error(JSON.stringify(created.errors));
  const field = await typedField(stack, name);
  const run = fanOut(stack, {
    sockets: SOCKETS,
    subscribers,
    rows,
    headerless: true,
    query: `subscription { ${field} { id v s } }`,
    value: (data) => (data as Record<string, { v: number }>)[field]?.v as number,
  });
  const sampler = onSample ? setInterval(onSample, 100) : undefined;
  try {
    await eventually(() => pushQueryCount(stack), (n) => n === 1, { timeoutMs: 60_000 });
    // Every subscriber has joined the one upstream query before the rows go in.
    await sleep(500);
    await insertRows(stack, name, rows, (i) => `('k${i}', ${i}, 'value ${i} ${'x'.repeat(40)}')`, '(ID, V, S)');
    const result = await run.done;
    if (result.failures.length > 0 || result.complete !== subscribers) {
      throw new Error(`${result.complete}/${subscribers} complete: ${result.failures.join('; ')}`);
    }
  } finally {
    clearInterval(sampler);
    await run.close();
  }
  await eventually(() => pushQueryCount(stack), (n) => n === 0, { timeoutMs: 60_000 });
}

const stack = await startStack(['--max-subscriptions-per-connection', '0', '--max-subscriptions', '0', '--log-level', 'silent']);
try {
  await round(stack, 10, 10); // warm-up: lazy structures, JIT
  const idle = await settledHeap();
  let peak = 0;
  const started = Date.now();
  await round(stack, SUBSCRIBERS, ROWS, () => (peak = Math.max(peak, process.memoryUsage().heapUsed)));
  const seconds = (Date.now() - started) / 1000;
  const after = await settledHeap();
  console.log(
    JSON.stringify({
      subscribers: SUBSCRIBERS,
      rows: ROWS,
      seconds,
      idleHeap: mib(idle),
      peakHeap: mib(peak),
      afterHeap: mib(after),
      afterToIdle: Number((after / idle).toFixed(2)),
      peakRss: mib(process.resourceUsage().maxRSS * 1024),
    }),
  );
} finally {
  await stack.close();
}
