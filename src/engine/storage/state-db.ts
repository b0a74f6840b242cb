/**
 * Checkpoints of persistent queries' state in an embedded LMDB database
 * (`<dataDir>/state.mdb`, through `lmdb`; the choice and its measurements are
 * in the engine README).
 *
 * A checkpoint of a query is its state stores' changed entries, its scalar
 * cells and the input position and output count they reflect, written in one
 * LMDB transaction: after a crash (kill -9 too) a query finds either the
 * previous checkpoint or this one, whole. The runtime writes a checkpoint
 * only once the outputs it reflects are durable in the record log, so the
 * outputs a restarted query produces again are exactly the ones its sink
 * drops as duplicates (storage/README.md, "Exactly once").
 *
 * Values are encoded with msgpackr's structured clone (bigint, Map, Set,
 * Uint8Array, shared references) and an extension for DECIMAL values.
 *
 * @module
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { open, type RootDatabase } from 'lmdb';
import { addExtension, Packr } from 'msgpackr';
import { Decimal } from '../types/index.js';
import { StorageError } from './log.js';

/** A format change makes every older checkpoint unusable (queries then rebuild from their input). */
const FORMAT = 1;

addExtension({
  Class: Decimal,
  type: 0x44,
  write: (d: Decimal) => [d.unscaled, d.scale],
  read: ([unscaled, scale]: [bigint, number]) => new Decimal(unscaled, scale),
});

// Records keep objects objects (rows, states) while JS Maps (SQL MAP values) decode as Maps.
const packr = new Packr({ structuredClone: true, useBigIntExtension: true, useRecords: true, mapsAsObjects: false });

export function encodeState(value: unknown): Uint8Array {
  return packr.pack(value);
}

function decodeState(bytes: Uint8Array): unknown {
  return packr.unpack(bytes);
}

/** What one query's checkpoint adds to the previous one. */
export interface CheckpointWrite {
  readonly queryId: string;
  /** Identifies the plan the state belongs to: a checkpoint of another plan is not loaded. */
  readonly fingerprint: string;
  /** The sequence of the first input record the state does not reflect. */
  readonly position: number;
  /** Outputs produced so far (the producer sequence of the next one). */
  readonly outputs: number;
  readonly puts: readonly (readonly [store: string, key: string, value: Uint8Array])[];
  readonly deletes: readonly (readonly [store: string, key: string])[];
  /** Every cell, encoded with {@link encodeState}: `[name, value][]`. */
  readonly cells: Uint8Array;
}

/** A query's state as its last checkpoint left it. */
export interface LoadedCheckpoint {
  readonly position: number;
  readonly outputs: number;
  readonly stores: ReadonlyMap<string, [string, unknown][]>;
  readonly cells: ReadonlyMap<string, unknown>;
  /** Entries loaded (for the log). */
  readonly entries: number;
}

interface Meta {
  readonly format: number;
  readonly fingerprint: string;
  readonly position: number;
  readonly outputs: number;
  readonly cells: Uint8Array;
}

/*
 * Keys are bytes (compared as such): `<queryId> 00 <store> 00 <key>` for
 * entries and `<queryId> 01` for the query's meta, so one query's entries are
 * one range. LMDB keys are short (at most 1978 bytes in lmdb-js): a long key
 * is replaced by FF (never in UTF-8) and its SHA-256, the original being kept
 * in the value, which is `[u32 BE key length][key, UTF-8][encoded value]`.
 */
const MAX_KEY_BYTES = 400;
const metaKey = (queryId: string) => Buffer.from(`${queryId}\u0001`);
const rangeOf = (queryId: string) => ({ start: Buffer.from(`${queryId}\u0000`), end: Buffer.from(`${queryId}\u0001`) });

function entryKey(queryId: string, store: string, key: string): Buffer {
  const k = Buffer.from(`${queryId}\u0000${store}\u0000${key}`);
  if (k.length <= MAX_KEY_BYTES) return k;
  return Buffer.concat([Buffer.from(`${queryId}\u0000${store}\u0000`), Buffer.from([0xff]), createHash('sha256').update(key).digest()]);
}

