import { describe, expect, it } from 'vitest';
import { createDefaultPartitioner, murmur2, toPositive } from './partitioner.js';

const bytes = (s: string) => new TextEncoder().encode(s);

describe('murmur2', () => {
  it('matches Kafka Utils.murmur2 test vectors', () => {
    expect(murmur2(bytes('21'))).toBe(-973932308);
    expect(murmur2(bytes('foobar'))).toBe(-790332482);
    expect(murmur2(bytes('a-little-bit-long-string'))).toBe(-985981536);
    expect(murmur2(bytes('a-little-bit-longer-string'))).toBe(-1486304829);
    expect(murmur2(bytes('lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8'))).toBe(-58897971);
    expect(murmur2(bytes('abc'))).toBe(479470107);
  });
});

describe('default partitioner', () => {
  it('is stable for keys and round-robins null keys', () => {
    const p = createDefaultPartitioner();
    expect(p.partition('"k"', 4)).toBe(p.partition('"k"', 4));
    expect(p.partition('"k"', 4)).toBe(toPositive(murmur2(bytes('"k"'))) % 4);
    expect([p.partition(null, 3), p.partition(null, 3), p.partition(null, 3)].sort()).toEqual([0, 1, 2]);
    expect(p.partition('"k"', 1)).toBe(0);
  });
});
