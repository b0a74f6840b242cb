/**
 * The ksqlDB wire contract: types and codecs, no I/O. The only code the
 * embedded engine and the gateway share. See docs/protocol-ksql.md.
 *
 * @module
 */
export * from './rest-types.js';
export * from './error-codes.js';
export * from './content-types.js';
export * from './json.js';
export * from './query-stream.js';
export * from './schema-string.js';
export * from './paths.js';
