/**
 * Join operator: two inputs (left and right rows), one output, as ksqlDB
 * joins over Kafka Streams:
 *
 * - **table-table** (primary key): both sides are kept per key; a change on
 *   either side emits the key's new result (`max` of both sides' timestamps),
 *   or a tombstone when a key that had a result no longer has one (a delete,
 *   or an inner join losing a side).
 * - **stream-table**: the table side is kept per key and emits nothing; a
 *   stream row is joined with the table's current row for its key (a LEFT
 *   join pads a miss with NULLs) and keeps its own timestamp.
 * - **stream-stream** (`WITHIN`): both sides are buffered per key; a row
 *   joins every buffered row of the other side whose timestamp lies in the
 *   window (`max` of both timestamps). Outer results for unmatched rows are
 *   emitted at once, or, with an explicit grace period, once the row's window
 *   has closed and only if it never matched. Rows later than the window plus
 *   grace behind stream time are dropped.
 *
 * Windowed sources join on key and window. Rows out are laid out as
 * `[joinKey, ...left, ...right, ROWTIME(, WINDOWSTART, WINDOWEND)]`.
 *
 * @module
 */
import type { JoinNode } from '../plan/index.js';
import type { Value } from '../types/index.js';
import { compileProjection, type Evaluator } from './evaluate.js';
import { keyIdentity } from './keys.js';
import type { Downstream, OperatorContext, Row } from './operator.js';
import { createMemoryState, type KeyValueStore, type StateCell } from './state-store.js';

type Side = 'left' | 'right';

export interface JoinInputs {
  readonly left: Downstream<Row>;
  readonly right: Downstream<Row>;
}

interface Buffered {
  readonly row: Row;
  readonly key: Value;
  matched: boolean;
}

class JoinOperator {
  readonly #node: JoinNode;
  readonly #downstream: Downstream<Row>;
  readonly #leftKey: Evaluator;
  readonly #rightKey: Evaluator;
  readonly #leftNulls: readonly Value[];
  readonly #rightNulls: readonly Value[];
  /** Tables: the current row per key. */
  readonly #leftTable: KeyValueStore<Row>;
  readonly #rightTable: KeyValueStore<Row>;
  /** Table-table: keys whose latest output is a result (not a tombstone). */
  readonly #emitted: KeyValueStore<true>;
  /** Stream-stream: buffered rows per key, in arrival order. */
  readonly #leftBuffer: KeyValueStore<Buffered[]>;
  readonly #rightBuffer: KeyValueStore<Buffered[]>;
  readonly #streamTime: StateCell<number>;
  readonly #leftPrimaryKey: Evaluator | undefined;
  /** Foreign-key joins: left rows by their key, and the left keys referencing each right key. */
  readonly #leftByKey: KeyValueStore<{ readonly row: Row; readonly key: Value; readonly ref: string | undefined }>;
  readonly #referencing: KeyValueStore<Set<string>>;
  readonly #expiredAt: StateCell<number>;

  readonly inputs: JoinInputs;

