/**
 * Decoded records of the file-backed broker, a block of consecutive records
 * of one partition at a time, kept while they fit in a byte budget and
 * evicted least recently used first. Sizes are estimates (the frame bytes a
 * block was decoded from plus a fixed overhead per record object): what the
 * budget bounds is the decoded records' share of the heap, within a small
 * factor.
 *
 * @module
 */
import type { StoredRecord } from './log.js';

/** Estimated heap bytes of a decoded record besides its text. */
export const RECORD_OVERHEAD_BYTES = 128;

export interface CachedBlock {
  /** Offset of `records[0]`. */
  readonly first: number;
  readonly records: readonly StoredRecord[];
  readonly bytes: number;
  /** Told when the block leaves the cache, so that it drops its own reference too. */
  readonly owner: { evicted(block: CachedBlock): void };
}

export class BlockCache {
  readonly #maxBytes: number;
  readonly #blocks = new Map<string, CachedBlock>();
  #bytes = 0;

  constructor(maxBytes: number) {
    this.#maxBytes = maxBytes;
  }

  get bytes(): number {
    return this.#bytes;
  }

  get(key: string): CachedBlock | undefined {
    const block = this.#blocks.get(key);
    if (block !== undefined) {
      // Map order is insertion order: moving the block to the end makes the first entry the least recently used.
      this.#blocks.delete(key);
      this.#blocks.set(key, block);
    }
    return block;
  }

  /** Keeps `block` under `key` if it fits in the budget at all, evicting the least recently used. */
  put(key: string, block: CachedBlock): void {
    this.delete(key);
    if (block.bytes > this.#maxBytes) return;
    this.#blocks.set(key, block);
    this.#bytes += block.bytes;
    for (const [k, b] of this.#blocks) {
      if (this.#bytes <= this.#maxBytes) break;
      this.#blocks.delete(k);
      this.#bytes -= b.bytes;
      b.owner.evicted(b);
    }
  }

  delete(key: string): void {
    const block = this.#blocks.get(key);
    if (block === undefined) return;
    this.#blocks.delete(key);
    this.#bytes -= block.bytes;
    block.owner.evicted(block);
  }
}
