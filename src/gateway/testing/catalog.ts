/**
 * Catalog fixtures for typed-schema tests with a fake client: ksqlDB
 * `sourceDescription`s as `LIST STREAMS/TABLES EXTENDED` returns them, and
 * the `source_descriptions` / `properties` entities around them.
 *
 * @module
 */
import type { KsqlEntity, RunningQuery, SourceDescription } from '../../protocol/index.js';

/** A column of a source description: `['ID', 'STRING', 'KEY']`, `['V', 'BIGINT']`. */
export type FieldSpec = readonly [name: string, type: string, namespace?: 'KEY'];

/** A source description with ksqlDB's defaults; `fields` as short specs. */
export function sourceDescription(
  name: string,
  extra: Partial<Omit<SourceDescription, 'fields'>> & { readonly fields?: readonly FieldSpec[] } = {},
): SourceDescription {
  const { fields = [['ID', 'STRING', 'KEY'], ['V', 'BIGINT']], ...rest } = extra;
  return {
    name,
    windowType: null,
    readQueries: [],
    writeQueries: [],
    type: 'STREAM',
    timestamp: '',
    statistics: '',
    errorStats: '',
    extended: true,
    keyFormat: 'KAFKA',
    valueFormat: 'JSON',
    topic: name.toLowerCase(),
    partitions: 1,
    replication: 1,
    statement: `CREATE STREAM ${name} ...;`,
    queryOffsetSummaries: [],
    sourceConstraints: [],
    clusterStatistics: [],
    clusterErrorStats: [],
    ...rest,
    fields: fields.map(([n, type, namespace]) => ({
      name: n,
      schema: { type, fields: null, memberSchema: null },
      ...(namespace === undefined ? {} : { type: namespace }),
    })),
  };
}

/** A running persistent query writing to `sink` (`CTAS_…`, `CSAS_…`, `CST_…` ids). */
export function persistentQuery(id: string, sink: string): RunningQuery {
  return {
    queryString: '',
    sinks: [sink],
    sinkKafkaTopics: [sink],
    id,
    statusCount: { RUNNING: 1 },
    queryType: 'PERSISTENT',
    state: 'RUNNING',
  };
}

/** A table materialized by a CTAS query. */
export function ctasTable(name: string, extra: Parameters<typeof sourceDescription>[1] = {}): SourceDescription {
  return sourceDescription(name, {
    type: 'TABLE',
    statement: `CREATE TABLE ${name} AS SELECT ...;`,
    writeQueries: [persistentQuery(`CTAS_${name}_1`, name)],
    ...extra,
  });
}

/** The answer to `LIST STREAMS EXTENDED; LIST TABLES EXTENDED;` holding `sources`. */
export function sourceDescriptionsEntity(sources: readonly SourceDescription[]): KsqlEntity {
  return { '@type': 'source_descriptions', statementText: 'LIST STREAMS EXTENDED;', sourceDescriptions: [...sources], warnings: [] };
}

/** The answer to `SHOW PROPERTIES;` with the given server properties. */
export function propertiesEntity(properties: Readonly<Record<string, string>>): KsqlEntity {
  return {
    '@type': 'properties',
    statementText: 'SHOW PROPERTIES;',
    properties: Object.entries(properties).map(([name, value]) => ({ name, scope: 'KSQL', value })),
    overwrittenProperties: [],
    defaultProperties: [],
    warnings: [],
  };
}
