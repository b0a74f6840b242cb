/**
 * The in-memory index of a partition's compacted segments (`compaction.ts`):
 * their offsets have gaps, so, unlike the rest of the partition (indexed by
 * offset in `Float64Column`s), they are indexed by the records they hold —
 * offset, sequence and timestamp of each, and where blocks of them start —
 * and cost memory in proportion to what compaction kept, not to how many
 * offsets were ever written.
 *
 * A block is a run of consecutive records of one segment: one starts at each
 * segment's first record and after every {@link SPARSE_BLOCK_RECORDS}
 * records of a segment.
 *
 * @module
 */

export const SPARSE_BLOCK_RECORDS = 512;

export class SparseIndex {
  static readonly empty = new SparseIndex(new Float64Array(0), new Float64Array(0), new Float64Array(0), new Float64Array(0), new Float64Array(0));

  /** Ascending. */
  readonly offsets: Float64Array;
  readonly sequences: Float64Array;
  readonly timestamps: Float64Array;
  /** Offset of each block's first record, ascending. */
  readonly blockOffsets: Float64Array;
  /** Byte position, in its segment, of each block's first record. */
  readonly blockPositions: Float64Array;

  constructor(offsets: Float64Array, sequences: Float64Array, timestamps: Float64Array, blockOffsets: Float64Array, blockPositions: Float64Array) {
    this.offsets = offsets;
    this.sequences = sequences;
    this.timestamps = timestamps;
    this.blockOffsets = blockOffsets;
    this.blockPositions = blockPositions;
  }

  get count(): number {
    return this.offsets.length;
  }

  /** Index of the first record whose offset is at least `offset` ({@link count} when none is). */
  lowerBound(offset: number): number {
    return lowerBound(this.offsets, offset);
  }

  /** Index of the block holding the record at `offset`. */
  blockOf(offset: number): number {
    return lowerBound(this.blockOffsets, offset + 1) - 1;
  }

  /** Index of the first block starting at or after `offset`. */
  blockIndex(offset: number): number {
    return lowerBound(this.blockOffsets, offset);
  }

  /** The records, and the blocks, whose offsets lie in [from, to). */
  between(from: number, to = Infinity): SparseIndex {
    const [i, j] = [this.lowerBound(from), this.lowerBound(to)];
    if (i === 0 && j === this.count) return this;
    const [b, c] = [this.blockIndex(from), this.blockIndex(to)];
    return new SparseIndex(
      this.offsets.slice(i, j),
      this.sequences.slice(i, j),
      this.timestamps.slice(i, j),
      this.blockOffsets.slice(b, c),
      this.blockPositions.slice(b, c),
    );
  }
}

function lowerBound(a: Float64Array, value: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((a[mid] as number) < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Builds a {@link SparseIndex} record by record, in offset order. */
export class SparseIndexBuilder {
  readonly #offsets: number[] = [];
  readonly #sequences: number[] = [];
  readonly #timestamps: number[] = [];
  readonly #blockOffsets: number[] = [];
  readonly #blockPositions: number[] = [];
  /** Records since the last block start. */
  #inBlock = 0;

  get count(): number {
    return this.#offsets.length;
  }

  /** Records added since the last block start: a caller starts a block at a segment's first record and at {@link SPARSE_BLOCK_RECORDS}. */
  get sinceBlock(): number {
    return this.#inBlock;
  }

  /** Adds a record (after {@link block}, when one starts at it). */
  push(offset: number, sequence: number, timestamp: number): void {
    this.#offsets.push(offset);
    this.#sequences.push(sequence);
    this.#timestamps.push(timestamp);
    this.#inBlock++;
  }

  /** Starts a block at the record of `offset` (about to be pushed), unless one starts there already. */
  block(offset: number, position: number): void {
    if (this.#blockOffsets[this.#blockOffsets.length - 1] === offset) return;
    this.#blockOffsets.push(offset);
    this.#blockPositions.push(position);
    this.#inBlock = 0;
  }

  /** Adds the records and blocks of `index` (all after those added so far). */
  append(index: SparseIndex): void {
    for (let i = 0; i < index.count; i++) {
      this.#offsets.push(index.offsets[i] as number);
      this.#sequences.push(index.sequences[i] as number);
      this.#timestamps.push(index.timestamps[i] as number);
    }
    for (let b = 0; b < index.blockOffsets.length; b++) this.block(index.blockOffsets[b] as number, index.blockPositions[b] as number);
    // The appended index's last block may be partly filled: counted as full, so that a block starts at the next record.
    this.#inBlock = SPARSE_BLOCK_RECORDS;
  }

  build(): SparseIndex {
    if (this.#offsets.length === 0) return SparseIndex.empty;
    return new SparseIndex(
      Float64Array.from(this.#offsets),
      Float64Array.from(this.#sequences),
      Float64Array.from(this.#timestamps),
      Float64Array.from(this.#blockOffsets),
      Float64Array.from(this.#blockPositions),
    );
  }
}
