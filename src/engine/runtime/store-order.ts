/**
 * The order in which ksqlDB's state stores hold a table's rows, and so the
 * order of a table scan: one partition's store after another, each in the
 * order of its serialized key bytes (RocksDB's), window start after the key
 * for windowed tables.
 *
 * @module
 */
import sortedBtree from 'sorted-btree';
import { unwrapWindowedKey } from '../operators/index.js';
import type { SerdeSpec } from '../plan/index.js';
import type { StoredRecord } from '../storage/index.js';
import { Decimal, keySerde, type Value } from '../types/index.js';

// A CommonJS module whose class is `exports.default`: Node's loader hands over `module.exports`,
// vitest's transform the default itself.
const loaded: unknown = sortedBtree;
const BTree = (typeof loaded === 'function' ? loaded : sortedBtree.default) as typeof sortedBtree.default;

const hex = (bytes: Uint8Array) => [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');

/** How a table's keys are serialized. */
export interface TableKeys {
  readonly key: SerdeSpec;
  readonly windowed?: boolean | undefined;
}

/** A key's serialized bytes as ksqlDB's store orders them (KAFKA primitives big-endian; other formats their JSON text). */
function keyOrder(scan: TableKeys): (r: { readonly key: string | null }) => string {
  const serde = keySerde(scan.key.format, scan.key.columns, { delimiter: scan.key.delimiter });
  const single = scan.key.format === 'KAFKA' && scan.key.columns.length === 1 ? scan.key.columns[0] : undefined;
  return (r) => {
    let text = r.key;
    let suffix = '';
    if (scan.windowed === true) {
      const w = unwrapWindowedKey(r.key);
      text = w?.key ?? null;
      const b = new DataView(new ArrayBuffer(8));
      b.setBigInt64(0, BigInt(w?.window.start ?? 0));
      suffix = '|' + hex(new Uint8Array(b.buffer));
    }
    if (single === undefined || text === null) return (text ?? '') + suffix;
    let v: Value;
    try {
      v = serde.deserialize(text)[0] ?? null;
    } catch {
      return text + suffix;
    }
    const b = new DataView(new ArrayBuffer(8));
    switch (single.type.type) {
      case 'INTEGER':
        b.setInt32(0, v as number);
        return hex(new Uint8Array(b.buffer, 0, 4)) + suffix;
      case 'BIGINT':
        b.setBigInt64(0, v as bigint);
        return hex(new Uint8Array(b.buffer)) + suffix;
      case 'DOUBLE':
        b.setFloat64(0, v as number);
        return hex(new Uint8Array(b.buffer)) + suffix;
      case 'STRING':
        return hex(new TextEncoder().encode(v as string)) + suffix;
      default:
        return (v instanceof Decimal ? v.toString() : text) + suffix;
    }
  };
}


/**
 * A table's rows in store order, built at the first scan and kept up to date
 * by every later write (a table never scanned costs nothing). A scan reads a
 * snapshot (the B+ tree's copy-on-write clone, O(1)), so a pull response can
 * stream it while the table changes.
 */
/**
 * A string per row of a table that sorts as ksqlDB's stores hold the rows:
 * partition, then key bytes; unique per key (a table holds one row per key),
 * the key text breaking ties of equal orders.
 */
export function storeOrderKey(table: TableKeys): (r: { readonly partition: number; readonly key: string | null }) => string {
  const order = keyOrder(table);
  return (r) => `${String(r.partition).padStart(10, '0')}\u0000${order(r)}\u0000${r.key ?? ''}`;
}

/** `records` (a few looked-up rows) in store order. */
export function inStoreOrder(records: Iterable<StoredRecord>, table: TableKeys): StoredRecord[] {
  const at = storeOrderKey(table);
  return [...records]
    .map((r) => ({ r, k: at(r) }))
    .sort((a, b) => (a.k < b.k ? -1 : a.k > b.k ? 1 : 0))
    .map((x) => x.r);
}

export class StoreOrder {
  readonly #at: (r: { readonly partition: number; readonly key: string | null }) => string;
  readonly #rows: () => Iterable<StoredRecord>;
  #tree: InstanceType<typeof BTree<string, StoredRecord>> | undefined;

  constructor(table: TableKeys, rows: () => Iterable<StoredRecord>) {
    this.#at = storeOrderKey(table);
    this.#rows = rows;
  }

  /** The row of `record.key` is now `record`. */
  put(record: StoredRecord): void {
    this.#tree?.set(this.#at(record), record);
  }

  /** The row of `key` (in `partition`) is gone. */
  delete(partition: number, key: string | null): void {
    this.#tree?.delete(this.#at({ partition, key }));
  }

  /** The rows in store order, as they are now. */
  scan(): Iterable<StoredRecord> {
    if (this.#tree === undefined) {
      const tree = new BTree<string, StoredRecord>();
      for (const r of this.#rows()) tree.set(this.#at(r), r);
      this.#tree = tree;
    }
    return this.#tree.clone().values();
  }
}
