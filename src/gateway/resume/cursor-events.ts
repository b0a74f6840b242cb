/**
 * The events of a generic `pushQuery` run with the position columns
 * appended (see resumable-sql.ts): each row gets its cursor from them, and
 * the header and rows are shown without them, as the client's SQL selects.
 *
 * @module
 */
import { formatColumns, parseSchemaString } from '../../protocol/schema-string.js';
import type { HeaderView, QueryEventView, RowView } from '../resolvers/rows.js';
import type { PositionTracker } from './tracker.js';

export interface CursorEventsOptions {
  /** A catch-up query: skip the rows at or before the tracker's start (and see `PositionTracker.before`). */
  readonly skipToPosition: boolean;
  /** End after this many rows (the gateway counts: the statement's LIMIT also counts skipped rows). */
  readonly maxRows: number | undefined;
  /** How many columns the gateway appended to the projection (see `positionedStatement`). */
  readonly hidden: number;
}

function withoutPositions(header: HeaderView, hidden: number): HeaderView {
  let schema = header.schema;
  try {
    schema = formatColumns(parseSchemaString(header.schema).slice(0, -hidden));
  } catch {
    // Kept as sent: the columns list below is what clients read.
  }
  return { ...header, schema, columns: header.columns.slice(0, -hidden) };
}

export function cursorEvents(
  upstream: AsyncIterableIterator<QueryEventView>,
  tracker: PositionTracker,
  { skipToPosition, maxRows, hidden }: CursorEventsOptions,
): AsyncIterableIterator<QueryEventView> {
  // One names array per header, shared by every row (as rows.ts does).
  let names: { readonly from: readonly string[]; readonly shown: readonly string[] } | undefined;
  let sent = 0;
  let ended = false;
  const end = async (): Promise<IteratorResult<QueryEventView>> => {
    if (!ended) {
      ended = true;
      await upstream.return?.();
    }
    return { value: undefined, done: true };
  };
  const iterator: AsyncIterableIterator<QueryEventView> = {
    async next() {
      for (;;) {
        if (ended || (maxRows !== undefined && sent >= maxRows)) return end();
        let step: IteratorResult<QueryEventView>;
        try {
          step = await upstream.next();
          if (step.done) {
            ended = true;
            return step;
          }
          if (step.value.kind === 'header') return { value: withoutPositions(step.value, hidden), done: false };
          const row = step.value;
          if (skipToPosition && tracker.before(row.names, row.columns)) continue;
          if (names?.from !== row.names) names = { from: row.names, shown: row.names.slice(0, -hidden) };
          const view: RowView = { kind: 'row', columns: row.columns.slice(0, -hidden), names: names.shown, tombstone: row.tombstone };
          tracker.row(view, row.names, row.columns);
          sent++;
          return { value: view, done: false };
        } catch (err) {
          await end();
          throw err;
        }
      }
    },
    return: end,
    async throw(err?: unknown) {
      await end();
      throw err;
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
  return iterator;
}

/**
 * An iterator over the one `started` resolves to: for a subscribe function
 * whose upstream starts later (a resume group's, when its window closes) but
 * whose caller needs the iterator now. `return()` before then closes it once
 * it arrives.
 */
export function deferredIterator<T>(started: Promise<AsyncIterableIterator<T>>): AsyncIterableIterator<T> {
  let closed = false;
  const iterator: AsyncIterableIterator<T> = {
    async next() {
      const inner = await started;
      if (closed) return { value: undefined, done: true };
      return inner.next();
    },
    async return() {
      closed = true;
      const inner = await started;
      await inner.return?.();
      return { value: undefined, done: true };
    },
    async throw(err?: unknown) {
      await iterator.return?.();
      throw err;
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
  return iterator;
}
