import { describe, expect, it } from 'vitest';
import type { RowView } from '../resolvers/rows.js';
import type { ResumePosition } from './cursor.js';
import { PositionWindow } from './replay-window.js';

const NAMES = ['V', 'ROWPARTITION', 'ROWOFFSET'];
const row = (v: number, partition: number, offset: number): RowView => ({
  kind: 'row',
  columns: [v, partition, String(offset)],
  names: NAMES,
  tombstone: false,
});
const at = (since: number, offsets: Array<[number, number]> = []): ResumePosition => ({
  since,
  offsets: new Map(offsets.map(([p, o]) => [p, BigInt(o)])),
});
const values = (rows: RowView[] | undefined) => rows?.map((r) => r.columns[0]);

function window(maxBytes = 1_000, startedAt = 1_000) {
  let now = startedAt;
  const w = new PositionWindow({ maxBytes, startedAt, slackMs: 100, now: () => now });
  return { w, tick: (ms: number) => (now += ms) };
}

describe('PositionWindow', () => {
  it('replays the rows after the cursor in each partition it has seen, in the order they came', () => {
    const { w } = window();
    w.push(row(0, 0, 10), 10);
    w.push(row(1, 1, 20), 10);
    w.push(row(2, 0, 11), 10);
    w.push(row(3, 1, 21), 10);
    expect(values(w.after(at(900, [[0, 10], [1, 20]])))).toEqual([2, 3]);
    expect(values(w.after(at(900, [[0, 11], [1, 21]])))).toEqual([]);
  });

  it('refuses a cursor from before the query saw that partition, or one whose next rows were dropped', () => {
    const { w } = window(25);
    w.push(row(0, 0, 10), 10);
    w.push(row(1, 0, 11), 10);
    expect(w.after(at(900, [[0, 9]]))).toBeUndefined(); // offset 10 may not be the next after 9 with a filter: unknown
    w.push(row(2, 0, 12), 10); // drops offset 10
    expect(w.bytes).toBe(20);
    expect(w.after(at(900, [[0, 9]]))).toBeUndefined();
    expect(values(w.after(at(900, [[0, 10]])))).toEqual([1, 2]);
    w.push(row(3, 0, 13), 10); // drops offset 11
    expect(w.after(at(900, [[0, 10]]))).toBeUndefined();
    expect(values(w.after(at(900, [[0, 11]])))).toEqual([2, 3]);
  });

  it('gives the rows of partitions the cursor has not seen that came since it began, if the query was running then', () => {
    const { w, tick } = window(1_000, 1_000);
    w.push(row(0, 1, 5), 10);
    tick(500);
    w.push(row(1, 1, 6), 10);
    w.push(row(2, 0, 40), 10);
    // Began at 1,300 (since 1,200 + slack 100): rows that came from 1,200 on.
    expect(values(w.after(at(1_200, [[0, 40]])))).toEqual([1]);
    // Began before the query: rows of unseen partitions may be missing.
    expect(w.after(at(800, [[0, 40]]))).toBeUndefined();
    // The subscriber that started the query (since = start - slack) resumes from it.
    expect(values(w.after(at(900)))).toEqual([0, 1, 2]);
  });

  it('refuses when rows of a partition the cursor has not seen were dropped after it began', () => {
    const { w, tick } = window(20, 1_000);
    w.push(row(0, 1, 5), 10);
    tick(10);
    w.push(row(1, 0, 1), 10);
    w.push(row(2, 0, 2), 10); // drops partition 1's row, which came at 1,000
    expect(w.after(at(950, [[0, 1]]))).toBeUndefined();
    expect(values(w.after(at(1_005, [[0, 1]])))).toEqual([2]);
  });

  it('keeps nothing of rows without positions, and stays within its bytes however many rows come', () => {
    const { w } = window(100);
    w.push({ kind: 'row', columns: [1], names: ['V'], tombstone: false }, 10);
    expect(w.bytes).toBe(0);
    for (let i = 0; i < 10_000; i++) w.push(row(i, 0, i), 10);
    expect(w.bytes).toBe(100);
    expect(values(w.after(at(900, [[0, 9_997]])))).toEqual([9_998, 9_999]);
  });
});
