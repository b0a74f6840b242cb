/**
 * The replay window of a shared resumable query (docs/resume.md): its most
 * recent rows, bounded in bytes, with their positions, so that a client that
 * was away briefly resumes without a catch-up query: the rows after its
 * cursor come from here, then it reads on with the live query.
 *
 * A window can serve a cursor only when it holds every row the cursor still
 * needs:
 * - in each partition the cursor has seen, the query saw a row at or before
 *   the cursor's offset (so it was running then) and has dropped none after it;
 * - in every other partition, the query was running when the client's
 *   subscription began (`since` plus the clock slack), and the rows it
 *   dropped from those partitions all came before `since`. Those rows are
 *   judged by when they reached the gateway, as the live query judged them.
 *
 * @module
 */
import type { ReplayWindow, WindowReplay } from '../resolvers/push-hub.js';
import type { RowView } from '../resolvers/rows.js';
import type { ResumePosition } from './cursor.js';
import { CLOCK_SLACK_MS, positionColumns, readPosition } from './positions.js';

interface Kept {
  readonly row: RowView;
  readonly partition: number;
  readonly offset: bigint;
  /** When it reached the gateway (ms). */
  readonly at: number;
  readonly bytes: number;
}

export class PositionWindow implements ReplayWindow {
  readonly #maxBytes: number;
  readonly #startedAt: number;
  readonly #slackMs: number;
  readonly #now: () => number;
  #kept: Kept[] = [];
  /** Index of the oldest row still kept (the array is compacted now and then, not shifted per row). */
  #head = 0;
  #bytes = 0;
  readonly #columns = positionColumns();
  /** Per partition: the offset of the first row the query saw. */
  readonly #firstSeen = new Map<number, bigint>();
  /** Per partition: the offset and arrival of the newest row dropped from the window. */
  readonly #dropped = new Map<number, { offset: bigint; at: number }>();

  /**
   * @param options.startedAt when the query began showing rows, as the
   *   subscriber that started it counts its own start (its `since` plus
   *   `slackMs`), so that it can resume from the window too.
   */
  constructor(options: { readonly maxBytes: number; readonly startedAt: number; readonly slackMs: number; readonly now?: () => number }) {
    this.#maxBytes = options.maxBytes;
    this.#startedAt = options.startedAt;
    this.#slackMs = options.slackMs;
    this.#now = options.now ?? Date.now;
  }

  /** Bytes held now. */
  get bytes(): number {
    return this.#bytes;
  }

  push(row: RowView, bytes: number): void {
    const at = readPosition(this.#columns, row.names, row.columns);
    if (at === undefined) return; // not a resumable statement's row: nothing to replay it by
    if (!this.#firstSeen.has(at.partition)) this.#firstSeen.set(at.partition, at.offset);
    this.#kept.push({ row, partition: at.partition, offset: at.offset, at: this.#now(), bytes });
    this.#bytes += bytes;
    while (this.#bytes > this.#maxBytes && this.#head < this.#kept.length) {
      const old = this.#kept[this.#head++] as Kept;
      this.#bytes -= old.bytes;
      this.#dropped.set(old.partition, { offset: old.offset, at: old.at });
    }
    if (this.#head > 1024 && this.#head * 2 > this.#kept.length) {
      this.#kept = this.#kept.slice(this.#head);
      this.#head = 0;
    }
  }

  /** The rows after `from`, in the query's order, or undefined when the window does not hold all of them. */
  after(from: ResumePosition): RowView[] | undefined {
    for (const [partition, offset] of from.offsets) {
      const first = this.#firstSeen.get(partition);
      if (first === undefined || first > offset) return undefined;
      const dropped = this.#dropped.get(partition);
      if (dropped !== undefined && dropped.offset > offset) return undefined;
    }
    if (this.#startedAt > from.since + this.#slackMs) return undefined;
    for (const [partition, dropped] of this.#dropped) {
      if (!from.offsets.has(partition) && dropped.at >= from.since) return undefined;
    }
    const rows: RowView[] = [];
    for (let i = this.#head; i < this.#kept.length; i++) {
      const kept = this.#kept[i] as Kept;
      const seen = from.offsets.get(kept.partition);
      if (seen === undefined ? kept.at >= from.since : kept.offset > seen) rows.push(kept.row);
    }
    return rows;
  }
}

/** The default bytes of a replay window (`--resume-window-bytes`). */
export const DEFAULT_RESUME_WINDOW_BYTES = 1024 * 1024;

/** Makes the window of a shared query started by a subscriber at `from` (its start counts as the query's). */
export function positionWindowFactory(from: ResumePosition, maxBytes: number): (() => ReplayWindow) | undefined {
  return maxBytes > 0 ? () => new PositionWindow({ maxBytes, startedAt: from.since + CLOCK_SLACK_MS, slackMs: CLOCK_SLACK_MS }) : undefined;
}

/** What a resumer at `from` takes from a shared query's window (see `PushQueryHub.join`). */
export function replayAfter(from: ResumePosition): WindowReplay {
  return (window) => (window instanceof PositionWindow ? window.after(from) : undefined);
}
