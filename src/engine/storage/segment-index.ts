/**
 * Index files of sealed segments (`<first offset, 20 digits>.idx` beside
 * the `.log`), as Kafka keeps `.index` and `.timeindex` files: what recovery
 * would otherwise read every record of a segment for (each record's sequence
 * and timestamp, the position of each block's first record, the last
 * producer sequence per producer id). With them a restart reads only the
 * active segment of each partition, whatever the history before it.
 *
 * A segment is sealed when the next one is started; its index is written
 * once the segment's last records are durable (and fdatasync'd itself before
 * it is renamed into place), so an index names only durable records. It is
 * trusted only when it is whole (CRC) and describes the segment file as it
 * is (first offset and byte size); otherwise, or when it is absent, recovery
 * reads the segment as before. Numbers are stored in the machine's byte
 * order: a data directory moved to a machine of the other order reads its
 * segments again.
 *
 * ```
 * [u32 BE header length][header JSON][f64 sequences][f64 timestamps][f64 block positions][u32 BE crc32 of all before]
 * ```
 *
 * A compacted segment's offsets have gaps: its index (`"sparse": true` in
 * the header) lists each record's offset before the sequences, the offset
 * of each block's first record before the block positions, and the offset
 * after the segment's range (its gaps included) in the header:
 *
 * ```
 * [u32 BE header length][header JSON][f64 offsets][f64 sequences][f64 timestamps][f64 block offsets][f64 block positions][u32 BE crc32]
 * ```
 *
 * @module
 */
import { closeSync, existsSync, fdatasyncSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { crc32 } from './crc32.js';

/** A 20-digit offset: how segment files and their companions are named. */
export const offsetName = (offset: number) => String(offset).padStart(20, '0');

/**
 * A segment's file (`.log`), its index's (`.idx`), and a compaction's copy
 * being written (`.cleaned`): named by the segment's first offset.
 */
export const segmentName = (offset: number, ext: 'log' | 'idx' | 'cleaned' = 'log') => `${offsetName(offset)}.${ext}`;

export interface SegmentIndex {
  /** The segment's first offset. */
  readonly base: number;
  /** A compacted segment's records and blocks, and the offset after its range; absent for a segment without gaps. */
  readonly sparse?: { readonly offsets: Float64Array; readonly blockOffsets: Float64Array; readonly end: number } | undefined;
  /** The segment file's size in bytes. */
  readonly bytes: number;
  /** Per record, in offset order (a record of each offset from the base, unless sparse). */
  readonly sequences: Float64Array;
  readonly timestamps: Float64Array;
  /** Byte positions of the records whose offset is a multiple of the block size (or of the sparse blocks' first records), in offset order. */
  readonly blockPositions: Float64Array;
  /** The last producer sequence per producer id among the segment's records. */
  readonly producers: readonly (readonly [string, number])[];
}

interface Header {
  readonly version: 1;
  readonly base: number;
  readonly bytes: number;
  readonly count: number;
  readonly blocks: number;
  readonly littleEndian: boolean;
  readonly producers: readonly (readonly [string, number])[];
  readonly sparse?: { readonly end: number } | undefined;
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

const bytesOf = (a: Float64Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

function u32(n: number): Buffer {
  const b = Buffer.allocUnsafe(4);
  b.writeUInt32BE(n >>> 0, 0);
  return b;
}

/** Writes `index` to `path`, durably, replacing what was there (through a temporary file and a rename). */
export function writeSegmentIndex(path: string, index: SegmentIndex): void {
  const header: Header = {
    version: 1,
    base: index.base,
    bytes: index.bytes,
    count: index.sequences.length,
    blocks: index.blockPositions.length,
    littleEndian: LITTLE_ENDIAN,
    producers: index.producers,
    ...(index.sparse === undefined ? {} : { sparse: { end: index.sparse.end } }),
  };
  const json = Buffer.from(JSON.stringify(header));
  const { sparse } = index;
  const body = Buffer.concat(
    sparse === undefined
      ? [u32(json.length), json, bytesOf(index.sequences), bytesOf(index.timestamps), bytesOf(index.blockPositions)]
      : [
          u32(json.length),
          json,
          bytesOf(sparse.offsets),
          bytesOf(index.sequences),
          bytesOf(index.timestamps),
          bytesOf(sparse.blockOffsets),
          bytesOf(index.blockPositions),
        ],
  );
  const tmp = `${path}.tmp`;
  const fd = openSync(tmp, 'w', 0o644);
  try {
    for (const part of [body, u32(crc32(body))]) {
      let written = 0;
      while (written < part.length) written += writeSync(fd, part, written);
    }
    fdatasyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}

function f64At(bytes: Buffer, offset: number, count: number): Float64Array {
  const out = new Float64Array(count);
  bytesOf(out).set(bytes.subarray(offset, offset + count * 8));
  return out;
}

/**
 * The index at `path` when it is whole and describes a segment starting at
 * `base` of `bytes` bytes; undefined otherwise (absent, torn, stale).
 */
export function readSegmentIndex(path: string, base: number, bytes: number): SegmentIndex | undefined {
  if (!existsSync(path)) return undefined;
  try {
    const data = readFileSync(path);
    if (data.length < 8) return undefined;
    const body = data.subarray(0, data.length - 4);
    if (crc32(body) !== data.readUInt32BE(data.length - 4)) return undefined;
    const jsonLength = body.readUInt32BE(0);
    // Read from disk: a file another version wrote may carry another version.
    const header = JSON.parse(body.toString('utf8', 4, 4 + jsonLength)) as Omit<Header, 'version'> & { readonly version: unknown };
    if (header.version !== 1 || header.base !== base || header.bytes !== bytes || header.littleEndian !== LITTLE_ENDIAN) return undefined;
    const at = 4 + jsonLength;
    if (header.sparse !== undefined) {
      const { count, blocks } = header;
      if (body.length !== at + (3 * count + 2 * blocks) * 8) return undefined;
      return {
        base,
        bytes,
        sparse: { offsets: f64At(body, at, count), blockOffsets: f64At(body, at + count * 24, blocks), end: header.sparse.end },
        sequences: f64At(body, at + count * 8, count),
        timestamps: f64At(body, at + count * 16, count),
        blockPositions: f64At(body, at + count * 24 + blocks * 8, blocks),
        producers: header.producers,
      };
    }
    if (body.length !== at + (2 * header.count + header.blocks) * 8) return undefined;
    return {
      base,
      bytes,
      sequences: f64At(body, at, header.count),
      timestamps: f64At(body, at + header.count * 8, header.count),
      blockPositions: f64At(body, at + header.count * 16, header.blocks),
      producers: header.producers,
    };
  } catch {
    return undefined;
  }
}

export function removeSegmentIndex(path: string): void {
  rmSync(path, { force: true });
  rmSync(`${path}.tmp`, { force: true });
}
