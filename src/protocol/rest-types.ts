/**
 * Request and response bodies of ksqlDB's REST API, as the server really
 * sends them (see docs/protocol-ksql.md and the spec it cites). Types only.
 *
 * Values in rows are `JsonValue`: numbers that a JavaScript number cannot
 * hold exactly arrive as {@link JsonNumber} (see json.ts).
 *
 * @module
 */
import type { JsonValue } from './json.js';

export type { JsonValue };

export type JsonObject = { [key: string]: JsonValue };

// ---------------------------------------------------------------- requests

/** Body of `POST /ksql` and `POST /query`. Every field is optional on the wire. */
export interface KsqlRequest {
  ksql: string;
  streamsProperties?: Record<string, unknown> | undefined;
  requestProperties?: Record<string, unknown> | undefined;
  sessionVariables?: Record<string, unknown> | undefined;
  commandSequenceNumber?: number | undefined;
}

/** Body of `POST /query-stream`: note the different field names. */
export interface QueryStreamArgs {
  sql: string;
  properties?: Record<string, unknown> | undefined;
  sessionVariables?: Record<string, unknown> | undefined;
  requestProperties?: Record<string, unknown> | undefined;
}

export interface CloseQueryRequest {
  queryId: string;
}

/**
 * The first line of a `POST /inserts-stream` body (ksqlDB's `InsertsStreamHandler`); each
 * following line is one row, a JSON object keyed by column name (unquoted
 * names are uppercased, `` `quoted` `` ones kept).
 */
export interface InsertsStreamArgs {
  target: string;
  properties?: Record<string, unknown> | undefined;
}

/** The acknowledgement of row `seq` (0-based, in the order sent). */
export interface InsertAck {
  status: 'ok';
  seq: number;
}

/**
 * The error of row `seq` (seq -1 when no row is to blame, e.g. a body that is
 * not JSON); ksqlDB ends the response after it.
 */
export interface InsertError {
  '@type': 'InsertError';
  error_code: number;
  message: string;
  status: 'error';
  seq: number;
}

/** One element of an `/inserts-stream` response. */
export type InsertResponse = InsertAck | InsertError;

export interface TerminateClusterRequest {
  deleteTopicList?: string[] | undefined;
}

// ------------------------------------------------------- small endpoints

export interface ServerInfo {
  version: string;
  kafkaClusterId: string;
  ksqlServiceId: string;
  serverStatus?: 'RUNNING' | 'ERROR' | 'DEGRADED' | undefined;
}

/** `GET /info` wraps the info in a type-named object. */
export interface ServerInfoResponse {
  KsqlServerInfo: ServerInfo;
}

export interface HealthCheckResponse {
  isHealthy: boolean;
  details: Record<string, { isHealthy: boolean }>;
  serverState?: string | undefined;
}

export interface ClusterStatusResponse {
  clusterStatus: Record<
    string,
    {
      hostAlive: boolean;
      lastStatusUpdateMs: number;
      activeStandbyPerQuery: Record<string, unknown>;
      hostStoreLags: Record<string, unknown>;
    }
  >;
}

export interface CommandStatuses {
  commandStatuses: Record<string, CommandStatusType>;
}

// ----------------------------------------------------------------- errors

export interface KsqlGenericErrorMessage {
  '@type': 'generic_error';
  error_code: number;
  message: string;
}

export interface KsqlStatementErrorMessage {
  '@type': 'statement_error';
  error_code: number;
  message: string;
  statementText: string;
  entities: KsqlEntity[];
}

export type KsqlErrorMessage = KsqlGenericErrorMessage | KsqlStatementErrorMessage;

// ------------------------------------------------------- nested objects

export type CommandStatusType =
  | 'QUEUED'
  | 'PARSING'
  | 'EXECUTING'
  | 'RUNNING'
  | 'TERMINATED'
  | 'SUCCESS'
  | 'ERROR';

export interface CommandStatus {
  status: CommandStatusType;
  message: string;
  queryId: string | null;
}

export interface KsqlWarning {
  message: string;
}

export interface SchemaInfo {
  type: string;
  fields: FieldInfo[] | null;
  memberSchema: SchemaInfo | null;
  parameters?: Record<string, unknown> | undefined;
}

export interface FieldInfo {
  name: string;
  schema: SchemaInfo;
  /** Absent for value columns. */
  type?: 'KEY' | 'HEADER' | undefined;
  headerKey?: string | undefined;
}

export interface SourceInfo {
  type: 'STREAM' | 'TABLE';
  name: string;
  topic: string;
  keyFormat: string;
  valueFormat: string;
  isWindowed: boolean;
}

export interface RunningQuery {
  queryString: string;
  sinks: string[];
  sinkKafkaTopics: string[];
  id: string;
  statusCount: Record<string, number>;
  queryType: 'PERSISTENT' | 'PUSH' | 'PULL';
  state: string;
}

