/**
 * A growable column of numbers addressed by absolute index (an offset, a
 * block number), stored in `Float64Array` chunks of {@link CHUNK} numbers:
 * growing copies at most the last chunk (a doubling array would briefly need
 * half as much again as the index of a large partition), and dropping the
 * head frees whole chunks. The last chunk starts small and doubles up to
 * full size, so that the many partitions of small topics stay small.
 *
 * @module
 */

const SHIFT = 14;
const CHUNK = 1 << SHIFT;
const MASK = CHUNK - 1;
const FIRST_CAPACITY = 64;
/** Indexes are shifted with `>>>`, which works on 32 bits. */
const MAX_INDEX = 2 ** 32 - 1;

export class Float64Column {
  #chunks: Float64Array[] = [];
  /** Absolute chunk number of `#chunks[0]`. */
  #firstChunk: number;
  #end: number;

  /** An empty column whose first element will have index `first`. */
  constructor(first = 0) {
    this.#firstChunk = first >>> SHIFT;
    this.#end = first;
  }

  /** Index the next {@link push} gets. */
  get end(): number {
    return this.#end;
  }

  push(value: number): void {
    const i = this.#end;
    if (i >= MAX_INDEX) throw new RangeError(`Float64Column: index ${i} out of range`);
    const c = (i >>> SHIFT) - this.#firstChunk;
    const at = i & MASK;
    if (c === this.#chunks.length) this.#chunks.push(new Float64Array(Math.max(FIRST_CAPACITY, at + 1)));
    let chunk = this.#chunks[c] as Float64Array;
    if (at >= chunk.length) {
      const grown = new Float64Array(Math.min(CHUNK, Math.max(chunk.length * 2, at + 1)));
      grown.set(chunk);
      this.#chunks[c] = chunk = grown;
    }
    chunk[at] = value;
    this.#end = i + 1;
  }

  /** The value at `index`, which must be held (not checked: this is the hot path). */
  get(index: number): number {
    return (this.#chunks[(index >>> SHIFT) - this.#firstChunk] as Float64Array)[index & MASK] as number;
  }

  /** Forgets the values from `end` on. */
  truncate(end: number): void {
    if (end >= this.#end) return;
    this.#end = end;
    const keep = Math.max(0, ((end + MASK) >>> SHIFT) - this.#firstChunk);
    this.#chunks.length = Math.min(this.#chunks.length, keep);
  }

  /** Frees the chunks that hold only indexes below `index` (at most {@link end}). */
  dropBefore(index: number): void {
    const c = (Math.min(index, this.#end) >>> SHIFT) - this.#firstChunk;
    if (c <= 0) return;
    this.#chunks.splice(0, c);
    this.#firstChunk += c;
  }

  /** Bytes held by the chunks. */
  get bytes(): number {
    return this.#chunks.reduce((n, c) => n + c.byteLength, 0);
  }
}
