import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createCheckpointedState } from '../operators/index.js';
import { Decimal } from '../types/index.js';
import { encodeState, openStateDb, type StateDb } from '../storage/index.js';

const dirs: string[] = [];
const dbs: StateDb[] = [];
afterEach(async () => {
  for (const db of dbs.splice(0)) await db.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function openIn(dir: string): StateDb {
  const db = openStateDb(dir);
  dbs.push(db);
  return db;
}

function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'ksql-state-'));
  dirs.push(d);
  return d;
}

describe('state database', () => {
  it('keeps the changes of checkpointed stores, values whole, across a reopen', async () => {
    const dir = tmp();
    let db = openIn(dir);
    const state = createCheckpointedState();
    const agg = state.operator('aggregate');
    const groups = agg.store<unknown>('groups');
    const time = agg.cell('streamTime', Number.NEGATIVE_INFINITY);
    const value = { d: new Decimal(12345n, 2), big: 2n ** 70n, m: new Map<string, unknown>([['a', [1, null, 'x']]]), s: new Set(['p']), b: new Uint8Array([1, 2]) };
    groups.put('a', value);
    groups.put('b', 1);
    groups.put('x'.repeat(5000), 'a long key');
    time.value = 42;
    await db.commit([{ queryId: 'Q1', fingerprint: 'f', position: 10, outputs: 3, ...state.snapshot(encodeState) }]);
    groups.delete('b');
    (groups.get('a') as { m: Map<string, unknown> }).m.set('c', 7); // changed in place
    await db.commit([{ queryId: 'Q1', fingerprint: 'f', position: 12, outputs: 4, ...state.snapshot(encodeState) }]);
    await db.close();
    dbs.pop();

    db = openIn(dir);
    const loaded = db.load('Q1', 'f');
    expect(loaded).toMatchObject({ position: 12, outputs: 4, entries: 2 });
    const restored = createCheckpointedState(loaded);
    const again = restored.operator('aggregate');
    const g = again.store<typeof value>('groups');
    expect(g.peek('a')).toEqual({ ...value, m: new Map<string, unknown>([['a', [1, null, 'x']], ['c', 7]]) });
    expect(g.peek('a')?.d).toBeInstanceOf(Decimal);
    expect(g.peek('b')).toBeUndefined();
    expect(g.peek('x'.repeat(5000))).toBe('a long key');
    expect(again.cell('streamTime', 0).value).toBe(42);
    // Nothing changed since the restore: a snapshot writes no entry.
    expect(restored.snapshot(encodeState)).toMatchObject({ puts: [], deletes: [] });
  });

  it('loads no checkpoint of another plan, and forgets a dropped query', async () => {
    const db = openIn(tmp());
    const state = createCheckpointedState();
    state.store<number>('s').put('k', 1);
    const changes = state.snapshot(encodeState);
    await db.commit([
      { queryId: 'Q1', fingerprint: 'f', position: 1, outputs: 0, ...changes },
      { queryId: 'Q11', fingerprint: 'f', position: 2, outputs: 0, ...changes },
    ]);
    expect(db.load('Q1', 'other plan')).toBeUndefined();
    await db.drop('Q1');
    expect(db.load('Q1', 'f')).toBeUndefined();
    // A query whose id starts with a dropped one's keeps its state.
    expect(db.load('Q11', 'f')).toMatchObject({ position: 2, entries: 1 });
  });
});