export interface QueryOffsetSummary {
  groupId: string;
  topicSummaries: Array<{
    kafkaTopic: string;
    offsets: Array<{
      partition: number;
      logStartOffset: number;
      logEndOffset: number;
      consumerOffset: number;
    }>;
  }>;
}

export interface SourceDescription {
  name: string;
  windowType: 'SESSION' | 'HOPPING' | 'TUMBLING' | null;
  readQueries: RunningQuery[];
  writeQueries: RunningQuery[];
  fields: FieldInfo[];
  type: 'STREAM' | 'TABLE';
  timestamp: string;
  statistics: string;
  errorStats: string;
  extended: boolean;
  keyFormat: string;
  valueFormat: string;
  topic: string;
  partitions: number;
  replication: number;
  statement: string;
  queryOffsetSummaries: QueryOffsetSummary[];
  sourceConstraints: string[];
  clusterStatistics: unknown[];
  clusterErrorStats: unknown[];
}

export interface QueryDescription {
  id: string;
  statementText: string;
  windowType: string | null;
  fields: FieldInfo[];
  sources: string[];
  sinks: string[];
  topology: string;
  executionPlan: string;
  overriddenProperties: Record<string, unknown>;
  ksqlHostQueryStatus: Record<string, string>;
  queryType: string;
  queryErrors: unknown[];
  tasksMetadata: unknown[];
  consumerGroupId?: string | undefined;
  state: string;
}

export interface PropertyEntry {
  name: string;
  scope: string;
  value: string | null;
  editable: boolean;
  level: 'QUERY' | 'SERVER';
}

// --------------------------------------------------------------- entities

interface EntityBase {
  statementText: string;
  warnings: KsqlWarning[];
}

export interface CommandStatusEntity extends EntityBase {
  '@type': 'currentStatus';
  commandId: string;
  commandStatus: CommandStatus;
  commandSequenceNumber: number;
}
export interface PropertiesListEntity extends EntityBase {
  '@type': 'properties';
  properties: PropertyEntry[];
  overwrittenProperties: string[];
  defaultProperties: string[];
}
export interface QueriesEntity extends EntityBase {
  '@type': 'queries';
  queries: RunningQuery[];
}
export interface QueryDescriptionListEntity extends EntityBase {
  '@type': 'query_descriptions';
  queryDescriptions: QueryDescription[];
}
export interface QueryDescriptionEntity extends EntityBase {
  '@type': 'queryDescription';
  queryDescription: QueryDescription;
}
export interface SourceDescriptionEntity extends EntityBase {
  '@type': 'sourceDescription';
  sourceDescription: SourceDescription;
}
export interface SourceDescriptionListEntity extends EntityBase {
  '@type': 'source_descriptions';
  sourceDescriptions: SourceDescription[];
}
export interface StreamsListEntity extends EntityBase {
  '@type': 'streams';
  streams: SourceInfo[];
}
export interface TablesListEntity extends EntityBase {
  '@type': 'tables';
  tables: SourceInfo[];
}
export interface KafkaTopicsListEntity extends EntityBase {
  '@type': 'kafka_topics';
  topics: Array<{ name: string; replicaInfo: number[] }>;
}
export interface KafkaTopicsListExtendedEntity extends EntityBase {
  '@type': 'kafka_topics_extended';
  topics: Array<{
    name: string;
    replicaInfo: number[];
    consumerCount: number;
    consumerGroupCount: number;
  }>;
}
export interface FunctionNameListEntity extends EntityBase {
  '@type': 'function_names';
  functions: Array<{ name: string; type: 'SCALAR' | 'AGGREGATE' | 'TABLE'; category: string }>;
}
export interface FunctionDescriptionListEntity extends EntityBase {
  '@type': 'describe_function';
  name: string;
  description: string;
  author: string;
  version: string;
  path: string;
  type: string;
  functions: Array<{
    arguments: Array<{ name: string; type: string; description: string; isVariadic: boolean }>;
    returnType: string;
    description: string;
    argumentTypes: string[];
  }>;
}
export interface TypeListEntity extends EntityBase {
  '@type': 'type_list';
  types: Record<string, SchemaInfo>;
}
export interface WarningEntity extends EntityBase {
  '@type': 'warning_entity';
  message: string;
}
export interface VariablesListEntity extends EntityBase {
  '@type': 'variables';
  variables: Array<{ name: string; value: string }>;
}
export interface TerminateQueryEntity extends EntityBase {
  '@type': 'terminate_query';
  queryId: string;
  wasTerminated: boolean;
}
export interface ConnectorInfoEntity extends EntityBase {
  '@type': 'connector_info';
  info: {
    name: string;
    config: Record<string, string>;
    tasks: Array<{ connector: string; task: number }>;
    type: string;
  };
}
export interface DropConnectorEntity extends EntityBase {
  '@type': 'drop_connector';
  connectorName: string;
}
export interface ConnectorListEntity extends EntityBase {
  '@type': 'connector_list';
  connectors: Array<{ name: string; type?: string; className?: string; state?: string }>;
}
export interface ConnectorPluginsListEntity extends EntityBase {
  '@type': 'connector_plugins_list';
  connectorsPlugins: Array<{ className: string; type: string; version: string }>;
}
export interface ConnectorDescriptionEntity extends EntityBase {
  '@type': 'connector_description';
  connectorClass: string;
  status: unknown;
  sources: SourceDescription[];
  topics: string[];
}
export interface AssertTopicEntity extends EntityBase {
  '@type': 'assert_topic';
  topicName: string;
  exists: boolean;
}
export interface AssertSchemaEntity extends EntityBase {
  '@type': 'assert_schema';
  subject: string | null;
  id: number | null;
  exists: boolean;
}
export interface TopicDescriptionEntity extends EntityBase {
  '@type': 'topicDescription';
  name: string;
  topic: string;
  format: string;
  schemaString: string;
}
export interface ExecutionPlanEntity extends EntityBase {
  '@type': 'executionPlan';
  executionPlan: string;
}

