/**
 * The generic GraphQL API of the gateway, in SDL. This is the source of
 * truth; `schema.graphql` at the project root is its `printSchema` output
 * (`npm run docs:generate` writes it; a test keeps the two equal). A typed
 * per-source schema part is merged on top of it when the gateway builds its
 * schema (see `makeGatewaySchema`).
 *
 * @module
 */

export const typeDefs = /* GraphQL */ `
"""
Any JSON value: object, array, string, number, boolean or null.

Numbers are never passed through a lossy conversion:

- In query rows (\`QueryRow.columns\` and \`QueryRow.row\`), the encoding is driven by
  the column types of the query header: every BIGINT and DECIMAL value, at any
  depth (also inside ARRAY, MAP and STRUCT), is a JSON **string** holding the
  exact decimal text sent by ksqlDB (\`"9007199254740993"\`, \`"1.10"\`). INTEGER
  and DOUBLE values are JSON numbers. BYTES are base64 strings; DATE, TIME and
  TIMESTAMP are the strings ksqlDB sends.
- Everywhere else (for example \`raw\` entities), a number that a 64-bit float
  cannot hold exactly is delivered as a string with its exact text; every other
  number stays a JSON number.

As input, integer and float literals written in the query document are kept
exactly; numbers inside variables are parsed by the HTTP layer and are exact
only up to 2^53, so pass larger values as literals or as strings.
"""
scalar JSON

"""Reads: server metadata, health, command status and pull queries."""
type Query {
  """Server metadata from ksqlDB's \`GET /info\`."""
  info: ServerInfo!

  """Health of ksqlDB and its dependencies from \`GET /healthcheck\`."""
  healthcheck: HealthCheck!

  """Liveness and lag of every ksqlDB host from \`GET /clusterStatus\`."""
  clusterStatus: ClusterStatus!

  """
  The current status of a distributed command from \`GET /status/{commandId}\`.
  Fails with \`KSQL_NOT_FOUND\` when ksqlDB does not know the command.
  """
  status(
    """A \`commandId\` as returned in \`CommandStatusResult.commandId\`, e.g. \`\`stream/\`S\`/create\`\`."""
    commandId: String!
  ): CommandStatus!

  """
  Runs a query over \`POST /query\` and collects the whole response: a pull
  query, or a push query with a \`LIMIT\`. A push query without \`LIMIT\` never
  ends; use \`Subscription.pushQuery\` for those.
  """
  pullQuery(
    """One SELECT statement, ending with a semicolon."""
    sql: String!

    """Query-scoped properties (ksqlDB \`streamsProperties\`), e.g. \`{"ksql.query.pull.table.scan.enabled": true}\`."""
    properties: JSON
  ): PullQueryResult!
}

"""Writes: statements over \`POST /ksql\` and cluster termination."""
type Mutation {
  """
  Runs one or more semicolon-terminated statements over \`POST /ksql\` and
  returns one result per statement that produces one (INSERT VALUES, SET,
  UNSET and DEFINE produce none, so the list can be shorter than the list of
  statements). SELECT and PRINT are refused by ksqlDB with
  \`KSQL_QUERY_ENDPOINT\`: use \`pullQuery\` or \`pushQuery\`.
  """
  execute(
    """The statements, each ending with a semicolon."""
    ksql: String!

    """Statement-scoped properties, e.g. \`{"ksql.streams.auto.offset.reset": "earliest"}\`."""
    streamsProperties: JSON

    """Values for \`\${name}\` variable substitution, e.g. \`{"topic": "orders"}\`."""
    sessionVariables: JSON

    """Waits until ksqlDB has executed the command with this sequence number before running the statements."""
    commandSequenceNumber: Int
  ): [StatementResult!]!

  """
  Terminates the ksqlDB cluster over \`POST /ksql/terminate\`: every query is
  terminated and the cluster's internal topics are deleted. Irreversible.
  """
  terminateCluster(
    """Regular expressions naming further topics to delete, e.g. \`["ORDERS", "audit.*"]\`."""
    deleteTopicList: [String!]
  ): [StatementResult!]!
}

"""Streams: push queries."""
type Subscription {
  """
  Runs a push query over \`POST /query\`. The first event is a \`QueryHeader\`,
  then one \`QueryRow\` per row. The subscription completes when ksqlDB ends the
  query (for example when a \`LIMIT\` is reached); an error reported by ksqlDB
  ends it with a GraphQL error. Unsubscribing closes the upstream query at once.
  """
  pushQuery(
    """One SELECT ... EMIT CHANGES statement, ending with a semicolon."""
    sql: String!

    """Query-scoped properties (ksqlDB \`streamsProperties\`), e.g. \`{"ksql.streams.auto.offset.reset": "earliest"}\`."""
    properties: JSON

    """
    Continue right after the row whose \`cursor\` this is: every row that followed it, in order per
    partition, then live rows; none twice (docs/resume.md). Only for a statement of the form
    \`SELECT ... FROM <one source> [WHERE ...] EMIT CHANGES [LIMIT n]\`, with the same source and
    condition as the subscription that gave it.
    """
    after: String
  ): PushQueryEvent!

  """
  \`pushQuery\` with its rows in batches: one message carries many rows. The
  first event is the \`QueryHeader\`, alone; then one \`QueryRowBatch\` at a
  time, sent when it holds \`maxRows\` rows or \`maxDelayMs\` after its first
  row, whichever comes first. Every row arrives once, in order; the rows read
  before the end of the query, or before an error, are sent first. Unbounded
  queries share their upstream query with \`pushQuery\` subscribers of the
  same statement.
  """
  pushQueryBatches(
    """One SELECT ... EMIT CHANGES statement, ending with a semicolon."""
    sql: String!

    """Query-scoped properties (ksqlDB \`streamsProperties\`), e.g. \`{"ksql.streams.auto.offset.reset": "earliest"}\`."""
    properties: JSON

    """
    Continue right after the row whose \`cursor\` this is: every row that followed it, in order per
    partition, then live rows; none twice (docs/resume.md). Only for a statement of the form
    \`SELECT ... FROM <one source> [WHERE ...] EMIT CHANGES [LIMIT n]\`, with the same source and
    condition as the subscription that gave it.
    """
    after: String

    """Rows per batch at most, from 1 to 10000 (default 500)."""
    maxRows: Int

    """
    Milliseconds a batch waits after its first row before it is sent, full or
    not, from 0 to 60000 (default 50).
    """
    maxDelayMs: Int
  ): PushQueryBatchEvent!

  """
  Tells when the typed part of this schema (one type and root fields per
  ksqlDB stream or table) changes: the first event describes the schema
  served now, then one event per swap (after DDL run through the gateway, on
  the refresh interval, or once ksqlDB becomes reachable). Re-run
  introspection when it fires.
  """
  schemaChanged: SchemaChange!
}

"""The state of the typed schema, and what the last swap changed."""
type SchemaChange {
  """Counts swaps since the gateway started; 0 until the catalog was first read."""
  version: Int!

  """True once the catalog has been read; false while ksqlDB has not been reachable yet."""
  ready: Boolean!

  """A hash of the catalog the typed schema was built from; null before the first read."""
  fingerprint: String

  """The ksqlDB sources in the typed schema now (after include/exclude patterns)."""
  sources: [String!]!

  """Sources new in this version."""
  added: [String!]!

  """Sources gone in this version; their subscriptions ended with \`SOURCE_DROPPED\`."""
  removed: [String!]!

  """Sources whose columns or capabilities changed in this version."""
  changed: [String!]!
}

"""Metadata about the ksqlDB server."""
type ServerInfo {
  """The ksqlDB version, e.g. \`0.29.0\`."""
  version: String!

  """The id of the Kafka cluster ksqlDB runs against."""
  kafkaClusterId: String!

  """The \`ksql.service.id\` of the ksqlDB cluster."""
  ksqlServiceId: String!

  """The state of ksqlDB's command runner: \`RUNNING\`, \`ERROR\` or \`DEGRADED\`; null when the server does not report it."""
  serverStatus: String
}

"""The health of ksqlDB as reported by \`GET /healthcheck\`."""
type HealthCheck {
  """True when every subsystem is healthy."""
  isHealthy: Boolean!

  """The health of each subsystem (\`metastore\`, \`kafka\`, \`commandRunner\`, ...)."""
  details: [HealthCheckDetail!]!

  """The server state, e.g. \`READY\`; null when the server does not report it."""
  serverState: String
}

"""The health of one ksqlDB subsystem."""
type HealthCheckDetail {
  """The subsystem, e.g. \`kafka\`."""
  name: String!

  """True when the subsystem is healthy."""
  isHealthy: Boolean!
}

"""The state of every host of the ksqlDB cluster."""
type ClusterStatus {
  """One entry per host."""
  hosts: [HostStatus!]!

  """The response exactly as ksqlDB sent it."""
  raw: JSON!
}

"""The state of one ksqlDB host."""
type HostStatus {
  """The host as \`host:port\`."""
  host: String!

  """True when the host answered its last heartbeat."""
  hostAlive: Boolean!

  """When the host last reported, in milliseconds since the Unix epoch."""
  lastStatusUpdateMs: Float!

  """Active and standby state stores and partitions per query."""
  activeStandbyPerQuery: JSON!

  """State-store lags per query and partition."""
  hostStoreLags: JSON!
}

"""The lifecycle state of a distributed command."""
enum CommandStatusType {
  """Written to the command topic, not yet picked up."""
  QUEUED
  """Being parsed."""
  PARSING
  """Being executed."""
  EXECUTING
  """Running (a persistent query)."""
  RUNNING
  """Terminated."""
  TERMINATED
  """Executed successfully."""
  SUCCESS
  """Failed; \`message\` says why."""
  ERROR
}

"""The status of a distributed command (DDL, persistent query, TERMINATE, ...)."""
type CommandStatus {
  """The command's state."""
  status: CommandStatusType!

  """A human-readable message, e.g. \`Stream created\` or \`Created query with ID CSAS_X_3\`."""
  message: String!

  """The id of the persistent query the command started, if any."""
  queryId: String
}

"""The result of \`Query.pullQuery\`."""
type PullQueryResult {
  """The query id and the column list."""
  header: QueryHeader!

  """Every row, in the order ksqlDB sent them."""
  rows: [QueryRow!]!

  """ksqlDB's closing message, e.g. \`Limit Reached\` or \`Query Completed\`; null if none was sent."""
  finalMessage: String
}

"""An event of \`Subscription.pushQuery\`: one \`QueryHeader\` first, then \`QueryRow\`s."""
union PushQueryEvent = QueryHeader | QueryRow

"""
An event of \`Subscription.pushQueryBatches\`: one \`QueryHeader\` first, then \`QueryRowBatch\`es.
"""
union PushQueryBatchEvent = QueryHeader | QueryRowBatch

"""Consecutive rows of a push query, sent in one message."""
type QueryRowBatch {
  """The rows, in the order ksqlDB sent them; never empty."""
  rows: [QueryRow!]!
}

"""The first element of a query response: the query id and the columns of every following row."""
type QueryHeader {
  """The id ksqlDB gave the query, e.g. \`transient_PAGEVIEWS_4127437\`."""
  queryId: String!

  """The column list exactly as ksqlDB sent it, e.g. \`ID\` STRING KEY, \`TOTAL\` BIGINT."""
  schema: String!

  """The columns, in row order."""
  columns: [QueryColumn!]!
}

"""The namespace of a column."""
enum ColumnNamespace {
  """A key column."""
  KEY
  """A value column."""
  VALUE
  """A column holding every Kafka header (\`HEADERS\`)."""
  HEADERS
  """A column holding one Kafka header (\`HEADER('key')\`)."""
  HEADER
}

"""One column of a query result."""
type QueryColumn {
  """The column name, e.g. \`TOTAL\`."""
  name: String!

  """The SQL type as ksqlDB prints it, e.g. \`BIGINT\`, \`DECIMAL(4, 2)\` or \`MAP<STRING, INTEGER>\`."""
  type: String!

  """Whether the column is a key, a value or a header column. Push-query headers list value columns only."""
  namespace: ColumnNamespace!

  """For a \`HEADER('key')\` column, the header key."""
  headerKey: String
}

"""One row of a query result."""
type QueryRow {
  """The values in header column order (see the \`JSON\` scalar for how numbers are encoded)."""
  columns: [JSON]!

  """The values keyed by column name (see the \`JSON\` scalar for how numbers are encoded)."""
  row: JSON!

  """True when the row deletes its key from a table (a tombstone); its value columns are null."""
  tombstone: Boolean!

  """
  Where this row leaves a push query, for \`pushQuery(after:)\` (docs/resume.md). Set on the rows of
  push queries of the form \`SELECT ... FROM <one source> [WHERE ...] EMIT CHANGES [LIMIT n]\`
  (without joins, grouping or table functions): selecting it makes the gateway also read each
  row's \`ROWPARTITION\` and \`ROWOFFSET\`, which the header and rows do not show. Null on other
  push queries and on pull query rows.
  """
  cursor: String
}

"""A warning attached to a statement result."""
type StatementWarning {
  """The warning text."""
  message: String!
}

"""
The result of one statement run by \`Mutation.execute\` or
\`Mutation.terminateCluster\`. There is one implementation per kind of result
ksqlDB returns (its \`@type\`); a kind this gateway does not know is returned as
\`UnknownStatementResult\`, never dropped.
"""
interface StatementResult {
  """The kind of result: ksqlDB's \`@type\`, e.g. \`currentStatus\` or \`streams\`."""
  type: String!

  """The statement that produced this result."""
  statementText: String!

  """Warnings ksqlDB attached to the result."""
  warnings: [StatementWarning!]!

  """The result exactly as ksqlDB sent it (see the \`JSON\` scalar for how numbers are encoded)."""
  raw: JSON!
}

"""
\`currentStatus\`: the status of a distributed command: CREATE, DROP, ALTER,
CREATE ... AS SELECT, INSERT INTO ... SELECT, TERMINATE of a persistent query,
PAUSE, RESUME, CREATE/DROP TYPE, ALTER SYSTEM and TERMINATE CLUSTER.
"""
type CommandStatusResult implements StatementResult {
  """Always \`currentStatus\`."""
  type: String!
  """The statement that produced this result."""
  statementText: String!
  """Warnings ksqlDB attached to the result."""
  warnings: [StatementWarning!]!
  """The result exactly as ksqlDB sent it."""
  raw: JSON!

  """The command id, e.g. \`\`stream/\`S\`/create\`\`; pass it to \`Query.status\`."""
  commandId: String!

  """The command's status when ksqlDB answered."""
  commandStatus: CommandStatus!

  """The command's sequence number; pass it as \`commandSequenceNumber\` to order later statements after this one."""
  commandSequenceNumber: Int!
}

"""\`properties\`: the result of SHOW PROPERTIES."""
type PropertiesResult implements StatementResult {
  """Always \`properties\`."""
  type: String!
  """The statement that produced this result."""
  statementText: String!
  """Warnings ksqlDB attached to the result."""
  warnings: [StatementWarning!]!
  """The result exactly as ksqlDB sent it."""
  raw: JSON!

  """Every property."""
  properties: [Property!]!

  """Names of the properties overwritten for this request."""
  overwrittenProperties: [String!]!

  """Names of the properties that have their default value."""
  defaultProperties: [String!]!
}

"""A configuration property."""
type Property {
  """The property name, e.g. \`ksql.streams.auto.offset.reset\`."""
  name: String!

  """Where it applies, e.g. \`KSQL\` or \`EMBEDDED CONNECT WORKER\`."""
  scope: String!

  """The value as a string; null when unset."""
  value: String

  """True when a request may override it."""
  editable: Boolean!

  """\`QUERY\` or \`SERVER\`."""
  level: String!
}

"""\`queries\`: the result of SHOW QUERIES."""
type QueriesResult implements StatementResult {
  """Always \`queries\`."""
  type: String!
  """The statement that produced this result."""
  statementText: String!
  """Warnings ksqlDB attached to the result."""
  warnings: [StatementWarning!]!
  """The result exactly as ksqlDB sent it."""
  raw: JSON!

  """Every live query: persistent queries and running push queries."""
  queries: [RunningQuery!]!
}

"""A live query."""
type RunningQuery {
  """The query id, e.g. \`CSAS_PAGEVIEWS_2\`."""
  id: String!

  """The query's SQL text."""
  queryString: String!

  """The sources the query writes to."""
  sinks: [String!]!

  """The Kafka topics the query writes to."""
  sinkKafkaTopics: [String!]!

  """\`PERSISTENT\`, \`PUSH\` or \`PULL\`."""
  queryType: String!

  """The query state, e.g. \`RUNNING\` or \`ERROR\`."""
  state: String

  """How many hosts report each state, e.g. \`{"RUNNING": 1}\`."""
  statusCount: JSON
}

"""\`query_descriptions\`: the result of SHOW QUERIES EXTENDED."""
type QueryDescriptionsResult implements StatementResult {
  """Always \`query_descriptions\`."""
  type: String!
  """The statement that produced this result."""
  statementText: String!
  """Warnings ksqlDB attached to the result."""
  warnings: [StatementWarning!]!
  """The result exactly as ksqlDB sent it."""
  raw: JSON!

  """One description per live query."""
  queryDescriptions: [QueryDescription!]!
}

"""\`queryDescription\`: the result of EXPLAIN."""
type QueryDescriptionResult implements StatementResult {
  """Always \`queryDescription\`."""
  type: String!
  """The statement that produced this result."""
  statementText: String!
  """Warnings ksqlDB attached to the result."""
  warnings: [StatementWarning!]!
  """The result exactly as ksqlDB sent it."""
  raw: JSON!

  """The query's description."""
  queryDescription: QueryDescription!
}

"""A detailed description of a query."""
type QueryDescription {
  """The query id."""
  id: String!

  """The query's SQL text."""
  statementText: String!

  """\`SESSION\`, \`HOPPING\` or \`TUMBLING\` for windowed queries, else null."""
  windowType: String

  """The output columns."""
  fields: [Field!]!

  """The sources the query reads."""
  sources: [String!]!

  """The sources the query writes."""
  sinks: [String!]!

  """The Kafka Streams topology, as text."""
  topology: String!

  """The execution plan, as text."""
  executionPlan: String!

  """The properties overridden for this query."""
  overriddenProperties: JSON!

  """The query state on each host, e.g. \`{"localhost:8088": "RUNNING"}\`."""
  ksqlHostQueryStatus: JSON!

  """\`PERSISTENT\`, \`PUSH\` or \`PULL\`."""
  queryType: String!

  """Errors the query has hit."""
  queryErrors: JSON!

  """Kafka Streams task metadata."""
  tasksMetadata: JSON!

  """The Kafka consumer group of a persistent query."""
  consumerGroupId: String

  """The query state, e.g. \`RUNNING\`."""
  state: String
}

"""A column of a source or query, as DESCRIBE reports it."""
type Field {
  """The column name."""
  name: String!

  """The SQL type as ksqlDB prints it, e.g. \`\`STRUCT<\`A\` INTEGER>\`\`."""
  type: String!

  """Whether the column is a key, a value or a header column."""
  namespace: ColumnNamespace!

  """For a \`HEADER('key')\` column, the header key."""
  headerKey: String

  """The type as ksqlDB's SchemaInfo object (\`{type, fields, memberSchema, parameters}\`)."""
  schema: JSON!
}

"""\`sourceDescription\`: the result of DESCRIBE or SHOW COLUMNS."""
type SourceDescriptionResult implements StatementResult {
  """Always \`sourceDescription\`."""
  type: String!
  """The statement that produced this result."""
  statementText: String!
  """Warnings ksqlDB attached to the result."""
  warnings: [StatementWarning!]!
  """The result exactly as ksqlDB sent it."""
  raw: JSON!

  """The source's description."""
  sourceDescription: SourceDescription!
}

"""\`source_descriptions\`: the result of SHOW STREAMS EXTENDED, SHOW TABLES EXTENDED, DESCRIBE STREAMS or DESCRIBE TABLES."""
type SourceDescriptionsResult implements StatementResult {
  """Always \`source_descriptions\`."""
  type: String!
  """The statement that produced this result."""
  statementText: String!
  """Warnings ksqlDB attached to the result."""
  warnings: [StatementWarning!]!
  """The result exactly as ksqlDB sent it."""
  raw: JSON!

  """One description per source."""
  sourceDescriptions: [SourceDescription!]!
}

"""A detailed description of a stream or table."""
type SourceDescription {
  """The source name, unquoted."""
  name: String!

  """\`STREAM\` or \`TABLE\`."""
  type: String!

  """\`SESSION\`, \`HOPPING\` or \`TUMBLING\` for windowed sources, else null."""
  windowType: String

  """The columns."""
  fields: [Field!]!

  """The persistent queries that read the source."""
  readQueries: [RunningQuery!]!

  """The persistent queries that write the source."""
  writeQueries: [RunningQuery!]!

  """The timestamp column, or an empty string for the record timestamp."""
  timestamp: String!

  """Runtime statistics (EXTENDED only, else empty)."""
  statistics: String!

  """Error statistics (EXTENDED only, else empty)."""
  errorStats: String!

  """True for DESCRIBE ... EXTENDED."""
  extended: Boolean!

  """The key format, e.g. \`KAFKA\`."""
  keyFormat: String!

  """The value format, e.g. \`JSON\`."""
  valueFormat: String!

  """The Kafka topic."""
  topic: String!

  """The topic's partition count (0 if unknown)."""
  partitions: Int!

  """The topic's replication factor (0 if unknown)."""
  replication: Int!

  """The statement that created the source."""
  statement: String!

  """Consumer offsets per query (EXTENDED only)."""
  queryOffsetSummaries: JSON!

  """Sources that depend on this one and prevent dropping it."""
  sourceConstraints: [String!]!

  """Per-host statistics (EXTENDED only)."""
  clusterStatistics: JSON!

  """Per-host error statistics (EXTENDED only)."""
  clusterErrorStats: JSON!
}

"""\`streams\`: the result of SHOW STREAMS."""
type StreamsResult implements StatementResult {
  """Always \`streams\`."""
  type: String!
  """The statement that produced this result."""
  statementText: String!
  """Warnings ksqlDB attached to the result."""
  warnings: [StatementWarning!]!
  """The result exactly as ksqlDB sent it."""
  raw: JSON!

  """Every stream."""
  streams: [SourceInfo!]!
}

"""\`tables\`: the result of SHOW TABLES."""
type TablesResult implements StatementResult {
  """Always \`tables\`."""
  type: String!
  """The statement that produced this result."""
  statementText: String!
  """Warnings ksqlDB attached to the result."""
  warnings: [StatementWarning!]!
  """The result exactly as ksqlDB sent it."""
  raw: JSON!

  """Every table."""
  tables: [SourceInfo!]!
}

"""A stream or table in a listing."""
type SourceInfo {
  """\`STREAM\` or \`TABLE\`."""
  type: String!

  """The source name, unquoted."""
  name: String!

  """The Kafka topic."""
  topic: String!

  """The key format, e.g. \`KAFKA\`."""
  keyFormat: String!

  """The value format, e.g. \`JSON\`."""
  valueFormat: String!

  """True for windowed sources."""
  isWindowed: Boolean!
}

"""\`kafka_topics\`: the result of SHOW TOPICS."""
type TopicsResult implements StatementResult {
  """Always \`kafka_topics\`."""
  type: String!
  """The statement that produced this result."""
  statementText: String!
  """Warnings ksqlDB attached to the result."""
  warnings: [StatementWarning!]!
  """The result exactly as ksqlDB sent it."""
  raw: JSON!

  """Every topic."""
  topics: [KafkaTopic!]!
}

"""A Kafka topic."""
type KafkaTopic {
  """The topic name."""
  name: String!

  """The replica count of each partition."""
  replicaInfo: [Int!]!
}

"""\`kafka_topics_extended\`: the result of SHOW TOPICS EXTENDED."""
type TopicsExtendedResult implements StatementResult {
  """Always \`kafka_topics_extended\`."""
  type: String!
  """The statement that produced this result."""
  statementText: String!
  """Warnings ksqlDB attached to the result."""
  warnings: [StatementWarning!]!
  """The result exactly as ksqlDB sent it."""
  raw: JSON!

  """Every topic."""
  topics: [KafkaTopicExtended!]!
}

"""A Kafka topic with its consumers."""
type KafkaTopicExtended {
  """The topic name."""
  name: String!

  """The replica count of each partition."""
  replicaInfo: [Int!]!

  """The number of consumers."""
  consumerCount: Int!

  """The number of consumer groups."""
  consumerGroupCount: Int!
}

"""\`function_names\`: the result of SHOW FUNCTIONS."""
type FunctionsResult implements StatementResult {
  """Always \`function_names\`."""
  type: String!
  """The statement that produced this result."""
  statementText: String!
  """Warnings ksqlDB attached to the result."""
  warnings: [StatementWarning!]!
  """The result exactly as ksqlDB sent it."""
  raw: JSON!

  """Every function."""
  functions: [FunctionSummary!]!
}

"""A function in a listing."""
type FunctionSummary {
  """The function name, e.g. \`UCASE\`."""
  name: String!

  """\`SCALAR\`, \`AGGREGATE\` or \`TABLE\`."""
  type: String!

  """The category, e.g. \`STRING\`."""
  category: String!
}

"""\`describe_function\`: the result of DESCRIBE FUNCTION."""
type FunctionDescriptionResult implements StatementResult {
  """Always \`describe_function\`."""
  type: String!
  """The statement that produced this result."""
  statementText: String!
  """Warnings ksqlDB attached to the result."""
  warnings: [StatementWarning!]!
  """The result exactly as ksqlDB sent it."""
  raw: JSON!

  """The function name."""
  name: String!

  """What the function does."""
  description: String!

  """Who wrote it."""
  author: String!

  """Its version."""
  version: String!

  """Where it was loaded from, e.g. \`internal\`."""
  path: String!

  """\`SCALAR\`, \`AGGREGATE\` or \`TABLE\` (ksqlDB's \`type\` field, renamed because \`type\` is the result kind here)."""
  functionType: String!

  """One entry per overload."""
  functions: [FunctionVariant!]!
}

"""One overload of a function."""
type FunctionVariant {
  """The arguments."""
  arguments: [FunctionArgument!]!

  """The return type, e.g. \`VARCHAR\`."""
  returnType: String!

  """What this overload does."""
  description: String!

  """The argument types, e.g. \`["VARCHAR"]\`."""
  argumentTypes: [String!]!
}

"""An argument of a function overload."""
type FunctionArgument {
  """The argument name."""
  name: String!

  """The argument type."""
  type: String!

  """What the argument means."""
  description: String!

  """True for a variadic argument."""
  isVariadic: Boolean!
}

"""\`type_list\`: the result of SHOW TYPES."""
type TypesResult implements StatementResult {
  """Always \`type_list\`."""
  type: String!
  """The statement that produced this result."""
  statementText: String!
  """Warnings ksqlDB attached to the result."""
  warnings: [StatementWarning!]!
  """The result exactly as ksqlDB sent it."""
  raw: JSON!

  """Every custom type."""
  types: [CustomType!]!
}

"""A custom type registered with CREATE TYPE."""
type CustomType {
  """The type name."""
  name: String!

  """The SQL type it stands for, as ksqlDB prints it."""
  type: String!

  """The type as ksqlDB's SchemaInfo object."""
  schema: JSON!
}

"""\`warning_entity\`: a statement that did nothing, with the reason (e.g. CREATE ... IF NOT EXISTS of an existing source)."""
type WarningResult implements StatementResult {
  """Always \`warning_entity\`."""
  type: String!
  """The statement that produced this result."""
  statementText: String!
  """Warnings ksqlDB attached to the result."""
  warnings: [StatementWarning!]!
  """The result exactly as ksqlDB sent it."""
  raw: JSON!

  """The warning."""
  message: String!
}

"""\`variables\`: the result of SHOW VARIABLES."""
type VariablesResult implements StatementResult {
  """Always \`variables\`."""
  type: String!
  """The statement that produced this result."""
  statementText: String!
  """Warnings ksqlDB attached to the result."""
  warnings: [StatementWarning!]!
  """The result exactly as ksqlDB sent it."""
  raw: JSON!

  """Every variable defined in the session."""
  variables: [Variable!]!
}

"""A session variable."""
type Variable {
  """The variable name."""
  name: String!

  """The variable value."""
  value: String!
}

"""\`terminate_query\`: the result of TERMINATE of a transient (push) query."""
type TerminateQueryResult implements StatementResult {
  """Always \`terminate_query\`."""
  type: String!
  """The statement that produced this result."""
  statementText: String!
  """Warnings ksqlDB attached to the result."""
  warnings: [StatementWarning!]!
  """The result exactly as ksqlDB sent it."""
  raw: JSON!

  """The query id."""
  queryId: String!

  """True when the query was running and is now terminated."""
  wasTerminated: Boolean!
}

"""\`connector_info\`: the result of CREATE SOURCE/SINK CONNECTOR."""
type ConnectorInfoResult implements StatementResult {
  """Always \`connector_info\`."""
  type: String!
  """The statement that produced this result."""
  statementText: String!
  """Warnings ksqlDB attached to the result."""
  warnings: [StatementWarning!]!
  """The result exactly as ksqlDB sent it."""
  raw: JSON!

  """The connector."""
  info: ConnectorInfo!
}

"""A Kafka Connect connector."""
type ConnectorInfo {
  """The connector name."""
  name: String!

  """Its configuration."""
  config: JSON!

  """Its tasks."""
  tasks: [ConnectorTaskId!]!

  """\`source\`, \`sink\` or \`unknown\`."""
  type: String!
}

"""A task of a connector."""
type ConnectorTaskId {
  """The connector name."""
  connector: String!

  """The task number."""
  task: Int!
}

"""\`drop_connector\`: the result of DROP CONNECTOR."""
type DropConnectorResult implements StatementResult {
  """Always \`drop_connector\`."""
  type: String!
  """The statement that produced this result."""
  statementText: String!
  """Warnings ksqlDB attached to the result."""
  warnings: [StatementWarning!]!
  """The result exactly as ksqlDB sent it."""
  raw: JSON!

  """The dropped connector."""
  connectorName: String!
}

"""\`connector_list\`: the result of SHOW CONNECTORS."""
type ConnectorListResult implements StatementResult {
  """Always \`connector_list\`."""
  type: String!
  """The statement that produced this result."""
  statementText: String!
  """Warnings ksqlDB attached to the result."""
  warnings: [StatementWarning!]!
  """The result exactly as ksqlDB sent it."""
  raw: JSON!

  """Every connector."""
  connectors: [ConnectorSummary!]!
}

"""A connector in a listing."""
type ConnectorSummary {
  """The connector name."""
  name: String!

  """\`source\` or \`sink\`, when known."""
  type: String

  """The connector class, when known."""
  className: String

  """The connector state, e.g. \`RUNNING\`, when known."""
  state: String
}

"""\`connector_plugins_list\`: the result of SHOW CONNECTOR PLUGINS."""
type ConnectorPluginsResult implements StatementResult {
  """Always \`connector_plugins_list\`."""
  type: String!
  """The statement that produced this result."""
  statementText: String!
  """Warnings ksqlDB attached to the result."""
  warnings: [StatementWarning!]!
  """The result exactly as ksqlDB sent it."""
  raw: JSON!

  """Every installed connector plugin (ksqlDB's \`connectorsPlugins\` field)."""
  connectorPlugins: [ConnectorPlugin!]!
}

"""An installed connector plugin."""
type ConnectorPlugin {
  """The plugin class."""
  className: String!

  """\`source\` or \`sink\`."""
  type: String!

  """The plugin version."""
  version: String!
}

"""\`connector_description\`: the result of DESCRIBE CONNECTOR."""
type ConnectorDescriptionResult implements StatementResult {
  """Always \`connector_description\`."""
  type: String!
  """The statement that produced this result."""
  statementText: String!
  """Warnings ksqlDB attached to the result."""
  warnings: [StatementWarning!]!
  """The result exactly as ksqlDB sent it."""
  raw: JSON!

  """The connector class."""
  connectorClass: String!

  """The connector and task states as Kafka Connect reports them."""
  status: JSON

  """The sources created from the connector's topics."""
  sources: [SourceDescription!]!

  """
  The connector's topics (ksqlDB's \`topics\` field, renamed so that it does not
  clash with \`TopicsResult.topics\` when both are selected).
  """
  topicNames: [String!]!
}

"""\`assert_topic\`: the result of a successful ASSERT [NOT EXISTS] TOPIC (a failed one is an error with code \`KSQL_ASSERTION_FAILED\`)."""
type AssertTopicResult implements StatementResult {
  """Always \`assert_topic\`."""
  type: String!
  """The statement that produced this result."""
  statementText: String!
  """Warnings ksqlDB attached to the result."""
  warnings: [StatementWarning!]!
  """The result exactly as ksqlDB sent it."""
  raw: JSON!

  """The topic."""
  topicName: String!

  """True when the topic exists."""
  exists: Boolean!
}

"""\`assert_schema\`: the result of a successful ASSERT [NOT EXISTS] SCHEMA."""
type AssertSchemaResult implements StatementResult {
  """Always \`assert_schema\`."""
  type: String!
  """The statement that produced this result."""
  statementText: String!
  """Warnings ksqlDB attached to the result."""
  warnings: [StatementWarning!]!
  """The result exactly as ksqlDB sent it."""
  raw: JSON!

  """The Schema Registry subject, if asserted by subject."""
  subject: String

  """The schema id, if asserted by id."""
  id: Int

  """True when the schema exists."""
  exists: Boolean!
}

"""\`topicDescription\`: registered by ksqlDB but not produced by current servers."""
type TopicDescriptionResult implements StatementResult {
  """Always \`topicDescription\`."""
  type: String!
  """The statement that produced this result."""
  statementText: String!
  """Warnings ksqlDB attached to the result."""
  warnings: [StatementWarning!]!
  """The result exactly as ksqlDB sent it."""
  raw: JSON!

  """The name."""
  name: String!

  """The Kafka topic."""
  topic: String!

  """The format."""
  format: String!

  """The schema, as a string."""
  schemaString: String!
}

"""\`executionPlan\`: registered by ksqlDB but not produced by current servers."""
type ExecutionPlanResult implements StatementResult {
  """Always \`executionPlan\`."""
  type: String!
  """The statement that produced this result."""
  statementText: String!
  """Warnings ksqlDB attached to the result."""
  warnings: [StatementWarning!]!
  """The result exactly as ksqlDB sent it."""
  raw: JSON!

  """The execution plan, as text."""
  executionPlan: String!
}

"""A kind of result this gateway does not know (a newer ksqlDB); its content is in \`raw\`."""
type UnknownStatementResult implements StatementResult {
  """ksqlDB's \`@type\` of the result."""
  type: String!
  """The statement that produced this result."""
  statementText: String!
  """Warnings ksqlDB attached to the result."""
  warnings: [StatementWarning!]!
  """The result exactly as ksqlDB sent it."""
  raw: JSON!
}
`;
