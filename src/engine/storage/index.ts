/**
 * Storage behind interfaces: the record log (topics, partitions, offsets),
 * the command log, and the unit that bundles them ({@link EngineStorage}),
 * in memory or under a data directory.
 *
 * @module
 */
export * from './log.js';
export * from './memory.js';
export * from './partitioner.js';
export * from './commands.js';
export * from './sandbox.js';
export * from './storage.js';
export { openFileStorage, type FileStorageOptions } from './file.js';
export { createReplayBroker, createReplayCommandStore } from './replay.js';
export { openStateDb, encodeState, type StateDb, type CheckpointWrite, type LoadedCheckpoint } from './state-db.js';
