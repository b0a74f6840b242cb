import { describe, expect, it } from 'vitest';
import { createDefaultFunctionRegistry } from '../functions/index.js';
import type { AggregateNode, Expr, FilterNode, PlanNode, SourceScanNode } from '../plan/index.js';
import { SqlTypes, type Value } from '../types/index.js';
import { createAggregateOperator } from './aggregate.js';
import { createFilterOperator } from './filter.js';
import type { Row } from './operator.js';
import { mergeSessions, windowsFor } from './window.js';

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

describe('mergeSessions', () => {
  const s = (start: number, end: number) => ({ window: { start, end } });

  it('joins the sessions within the gap on either side and spans them all', () => {
    const sessions = [s(0, 100), s(1000, 1200), s(5000, 5000)];
    expect(mergeSessions(sessions, 1500, 500)).toEqual({ merged: { start: 1000, end: 1500 }, overlapping: [s(1000, 1200)] });
    // A record between two sessions, within the gap of both, bridges them.
    expect(mergeSessions([s(0, 100), s(700, 800)], 400, 300)).toEqual({
      merged: { start: 0, end: 800 },
      overlapping: [s(0, 100), s(700, 800)],
    });
    // The gap is inclusive; beyond it a new session starts at the record.
    expect(mergeSessions(sessions, 5300, 300).merged).toEqual({ start: 5000, end: 5300 });
    expect(mergeSessions(sessions, 5301, 300)).toEqual({ merged: { start: 5301, end: 5301 }, overlapping: [] });
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

  it('merges SESSION windows, deleting the merged sessions with tombstones', () => {
    const { out, sink } = collect();
    const window = { type: 'SESSION' as const, sizeMs: 5000, advanceMs: 5000, graceMs: 1000 };
    const op = createAggregateOperator(node({ window }), sink, { functions });
    op.push(row([10, 1], 8001));
    op.push(row([11, 1], 9000)); // another key: its own session
    op.push(row([10, 2], 10456));
    op.push(row([10, 4], 19444)); // beyond the gap: a new session
    op.push(row([10, 8], 15000)); // bridges [8001, 10456] and [19444, 19444]
    op.push(row([10, 16], 1000)); // closed: 1000 < stream time 19444 - grace 1000
    expect(out.map((r) => [r.tombstone ?? false, r.timestamp, r.values])).toEqual([
      [false, 8001, [10, 1n, 1, 8001n, 8001n, 8001n]],
      [false, 9000, [11, 1n, 1, 9000n, 9000n, 9000n]],
      [true, 8001, [10, null, null, null, 8001n, 8001n]],
      [false, 10456, [10, 2n, 3, 10456n, 8001n, 10456n]],
      [false, 19444, [10, 1n, 4, 19444n, 19444n, 19444n]],
      [true, 10456, [10, null, null, null, 8001n, 10456n]],
      [true, 19444, [10, null, null, null, 19444n, 19444n]],
      [false, 19444, [10, 4n, 15, 19444n, 8001n, 19444n]],
    ]);
    expect(out.at(-1)?.window).toEqual({ start: 8001, end: 19444 });
  });

  it('forgets SESSIONs once their store segment expires, as Kafka Streams does', () => {
    const { out, sink } = collect();
    // Retention 40 s (gap + grace), segments of 60 s: a session expires 100 s after its end.
    const window = { type: 'SESSION' as const, sizeMs: 40_000, advanceMs: 40_000, graceMs: 0 };
    const op = createAggregateOperator(node({ window }), sink, { functions });
    for (const t of [0, 50_000, 80_000, 110_000, 140_000, 150_000]) op.push(row([1, 1], t));
    // Would bridge [0, 0] and [50000, 150000]; [0, 0] ended more than 100 s before stream time.
    op.push(row([1, 1], 30_000));
    expect(out.at(-1)).toMatchObject({ window: { start: 30_000, end: 150_000 }, values: [1, 6n, 6, 150_000n, 30_000n, 150_000n] });
  });

  it('keeps a SESSION that a record repeats without a tombstone', () => {
    const { out, sink } = collect();
    const window = { type: 'SESSION' as const, sizeMs: 100, advanceMs: 100, graceMs: 0 };
    const op = createAggregateOperator(node({ window }), sink, { functions });
    op.push(row([1, 1], 50));
    op.push(row([1, 1], 50));
    expect(out.map((r) => [r.tombstone ?? false, r.values[1]])).toEqual([
      [false, 1n],
      [false, 2n],
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
