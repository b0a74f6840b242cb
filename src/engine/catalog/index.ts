/**
 * Streams, tables, custom types, WITH-clause validation and registered queries.
 *
 * @module
 */
export * from './schema.js';
export * from './source.js';
export * from './catalog.js';
export * from './queries.js';
export * from './with-properties.js';
