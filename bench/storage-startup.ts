/**
 * Start-up of a data directory (`openFileStorage`) holding many records, and
 * what reading it all costs afterwards.
 *
 *   node --import tsx bench/storage-startup.ts --dir DIR --write --records 1000000
 *   node --expose-gc --import tsx bench/storage-startup.ts --dir DIR [--storage PATH] [--cache-bytes N]
 *
 * `--write` fills DIR with one topic of one partition (records shaped as
 * bench/engine.ts's). Without it, the script opens DIR and prints the time
 * `openFileStorage` took and the process RSS and heap after it, then drains
 * the topic through one consumer and prints that time and the peak RSS.
 * `--storage` names another build of `file.ts` (e.g. an older commit's
 * checkout) to compare against: the data format is the same.
 *
 * @module
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import type { EngineStorage, FileStorageOptions } from '../src/engine/storage/index.js';

const { values } = parseArgs({
  options: {
    dir: { type: 'string' },
    write: { type: 'boolean', default: false },
    records: { type: 'string', default: '1000000' },
    'cache-bytes': { type: 'string' },
    storage: { type: 'string', default: resolve(import.meta.dirname, '../src/engine/storage/file.ts') },
  },
});
if (values.dir === undefined) throw new Error('--dir is required');
const { openFileStorage } = (await import(pathToFileURL(resolve(values.storage)).href)) as {
  openFileStorage: (options: FileStorageOptions) => EngineStorage;
};
const mb = (bytes: number) => (bytes / 2 ** 20).toFixed(0);
/** Peak RSS of this process so far (VmHWM). */
const peakRss = () => Number(/VmHWM:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? 0) * 1024;

if (values.write) {
  const records = Number(values.records);
  const s = openFileStorage({ dir: values.dir });
  s.broker.createTopic('s', { partitions: 1 });
  for (let i = 0; i < records; i += 1000) {
    const batch = Array.from({ length: Math.min(1000, records - i) }, (_, j) => {
      const n = i + j;
      return { key: `"k${n % 10_000}"`, value: JSON.stringify({ ID: `k${n % 10_000}`, N: n, X: (n * 7) % 100, NAME: `name-${n}` }) };
    });
    s.broker.produce('s', batch);
    if (i % 100_000 === 0) await s.flush();
  }
  await s.close();
  (globalThis as { gc?: () => void }).gc?.();
  console.log(`wrote ${records} records to ${values.dir}; peak RSS ${mb(peakRss())} MB, heap ${mb(process.memoryUsage().heapUsed)} MB after`);
} else {
  const t0 = performance.now();
  const s = openFileStorage({ dir: values.dir, ...(values['cache-bytes'] === undefined ? {} : { cacheBytes: Number(values['cache-bytes']) }) });
  const openMs = performance.now() - t0;
  (globalThis as { gc?: () => void }).gc?.();
  const { rss, heapUsed } = process.memoryUsage();
  console.log(`open: ${openMs.toFixed(0)} ms; RSS ${mb(rss)} MB, heap ${mb(heapUsed)} MB after it`);
  const t1 = performance.now();
  const consumer = s.broker.consumer('s', { from: 'earliest' });
  let n = 0;
  for (let batch = consumer.poll(1000); batch.length > 0; batch = consumer.poll(1000)) n += batch.length;
  const drainMs = performance.now() - t1;
  console.log(`drain: ${n} records in ${drainMs.toFixed(0)} ms (${Math.round(n / (drainMs / 1000))} records/s); peak RSS ${mb(peakRss())} MB`);
  await s.close();
}
