/**
 * Storage behind interfaces: the record log (topics, partitions, offsets)
 * and the command log. In-memory implementations for now.
 *
 * @module
 */
export * from './log.js';
export * from './memory.js';
export * from './partitioner.js';
export * from './commands.js';
export * from './sandbox.js';
