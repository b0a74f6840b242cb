/**
 * The typed schema: ksqlDB's streams and tables as GraphQL types with pull
 * queries, push-query subscriptions and inserts, kept in step with the
 * catalog (see docs/typed-schema.md).
 *
 * @module
 */
export { sourceFilter, DEFAULT_EXCLUDED_SOURCES, type Catalog } from './catalog.js';
export { buildTypedPart } from './build.js';
export { TypedSchemaManager } from './manager.js';
export { SourceSubscriptions } from './subscriptions.js';
export { makeSubgraphSchema } from './federation.js';

/** `GatewayOptions.typedSchema`. */
export interface TypedSchemaOptions {
  /**
   * Glob patterns (`*`, `?`; whole name, case-sensitive) of the sources to
   * include; empty = all.
   * @default []
   */
  readonly include?: readonly string[] | undefined;
  /**
   * Glob patterns of the sources to leave out (applied after `include`).
   * @default ['KSQL_PROCESSING_LOG']
   */
  readonly exclude?: readonly string[] | undefined;
  /**
   * Re-read the catalog this often; 0 = only at start and after DDL run
   * through the gateway.
   * @default 30000 (ms)
   */
  readonly refreshIntervalMs?: number | undefined;
  /** First retry delay while ksqlDB cannot be reached (doubles up to `retryMaxMs`). @default 500 (ms) */
  readonly retryInitialMs?: number | undefined;
  /** @default 30000 (ms) */
  readonly retryMaxMs?: number | undefined;
}
