/**
 * The plan IR: a tree of plain-data nodes from a source scan up to an
 * output. A transient push query and (next) a persistent query share the
 * same nodes; only what consumes the root differs (a client queue or a sink
 * topic).
 *
 * Rows flowing between nodes are flat arrays of values laid out as the
 * node's `schema` says.
 *
 * @module
 */
import type { FormatName, SqlType } from '../types/index.js';
import type { Expr } from './expression.js';

export interface PlanColumn {
  readonly name: string;
  readonly type: SqlType;
  /** Key columns are marked for pull-query headers and sinks; push headers ignore it. */
  readonly isKey?: boolean | undefined;
  /**
   * A source header column passed through by a table pull query's `SELECT *` (ksqlDB then
   * answers with the source's schema): `key` for `HEADER('key')`, none for `HEADERS`.
   */
  readonly header?: { readonly key?: string | undefined } | undefined;
}

export interface SerdeSpec {
  readonly format: FormatName;
  readonly columns: readonly { readonly name: string; readonly type: SqlType }[];
  readonly wrapSingle?: boolean | undefined;
  readonly delimiter?: string | undefined;
}

/**
 * Reads a topic and turns records into rows laid out as
 * `[...keyColumns, ...valueColumns, ...headerColumns, ROWTIME, ROWPARTITION, ROWOFFSET]`.
 */
export interface SourceScanNode {
  readonly kind: 'SourceScan';
  readonly sourceName: string;
  readonly sourceType: 'STREAM' | 'TABLE';
  readonly topic: string;
  readonly key: SerdeSpec;
  readonly value: SerdeSpec;
  /** Header columns: `HEADERS` (all) or `HEADER('k')` (one, as BYTES). */
  readonly headers: readonly { readonly name: string; readonly type: SqlType; readonly headerKey?: string | undefined }[];
  /** Drop records whose key columns are all NULL (tables always do; scalable push queries too). */
  readonly dropNullKeys?: boolean | undefined;
  /** The topic's keys are windowed: rows get WINDOWSTART/WINDOWEND after the pseudo columns. */
  readonly windowed?: boolean | undefined;
  /** Row timestamp from a value column instead of the record timestamp. */
  readonly timestampColumn?: { readonly index: number; readonly format?: string | undefined } | undefined;
  readonly schema: readonly PlanColumn[];
}

export interface FilterNode {
  readonly kind: 'Filter';
  readonly input: PlanNode;
  /** BOOLEAN; rows where it is not TRUE are dropped. */
  readonly predicate: Expr;
  readonly schema: readonly PlanColumn[];
  /**
   * Table semantics (a KTable filter): the first `tableKeyCount` values (and
   * the row's window) identify a key; a row that fails the predicate for a
   * key that passed before becomes a tombstone for that key.
   */
  readonly tableKeyCount?: number | undefined;
}

export type WindowKind = 'TUMBLING' | 'HOPPING' | 'SESSION';

/** A window clause, resolved to milliseconds. */
export interface WindowSpec {
  readonly type: WindowKind;
  /** TUMBLING/HOPPING size; SESSION gap. */
  readonly sizeMs: number;
  /** HOPPING advance; equals `sizeMs` for TUMBLING. */
  readonly advanceMs: number;
  /** Records for windows that ended more than this long before stream time are dropped. */
  readonly graceMs: number;
  readonly retentionMs?: number | undefined;
}

/** One aggregate call: a function from the aggregate registry over expressions of the input row. */
export interface AggregateCall {
  readonly name: string;
  readonly args: readonly Expr[];
  readonly type: SqlType;
}

/**
 * GROUP BY (optionally windowed): rows out are updates of one group, laid out
 * as `[...keys, ...aggregates, ROWTIME, WINDOWSTART, WINDOWEND]` (window
 * bounds NULL when not windowed), with the row's `window` set when windowed.
 */
export interface AggregateNode {
  readonly kind: 'Aggregate';
  readonly input: PlanNode;
  readonly keys: readonly Expr[];
  readonly aggregates: readonly AggregateCall[];
  readonly window?: WindowSpec | undefined;
  /**
   * The input is a table changelog: the first `tableKeyCount` input values
   * identify a source row whose previous contribution is undone on update.
   */
  readonly tableKeyCount?: number | undefined;
  readonly schema: readonly PlanColumn[];
}

export interface ProjectNode {
  readonly kind: 'Project';
  readonly input: PlanNode;
  readonly expressions: readonly Expr[];
  readonly schema: readonly PlanColumn[];
}