function entryValue(key: string, value: Uint8Array): Buffer {
  const keyBytes = Buffer.byteLength(key);
  const out = Buffer.allocUnsafe(4 + keyBytes + value.length);
  out.writeUInt32BE(keyBytes, 0);
  out.write(key, 4, 'utf8');
  out.set(value, 4 + keyBytes);
  return out;
}

export interface StateDb {
  /** The query's last checkpoint, unless it has none or one of another plan or format. */
  load(queryId: string, fingerprint: string): LoadedCheckpoint | undefined;
  /** Writes the checkpoints, all in one transaction; resolves once it is durable. */
  commit(writes: readonly CheckpointWrite[]): Promise<void>;
  /** Forgets a query's state (it was terminated). */
  drop(queryId: string): Promise<void>;
  close(): Promise<void>;
}

class LmdbStateDb implements StateDb {
  readonly #db: RootDatabase<Buffer, Buffer>;

  constructor(db: RootDatabase<Buffer, Buffer>) {
    this.#db = db;
  }

  load(queryId: string, fingerprint: string): LoadedCheckpoint | undefined {
    const raw = this.#db.get(metaKey(queryId));
    if (raw === undefined) return undefined;
    const meta = decodeState(raw) as Meta;
    if (meta.format !== FORMAT || meta.fingerprint !== fingerprint) return undefined;
    const stores = new Map<string, [string, unknown][]>();
    let entries = 0;
    for (const { key, value } of this.#db.getRange(rangeOf(queryId))) {
      const from = Buffer.byteLength(queryId) + 1;
      const store = key.toString('utf8', from, key.indexOf(0, from));
      const keyBytes = value.readUInt32BE(0);
      const k = value.toString('utf8', 4, 4 + keyBytes);
      const v = decodeState(value.subarray(4 + keyBytes));
      let list = stores.get(store);
      if (list === undefined) stores.set(store, (list = []));
      list.push([k, v]);
      entries++;
    }
    return {
      position: meta.position,
      outputs: meta.outputs,
      stores,
      cells: new Map(decodeState(meta.cells) as [string, unknown][]),
      entries,
    };
  }

  commit(writes: readonly CheckpointWrite[]): Promise<void> {
    // In the transaction's callback a write happens at once: the Sync forms say so (put's promise would be dropped).
    return this.#write(() => {
      for (const w of writes) {
        for (const [store, key, value] of w.puts) this.#db.putSync(entryKey(w.queryId, store, key), entryValue(key, value));
        for (const [store, key] of w.deletes) this.#db.removeSync(entryKey(w.queryId, store, key));
        const meta: Meta = { format: FORMAT, fingerprint: w.fingerprint, position: w.position, outputs: w.outputs, cells: w.cells };
        this.#db.putSync(metaKey(w.queryId), Buffer.from(encodeState(meta)));
      }
    });
  }

  drop(queryId: string): Promise<void> {
    return this.#write(() => {
      for (const key of this.#db.getKeys(rangeOf(queryId))) this.#db.removeSync(key);
      this.#db.removeSync(metaKey(queryId));
    });
  }

  /** Runs `body` in one write transaction; resolves once it is committed (fsync'd). */
  async #write(body: () => void): Promise<void> {
    await this.#db.transaction(body);
  }

  close(): Promise<void> {
    return this.#db.close();
  }
}

/**
 * Opens (creating) the state database of a data directory. Throws a
 * {@link StorageError} when it cannot.
 */
export function openStateDb(dataDir: string): StateDb {
  try {
    const db = open<Buffer, Buffer>({ path: join(dataDir, 'state.mdb'), encoding: 'binary', keyEncoding: 'binary', compression: false });
    return new LmdbStateDb(db);
  } catch (err) {
    throw new StorageError('STORAGE_STATE_OPEN_FAILED', `Could not open the state database in ${dataDir}: ${(err as Error).message}`, { cause: err });
  }
}
