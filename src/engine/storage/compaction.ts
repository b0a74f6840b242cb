/**
 * Compaction of a partition whose topic's `cleanup.policy` includes
 * `compact` (table sources and CTAS changelogs), as Kafka's log cleaner
 * does it: in the sealed segments (never the active one), a record goes
 * when a later record has the same key, and a tombstone (null value) also
 * goes once it is older than `delete.retention.ms`. Offsets are kept: the
 * removed ones become gaps, which readers skip (`PartitionLog.held`).
 *
 * Two passes, run by `SegmentLog` in the background, a chunk of frames per
 * macrotask so that producers and readers go on meanwhile:
 *
 * 1. {@link CompactionMap}: the last offset of each key in the *dirty*
 *    section (sealed segments not yet compacted) and the last record of each
 *    producer in all sealed segments.
 * 2. The sealed segments are copied, frame by frame (bytes and CRC as they
 *    are), into new segments of at most about one segment's size each
 *    ({@link CompactedSegmentWriter}), which replace the old ones.
 *
 * The last record of every producer is kept whatever its key: the producer's
 * last sequence is what idempotent produce (and so exactly-once output)
 * checks against, and recovery reads it from the records (Kafka's cleaner
 * keeps each producer's last batch for the same reason).
 *
 * A new segment replaces old ones crash-safely: it is written as
 * `<first>.cleaned`, made durable, renamed to `<first>-<end>.swap` (durably);
 * then the old segments in [first, end) are removed and the swap file is
 * renamed to `<first>.log`. Recovery deletes a `.cleaned` file and finishes
 * the replacement a `.swap` file stands for ({@link finishSwaps}).
 *
 * @module
 */
