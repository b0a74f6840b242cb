/**
 * Pull queries over materialized tables: the plan runs synchronously over
 * the table's current rows; the handle replays the result. No final
 * message (ksqlDB ends a table pull response with the last row).
 *
 * @module
 */
import type { FunctionRegistry } from '../functions/index.js';
import { buildPipeline, unwrapWindowedKey, type Row } from '../operators/index.js';
import { planSource, type Expr, type FilterNode, type PlanColumn, type PlanNode, type SourceScanNode, type TablePullPlan } from '../plan/index.js';
import type { StoredRecord } from '../storage/index.js';
import { Decimal, keySerde, typeEquals, type Value } from '../types/index.js';
import type { MaterializedTable } from './persistent-query.js';
import type { QueryEvent, TransientQueryHandle } from './transient-query.js';

class TablePullHandle implements TransientQueryHandle {
  readonly queryId: string;
  readonly schema: readonly PlanColumn[];
  readonly mode = 'tablePull' as const;
  readonly #events: QueryEvent[];
  #closed = false;

  constructor(queryId: string, schema: readonly PlanColumn[], events: QueryEvent[]) {
    this.queryId = queryId;
    this.schema = schema;
    this.#events = events;
  }

  get closed(): boolean {
    return this.#closed;
  }

  close(): void {
    this.#closed = true;
  }

  async *[Symbol.asyncIterator](): AsyncIterator<QueryEvent> {
    try {
      for (const e of this.#events) {
        if (this.#closed) return;
        yield e;
      }
    } finally {
      this.#closed = true;
    }
  }
}

const hex = (bytes: Uint8Array) => [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');

/** A key's serialized bytes as ksqlDB's store orders them (KAFKA primitives big-endian; other formats their JSON text). */
function keyOrder(scan: SourceScanNode): (r: StoredRecord) => string {
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

/** A conjunct's `key column = literal` (either side) or `key column IN (literals)`: the key values it allows. */
function pinnedValues(e: Expr, column: PlanColumn, at: number): Value[] | undefined {
  const isKey = (x: Expr) => x.kind === 'Column' && x.index === at;
  const literal = (x: Expr): Value | undefined => {
    if (x.kind !== 'Literal' || x.type === null || x.value === null) return undefined;
    if (typeEquals(x.type, column.type)) return x.value;
    // `WHERE ID = 5` on a BIGINT key: the literal is an INTEGER.
    if (x.type.type === 'INTEGER' && column.type.type === 'BIGINT' && typeof x.value === 'number') return BigInt(x.value);
    return undefined;
  };
  if (e.kind === 'Comparison' && (e.op === '=' || e.op === 'IS NOT DISTINCT FROM')) {
    const value = isKey(e.left) ? literal(e.right) : isKey(e.right) ? literal(e.left) : undefined;
    return value === undefined ? undefined : [value];
  }
  if (e.kind === 'In' && !e.negated && isKey(e.operand)) {
    const values = e.values.map(literal);
    return values.every((v): v is Value => v !== undefined) ? values : undefined;
  }
  return undefined;
}

/**
 * The key values a pull query on a single-key table is limited to, when its
 * filter pins the key to literals (`WHERE ID = 'x' [AND ...]`, `WHERE ID IN
 * (...)`): those rows are looked up, not scanned. Undefined when it does not
 * (the whole table is scanned). The filter still runs on what is found.
 */
function pinnedKeys(root: PlanNode): Value[] | undefined {
  const node = planFilter(root);
  if (node === undefined || node.input.kind !== 'SourceScan' || node.input.windowed === true) return undefined;
  const schema = node.input.schema;
  const keyAt = schema.flatMap((c, i) => (c.isKey === true ? [i] : []));
  if (keyAt.length !== 1) return undefined;
  const at = keyAt[0] as number;
  const conjuncts: Expr[] = [];
  const split = (e: Expr): void => {
    if (e.kind === 'Logical' && e.op === 'AND') {
      split(e.left);
      split(e.right);
    } else conjuncts.push(e);
  };
  split(node.predicate);
  for (const conjunct of conjuncts) {
    const values = pinnedValues(conjunct, schema[at] as PlanColumn, at);
    if (values !== undefined) return values;
  }
  return undefined;
}

/**
 * ksqlDB scans a table one partition's store after another, each in key-byte
 * order; a LIMIT therefore takes the first partitions' rows first. Sorts
 * `items` so, by the record each comes from (stable: rows of one record keep
 * their order).
 */
function inStoreOrder<T>(items: Iterable<T>, recordOf: (item: T) => StoredRecord, scan: SourceScanNode): T[] {
  const order = keyOrder(scan);
  return [...items]
    .map((item) => ({ item, r: recordOf(item), k: order(recordOf(item)) }))
    .sort((a, b) => a.r.partition - b.r.partition || (a.k < b.k ? -1 : a.k > b.k ? 1 : 0))
    .map((x) => x.item);
}

/** The plan's filter, under its projections, if it has one (then only its matches need ordering). */
function planFilter(root: PlanNode): FilterNode | undefined {
  let node = root;
  while (node.kind === 'Project') node = node.input;
  return node.kind === 'Filter' ? node : undefined;
}

export function runTablePull(options: {
  readonly queryId: string;
  readonly plan: TablePullPlan;
  readonly table: MaterializedTable | undefined;
  readonly functions: FunctionRegistry;
  readonly onError?: ((err: unknown) => void) | undefined;
}): TransientQueryHandle {
  const { plan, table } = options;
  const events: QueryEvent[] = [];
  const limit = plan.limit;
  // The record being pushed: the pipeline runs synchronously, so each row it emits comes from it.
  let current: StoredRecord | undefined;
  const matched: Array<{ readonly record: StoredRecord; readonly values: Row['values'] }> = [];
  const sink = { push: (row: Row) => void matched.push({ record: current as StoredRecord, values: row.values }) };
  const pipeline = buildPipeline(plan.root, sink, { functions: options.functions, onError: options.onError });
  if (table !== undefined && limit !== 0) {
    const scan = planSource(plan.root);
    const keys = table.lookup === undefined ? undefined : pinnedKeys(plan.root);
    const lookup = table.lookup;
    const records =
      keys === undefined || lookup === undefined
        ? table.records()
        : [...new Set(keys.map((k) => lookup([k])).filter((r): r is StoredRecord => r !== undefined))];
    if (planFilter(plan.root) !== undefined) {
      // Filter first, then put only the matches in store order: a selective scan
      // does not order (and serialize the key of) every row of the table.
      for (const r of records) {
        current = r;
        pipeline.push(r);
      }
      for (const m of inStoreOrder(matched, (x) => x.record, scan)) {
        if (limit !== undefined && events.length >= limit) break;
        events.push({ kind: 'row', values: m.values });
      }
    } else {
      // Every row matches: in store order, stopping at the LIMIT.
      for (const r of inStoreOrder(records, (x) => x, scan)) {
        current = r;
        pipeline.push(r);
        for (const m of matched.splice(0)) {
          if (limit === undefined || events.length < limit) events.push({ kind: 'row', values: m.values });
        }
        if (limit !== undefined && events.length >= limit) break;
      }
    }
  }
  return new TablePullHandle(options.queryId, plan.schema, events);
}
