/**
 * Compaction under `kill -9`: an engine with tiny segments (so that its
 * CTAS changelog is compacted every few dozen records) and checkpoints after
 * every batch runs under load and is SIGKILLed at random moments, three
 * times, so that kills land during compactions (mid-copy, mid-swap) as well
 * as between them. After each restart the changelog, compacted or not, must
 * still describe the aggregate exactly: for every group key its last record
 * equals the totals of the stored input, as the pull query does. The
 * changelog must also have shrunk far below one record per input.
 */
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { counts, eventually, killAll, killUnderLoad, ksql, pull, start, values } from './harness.js';

const dataDir = mkdtempSync(join(tmpdir(), 'ksql-compaction-kill-'));
const ARGS = ['--checkpoint-interval-ms', '0', '--segment-bytes', '4096'];

afterAll(() => {
  killAll();
  rmSync(dataDir, { recursive: true, force: true });
});

type Totals = [number, number, number][];

function totals(stored: readonly number[]): Totals {
  const m = new Map<number, [number, number]>();
  for (const n of stored) {
    const t = m.get(n % 7) ?? [0, 0];
    m.set(n % 7, [t[0] + 1, t[1] + n]);
  }
  return [...m].map(([g, [c, s]]): [number, number, number] => [g, c, s]).sort((a, b) => a[0] - b[0]);
}

interface ChangelogRecord {
  readonly partition: number;
  readonly offset: number;
  readonly key: number;
  readonly value: { C: number; T: number } | null;
}

/** The changelog's records, and the table they describe (the last record per key, in offset order). */
async function changelog(url: string): Promise<{ records: ChangelogRecord[]; table: Totals }> {
  const res = await fetch(`${url}/topics/TOTALS/records`);
  if (!res.ok) throw new Error(`${res.status}: ${await res.text()}`);
  const records = (await res.json()) as ChangelogRecord[];
  const last = new Map<number, ChangelogRecord>();
  for (const r of [...records].sort((a, b) => a.partition - b.partition || a.offset - b.offset)) last.set(r.key, r);
  const table = [...last.values()]
    .filter((r) => r.value !== null)
    .map((r): [number, number, number] => [r.key, (r.value as { C: number }).C, (r.value as { T: number }).T])
    .sort((a, b) => a[0] - b[0]);
  return { records, table };
}

describe('kill -9 during compaction', () => {
  it('keeps a compacted changelog equal to the aggregate, wherever the kill lands', { timeout: 180_000 }, async () => {
    let engine = await start(dataDir, ARGS);
    await ksql(engine.url, "CREATE STREAM S (K STRING KEY, N INT, G INT) WITH (kafka_topic='s', value_format='JSON', partitions=3);");
    await ksql(engine.url, 'CREATE TABLE TOTALS AS SELECT G, COUNT(*) AS C, SUM(N) AS T FROM S GROUP BY G;');

    const acked = new Set<number>();
    let first = 0;
    let compactions = 0;
    for (let round = 0; round < 3; round++) {
      await killUnderLoad(engine, { first, writers: 6, acked, atLeast: 400, jitterMs: 200 });
      compactions += (engine.stderr().match(/storage: compacted TOTALS/g) ?? []).length;
      first += 100_000;

      engine = await start(dataDir, ARGS);
      const stored = await values(engine.url, 's');
      const c = counts(stored);
      expect([...acked].filter((n) => c.get(n) !== 1), `acknowledged records lost or duplicated after kill ${round + 1}`).toEqual([]);

      const expected = totals(stored);
      const read = () => pull(engine.url, 'SELECT G, C, T FROM TOTALS;').then((rows) => (rows as Totals).sort((a, b) => a[0] - b[0]));
      expect(await eventually(read, (r) => JSON.stringify(r) === JSON.stringify(expected)), `aggregate after kill ${round + 1}`).toEqual(expected);
      const log = await eventually(() => changelog(engine.url), (l) => JSON.stringify(l.table) === JSON.stringify(expected));
      expect(log.table, `the compacted changelog after kill ${round + 1}`).toEqual(expected);
      console.log(`round ${round}: ${stored.length} inputs, ${log.records.length} changelog records; ${compactions} compactions of TOTALS logged so far`);
      // Several inputs per changelog record once compaction has run (one record per input without it).
      if (round === 2) expect(log.records.length).toBeLessThan(stored.length / 3);
    }
    expect(compactions).toBeGreaterThan(0);
    const exited = once(engine.proc, 'exit');
    engine.proc.kill('SIGTERM');
    expect((await exited)[0]).toBe(0);
  });
});
