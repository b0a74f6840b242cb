/**
 * One realistic entity per ksqlDB `@type` (shapes of ksqlDB's `KsqlEntity` classes), plus
 * one of a kind the gateway does not know, for statement-result tests.
 *
 * @module
 */
import type { KnownKsqlEntity, KsqlEntity, RunningQuery, SourceDescription } from '../../protocol/index.js';

const warnings: Array<{ message: string }> = [];

const runningQuery: RunningQuery = {
  queryString: 'CREATE STREAM S2 AS SELECT * FROM S1 EMIT CHANGES;',
  sinks: ['S2'],
  sinkKafkaTopics: ['S2'],
  id: 'CSAS_S2_1',
  statusCount: { RUNNING: 1 },
  queryType: 'PERSISTENT',
  state: 'RUNNING',
};

const sourceDescription: SourceDescription = {
  name: 'S1',
  windowType: null,
  readQueries: [runningQuery],
  writeQueries: [],
  fields: [
    { name: 'ID', schema: { type: 'STRING', fields: null, memberSchema: null }, type: 'KEY' },
    { name: 'V', schema: { type: 'BIGINT', fields: null, memberSchema: null } },
    {
      name: 'AMOUNT',
      schema: { type: 'DECIMAL', fields: null, memberSchema: null, parameters: { precision: 4, scale: 2 } },
    },
    {
      name: 'S',
      schema: {
        type: 'STRUCT',
        fields: [{ name: 'A', schema: { type: 'INTEGER', fields: null, memberSchema: null } }],
        memberSchema: null,
      },
    },
  ],
  type: 'STREAM',
  timestamp: '',
  statistics: '',
  errorStats: '',
  extended: false,
  keyFormat: 'KAFKA',
  valueFormat: 'JSON',
  topic: 's1',
  partitions: 1,
  replication: 1,
  statement: "CREATE STREAM S1 (ID STRING KEY, V BIGINT) WITH (kafka_topic='s1', value_format='JSON');",
  queryOffsetSummaries: [],
  sourceConstraints: [],
  clusterStatistics: [],
  clusterErrorStats: [],
};

const queryDescription = {
  id: 'CSAS_S2_1',
  statementText: runningQuery.queryString,
  windowType: null,
  fields: sourceDescription.fields,
  sources: ['S1'],
  sinks: ['S2'],
  topology: 'Topologies: ...',
  executionPlan: ' > [ SINK ] ...',
  overriddenProperties: {},
  ksqlHostQueryStatus: { 'localhost:8088': 'RUNNING' },
  queryType: 'PERSISTENT',
  queryErrors: [],
  tasksMetadata: [],
  consumerGroupId: '_confluent-ksql-default_query_CSAS_S2_1',
  state: 'RUNNING',
};

