/**
 * A subscriber's position along its stream, and the cursor of each row it
 * gets (docs/resume.md).
 *
 * @module
 */
import { cursorError } from '../errors/index.js';
import { setRowCursor } from '../schema/index.js';
import { firstRowShowsGap, isAtOrBefore, type CursorCodec, type ResumePosition } from './cursor.js';
import { positionColumns, readPosition } from './positions.js';

/**
 * A subscriber's position along its stream: updated by each row. A row's
 * cursor is encoded only if it is read, which may be after later rows have
 * moved the position on (a shared execution or a batch reads ahead): so a
 * row holds the position as it was, and the next row changes a copy.
 */
export class PositionTracker {
  readonly #codec: CursorCodec;
  readonly #fingerprint: string;
  /** Where the subscriber started. */
  readonly #from: ResumePosition;
  #offsets: Map<number, bigint>;
  /** Whether #offsets is also held by a row marked earlier (copy before the next change). */
  #shared = false;
  /** Partitions of the cursor whose first row a catch-up query has not returned yet. */
  readonly #unchecked: Map<number, bigint>;
  readonly #columns = positionColumns();

  constructor(codec: CursorCodec, fingerprint: string, from: ResumePosition) {
    this.#codec = codec;
    this.#fingerprint = fingerprint;
    this.#from = from;
    this.#offsets = new Map(from.offsets);
    this.#unchecked = new Map(from.offsets);
  }

  /**
   * Whether a row of a catch-up query comes at or before where this
   * subscriber started (the cursor's own rows; a group's query returns older
   * ones for older members), to be skipped.
   *
   * @throws `CURSOR_EXPIRED` when it is the first row of a partition the
   *   cursor has seen and comes after the row following the cursor's.
   */
  before(names: readonly string[], columns: readonly unknown[]): boolean {
    const at = readPosition(this.#columns, names, columns);
    if (at === undefined) return false;
    const unchecked = this.#unchecked.get(at.partition);
    if (unchecked !== undefined) {
      this.#unchecked.delete(at.partition);
      if (firstRowShowsGap(unchecked, at.offset)) {
        throw cursorError(
          'CURSOR_EXPIRED',
          `Rows after the cursor are gone from partition ${at.partition} of the topic (offset ${unchecked} was followed by ${at.offset}: ` +
            'retention or compaction removed them). Subscribe again without `after` (a table: with `snapshot: true`).',
        );
      }
    }
    return isAtOrBefore(this.#from, at.partition, at.offset, Number(columns[this.#columns.rowtimeAt]));
  }

  /** Moves past the row and gives `row` the cursor of the position after it. */
  row(row: object, names: readonly string[], columns: readonly unknown[]): void {
    const at = readPosition(this.#columns, names, columns);
    if (at !== undefined) {
      if (this.#shared) {
        this.#offsets = new Map(this.#offsets);
        this.#shared = false;
      }
      this.#offsets.set(at.partition, at.offset);
    }
    this.mark(row);
  }

  /** Gives `row` the cursor of the position now (a snapshot row: nothing of the stream consumed). */
  mark(row: object): void {
    const offsets = this.#offsets;
    this.#shared = true;
    setRowCursor(row, () => this.#codec.encode(this.#fingerprint, { since: this.#from.since, offsets }));
  }

}

