/**
 * A partition of the file-backed broker: its segment files
 * (`<first offset, 20 digits>.log`, frames of `frames.ts`), and in memory
 * only what every record is looked at for — its sequence and timestamp, in
 * {@link Float64Column}s (16 bytes a record) — plus the byte position of
 * every {@link BLOCK_RECORDS}-th record. A read decodes the block of
 * consecutive records around the offset asked for with one positional read
 * and keeps it in the broker's {@link BlockCache}; the records of the block
 * being written are kept until it is full, and a full block goes to the
 * cache (consumers usually read what was just produced).
 *
 * Recovery ({@link SegmentLog.recover}) checks every frame's CRC and reads
 * from each record's payload only its offset, timestamp, sequence and
 * producer tag, without building the record; a sealed segment whose index
 * file (`segment-index.ts`) matches it is not read at all.
 *
 * @module
 */
import { closeSync, constants, fstatSync, mkdirSync, openSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '../../shared/logger.js';
import { RECORD_OVERHEAD_BYTES, type BlockCache, type CachedBlock } from './block-cache.js';
import { Float64Column } from './columns.js';
import { SPARSE_BLOCK_RECORDS, SparseIndex, SparseIndexBuilder } from './sparse-index.js';
import {
  CompactedSegmentWriter,
  CompactionMap,
  DEFAULT_DELETE_RETENTION_MS,
  finishSwaps,
  frameTuple,
  MIN_CLEANABLE_DIRTY_RATIO,
  readFrameChunks,
  type FrameChunk,
} from './compaction.js';
import { encodeFrame, FRAME_HEADER_BYTES, FrameFile, openFrameFile, readAt, walkFrameFile } from './frames.js';
import { readSegmentIndex, removeSegmentIndex, segmentName, writeSegmentIndex, type SegmentIndex } from './segment-index.js';
import type { GroupCommit } from './group-commit.js';
import type { RecordHeader, StoredRecord } from './log.js';
import type { JournalRecord, PartitionLog } from './partition-log.js';

/**
 * Records per block: the unit of a read and of the cache. Large enough that a
 * sequential reader makes one read syscall per ~50-100 KiB of typical
 * records, small enough that a block is a small share of the cache.
 */
export const BLOCK_RECORDS = 512;

/** On disk: [offset, timestamp, sequence, key, value, headers, producerId?, producerSequence?]. */
type RecordTuple = [number, number, number, string | null, string | null, [string, string | null][], string?, number?];

export function encodeRecord({ record: r, producer }: JournalRecord): Buffer {
  const tuple: RecordTuple = [r.offset, r.timestamp, r.sequence, r.key, r.value, r.headers.map((h) => [h.key, h.value])];
  if (producer !== undefined) tuple.push(producer.id, producer.sequence);
  return encodeFrame(Buffer.from(JSON.stringify(tuple)));
}

function decodeTuple(bytes: Buffer, start: number, end: number): RecordTuple {
  return JSON.parse(bytes.toString('utf8', start, end)) as RecordTuple;
}

/** Shared by the records without headers (most): one array fewer per record read. */
const NO_HEADERS: readonly RecordHeader[] = Object.freeze([]);

function toRecord(topic: string, partition: number, t: RecordTuple): StoredRecord {
  const headers = t[5].length === 0 ? NO_HEADERS : t[5].map(([key, value]): RecordHeader => ({ key, value }));
  // The property order of the records `MemoryBroker.produce` builds: readers see one object shape.
  return { topic, partition, offset: t[0], timestamp: t[1], key: t[3], value: t[4], headers, sequence: t[2] };
}

/** What recovery needs of a record. */
export interface RecordHead {
  offset: number;
  timestamp: number;
  sequence: number;
  producerId: string | undefined;
  producerSequence: number;
}

const COMMA = 0x2c;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const isDigit = (c: number | undefined) => c !== undefined && c >= 0x30 && c <= 0x39;

/** A JSON number in `bytes[from, to)`: plain integers by hand, anything else through `Number`. */
function parseNumber(bytes: Buffer, from: number, to: number): number {
  let i = from;
  const negative = bytes[i] === 0x2d;
  if (negative) i++;
  if (i >= to) return NaN;
  let n = 0;
  for (; i < to; i++) {
    const c = (bytes[i] as number) - 0x30;
    if (c < 0 || c > 9) return Number(bytes.toString('latin1', from, to));
    n = n * 10 + c;
  }
  return negative ? -n : n;
}

/**
 * Offset, timestamp, sequence and producer tag of the record tuple in
 * `bytes[start, end)` without parsing its key, value and headers: the three
 * numbers lead the tuple, and a producer tag, when present, ends it (without
 * one the tuple ends with the headers' `]`). Falls back to parsing the whole
 * tuple when the bytes do not look as expected; undefined when that fails too.
 */
export function readRecordHead(bytes: Buffer, start: number, end: number): RecordHead | undefined {
  fast: {
    if (bytes[start] !== 0x5b || bytes[end - 1] !== 0x5d) break fast;
    const numbers: number[] = [];
    let p = start + 1;
    for (let k = 0; k < 3; k++) {
      const comma = bytes.indexOf(COMMA, p);
      if (comma < 0 || comma >= end) break fast;
      numbers.push(parseNumber(bytes, p, comma));
      p = comma + 1;
    }
    const [offset, timestamp, sequence] = numbers as [number, number, number];
    if (Number.isNaN(offset) || Number.isNaN(timestamp) || Number.isNaN(sequence)) break fast;
    if (!isDigit(bytes[end - 2])) return { offset, timestamp, sequence, producerId: undefined, producerSequence: -1 };
    let q = end - 2;
    while (q > p && isDigit(bytes[q])) q--;
    if (bytes[q] !== COMMA || bytes[q - 1] !== QUOTE) break fast;
    const producerSequence = parseNumber(bytes, q + 1, end - 1);
    // The id's opening quote: the first quote before its closing one that is not escaped (an even run of backslashes before it).
    let o = q - 2;
    for (; o > p; o--) {
      if (bytes[o] !== QUOTE) continue;
      let backslashes = 0;
      while (bytes[o - 1 - backslashes] === BACKSLASH) backslashes++;
      if (backslashes % 2 === 0) break;
    }
    if (o <= p || bytes[o - 1] !== COMMA) break fast;
    try {
      const producerId = JSON.parse(bytes.toString('utf8', o, q)) as unknown;
      if (typeof producerId !== 'string') break fast;
      return { offset, timestamp, sequence, producerId, producerSequence };
    } catch {
      break fast;
    }
  }
  try {
    const t = decodeTuple(bytes, start, end);
    if (!Array.isArray(t) || typeof t[0] !== 'number' || typeof t[1] !== 'number' || typeof t[2] !== 'number' || !Array.isArray(t[5])) return undefined;
    return { offset: t[0], timestamp: t[1], sequence: t[2], producerId: t[6], producerSequence: t[7] ?? -1 };
  } catch {
    return undefined;
  }
}


/** What the segment logs of one broker share. */
export interface SegmentLogContext {
  readonly cache: BlockCache;
  readonly commit: GroupCommit;
  readonly logger: Logger;
  /** The active segment is closed and a new one started past this size. */
  readonly segmentBytes: number;
  /** The clock compaction compares tombstones' timestamps with. */
  readonly now: () => number;
  /** @default DEFAULT_DELETE_RETENTION_MS */
  readonly deleteRetentionMs?: number | undefined;
  /** Compactions running, so that closing can wait for them to stop. */
  readonly compactions: Set<Promise<void>>;
}

interface Segment {
  /** Offset of its first record (of the next record when empty). */
  readonly base: number;
  readonly file: FrameFile;
}

let logIds = 0;

/** A sealed segment read whole at recovery, to be indexed once recovery knows whether it lies in the sparse part. */
interface Unindexed {
  readonly segment: Segment;
  readonly end: number;
  readonly producers: ReadonlyMap<string, number>;
}

/**
 * The records of a partition are indexed in two parts: the compacted
 * segments at its head, whose offsets have gaps, by the records they hold
 * ({@link SparseIndex}); and the rest, from `#denseFrom` (a segment's base) to
 * the end, a record at every offset, by offset in {@link Float64Column}s.
 * Compaction rewrites the sealed segments from the first, so the sparse part
 * is always a prefix.
 */
export class SegmentLog implements PartitionLog {
  readonly topic: string;
  readonly partition: number;
  readonly dir: string;
  readonly #ctx: SegmentLogContext;
  /** Prefix of this log's keys in the shared cache. */
  readonly #id = `${logIds++}:`;
  /** Oldest first; the last is the active one (appended to). */
  readonly #segments: Segment[] = [];
  #start: number;
  #end: number;
  /** First offset of the dense part. */
  #denseFrom: number;
  #sequences: Float64Column;
  #timestamps: Float64Column;
  /** By block number: the byte position, in its segment, of the block's first record. */
  #blockPositions: Float64Column;
  /** The records of [#start, #denseFrom). */
  #sparse = SparseIndex.empty;
  /** Changes with {@link #sparse}'s blocks: part of their cache keys. */
  #sparseGeneration = 0;
  /** The records from `#tailStart` to the end: the block being written, or less. */
  #tail: StoredRecord[] = [];
  #tailStart: number;
  #tailBytes = 0;
  /** The last producer sequence per producer id in the active segment (for its index file). */
  #segmentProducers = new Map<string, number>();
  /** Where {@link write} put the frames {@link append} is to index. */
  #pending: { readonly position: number; readonly lengths: readonly number[] } | undefined;
  /** The block read last: consecutive reads of a partition find it without a cache look-up. */
  #last: CachedBlock | undefined;
  /** The same for the sparse part (whose blocks' `first` is a record's index, not an offset). */
  #lastSparse: CachedBlock | undefined;
  readonly #owner = {
    evicted: (block: CachedBlock) => {
      if (this.#last === block) this.#last = undefined;
      if (this.#lastSparse === block) this.#lastSparse = undefined;
    },
  };
  /** The topic's cleanup policy includes `compact`. */
  readonly #compacted: boolean;
  /** Offsets below this were compacted by this process (0 after a start: all sealed segments are dirty). */
  #cleanedTo = 0;
  #compaction: Promise<void> | undefined;
  /** A compacted copy is replacing sealed segments (see {@link #replace}). */
  #replacing = false;
  #closed = false;

  private constructor(topic: string, partition: number, dir: string, ctx: SegmentLogContext, start: number, compacted: boolean) {
    this.topic = topic;
    this.partition = partition;
    this.dir = dir;
    this.#ctx = ctx;
    this.#compacted = compacted;
    this.#start = start;
    this.#end = start;
    this.#denseFrom = start;
    this.#tailStart = start;
    this.#sequences = new Float64Column(start);
    this.#timestamps = new Float64Column(start);
    this.#blockPositions = new Float64Column(Math.ceil(start / BLOCK_RECORDS));
  }

  /** A new, empty partition in `dir` (which exists). */
  static create(topic: string, partition: number, dir: string, ctx: SegmentLogContext, compacted = false): SegmentLog {
    const log = new SegmentLog(topic, partition, dir, ctx, 0, compacted);
    const { file } = openFrameFile(join(dir, segmentName(0)), ctx.logger);
    log.#segments.push({ base: 0, file });
    return log;
  }

  /**
   * Opens a partition's segments, indexing every record; cuts a bad tail
   * (torn or corrupt frame, unreadable or out-of-order record) and removes
   * the segments after it. A gap in the offsets (left by compaction, within
   * a segment or between two) makes everything before it the sparse part.
   */
  static recover(
    topic: string,
    partition: number,
    dir: string,
    ctx: SegmentLogContext,
    compacted = false,
  ): { log: SegmentLog; producers: Map<string, number> } {
    const { logger } = ctx;
    mkdirSync(dir, { recursive: true });
    const names = finishSwaps(dir, logger)
      .filter((f) => /^\d{20}\.log$/.test(f))
      .sort();
    if (names.length === 0) names.push(segmentName(0));
    const log = new SegmentLog(topic, partition, dir, ctx, Number((names[0] as string).slice(0, 20)), compacted);
    const producers = new Map<string, number>();
    const sparse = new SparseIndexBuilder();
    const unindexed: Unindexed[] = [];
    let damaged = false;
    try {
      for (const [i, name] of names.entries()) {
        const path = join(dir, name);
        const first = Number(name.slice(0, 20));
        const idxPath = join(dir, segmentName(first, 'idx'));
        if (damaged) {
          logger.warn(`storage: removing ${path}: it follows a damaged segment`);
          rmSync(path, { force: true });
          removeSegmentIndex(idxPath);
          continue;
        }
        // Offsets before this segment without records (the last ones of a compacted segment): a gap.
        if (first > log.#end) log.#toSparse(sparse, first);
        const base = log.#end;
        const sealed = i < names.length - 1;
        if (sealed && first === base && log.#restore(path, idxPath, producers, sparse)) continue;
        log.#segmentProducers = new Map();
        let inSparse = false;
        let segmentStart = true;
        const opened = walkFrameFile(path, logger, (bytes, start, end) => {
          const head = readRecordHead(bytes, start, end);
          if (head === undefined || head.offset < log.#end) {
            logger.warn(`storage: ${path}: unreadable or out-of-order record after offset ${log.#end - 1}; cutting the file there`);
            return false;
          }
          const position = start - FRAME_HEADER_BYTES;
          if (head.offset > log.#end && !inSparse) {
            // A gap inside the segment: it, and all before it, are sparse.
            log.#toSparse(sparse, log.#end, base);
            inSparse = true;
          }
          if (inSparse) {
            if (segmentStart || sparse.sinceBlock >= SPARSE_BLOCK_RECORDS) sparse.block(head.offset, position);
            sparse.push(head.offset, head.sequence, head.timestamp);
            log.#end = head.offset + 1;
          } else {
            log.#index(head.sequence, head.timestamp, position);
          }
          segmentStart = false;
          if (head.producerId !== undefined) {
            producers.set(head.producerId, head.producerSequence);
            log.#segmentProducers.set(head.producerId, head.producerSequence);
          }
          return true;
        });
        // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- the walk's callback above sets it; TS does not see that
        if (inSparse) log.#resetDense(log.#end);
        damaged = opened.truncated;
        const segment = { base, file: opened.file };
        log.#segments.push(segment);
        // A sealed segment read whole (a directory from before index files, or a torn index): index it for the next start.
        if (sealed && !damaged) unindexed.push({ segment, end: Math.max(log.#end, Number((names[i + 1] as string).slice(0, 20))), producers: log.#segmentProducers });
      }
      log.#sparse = sparse.build();
      for (const u of unindexed) log.#sealIndex(u.segment, u.end, u.producers);
    } catch (err) {
      log.close();
      throw err;
    }
    log.#tailStart = log.#end;
    return { log, producers };
  }

  /** The dense part starts (empty) at `offset`: the offsets before it are the sparse part's. */
  #resetDense(offset: number): void {
    this.#end = offset;
    this.#denseFrom = offset;
    this.#sequences = new Float64Column(offset);
    this.#timestamps = new Float64Column(offset);
    this.#blockPositions = new Float64Column(Math.ceil(offset / BLOCK_RECORDS));
  }

  /**
   * Recovery found a gap: moves the dense part's records to `sparse` (a
   * block at each segment's first record, `openBase` being that of the
   * segment being read, and at each dense block), and starts the dense part
   * at `offset`.
   */
  #toSparse(sparse: SparseIndexBuilder, offset: number, openBase?: number): void {
    this.#denseToSparse(sparse, this.#end, openBase);
    this.#resetDense(offset);
  }

  /** Adds the dense part's records before `to` to `sparse`, with a block at each segment's first record and at each dense block. */
  #denseToSparse(sparse: SparseIndexBuilder, to: number, openBase?: number): void {
    const bases = new Set(this.#segments.map((g) => g.base));
    if (openBase !== undefined) bases.add(openBase);
    for (let o = this.#denseFrom; o < to; o++) {
      if (bases.has(o)) sparse.block(o, 0);
      else if (o % BLOCK_RECORDS === 0) sparse.block(o, this.#blockPositions.get(o / BLOCK_RECORDS));
      sparse.push(o, this.#sequences.get(o), this.#timestamps.get(o));
    }
  }

  /** Indexes a sealed segment from its index file, if that matches it; false when it does not (the segment is then read). */
  #restore(path: string, idxPath: string, producers: Map<string, number>, sparse: SparseIndexBuilder): boolean {
    const fd = openSync(path, constants.O_RDWR);
    let index: SegmentIndex | undefined;
    try {
      index = readSegmentIndex(idxPath, this.#end, fstatSync(fd).size);
    } catch (err) {
      closeFd(fd);
      throw err;
    }
    if (index === undefined) {
      closeFd(fd);
      return false;
    }
    const { sequences, timestamps, blockPositions } = index;
    if (index.sparse !== undefined) {
      this.#toSparse(sparse, this.#end);
      const { offsets, blockOffsets, end } = index.sparse;
      sparse.append(new SparseIndex(offsets, sequences, timestamps, blockOffsets, blockPositions));
      this.#resetDense(end);
    } else {
      let block = 0;
      for (let r = 0; r < sequences.length; r++) {
        const atBlock = (this.#end % BLOCK_RECORDS) === 0;
        this.#index(sequences[r] as number, timestamps[r] as number, atBlock ? (blockPositions[block++] as number) : 0);
      }
    }
    for (const [id, sequence] of index.producers) producers.set(id, sequence);
    this.#segments.push({ base: index.base, file: new FrameFile(path, fd, index.bytes) });
    return true;
  }

  /**
   * Writes the index file of `segment`, now sealed (no record will be added
   * to it), whose offsets end at `end`, once what was written to it is
   * durable: a start after that reads the index instead of the segment.
   */
  #sealIndex(segment: Segment, end: number, producers: ReadonlyMap<string, number>): void {
    let index: SegmentIndex;
    if (segment.base >= this.#denseFrom) {
      const count = end - segment.base;
      const sequences = new Float64Array(count);
      const timestamps = new Float64Array(count);
      for (let r = 0; r < count; r++) {
        sequences[r] = this.#sequences.get(segment.base + r);
        timestamps[r] = this.#timestamps.get(segment.base + r);
      }
      const firstBlock = Math.ceil(segment.base / BLOCK_RECORDS);
      const blocks: number[] = [];
      for (let b = firstBlock; b * BLOCK_RECORDS < end; b++) blocks.push(this.#blockPositions.get(b));
      index = { base: segment.base, bytes: segment.file.size, sequences, timestamps, blockPositions: Float64Array.from(blocks), producers: [...producers] };
    } else {
      const sp = this.#sparse.between(segment.base, end);
      index = {
        base: segment.base,
        bytes: segment.file.size,
        sparse: { offsets: sp.offsets, blockOffsets: sp.blockOffsets, end },
        sequences: sp.sequences,
        timestamps: sp.timestamps,
        blockPositions: sp.blockPositions,
        producers: [...producers],
      };
    }
    const path = join(this.dir, segmentName(segment.base, 'idx'));
    this.#ctx.commit.wrote(segment.file);
    this.#ctx.commit.afterDurable(() => {
      // Expired and removed meanwhile: no index for a segment that is gone.
      if (!this.#segments.includes(segment)) return;
      try {
        writeSegmentIndex(path, index);
      } catch (err) {
        this.#ctx.logger.warn(`storage: could not write ${path} (the segment is read at the next start instead): ${(err as Error).message}`);
      }
    });
  }

  get start(): number {
    return this.#start;
  }

  get end(): number {
    return this.#end;
  }

  /** Records held (for the start-up summary). */
  get size(): number {
    return this.#sparse.count + this.#end - this.#denseFrom;
  }

  /**
   * An offset without a record (in the sparse part) has the sequence and
   * timestamp of the next record (of the last, when none follows), so that
   * sequences stay ordered by offset.
   */
  sequence(offset: number): number {
    if (offset >= this.#denseFrom) return this.#sequences.get(offset);
    const sp = this.#sparse;
    const i = sp.lowerBound(offset);
    if (i < sp.count) return sp.sequences[i] as number;
    if (this.#denseFrom < this.#end) return this.#sequences.get(this.#denseFrom);
    return sp.count > 0 ? (sp.sequences[sp.count - 1] as number) : 0;
  }

  timestamp(offset: number): number {
    if (offset >= this.#denseFrom) return this.#timestamps.get(offset);
    const sp = this.#sparse;
    const i = sp.lowerBound(offset);
    if (i < sp.count) return sp.timestamps[i] as number;
    if (this.#denseFrom < this.#end) return this.#timestamps.get(this.#denseFrom);
    return sp.count > 0 ? (sp.timestamps[sp.count - 1] as number) : 0;
  }

  nextHeld(offset: number): number {
    if (offset >= this.#denseFrom) return offset;
    const sp = this.#sparse;
    const i = sp.lowerBound(offset);
    return i < sp.count ? (sp.offsets[i] as number) : this.#denseFrom;
  }

  #index(sequence: number, timestamp: number, position: number): void {
    const offset = this.#end;
    this.#sequences.push(sequence);
    this.#timestamps.push(timestamp);
    if (offset % BLOCK_RECORDS === 0) this.#blockPositions.push(position);
    this.#end = offset + 1;
  }

  write(records: readonly JournalRecord[]): () => void {
    let expected = this.#end;
    const frames = records.map((r) => {
      if (r.record.offset !== expected++) throw new Error(`Invariant violated: offset ${r.record.offset} out of order in ${this.topic}-${this.partition}`);
      return encodeRecord(r);
    });
    if (this.#active.file.size >= this.#ctx.segmentBytes) this.#roll();
    const file = this.#active.file;
    const position = file.size;
    file.append(frames.length === 1 ? (frames[0] as Buffer) : Buffer.concat(frames));
    this.#ctx.commit.wrote(file);
    this.#pending = { position, lengths: frames.map((f) => f.length) };
    return () => {
      this.#pending = undefined;
      file.rollback(position);
    };
  }

  append(records: readonly JournalRecord[]): void {
    const pending = this.#pending;
    if (pending === undefined || pending.lengths.length !== records.length) throw new Error('Invariant violated: append without its write');
    this.#pending = undefined;
    let position = pending.position;
    for (let i = 0; i < records.length; i++) {
      const { record, producer } = records[i] as JournalRecord;
      const length = pending.lengths[i] as number;
      if (producer !== undefined) this.#segmentProducers.set(producer.id, producer.sequence);
      this.#index(record.sequence, record.timestamp, position);
      position += length;
      this.#tail.push(record);
      this.#tailBytes += length - FRAME_HEADER_BYTES + RECORD_OVERHEAD_BYTES;
      if (this.#end % BLOCK_RECORDS === 0) this.#sealTail();
    }
  }

  /** The block being written is full: its records go to the cache, if they are all of it. */
  #sealTail(): void {
    const key = this.#id + String(this.#end / BLOCK_RECORDS - 1);
    if (this.#tailStart === this.#end - BLOCK_RECORDS) {
      this.#ctx.cache.put(key, { first: this.#tailStart, records: this.#tail, bytes: this.#tailBytes, owner: this.#owner });
    } else {
      // The block began before the tail (the partition was recovered mid-block): a read of its head, cached or not, is now short.
      this.#ctx.cache.delete(key);
      this.#last = undefined;
    }
    this.#tail = [];
    this.#tailStart = this.#end;
    this.#tailBytes = 0;
  }

  get #active(): Segment {
    return this.#segments[this.#segments.length - 1] as Segment;
  }

  #roll(): void {
    const sealed = this.#active;
    this.#sealIndex(sealed, this.#end, this.#segmentProducers);
    this.#segmentProducers = new Map();
    const { file } = openFrameFile(join(this.dir, segmentName(this.#end)), this.#ctx.logger);
    this.#segments.push({ base: this.#end, file });
    this.#ctx.commit.touchedDir(this.dir);
    // The old segment stays open for reads; the round that covers its last writes syncs it.
    this.#maybeCompact();
  }

  record(offset: number): StoredRecord {
    if (offset >= this.#tailStart) return this.#tail[offset - this.#tailStart] as StoredRecord;
    if (offset < this.#denseFrom) return this.#sparseRecord(offset);
    let block = this.#last;
    if (!covers(block, offset)) {
      const n = Math.floor(offset / BLOCK_RECORDS);
      this.#last = block = this.#block(this.#id + String(n), offset, () => this.#read(n));
    }
    return block.records[offset - block.first] as StoredRecord;
  }

  /** The block cached at `key` if it holds record `at` (an offset, or a sparse record's index), else `read()`, cached. */
  #block(key: string, at: number, read: () => CachedBlock): CachedBlock {
    const cached = this.#ctx.cache.get(key);
    if (covers(cached, at)) return cached;
    const block = read();
    this.#ctx.cache.putRead(key, block);
    return block;
  }

  /** Index of the segment holding `offset` (the last whose base is at most it: an empty segment shares its base with the next). */
  #segmentOf(offset: number): number {
    const segments = this.#segments;
    let lo = 0;
    let hi = segments.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if ((segments[mid] as Segment).base <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /**
   * Decodes block `n` of the dense part (the part of it before the tail)
   * from the segments: one read per segment it spans.
   */
  #read(n: number): CachedBlock {
    const blockStart = n * BLOCK_RECORDS;
    const first = Math.max(blockStart, this.#denseFrom);
    const stop = Math.min(blockStart + BLOCK_RECORDS, this.#tailStart);
    if (first >= stop) throw new Error(`Invariant violated: block ${n} of ${this.topic}-${this.partition} is not on disk`);
    const firstSegment = this.#segmentOf(first);
    const lastSegment = this.#segmentOf(stop - 1);
    // The next block's position bounds the read when it is in the same segment; otherwise the segment's end does.
    const stopSegment = stop === blockStart + BLOCK_RECORDS && stop < this.#end ? this.#segmentOf(stop) : -1;
    const records: StoredRecord[] = [];
    records.length = stop - first;
    let bytes = 0;
    for (let segment = firstSegment; segment <= lastSegment; segment++) {
      const { file } = this.#segments[segment] as Segment;
      // A block cut by the start of the dense part begins at the start of a segment.
      const position = segment === firstSegment && first === blockStart ? this.#blockPositions.get(n) : 0;
      const until = segment === stopSegment ? this.#blockPositions.get(n + 1) : file.size;
      if (position >= until) continue;
      const read = readTuples(file, position, until);
      // Frames past `stop` (the tail of a partition recovered mid-block, written after the read began) are left out.
      for (const t of read.tuples) if (t[0] >= first && t[0] < stop) records[t[0] - first] = toRecord(this.topic, this.partition, t);
      bytes += read.bytes;
    }
    return { first, records, bytes, owner: this.#owner };
  }

  /** The record at `offset`, which the sparse part holds. */
  #sparseRecord(offset: number): StoredRecord {
    const sp = this.#sparse;
    const i = sp.lowerBound(offset);
    if (sp.offsets[i] !== offset) throw new Error(`Invariant violated: ${this.topic}-${this.partition} holds no record at offset ${offset}`);
    let block = this.#lastSparse;
    if (!covers(block, i)) {
      const k = sp.blockOf(offset);
      this.#lastSparse = block = this.#block(`${this.#id}s${this.#sparseGeneration}:${k}`, i, () => this.#readSparse(k));
    }
    return block.records[i - block.first] as StoredRecord;
  }

  /** Decodes block `k` of the sparse part: consecutive records of one segment, one read. */
  #readSparse(k: number): CachedBlock {
    const sp = this.#sparse;
    const from = sp.blockOffsets[k] as number;
    const first = sp.lowerBound(from);
    const last = k + 1 < sp.blockOffsets.length ? sp.lowerBound(sp.blockOffsets[k + 1] as number) : sp.count;
    const segment = this.#segmentOf(from);
    const { file } = this.#segments[segment] as Segment;
    const position = sp.blockPositions[k] as number;
    const until = k + 1 < sp.blockOffsets.length && this.#segmentOf(sp.blockOffsets[k + 1] as number) === segment ? (sp.blockPositions[k + 1] as number) : file.size;
    const read = readTuples(file, position, until, last - first);
    if (read.tuples.length !== last - first) throw new Error(`Invariant violated: ${read.tuples.length} of ${last - first} records at byte ${position} of ${file.path}`);
    const records = read.tuples.map((t) => toRecord(this.topic, this.partition, t));
    return { first, records, bytes: read.bytes, owner: this.#owner };
  }

  /** The sparse part becomes `sparse`: its cached blocks are dropped (their numbers and records change). */
  #setSparse(sparse: SparseIndex): void {
    for (let k = 0; k < this.#sparse.blockOffsets.length; k++) this.#ctx.cache.delete(`${this.#id}s${this.#sparseGeneration}:${k}`);
    this.#sparse = sparse;
    this.#sparseGeneration++;
    this.#lastSparse = undefined;
  }

  trim(offset: number): void {
    // Retention catches up at its next call (every produce): the readers skip the expired offsets meanwhile.
    if (this.#replacing) return;
    const segments = this.#segments;
    let dropped = false;
    // Whole segments go, as Kafka deletes them: one whose successor starts at or below `offset` holds only trimmed records.
    while (segments.length > 1 && (segments[1] as Segment).base <= offset) {
      const gone = segments.shift() as Segment;
      dropped = true;
      // After the round that syncs what was written to it: the commit must not sync a closed fd.
      this.#ctx.commit.afterDurable(() => {
        try {
          gone.file.close();
          rmSync(gone.file.path, { force: true });
          removeSegmentIndex(join(this.dir, segmentName(gone.base, 'idx')));
          this.#ctx.commit.touchedDir(this.dir);
        } catch (err) {
          this.#ctx.logger.warn(`storage: could not remove expired segment ${gone.file.path}: ${(err as Error).message}`);
        }
      });
    }
    if (!dropped) return;
    this.#start = (segments[0] as Segment).base;
    if (this.#start < this.#denseFrom) this.#setSparse(this.#sparse.between(this.#start));
    else {
      if (this.#sparse.count > 0) this.#setSparse(SparseIndex.empty);
      this.#denseFrom = this.#start;
      this.#sequences.dropBefore(this.#start);
      this.#timestamps.dropBefore(this.#start);
      this.#blockPositions.dropBefore(Math.floor(this.#start / BLOCK_RECORDS));
    }
    this.#last = undefined;
  }

  close(): void {
    this.#closed = true;
    for (const s of this.#segments) s.file.close();
  }

  /** Starts a compaction when the topic is compacted, none runs, and enough of the sealed bytes are dirty. */
  #maybeCompact(): void {
    if (!this.#compacted || this.#compaction !== undefined || this.#closed) return;
    const sealed = this.#segments.slice(0, -1);
    let total = 0;
    let dirty = 0;
    for (const s of sealed) {
      total += s.file.size;
      if (s.base >= this.#cleanedTo) dirty += s.file.size;
    }
    if (dirty === 0 || dirty < total * MIN_CLEANABLE_DIRTY_RATIO) return;
    const job = this.#compact(sealed)
      .catch((err: unknown) => {
        this.#ctx.logger.warn(`storage: compaction of ${this.topic}-${this.partition} failed (retried at the next segment): ${(err as Error).message}`);
      })
      .finally(() => {
        this.#compaction = undefined;
        this.#ctx.compactions.delete(job);
      });
    this.#compaction = job;
    this.#ctx.compactions.add(job);
  }

  /** The two passes of `compaction.ts` over the sealed segments `sealed`. */
  async #compact(sealed: readonly Segment[]): Promise<void> {
    const end = this.#active.base;
    const dirtyFrom = this.#cleanedTo;
    const isClosed = () => this.#closed;
    const startedAt = performance.now();
    const map = new CompactionMap(dirtyFrom, this.#ctx.now() - (this.#ctx.deleteRetentionMs ?? DEFAULT_DELETE_RETENTION_MS));
    for (const segment of sealed) {
      for await (const chunk of readFrameChunks(segment.file, 0, segment.file.size, isClosed)) {
        for (const start of chunk.starts) {
          const t = frameTuple(chunk, start);
          map.observe(t[0], t[3], t[6]);
        }
      }
    }
    if (this.#closed) return;

    let before = 0;
    let after = 0;
    let group: Segment[] = [];
    let writer: CompactedSegmentWriter | undefined;
    try {
      for (const [i, segment] of sealed.entries()) {
        writer ??= await CompactedSegmentWriter.create(this.dir, segment.base);
        group.push(segment);
        before += segment.file.size;
        for await (const chunk of readFrameChunks(segment.file, 0, segment.file.size, isClosed)) {
          copyKept(chunk, map, writer);
          await writer.flush();
        }
        if (isClosed()) return;
        const groupEnd = i + 1 < sealed.length ? (sealed[i + 1] as Segment).base : end;
        // Segments are merged into copies of about a segment's size (Kafka groups them likewise), so that they do not
        // multiply as they shrink.
        if (i + 1 < sealed.length && writer.size + (sealed[i + 1] as Segment).file.size <= this.#ctx.segmentBytes) continue;
        const done = writer;
        writer = undefined;
        after += done.size;
        // A segment alone in its group that lost nothing stays as it is.
        if (group.length === 1 && done.dropped === 0) await done.discard();
        else {
          const swap = await done.finish(groupEnd, async () => {
            this.#ctx.commit.touchedDir(this.dir);
            await this.#ctx.commit.sync();
          });
          if (!(await this.#replace(group, groupEnd, done, swap))) {
            await done.discard(swap);
            return;
          }
        }
        group = [];
      }
    } finally {
      await writer?.discard();
    }
    this.#cleanedTo = end;
    this.#ctx.logger.info(
      `storage: compacted ${this.topic}-${this.partition} below offset ${end}: ${before} to ${after} bytes, ${map.keys} key(s), ${Math.round(performance.now() - startedAt)} ms`,
    );
  }

  /**
   * Puts the compacted copy (durable, at `swap`) in place of the segments of
   * `group`, which end at offset `end`: first the old files go (durably; the
   * log reads them through their open descriptors meanwhile), then the copy
   * takes the first one's name and the index in memory changes, in one step.
   * False, having changed nothing, when the group changed before (retention
   * removed a segment, or the log was closed). Once the old files are gone,
   * the swap file is the only copy of their records: if the log is closed
   * meanwhile, the next start finishes the replacement (`finishSwaps`).
   */
  async #replace(group: readonly Segment[], end: number, copy: CompactedSegmentWriter, swap: string): Promise<boolean> {
    if (this.#closed || !group.every((g) => this.#segments.includes(g))) return false;
    const base = copy.base;
    // Retention waits (it drops whole segments, and these are being replaced).
    this.#replacing = true;
    try {
      for (const g of group) {
        removeSegmentIndex(join(this.dir, segmentName(g.base, 'idx')));
        if (g.base !== base) rmSync(g.file.path, { force: true });
      }
      // As recovery does it: the old segments are durably gone before the copy takes the first one's name.
      this.#ctx.commit.touchedDir(this.dir);
      await this.#ctx.commit.sync();
      // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- close() can run during the await; TS keeps the narrowing from before it
      if (this.#closed) return true;
      const path = join(this.dir, segmentName(base));
      renameSync(swap, path);
      const fd = openSync(path, constants.O_RDWR);
      const segment: Segment = { base, file: new FrameFile(path, fd, copy.size) };

      // The sparse part before the copy, the copy's records, and the sparse part after it; the dense part starts at `end` or after.
      const sparse = new SparseIndexBuilder();
      sparse.append(this.#sparse.between(0, base));
      // Segments left as they were (nothing to remove) between the dense part's start and the copy join the sparse part.
      if (base > this.#denseFrom) this.#denseToSparse(sparse, base);
      let b = 0;
      for (const [j, o] of copy.kept.entries()) {
        if (copy.blockStarts[b] === j) sparse.block(o, copy.blockPositions[b++] as number);
        sparse.push(o, this.sequence(o), this.timestamp(o));
      }
      sparse.append(this.#sparse.between(end));
      if (end > this.#denseFrom) {
        for (let n = Math.floor(this.#denseFrom / BLOCK_RECORDS); n * BLOCK_RECORDS < end; n++) this.#ctx.cache.delete(this.#id + String(n));
        this.#denseFrom = end;
        this.#sequences.dropBefore(end);
        this.#timestamps.dropBefore(end);
        this.#blockPositions.dropBefore(Math.floor(end / BLOCK_RECORDS));
        this.#last = undefined;
      }
      this.#setSparse(sparse.build());
      this.#segments.splice(this.#segments.indexOf(group[0] as Segment), group.length, segment);

      this.#ctx.commit.touchedDir(this.dir);
      // Closed once the round that may still be syncing them is over.
      this.#ctx.commit.afterDurable(() => {
        for (const g of group) g.file.close();
      });
      this.#sealIndex(segment, end, copy.producers);
      return true;
    } finally {
      this.#replacing = false;
    }
  }
}

/**
 * The frames of `file` from byte `position` to `until` (at most `limit`),
 * decoded with one read and one `JSON.parse`: the frames' headers become `[`
 * or `,` and spaces in the read buffer, so that the frames are one JSON array
 * (three times faster than a parse per record for records of ~100 bytes).
 * `bytes` is the records' estimated heap size, for the cache.
 */
function readTuples(file: FrameFile, position: number, until: number, limit = Infinity): { tuples: RecordTuple[]; bytes: number } {
  // One byte more than the frames, for the closing `]`.
  const length = until - position;
  const buffer = readAt(file, position, length, length + 1);
  let p = 0;
  let count = 0;
  while (count < limit && p + FRAME_HEADER_BYTES <= length) {
    const end = p + FRAME_HEADER_BYTES + buffer.readUInt32BE(p);
    if (end > length) break;
    buffer.fill(0x20, p, p + FRAME_HEADER_BYTES);
    buffer[p] = count === 0 ? 0x5b : 0x2c;
    count++;
    p = end;
  }
  if (count === 0) throw new Error(`Invariant violated: no whole frame at byte ${position} of ${file.path}`);
  buffer[p] = 0x5d;
  const tuples = JSON.parse(buffer.toString('utf8', 0, p + 1)) as RecordTuple[];
  return { tuples, bytes: p - count * FRAME_HEADER_BYTES + count * RECORD_OVERHEAD_BYTES };
}

function closeFd(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // Closing a descriptor only opened for reading its size: nothing to lose.
  }
}

function covers(block: CachedBlock | undefined, at: number): block is CachedBlock {
  return block !== undefined && at >= block.first && at < block.first + block.records.length;
}

/** Pass 2 over one chunk: the frames `map` keeps go to `writer`, bytes as they are. */
function copyKept(chunk: FrameChunk, map: CompactionMap, writer: CompactedSegmentWriter): void {
  const { buffer, starts } = chunk;
  for (const start of starts) {
    const t = frameTuple(chunk, start);
    if (!map.keeps(t[0], t)) {
      writer.dropped++;
      continue;
    }
    const end = start + FRAME_HEADER_BYTES + buffer.readUInt32BE(start);
    writer.add(buffer.subarray(start, end), t[0], t);
  }
}
