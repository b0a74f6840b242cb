/**
 * What compacting a table's changelog costs the producers beside it: two
 * topics of one partition, one compacted (`cleanup.policy=compact`) and one
 * not, get the same records (updates of `--keys` keys) in alternating
 * batches, so that both see the same machine. Prints the produce rate of
 * each (the compacted one pays for the background compactions its segment
 * rolls start), the event loop's delay while compactions ran, the bytes on
 * disk of each topic, and every compaction's log line.
 *
 *   npm run bench:compaction -- [--records 1000000] [--keys 10000] [--segment-bytes 16777216]
 *
 * @module
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { openFileStorage } from '../src/engine/storage/index.js';
import type { Logger } from '../src/shared/logger.js';

const { values } = parseArgs({
  options: {
    records: { type: 'string', default: '1000000' },
    keys: { type: 'string', default: '10000' },
    'segment-bytes': { type: 'string', default: String(16 * 2 ** 20) },
  },
});
const records = Number(values.records);
const keys = Number(values.keys);
const segmentBytes = Number(values['segment-bytes']);
const mb = (bytes: number) => (bytes / 2 ** 20).toFixed(1);
const dirBytes = (dir: string): number => readdirSync(dir).reduce((n, f) => n + statSync(join(dir, f)).size, 0);

const lines: string[] = [];
const capture = (level: string) => (message: string) => {
  if (level !== 'debug') lines.push(message);
};
const logger: Logger = { debug: capture('debug'), info: capture('info'), warn: capture('warn'), error: capture('error'), child: () => logger };

const dir = mkdtempSync(join(tmpdir(), 'bench-compaction-'));
try {
  const s = openFileStorage({ dir, logger, segmentBytes });
  s.broker.createTopic('compacted', { partitions: 1, cleanupPolicy: 'compact' });
  s.broker.createTopic('plain', { partitions: 1 });
  const spent = { compacted: 0, plain: 0 };
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  const started = performance.now();
  const batchSize = 1000;
  for (let i = 0; i < records; i += batchSize) {
    const batch = Array.from({ length: Math.min(batchSize, records - i) }, (_, j) => {
      const n = i + j;
      return { key: `"k${n % keys}"`, value: JSON.stringify({ ID: `k${n % keys}`, N: n, X: (n * 7) % 100, NAME: `name-${n}` }) };
    });
    // Alternating which goes first, so that neither always meets the other's work.
    for (const topic of i % (2 * batchSize) === 0 ? (['compacted', 'plain'] as const) : (['plain', 'compacted'] as const)) {
      const t0 = performance.now();
      s.broker.produce(topic, batch);
      await s.flush();
      spent[topic] += performance.now() - t0;
    }
    if (i % 100_000 === 0 && i > 0) console.error(`  ${i} records each, ${((performance.now() - started) / 1000).toFixed(1)} s`);
  }
  const t0 = performance.now();
  await s.compacted();
  const tail = performance.now() - t0;
  delay.disable();
  const [compactedDir, plainDir] = ['1', '2'].map((id) => join(dir, 'topics', id, '0')) as [string, string];
  const held = s.broker.readAll('compacted').length;
  console.log(`records produced to each topic: ${records} (${keys} keys), segment size ${mb(segmentBytes)} MiB`);
  console.log(`produce + fdatasync, compacted topic: ${Math.round(records / (spent.compacted / 1000))} records/s`);
  console.log(`produce + fdatasync, plain topic:     ${Math.round(records / (spent.plain / 1000))} records/s`);
  console.log(`compaction still running after the last produce: ${tail.toFixed(0)} ms`);
  console.log(
    `event loop delay over the run: p50 ${(delay.percentile(50) / 1e6).toFixed(1)} ms, p99 ${(delay.percentile(99) / 1e6).toFixed(1)} ms, max ${(delay.max / 1e6).toFixed(1)} ms`,
  );
  console.log(`on disk: compacted ${mb(dirBytes(compactedDir))} MiB (${held} records readable), plain ${mb(dirBytes(plainDir))} MiB`);
  const peak = Number(/VmHWM:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? 0) * 1024;
  console.log(`peak RSS ${mb(peak)} MiB; heap used now ${mb(process.memoryUsage().heapUsed)} MiB`);
  const compactions = lines.filter((l) => l.includes('compacted'));
  for (const line of compactions.length > 8 ? [...compactions.slice(0, 4), '...', ...compactions.slice(-4)] : compactions) console.log(`  ${line}`);
  await s.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
