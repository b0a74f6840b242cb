/**
 * File-backed storage under a data directory:
 *
 * ```
 * <dataDir>/
 *   LOCK                      pid of the process using the directory
 *   meta.log                  topic creations/deletions, consumer-group starts
 *   commands.log              the command log (statements replayed at start)
 *   topics/<id>/<partition>/<first offset, 20 digits>.log   record segments
 * ```
 *
 * Every `.log` file is a sequence of CRC-checked frames (`frames.ts`). Topics
 * live in directories named by a numeric id given at creation, so a topic
 * dropped and created again never meets its predecessor's data. The broker
 * is {@link MemoryBroker} over {@link SegmentLog}s (`segment-log.ts`), which
 * keep an index in memory and read records from their segments through a
 * shared {@link BlockCache}; this file is its journal and its recovery. See
 * README.md in this folder for the design.
 *
 * @module
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { silentLogger, type Logger } from '../../shared/logger.js';
import type { CommandRecord, CommandStatusRecord, CommandStore } from './commands.js';
import { isCompacted } from './compaction.js';
import type { FrameFile} from './frames.js';
import { encodeFrame, openFrameFile } from './frames.js';
import { GroupCommit } from './group-commit.js';
import { BlockCache } from './block-cache.js';
import { describeNewTopic, StorageError, type TopicDescription } from './log.js';
import { MemoryBroker, type BrokerJournal, type RestoredTopic } from './memory.js';
import type { Partitioner } from './partitioner.js';
import { SegmentLog, type SegmentLogContext } from './segment-log.js';
import type { EngineStorage } from './storage.js';

export interface FileStorageOptions {
  /** The data directory; created if absent. Relative paths resolve against the working directory. */
  readonly dir: string;
  /** Warnings about cut-off tails and removed leftovers. @default a silent logger */
  readonly logger?: Logger | undefined;
  /** Timestamps for records produced without one. @default Date.now */
  readonly now?: (() => number) | undefined;
  /** @default Kafka's murmur2 partitioner */
  readonly partitioner?: Partitioner | undefined;
  /**
   * A partition's active segment is closed and a new one started past this size.
   * @default 67108864 (bytes, 64 MiB)
   */
  readonly segmentBytes?: number | undefined;
  /**
   * Budget of the cache of decoded records read from the segments (and of
   * records just written, kept for the consumers that read them next).
   * Estimated heap bytes, see `block-cache.ts`.
   * @default 67108864 (bytes, 64 MiB)
   */
  readonly cacheBytes?: number | undefined;
  /**
   * How long a tombstone (null value) stays in a compacted topic once it is
   * the latest record of its key (Kafka's `delete.retention.ms`).
   * @default 86400000 (one day)
   */
  readonly deleteRetentionMs?: number | undefined;
}

/** The file-backed storage. */
export interface FileStorage extends EngineStorage {
  /** Resolves once the compactions running now have ended (for tests and measurements). */
  compacted(): Promise<void>;
}

export class DataDirLockedError extends StorageError {
  constructor(dir: string, pid: number) {
    super('STORAGE_LOCKED', `Data directory ${dir} is in use by process ${pid}.`);
  }
}

type MetaEvent =
  | {
      readonly op: 'topic';
      readonly id: number;
      readonly name: string;
      readonly partitions: number;
      readonly replicas: number;
      readonly cleanupPolicy: string;
      readonly retentionMs?: number | undefined;
    }
  | { readonly op: 'deleteTopic'; readonly id: number }
  | { readonly op: 'group'; readonly key: string; readonly start: number | null };

/** Directories locked by this process (a second engine on the same directory is refused too). */
const lockedHere = new Set<string>();

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function acquireLock(dir: string): () => void {
  const path = join(dir, 'LOCK');
  if (lockedHere.has(dir)) throw new DataDirLockedError(dir, process.pid);
  if (existsSync(path)) {
    const pid = Number(readFileSync(path, 'utf8').trim());
    if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && pidAlive(pid)) throw new DataDirLockedError(dir, pid);
  }
  writeFileSync(path, `${process.pid}\n`);
  lockedHere.add(dir);
  return () => {
    lockedHere.delete(dir);
    rmSync(path, { force: true });
  };
}

class TopicFiles {
  readonly id: number;
  readonly dir: string;
  readonly partitions: readonly SegmentLog[];
  constructor(id: number, dir: string, partitions: readonly SegmentLog[]) {
    this.id = id;
    this.dir = dir;
    this.partitions = partitions;
  }
  close(): void {
    for (const p of this.partitions) p.close();
  }
}

