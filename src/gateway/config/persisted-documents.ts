/**
 * Reads a persisted documents manifest (`--persisted-documents FILE`). Two
 * formats are accepted, told apart by their shape:
 *
 * - an object from id to document text, as written by graphql-codegen's
 *   client preset (`persisted-documents.json`), Relay (`queryMap.json`) and
 *   GraphQL Hive: `{ "<id>": "query ..." }`;
 * - Apollo's persisted query manifest (`@apollo/generate-persisted-query-manifest`):
 *   `{ "format": "apollo-persisted-query-manifest", "version": 1,
 *   "operations": [{ "id": "...", "body": "query ...", "name": "...", "type": "query" }] }`.
 *
 * Ids are kept as written (the gateway's lookup treats a leading `sha256:`
 * as optional, see gateway/plugins/use-persisted-documents.ts).
 *
 * @module
 */
import { readFileSync } from 'node:fs';
import { ConfigError } from './index.js';

/** The documents of a manifest, by id. */
export type PersistedDocuments = ReadonlyMap<string, string>;

/** Parses a manifest's text; `where` names it in errors. */
export function parsePersistedDocuments(text: string, where: string): PersistedDocuments {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`${where}: not JSON (${err instanceof Error ? err.message : String(err)})`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new ConfigError(`${where}: expected a JSON object (id -> document, or an Apollo persisted query manifest)`);
  }
  const documents = new Map<string, string>();
  const add = (id: unknown, body: unknown, at: string) => {
    if (typeof id !== 'string' || id === '') throw new ConfigError(`${where}: ${at}: the id must be a non-empty string`);
    if (typeof body !== 'string' || body.trim() === '') {
      throw new ConfigError(`${where}: ${at}: the document must be a non-empty string`);
    }
    if (documents.has(id) && documents.get(id) !== body) {
      throw new ConfigError(`${where}: ${at}: id ${JSON.stringify(id)} appears twice with different documents`);
    }
    documents.set(id, body);
  };
  const record = json as Record<string, unknown>;
  if (record['format'] === 'apollo-persisted-query-manifest') {
    if (record['version'] !== 1) {
      throw new ConfigError(`${where}: Apollo manifest version ${JSON.stringify(record['version'])} is not supported (expected 1)`);
    }
    const operations = record['operations'];
    if (!Array.isArray(operations)) throw new ConfigError(`${where}: "operations" must be an array`);
    operations.forEach((op: unknown, i) => {
      if (typeof op !== 'object' || op === null) throw new ConfigError(`${where}: operations[${i}] must be an object`);
      const { id, body } = op as { id?: unknown; body?: unknown };
      add(id, body, `operations[${i}]`);
    });
  } else {
    for (const [id, body] of Object.entries(record)) add(id, body, `id ${JSON.stringify(id)}`);
  }
  if (documents.size === 0) throw new ConfigError(`${where}: the manifest holds no documents`);
  return documents;
}

/** Reads and parses the manifest at `path`. */
export function loadPersistedDocuments(path: string): PersistedDocuments {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    throw new ConfigError(`--persisted-documents: cannot read ${path}${typeof code === 'string' ? ` (${code})` : ''}`);
  }
  return parsePersistedDocuments(text, `--persisted-documents ${path}`);
}
