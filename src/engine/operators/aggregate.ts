/**
 * Aggregate operator: GROUP BY with aggregate functions, optionally over
 * TUMBLING/HOPPING windows. Each input row updates its group(s) and emits
 * the new aggregate row (a changelog), laid out as
 * `[...keys, ...aggregates, ROWTIME, WINDOWSTART, WINDOWEND]`.
 *
 * - Rows whose grouping key is entirely NULL are dropped (as ksqlDB does).
 * - Windowed: stream time is the highest timestamp seen; a record for a
 *   window that ended `grace` or more before stream time is dropped (late).
 * - The output ROWTIME is the highest timestamp that reached the group.
 * - Table input (`tableKeyCount`): the previous contribution of the same
 *   source key is undone first (KGroupedTable subtractor), and a tombstone
 *   only undoes.
 *
 * @module
 */
import { defaultAggregates, type AggregateState, type Aggregator } from '../functions/aggregates.js';
import type { AggregateNode } from '../plan/index.js';
import type { Value } from '../types/index.js';
import { compileProjection, type Evaluator } from './evaluate.js';
import { keyIdentity } from './keys.js';
import type { Downstream, OperatorContext, Row, RowWindow } from './operator.js';
import { createMemoryStore, type KeyValueStore } from './state-store.js';
import { windowsFor } from './window.js';

interface GroupState {
  readonly keys: readonly Value[];
  readonly window?: RowWindow | undefined;
  readonly states: readonly AggregateState[];
  readonly rowtime: number;
}

interface SourceRowState {
  readonly groupId: string;
  readonly keys: readonly Value[];
  readonly args: readonly (readonly Value[])[];
}

class AggregateOperator implements Downstream<Row> {
  readonly #node: AggregateNode;
  readonly #keys: readonly Evaluator[];
  readonly #aggs: readonly { readonly fn: Aggregator; readonly args: readonly Evaluator[] }[];
  readonly #downstream: Downstream<Row>;
  readonly #groups: KeyValueStore<GroupState>;
  readonly #sourceRows: KeyValueStore<SourceRowState>;
  #streamTime = Number.NEGATIVE_INFINITY;

  constructor(node: AggregateNode, downstream: Downstream<Row>, ctx: OperatorContext) {
    this.#node = node;
    this.#keys = node.keys.map((e) => compileProjection(e, ctx.functions, ctx.onError));
    this.#aggs = node.aggregates.map((a) => {
      const fn = defaultAggregates.get(a.name)?.resolve(a.args.map((x) => x.type));
      if (fn === undefined) throw new Error(`Invariant violated: unresolvable aggregate ${a.name}`);
      return { fn, args: a.args.map((e) => compileProjection(e, ctx.functions, ctx.onError)) };
    });
    this.#downstream = downstream;
    this.#groups = createMemoryStore();
    this.#sourceRows = createMemoryStore();
  }

  #emit(groupId: string, g: GroupState): void {
    const w = g.window;
    const values: Value[] = [
      ...g.keys,
      ...this.#aggs.map((a, i) => a.fn.result(g.states[i] ?? null)),
      BigInt(g.rowtime),
      w === undefined ? null : BigInt(w.start),
      w === undefined ? null : BigInt(w.end),
    ];
    void groupId;
    const row: Row = { values, timestamp: g.rowtime, partition: 0, offset: 0 };
    this.#downstream.push(w === undefined ? row : { ...row, window: w });
  }

  #undo(prev: SourceRowState, timestamp: number): void {
    const g = this.#groups.get(prev.groupId);
    if (g === undefined) return;
    const states = this.#aggs.map((a, i) => {
      const s = g.states[i] ?? null;
      return a.fn.undo === undefined ? s : a.fn.undo(s, prev.args[i] ?? []);
    });
    const next: GroupState = { ...g, states, rowtime: Math.max(g.rowtime, timestamp) };
    this.#groups.put(prev.groupId, next);
    this.#emit(prev.groupId, next);
  }

  push(row: Row): void {
    const tableKeys = this.#node.tableKeyCount;
    let sourceId: string | undefined;
    if (tableKeys !== undefined) {
      sourceId = keyIdentity(row.values.slice(0, tableKeys));
      const prev = this.#sourceRows.get(sourceId);
      if (prev !== undefined) {
        this.#sourceRows.delete(sourceId);
        this.#undo(prev, row.timestamp);
      }
      if (row.tombstone === true) return;
    } else if (row.tombstone === true) return;

    const input = row.values;
    const keys = this.#keys.map((f) => f(input));
    if (keys.length > 0 && keys.every((k) => k === null)) return;
    const args = this.#aggs.map((a) => a.args.map((f) => f(input)));

    const spec = this.#node.window;
    let windows: (RowWindow | undefined)[] = [undefined];
    if (spec !== undefined) {
      this.#streamTime = Math.max(this.#streamTime, row.timestamp);
      const closeTime = this.#streamTime - spec.graceMs;
      windows = windowsFor(spec, row.timestamp).filter((w) => w.end > closeTime);
    }
    for (const w of windows) {
      const groupId = keyIdentity(keys, w);
      const g = this.#groups.get(groupId);
      const states = this.#aggs.map((a, i) => a.fn.add(g === undefined ? a.fn.init() : (g.states[i] ?? null), args[i] ?? []));
      const next: GroupState = {
        keys,
        window: w,
        states,
        rowtime: g === undefined ? row.timestamp : Math.max(g.rowtime, row.timestamp),
      };
      this.#groups.put(groupId, next);
      if (sourceId !== undefined) this.#sourceRows.put(sourceId, { groupId, keys, args });
      this.#emit(groupId, next);
    }
  }
}

export function createAggregateOperator(node: AggregateNode, downstream: Downstream<Row>, ctx: OperatorContext): Downstream<Row> {
  return new AggregateOperator(node, downstream, ctx);
}
