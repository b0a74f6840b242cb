/**
 * The engine's storage as one unit: the record log, the command log, and
 * the durability barrier the engine awaits before acknowledging a write.
 * {@link createMemoryStorage} keeps nothing; `openFileStorage` (file.ts)
 * keeps everything under a data directory.
 *
 * @module
 */
import { createMemoryCommandStore, type CommandStore } from './commands.js';
import type { Broker } from './log.js';
import { createMemoryBroker } from './memory.js';

export interface EngineStorage {
  readonly broker: Broker;
  /**
   * The command log. When opened on existing data it already holds the
   * recovered commands, which the engine replays to rebuild its catalog and
   * restart its persistent queries.
   */
  readonly commands: CommandStore;
  /** False for in-memory storage. */
  readonly durable: boolean;
  /** The data directory, when durable. */
  readonly dataDir: string | undefined;
  /**
   * Resolves once everything written before the call (records, topics,
   * commands, consumer groups) is durable; rejects with `STORAGE_SYNC_FAILED`
   * if it cannot be. Concurrent callers share fdatasync rounds (group commit).
   */
  flush(): Promise<void>;
  /** Flushes, closes files and releases the data directory. Idempotent. */
  close(): Promise<void>;
}

export interface MemoryStorageOptions {
  /** Timestamps for records produced without one. @default Date.now */
  readonly now?: (() => number) | undefined;
}

export function createMemoryStorage({ now = Date.now }: MemoryStorageOptions = {}): EngineStorage {
  const broker = createMemoryBroker({ now });
  return {
    broker,
    commands: createMemoryCommandStore(),
    durable: false,
    dataDir: undefined,
    flush: () => Promise.resolve(),
    close() {
      broker.close();
      return Promise.resolve();
    },
  };
}