/** Every entity kind ksqlDB registers. */
export type KnownKsqlEntity =
  | CommandStatusEntity
  | PropertiesListEntity
  | QueriesEntity
  | QueryDescriptionListEntity
  | QueryDescriptionEntity
  | SourceDescriptionEntity
  | SourceDescriptionListEntity
  | StreamsListEntity
  | TablesListEntity
  | KafkaTopicsListEntity
  | KafkaTopicsListExtendedEntity
  | FunctionNameListEntity
  | FunctionDescriptionListEntity
  | TypeListEntity
  | WarningEntity
  | VariablesListEntity
  | TerminateQueryEntity
  | ConnectorInfoEntity
  | DropConnectorEntity
  | ConnectorListEntity
  | ConnectorPluginsListEntity
  | ConnectorDescriptionEntity
  | AssertTopicEntity
  | AssertSchemaEntity
  | TopicDescriptionEntity
  | ExecutionPlanEntity;

export type KsqlEntityType = KnownKsqlEntity['@type'];

/** An entity as received: a known kind, or one this version does not know (kept, never dropped). */
export type KsqlEntity = KnownKsqlEntity | (EntityBase & { '@type': string; [key: string]: unknown });

export const ENTITY_TYPES: readonly KsqlEntityType[] = [
  'currentStatus',
  'properties',
  'queries',
  'query_descriptions',
  'queryDescription',
  'sourceDescription',
  'source_descriptions',
  'streams',
  'tables',
  'kafka_topics',
  'kafka_topics_extended',
  'function_names',
  'describe_function',
  'type_list',
  'warning_entity',
  'variables',
  'terminate_query',
  'connector_info',
  'drop_connector',
  'connector_list',
  'connector_plugins_list',
  'connector_description',
  'assert_topic',
  'assert_schema',
  'topicDescription',
  'executionPlan',
];

// ------------------------------------------------------ /query framing

export interface StreamedHeader {
  header: { queryId: string; schema: string; protoSchema?: string | undefined };
}
export interface StreamedDataRow {
  row: { columns: JsonValue[]; tombstone?: boolean | undefined };
  sourceHost?: string | undefined;
}
export interface StreamedFinalMessage {
  finalMessage: string;
}
export interface StreamedErrorMessage {
  errorMessage: KsqlErrorMessage;
}
export interface StreamedContinuationToken {
  continuationToken: { continuationToken: string };
}
export interface StreamedConsistencyToken {
  consistencyToken: { consistencyToken: string };
}

/** One element of the `/query` StreamedRow array (exactly one key set). */
export type StreamedRow =
  | StreamedHeader
  | StreamedDataRow
  | StreamedFinalMessage
  | StreamedErrorMessage
  | StreamedContinuationToken
  | StreamedConsistencyToken;

export const FinalMessage = {
  LIMIT_REACHED: 'Limit Reached',
  QUERY_COMPLETED: 'Query Completed',
} as const;

/** `/query-stream` metadata object (first element / first line). */
export interface QueryResponseMetadata {
  queryId: string;
  columnNames: string[];
  columnTypes: string[];
}

// -------------------------------------------- embedded engine extensions

/** `POST /topics/{topic}` body: Kafka REST Proxy v2, plus an optional timestamp. */
export interface ProduceRequest {
  records: Array<{
    key?: JsonValue | undefined;
    value: JsonValue;
    partition?: number | undefined;
    timestamp?: number | undefined;
    headers?: Array<{ key: string; value: string | null }> | undefined;
  }>;
}

export interface ProduceResponse {
  offsets: Array<{ partition: number; offset: number; error_code: number | null; error: string | null }>;
  key_schema_id: null;
  value_schema_id: null;
}

/** `GET /topics/{topic}/records`: every record of the topic. */
export interface TopicRecord {
  partition: number;
  offset: number;
  timestamp: number;
  key: JsonValue;
  value: JsonValue;
  headers: Array<{ key: string; value: string | null }>;
}
