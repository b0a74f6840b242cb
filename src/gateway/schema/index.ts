/**
 * The gateway's GraphQL schema: the generic API (`typeDefs`), its scalars,
 * the ksqlDB → GraphQL value encoding, and the assembly of an executable
 * schema from the generic part plus any further parts (the typed per-source
 * schema) so that a new combination can be built off to the side and swapped
 * in atomically.
 *
 * @module
 */
import { makeExecutableSchema } from '@graphql-tools/schema';
import type { DocumentNode, GraphQLSchema } from 'graphql';
import { typeDefs } from './type-defs.js';

export { typeDefs } from './type-defs.js';
export { selectedFieldNames } from './selection.js';
export { JSONScalar } from './json-scalar.js';
export { sqlTypeOfSchemaInfo } from './sql-types.js';
export { STATEMENT_RESULT_TYPES, UNKNOWN_STATEMENT_RESULT, statementResultTypeName } from './statement-results.js';
export { createRowShape, plainRowObject, rowCursor, rowObject, setRowCursor, ROW_CURSOR_FIELD, type ColumnView, type RowShape } from './value-encoding.js';

/**
 * A resolver map in graphql-tools form: type name → field name → resolver
 * (or `{ subscribe, resolve }`, or `__resolveType`, or `__serialize`, ...).
 */
export type ResolverMap = Record<string, Record<string, unknown>>;

/** A piece of schema merged on top of the generic API. */
export interface SchemaPart {
  /** SDL; may `extend type Query`, `Subscription`, ... */
  readonly typeDefs: string | DocumentNode;
  readonly resolvers?: ResolverMap | undefined;
}

/**
 * Builds the executable schema: the generic API with `resolvers`, plus
 * `parts` in order. Pure: the result can be swapped in with one assignment.
 */
export function makeGatewaySchema(resolvers: ResolverMap, parts: readonly SchemaPart[] = []): GraphQLSchema {
  return makeExecutableSchema({
    typeDefs: [typeDefs, ...parts.map((p) => p.typeDefs)],
    resolvers: [resolvers, ...parts.flatMap((p) => (p.resolvers ? [p.resolvers] : []))],
    inheritResolversFromInterfaces: true,
  });
}
