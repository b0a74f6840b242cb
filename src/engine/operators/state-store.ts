/**
 * State stores: key-value state of stateful operators (aggregations,
 * table filters) and materialized tables, keyed by a key identity string.
 * In memory now; a durable implementation can sit behind the same interface.
 *
 * @module
 */
export interface KeyValueStore<V> {
  get(key: string): V | undefined;
  put(key: string, value: V): void;
  delete(key: string): boolean;
  /** Entries in insertion order. */
  entries(): IterableIterator<[string, V]>;
  values(): IterableIterator<V>;
  readonly size: number;
}

export function createMemoryStore<V>(): KeyValueStore<V> {
  const m = new Map<string, V>();
  return {
    get: (k) => m.get(k),
    put: (k, v) => {
      m.set(k, v);
    },
    delete: (k) => m.delete(k),
    entries: () => m.entries(),
    values: () => m.values(),
    get size() {
      return m.size;
    },
  };
}