/** Keyed by `@type`; the values are what the client returns. */
export const ENTITY_FIXTURES: Record<KnownKsqlEntity['@type'], KnownKsqlEntity> = {
  currentStatus: {
    '@type': 'currentStatus',
    statementText: 'CREATE STREAM S1 (ID STRING KEY, V BIGINT) WITH (kafka_topic=\'s1\', value_format=\'JSON\', partitions=1);',
    commandId: 'stream/`S1`/create',
    commandStatus: { status: 'SUCCESS', message: 'Stream created', queryId: null },
    commandSequenceNumber: 2,
    warnings,
  },
  properties: {
    '@type': 'properties',
    statementText: 'SHOW PROPERTIES;',
    properties: [
      { name: 'ksql.streams.auto.offset.reset', scope: 'KSQL', value: 'latest', editable: true, level: 'SERVER' },
    ],
    overwrittenProperties: [],
    defaultProperties: ['ksql.streams.auto.offset.reset'],
    warnings,
  },
  queries: { '@type': 'queries', statementText: 'SHOW QUERIES;', queries: [runningQuery], warnings },
  query_descriptions: {
    '@type': 'query_descriptions',
    statementText: 'SHOW QUERIES EXTENDED;',
    queryDescriptions: [queryDescription],
    warnings,
  },
  queryDescription: {
    '@type': 'queryDescription',
    statementText: 'EXPLAIN CSAS_S2_1;',
    queryDescription,
    warnings,
  },
  sourceDescription: { '@type': 'sourceDescription', statementText: 'DESCRIBE S1;', sourceDescription, warnings },
  source_descriptions: {
    '@type': 'source_descriptions',
    statementText: 'SHOW STREAMS EXTENDED;',
    sourceDescriptions: [sourceDescription],
    warnings,
  },
  streams: {
    '@type': 'streams',
    statementText: 'SHOW STREAMS;',
    streams: [{ type: 'STREAM', name: 'S1', topic: 's1', keyFormat: 'KAFKA', valueFormat: 'JSON', isWindowed: false }],
    warnings,
  },
  tables: {
    '@type': 'tables',
    statementText: 'SHOW TABLES;',
    tables: [{ type: 'TABLE', name: 'T1', topic: 't1', keyFormat: 'KAFKA', valueFormat: 'JSON', isWindowed: true }],
    warnings,
  },
  kafka_topics: {
    '@type': 'kafka_topics',
    statementText: 'SHOW TOPICS;',
    topics: [{ name: 's1', replicaInfo: [1] }],
    warnings,
  },
  kafka_topics_extended: {
    '@type': 'kafka_topics_extended',
    statementText: 'SHOW TOPICS EXTENDED;',
    topics: [{ name: 's1', replicaInfo: [1], consumerCount: 2, consumerGroupCount: 1 }],
    warnings,
  },
  function_names: {
    '@type': 'function_names',
    statementText: 'SHOW FUNCTIONS;',
    functions: [{ name: 'UCASE', type: 'SCALAR', category: 'STRING' }],
    warnings,
  },
  describe_function: {
    '@type': 'describe_function',
    statementText: 'DESCRIBE FUNCTION UCASE;',
    name: 'UCASE',
    description: 'Converts a string to uppercase.',
    author: 'Confluent',
    version: '',
    path: 'internal',
    type: 'SCALAR',
    functions: [
      {
        arguments: [{ name: 'input', type: 'VARCHAR', description: '', isVariadic: false }],
        returnType: 'VARCHAR',
        description: 'Converts a string to uppercase.',
        argumentTypes: ['VARCHAR'],
      },
    ],
    warnings,
  },
  type_list: {
    '@type': 'type_list',
    statementText: 'SHOW TYPES;',
    types: {
      ADDRESS: {
        type: 'STRUCT',
        fields: [{ name: 'STREET', schema: { type: 'STRING', fields: null, memberSchema: null } }],
        memberSchema: null,
      },
    },
    warnings,
  },
  warning_entity: {
    '@type': 'warning_entity',
    statementText: 'CREATE STREAM IF NOT EXISTS S1 ...;',
    message: 'Cannot add stream `S1`: A stream with the same name already exists.',
    warnings,
  },
  variables: {
    '@type': 'variables',
    statementText: 'SHOW VARIABLES;',
    variables: [{ name: 'topic', value: 'orders' }],
    warnings,
  },
  terminate_query: {
    '@type': 'terminate_query',
    statementText: 'TERMINATE transient_S1_1;',
    queryId: 'transient_S1_1',
    wasTerminated: true,
    warnings,
  },
  connector_info: {
    '@type': 'connector_info',
    statementText: "CREATE SOURCE CONNECTOR C WITH ('connector.class'='X');",
    info: { name: 'C', config: { 'connector.class': 'X' }, tasks: [{ connector: 'C', task: 0 }], type: 'source' },
    warnings,
  },
  drop_connector: { '@type': 'drop_connector', statementText: 'DROP CONNECTOR C;', connectorName: 'C', warnings },
  connector_list: {
    '@type': 'connector_list',
    statementText: 'SHOW CONNECTORS;',
    connectors: [{ name: 'C', type: 'source', className: 'X', state: 'RUNNING' }, { name: 'D' }],
    warnings,
  },
  connector_plugins_list: {
    '@type': 'connector_plugins_list',
    statementText: 'SHOW CONNECTOR PLUGINS;',
    connectorsPlugins: [{ className: 'X', type: 'source', version: '1.0' }],
    warnings,
  },
  connector_description: {
    '@type': 'connector_description',
    statementText: 'DESCRIBE CONNECTOR C;',
    connectorClass: 'X',
    status: { name: 'C', connector: { state: 'RUNNING', worker_id: 'w:8083' }, tasks: [], type: 'source' },
    sources: [sourceDescription],
    topics: ['s1'],
    warnings,
  },
  assert_topic: {
    '@type': 'assert_topic',
    statementText: 'ASSERT TOPIC s1;',
    topicName: 's1',
    exists: true,
    warnings,
  },
  assert_schema: {
    '@type': 'assert_schema',
    statementText: "ASSERT SCHEMA SUBJECT 's1-value';",
    subject: 's1-value',
    id: null,
    exists: true,
    warnings,
  },
  topicDescription: {
    '@type': 'topicDescription',
    statementText: 'DESCRIBE TOPIC s1;',
    name: 's1',
    topic: 's1',
    format: 'JSON',
    schemaString: '{}',
    warnings,
  },
  executionPlan: {
    '@type': 'executionPlan',
    statementText: 'EXPLAIN ...;',
    executionPlan: ' > [ SINK ] ...',
    warnings: [{ message: 'registered but never produced' }],
  },
};

/** An entity of a kind this gateway does not know. */
export const UNKNOWN_ENTITY: KsqlEntity = {
  '@type': 'shiny_new_thing',
  statementText: 'SHOW SHINY THINGS;',
  warnings: [{ message: 'experimental' }],
  shiny: { level: 11, tags: ['a', 'b'] },
};
