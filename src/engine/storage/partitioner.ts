/**
 * Kafka's default partitioner for keyed records: murmur2 over the key bytes,
 * made positive, modulo the partition count. Stable across runs, so a key
 * always lands in the same partition.
 *
 * @module
 */

const encoder = new TextEncoder();

/** Kafka's `Utils.murmur2` (seed 0x9747b28c). */
export function murmur2(data: Uint8Array): number {
  const length = data.length;
  const seed = 0x9747b28c;
  const m = 0x5bd1e995;
  const r = 24;
  let h = (seed ^ length) | 0;
  const length4 = length >> 2;
  for (let i = 0; i < length4; i++) {
    const i4 = i * 4;
    let k =
      ((data[i4] as number) & 0xff) |
      (((data[i4 + 1] as number) & 0xff) << 8) |
      (((data[i4 + 2] as number) & 0xff) << 16) |
      (((data[i4 + 3] as number) & 0xff) << 24);
    k = Math.imul(k, m);
    k ^= k >>> r;
    k = Math.imul(k, m);
    h = Math.imul(h, m);
    h ^= k;
  }
  const index = length4 * 4;
  const rest = length % 4;
  if (rest === 3) h ^= ((data[index + 2] as number) & 0xff) << 16;
  if (rest >= 2) h ^= ((data[index + 1] as number) & 0xff) << 8;
  if (rest >= 1) {
    h ^= (data[index] as number) & 0xff;
    h = Math.imul(h, m);
  }
  h ^= h >>> 13;
  h = Math.imul(h, m);
  h ^= h >>> 15;
  return h | 0;
}

/** Kafka's `Utils.toPositive`. */
export function toPositive(n: number): number {
  return n & 0x7fffffff;
}

export interface Partitioner {
  /** Partition for a record with this stored key text (null: no key). */
  partition(key: string | null, partitions: number): number;
}

/** Keyed: murmur2 of the UTF-8 key text. Unkeyed: round robin. */
export function createDefaultPartitioner(): Partitioner {
  let next = 0;
  return {
    partition(key, partitions) {
      if (partitions <= 1) return 0;
      if (key === null) {
        const p = next % partitions;
        next = (next + 1) % 0x7fffffff;
        return p;
      }
      return toPositive(murmur2(encoder.encode(key))) % partitions;
    },
  };
}