class FileCommandStore implements CommandStore {
  readonly #log: CommandRecord[];
  readonly #latest = new Map<string, CommandRecord>();
  readonly #file: FrameFile;
  readonly #commit: GroupCommit;

  constructor(file: FrameFile, recovered: CommandRecord[], commit: GroupCommit) {
    this.#file = file;
    this.#log = recovered;
    this.#commit = commit;
    for (const r of recovered) this.#latest.set(r.commandId, r);
  }

  append(commandId: string, statementText: string, status: CommandStatusRecord, properties?: Readonly<Record<string, string>>): CommandRecord {
    const body = { commandId, statementText, status, ...(properties === undefined || Object.keys(properties).length === 0 ? {} : { properties }) };
    const rec: CommandRecord = { ...body, sequenceNumber: this.#log.length };
    this.#file.append(encodeFrame(Buffer.from(JSON.stringify(body))));
    this.#commit.wrote(this.#file);
    this.#log.push(rec);
    this.#latest.set(commandId, rec);
    return rec;
  }
  get(commandId: string): CommandRecord | undefined {
    return this.#latest.get(commandId);
  }
  statuses() {
    return new Map([...this.#latest].map(([id, r]) => [id, r.status.status]));
  }
  list(): readonly CommandRecord[] {
    return this.#log;
  }
  get nextSequenceNumber(): number {
    return this.#log.length;
  }
}

class FileJournal implements BrokerJournal {
  readonly #root: string;
  readonly #meta: FrameFile;
  readonly #commit: GroupCommit;
  readonly #topics: Map<string, TopicFiles>;
  readonly #ctx: SegmentLogContext;
  readonly #logger: Logger;
  #nextTopicId: number;

  constructor(root: string, meta: FrameFile, topics: Map<string, TopicFiles>, nextTopicId: number, ctx: SegmentLogContext) {
    this.#root = root;
    this.#meta = meta;
    this.#commit = ctx.commit;
    this.#topics = topics;
    this.#nextTopicId = nextTopicId;
    this.#ctx = ctx;
    this.#logger = ctx.logger;
  }

  #writeMeta(event: MetaEvent): void {
    this.#meta.append(encodeFrame(Buffer.from(JSON.stringify(event))));
    this.#commit.wrote(this.#meta);
  }

  createTopic(d: TopicDescription): readonly SegmentLog[] {
    const id = this.#nextTopicId++;
    const dir = join(this.#root, 'topics', String(id));
    const partitions: SegmentLog[] = [];
    try {
      mkdirSync(dir, { recursive: true });
      for (let p = 0; p < d.partitions; p++) {
        const pdir = join(dir, String(p));
        mkdirSync(pdir);
        partitions.push(SegmentLog.create(d.name, p, pdir, this.#ctx, isCompacted(d.cleanupPolicy)));
        this.#commit.touchedDir(pdir);
      }
    } catch (err) {
      for (const p of partitions) p.close();
      rmSync(dir, { recursive: true, force: true });
      throw new StorageError('STORAGE_WRITE_FAILED', `Could not create files for topic '${d.name}': ${(err as Error).message}`, { cause: err });
    }
    this.#commit.touchedDir(dir);
    this.#commit.touchedDir(join(this.#root, 'topics'));
    // Written last: a topic in meta.log always has its files (a crash before leaves an orphan directory, removed at start).
    this.#writeMeta({
      op: 'topic',
      id,
      name: d.name,
      partitions: d.partitions,
      replicas: d.replicas,
      cleanupPolicy: d.cleanupPolicy,
      ...(d.retentionMs === undefined ? {} : { retentionMs: d.retentionMs }),
    });
    this.#topics.set(d.name, new TopicFiles(id, dir, partitions));
    return partitions;
  }

  deleteTopic(name: string): void {
    const t = this.#topics.get(name);
    if (t === undefined) throw new Error(`Invariant violated: no files for topic '${name}'`);
    this.#writeMeta({ op: 'deleteTopic', id: t.id });
    this.#topics.delete(name);
    // The files go once the deletion is durable: a crash before it keeps the topic whole.
    this.#commit.afterDurable(() => {
      try {
        t.close();
        rmSync(t.dir, { recursive: true, force: true });
      } catch (err) {
        this.#logger.warn(`storage: could not remove ${t.dir} (removed at next start): ${(err as Error).message}`);
      }
    });
  }

  putGroup(group: string, start: number | undefined): void {
    this.#writeMeta({ op: 'group', key: group, start: start ?? null });
  }

  sync(): Promise<void> {
    return this.#commit.sync();
  }
}

/**
 * Opens (creating, or recovering after a crash) the storage in `dir`.
 * Synchronous: the engine is usable as soon as it returns.
 */
export function openFileStorage(options: FileStorageOptions): FileStorage {
  const { logger = silentLogger, now = Date.now, partitioner, segmentBytes = 64 * 1024 * 1024, cacheBytes = 64 * 1024 * 1024 } = options;
  const root = resolve(options.dir);
  mkdirSync(join(root, 'topics'), { recursive: true });
  const release = acquireLock(root);
  const opened: FrameFile[] = [];
  const recovered: SegmentLog[] = [];
  try {
    const commit = new GroupCommit();
    const compactions = new Set<Promise<void>>();
    const ctx: SegmentLogContext = {
      cache: new BlockCache(cacheBytes),
      commit,
      logger,
      segmentBytes,
      now,
      deleteRetentionMs: options.deleteRetentionMs,
      compactions,
    };

    // Metadata: which topics exist (by id), consumer-group starts.
    const meta = openFrameFile(join(root, 'meta.log'), logger);
    opened.push(meta.file);
    const live = new Map<number, Extract<MetaEvent, { op: 'topic' }>>();
    const groups = new Map<string, number>();
    let nextTopicId = 1;
    for (const payload of meta.payloads) {
      const e = JSON.parse(payload.toString('utf8')) as MetaEvent;
      if (e.op === 'topic') {
        live.set(e.id, e);
        nextTopicId = Math.max(nextTopicId, e.id + 1);
      } else if (e.op === 'deleteTopic') live.delete(e.id);
      else if (e.start === null) groups.delete(e.key);
      else groups.set(e.key, e.start);
    }

    // Leftovers: directories of deleted topics, or of a creation cut short by a crash.
    for (const entry of readdirSync(join(root, 'topics'))) {
      const id = Number(entry);
      if (!live.has(id)) {
        logger.debug(`storage: removing leftover topic directory ${entry}`);
        rmSync(join(root, 'topics', entry), { recursive: true, force: true });
        if (Number.isInteger(id)) nextTopicId = Math.max(nextTopicId, id + 1);
      }
    }

    const topicFiles = new Map<string, TopicFiles>();
    const restored: RestoredTopic[] = [];
    let nextSequence = 0;
    for (const g of groups.values()) nextSequence = Math.max(nextSequence, g);
    for (const e of live.values()) {
      const dir = join(root, 'topics', String(e.id));
      const logs: SegmentLog[] = [];
      const producers: Map<string, number>[] = [];
      for (let p = 0; p < e.partitions; p++) {
        const r = SegmentLog.recover(e.name, p, join(dir, String(p)), ctx, isCompacted(e.cleanupPolicy));
        recovered.push(r.log);
        logs.push(r.log);
        producers.push(r.producers);
      }
      topicFiles.set(e.name, new TopicFiles(e.id, dir, logs));
      restored.push({ description: describeNewTopic(e.name, e), logs, producers });
    }

    // Command log.
    const cmd = openFrameFile(join(root, 'commands.log'), logger);
    opened.push(cmd.file);
    const commands: CommandRecord[] = cmd.payloads.map((payload, sequenceNumber) => {
      const c = JSON.parse(payload.toString('utf8')) as Omit<CommandRecord, 'sequenceNumber'>;
      return { ...c, sequenceNumber };
    });

    const journal = new FileJournal(root, meta.file, topicFiles, nextTopicId, ctx);
    const broker = new MemoryBroker({ now, partitioner, journal, restore: { topics: restored, groups, nextSequence } });
    const commandStore = new FileCommandStore(cmd.file, commands, commit);
    let closing: Promise<void> | undefined;
    logger.info(
      `storage: ${root}: ${restored.length} topic(s), ${recovered.reduce((n, l) => n + l.size, 0)} record(s), ${commands.length} command(s)`,
    );
    return {
      broker,
      commands: commandStore,
      durable: true,
      dataDir: root,
      flush: () => commit.sync(),
      compacted: async () => {
        await Promise.all([...compactions]);
      },
      close() {
        closing ??= (async () => {
          try {
            if (commit.failure === undefined) await commit.sync();
          } finally {
            broker.close();
            for (const t of topicFiles.values()) t.close();
            // Closed logs stop their compactions at the next chunk; their files are theirs until then.
            await Promise.all([...compactions]);
            meta.file.close();
            cmd.file.close();
            release();
          }
        })();
        return closing;
      },
    };
  } catch (err) {
    for (const f of opened) f.close();
    for (const l of recovered) l.close();
    release();
    throw err;
  }
}
