import { describe, expect, it } from 'vitest';
import { createDefaultFunctionRegistry } from '../functions/index.js';
import type { Expr, JoinNode, PlanNode, SourceScanNode } from '../plan/index.js';
import { SqlTypes, type Value } from '../types/index.js';
import { createJoinOperator } from './join.js';
import type { Row } from './operator.js';

const functions = createDefaultFunctionRegistry();
const I = SqlTypes.INTEGER;
const key: Expr = { kind: 'Column', index: 0, name: 'K', type: I };
// Each side's rows are [K, V].
const side = { kind: 'SourceScan', schema: [{ name: 'K', type: I }, { name: 'V', type: I }] } as unknown as SourceScanNode as PlanNode;
const row = (k: number, v: number | null, timestamp: number, tombstone = false): Row =>
  tombstone ? { values: [k, v], timestamp, partition: 0, offset: 0, tombstone } : { values: [k, v], timestamp, partition: 0, offset: 0 };

function join(extra: Partial<JoinNode>) {
  const out: Row[] = [];
  const node: JoinNode = {
    kind: 'Join',
    joinType: 'INNER',
    left: side,
    right: side,
    leftType: 'TABLE',
    rightType: 'TABLE',
    leftKey: key,
    rightKey: key,
    windowed: false,
    schema: [],
    ...extra,
  };
  const inputs = createJoinOperator(node, { push: (r) => out.push(r) }, { functions });
  const shown = () => out.map((r) => [...r.values.map((v: Value) => (typeof v === 'bigint' ? Number(v) : v)), r.tombstone === true ? 'X' : '']);
  return { ...inputs, out, shown };
}

describe('table-table join', () => {
  it('inner: emits once both sides exist, at the later timestamp, and a tombstone when a side goes', () => {
    const j = join({ joinType: 'INNER' });
    j.left.push(row(1, 10, 100));
    expect(j.out).toEqual([]);
    j.right.push(row(1, 20, 50));
    j.left.push(row(1, 11, 30));
    j.right.push(row(1, null, 200, true));
    // A key without a result gets no tombstone.
    j.left.push(row(2, 5, 10, true));
    expect(j.shown()).toEqual([
      [1, 1, 10, 1, 20, 100, ''],
      [1, 1, 11, 1, 20, 50, ''],
      [1, null, null, null, null, 200, 'X'],
    ]);
    expect(j.out.map((r) => r.timestamp)).toEqual([100, 50, 200]);
  });

  it('left: pads a missing right side, and the result goes only with the left row', () => {
    const j = join({ joinType: 'LEFT' });
    j.left.push(row(1, 10, 1));
    j.right.push(row(1, 20, 2));
    j.right.push(row(1, null, 3, true));
    j.left.push(row(1, null, 4, true));
    expect(j.shown()).toEqual([
      [1, 1, 10, null, null, 1, ''],
      [1, 1, 10, 1, 20, 2, ''],
      [1, 1, 10, null, null, 3, ''],
      [1, null, null, null, null, 4, 'X'],
    ]);
  });

  it('full outer: either side alone is a result', () => {
    const j = join({ joinType: 'OUTER' });
    j.right.push(row(3, 30, 2));
    j.left.push(row(3, 31, 1));
    j.right.push(row(3, null, 5, true));
    j.left.push(row(3, null, 6, true));
    expect(j.shown()).toEqual([
      [3, null, null, 3, 30, 2, ''],
      [3, 3, 31, 3, 30, 2, ''],
      [3, 3, 31, null, null, 5, ''],
      [3, null, null, null, null, 6, 'X'],
    ]);
  });
});

describe('foreign-key table-table join', () => {
  // Left rows are [K, FK]: FK names a right key; results are keyed by the left key.
  const fk = (joinType: 'INNER' | 'LEFT') =>
    join({ joinType, leftKey: { kind: 'Column', index: 1, name: 'V', type: I }, leftPrimaryKey: key });

  it('inner: joins left rows with the right row they reference, re-joining on right changes', () => {
    const j = fk('INNER');
    j.left.push(row(1, 7, 10));
    j.right.push(row(7, 70, 20));
    j.left.push(row(2, 7, 30));
    j.right.push(row(7, 71, 40));
    j.left.push(row(1, 8, 50)); // now references a missing right row
    j.right.push(row(7, null, 60, true));
    expect(j.shown()).toEqual([
      [1, 1, 7, 7, 70, 20, ''],
      [2, 2, 7, 7, 70, 30, ''],
      [1, 1, 7, 7, 71, 40, ''],
      [2, 2, 7, 7, 71, 40, ''],
      [1, null, null, null, null, 50, 'X'],
      [2, null, null, null, null, 60, 'X'],
    ]);
  });

  it('left: keeps left rows without a match', () => {
    const j = fk('LEFT');
    j.left.push(row(1, 7, 10));
    j.right.push(row(7, 70, 20));
    j.right.push(row(7, null, 30, true));
    j.left.push(row(1, null, 40, true));
    expect(j.shown()).toEqual([
      [1, 1, 7, null, null, 10, ''],
      [1, 1, 7, 7, 70, 20, ''],
      [1, 1, 7, null, null, 30, ''],
      [1, null, null, null, null, 40, 'X'],
    ]);
  });
});