import { open, type FileHandle } from 'node:fs/promises';
import { closeSync, fsyncSync, openSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { setImmediate as nextMacrotask } from 'node:timers/promises';
import type { Logger } from '../../shared/logger.js';
import { FRAME_HEADER_BYTES, readAt, type FrameFile } from './frames.js';
import { offsetName, segmentName } from './segment-index.js';
import { SPARSE_BLOCK_RECORDS } from './sparse-index.js';

/** Kafka's `delete.retention.ms` default: how long a tombstone outlives the records it deleted. */
export const DEFAULT_DELETE_RETENTION_MS = 24 * 60 * 60 * 1000;

/** Kafka's `min.cleanable.dirty.ratio` default: compact once half the sealed bytes are not compacted yet. */
export const MIN_CLEANABLE_DIRTY_RATIO = 0.5;

/** True when a topic of this `cleanup.policy` (e.g. `compact`, `compact,delete`) is compacted. */
export const isCompacted = (cleanupPolicy: string) => cleanupPolicy.split(',').some((p) => p.trim() === 'compact');

/** What compaction reads of a record: the tuple of `segment-log.ts` up to its producer tag. */
export type FrameTuple = [number, number, number, string | null, string | null, unknown, string?, number?];

/** Which records of the sealed segments compaction keeps (pass 1 fills it). */
export class CompactionMap {
  /** Last offset per key in the dirty section. */
  readonly #latest = new Map<string, number>();
  /** Last offset per producer id in the sealed segments. */
  readonly #producers = new Map<string, number>();
  readonly #dirtyFrom: number;
  readonly #tombstonesBefore: number;

  /** `dirtyFrom`: first offset not compacted before; tombstones with a timestamp below `tombstonesBefore` go. */
  constructor(dirtyFrom: number, tombstonesBefore: number) {
    this.#dirtyFrom = dirtyFrom;
    this.#tombstonesBefore = tombstonesBefore;
  }

  /** Distinct keys seen (the map's size, for the log line). */
  get keys(): number {
    return this.#latest.size;
  }

  /** Pass 1, in offset order. Keys are only looked at in the dirty section. */
  observe(offset: number, key: string | null | undefined, producerId: string | undefined): void {
    if (producerId !== undefined) this.#producers.set(producerId, offset);
    if (key !== null && key !== undefined && offset >= this.#dirtyFrom) this.#latest.set(key, offset);
  }

  /** Pass 2: whether the record at `offset` stays. */
  keeps(offset: number, t: FrameTuple): boolean {
    const producerId = t[6];
    if (producerId !== undefined && this.#producers.get(producerId) === offset) return true;
    const key = t[3];
    // Kafka refuses records without a key on compacted topics; ours are kept as they are.
    if (key === null) return true;
    const latest = this.#latest.get(key);
    if (latest !== undefined && latest > offset) return false;
    return t[4] !== null || t[1] >= this.#tombstonesBefore;
  }
}

/** Whole frames read from a segment: `starts` are their positions in `buffer`, which begins at byte `position` of the file. */
export interface FrameChunk {
  readonly buffer: Buffer;
  readonly position: number;
  readonly starts: readonly number[];
  /** Bytes of `buffer` the frames cover. */
  readonly length: number;
}

const CHUNK_BYTES = 1 << 20;

/**
 * The frames of `file` from byte `from` to `to`, about a MiB at a time,
 * letting other work run between chunks. The file may be appended to
 * meanwhile; only what lies before `to` is read. CRCs are not checked here:
 * the frames were checked when written or recovered, and are copied with
 * their CRC.
 */
export async function* readFrameChunks(file: FrameFile, from: number, to: number, isClosed: () => boolean): AsyncGenerator<FrameChunk> {
  let position = from;
  while (position < to) {
    if (isClosed()) return;
    let length = Math.min(CHUNK_BYTES, to - position);
    let buffer = readAt(file, position, length);
    if (length >= FRAME_HEADER_BYTES && FRAME_HEADER_BYTES + buffer.readUInt32BE(0) > length) {
      // One frame larger than a chunk.
      length = Math.min(FRAME_HEADER_BYTES + buffer.readUInt32BE(0), to - position);
      buffer = readAt(file, position, length);
    }
    const starts: number[] = [];
    let p = 0;
    while (p + FRAME_HEADER_BYTES <= length) {
      const end = p + FRAME_HEADER_BYTES + buffer.readUInt32BE(p);
      if (end > length) break;
      starts.push(p);
      p = end;
    }
    if (starts.length === 0) throw new Error(`Invariant violated: no whole frame at byte ${position} of ${file.path}`);
    yield { buffer, position, starts, length: p };
    position += p;
    await nextMacrotask();
  }
}

/** The tuple of the frame at `start` of `chunk`. */
export function frameTuple(chunk: FrameChunk, start: number): FrameTuple {
  const length = chunk.buffer.readUInt32BE(start);
  return JSON.parse(chunk.buffer.toString('utf8', start + FRAME_HEADER_BYTES, start + FRAME_HEADER_BYTES + length)) as FrameTuple;
}


/** The name of the file that stands for "segments [first, end) are replaced by this". */
const swapName = (first: number, end: number) => `${offsetName(first)}-${offsetName(end)}.swap`;

/**
 * A compacted segment being written: the frames kept, in offset order, and
 * what indexing it needs (the kept offsets, and where blocks of them start).
 */
export class CompactedSegmentWriter {
  readonly dir: string;
  readonly base: number;
  readonly #handle: FileHandle;
  #size = 0;
  #pending: Buffer[] = [];
  #pendingBytes = 0;
  /** Offsets kept, ascending. */
  readonly kept: number[] = [];
  /** Records of the segments copied that were left out. */
  dropped = 0;
  /** Indexes in {@link kept} of the records that start a block (the first, then every {@link SPARSE_BLOCK_RECORDS}). */
  readonly blockStarts: number[] = [];
  /** Byte positions of those records. */
  readonly blockPositions: number[] = [];
  /** The last producer sequence per producer id among the frames kept. */
  readonly producers = new Map<string, number>();

  private constructor(dir: string, base: number, handle: FileHandle) {
    this.dir = dir;
    this.base = base;
    this.#handle = handle;
  }

  static async create(dir: string, base: number): Promise<CompactedSegmentWriter> {
    return new CompactedSegmentWriter(dir, base, await open(join(dir, segmentName(base, 'cleaned')), 'w', 0o644));
  }

  get size(): number {
    return this.#size + this.#pendingBytes;
  }

  /** Adds the frame `bytes` (header included) of the record at `offset`. */
  add(bytes: Buffer, offset: number, t: FrameTuple): void {
    if (this.kept.length % SPARSE_BLOCK_RECORDS === 0) {
      this.blockStarts.push(this.kept.length);
      this.blockPositions.push(this.size);
    }
    this.kept.push(offset);
    if (t[6] !== undefined) this.producers.set(t[6], t[7] ?? -1);
    this.#pending.push(bytes);
    this.#pendingBytes += bytes.length;
  }

  /** Writes what was added (call between chunks). */
  async flush(): Promise<void> {
    if (this.#pendingBytes === 0) return;
    const data = Buffer.concat(this.#pending, this.#pendingBytes);
    this.#pending = [];
    this.#pendingBytes = 0;
    let written = 0;
    while (written < data.length) written += (await this.#handle.write(data, written, data.length - written, this.#size + written)).bytesWritten;
    this.#size += data.length;
  }

  /**
   * Ends the segment at offset `end` (exclusive) and makes it durable under
   * its swap name: from here on, recovery finishes the replacement.
   */
  async finish(end: number, syncDir: () => Promise<void>): Promise<string> {
    await this.flush();
    await this.#handle.sync();
    await this.#handle.close();
    const swap = join(this.dir, swapName(this.base, end));
    renameSync(join(this.dir, segmentName(this.base, 'cleaned')), swap);
    await syncDir();
    return swap;
  }

  /** Gives up: the file goes (its handle may already be closed). */
  async discard(swap?: string): Promise<void> {
    await this.#handle.close().catch(() => {});
    rmSync(join(this.dir, segmentName(this.base, 'cleaned')), { force: true });
    if (swap !== undefined) rmSync(swap, { force: true });
  }
}

/**
 * Recovery's part: removes `.cleaned` files (a compaction cut short) and
 * finishes every replacement a `.swap` file stands for (removing the old
 * segments and their index files in its range, renaming it to `.log`).
 * Returns the directory's entries as they are afterwards.
 */
export function finishSwaps(dir: string, logger: Logger): string[] {
  const names = readdirSync(dir);
  let changed = false;
  for (const name of names) {
    if (!name.endsWith('.cleaned')) continue;
    rmSync(join(dir, name), { force: true });
    changed = true;
  }
  for (const name of names) {
    const m = /^(\d{20})-(\d{20})\.swap$/.exec(name);
    if (m === null) continue;
    changed = true;
    const first = Number(m[1]);
    const end = Number(m[2]);
    for (const other of names) {
      const o = /^(\d{20})\.(log|idx)$/.exec(other);
      if (o !== null && Number(o[1]) >= first && Number(o[1]) < end) rmSync(join(dir, other), { force: true });
    }
    // The old segments' removal is durable before the copy takes the first one's name: never both at once.
    fsyncDirSync(dir);
    renameSync(join(dir, name), join(dir, segmentName(first)));
    fsyncDirSync(dir);
    logger.info(`storage: ${dir}: finished replacing the segments of offsets ${first} to ${end - 1} by their compacted copy`);
  }
  return changed ? readdirSync(dir) : names;
}

/** fsync of a directory, so that the entries added, renamed and removed in it are durable. */
export function fsyncDirSync(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