export type JoinType = 'INNER' | 'LEFT' | 'RIGHT' | 'OUTER';

/** A stream-stream join window (`WITHIN`), in milliseconds. */
export interface JoinWindowSpec {
  /** How far a right record may precede the left one. */
  readonly beforeMs: number;
  /** How far a right record may follow the left one. */
  readonly afterMs: number;
  readonly graceMs: number;
  /**
   * `GRACE PERIOD` given: outer results for unmatched records are emitted once
   * their window closes (Kafka Streams' spurious-result fix); otherwise at once.
   */
  readonly deferOuter: boolean;
}

/**
 * A join of two inputs on one key expression each. Rows out are laid out as
 * `[joinKey, ...left row, ...right row, ROWTIME(, WINDOWSTART, WINDOWEND)]`;
 * a missing side is all NULL. Semantics follow ksqlDB: table-table joins keep
 * both sides and emit on either change (tombstones when a key's result goes
 * away), stream-table joins emit on stream rows only, stream-stream joins
 * match rows within the window.
 */
export interface JoinNode {
  readonly kind: 'Join';
  readonly joinType: JoinType;
  readonly left: PlanNode;
  readonly right: PlanNode;
  readonly leftType: 'STREAM' | 'TABLE';
  readonly rightType: 'STREAM' | 'TABLE';
  /** Join expression over a left row. */
  readonly leftKey: Expr;
  /** Join expression over a right row. */
  readonly rightKey: Expr;
  /** Stream-stream joins only. */
  readonly within?: JoinWindowSpec | undefined;
  /**
   * A foreign-key table-table join: `leftKey` is a value of the left row matched
   * against the right table's key, and the result is keyed by the left table's
   * key, this expression over a left row.
   */
  readonly leftPrimaryKey?: Expr | undefined;
  /** Rows carry windows (windowed sources): windows are part of the join key. */
  readonly windowed: boolean;
  readonly schema: readonly PlanColumn[];
}

export type PlanNode = SourceScanNode | FilterNode | ProjectNode | AggregateNode | JoinNode;

/** A transient push query: a plan whose rows go to one client. */
export interface TransientQueryPlan {
  readonly kind: 'TransientQuery';
  readonly root: PlanNode;
  /** Output columns (the `/query` header schema). */
  readonly schema: readonly PlanColumn[];
  readonly limit?: number | undefined;
  readonly sourceName: string;
  readonly sourceType: 'STREAM' | 'TABLE';
  readonly topic: string;
}

/** Where a persistent query writes. */
export interface SinkSpec {
  readonly name: string;
  readonly sourceType: 'STREAM' | 'TABLE';
  readonly topic: string;
  /** The first `keyCount` values of a root row are the key columns; the rest the value columns. */
  readonly keyCount: number;
  readonly key: SerdeSpec;
  readonly value: SerdeSpec;
  /** Keys carry the row's window. */
  readonly windowed: boolean;
}

/** A persistent query: CSAS, CTAS, INSERT INTO ... SELECT, or a source table's materialization. */
export interface PersistentQueryPlan {
  readonly kind: 'PersistentQuery';
  readonly root: PlanNode;
  /** Root row layout: key columns, then value columns. */
  readonly schema: readonly PlanColumn[];
  readonly sourceName: string;
  readonly topic: string;
  readonly sink: SinkSpec;
  /** Write the sink topic (false for CREATE SOURCE TABLE, which only materializes). */
  readonly produce: boolean;
  /** Keep the latest row per key, for pull queries (tables). */
  readonly materialize: boolean;
}

/** A pull query over a materialized table: the plan runs over the table's current rows. */
export interface TablePullPlan {
  readonly kind: 'TablePull';
  readonly root: PlanNode;
  /** Output columns, key columns marked. */
  readonly schema: readonly PlanColumn[];
  readonly limit?: number | undefined;
  readonly tableName: string;
}

/** The scan at the bottom of a plan (the left-most one under a join). */
export function planSource(node: PlanNode): SourceScanNode {
  if (node.kind === 'SourceScan') return node;
  return planSource(node.kind === 'Join' ? node.left : node.input);
}

/** Every scan of a plan, left to right. */
export function planScans(node: PlanNode): SourceScanNode[] {
  if (node.kind === 'SourceScan') return [node];
  if (node.kind === 'Join') return [...planScans(node.left), ...planScans(node.right)];
  return planScans(node.input);
}

/** The distinct topics a plan reads, left to right. */
export function planTopics(node: PlanNode): string[] {
  return [...new Set(planScans(node).map((s) => s.topic))];
}
