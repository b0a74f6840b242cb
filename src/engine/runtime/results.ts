/**
 * What executing a statement returns: domain results, one per statement
 * that produces an entity. The REST layer maps them to ksqlDB entities.
 * Column types are engine SQL types, which have the same shape as the wire
 * contract's types.
 *
 * @module
 */
import type { Column, QueryType, SourceType, WindowType } from '../catalog/index.js';
import type { CommandStatusRecord } from '../storage/index.js';
import type { SqlType } from '../types/index.js';

interface ResultBase {
  readonly statementText: string;
  readonly warnings: readonly string[];
}

export interface CommandResult extends ResultBase {
  readonly kind: 'command';
  readonly commandId: string;
  readonly status: CommandStatusRecord;
  readonly commandSequenceNumber: number;
}

export interface SourceSummary {
  readonly sourceType: SourceType;
  readonly name: string;
  readonly topic: string;
  readonly keyFormat: string;
  readonly valueFormat: string;
  readonly isWindowed: boolean;
}

export interface SourceListResult extends ResultBase {
  readonly kind: 'sourceList';
  readonly sourceType: SourceType;
  readonly sources: readonly SourceSummary[];
}

export interface QuerySummary {
  readonly id: string;
  readonly queryType: QueryType;
  readonly statementText: string;
  readonly sinks: readonly string[];
  readonly sinkTopics: readonly string[];
  readonly state: string;
}

export interface SourceDetails {
  readonly name: string;
  readonly sourceType: SourceType;
  readonly windowType: WindowType | null;
  readonly readQueries: readonly QuerySummary[];
  readonly writeQueries: readonly QuerySummary[];
  /** Key columns (namespace KEY) then value and header columns. */
  readonly columns: readonly Column[];
  /** Timestamp column name or `''`. */
  readonly timestamp: string;
  readonly extended: boolean;
  readonly keyFormat: string;
  readonly valueFormat: string;
  readonly topic: string;
  readonly partitions: number;
  readonly replication: number;
  readonly statement: string;
  readonly offsets: readonly { readonly partition: number; readonly start: number; readonly end: number }[];
}

export interface SourceDescriptionResult extends ResultBase {
  readonly kind: 'sourceDescription';
  readonly source: SourceDetails;
}

export interface SourceDescriptionListResult extends ResultBase {
  readonly kind: 'sourceDescriptionList';
  readonly sources: readonly SourceDetails[];
}

/** EXPLAIN / SHOW QUERIES EXTENDED. */
export interface QueryDetails extends QuerySummary {
  readonly sources: readonly string[];
  readonly windowType: WindowType | null;
  /** The sink's columns (keys first). */
  readonly columns: readonly Column[];
  readonly fields: readonly { readonly name: string; readonly type: SqlType; readonly isKey?: boolean | undefined }[];
}

export interface QueryDescriptionResult extends ResultBase {
  readonly kind: 'queryDescription';
  readonly query: QueryDetails;
}

export interface QueryDescriptionListResult extends ResultBase {
  readonly kind: 'queryDescriptionList';
  readonly queries: readonly QueryDetails[];
}

export interface QueriesResult extends ResultBase {
  readonly kind: 'queries';
  readonly queries: readonly QuerySummary[];
}

export interface PropertyInfo {
  readonly name: string;
  readonly value: string | null;
  readonly editable: boolean;
  readonly level: 'QUERY' | 'SERVER';
}

export interface PropertiesResult extends ResultBase {
  readonly kind: 'properties';
  readonly properties: readonly PropertyInfo[];
  readonly overwrittenProperties: readonly string[];
  readonly defaultProperties: readonly string[];
}

export interface TopicSummary {
  readonly name: string;
  readonly replicaInfo: readonly number[];
  readonly consumerCount: number;
  readonly consumerGroupCount: number;
}

export interface TopicsResult extends ResultBase {
  readonly kind: 'topics';
  readonly extended: boolean;
  readonly topics: readonly TopicSummary[];
}

export interface WarningResult extends ResultBase {
  readonly kind: 'warning';
  readonly message: string;
}

export interface TerminateQueryResult extends ResultBase {
  readonly kind: 'terminateQuery';
  readonly queryId: string;
  readonly wasTerminated: boolean;
}

export interface TypeListResult extends ResultBase {
  readonly kind: 'typeList';
  readonly types: readonly { readonly name: string; readonly type: SqlType }[];
}

export interface VariablesResult extends ResultBase {
  readonly kind: 'variables';
  readonly variables: readonly { readonly name: string; readonly value: string }[];
}

export interface FunctionListResult extends ResultBase {
  readonly kind: 'functionList';
  readonly functions: readonly { readonly name: string; readonly type: 'SCALAR' | 'AGGREGATE' | 'TABLE'; readonly category: string }[];
}

export interface FunctionDescriptionResult extends ResultBase {
  readonly kind: 'functionDescription';
  readonly name: string;
  readonly description: string;
  readonly category: string;
  readonly signatures: readonly string[];
}

export type StatementResult =
  | CommandResult
  | SourceListResult
  | SourceDescriptionResult
  | SourceDescriptionListResult
  | QueriesResult
  | QueryDescriptionResult
  | QueryDescriptionListResult
  | PropertiesResult
  | TopicsResult
  | WarningResult
  | TerminateQueryResult
  | TypeListResult
  | VariablesResult
  | FunctionListResult
  | FunctionDescriptionResult;
