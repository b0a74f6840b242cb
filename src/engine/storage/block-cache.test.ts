import { describe, expect, it } from 'vitest';
import { BlockCache, GHOST_KEYS, type CachedBlock } from './block-cache.js';
import { Float64Column } from './columns.js';

function block(first: number, bytes: number, evicted: CachedBlock[]): CachedBlock {
  const b: CachedBlock = { first, records: [], bytes, owner: { evicted: (x) => evicted.push(x) } };
  return b;
}

describe('BlockCache', () => {
  it('evicts the least recently used blocks past its byte budget, and tells their owners', () => {
    const evicted: CachedBlock[] = [];
    const cache = new BlockCache(100);
    const [a, b, c] = [block(0, 40, evicted), block(1, 40, evicted), block(2, 40, evicted)];
    cache.put('a', a);
    cache.put('b', b);
    expect(cache.get('a')).toBe(a);
    cache.put('c', c);
    expect(evicted).toEqual([b]);
    expect(cache.get('b')).toBeUndefined();
    expect(cache.bytes).toBe(80);
    cache.put('huge', block(3, 101, evicted));
    expect(cache.get('huge')).toBeUndefined();
    expect(cache.bytes).toBe(80);
  });

  it('keeps a block read from disk only on its second read', () => {
    const cache = new BlockCache(1000);
    cache.putRead('a', block(0, 10, []));
    expect(cache.get('a')).toBeUndefined();
    const again = block(0, 10, []);
    cache.putRead('a', again);
    expect(cache.get('a')).toBe(again);
    // A first read is forgotten after GHOST_KEYS others.
    cache.putRead('b', block(1, 10, []));
    for (let i = 0; i < GHOST_KEYS; i++) cache.putRead(`x${i}`, block(2, 10, []));
    cache.putRead('b', block(1, 10, []));
    expect(cache.get('b')).toBeUndefined();
  });
});

describe('Float64Column', () => {
  it('grows in chunks, addresses by absolute index, truncates and drops whole chunks from the head', () => {
    const col = new Float64Column(40_000);
    for (let i = 40_000; i < 100_000; i++) col.push(i * 2);
    expect(col.end).toBe(100_000);
    expect(col.get(40_000)).toBe(80_000);
    expect(col.get(99_999)).toBe(199_998);
    const before = col.bytes;
    col.dropBefore(70_000);
    expect(col.bytes).toBeLessThan(before);
    expect(col.get(70_000)).toBe(140_000);
    col.truncate(80_000);
    expect(col.end).toBe(80_000);
    col.push(-1);
    expect(col.get(80_000)).toBe(-1);
    expect(col.get(79_999)).toBe(159_998);
  });

  it('keeps a short column small', () => {
    const col = new Float64Column();
    for (let i = 0; i < 100; i++) col.push(i);
    expect(col.bytes).toBe(128 * 8);
    expect(col.get(99)).toBe(99);
  });
});
