/**
 * CRC-32 (IEEE 802.3, the polynomial of zlib, gzip and Kafka's legacy
 * record format), table-driven. `node:zlib`'s `crc32` exists only from
 * Node 22; the engine supports Node 20.
 *
 * @module
 */

const TABLE: Uint32Array = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/**
 * The CRC-32 of `bytes[start, end)`, continuing from `previous` (the CRC of
 * the bytes before, 0 to start).
 *
 * @example
 * ```ts
 * crc32(Buffer.from('123456789')); // 0xcbf43926
 * ```
 */
export function crc32(bytes: Uint8Array, start = 0, end = bytes.length, previous = 0): number {
  let c = ~previous >>> 0;
  for (let i = start; i < end; i++) c = (TABLE[(c ^ (bytes[i] as number)) & 0xff] as number) ^ (c >>> 8);
  return ~c >>> 0;
}
