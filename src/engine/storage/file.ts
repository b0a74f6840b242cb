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
 * dropped and created again never meets its predecessor's data. The
 * in-memory index is {@link MemoryBroker}; this file is its journal and its
 * recovery. See README.md in this folder for the design.
 *
 * @module
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { silentLogger, type Logger } from '../../shared/logger.js';
import type { CommandRecord, CommandStatusRecord, CommandStore } from './commands.js';
import { encodeFrame, FrameFile, openFrameFile } from './frames.js';
import { GroupCommit } from './group-commit.js';
import { describeNewTopic, StorageError, type RecordHeader, type StoredRecord, type TopicDescription } from './log.js';
import { MemoryBroker, type BrokerJournal, type JournalRecord, type RestoredTopic } from './memory.js';
import type { Partitioner } from './partitioner.js';
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

/** On disk: [offset, timestamp, sequence, key, value, headers, producerId?, producerSequence?]. */
type RecordTuple = [number, number, number, string | null, string | null, [string, string | null][], string?, number?];

function encodeRecord({ record: r, producer }: JournalRecord): Buffer {
  const tuple: RecordTuple = [r.offset, r.timestamp, r.sequence, r.key, r.value, r.headers.map((h) => [h.key, h.value])];
  if (producer !== undefined) tuple.push(producer.id, producer.sequence);
  return encodeFrame(Buffer.from(JSON.stringify(tuple)));
}

const segmentName = (offset: number) => `${String(offset).padStart(20, '0')}.log`;

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

class Partition {
  readonly index: number;
  readonly dir: string;
  active: FrameFile;
  /** Offset the next record gets. */
  next: number;

  constructor(index: number, dir: string, active: FrameFile, next: number) {
    this.index = index;
    this.dir = dir;
    this.active = active;
    this.next = next;
  }
}

class TopicFiles {
  readonly id: number;
  readonly dir: string;
  readonly partitions: Partition[];
  constructor(id: number, dir: string, partitions: Partition[]) {
    this.id = id;
    this.dir = dir;
    this.partitions = partitions;
  }
  close(): void {
    for (const p of this.partitions) p.active.close();
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
  readonly #segmentBytes: number;
  readonly #logger: Logger;
  #nextTopicId: number;

  constructor(root: string, meta: FrameFile, commit: GroupCommit, topics: Map<string, TopicFiles>, nextTopicId: number, segmentBytes: number, logger: Logger) {
    this.#root = root;
    this.#meta = meta;
    this.#commit = commit;
    this.#topics = topics;
    this.#nextTopicId = nextTopicId;
    this.#segmentBytes = segmentBytes;
    this.#logger = logger;
  }

  #writeMeta(event: MetaEvent): void {
    this.#meta.append(encodeFrame(Buffer.from(JSON.stringify(event))));
    this.#commit.wrote(this.#meta);
  }

