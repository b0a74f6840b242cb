/**
 * Engine statement results → ksqlDB entities (its `KsqlEntity` classes), with every
 * field ksqlDB sends, in Jackson's order.
 *
 * @module
 */
import {
  toFieldInfo,
  toSchemaInfo,
  type KsqlEntity,
  type QueryDescription,
  type RunningQuery,
  type SourceDescription,
  type SourceInfo,
} from '../../protocol/index.js';
import { assertNever } from '../../shared/errors.js';
import type { QueryDetails, QuerySummary, SourceDetails, SourceSummary, StatementResult } from '../index.js';


export function toRunningQuery(q: QuerySummary): RunningQuery {
  return {
    queryString: q.statementText,
    sinks: [...q.sinks],
    sinkKafkaTopics: [...q.sinkTopics],
    id: q.id,
    statusCount: { [q.state]: 1 },
    queryType: q.queryType,
    state: q.state,
  };
}

export function toQueryDescription(q: QueryDetails): QueryDescription {
  return {
    id: q.id,
    statementText: q.statementText,
    windowType: q.windowType,
    fields: q.columns.map((c) => toFieldInfo({ name: c.name, type: c.type, namespace: c.namespace, headerKey: c.headerKey })),
    sources: [...q.sources],
    sinks: [...q.sinks],
    topology: '',
    executionPlan: '',
    overriddenProperties: {},
    ksqlHostQueryStatus: { 'embedded:0': q.state },
    queryType: q.queryType,
    queryErrors: [],
    tasksMetadata: [],
    consumerGroupId: `_confluent-ksql-default_query_${q.id}`,
    state: q.state,
  };
}

export function toSourceInfo(s: SourceSummary): SourceInfo {
  return {
    type: s.sourceType,
    name: s.name,
    topic: s.topic,
    keyFormat: s.keyFormat,
    valueFormat: s.valueFormat,
    isWindowed: s.isWindowed,
  };
}

export function toSourceDescription(s: SourceDetails): SourceDescription {
  return {
    name: s.name,
    windowType: s.windowType,
    readQueries: s.readQueries.map(toRunningQuery),
    writeQueries: s.writeQueries.map(toRunningQuery),
    fields: s.columns.map((c) => toFieldInfo({ name: c.name, type: c.type, namespace: c.namespace, headerKey: c.headerKey })),
    type: s.sourceType,
    timestamp: s.timestamp,
    statistics: '',
    errorStats: '',
    extended: s.extended,
    keyFormat: s.keyFormat,
    valueFormat: s.valueFormat,
    topic: s.topic,
    partitions: s.partitions,
    replication: s.replication,
    statement: s.statement,
    queryOffsetSummaries: [],
    sourceConstraints: [],
    clusterStatistics: [],
    clusterErrorStats: [],
  };
}

export function toEntity(r: StatementResult): KsqlEntity {
  const warnings = r.warnings.map((message) => ({ message }));
  switch (r.kind) {
    case 'command':
      return {
        '@type': 'currentStatus',
        statementText: r.statementText,
        commandId: r.commandId,
        commandStatus: { status: r.status.status, message: r.status.message, queryId: r.status.queryId },
        commandSequenceNumber: r.commandSequenceNumber,
        warnings,
      };
    case 'sourceList':
      return r.sourceType === 'STREAM'
        ? { '@type': 'streams', statementText: r.statementText, streams: r.sources.map(toSourceInfo), warnings }
        : { '@type': 'tables', statementText: r.statementText, tables: r.sources.map(toSourceInfo), warnings };
    case 'sourceDescription':
      return {
        '@type': 'sourceDescription',
        statementText: r.statementText,
        sourceDescription: toSourceDescription(r.source),
        warnings,
      };
    case 'sourceDescriptionList':
      return {
        '@type': 'source_descriptions',
        statementText: r.statementText,
        sourceDescriptions: r.sources.map(toSourceDescription),
        warnings,
      };
    case 'queries':
      return { '@type': 'queries', statementText: r.statementText, queries: r.queries.map(toRunningQuery), warnings };
    case 'queryDescription':
      return { '@type': 'queryDescription', statementText: r.statementText, queryDescription: toQueryDescription(r.query), warnings };
    case 'queryDescriptionList':
      return {
        '@type': 'query_descriptions',
        statementText: r.statementText,
        queryDescriptions: r.queries.map(toQueryDescription),
        warnings,
      };
    case 'properties':
      return {
        '@type': 'properties',
        statementText: r.statementText,
        properties: r.properties.map((p) => ({
          name: p.name,
          scope: 'KSQL',
          value: p.value,
          editable: p.editable,
          level: p.level,
        })),
        overwrittenProperties: [...r.overwrittenProperties],
        defaultProperties: [...r.defaultProperties],
        warnings,
      };
    case 'topics':
      return r.extended
        ? {
            '@type': 'kafka_topics_extended',
            statementText: r.statementText,
            topics: r.topics.map((t) => ({
              name: t.name,
              replicaInfo: [...t.replicaInfo],
              consumerCount: t.consumerCount,
              consumerGroupCount: t.consumerGroupCount,
            })),
            warnings,
          }
        : {
            '@type': 'kafka_topics',
            statementText: r.statementText,
            topics: r.topics.map((t) => ({ name: t.name, replicaInfo: [...t.replicaInfo] })),
            warnings,
          };
    case 'warning':
      return { '@type': 'warning_entity', statementText: r.statementText, message: r.message, warnings };
    case 'terminateQuery':
      return {
        '@type': 'terminate_query',
        statementText: r.statementText,
        queryId: r.queryId,
        wasTerminated: r.wasTerminated,
        warnings,
      };
    case 'typeList':
      return {
        '@type': 'type_list',
        statementText: r.statementText,
        types: Object.fromEntries(r.types.map((t) => [t.name, toSchemaInfo(t.type)])),
        warnings,
      };
    case 'variables':
      return {
        '@type': 'variables',
        statementText: r.statementText,
        variables: r.variables.map((v) => ({ name: v.name, value: v.value })),
        warnings,
      };
    case 'functionList':
      return {
        '@type': 'function_names',
        statementText: r.statementText,
        functions: r.functions.map((f) => ({ name: f.name, type: f.type, category: f.category })),
        warnings,
      };
    case 'functionDescription':
      return {
        '@type': 'describe_function',
        statementText: r.statementText,
        name: r.name,
        description: r.description,
        author: 'Confluent',
        version: '',
        path: 'internal',
        type: 'SCALAR',
        functions: r.signatures.map((sig) => {
          const args = /\((.*)\)$/.exec(sig)?.[1] ?? '';
          const types = args === '' ? [] : args.split(', ');
          return {
            arguments: types.map((t, i) => ({ name: `arg${i + 1}`, type: t, description: '', isVariadic: t.endsWith('...') })),
            returnType: '',
            description: r.description,
            argumentTypes: types,
          };
        }),
        warnings,
      };
    default:
      return assertNever(r, 'statement result');
  }
}
