/**
 * Decoded records of the file-backed broker, a block of consecutive records
 * of one partition at a time, kept while they fit in a byte budget and
 * evicted least recently used first. Sizes are estimates (the frame bytes a
 * block was decoded from plus a fixed overhead per record object): what the
 * budget bounds is the decoded records' share of the heap, within a small
 * factor.
 *
 * Blocks just written are kept at once (their consumers usually read them
 * next). A block read from disk is kept only when it is read a second time
 * while its key is still among the last {@link GHOST_KEYS} read: a reader
 * scanning a partition reads each block once, and keeping those blocks both
 * evicts the ones live readers need and costs more than decoding them again
 * (a kept block outlives the young generation; draining 1,000,000 records
 * through a 64 MiB cache that kept every block took twice as long as
 * through one that kept none).
 *
 * @module
 */
import type { StoredRecord } from './log.js';

/** Estimated heap bytes of a decoded record besides its text. */
export const RECORD_OVERHEAD_BYTES = 128;

/** Keys of blocks read once that are remembered (not their records) to tell a second read. */
export const GHOST_KEYS = 4096;

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
  /** Keys of blocks read from disk once, oldest first. */
  readonly #readOnce = new Set<string>();
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

  /** A block read from disk: kept if it was read before, recently; otherwise only remembered. */
  putRead(key: string, block: CachedBlock): void {
    if (this.#readOnce.delete(key)) {
      this.put(key, block);
      return;
    }
    this.#readOnce.add(key);
    if (this.#readOnce.size > GHOST_KEYS) this.#readOnce.delete(this.#readOnce.values().next().value as string);
  }

  delete(key: string): void {
    const block = this.#blocks.get(key);
    if (block === undefined) return;
    this.#blocks.delete(key);
    this.#bytes -= block.bytes;
    block.owner.evicted(block);
  }
}
