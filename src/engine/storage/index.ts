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
export { openFileStorage, DataDirLockedError, type FileStorage, type FileStorageOptions } from './file.js';
export { crc32 } from './crc32.js';
export { createReplayBroker, createReplayCommandStore, type ReplayBroker, type ReplayCommandStore } from './replay.js';
export { openStateDb, encodeState, type StateDb, type CheckpointWrite, type LoadedCheckpoint } from './state-db.js';
