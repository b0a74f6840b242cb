/**
 * Keeps the typed schema in step with ksqlDB's catalog:
 *
 * - `start()` reads the catalog in the background; the gateway serves the
 *   generic schema meanwhile. While ksqlDB cannot be reached the read is
 *   retried with exponential backoff (never a hang, never an unhandled
 *   rejection) and {@link TypedSchemaManager.ready} stays false.
 * - `refresh()` re-reads it (after DDL run through the gateway, and on the
 *   interval): concurrent calls share one read, and a call made while a read
 *   runs gets a fresh read after it. When the fingerprint is unchanged
 *   nothing is swapped.
 * - A changed catalog is built off to the side and swapped in with one
 *   assignment (`apply`); subscriptions on sources that are gone end with
 *   `SOURCE_DROPPED`; `schemaChanged` subscribers get one event.
 * - A refresh that fails (ksqlDB down, a catalog answer of the wrong shape,
 *   a schema that does not build) changes nothing: the last good typed
 *   schema stays served and `ready` stays as it was. Failures on the
 *   interval are logged with their cause.
 *
 * It keeps no state a second gateway instance would need: every instance
 * reads the catalog itself.
 *
 * @module
 */
import type { Logger } from '../../shared/logger.js';
import { AsyncQueue } from '../../shared/async-queue.js';
import type { KsqlClient } from '../ksql-client/types.js';
import { NOT_READY_SCHEMA_CHANGE, type SchemaChange } from '../resolvers/index.js';
import type { SchemaPart } from '../schema/index.js';
import { readCatalog, type Catalog, type CatalogSource } from './catalog.js';

export interface TypedSchemaManagerOptions {
  readonly client: KsqlClient;
  readonly logger: Logger;
  /** Builds the schema parts for a catalog (throws if it cannot). */
  readonly build: (catalog: Catalog) => readonly SchemaPart[];
  /** Swaps the built parts in (throws, keeping the old schema, if invalid). */
  readonly apply: (parts: readonly SchemaPart[]) => void;
  /** Called after a swap with the sources that are gone. */
  readonly onRemoved?: ((sources: readonly string[]) => void) | undefined;
  /** Keeps a source when true (include/exclude patterns). */
  readonly filter?: ((name: string) => boolean) | undefined;
  /**
   * Re-read the catalog this often; 0 turns the interval off (DDL through
   * the gateway still refreshes).
   * @default 30000 (ms)
   */
  readonly refreshIntervalMs?: number | undefined;
  /**
   * First retry delay while the catalog cannot be read; doubles up to
   * `retryMaxMs` (with ±20% jitter).
   * @default 500 (ms)
   */
  readonly retryInitialMs?: number | undefined;
  /** @default 30000 (ms) */
  readonly retryMaxMs?: number | undefined;
  /** Timeout of one catalog read. @default 10000 (ms) */
  readonly readTimeoutMs?: number | undefined;
  /**
   * Called as each refresh ends (metrics): it swapped a new schema in, found
   * the catalog unchanged, or failed (the old schema stays).
   */
  readonly onRefresh?: ((result: 'changed' | 'unchanged' | 'error') => void) | undefined;
}

const CHANGE_BUFFER = 64;

export class TypedSchemaManager {
  readonly #options: TypedSchemaManagerOptions;
  #catalog: Catalog | undefined;
  #version = 0;
  #lastChange: SchemaChange = NOT_READY_SCHEMA_CHANGE;
  #lastError: unknown;
  #running: Promise<boolean> | undefined;
  #queued: Promise<boolean> | undefined;
  #retryTimer: NodeJS.Timeout | undefined;
  #retryDelay: number;
  #interval: NodeJS.Timeout | undefined;
  #closed = false;
  readonly #listeners = new Set<AsyncQueue<SchemaChange>>();

  constructor(options: TypedSchemaManagerOptions) {
    this.#options = options;
    this.#retryDelay = options.retryInitialMs ?? 500;
  }

  /** True once the catalog has been read and a typed schema swapped in. */
  get ready(): boolean {
    return this.#catalog !== undefined;
  }

  /** The catalog the served typed schema was built from. */
  get catalog(): Catalog | undefined {
    return this.#catalog;
  }

  /** Why the last read failed (undefined after a success). */
  get lastError(): unknown {
    return this.#lastError;
  }

  get current(): SchemaChange {
    return this.#lastChange;
  }

  /** Reads the catalog in the background, retrying until it succeeds; starts the interval. */
  start(): void {
    if (this.#closed) return;
    void this.#initial();
    const every = this.#options.refreshIntervalMs ?? 30_000;
    if (every > 0) {
      this.#interval = setInterval(() => {
        if (this.ready) void this.refresh().catch((err: unknown) => this.#refreshFailed(err));
      }, every);
      this.#interval.unref();
    }
  }

