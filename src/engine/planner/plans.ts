/**
 * Statement plans: what the planner hands the runtime for each statement.
 * Validated, resolved against the catalog, free of SQL syntax.
 *
 * @module
 */
import type { DataSource, SourceType } from '../catalog/index.js';
import type { Expr, PersistentQueryPlan, TablePullPlan, TransientQueryPlan } from '../plan/index.js';
import type { SqlType } from '../types/index.js';

export interface CreateSourcePlan {
  readonly kind: 'CreateSource';
  readonly statementText: string;
  readonly source: DataSource;
  readonly orReplace: boolean;
  /** The source exists and IF NOT EXISTS was given: answer with a warning, change nothing. */
  readonly existsWarning?: string | undefined;
  /** Create the topic first (PARTITIONS given and the topic is absent). */
  readonly createTopic?: { readonly partitions: number; readonly replicas: number; readonly cleanupPolicy: string } | undefined;
  /** CREATE SOURCE TABLE: the query that materializes it (`CST_<NAME>_<n>`). */
  readonly materialization?: PersistentQueryPlan | undefined;
}

/** CSAS, CTAS, INSERT INTO ... SELECT: a persistent query, and for CSAS/CTAS its sink source. */
export interface PersistentQueryStatementPlan {
  readonly kind: 'PersistentQuery';
  readonly statementText: string;
  /** `CSAS_<SINK>`, `CTAS_<SINK>` or `INSERTQUERY`; the runtime appends `_<n>`. */
  readonly idPrefix: string;
  /** The sink to create (CSAS/CTAS); absent for INSERT INTO. */
  readonly sinkSource?: DataSource | undefined;
  readonly orReplace: boolean;
  readonly existsWarning?: string | undefined;
  readonly createTopic?: { readonly partitions: number; readonly replicas: number; readonly cleanupPolicy: string } | undefined;
  /** Absent when only `existsWarning` applies. */
  readonly plan?: PersistentQueryPlan | undefined;
  /** The commandId's type (INSERT INTO uses `stream` even for tables). */
  readonly commandType: 'stream' | 'table';
  readonly sinkName: string;
}

export interface ExplainPlan {
  readonly kind: 'Explain';
  readonly statementText: string;
  readonly queryId: string;
}

export interface DropSourcePlan {
  readonly kind: 'DropSource';
  readonly statementText: string;
  readonly sourceType: SourceType;
  readonly name: string;
  /** Absent when IF EXISTS and there is no such source. */
  readonly source?: DataSource | undefined;
  readonly deleteTopic: boolean;
}

export interface InsertValuesPlan {
  readonly kind: 'InsertValues';
  readonly statementText: string;
  readonly source: DataSource;
  /** One entry per listed (or implied) column. */
  readonly assignments: readonly {
    readonly column: string;
    readonly target: SqlType;
    readonly expr: Expr;
    readonly text: string;
  }[];
}

export interface CreateTypePlan {
  readonly kind: 'CreateType';
  readonly statementText: string;
  readonly name: string;
  readonly type: SqlType;
  readonly existsWarning?: string | undefined;
}

export interface DropTypePlan {
  readonly kind: 'DropType';
  readonly statementText: string;
  readonly name: string;
  readonly exists: boolean;
}

export interface ShowPlan {
  readonly kind: 'Show';
  readonly statementText: string;
  readonly subject: 'STREAMS' | 'TABLES' | 'QUERIES' | 'TOPICS' | 'PROPERTIES' | 'FUNCTIONS' | 'TYPES' | 'VARIABLES';
  readonly extended: boolean;
  readonly all: boolean;
}

export interface DescribeSourcePlan {
  readonly kind: 'DescribeSource';
  readonly statementText: string;
  readonly source: DataSource;
  readonly extended: boolean;
}

export interface DescribeSourcesPlan {
  readonly kind: 'DescribeSources';
  readonly statementText: string;
  readonly sourceType: SourceType;
  readonly extended: boolean;
}

export interface DescribeFunctionPlan {
  readonly kind: 'DescribeFunction';
  readonly statementText: string;
  readonly name: string;
}

export interface SetPropertyPlan {
  readonly kind: 'SetProperty';
  readonly statementText: string;
  readonly name: string;
  readonly value: string;
}

export interface UnsetPropertyPlan {
  readonly kind: 'UnsetProperty';
  readonly statementText: string;
  readonly name: string;
}

export interface DefineVariablePlan {
  readonly kind: 'DefineVariable';
  readonly statementText: string;
  readonly name: string;
  readonly value: string;
}

export interface UndefineVariablePlan {
  readonly kind: 'UndefineVariable';
  readonly statementText: string;
  readonly name: string;
}

export interface TerminatePlan {
  readonly kind: 'Terminate';
  readonly statementText: string;
  /** Undefined for TERMINATE ALL. */
  readonly queryId?: string | undefined;
}

export interface QueryPlan {
  readonly kind: 'Query';
  readonly statementText: string;
  readonly plan: TransientQueryPlan;
  /** Push (`EMIT CHANGES`) or a pull query over a stream (ends at the current end offsets). */
  readonly mode: 'push' | 'streamPull';
}

/** A pull query over a materialized table. */
export interface TablePullQueryPlan {
  readonly kind: 'TablePullQuery';
  readonly statementText: string;
  readonly plan: TablePullPlan;
}

export type StatementPlan =
  | CreateSourcePlan
  | DropSourcePlan
  | InsertValuesPlan
  | CreateTypePlan
  | DropTypePlan
  | ShowPlan
  | DescribeSourcePlan
  | DescribeSourcesPlan
  | DescribeFunctionPlan
  | SetPropertyPlan
  | UnsetPropertyPlan
  | DefineVariablePlan
  | UndefineVariablePlan
  | TerminatePlan
  | QueryPlan
  | TablePullQueryPlan
  | PersistentQueryStatementPlan
  | ExplainPlan;
