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
}

export interface ProjectNode {
  readonly kind: 'Project';
  readonly input: PlanNode;
  readonly expressions: readonly Expr[];
  readonly schema: readonly PlanColumn[];
}

export type PlanNode = SourceScanNode | FilterNode | ProjectNode;

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

/** The scan at the bottom of a plan. */
export function planSource(node: PlanNode): SourceScanNode {
  return node.kind === 'SourceScan' ? node : planSource(node.input);
}
