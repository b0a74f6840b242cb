/**
 * ksqlDB entity kinds (`@type`) and the GraphQL object type that shows each
 * one. Every kind in the protocol's `ENTITY_TYPES` has an entry (checked by
 * the type of the table and by a test); any other `@type` is shown as
 * `UnknownStatementResult`.
 *
 * @module
 */
import type { KsqlEntityType } from '../../protocol/index.js';

export const STATEMENT_RESULT_TYPES = {
  currentStatus: 'CommandStatusResult',
  properties: 'PropertiesResult',
  queries: 'QueriesResult',
  query_descriptions: 'QueryDescriptionsResult',
  queryDescription: 'QueryDescriptionResult',
  sourceDescription: 'SourceDescriptionResult',
  source_descriptions: 'SourceDescriptionsResult',
  streams: 'StreamsResult',
  tables: 'TablesResult',
  kafka_topics: 'TopicsResult',
  kafka_topics_extended: 'TopicsExtendedResult',
  function_names: 'FunctionsResult',
  describe_function: 'FunctionDescriptionResult',
  type_list: 'TypesResult',
  warning_entity: 'WarningResult',
  variables: 'VariablesResult',
  terminate_query: 'TerminateQueryResult',
  connector_info: 'ConnectorInfoResult',
  drop_connector: 'DropConnectorResult',
  connector_list: 'ConnectorListResult',
  connector_plugins_list: 'ConnectorPluginsResult',
  connector_description: 'ConnectorDescriptionResult',
  assert_topic: 'AssertTopicResult',
  assert_schema: 'AssertSchemaResult',
  topicDescription: 'TopicDescriptionResult',
  executionPlan: 'ExecutionPlanResult',
} as const satisfies Record<KsqlEntityType, string>;

export const UNKNOWN_STATEMENT_RESULT = 'UnknownStatementResult';

const BY_TYPE = new Map<string, string>(Object.entries(STATEMENT_RESULT_TYPES));

/** The GraphQL type name for an entity's `@type`. */
export function statementResultTypeName(entityType: unknown): string {
  return (typeof entityType === 'string' && BY_TYPE.get(entityType)) || UNKNOWN_STATEMENT_RESULT;
}
