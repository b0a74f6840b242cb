/**
 * SQL types and values: representation, coercion, comparison, JSON
 * encodings and key/value formats. No knowledge of SQL text or the catalog.
 *
 * @module
 */
export * from './sql-type.js';
export * from './decimal.js';
export * from './value.js';
export * from './json.js';
export * from './coerce.js';
export * from './compare.js';
export * from './serde.js';
