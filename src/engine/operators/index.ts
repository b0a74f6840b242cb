/**
 * Synchronous push operators, one per file, and the pipeline builder.
 *
 * @module
 */
export * from './operator.js';
export * from './evaluate.js';
export * from './source.js';
export * from './filter.js';
export * from './project.js';
export * from './limit.js';
export * from './aggregate.js';
export * from './join.js';
export * from './window.js';
export * from './keys.js';
export * from './sink.js';
export * from './state-store.js';
export * from './pipeline.js';