describe('stream-table join', () => {
  it('joins stream rows with the current table row; table changes emit nothing', () => {
    const j = join({ joinType: 'LEFT', leftType: 'STREAM', rightType: 'TABLE' });
    j.left.push(row(1, 10, 5));
    j.right.push(row(1, 20, 50));
    j.left.push(row(1, 11, 7));
    j.right.push(row(1, null, 60, true));
    j.left.push(row(1, 12, 8));
    expect(j.shown()).toEqual([
      [1, 1, 10, null, null, 5, ''],
      [1, 1, 11, 1, 20, 7, ''],
      [1, 1, 12, null, null, 8, ''],
    ]);
  });

  it('inner drops stream rows without a table row', () => {
    const j = join({ joinType: 'INNER', leftType: 'STREAM', rightType: 'TABLE' });
    j.left.push(row(1, 10, 5));
    expect(j.out).toEqual([]);
  });
});

describe('stream-stream join', () => {
  const within = { beforeMs: 100, afterMs: 100, graceMs: 1000, deferOuter: false };

  it('matches rows of the other side within the window, at the later timestamp', () => {
    const j = join({ leftType: 'STREAM', rightType: 'STREAM', within });
    j.left.push(row(1, 10, 1000));
    j.right.push(row(1, 20, 1050));
    j.right.push(row(1, 21, 1200)); // outside the window
    j.left.push(row(1, 11, 1150)); // matches both right rows
    j.right.push(row(2, 22, 1150)); // other key
    expect(j.shown()).toEqual([
      [1, 1, 10, 1, 20, 1050, ''],
      [1, 1, 11, 1, 20, 1150, ''],
      [1, 1, 11, 1, 21, 1200, ''],
    ]);
  });

  it('asymmetric windows: before bounds earlier right rows, after later ones', () => {
    const j = join({ leftType: 'STREAM', rightType: 'STREAM', within: { ...within, beforeMs: 0, afterMs: 100 } });
    j.right.push(row(1, 20, 990));
    j.left.push(row(1, 10, 1000));
    j.right.push(row(1, 21, 1100));
    expect(j.shown()).toEqual([[1, 1, 10, 1, 21, 1100, '']]);
  });

  it('left join without a grace period emits unmatched rows at once', () => {
    const j = join({ joinType: 'LEFT', leftType: 'STREAM', rightType: 'STREAM', within });
    j.left.push(row(1, 10, 1000));
    j.right.push(row(1, 20, 1010));
    expect(j.shown()).toEqual([
      [1, 1, 10, null, null, 1000, ''],
      [1, 1, 10, 1, 20, 1010, ''],
    ]);
  });

  it('left join with a grace period emits an unmatched row once its window closed', () => {
    const j = join({ joinType: 'LEFT', leftType: 'STREAM', rightType: 'STREAM', within: { ...within, graceMs: 0, deferOuter: true } });
    j.left.push(row(1, 10, 1000));
    j.left.push(row(2, 11, 1000));
    j.right.push(row(2, 21, 1050));
    expect(j.shown()).toEqual([[2, 2, 11, 2, 21, 1050, '']]);
    j.left.push(row(3, 12, 1101)); // stream time passes 1000 + 100
    expect(j.shown()).toEqual([
      [2, 2, 11, 2, 21, 1050, ''],
      [1, 1, 10, null, null, 1000, ''],
    ]);
  });

  it('drops rows later than the window and grace behind stream time', () => {
    const j = join({ leftType: 'STREAM', rightType: 'STREAM', within: { ...within, graceMs: 0 } });
    j.left.push(row(1, 10, 5000));
    j.right.push(row(1, 20, 1000));
    j.left.push(row(1, 11, 1000));
    expect(j.out).toEqual([]);
  });

  it('windowed sources join on key and window', () => {
    const j = join({ leftType: 'STREAM', rightType: 'STREAM', within, windowed: true });
    const w = (r: Row, start: number): Row => ({ ...r, window: { start, end: start + 2000 } });
    j.left.push(w(row(1, 10, 0), 0));
    j.right.push(w(row(1, 20, 0), 2000));
    j.right.push(w(row(1, 21, 0), 0));
    expect(j.shown()).toEqual([[1, 1, 10, 1, 21, 0, 0, 2000, '']]);
  });
});
