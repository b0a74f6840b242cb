/**
 * Aggregate operator: GROUP BY with aggregate functions, optionally over
 * TUMBLING/HOPPING/SESSION windows. Each input row updates its group(s) and emits
 * the new aggregate row (a changelog), laid out as
 * `[...keys, ...aggregates, ROWTIME, WINDOWSTART, WINDOWEND]`.
 *
 * - Rows whose grouping key is entirely NULL are dropped (as ksqlDB does).
 * - Windowed: stream time is the highest timestamp seen; a record for a
 *   window that ended `grace` or more before stream time is dropped (late).
 * - The output ROWTIME is the highest timestamp that reached the group.
 * - SESSION: a record joins (and merges) the sessions of its key within the gap
 *   (`mergeSessions`). Unless the merged session is the record's own `[t, t]`, each
 *   joined session is deleted first with a tombstone for its window (Kafka Streams'
 *   `KStreamSessionWindowAggregate`); the merged aggregate is the joined sessions'
 *   records folded again in session order, then the new record. Its ROWTIME and
 *   record timestamp are the session end.
 * - Table input (`tableKeyCount`): the previous contribution of the same
 *   source key is undone first (KGroupedTable subtractor), and a tombstone
 *   only undoes.
 *
 * @module
 */
import { defaultAggregates, type AggregateState, type Aggregator } from '../functions/aggregates.js';
import type { AggregateNode, WindowSpec } from '../plan/index.js';
import type { Value } from '../types/index.js';
import { compileProjection, type Evaluator } from './evaluate.js';
import { keyIdentity } from './keys.js';
import type { Downstream, OperatorContext, Row, RowWindow } from './operator.js';
import { createMemoryState, type KeyValueStore, type StateCell } from './state-store.js';
import { mergeSessions, windowsFor } from './window.js';

interface GroupState {
  readonly keys: readonly Value[];
  readonly window?: RowWindow | undefined;
  readonly states: readonly AggregateState[];
  readonly rowtime: number;
}

interface SessionState {
  readonly window: RowWindow;
  readonly states: readonly AggregateState[];
  /** Argument values of the session's records, in fold order (merged sessions are folded again). */
  readonly inputs: readonly (readonly (readonly Value[])[])[];
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
  /** SESSION windows: the open sessions of each grouping key. */
  readonly #sessions: KeyValueStore<readonly SessionState[]>;
  /** Windowed: the highest timestamp seen. */
  readonly #streamTime: StateCell<number>;

  constructor(node: AggregateNode, downstream: Downstream<Row>, ctx: OperatorContext) {
    this.#node = node;
    this.#keys = node.keys.map((e) => compileProjection(e, ctx.functions, ctx.onError));
    this.#aggs = node.aggregates.map((a) => {
      const fn = defaultAggregates.get(a.name)?.resolve(a.args.map((x) => x.type));
      if (fn === undefined) throw new Error(`Invariant violated: unresolvable aggregate ${a.name}`);
      return { fn, args: a.args.map((e) => compileProjection(e, ctx.functions, ctx.onError)) };
    });
    this.#downstream = downstream;
    const state = (ctx.state ?? createMemoryState()).operator('aggregate');
    this.#groups = state.store('groups');
    this.#sourceRows = state.store('sourceRows');
    this.#sessions = state.store('sessions');
    this.#streamTime = state.cell('streamTime', Number.NEGATIVE_INFINITY);
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
    if (spec?.type === 'SESSION') {
      if (sourceId !== undefined) throw new Error('Invariant violated: SESSION windows over a table');
      this.#pushSession(row.timestamp, keys, args, spec);
      return;
    }
    let windows: (RowWindow | undefined)[] = [undefined];
    if (spec !== undefined) {
      this.#streamTime.value = Math.max(this.#streamTime.value, row.timestamp);
      const closeTime = this.#streamTime.value - spec.graceMs;
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

  #pushSession(timestamp: number, keys: readonly Value[], args: readonly (readonly Value[])[], spec: WindowSpec): void {
    const { sizeMs: gapMs, graceMs } = spec;
    this.#streamTime.value = Math.max(this.#streamTime.value, timestamp);
    const keyId = keyIdentity(keys);
    // Kafka Streams' session store drops whole segments (max(retention / 2, 60 s) long) once they
    // are older than the retention (at least gap + grace): forget sessions only that late.
    const retention = Math.max(spec.retentionMs ?? 0, gapMs + graceMs);
    const expiry = this.#streamTime.value - retention - Math.max(retention / 2, 60_000);
    const sessions = (this.#sessions.get(keyId) ?? []).filter((x) => x.window.end >= expiry);
    const { merged, overlapping } = mergeSessions(sessions, timestamp, gapMs);
    if (merged.end < this.#streamTime.value - graceMs) {
      // Late: the merged session has closed.
      if (sessions.length === 0) this.#sessions.delete(keyId);
      else this.#sessions.put(keyId, sessions);
      return;
    }
    const joined = [...overlapping].sort((a, b) => a.window.start - b.window.start || a.window.end - b.window.end);
    const inputs = [...joined.flatMap((s) => s.inputs), args];
    const first = joined[0];
    const states =
      joined.length === 1 && first !== undefined
        ? this.#aggs.map((a, i) => a.fn.add(first.states[i] ?? null, args[i] ?? []))
        : this.#aggs.map((a, i) => inputs.reduce<AggregateState>((st, x) => a.fn.add(st, x[i] ?? []), a.fn.init()));
    if (merged.start !== timestamp || merged.end !== timestamp) {
      for (const s of joined) this.#emitSessionTombstone(keys, s.window);
    }
    this.#sessions.put(keyId, [...sessions.filter((s) => !overlapping.includes(s)), { window: merged, states, inputs }]);
    this.#emit(keyIdentity(keys, merged), { keys, window: merged, states, rowtime: merged.end });
  }

  #emitSessionTombstone(keys: readonly Value[], w: RowWindow): void {
    const values: Value[] = [...keys, ...this.#aggs.map(() => null), null, BigInt(w.start), BigInt(w.end)];
    this.#downstream.push({ values, timestamp: w.end, partition: 0, offset: 0, tombstone: true, window: w });
  }
}

export function createAggregateOperator(node: AggregateNode, downstream: Downstream<Row>, ctx: OperatorContext): Downstream<Row> {
  return new AggregateOperator(node, downstream, ctx);
}