  /**
   * A refresh on the interval failed: the served typed schema stays as it
   * is (and so does readiness); the failure is logged with its cause, since
   * nobody else awaits it.
   */
  #refreshFailed(err: unknown): void {
    if (this.#closed) return;
    this.#options.logger.warn(
      `typed schema: refresh failed, keeping typed schema v${this.#version} (${err instanceof Error ? err.message : String(err)})`,
      err,
    );
  }

  async #initial(): Promise<void> {
    if (this.#closed || this.ready) return;
    try {
      await this.refresh();
    } catch (err) {
      // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- close() may run while refresh() is awaited; TS keeps the narrowing across await
      if (this.#closed) return;
      const delay = Math.round(this.#retryDelay * (0.8 + Math.random() * 0.4));
      this.#options.logger.warn(
        `typed schema: cannot read the ksqlDB catalog (${err instanceof Error ? err.message : String(err)}); serving the generic schema, retrying in ${delay} ms`,
      );
      this.#retryDelay = Math.min(this.#retryDelay * 2, this.#options.retryMaxMs ?? 30_000);
      this.#retryTimer = setTimeout(() => void this.#initial(), delay);
      this.#retryTimer.unref();
    }
  }

  /**
   * Re-reads the catalog and swaps the typed schema if it changed. Resolves
   * true when it swapped; rejects when the catalog could not be read or the
   * schema not built (the old schema stays).
   */
  refresh(): Promise<boolean> {
    if (this.#closed) return Promise.resolve(false);
    if (!this.#running) {
      this.#running = this.#reported(this.#refreshOnce()).finally(() => {
        this.#running = undefined;
      });
      return this.#running;
    }
    // A read is running: it may have started before the change the caller
    // made, so queue one more read after it (shared by every caller now).
    this.#queued ??= this.#running
      .catch(() => false)
      .then(() => {
        this.#queued = undefined;
        return this.refresh();
      });
    return this.#queued;
  }

  /** Tells `onRefresh` how `refresh` ended. */
  async #reported(refresh: Promise<boolean>): Promise<boolean> {
    let swapped: boolean;
    try {
      swapped = await refresh;
    } catch (err) {
      this.#options.onRefresh?.('error');
      throw err;
    }
    this.#options.onRefresh?.(swapped ? 'changed' : 'unchanged');
    return swapped;
  }

  async #refreshOnce(): Promise<boolean> {
    let catalog: Catalog;
    try {
      catalog = await readCatalog(this.#options.client, {
        filter: this.#options.filter,
        timeoutMs: this.#options.readTimeoutMs ?? 10_000,
      });
    } catch (err) {
      this.#lastError = err;
      throw err;
    }
    if (this.#closed) return false;
    this.#lastError = undefined;
    const previous = this.#catalog;
    if (previous !== undefined && previous.fingerprint === catalog.fingerprint) return false;
    this.#options.apply(this.#options.build(catalog));
    this.#catalog = catalog;
    this.#retryDelay = this.#options.retryInitialMs ?? 500;
    const change = diff(previous, catalog, ++this.#version);
    this.#lastChange = change;
    this.#options.logger.info(
      `typed schema v${change.version}: ${change.sources.length} source(s)` +
        (change.added.length ? `, added ${change.added.join(', ')}` : '') +
        (change.removed.length ? `, removed ${change.removed.join(', ')}` : '') +
        (change.changed.length ? `, changed ${change.changed.join(', ')}` : ''),
    );
    if (change.removed.length > 0) this.#options.onRemoved?.(change.removed);
    for (const listener of this.#listeners) {
      // A listener that does not read its events is dropped, not buffered forever.
      if (!listener.push(change)) listener.end();
    }
    return true;
  }

  /** Whether `source` is in the catalog, read now (used when a push query ends by itself). */
  async sourceExists(source: string): Promise<boolean> {
    await this.refresh().catch(() => false);
    return this.#catalog?.sources.some((s) => s.name === source) ?? true;
  }

  /** The `schemaChanged` event stream: the current state, then every change. */
  changes(): AsyncIterableIterator<SchemaChange> {
    const queue: AsyncQueue<SchemaChange> = new AsyncQueue<SchemaChange>({
      capacity: CHANGE_BUFFER,
      onClose: () => this.#listeners.delete(queue),
    });
    queue.push(this.#lastChange);
    if (this.#closed) queue.end();
    else this.#listeners.add(queue);
    return queue;
  }

  /** Stops retries and the interval; ends `schemaChanged` streams. */
  close(): void {
    this.#closed = true;
    clearTimeout(this.#retryTimer);
    clearInterval(this.#interval);
    for (const listener of [...this.#listeners]) listener.end();
  }
}

function sourceKey(s: CatalogSource): string {
  return JSON.stringify(s);
}

function diff(previous: Catalog | undefined, next: Catalog, version: number): SchemaChange {
  const before = new Map((previous?.sources ?? []).map((s) => [s.name, sourceKey(s)]));
  const after = new Map(next.sources.map((s) => [s.name, sourceKey(s)]));
  const added = [...after.keys()].filter((n) => !before.has(n));
  const removed = [...before.keys()].filter((n) => !after.has(n));
  const scanChanged = previous !== undefined && previous.tableScanEnabled !== next.tableScanEnabled;
  const changed = [...after.keys()].filter(
    (n) => before.has(n) && (before.get(n) !== after.get(n) || (scanChanged && next.sources.find((s) => s.name === n)?.materialized)),
  );
  return {
    version,
    ready: true,
    fingerprint: next.fingerprint,
    sources: [...after.keys()],
    added,
    removed,
    changed,
  };
}
