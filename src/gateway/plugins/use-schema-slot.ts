/**
 * Serves a schema that can be replaced at run time. `replace()` swaps it
 * atomically (one assignment inside envelop): operations that already
 * started keep the schema they started with, later ones get the new one.
 * Works for HTTP and graphql-ws alike, since both go through `getEnveloped`.
 *
 * @module
 */
import type { GraphQLSchema } from 'graphql';
import type { Plugin } from 'graphql-yoga';

export interface SchemaSlot {
  /** The plugin to register with yoga (exactly once). */
  readonly plugin: Plugin;
  /** The schema served now. */
  readonly current: GraphQLSchema;
  /** Serves `schema` from now on. */
  replace(schema: GraphQLSchema): void;
}

export function createSchemaSlot(initial: GraphQLSchema): SchemaSlot {
  let current = initial;
  let setSchema: ((schema: GraphQLSchema) => void) | undefined;
  return {
    plugin: {
      onPluginInit(context) {
        setSchema = context.setSchema;
        setSchema(current);
      },
    },
    get current() {
      return current;
    },
    replace(schema) {
      current = schema;
      setSchema?.(schema);
    },
  };
}
