/**
 * Durability of checkpointed state under `kill -9`: an engine checkpointing
 * its persistent queries' state after every batch of input (so that kills
 * land during checkpoints as well as between them) is SIGKILLed mid-load and
 * restarted, four times. After each restart the queries resume from their
 * checkpoints, and their results must be those of processing every stored
 * input exactly once: an aggregate's pull query answers the totals of the
 * stored records, its changelog holds one update per input, and a filter's
 * sink one output per passing input.
 */
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { counts, eventually, killAll, killUnderLoad, ksql, pull, start, topicValues, values } from './harness.js';

const dataDir = mkdtempSync(join(tmpdir(), 'ksql-checkpoint-kill-'));
const ARGS = ['--checkpoint-interval-ms', '0'];

afterAll(() => {
  killAll();
  rmSync(dataDir, { recursive: true, force: true });
});

/** G → [count, sum] over `stored`, as the pull query returns them (sorted by G). */
function totals(stored: readonly number[]): [number, number, number][] {
  const m = new Map<number, [number, number]>();
  for (const n of stored) {
    const t = m.get(n % 7) ?? [0, 0];
    m.set(n % 7, [t[0] + 1, t[1] + n]);
  }
  return [...m].map(([g, [c, s]]): [number, number, number] => [g, c, s]).sort((a, b) => a[0] - b[0]);
}

describe('kill -9 with checkpointed state', () => {
  it('resumes every persistent query from its checkpoint, exactly once, wherever the kill lands', { timeout: 180_000 }, async () => {
    let engine = await start(dataDir, ARGS);
    await ksql(engine.url, "CREATE STREAM S (K STRING KEY, N INT, G INT) WITH (kafka_topic='s', value_format='JSON', partitions=3);");
    await ksql(engine.url, 'CREATE STREAM EVENS AS SELECT K, N FROM S WHERE N % 2 = 0;');
    await ksql(engine.url, 'CREATE TABLE TOTALS AS SELECT G, COUNT(*) AS C, SUM(N) AS T FROM S GROUP BY G;');

    const acked = new Set<number>();
    let first = 0;
    let resumed = 0;
    for (let round = 0; round < 4; round++) {
      // Somewhere in the stream of checkpoints.
      await killUnderLoad(engine, { first, writers: 6, acked, atLeast: 200, jitterMs: 200 });
      first += 100_000;

      engine = await start(dataDir, ARGS);
      const stored = await values(engine.url, 's');
      const c = counts(stored);
      expect([...acked].filter((n) => c.get(n) !== 1), `acknowledged records lost or duplicated after kill ${round + 1}`).toEqual([]);

      const expected = totals(stored);
      const read = () => pull(engine.url, 'SELECT G, C, T FROM TOTALS;').then((rows) => (rows as [number, number, number][]).sort((a, b) => a[0] - b[0]));
      const rows = await eventually(read, (r) => JSON.stringify(r) === JSON.stringify(expected));
      expect(rows, `aggregate after kill ${round + 1}`).toEqual(expected);

      const changelog = await eventually(() => topicValues<{ C: number }>(engine.url, 'TOTALS'), (v) => v.length >= stored.length);
      expect(changelog.length, 'one changelog update per input').toBe(stored.length);

      const evens = stored.filter((n) => n % 2 === 0);
      const sink = await eventually(() => values(engine.url, 'EVENS'), (v) => v.length >= evens.length);
      const sc = counts(sink);
      expect(evens.filter((n) => sc.get(n) !== 1), 'outputs lost or duplicated').toEqual([]);
      expect(sink.length).toBe(evens.length);

      const log = engine.stderr();
      resumed += (log.match(/resumes from its checkpoint/g) ?? []).length;
      console.log(`round ${round}: ${stored.length} records; ${(log.match(/resumes from its checkpoint[^\n]*/g) ?? []).join('; ')}`);
    }
    // Both queries resume from checkpoints on (nearly) every restart; none would after a plain replay.
    expect(resumed).toBeGreaterThanOrEqual(4);
    const exited = once(engine.proc, 'exit');
    engine.proc.kill('SIGTERM');
    expect((await exited)[0]).toBe(0);
  });
});