  constructor(node: JoinNode, downstream: Downstream<Row>, ctx: OperatorContext) {
    this.#node = node;
    this.#downstream = downstream;
    this.#leftKey = compileProjection(node.leftKey, ctx.functions, ctx.onError);
    this.#rightKey = compileProjection(node.rightKey, ctx.functions, ctx.onError);
    this.#leftPrimaryKey = node.leftPrimaryKey === undefined ? undefined : compileProjection(node.leftPrimaryKey, ctx.functions, ctx.onError);
    this.#leftNulls = node.left.schema.map(() => null);
    this.#rightNulls = node.right.schema.map(() => null);
    const state = (ctx.state ?? createMemoryState()).operator('join');
    this.#leftTable = state.store('leftTable');
    this.#rightTable = state.store('rightTable');
    this.#emitted = state.store('emitted');
    this.#leftBuffer = state.store('leftBuffer');
    this.#rightBuffer = state.store('rightBuffer');
    this.#leftByKey = state.store('leftByKey');
    this.#referencing = state.store('referencing');
    this.#streamTime = state.cell('streamTime', Number.NEGATIVE_INFINITY);
    this.#expiredAt = state.cell('expiredAt', Number.NEGATIVE_INFINITY);
    this.inputs = {
      left: { push: (row) => this.#push('left', row) },
      right: { push: (row) => this.#push('right', row) },
    };
  }

  #push(side: Side, row: Row): void {
    const { leftType, rightType } = this.#node;
    if (this.#leftPrimaryKey !== undefined) this.#foreignKey(side, row, this.#leftPrimaryKey);
    else if (leftType === 'TABLE' && rightType === 'TABLE') this.#tableTable(side, row);
    else if (leftType === 'STREAM' && rightType === 'TABLE') this.#streamTable(side, row);
    else this.#streamStream(side, row);
  }

  #key(side: Side, row: Row): Value {
    return (side === 'left' ? this.#leftKey : this.#rightKey)(row.values);
  }

  #id(key: Value, row: Row): string {
    return keyIdentity([key], this.#node.windowed ? row.window : undefined);
  }

  #emit(key: Value, left: Row | undefined, right: Row | undefined, timestamp: number, from: Row, tombstone = false): void {
    const values: Value[] = [key, ...(left?.values ?? this.#leftNulls), ...(right?.values ?? this.#rightNulls), BigInt(timestamp)];
    const window = from.window;
    if (this.#node.windowed) values.push(window === undefined ? null : BigInt(window.start), window === undefined ? null : BigInt(window.end));
    const out: Row = { values, timestamp, partition: from.partition, offset: from.offset };
    this.#downstream.push({
      ...out,
      ...(window !== undefined ? { window } : {}),
      ...(tombstone ? { tombstone: true } : {}),
    });
  }

  #tableTable(side: Side, row: Row): void {
    const key = this.#key(side, row);
    if (key === null) return;
    const id = this.#id(key, row);
    const table = side === 'left' ? this.#leftTable : this.#rightTable;
    if (row.tombstone === true) table.delete(id);
    else table.put(id, row);
    const l = this.#leftTable.get(id);
    const r = this.#rightTable.get(id);
    const other = side === 'left' ? r : l;
    const timestamp = Math.max(row.timestamp, other?.timestamp ?? Number.NEGATIVE_INFINITY);
    if (this.#matches(l !== undefined, r !== undefined)) {
      this.#emitted.put(id, true);
      this.#emit(key, l, r, timestamp, row);
    } else if (this.#emitted.delete(id)) {
      this.#emit(key, undefined, undefined, timestamp, row, true);
    }
  }

  /** Whether a key with these sides present has a result. */
  #matches(hasLeft: boolean, hasRight: boolean): boolean {
    switch (this.#node.joinType) {
      case 'INNER':
        return hasLeft && hasRight;
      case 'LEFT':
        return hasLeft;
      case 'RIGHT':
        return hasRight;
      case 'OUTER':
        return hasLeft || hasRight;
    }
  }

  /**
   * Foreign-key table-table join (INNER or LEFT): a left row joins the right row its
   * foreign key names; a right change re-joins every left row referencing it.
   */
  #foreignKey(side: Side, row: Row, primaryKey: Evaluator): void {
    if (side === 'right') {
      const key = this.#key('right', row);
      if (key === null) return;
      const id = this.#id(key, row);
      if (row.tombstone === true) this.#rightTable.delete(id);
      else this.#rightTable.put(id, row);
      for (const leftId of this.#referencing.get(id) ?? []) {
        const left = this.#leftByKey.get(leftId);
        if (left !== undefined) this.#foreignResult(leftId, left.key, left.row, this.#rightTable.get(id), row);
      }
      return;
    }
    const key = primaryKey(row.values);
    if (key === null) return;
    const leftId = keyIdentity([key]);
    const previous = this.#leftByKey.get(leftId);
    if (previous?.ref !== undefined) this.#referencing.get(previous.ref)?.delete(leftId);
    if (row.tombstone === true) {
      this.#leftByKey.delete(leftId);
      if (this.#emitted.delete(leftId)) this.#emit(key, undefined, undefined, row.timestamp, row, true);
      return;
    }
    const foreign = this.#key('left', row);
    const ref = foreign === null ? undefined : keyIdentity([foreign]);
    this.#leftByKey.put(leftId, { row, key, ref });
    if (ref !== undefined) {
      const set = this.#referencing.get(ref);
      if (set === undefined) this.#referencing.put(ref, new Set([leftId]));
      else set.add(leftId);
    }
    this.#foreignResult(leftId, key, row, ref === undefined ? undefined : this.#rightTable.get(ref), row);
  }

