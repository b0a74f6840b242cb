import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { StoredRecord } from './log.js';
import { BLOCK_RECORDS, encodeRecord, readRecordHead } from './segment-log.js';
import { storageFixture } from './storage.test-helper.js';

const { open, close, tmp } = storageFixture('ksql-segments-');

const view = (r: StoredRecord) => [r.partition, r.offset, r.sequence, r.timestamp, r.key, r.value, r.headers];

describe('readRecordHead', () => {
  it('reads offset, timestamp, sequence and producer tag as a full parse does', () => {
    const ids = ['CSAS_S_1', 'q"uote', 'back\\slash\\', '\\"', 'ünï', '1]', ''];
    const cases = [
      { ts: 1_700_000_000_123, producer: undefined },
      { ts: -5, producer: undefined },
      { ts: 1.5, producer: undefined },
      { ts: 1e21, producer: undefined },
      ...ids.map((id, i) => ({ ts: 7, producer: { id, sequence: i * 1000 } })),
    ];
    for (const [i, c] of cases.entries()) {
      const record: StoredRecord = {
        topic: 't',
        partition: 0,
        offset: i * 37,
        timestamp: c.ts,
        sequence: i * 1_000_003,
        key: i % 2 === 0 ? null : '"k,]"',
        value: '{"a":[1,2],"b":"x\\"y 9"}',
        headers: i % 3 === 0 ? [] : [{ key: 'h', value: '1' }],
      };
      const frame = encodeRecord(c.producer === undefined ? { record } : { record, producer: c.producer });
      const head = readRecordHead(frame, 8, frame.length);
      expect(head).toEqual({
        offset: record.offset,
        timestamp: record.timestamp,
        sequence: record.sequence,
        producerId: c.producer?.id,
        producerSequence: c.producer?.sequence ?? -1,
      });
    }
    expect(readRecordHead(Buffer.from('not json'), 0, 8)).toBeUndefined();
    expect(readRecordHead(Buffer.from('[1,2]'), 0, 5)).toBeUndefined();
  });
});