  createTopic(d: TopicDescription): void {
    const id = this.#nextTopicId++;
    const dir = join(this.#root, 'topics', String(id));
    const partitions: Partition[] = [];
    try {
      mkdirSync(dir, { recursive: true });
      for (let p = 0; p < d.partitions; p++) {
        const pdir = join(dir, String(p));
        mkdirSync(pdir);
        const { file } = openFrameFile(join(pdir, segmentName(0)), this.#logger);
        partitions.push(new Partition(p, pdir, file, 0));
        this.#commit.touchedDir(pdir);
      }
    } catch (err) {
      for (const p of partitions) p.active.close();
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

  append(topic: string, records: readonly JournalRecord[]): void {
    const t = this.#topics.get(topic);
    if (t === undefined) throw new Error(`Invariant violated: no files for topic '${topic}'`);
    const byPartition = new Map<number, Buffer[]>();
    for (const r of records) {
      const p = t.partitions[r.record.partition] as Partition;
      if (r.record.offset !== p.next + (byPartition.get(r.record.partition)?.length ?? 0)) {
        throw new Error(`Invariant violated: offset ${r.record.offset} out of order in ${topic}-${r.record.partition}`);
      }
      let list = byPartition.get(r.record.partition);
      if (list === undefined) byPartition.set(r.record.partition, (list = []));
      list.push(encodeRecord(r));
    }
    const done: { p: Partition; file: FrameFile; size: number }[] = [];
    try {
      for (const [partition, frames] of byPartition) {
        const p = t.partitions[partition] as Partition;
        if (p.active.size >= this.#segmentBytes) this.#roll(p);
        done.push({ p, file: p.active, size: p.active.size });
        p.active.append(frames.length === 1 ? (frames[0] as Buffer) : Buffer.concat(frames));
      }
    } catch (err) {
      for (const d of done) d.file.rollback(d.size);
      throw err;
    }
    for (const { p, file } of done) {
      p.next += (byPartition.get(p.index) as Buffer[]).length;
      this.#commit.wrote(file);
    }
  }

  #roll(p: Partition): void {
    const { file } = openFrameFile(join(p.dir, segmentName(p.next)), this.#logger);
    const old = p.active;
    p.active = file;
    this.#commit.touchedDir(p.dir);
    // The old segment is synced by the round that covers its last writes, then closed.
    this.#commit.wrote(old);
    this.#commit.afterDurable(() => old.close());
  }

  putGroup(group: string, start: number | undefined): void {
    this.#writeMeta({ op: 'group', key: group, start: start ?? null });
  }

  sync(): Promise<void> {
    return this.#commit.sync();
  }
}

function decodeRecord(topic: string, partition: number, payload: Buffer): { record: StoredRecord; producer?: [string, number] } {
  const t = JSON.parse(payload.toString('utf8')) as RecordTuple;
  const headers: RecordHeader[] = t[5].map(([key, value]) => ({ key, value }));
  const record: StoredRecord = { topic, partition, offset: t[0], timestamp: t[1], sequence: t[2], key: t[3], value: t[4], headers };
  return t[6] === undefined ? { record } : { record, producer: [t[6], t[7] as number] };
}

/** Reads one partition's segments; cuts a bad tail (and any later segment). */
function recoverPartition(topic: string, partition: number, pdir: string, logger: Logger): { records: StoredRecord[]; producers: Map<string, number>; active: FrameFile } {
  mkdirSync(pdir, { recursive: true });
  const segments = readdirSync(pdir)
    .filter((f) => /^\d{20}\.log$/.test(f))
    .sort();
  if (segments.length === 0) segments.push(segmentName(0));
  const records: StoredRecord[] = [];
  const producers = new Map<string, number>();
  let active: FrameFile | undefined;
  let damaged = false;
  for (let i = 0; i < segments.length; i++) {
    const path = join(pdir, segments[i] as string);
    if (damaged) {
      logger.warn(`storage: removing ${path}: it follows a damaged segment`);
      rmSync(path, { force: true });
      continue;
    }
    const opened = openFrameFile(path, logger);
    let validBytes = 0;
    for (const payload of opened.payloads) {
      let decoded;
      try {
        decoded = decodeRecord(topic, partition, payload);
      } catch {
        decoded = undefined;
      }
      if (decoded === undefined || decoded.record.offset !== records.length) {
        logger.warn(`storage: ${path}: unreadable or out-of-order record after offset ${records.length - 1}; cutting the file there`);
        opened.file.rollback(validBytes);
        damaged = true;
        break;
      }
      records.push(decoded.record);
      if (decoded.producer !== undefined) producers.set(decoded.producer[0], decoded.producer[1]);
      validBytes += payload.length + 8;
    }
    damaged ||= opened.truncated;
    if (active !== undefined) active.close();
    active = opened.file;
  }
  return { records, producers, active: active as FrameFile };
}

/**
 * Opens (creating, or recovering after a crash) the storage in `dir`.
 * Synchronous: the engine is usable as soon as it returns.
 */
export function openFileStorage(options: FileStorageOptions): EngineStorage {
  const { logger = silentLogger, now = Date.now, partitioner, segmentBytes = 64 * 1024 * 1024 } = options;
  const root = resolve(options.dir);
  mkdirSync(join(root, 'topics'), { recursive: true });
  const release = acquireLock(root);
  const opened: FrameFile[] = [];
  try {
    const commit = new GroupCommit();

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
      const parts: Partition[] = [];
      const records: StoredRecord[][] = [];
      const producers: Map<string, number>[] = [];
      for (let p = 0; p < e.partitions; p++) {
        const pdir = join(dir, String(p));
        const r = recoverPartition(e.name, p, pdir, logger);
        opened.push(r.active);
        parts.push(new Partition(p, pdir, r.active, r.records.length));
        records.push(r.records);
        producers.push(r.producers);
      }
      topicFiles.set(e.name, new TopicFiles(e.id, dir, parts));
      restored.push({
        description: describeNewTopic(e.name, e),
        partitions: records,
        producers,
      });
    }

    // Command log.
    const cmd = openFrameFile(join(root, 'commands.log'), logger);
    opened.push(cmd.file);
    const commands: CommandRecord[] = cmd.payloads.map((payload, sequenceNumber) => {
      const c = JSON.parse(payload.toString('utf8')) as Omit<CommandRecord, 'sequenceNumber'>;
      return { ...c, sequenceNumber };
    });

    const journal = new FileJournal(root, meta.file, commit, topicFiles, nextTopicId, segmentBytes, logger);
    const broker = new MemoryBroker({ now, partitioner, journal, restore: { topics: restored, groups, nextSequence } });
    const commandStore = new FileCommandStore(cmd.file, commands, commit);
    let closing: Promise<void> | undefined;
    logger.info(
      `storage: ${root}: ${restored.length} topic(s), ${restored.reduce((n, t) => n + t.partitions.reduce((m, p) => m + p.length, 0), 0)} record(s), ${commands.length} command(s)`,
    );
    return {
      broker,
      commands: commandStore,
      durable: true,
      dataDir: root,
      flush: () => commit.sync(),
      close() {
        closing ??= (async () => {
          try {
            if (commit.failure === undefined) await commit.sync();
          } finally {
            broker.close();
            for (const t of topicFiles.values()) t.close();
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
    release();
    throw err;
  }
}
