/**
 * Pull queries over materialized tables: the plan runs synchronously over
 * the table's current rows; the handle replays the result. No final
 * message (ksqlDB ends a table pull response with the last row).
 *
 * @module
 */
import type { FunctionRegistry } from '../functions/index.js';
import { buildPipeline, unwrapWindowedKey, type Row } from '../operators/index.js';
import { planSource, type PlanColumn, type SourceScanNode, type TablePullPlan } from '../plan/index.js';
import type { StoredRecord } from '../storage/index.js';
import { Decimal, keySerde, type Value } from '../types/index.js';
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

/**
 * ksqlDB scans a table one partition's store after another, each in key-byte
 * order; a LIMIT therefore takes the first partitions' rows first.
 */
function inStoreOrder(records: Iterable<StoredRecord>, scan: SourceScanNode): StoredRecord[] {
  const order = keyOrder(scan);
  return [...records]
    .map((r) => ({ r, k: order(r) }))
    .sort((a, b) => a.r.partition - b.r.partition || (a.k < b.k ? -1 : a.k > b.k ? 1 : 0))
    .map((x) => x.r);
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
  const sink = {
    push: (row: Row) => {
      if (limit !== undefined && events.length >= limit) return;
      events.push({ kind: 'row', values: row.values });
    },
  };
  const pipeline = buildPipeline(plan.root, sink, { functions: options.functions, onError: options.onError });
  if (table !== undefined && limit !== 0) {
    for (const r of inStoreOrder(table.records(), planSource(plan.root))) {
      pipeline.push(r);
      if (limit !== undefined && events.length >= limit) break;
    }
  }
  return new TablePullHandle(options.queryId, plan.schema, events);
}