  #foreignResult(leftId: string, key: Value, left: Row, right: Row | undefined, from: Row): void {
    const timestamp = Math.max(from.timestamp, left.timestamp, right?.timestamp ?? Number.NEGATIVE_INFINITY);
    if (right !== undefined || this.#node.joinType === 'LEFT') {
      this.#emitted.put(leftId, true);
      this.#emit(key, left, right, timestamp, from);
    } else if (this.#emitted.delete(leftId)) {
      this.#emit(key, undefined, undefined, timestamp, from, true);
    }
  }

  #streamTable(side: Side, row: Row): void {
    const key = this.#key(side, row);
    if (side === 'right') {
      if (key === null) return;
      const id = this.#id(key, row);
      if (row.tombstone === true) this.#rightTable.delete(id);
      else this.#rightTable.put(id, row);
      return;
    }
    const match = key === null ? undefined : this.#rightTable.get(this.#id(key, row));
    if (match !== undefined || this.#node.joinType === 'LEFT') this.#emit(key, row, match, row.timestamp, row);
  }

  #streamStream(side: Side, row: Row): void {
    const w = this.#node.within ?? { beforeMs: 0, afterMs: 0, graceMs: 0, deferOuter: false };
    const ts = row.timestamp;
    const reach = Math.max(w.beforeMs, w.afterMs) + w.graceMs;
    if (ts + reach < this.#streamTime.value) return; // too late: its window has closed
    this.#streamTime.value = Math.max(this.#streamTime.value, ts);
    const key = this.#key(side, row);
    const joinType = this.#node.joinType;
    const outer = side === 'left' ? joinType === 'LEFT' || joinType === 'OUTER' : joinType === 'RIGHT' || joinType === 'OUTER';
    const entry: Buffered = { row, key, matched: false };
    if (key !== null) {
      const id = this.#id(key, row);
      const others = (side === 'left' ? this.#rightBuffer : this.#leftBuffer).get(id) ?? [];
      // A right row may precede a left one by `before` and follow it by `after`.
      const [lo, hi] = side === 'left' ? [ts - w.beforeMs, ts + w.afterMs] : [ts - w.afterMs, ts + w.beforeMs];
      for (const o of others) {
        if (o.row.timestamp < lo || o.row.timestamp > hi) continue;
        entry.matched = true;
        o.matched = true;
        const time = Math.max(ts, o.row.timestamp);
        if (side === 'left') this.#emit(key, row, o.row, time, row);
        else this.#emit(key, o.row, row, time, row);
      }
      const buffer = side === 'left' ? this.#leftBuffer : this.#rightBuffer;
      const list = buffer.get(id);
      if (list === undefined) buffer.put(id, [entry]);
      else list.push(entry);
    }
    if (outer && !entry.matched && (!w.deferOuter || key === null)) {
      if (side === 'left') this.#emit(key, row, undefined, ts, row);
      else this.#emit(key, undefined, row, ts, row);
    }
    if (this.#streamTime.value > this.#expiredAt.value) {
      this.#expiredAt.value = this.#streamTime.value;
      this.#expire(w);
    }
  }

  /** Emits deferred outer results whose window closed, and forgets rows no window can reach. */
  #expire(w: NonNullable<JoinNode['within']>): void {
    const joinType = this.#node.joinType;
    const now = this.#streamTime.value;
    for (const side of ['left', 'right'] as const) {
      const buffer = side === 'left' ? this.#leftBuffer : this.#rightBuffer;
      const outer = side === 'left' ? joinType === 'LEFT' || joinType === 'OUTER' : joinType === 'RIGHT' || joinType === 'OUTER';
      // How long after its own timestamp a row can still be matched by the other side.
      const open = (side === 'left' ? w.afterMs : w.beforeMs) + w.graceMs;
      const keep = Math.max(w.beforeMs, w.afterMs) + w.graceMs;
      for (const [id, list] of buffer.entries()) {
        const rest: Buffered[] = [];
        for (const b of list) {
          const closed = b.row.timestamp + open < now;
          if (closed && w.deferOuter && outer && !b.matched) {
            b.matched = true; // emitted once
            if (side === 'left') this.#emit(b.key, b.row, undefined, b.row.timestamp, b.row);
            else this.#emit(b.key, undefined, b.row, b.row.timestamp, b.row);
          }
          if (b.row.timestamp + keep >= now) rest.push(b);
        }
        if (rest.length === 0) buffer.delete(id);
        else if (rest.length !== list.length) buffer.put(id, rest);
      }
    }
  }
}

/** The join's two inputs; rows pushed into either come out joined on `downstream`. */
export function createJoinOperator(node: JoinNode, downstream: Downstream<Row>, ctx: OperatorContext): JoinInputs {
  return new JoinOperator(node, downstream, ctx).inputs;
}
