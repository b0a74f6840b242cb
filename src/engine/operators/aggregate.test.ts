import { describe, expect, it } from 'vitest';
import { createDefaultFunctionRegistry } from '../functions/index.js';
import type { AggregateNode, Expr, FilterNode, PlanNode, SourceScanNode } from '../plan/index.js';
import { SqlTypes, type Value } from '../types/index.js';
import { createAggregateOperator } from './aggregate.js';
import { createFilterOperator } from './filter.js';
import type { Row } from './operator.js';
import { windowsFor } from './window.js';

const functions = createDefaultFunctionRegistry();
const I = SqlTypes.INTEGER;
const col = (index: number): Expr => ({ kind: 'Column', index, name: `C${index}`, type: I });
const input = { kind: 'SourceScan' } as unknown as SourceScanNode as PlanNode;
const row = (values: Value[], timestamp: number, tombstone = false): Row =>
  tombstone ? { values, timestamp, partition: 0, offset: 0, tombstone } : { values, timestamp, partition: 0, offset: 0 };

function collect() {
  const out: Row[] = [];
  return { out, sink: { push: (r: Row) => out.push(r) } };
}

describe('windowsFor', () => {
  it('assigns tumbling and hopping windows as Kafka Streams does', () => {
    expect(windowsFor({ type: 'TUMBLING', sizeMs: 1000, advanceMs: 1000, graceMs: 0 }, 12345)).toEqual([{ start: 12000, end: 13000 }]);
    expect(windowsFor({ type: 'HOPPING', sizeMs: 4000, advanceMs: 1000, graceMs: 0 }, 10345).map((w) => w.start)).toEqual([
      7000, 8000, 9000, 10000,
    ]);
  });
});

describe('aggregate operator', () => {
  const node = (extra: Partial<AggregateNode> = {}): AggregateNode => ({
    kind: 'Aggregate',
    input,
    keys: [col(0)],
    aggregates: [
      { name: 'COUNT', args: [], type: SqlTypes.BIGINT },
      { name: 'SUM', args: [col(1)], type: I },
    ],
    schema: [],
    ...extra,
  });

  it('emits the updated group per row, with the highest timestamp as ROWTIME', () => {
    const { out, sink } = collect();
    const op = createAggregateOperator(node(), sink, { functions });
    op.push(row([1, 10], 5));
    op.push(row([1, 5], 3));
    op.push(row([2, 1], 4));
    op.push(row([null, 1], 4));
    expect(out.map((r) => r.values)).toEqual([
      [1, 1n, 10, 5n, null, null],
      [1, 2n, 15, 5n, null, null],
      [2, 1n, 1, 4n, null, null],
    ]);
  });

  it('windows rows and drops records for windows closed by the grace period', () => {
    const { out, sink } = collect();
    const window = { type: 'TUMBLING' as const, sizeMs: 1000, advanceMs: 1000, graceMs: 500 };
    const op = createAggregateOperator(node({ window }), sink, { functions });
    op.push(row([1, 1], 1100));
    op.push(row([1, 1], 2600));
    op.push(row([1, 1], 1900)); // window [1000, 2000) closed at stream time 2600 - 500
    expect(out.map((r) => [r.window, r.values[1]])).toEqual([
      [{ start: 1000, end: 2000 }, 1n],
      [{ start: 2000, end: 3000 }, 1n],
    ]);
  });

  it('undoes the previous row of a table key', () => {
    const { out, sink } = collect();
    // Input: [ID (table key), GRADE]; GROUP BY GRADE, COUNT(*).
    const op = createAggregateOperator(
      node({ keys: [col(1)], aggregates: [{ name: 'COUNT', args: [], type: SqlTypes.BIGINT }], tableKeyCount: 1 }),
      sink,
      { functions },
    );
    op.push(row([1, 7], 1));
    op.push(row([1, 8], 2));
    op.push(row([1, null], 3, true));
    expect(out.map((r) => r.values.slice(0, 2))).toEqual([
      [7, 1n],
      [7, 0n],
      [8, 1n],
      [8, 0n],
    ]);
  });
});

describe('filter operator with table semantics', () => {
  it('turns a row that stops passing into a tombstone, once', () => {
    const { out, sink } = collect();
    const node: FilterNode = {
      kind: 'Filter',
      input,
      predicate: { kind: 'Comparison', op: '>', left: col(1), right: { kind: 'Literal', type: I, value: 0 }, type: SqlTypes.BOOLEAN },
      schema: [],
      tableKeyCount: 1,
    };
    const op = createFilterOperator(node, sink, { functions });
    op.push(row([1, -1], 1));
    op.push(row([1, 5], 2));
    op.push(row([1, -2], 3));
    op.push(row([1, -3], 4));
    expect(out.map((r) => [r.values, r.tombstone ?? false])).toEqual([
      [[1, 5], false],
      [[1, null], true],
    ]);
  });
});
