/**
 * The storage tests' temporary data directories and opened storages, all
 * removed and closed after each test.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import { openFileStorage, type FileStorage, type FileStorageOptions } from './file.js';
import type { EngineStorage } from './storage.js';

export function storageFixture(prefix: string) {
  const dirs: string[] = [];
  const opened: EngineStorage[] = [];
  afterEach(async () => {
    for (const s of opened.splice(0)) await s.close();
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });
  return {
    /** Storages to close after the test (tests may also take them out, having closed them). */
    opened,
    /** Opens a file storage, closed after the test unless {@link close}d before. */
    open(options: FileStorageOptions): FileStorage {
      const s = openFileStorage(options);
      opened.push(s);
      return s;
    },
    async close(s: EngineStorage): Promise<void> {
      opened.splice(opened.indexOf(s), 1);
      await s.close();
    },
    /** A new temporary directory. */
    tmp(): string {
      const d = mkdtempSync(join(tmpdir(), prefix));
      dirs.push(d);
      return d;
    },
  };
}
