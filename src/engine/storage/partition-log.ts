/**
 * The records of one partition as the broker (`memory.ts`) sees them: what
 * offsets are held, each record's sequence and timestamp (which publishing,
 * retention and the consumers' merge look at for every record), and the
 * record itself (which only a read needs). {@link MemoryPartitionLog} keeps
 * the records in an array; the file-backed broker's `SegmentLog`
 * (`segment-log.ts`) keeps only sequences and timestamps in memory and reads
 * records from its segment files.
 *
 * @module
 */
import type { StoredRecord } from './log.js';

/** Producer id and sequence of an idempotently produced record. */
export interface ProducerTag {
  readonly id: string;
  readonly sequence: number;
}

/** A record as a partition log writes it. */
export interface JournalRecord {
  readonly record: StoredRecord;
  readonly producer?: ProducerTag | undefined;
}

export interface PartitionLog {
  /** First offset held. */
  readonly start: number;
  /** Offset the next record gets. */
  readonly end: number;
  /** The {@link StoredRecord.sequence} at a held offset. */
  sequence(offset: number): number;
  /** The {@link StoredRecord.timestamp} at a held offset. */
  timestamp(offset: number): number;
  /**
   * The first offset at or after `offset` that holds a record, or {@link end}:
   * compaction leaves gaps in the offsets (as Kafka's do), and readers skip
   * them. An offset in a gap has the sequence and timestamp of the next
   * record, so that sequences stay ordered by offset.
   */
  nextHeld(offset: number): number;
  /** The record at a held offset. */
  record(offset: number): StoredRecord;
  /**
   * First step of an append: writes `records` (the next offsets, in order)
   * where they are to be durable, all or none (throws, having written none),
   * and returns how to take the write back (a later partition of the same
   * produce failed). Nothing is read or indexed until {@link append}.
   */
  write(records: readonly JournalRecord[]): () => void;
  /** Second step: holds the records just written. Does not fail. */
  append(records: readonly JournalRecord[]): void;
  /** Offsets below `offset` are not read again (retention): their storage may go. */
  trim(offset: number): void;
  close(): void;
}

const noUndo = () => {};

/**
 * Records in an array, the one at index 0 having offset `#base`. Trimmed
 * slots are dropped from the array once they are as many as the records
 * held, so that a record is moved at most once whatever the partition's
 * length.
 */
export class MemoryPartitionLog implements PartitionLog {
  #records: StoredRecord[];
  #base: number;

  /** `records` in offset order, consecutive. */
  constructor(records: readonly StoredRecord[] = []) {
    this.#records = [...records];
    this.#base = records[0]?.offset ?? 0;
  }

  get start(): number {
    return this.#base;
  }

  get end(): number {
    return this.#base + this.#records.length;
  }

  sequence(offset: number): number {
    return (this.#records[offset - this.#base] as StoredRecord).sequence;
  }

  timestamp(offset: number): number {
    return (this.#records[offset - this.#base] as StoredRecord).timestamp;
  }

  nextHeld(offset: number): number {
    return offset;
  }

  record(offset: number): StoredRecord {
    return this.#records[offset - this.#base] as StoredRecord;
  }

  write(): () => void {
    return noUndo;
  }

  append(records: readonly JournalRecord[]): void {
    for (const { record } of records) this.#records.push(record);
  }

  trim(offset: number): void {
    const dropped = offset - this.#base;
    if (dropped >= 1024 && dropped * 2 >= this.#records.length) {
      this.#records = this.#records.slice(dropped);
      this.#base = offset;
    }
  }

  close(): void {}
}