describe('segment logs', () => {
  it('reads records back after a restart through a cache too small to hold any block, across segments and blocks', async () => {
    const dir = tmp();
    const options = { dir, now: () => 1000, segmentBytes: 1024, cacheBytes: 1 };
    let s = open(options);
    s.broker.createTopic('t', { partitions: 3 });
    const total = 3 * BLOCK_RECORDS + 100;
    for (let i = 0; i < total; i += 50) {
      const batch = Array.from({ length: Math.min(50, total - i) }, (_, j) => ({
        key: `"k${(i + j) % 7}"`,
        value: `{"n":${i + j},"text":"${'é'.repeat((i + j) % 5)}"}`,
        timestamp: 5000 + i + j,
        headers: (i + j) % 11 === 0 ? [{ key: 'h', value: String(i + j) }] : [],
      }));
      s.broker.produce('t', batch, { producerId: 'p"1', sequence: i });
    }
    await s.flush();
    const before = s.broker.readAll('t').map(view);
    expect(before).toHaveLength(total);
    expect(readdirSync(join(dir, 'topics', '1', '0')).length).toBeGreaterThan(5);

    await close(s);
    s = open(options);
    expect(s.broker.readAll('t').map(view)).toEqual(before);
    expect(s.broker.nextSequence).toBe(total);

    // A consumer merges the partitions in sequence order, a few records at a time (every read misses the cache).
    const reader = s.broker.consumer('t', { from: 'earliest' });
    const seen: StoredRecord[] = [];
    for (let batch = reader.poll(7); batch.length > 0; batch = reader.poll(7)) seen.push(...batch);
    expect(seen.map((r) => r.sequence)).toEqual(Array.from({ length: total }, (_, i) => i));
    expect(seen.map((r) => JSON.parse(r.value as string).n)).toEqual(Array.from({ length: total }, (_, i) => i));

    // From a sequence: every partition from its first record at or after it.
    const late = s.broker.consumer('t', { from: { sequence: total - 10 } }).poll(100);
    expect(late.map((r) => r.sequence)).toEqual(Array.from({ length: 10 }, (_, i) => total - 10 + i));

    // The idempotent producer's last sequence per partition was recovered without decoding records.
    const dup = s.broker.produce('t', [{ key: '"k1"', value: '1' }], { producerId: 'p"1', sequence: total - 1 });
    expect(dup[0]?.duplicate).toBe(true);
  });

  it('appends after a restart in the middle of a block, and reads the block whole once it fills', async () => {
    const dir = tmp();
    const options = { dir, now: () => 1000, segmentBytes: 1 << 20 };
    let s = open(options);
    s.broker.createTopic('t', { partitions: 1 });
    const value = (i: number) => `{"i":${i}}`;
    s.broker.produce('t', Array.from({ length: BLOCK_RECORDS + 10 }, (_, i) => ({ key: null, value: value(i) })));
    await s.flush();
    await close(s);
    s = open(options);
    // Reads (and caches) the part of the second block that is on disk.
    expect(s.broker.readAll('t').map((r) => r.value)).toHaveLength(BLOCK_RECORDS + 10);
    const reader = s.broker.consumer('t', { from: 'earliest' });
    expect(reader.poll(BLOCK_RECORDS + 5)).toHaveLength(BLOCK_RECORDS + 5);
    for (let i = BLOCK_RECORDS + 10; i < 3 * BLOCK_RECORDS; i += 100) {
      s.broker.produce('t', Array.from({ length: 100 }, (_, j) => ({ key: null, value: value(i + j) })));
    }
    await s.flush();
    const all = s.broker.readAll('t');
    expect(all.map((r) => r.value)).toEqual(Array.from({ length: all.length }, (_, i) => value(i)));
    expect(all.map((r) => r.offset)).toEqual(Array.from({ length: all.length }, (_, i) => i));
    const rest = reader.poll(10_000);
    expect(rest.map((r) => r.offset)).toEqual(Array.from({ length: all.length - BLOCK_RECORDS - 5 }, (_, i) => BLOCK_RECORDS + 5 + i));
  });

  it('deletes whole expired segments, never the active one, and starts from the first kept segment after a restart', async () => {
    const dir = tmp();
    let now = 0;
    const options = { dir, now: () => now, segmentBytes: 512, cacheBytes: 1 };
    let s = open(options);
    s.broker.createTopic('t', { partitions: 1, retentionMs: 1000 });
    const pdir = join(dir, 'topics', '1', '0');
    // Written at t = 0 with timestamps ahead of it, so that nothing expires yet.
    for (let i = 0; i < 300; i++) {
      s.broker.produce('t', [{ key: null, value: `{"i":${i}}`, timestamp: i * 10 }]);
      if (i % 50 === 0) await s.flush();
    }
    await s.flush();
    const segmentsBefore = readdirSync(pdir).sort();
    expect(segmentsBefore.length).toBeGreaterThan(5);

    // At t = 3,000 the records before t = 2,000 (offsets below 200) have expired.
    now = 3000;
    s.broker.produce('t', [{ key: null, value: '{"i":300}' }]);
    await s.flush();
    await s.flush();
    const kept = readdirSync(pdir).sort();
    expect(kept.length).toBeLessThan(segmentsBefore.length);
    const firstKept = Number((kept[0] as string).slice(0, 20));
    expect(firstKept).toBeLessThanOrEqual(200);
    expect(firstKept).toBeGreaterThan(0);
    // Every deleted segment's records had all expired: the next segment started at or below offset 200.
    for (const name of segmentsBefore.filter((n) => !kept.includes(n))) expect(Number(name.slice(0, 20))).toBeLessThan(firstKept);
    expect(s.broker.offsets('t')).toEqual([{ partition: 0, start: 200, end: 301 }]);
    expect(s.broker.readAll('t').map((r) => r.offset)).toEqual(Array.from({ length: 101 }, (_, i) => 200 + i));

    await close(s);
    now = 3000;
    s = open(options);
    expect(s.broker.offsets('t')).toEqual([{ partition: 0, start: 200, end: 301 }]);
    expect(s.broker.consumer('t', { from: 'earliest' }).poll(1000).map((r) => r.value)).toEqual(Array.from({ length: 101 }, (_, i) => `{"i":${200 + i}}`));
    expect(s.broker.produce('t', [{ key: null, value: '{"i":301}' }])[0]?.offset).toBe(301);
    await s.flush();

    // Everything expired: only the active segment remains.
    now = 100_000;
    s.broker.produce('t', [{ key: null, value: '{"i":302}' }]);
    await s.flush();
    await s.flush();
    expect(readdirSync(pdir)).toHaveLength(1);
    expect(s.broker.readAll('t').map((r) => r.value)).toEqual(['{"i":302}']);
  });

  it('indexes sealed segments in files a restart reads instead of the segments, and reads a segment whose index does not match it', async () => {
    const dir = tmp();
    const options = { dir, now: () => 1000, segmentBytes: 2048, cacheBytes: 1 };
    let s = open(options);
    s.broker.createTopic('t', { partitions: 2 });
    const total = 2 * BLOCK_RECORDS + 77;
    for (let i = 0; i < total; i += 40) {
      const n = Math.min(40, total - i);
      s.broker.produce('t', Array.from({ length: n }, (_, j) => ({ key: `"k${(i + j) % 5}"`, value: `{"n":${i + j}}`, timestamp: 10 * (i + j) })), {
        producerId: `p${i % 3}`,
        sequence: i,
      });
    }
    await s.flush();
    await s.flush(); // the index files are written after the round that makes their segments durable
    const before = s.broker.readAll('t').map(view);
    const pdir = join(dir, 'topics', '1', '0');
    const logs = readdirSync(pdir).filter((f) => f.endsWith('.log')).sort();
    const idx = readdirSync(pdir).filter((f) => f.endsWith('.idx')).sort();
    expect(logs.length).toBeGreaterThan(3);
    // Every segment but the active one has its index.
    expect(idx).toEqual(logs.slice(0, -1).map((f) => f.replace('.log', '.idx')));
    await close(s);

    const reopen = async () => {
      s = open(options);
      expect(s.broker.readAll('t').map(view)).toEqual(before);
      expect(s.broker.nextSequence).toBe(total);
      const merged = s.broker.consumer('t', { from: { sequence: 100 } }).poll(10_000);
      expect(merged.map((r) => r.sequence)).toEqual(Array.from({ length: total - 100 }, (_, i) => 100 + i));
      // Producer sequences come back from the index files: a resend of the last batch is a duplicate.
      const dup = s.broker.produce('t', [{ key: '"k1"', value: '1' }], { producerId: 'p0', sequence: total - 1 });
      expect(dup.every((m) => m.duplicate === true)).toBe(true);
      await close(s);
    };
    await reopen();

    // A torn index and a corrupt one: those segments are read instead.
    const first = join(pdir, idx[0] as string);
    writeFileSync(first, readFileSync(first).subarray(0, 20));
    const second = join(pdir, idx[1] as string);
    const bytes = readFileSync(second);
    bytes[bytes.length - 1] = (bytes[bytes.length - 1] as number) ^ 0xff;
    writeFileSync(second, bytes);
    await reopen();
    // ... and indexed again for the next start.
    s = open(options);
    await s.flush();
    await s.flush();
    expect(readdirSync(pdir).filter((f) => f.endsWith('.idx')).sort()).toEqual(idx);
    expect(readFileSync(first).length).toBeGreaterThan(20);
  });
});
