/**
 * Persisted documents (`--persisted-documents FILE`, `--only-persisted`): a
 * request may send the id of a document of the manifest instead of the
 * document, as `documentId` (GraphQL over HTTP's persisted documents, sent
 * by graphql-codegen's client preset and Relay) or as
 * `extensions.persistedQuery.sha256Hash` (Apollo Client's persisted queries
 * link). With `only`, a request that sends a document is refused, unless it
 * carries the admin secret (who may run any statement anyway).
 *
 * HTTP and SSE go through yoga's `usePersistedOperations`; graphql-ws
 * subscribe payloads go through {@link PersistedDocumentsGuard.resolve},
 * which the transport calls before parsing (graphql-ws's `subscribe` payload
 * must carry a `query` string: send `""` with the id).
 *
 * Unknown ids are answered with Apollo's `PersistedQueryNotFound` message and
 * `PERSISTED_QUERY_NOT_FOUND` code, on which Apollo Client resends the whole
 * document (which runs unless `only`).
 *
 * @module
 */
import type { GraphQLError} from 'graphql';
import { parse } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { usePersistedOperations } from '@graphql-yoga/plugin-persisted-operations';
import { refusal } from '../errors/index.js';
import type { InitialContext } from './initial-context.js';

export interface PersistedDocumentsOptions {
  /** Documents by id; a leading `sha256:` of an id is optional, here and in requests. */
  readonly documents: ReadonlyMap<string, string>;
  /** Refuse documents that are not persisted. @default false */
  readonly only?: boolean | undefined;
  /** Callers allowed to send any document under `only` (the admin). */
  readonly mayBypass?: ((context: InitialContext) => boolean) | undefined;
}

/** What a request sends: a document, or an id, or both. */
export interface PersistedParams {
  readonly query?: unknown;
  readonly documentId?: unknown;
  readonly extensions?: unknown;
}

export interface PersistedDocumentsGuard {
  readonly plugin: Plugin;
  /**
   * The document to run for a graphql-ws subscribe payload (the document
   * sent, or the persisted one), or the refusal.
   */
  resolve(params: PersistedParams, context: InitialContext): { readonly query: string } | GraphQLError;
}

function normalize(id: string): string {
  return id.startsWith('sha256:') ? id.slice(7) : id;
}

/** The persisted document id a request carries, if any. */
export function persistedDocumentId(params: PersistedParams): string | undefined {
  if (typeof params.documentId === 'string' && params.documentId !== '') return params.documentId;
  const extensions = params.extensions;
  if (typeof extensions !== 'object' || extensions === null) return undefined;
  const persisted = (extensions as { persistedQuery?: unknown }).persistedQuery;
  if (typeof persisted !== 'object' || persisted === null) return undefined;
  const { version, sha256Hash } = persisted as { version?: unknown; sha256Hash?: unknown };
  return version === 1 && typeof sha256Hash === 'string' && sha256Hash !== '' ? sha256Hash : undefined;
}

const notFound = () =>
  refusal('PERSISTED_QUERY_NOT_FOUND', 'PersistedQueryNotFound', {
    extensions: { detail: 'No persisted document has this id.' },
  });
const notPersisted = () =>
  refusal(
    'DOCUMENT_NOT_PERSISTED',
    'Only persisted documents run on this gateway (--only-persisted): send the id of a persisted document instead of the document.',
  );
const documentRequired = () =>
  refusal('DOCUMENT_REQUIRED', 'Send a document (query) or the id of a persisted document (documentId).');

/**
 * The lookup table: ids without their `sha256:` prefix, every document
 * parsed once so that a broken manifest fails at start, naming the id.
 */
function lookupTable(documents: ReadonlyMap<string, string>): Map<string, string> {
  const table = new Map<string, string>();
  for (const [id, document] of documents) {
    const key = normalize(id);
    if (table.has(key) && table.get(key) !== document) {
      throw new Error(`persisted documents ${JSON.stringify(id)} and ${JSON.stringify(key)} differ`);
    }
    table.set(key, document);
    try {
      parse(document, { noLocation: true });
    } catch (error) {
      throw new Error(
        `persisted document ${JSON.stringify(id)} does not parse: ${error instanceof Error ? error.message : String(error)}`,
        { cause: error },
      );
    }
  }
  return table;
}

export function createPersistedDocuments({ documents, only = false, mayBypass }: PersistedDocumentsOptions): PersistedDocumentsGuard {
  const table = lookupTable(documents);
  const lookup = (id: string) => table.get(normalize(id)) ?? null;
  const mayRunAny = (context: InitialContext) => !only || (mayBypass?.(context) ?? false);

  return {
    plugin: usePersistedOperations({
      getPersistedOperation: (id) => lookup(id),
      extractPersistedOperationId: (params) => persistedDocumentId(params as PersistedParams) ?? null,
      allowArbitraryOperations: (request) => mayRunAny({ request }),
      customErrors: { notFound, persistedQueryOnly: notPersisted, keyNotFound: documentRequired },
    }),
    resolve(params, context) {
      const query = typeof params.query === 'string' ? params.query : '';
      if (query.trim() !== '') return mayRunAny(context) ? { query } : notPersisted();
      const id = persistedDocumentId(params);
      if (id === undefined) return documentRequired();
      const document = lookup(id);
      return document === null ? notFound() : { query: document };
    },
  };
}
