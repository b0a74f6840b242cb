/**
 * Until the typed schema is built (the gateway just started, or ksqlDB
 * cannot be read yet), an operation that selects a root field the served
 * (generic) schema lacks fails validation. Such failures are answered with
 * one retryable `SCHEMA_NOT_READY` error naming the fields, instead of
 * `GRAPHQL_VALIDATION_FAILED`, so clients retry rather than give up. Once
 * the typed schema is ready, validation errors are left as they are.
 *
 * @module
 */
import { Kind, type DocumentNode, type GraphQLSchema } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { schemaNotReady } from '../errors/index.js';
import { rootFieldNames } from './root-fields.js';

export interface SchemaReadinessOptions {
  /** True once the typed schema has been built. */
  readonly ready: () => boolean;
}

/** Root fields of the document's operations that `schema` does not have. */
export function missingRootFields(document: DocumentNode, schema: GraphQLSchema): string[] {
  const missing = new Set<string>();
  for (const def of document.definitions) {
    if (def.kind !== Kind.OPERATION_DEFINITION) continue;
    const root = schema.getRootType(def.operation);
    const fields = root?.getFields() ?? {};
    for (const name of rootFieldNames(document, def)) {
      if (!name.startsWith('__') && !(name in fields)) missing.add(name);
    }
  }
  return [...missing];
}

export function useSchemaReadiness({ ready }: SchemaReadinessOptions): Plugin {
  return {
    onValidate({ params }) {
      return ({ result, setResult }) => {
        if (result.length === 0 || ready()) return;
        const missing = missingRootFields(params.documentAST as DocumentNode, params.schema as GraphQLSchema); // envelop types them any
        if (missing.length > 0) setResult([schemaNotReady(missing)]);
      };
    },
  };
}
