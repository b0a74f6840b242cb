/**
 * Resolvers of `StatementResult` and its implementations. The parent object
 * is always the entity exactly as the client returned it; fields with the
 * same name as on the wire use the default resolver, the rest are here.
 *
 * @module
 */
import type { KsqlClient } from '../ksql-client/types.js';
import { sqlTypeOfSchemaInfo as sqlTypeOf, statementResultTypeName } from '../schema/index.js';

type KsqlEntity = Awaited<ReturnType<KsqlClient['ksql']>>[number];
/** As the client returned it: checked to be an object only (ksql-client), so any field may be missing. */
type Entity = Partial<KsqlEntity> & Record<string, unknown>;

interface SchemaInfoLike {
  readonly type: string;
}

interface FieldInfoLike {
  readonly name: string;
  readonly schema: SchemaInfoLike;
  readonly type?: string | undefined;
  readonly headerKey?: string | undefined;
}

function namespaceOf(field: FieldInfoLike): 'KEY' | 'VALUE' | 'HEADER' | 'HEADERS' {
  if (field.type === 'KEY') return 'KEY';
  if (field.type === 'HEADER') return field.headerKey === undefined ? 'HEADERS' : 'HEADER';
  return 'VALUE';
}

export const statementResultResolvers = {
  StatementResult: {
    __resolveType: (entity: Entity) => statementResultTypeName(entity['@type']),
    // Inherited by every implementation (inheritResolversFromInterfaces).
    type: (entity: Entity) => (typeof entity['@type'] === 'string' ? entity['@type'] : ''),
    statementText: (entity: Entity) => entity.statementText ?? '',
    warnings: (entity: Entity) => entity.warnings ?? [],
    raw: (entity: Entity) => entity,
  },
  FunctionDescriptionResult: {
    functionType: (entity: Entity) => entity['type'],
  },
  ConnectorPluginsResult: {
    connectorPlugins: (entity: Entity) => entity['connectorsPlugins'] ?? [],
  },
  ConnectorDescriptionResult: {
    topicNames: (entity: Entity) => entity['topics'] ?? [],
  },
  TypesResult: {
    types: (entity: Entity) =>
      Object.entries((entity['types'] ?? {}) as Record<string, SchemaInfoLike>).map(([name, schema]) => ({
        name,
        type: sqlTypeOf(schema),
        schema,
      })),
  },
  Field: {
    type: (field: FieldInfoLike) => sqlTypeOf(field.schema),
    namespace: (field: FieldInfoLike) => namespaceOf(field),
    headerKey: (field: FieldInfoLike) => field.headerKey ?? null,
  },
};
