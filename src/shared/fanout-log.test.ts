import { describe, expect, it } from 'vitest';
import { FanoutLog } from './fanout-log.js';

class TooSlow extends Error {}

function log(maxBytes: number, events: string[] = []) {
  return new FanoutLog<number>({
    maxBytes,
    tooSlow: () => new TooSlow('too slow'),
    onTooSlow: () => events.push('too-slow'),
    onIdle: () => events.push('idle'),
  });
}

async function drain(it: AsyncIterator<number>, n: number): Promise<number[]> {
  const got: number[] = [];
  for (let i = 0; i < n; i++) {
    const r = await it.next();
    if (r.done) break;
    got.push(r.value);
  }
  return got;
}

describe('FanoutLog', () => {
  it('stores each item once for every reader, and drops what all have read', async () => {
    const l = log(1000);
    const a = l.cursor();
    const b = l.cursor();
    for (let i = 0; i < 5; i++) l.append(i, 10);
    expect(l.bytes).toBe(50);
    expect(await drain(a, 5)).toEqual([0, 1, 2, 3, 4]);
    expect(l.bytes).toBe(50); // b has read nothing
    expect(await drain(b, 3)).toEqual([0, 1, 2]);
    expect(l.bytes).toBe(20);
    expect(await drain(b, 2)).toEqual([3, 4]);
    expect(l.bytes).toBe(0);
  });

  it('trims to the slowest reader as readers advance, join and leave', async () => {
    const l = log(1000);
    const a = l.cursor();
    const b = l.cursor();
    for (let i = 0; i < 4; i++) l.append(i, 10);
    const c = l.cursor(); // at the tail: holds nothing
    for (let i = 4; i < 6; i++) l.append(i, 10);
    expect(l.bytes).toBe(60);
    expect(await drain(a, 3)).toEqual([0, 1, 2]);
    expect(l.bytes).toBe(60); // b still at 0
    expect(await drain(b, 1)).toEqual([0]);
    expect(l.bytes).toBe(50);
    await b.return(); // the slowest leaves: a (at 3) is the slowest now
    expect(l.bytes).toBe(30);
    expect(await drain(a, 3)).toEqual([3, 4, 5]);
    expect(l.bytes).toBe(20); // c, joined at 4, has read nothing
    expect(await drain(c, 2)).toEqual([4, 5]);
    expect(l.bytes).toBe(0);
    await a.return();
    await c.return();
  });

  it('a reader joins at the tail', async () => {
    const l = log(1000);
    const a = l.cursor();
    l.append(1, 1);
    const b = l.cursor();
    l.append(2, 1);
    l.end();
    expect(await drain(a, 10)).toEqual([1, 2]);
    expect(await drain(b, 10)).toEqual([2]);
  });

  it('a waiting reader is woken by the next append', async () => {
    const l = log(1000);
    const a = l.cursor();
    const next = a.next();
    l.append(7, 1);
    expect(await next).toEqual({ value: 7, done: false });
  });

  it('ends a stalled reader once it is a whole log behind a reader that keeps up, in either join order', async () => {
    for (const stalledFirst of [true, false]) {
      const events: string[] = [];
      const l = log(100, events);
      const stalled = stalledFirst ? l.cursor() : undefined;
      const healthy = l.cursor();
      const stalled2 = stalled ?? l.cursor();
      const got: number[] = [];
      const reading = (async () => {
        for await (const v of healthy) got.push(v);
      })();
      for (let i = 0; i < 50; i++) {
        await l.waitForRoom();
        l.append(i, 10);
        await Promise.resolve();
      }
      l.end();
      await reading;
      expect(got).toEqual(Array.from({ length: 50 }, (_, i) => i));
      expect(events).toEqual(['too-slow', 'idle']);
      // The stalled reader's unread items went with the head it held: it gets the error.
      const seen: number[] = [];
      await expect(
        (async () => {
          for await (const v of stalled2) seen.push(v);
        })(),
      ).rejects.toBeInstanceOf(TooSlow);
      expect(seen).toEqual([]);
      expect(l.bytes).toBeLessThanOrEqual(100);
    }
  });

  it('two readers that keep up both get everything', async () => {
    const events: string[] = [];
    const l = log(50, events);
    const a = l.cursor();
    const b = l.cursor();
    const gotA: number[] = [];
    const gotB: number[] = [];
    const ra = (async () => {
      for await (const v of a) gotA.push(v);
    })();
    const rb = (async () => {
      for await (const v of b) gotB.push(v);
    })();
    for (let i = 0; i < 1000; i++) {
      await l.waitForRoom();
      l.append(i, 10);
      if (i % 3 === 0) await new Promise((r) => setImmediate(r));
    }
    l.end();
    await Promise.all([ra, rb]);
    expect(gotA).toHaveLength(1000);
    expect(gotB).toEqual(gotA);
    expect(events).toEqual(['idle']);
  });

  it('a single slow reader is never ended: the producer waits for room', async () => {
    const events: string[] = [];
    const l = log(30, events);
    const a = l.cursor();
    for (let i = 0; i < 3; i++) l.append(i, 10);
    expect(l.hasRoom()).toBe(false);
    let roomy = false;
    const room = l.waitForRoom().then(() => (roomy = true));
    await Promise.resolve();
    expect(roomy).toBe(false);
    expect(await drain(a, 1)).toEqual([0]);
    await room;
    expect(roomy).toBe(true);
    expect(events).toEqual([]);
  });

  it('delivers a failure after the unread items; the last reader leaving makes it idle', async () => {
    const events: string[] = [];
    const l = log(100, events);
    const a = l.cursor();
    const b = l.cursor();
    l.append(1, 1);
    l.fail(new Error('upstream'));
    expect(await a.next()).toEqual({ value: 1, done: false });
    await expect(a.next()).rejects.toThrow('upstream');
    expect(await a.next()).toEqual({ value: undefined, done: true });
    await b.return();
    expect(events).toEqual(['idle']);
    expect(l.size).toBe(0);
  });

  it('return() resolves a pending next() as done and frees what only that reader held', async () => {
    const l = log(100);
    const a = l.cursor();
    const b = l.cursor();
    l.append(1, 10);
    await drain(a, 1);
    const pending = a.next();
    await a.return();
    expect(await pending).toEqual({ value: undefined, done: true });
    expect(l.bytes).toBe(10);
    await b.return();
    expect(l.bytes).toBe(0);
  });
});
