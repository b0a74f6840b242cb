import { copyFileSync, cpSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { FileStorage } from './file.js';
import type { StoredRecord } from './log.js';
import { BLOCK_RECORDS } from './segment-log.js';
import { storageFixture } from './storage.test-helper.js';

const { open, close, tmp } = storageFixture('ksql-compaction-');

const view = (r: StoredRecord) => [r.partition, r.offset, r.sequence, r.timestamp, r.key, r.value, r.headers];

/** The table a changelog describes: the last value per key, tombstones deleting. */
function table(records: readonly Pick<StoredRecord, 'key' | 'value'>[]): Map<string | null, string> {
  const out = new Map<string | null, string>();
  for (const r of records) {
    if (r.value === null) out.delete(r.key);
    else out.set(r.key, r.value);
  }
  return out;
}

function dirBytes(dir: string): number {
  return readdirSync(dir).reduce((n, f) => n + statSync(join(dir, f)).size, 0);
}

/** Reads every record through a consumer, a few at a time (merging partitions by sequence). */
function consumeAll(s: FileStorage, topic: string): StoredRecord[] {
  const reader = s.broker.consumer(topic, { from: 'earliest' });
  const seen: StoredRecord[] = [];
  for (let batch = reader.poll(13); batch.length > 0; batch = reader.poll(13)) seen.push(...batch);
  reader.close();
  return seen;
}

describe('compaction of compacted topics', () => {
  it('keeps the last record of each key in sealed segments, offsets and order as they were, through restarts with and without index files', async () => {
    const dir = tmp();
    const options = { dir, now: () => 1000, segmentBytes: 4096, cacheBytes: 1 };
    let s = open(options);
    s.broker.createTopic('tbl', { partitions: 2, cleanupPolicy: 'compact' });
    s.broker.createTopic('log', { partitions: 1 });
    const produced: StoredRecord[] = [];
    const keys = 23;
    const total = 6 * BLOCK_RECORDS + 77;
    const batchOf = (from: number, count: number) =>
      Array.from({ length: count }, (_, j) => {
        const n = from + j;
        // Every 9th update of a key deletes it (a tombstone), the next one brings it back.
        return { key: `"k${n % keys}"`, value: n % 9 === 4 ? null : `{"n":${n}}`, timestamp: 5000 + n };
      });
    const produce = async (from: number, count: number, producerId: string) => {
      const batch = batchOf(from, count);
      for (const topic of ['tbl', 'log']) {
        const meta = s.broker.produce(topic, batch, topic === 'tbl' ? { producerId, sequence: from } : undefined);
        if (topic === 'tbl') meta.forEach((m, j) => produced.push({ ...(batch[j] as (typeof batch)[number]), topic, partition: m.partition, offset: m.offset, sequence: -1, headers: [] }));
      }
      await s.flush();
    };
    for (let i = 0; i < total; i += 40) await produce(i, Math.min(40, total - i), 'writer');
    const lastBatch = { from: total - (total % 40 || 40), count: total % 40 || 40 };
    // Another producer then updates every key many times: the first one's records are all superseded.
    for (let i = total; i < 2 * total; i += 40) await produce(i, Math.min(40, 2 * total - i), 'other');
    await s.compacted();
    const partitionDir = join(dir, 'topics', '1', '0');

    const after = s.broker.readAll('tbl');
    // Far fewer records, the same table.
    expect(after.length).toBeLessThan(produced.length / 4);
    expect(table(after)).toEqual(table(produced));
    // Every record kept is the one produced at its offset, in offset order per partition.
    const byOffset = new Map(produced.map((r) => [`${r.partition}:${r.offset}`, r]));
    for (const r of after) expect([r.key, r.value]).toEqual([byOffset.get(`${r.partition}:${r.offset}`)?.key, byOffset.get(`${r.partition}:${r.offset}`)?.value]);
    for (const p of [0, 1]) {
      const offsets = after.filter((r) => r.partition === p).map((r) => r.offset);
      expect(offsets).toEqual([...offsets].sort((a, b) => a - b));
    }
    // Offsets are not renumbered: the partitions still end where they did.
    expect(s.broker.offsets('tbl').map((o) => o.end)).toEqual([0, 1].map((p) => produced.filter((r) => r.partition === p).length));
    // A topic that is not compacted keeps everything.
    expect(s.broker.readAll('log')).toHaveLength(produced.length);
    // A consumer sees what readAll sees, merged by sequence.
    const consumed = consumeAll(s, 'tbl');
    expect(consumed.map(view).sort()).toEqual(after.map(view).sort());
    expect(consumed.map((r) => r.sequence)).toEqual([...consumed.map((r) => r.sequence)].sort((a, b) => a - b));
    // From a sequence inside a compacted stretch: the records kept from there on.
    const middle = (consumed[Math.floor(consumed.length / 2)] as StoredRecord).sequence;
    expect(s.broker.consumer('tbl', { from: { sequence: middle - 1 } }).poll(10_000).map(view)).toEqual(
      consumed.filter((r) => r.sequence >= middle - 1).map(view),
    );
    // The files shrank, and old segments were merged rather than left small.
    const logFiles = readdirSync(partitionDir).filter((f) => f.endsWith('.log'));
    expect(dirBytes(partitionDir)).toBeLessThan(dirBytes(join(dir, 'topics', '2', '0')) / 2);
    expect(readdirSync(partitionDir).filter((f) => f.endsWith('.swap') || f.endsWith('.cleaned'))).toEqual([]);

    await close(s);
    s = open(options);
    expect(s.broker.readAll('tbl').map(view)).toEqual(after.map(view));
    expect(consumeAll(s, 'tbl').map(view)).toEqual(consumed.map(view));
    // The idempotent producer's last sequence survived compaction.
    // The idempotent producer's last sequences survived compaction: its last batch, sent again, is recognised.
    const again = s.broker.produce('tbl', batchOf(lastBatch.from, lastBatch.count), { producerId: 'writer', sequence: lastBatch.from });
    expect(again.map((m) => m.duplicate)).toEqual(again.map(() => true));
    // And the writer's superseded records are gone but for its last one per partition.
    expect(after.filter((r) => Number(JSON.parse(r.value ?? '{"n":-1}').n) < total && r.value !== null).length).toBeLessThanOrEqual(2);

    // Without index files, the gaps are found in the segments themselves.
    await close(s);
    for (const f of readdirSync(partitionDir)) if (f.endsWith('.idx')) rmSync(join(partitionDir, f));
    s = open(options);
    expect(s.broker.readAll('tbl').map(view)).toEqual(after.map(view));
    expect(consumeAll(s, 'tbl').map(view)).toEqual(consumed.map(view));
    expect(readdirSync(partitionDir).filter((f) => f.endsWith('.log'))).toEqual(logFiles);
    // Appends go on at the offsets after the last.
    const next = s.broker.produce('tbl', [{ key: '"k1"', value: '"last"', partition: 0 }]);
    expect(next[0]?.offset).toBe(produced.filter((r) => r.partition === 0).length);
  });

  it('drops tombstones once they are older than delete.retention.ms, and keeps a fresh one', async () => {
    const dir = tmp();
    const options = { dir, now: () => 10_000, segmentBytes: 2048, deleteRetentionMs: 1000 };
    const s = open(options);
    s.broker.createTopic('t', { partitions: 1, cleanupPolicy: 'compact,delete' });
    // Old: k-old is written then deleted at t=1000. New: k-new deleted at t=9500.
    s.broker.produce('t', [
      { key: '"k-old"', value: '1', timestamp: 500 },
      { key: '"k-old"', value: null, timestamp: 1000 },
      { key: '"k-new"', value: '1', timestamp: 9000 },
      { key: '"k-new"', value: null, timestamp: 9500 },
    ]);
    for (let i = 0; i < 400; i += 20) {
      s.broker.produce('t', Array.from({ length: 20 }, (_, j) => ({ key: `"f${(i + j) % 5}"`, value: String(i + j), timestamp: 9900 })));
      await s.flush();
    }
    await s.compacted();
    const kept = s.broker.readAll('t');
    expect(kept.filter((r) => r.key === '"k-old"')).toEqual([]);
    expect(kept.filter((r) => r.key === '"k-new"').map((r) => r.value)).toEqual([null]);
  });

  it('indexes a segment compaction left whole, before one it shortened, with the compacted part', async () => {
    const dir = tmp();
    const options = { dir, now: () => 1000, segmentBytes: 2048, cacheBytes: 1 };
    let s = open(options);
    s.broker.createTopic('t', { partitions: 1, cleanupPolicy: 'compact' });
    const produced: { key: string; value: string }[] = [];
    const produce = async (records: { key: string; value: string }[]) => {
      for (let i = 0; i < records.length; i += 10) {
        s.broker.produce('t', records.slice(i, i + 10));
        produced.push(...records.slice(i, i + 10));
        await s.flush();
        // One compaction at a time, each over what the last left: the same steps on every run.
        await s.compacted();
        // After every step, not just the last: a later compaction could mend what an earlier one lost.
        expect(table(s.broker.readAll('t'))).toEqual(table(produced));
      }
    };
    // A first segment of distinct keys (nothing to remove), then segments of updates of a few keys.
    await produce(Array.from({ length: 60 }, (_, i) => ({ key: `"u${i}"`, value: `"unique ${i}"` })));
    await produce(Array.from({ length: 200 }, (_, i) => ({ key: `"k${i % 4}"`, value: `"update ${i}"` })));
    await s.compacted();
    const partitionDir = join(dir, 'topics', '1', '0');
    const kept = s.broker.readAll('t');
    expect(kept.filter((r) => (r.key as string).startsWith('"u')).map((r) => r.offset)).toEqual(Array.from({ length: 60 }, (_, i) => i));
    expect(kept.length).toBeLessThan(100);
    expect(table(kept)).toEqual(table(produced));
    const view2 = kept.map(view);
    for (const withIndexes of [true, false]) {
      await close(s);
      if (!withIndexes) for (const f of readdirSync(partitionDir)) if (f.endsWith('.idx')) rmSync(join(partitionDir, f));
      s = open(options);
      expect(s.broker.readAll('t').map(view)).toEqual(view2);
      expect(consumeAll(s, 't').map(view)).toEqual(view2);
    }
    // Another round of updates compacts again, over the segment left whole and the compacted ones.
    await produce(Array.from({ length: 200 }, (_, i) => ({ key: `"k${i % 4}"`, value: `"again ${i}"` })));
    await s.compacted();
    expect(table(s.broker.readAll('t'))).toEqual(table(produced));
    expect(s.broker.readAll('t').filter((r) => (r.key as string).startsWith('"u'))).toHaveLength(60);
  });

  it('finishes a replacement cut short by a crash, and removes a half-written copy', async () => {
    const dir = tmp();
    const options = { dir, now: () => 1000, segmentBytes: 2048 };
    let s = open(options);
    s.broker.createTopic('t', { partitions: 1, cleanupPolicy: 'compact' });
    const partitionDir = join(dir, 'topics', '1', '0');
    const backup = tmp();
    // Two sealed segments and an active one, none compacted yet: the state before the compaction.
    const write = async (from: number, count: number) => {
      for (let i = from; i < from + count; i += 10) {
        s.broker.produce('t', Array.from({ length: 10 }, (_, j) => ({ key: `"k${(i + j) % 3}"`, value: String(i + j) })));
        await s.flush();
      }
    };
    await write(0, 40);
    await s.compacted();
    const sealedBefore = readdirSync(partitionDir).filter((f) => f.endsWith('.log'));
    await close(s);
    cpSync(partitionDir, backup, { recursive: true });

    s = open(options);
    const before = s.broker.readAll('t').map(view);
    await write(40, 60);
    await s.compacted();
    const compacted = s.broker.readAll('t').map(view);
    const files = readdirSync(partitionDir).filter((f) => f.endsWith('.log')).sort();
    await close(s);
    expect(compacted.length).toBeLessThan(100);

    // Back to the state before, with the compacted first segment as a durable swap file over the sealed ones
    // (a crash after the copy was made durable, before the old segments went): recovery finishes the swap.
    const first = files[0] as string;
    const nextBase = Number((files[1] as string).slice(0, 20));
    const state = tmp();
    cpSync(join(dir), state, { recursive: true });
    const crashed = join(state, 'topics', '1', '0');
    for (const f of readdirSync(crashed)) rmSync(join(crashed, f));
    for (const f of readdirSync(partitionDir)) if (f !== first && !f.endsWith('.idx')) copyFileSync(join(partitionDir, f), join(crashed, f));
    for (const f of readdirSync(backup)) if (f.endsWith('.log') && Number(f.slice(0, 20)) < nextBase) copyFileSync(join(backup, f), join(crashed, f));
    copyFileSync(join(partitionDir, first), join(crashed, `${first.slice(0, 20)}-${String(nextBase).padStart(20, '0')}.swap`));
    writeFileSync(join(crashed, `${first.slice(0, 20)}.cleaned`), 'half a copy');
    expect(readdirSync(crashed).length).toBeGreaterThan(files.length);
    expect(sealedBefore.length).toBeGreaterThan(0);

    s = open({ ...options, dir: state });
    expect(s.broker.readAll('t').map(view)).toEqual(compacted);
    expect(readdirSync(crashed).filter((f) => f.endsWith('.log')).sort()).toEqual(files);
    expect(readdirSync(crashed).filter((f) => f.endsWith('.swap') || f.endsWith('.cleaned'))).toEqual([]);
    expect(before.length).toBe(40);
  });
});
