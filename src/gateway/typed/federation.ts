/**
 * The gateway as an Apollo Federation v2 subgraph (see docs/federation.md).
 *
 * - Entities are the typed schema's materialized, unwindowed tables
 *   ({@link EntitySpec}): their object type gets `@key(fields: "<key
 *   fields>")` in the SDL, and `__resolveReference` (built by build.ts) turns
 *   a representation into one batched pull-query key lookup.
 * - `@apollo/subgraph`'s `buildSubgraphSchema` validates the SDL against the
 *   federation spec, adds `_service { sdl }` (printed from the AST, so the
 *   `@key` directives are in it), `_entities` and `_Entity`, and prints the
 *   SDL handed to composition.
 * - The resolvers are then attached exactly as {@link makeGatewaySchema}
 *   attaches them (graphql-tools: scalar instances, `__resolveType`,
 *   `{ subscribe, resolve }`, resolvers inherited from interfaces), because
 *   `buildSubgraphSchema`'s own resolver attachment knows none of the
 *   inheritance and rebuilds no scalar; only `__resolveReference` is moved to
 *   where `_entities` looks for it (`extensions.apollo.subgraph`).
 *
 * @module
 */
import { buildSubgraphSchema } from '@apollo/subgraph';
import { makeExecutableSchema } from '@graphql-tools/schema';
import { MapperKind, mapSchema } from '@graphql-tools/utils';
import {
  GraphQLObjectType,
  Kind,
  parse,
  type ConstDirectiveNode,
  type DefinitionNode,
  type DocumentNode,
  type GraphQLSchema,
} from 'graphql';
import { typeDefs as genericTypeDefs, type ResolverMap, type SchemaPart } from '../schema/index.js';
import type { EntitySpec } from './build.js';

/**
 * The federation spec the subgraph links. Only `@key` (with `resolvable`) is
 * used, which v2.0 has: the oldest v2 keeps the subgraph composable by every
 * v2 router and gateway.
 */
export const FEDERATION_SPEC_URL = 'https://specs.apollo.dev/federation/v2.0';

/** The federation directives the SDL imports (used without the `federation__` prefix). */
export const FEDERATION_IMPORTS: readonly string[] = ['@key'];

/** A schema part that may declare entities (a {@link TypedPart} does). */
export interface SubgraphPart extends SchemaPart {
  readonly entities?: readonly EntitySpec[] | undefined;
}

function linkDocument(): DocumentNode {
  const imports = FEDERATION_IMPORTS.map((name) => JSON.stringify(name)).join(', ');
  return parse(`extend schema @link(url: ${JSON.stringify(FEDERATION_SPEC_URL)}, import: [${imports}])`);
}

/** `@key(fields: "a b")` for the given top-level field names. */
export function keyDirective(keyFields: readonly string[]): ConstDirectiveNode {
  if (keyFields.length === 0) throw new Error('An entity key needs at least one field');
  return {
    kind: Kind.DIRECTIVE,
    name: { kind: Kind.NAME, value: 'key' },
    arguments: [
      {
        kind: Kind.ARGUMENT,
        name: { kind: Kind.NAME, value: 'fields' },
        value: { kind: Kind.STRING, value: keyFields.join(' ') },
      },
    ],
  };
}

/**
 * `typeDefs` with `@key` on the definition of every entity's object type.
 * Throws if an entity has no object type definition in `typeDefs`.
 */
export function withEntityKeys(typeDefs: DocumentNode, entities: readonly EntitySpec[]): DocumentNode {
  if (entities.length === 0) return typeDefs;
  const keys = new Map(entities.map((e) => [e.typeName, keyDirective(e.keyFields)]));
  const definitions = typeDefs.definitions.map((def): DefinitionNode => {
    if (def.kind !== Kind.OBJECT_TYPE_DEFINITION) return def;
    const key = keys.get(def.name.value);
    if (key === undefined) return def;
    keys.delete(def.name.value);
    return { ...def, directives: [...(def.directives ?? []), key] };
  });
  if (keys.size > 0) throw new Error(`Entity type(s) without an object type definition: ${[...keys.keys()].join(', ')}`);
  return { ...typeDefs, definitions };
}

/**
 * Every part's SDL as one document, each scalar defined once (parts print
 * the scalars they use; graphql-tools merges such duplicates, federation's
 * schema builder would reject them).
 */
function subgraphDocuments(parts: readonly SubgraphPart[]): DocumentNode[] {
  const scalars = new Set<string>();
  const docs = [parse(genericTypeDefs), ...parts.map((p) => withEntityKeys(toDocument(p.typeDefs), p.entities ?? []))];
  return docs.map((doc) => ({
    ...doc,
    definitions: doc.definitions.filter((def) => {
      if (def.kind !== Kind.SCALAR_TYPE_DEFINITION) return true;
      if (scalars.has(def.name.value)) return false;
      scalars.add(def.name.value);
      return true;
    }),
  }));
}

function toDocument(typeDefs: string | DocumentNode): DocumentNode {
  return typeof typeDefs === 'string' ? parse(typeDefs) : typeDefs;
}

/**
 * The subgraph counterpart of {@link makeGatewaySchema}: the generic API with
 * `resolvers`, plus `parts` in order, plus the federation fields. Throws if
 * the SDL breaks the federation spec. Pure, like `makeGatewaySchema`.
 */
export function makeSubgraphSchema(resolvers: ResolverMap, parts: readonly SubgraphPart[] = []): GraphQLSchema {
  const resolverMaps = [resolvers, ...parts.flatMap((p) => (p.resolvers ? [p.resolvers] : []))];
  const modules = [linkDocument(), ...subgraphDocuments(parts)].map((typeDefs) => ({ typeDefs }));
  const schema = makeExecutableSchema({
    typeDefs: buildSubgraphSchema(modules),
    resolvers: resolverMaps,
    inheritResolversFromInterfaces: true,
  });
  const references = new Map<string, unknown>();
  for (const map of resolverMaps) {
    for (const [typeName, fields] of Object.entries(map)) {
      if (typeof fields['__resolveReference'] === 'function') references.set(typeName, fields['__resolveReference']);
    }
  }
  if (references.size === 0) return schema;
  return mapSchema(schema, {
    [MapperKind.OBJECT_TYPE]: (type) => {
      const resolveReference = references.get(type.name);
      if (resolveReference === undefined) return type;
      const config = type.toConfig();
      const apollo = (config.extensions['apollo'] ?? {}) as { subgraph?: Record<string, unknown> };
      return new GraphQLObjectType({
        ...config,
        extensions: { ...config.extensions, apollo: { ...apollo, subgraph: { ...apollo.subgraph, resolveReference } } },
      });
    },
  });
}
