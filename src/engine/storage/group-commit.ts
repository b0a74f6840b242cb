/**
 * Group commit: writers append synchronously and mark their files dirty;
 * {@link GroupCommit.sync} resolves once an fdatasync round that started after
 * the caller's writes has finished. While a round is in flight, new writes
 * and waiters gather for the next one, so N concurrent producers cost one
 * round of fdatasyncs, not N.
 *
 * A failed fdatasync is fatal (the kernel may have dropped the dirty pages;
 * retrying could report success for lost data): every waiter, present and
 * future, is rejected with `STORAGE_SYNC_FAILED`.
 *
 * @module
 */
import { close, fdatasync, fsync, open } from 'node:fs';
import type { FrameFile } from './frames.js';
import { StorageError } from './log.js';

interface Waiter {
  readonly target: number;
  resolve(): void;
  reject(err: unknown): void;
}

const fdatasyncAsync = (fd: number) =>
  new Promise<void>((resolve, reject) => fdatasync(fd, (err) => (err ? reject(err) : resolve())));

/** fsync of a directory, so new and removed entries in it are durable. */
function fsyncDir(path: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    open(path, 'r', (err, fd) => {
      if (err) return reject(err);
      fsync(fd, (syncErr) => close(fd, () => (syncErr ? reject(syncErr) : resolve())));
    });
  });
}

export class GroupCommit {
  readonly #dirty = new Set<FrameFile>();
  readonly #dirtyDirs = new Set<string>();
  #waiters: Waiter[] = [];
  #after: (() => void)[] = [];
  #writes = 0;
  #durable = 0;
  #running = false;
  #failed: StorageError | undefined;
  /** Rounds completed (for tests and measurements). */
  rounds = 0;

  /** Records a write to `file` (durable after the next round). */
  wrote(file: FrameFile): void {
    this.#dirty.add(file);
    this.#writes++;
  }

  /** Records a new or removed entry in `dir`. */
  touchedDir(dir: string): void {
    this.#dirtyDirs.add(dir);
    this.#writes++;
  }

  /** Runs `action` once everything written so far is durable (e.g. removing a deleted topic's files). */
  afterDurable(action: () => void): void {
    this.#after.push(action);
    this.#writes++;
    this.#kick();
  }

  get failure(): StorageError | undefined {
    return this.#failed;
  }

  /** Resolves once everything written before the call is durable. */
  sync(): Promise<void> {
    if (this.#failed !== undefined) return Promise.reject(this.#failed);
    const target = this.#writes;
    if (target <= this.#durable) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      this.#waiters.push({ target, resolve, reject });
      this.#kick();
    });
  }

  #kick(): void {
    if (this.#running) return;
    this.#running = true;
    // One macrotask of gathering: writes from the same tick share the round.
    setImmediate(() => void this.#loop());
  }

  async #loop(): Promise<void> {
    try {
      while (this.#failed === undefined && (this.#waiters.length > 0 || this.#dirty.size > 0 || this.#after.length > 0 || this.#dirtyDirs.size > 0)) {
        const target = this.#writes;
        const files = [...this.#dirty];
        const dirs = [...this.#dirtyDirs];
        const after = this.#after;
        this.#dirty.clear();
        this.#dirtyDirs.clear();
        this.#after = [];
        try {
          await Promise.all([...files.map((f) => fdatasyncAsync(f.fd)), ...dirs.map(fsyncDir)]);
        } catch (err) {
          this.#failed = new StorageError('STORAGE_SYNC_FAILED', `Could not make writes durable: ${(err as Error).message}`, { cause: err });
          break;
        }
        this.#durable = target;
        this.rounds++;
        for (const action of after) {
          try {
            action();
          } catch {
            // Actions report their own failures; one must not stop the others.
          }
        }
        const waiting: Waiter[] = [];
        for (const w of this.#waiters) {
          if (w.target <= target) w.resolve();
          else waiting.push(w);
        }
        this.#waiters = waiting;
      }
    } finally {
      this.#running = false;
      if (this.#failed !== undefined) {
        for (const w of this.#waiters.splice(0)) w.reject(this.#failed);
      }
    }
  }
}
