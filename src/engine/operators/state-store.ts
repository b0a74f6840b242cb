/**
 * State stores: the keyed state of stateful operators (aggregations, table
 * filters, joins) and of materialized tables, keyed by a key identity string,
 * plus small scalar cells (stream time).
 *
 * Operators take their stores from a {@link StateScope} and never know
 * whether the query runs in memory or is checkpointed: a checkpointed scope
 * ({@link createCheckpointedState}) records which keys changed, so that the
 * runtime can save just those, with the input position they reflect, in one
 * atomic write (storage/state-db.ts), and a restart can load them instead of
 * re-reading the query's whole input.
 *
 * @module
 */
export interface KeyValueStore<V> {
  /**
   * The value of `key`, for update: a checkpointed store counts the key as
   * changed, so a value read here may be changed in place.
   */
  get(key: string): V | undefined;
  /** The value of `key`, read only (pull queries). */
  peek(key: string): V | undefined;
  put(key: string, value: V): void;
  delete(key: string): boolean;
  /** Entries in insertion order, for update (as {@link get}). */
  entries(): IterableIterator<[string, V]>;
  /** Values in insertion order, read only. */
  scan(): IterableIterator<V>;
  readonly size: number;
}

/** One scalar of an operator's state. */
export interface StateCell<V> {
  value: V;
}

/** Where an operator gets its state. */
export interface StateScope {
  /**
   * A sub-scope for one operator. Names are given in pipeline-building
   * order, so the same plan gets the same names after a restart.
   */
  operator(kind: string): StateScope;
  store<V>(name: string): KeyValueStore<V>;
  cell<V>(name: string, initial: V): StateCell<V>;
}

class MapStore<V> implements KeyValueStore<V> {
  protected readonly map: Map<string, V>;
  constructor(map = new Map<string, V>()) {
    this.map = map;
  }
  get(key: string): V | undefined {
    return this.map.get(key);
  }
  peek(key: string): V | undefined {
    return this.map.get(key);
  }
  put(key: string, value: V): void {
    this.map.set(key, value);
  }
  delete(key: string): boolean {
    return this.map.delete(key);
  }
  entries(): IterableIterator<[string, V]> {
    return this.map.entries();
  }
  scan(): IterableIterator<V> {
    return this.map.values();
  }
  get size(): number {
    return this.map.size;
  }
}

class MemoryScope implements StateScope {
  #operators = 0;
  readonly #prefix: string;
  constructor(prefix = '') {
    this.#prefix = prefix;
  }
  operator(kind: string): StateScope {
    return new MemoryScope(`${this.#prefix}${kind}#${this.#operators++}/`);
  }
  store<V>(): KeyValueStore<V> {
    return new MapStore<V>();
  }
  cell<V>(_name: string, initial: V): StateCell<V> {
    return { value: initial };
  }
}

/** State that lives and dies with the query (in-memory engines, transient queries). */
export function createMemoryState(): StateScope {
  return new MemoryScope();
}

// ------------------------------------------------------------ checkpointed

/** What a checkpoint holds for one query: its stores' entries and its cells. */
export interface StateContents {
  /** Entries per store name (the full name, scope prefixes included). */
  readonly stores: ReadonlyMap<string, Iterable<readonly [string, unknown]>>;
  readonly cells: ReadonlyMap<string, unknown>;
}

/** What changed since the last snapshot, values already encoded. */
export interface StateChanges {
  readonly puts: readonly (readonly [store: string, key: string, value: Uint8Array])[];
  readonly deletes: readonly (readonly [store: string, key: string])[];
  /** Every cell's current value (they are few and small). */
  readonly cells: Uint8Array;
}

class TrackedStore<V> extends MapStore<V> {
  readonly changed = new Set<string>();
  override get(key: string): V | undefined {
    const v = this.map.get(key);
    if (v !== undefined) this.changed.add(key);
    return v;
  }
  override put(key: string, value: V): void {
    this.map.set(key, value);
    this.changed.add(key);
  }
  override delete(key: string): boolean {
    const had = this.map.delete(key);
    if (had) this.changed.add(key);
    return had;
  }
  override *entries(): IterableIterator<[string, V]> {
    for (const e of this.map.entries()) {
      this.changed.add(e[0]);
      yield e;
    }
  }
  /** The store's current value of every changed key (undefined: deleted); forgets them. */
  takeChanges(): [string, V | undefined][] {
    const out: [string, V | undefined][] = [];
    for (const k of this.changed) out.push([k, this.map.get(k)]);
    this.changed.clear();
    return out;
  }
}

/**
 * A {@link StateScope} that remembers what changed. {@link snapshot} encodes
 * the changes of every store, synchronously (values may change in place
 * afterwards), for the runtime to write once the outputs they reflect are
 * durable.
 */
export class CheckpointedState implements StateScope {
  readonly #stores = new Map<string, TrackedStore<unknown>>();
  readonly #cells = new Map<string, StateCell<unknown>>();
  readonly #restored: StateContents | undefined;
  readonly #root: CheckpointedState | undefined;
  readonly #prefix: string;
  #operators = 0;

  constructor(restored?: StateContents, root?: CheckpointedState, prefix = '') {
    this.#restored = restored;
    this.#root = root;
    this.#prefix = prefix;
  }

  operator(kind: string): StateScope {
    return new CheckpointedState(undefined, this.#root ?? this, `${this.#prefix}${kind}#${this.#operators++}/`);
  }

  store<V>(name: string): KeyValueStore<V> {
    const root = this.#root ?? this;
    const full = this.#prefix + name;
    if (root.#stores.has(full)) throw new Error(`Invariant violated: state store ${full} opened twice`);
    const entries = root.#restored?.stores.get(full);
    const store = new TrackedStore<V>(new Map(entries as Iterable<[string, V]> | undefined));
    root.#stores.set(full, store);
    return store;
  }

  cell<V>(name: string, initial: V): StateCell<V> {
    const root = this.#root ?? this;
    const full = this.#prefix + name;
    const restored = root.#restored?.cells;
    const cell: StateCell<V> = { value: restored?.has(full) === true ? (restored.get(full) as V) : initial };
    root.#cells.set(full, cell);
    return cell;
  }

  /** The changes since the last snapshot, encoded with `encode`. */
  snapshot(encode: (value: unknown) => Uint8Array): StateChanges {
    const puts: [string, string, Uint8Array][] = [];
    const deletes: [string, string][] = [];
    for (const [name, store] of this.#stores) {
      for (const [k, v] of store.takeChanges()) {
        if (v === undefined) deletes.push([name, k]);
        else puts.push([name, k, encode(v)]);
      }
    }
    const cells: [string, unknown][] = [...this.#cells].map(([name, c]) => [name, c.value]);
    return { puts, deletes, cells: encode(cells) };
  }
}

/** A checkpointed scope holding `restored` (a checkpoint's contents), or empty. */
export function createCheckpointedState(restored?: StateContents): CheckpointedState {
  return new CheckpointedState(restored);
}
