import { describe, expect, it } from 'vitest';
import { createMemoryBroker } from './memory.js';
import { createSandboxBroker } from './sandbox.js';

describe('MemoryBroker', () => {
  it('assigns partitions, offsets and timestamps', () => {
    let now = 1000;
    const b = createMemoryBroker({ now: () => now++ });
    b.createTopic('t', { partitions: 2 });
    const md = b.produce('t', [
      { key: null, value: '1', partition: 0 },
      { key: null, value: '2', partition: 1 },
      { key: null, value: '3', partition: 0, timestamp: 5 },
    ]);
    expect(md.map((m) => [m.partition, m.offset, m.timestamp])).toEqual([
      [0, 0, 1000],
      [1, 0, 1001],
      [0, 1, 5],
    ]);
    expect(b.offsets('t')).toEqual([
      { partition: 0, start: 0, end: 2 },
      { partition: 1, start: 0, end: 1 },
    ]);
    expect(b.readAll('t').map((r) => r.value)).toEqual(['1', '3', '2']);
  });

  it('drops records older than retention.ms from the head: offsets go on, readers skip to the first record held', () => {
    let now = 100_000;
    const b = createMemoryBroker({ now: () => now });
    b.createTopic('t', { partitions: 1, retentionMs: 10_000 });
    expect(b.describeTopic('t')).toMatchObject({ retentionMs: 10_000 });
    const slow = b.consumer('t', { from: 'earliest' });
    b.produce('t', [1, 2, 3].map((v) => ({ key: null, value: String(v), partition: 0, timestamp: 80_000 })));
    // Produced already expired: still read once, dropped by the next produce.
    const live = b.consumer('t', { from: 'earliest' });
    expect(live.poll(10).map((r) => r.value)).toEqual(['1', '2', '3']);
    now = 101_000;
    b.produce('t', [{ key: null, value: '4', partition: 0 }]);
    expect(b.offsets('t')).toEqual([{ partition: 0, start: 3, end: 4 }]);
    expect(b.readAll('t').map((r) => [r.offset, r.value])).toEqual([[3, '4']]);
    expect(slow.poll(10).map((r) => [r.offset, r.value])).toEqual([[3, '4']]);
    expect(live.poll(10).map((r) => r.value)).toEqual(['4']);
    expect(b.consumer('t', { from: 'earliest' }).poll(10).map((r) => r.offset)).toEqual([3]);
    expect(b.produce('t', [{ key: null, value: '5', partition: 0 }])[0]?.offset).toBe(4);
  });

  it('looks at each expired record once and moves the partition only when half of it has expired', () => {
    let now = 0;
    const b = createMemoryBroker({ now: () => now });
    b.createTopic('t', { partitions: 1, retentionMs: 1_000 });
    const reader = b.consumer('t', { from: 'earliest' });
    for (let i = 0; i < 5_000; i++) {
      now = i;
      b.produce('t', [{ key: null, value: String(i), partition: 0 }]);
    }
    // Records 0 to 3,998 are older than 1,000 ms at t = 4,999.
    expect(b.offsets('t')).toEqual([{ partition: 0, start: 3_999, end: 5_000 }]);
    expect(b.readAll('t')).toHaveLength(1_001);
    expect(reader.poll(2).map((r) => r.offset)).toEqual([3_999, 4_000]);
    expect(b.consumer('t', { from: 'earliest' }).poll(1).map((r) => r.value)).toEqual(['3999']);
  });

  it('keeps records of topics without retention.ms, whatever their age', () => {
    const b = createMemoryBroker({ now: () => 10_000_000 });
    b.createTopic('t', { partitions: 1 });
    b.produce('t', [{ key: null, value: '1', partition: 0, timestamp: 1 }]);
    b.produce('t', [{ key: null, value: '2', partition: 0 }]);
    expect(b.readAll('t').map((r) => r.value)).toEqual(['1', '2']);
  });

  it('rejects duplicate topics, unknown topics and bad partitions', () => {
    const b = createMemoryBroker();
    b.createTopic('t', { partitions: 1 });
    expect(() => b.createTopic('t', { partitions: 1 })).toThrow(/already exists/);
    expect(() => b.produce('nope', [])).toThrow(/does not exist/);
    expect(() => b.produce('t', [{ key: null, value: '1', partition: 3 }])).toThrow(/Invalid partition/);
  });

  it('consumers merge partitions in append order and start at earliest or latest', () => {
    const b = createMemoryBroker();
    b.createTopic('t', { partitions: 3 });
    b.produce('t', [
      { key: null, value: 'a', partition: 2 },
      { key: null, value: 'b', partition: 0 },
    ]);
    const early = b.consumer('t', { from: 'earliest' });
    const late = b.consumer('t', { from: 'latest' });
    b.produce('t', [{ key: null, value: 'c', partition: 1 }]);
    expect(early.poll(10).map((r) => r.value)).toEqual(['a', 'b', 'c']);
    expect(late.poll(10).map((r) => r.value)).toEqual(['c']);
    expect(early.poll(10)).toEqual([]);
    expect(early.positions()).toEqual(new Map([[0, 1], [1, 1], [2, 1]]));
  });

  it('wakes waiting consumers on append, delete and abort', async () => {
    const b = createMemoryBroker();
    b.createTopic('t', { partitions: 1 });
    const c = b.consumer('t', { from: 'latest' });
    const waiting = c.waitForRecords();
    b.produce('t', [{ key: '"k"', value: '1' }]);
    await waiting;
    expect(c.poll(1)).toHaveLength(1);

    const ac = new AbortController();
    const aborted = c.waitForRecords(ac.signal);
    ac.abort();
    await aborted;

    const deleted = c.waitForRecords();
    b.deleteTopic('t');
    await deleted;
    expect(c.closed).toBe(true);
  });
});

describe('sandbox broker', () => {
  it('records topic changes without touching the real broker', () => {
    const real = createMemoryBroker();
    real.createTopic('a', { partitions: 1 });
    const s = createSandboxBroker(real);
    s.createTopic('b', { partitions: 2 });
    s.deleteTopic('a');
    expect(s.topicExists('b')).toBe(true);
    expect(s.topicExists('a')).toBe(false);
    expect(real.topicExists('b')).toBe(false);
    expect(real.topicExists('a')).toBe(true);
    s.produce('b', [{ key: null, value: '1' }]);
    expect(() => real.readAll('b')).toThrow();
  });
});
