/**
 * Where a row of a resumable statement is in its source: its `ROWPARTITION`
 * and `ROWOFFSET` columns (ksqlDB's pseudo columns), found by name once per
 * header.
 *
 * @module
 */

/** The pseudo columns a resumable subscription selects (ksqlDB's names); a resumer also selects `ROWTIME`. */
export const POSITION_COLUMNS = ['ROWPARTITION', 'ROWOFFSET'] as const;
export const RESUME_COLUMNS = [...POSITION_COLUMNS, 'ROWTIME'] as const;

/**
 * Rows of unseen partitions count as new from this long before a
 * subscription started: a resume then gets a row written just before it
 * started rather than lose one written just after it on a broker whose
 * clock runs behind the gateway's (never a row twice: those partitions
 * had sent the subscriber nothing).
 */
export const CLOCK_SLACK_MS = 5_000;

/** Where the position columns are in rows of `names` (the same array for every row of a query): found again when it changes. */
export interface PositionColumns {
  names: readonly string[] | undefined;
  partitionAt: number;
  offsetAt: number;
  rowtimeAt: number;
}

export function positionColumns(): PositionColumns {
  return { names: undefined, partitionAt: -1, offsetAt: -1, rowtimeAt: -1 };
}

/** The row's partition and offset, or undefined when the statement did not return them. */
export function readPosition(
  at: PositionColumns,
  names: readonly string[],
  columns: readonly unknown[],
): { partition: number; offset: bigint } | undefined {
  if (names !== at.names) {
    at.names = names;
    at.partitionAt = names.indexOf(POSITION_COLUMNS[0]);
    at.offsetAt = names.indexOf(POSITION_COLUMNS[1]);
    at.rowtimeAt = names.indexOf('ROWTIME');
  }
  const partition = columns[at.partitionAt];
  const offset = columns[at.offsetAt];
  if (typeof partition !== 'number' || (typeof offset !== 'string' && typeof offset !== 'number')) return undefined;
  return { partition, offset: BigInt(offset) };
}
