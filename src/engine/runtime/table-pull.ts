/**
 * Pull queries over materialized tables: the plan runs synchronously over
 * the table's current rows; the handle replays the result. No final
 * message (ksqlDB ends a table pull response with the last row).
 *
 * @module
 */
import type { FunctionRegistry } from '../functions/index.js';
import { buildPipeline, type Row } from '../operators/index.js';
import { planSource, type Expr, type FilterNode, type PlanColumn, type PlanNode, type TablePullPlan } from '../plan/index.js';
import type { StoredRecord } from '../storage/index.js';
import { typeEquals, type Value } from '../types/index.js';
import { inStoreOrder } from './store-order.js';
import type { MaterializedTable } from './persistent-query.js';
import type { QueryEvent, TransientQueryHandle } from './transient-query.js';

class TablePullHandle implements TransientQueryHandle {
  readonly queryId: string;
  readonly schema: readonly PlanColumn[];
  readonly mode = 'tablePull' as const;
  readonly #events: Iterator<QueryEvent>;
  #closed = false;

  constructor(queryId: string, schema: readonly PlanColumn[], events: Iterator<QueryEvent>) {
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

  // eslint-disable-next-line @typescript-eslint/require-await -- replays rows already computed: the reader awaits each one, this waits for nothing
  async *[Symbol.asyncIterator](): AsyncIterator<QueryEvent> {
    try {
      for (;;) {
        if (this.#closed) return;
        const next = this.#events.next();
        if (next.done === true) return;
        yield next.value;
      }
    } finally {
      this.#closed = true;
      this.#events.return?.();
    }
  }
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

/** The plan's filter, under its projections, if it has one. */
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
  return new TablePullHandle(options.queryId, plan.schema, table === undefined ? [].values() : rows(plan, table, options));
}

/**
 * The rows of a pull query, produced as they are read: the table's rows in
 * store order (a snapshot; or the rows of the keys it pins, looked up) through
 * the plan, until the LIMIT. A large scan is never held whole.
 */
function* rows(
  plan: TablePullPlan,
  table: MaterializedTable,
  options: { readonly functions: FunctionRegistry; readonly onError?: ((err: unknown) => void) | undefined },
): Generator<QueryEvent, void, undefined> {
  const limit = plan.limit;
  if (limit === 0) return;
  const matched: Row['values'][] = [];
  const pipeline = buildPipeline(plan.root, { push: (row: Row) => void matched.push(row.values) }, options);
  const keys = table.lookup === undefined ? undefined : pinnedKeys(plan.root);
  const lookup = table.lookup;
  const records =
    keys === undefined || lookup === undefined
      ? table.scan()
      : inStoreOrder(new Set(keys.map((k) => lookup([k])).filter((r): r is StoredRecord => r !== undefined)), planSource(plan.root));
  let emitted = 0;
  for (const r of records) {
    pipeline.push(r);
    for (const values of matched.splice(0)) {
      yield { kind: 'row', values };
      if (limit !== undefined && ++emitted >= limit) return;
    }
  }
}
