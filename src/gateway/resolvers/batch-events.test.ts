import { afterEach, describe, expect, it, vi } from 'vitest';
import { deferred, type Deferred } from '../../shared/deferred.js';
import { JsonNumber } from '../../protocol/index.js';
import { approximateJsonBytes, batchArguments, batchEvents, type BatchEvent } from './batch-events.js';

/**
 * A source driven by the test: `push` queues items, `end`/`fail` end it.
 * Like the hub's iterators, `return()` answers at once and ends a pending
 * `next()`.
 */
function manualSource<T>() {
  const queue: Array<IteratorResult<T> | { error: Error }> = [];
  let waiter: Deferred<IteratorResult<T>> | undefined;
  const state = { pulls: 0, returned: 0 };
  const settle = (entry: IteratorResult<T> | { error: Error }) => {
    if (waiter) {
      const w = waiter;
      waiter = undefined;
      if ('error' in entry) w.reject(entry.error);
      else w.resolve(entry);
    } else queue.push(entry);
  };
  const iterator: AsyncIterator<T> = {
    next() {
      state.pulls++;
      const entry = queue.shift();
      if (entry) return 'error' in entry ? Promise.reject(entry.error) : Promise.resolve(entry);
      waiter = deferred();
      return waiter.promise;
    },
    async return() {
      state.returned++;
      settle({ value: undefined, done: true });
      return { value: undefined, done: true };
    },
  };
  return {
    iterator,
    state,
    push: (...items: T[]) => items.forEach((value) => settle({ value, done: false })),
    end: () => settle({ value: undefined, done: true }),
    fail: (error: Error) => settle({ error }),
  };
}

async function drain<T>(it: AsyncIterator<BatchEvent<T>>): Promise<Array<BatchEvent<T>>> {
  const out: Array<BatchEvent<T>> = [];
  for (;;) {
    const step = await it.next();
    if (step.done) return out;
    out.push(step.value);
  }
}

const batch = <T>(...items: T[]): BatchEvent<T> => ({ kind: 'batch', items });

afterEach(() => {
  vi.useRealTimers();
});

describe('batchEvents', () => {
  it('cuts batches at maxRows and flushes the partial one at the end', async () => {
    const src = manualSource<number>();
    src.push(1, 2, 3, 4, 5, 6, 7);
    src.end();
    expect(await drain(batchEvents(src.iterator, { maxRows: 3 }))).toEqual([batch(1, 2, 3), batch(4, 5, 6), batch(7)]);
  });

  it('pulls no row beyond a full batch (the source keeps its backpressure)', async () => {
    const src = manualSource<number>();
    src.push(1, 2, 3, 4, 5);
    const it = batchEvents(src.iterator, { maxRows: 2 });
    expect(await it.next()).toEqual({ value: batch(1, 2), done: false });
    expect(src.state.pulls).toBe(2);
    expect(await it.next()).toEqual({ value: batch(3, 4), done: false });
    expect(src.state.pulls).toBe(4);
    await it.return?.();
  });

  it('sends a batch maxDelayMs after its first row, and keeps the pending pull for the next batch', async () => {
    vi.useFakeTimers();
    const src = manualSource<number>();
    const it = batchEvents(src.iterator, { maxRows: 10, maxDelayMs: 50 });
    const first = it.next();
    src.push(1);
    await vi.advanceTimersByTimeAsync(20);
    src.push(2);
    await vi.advanceTimersByTimeAsync(30);
    expect(await first).toEqual({ value: batch(1, 2), done: false });
    expect(vi.getTimerCount()).toBe(0);
    // No row: no batch and no timer, however long it takes.
    const second = it.next();
    await vi.advanceTimersByTimeAsync(1000);
    expect(vi.getTimerCount()).toBe(0);
    src.push(3);
    await vi.advanceTimersByTimeAsync(50);
    expect(await second).toEqual({ value: batch(3), done: false });
    expect(src.state.pulls).toBe(4); // 1, 2, the pull left pending when the timer fired, 3's successor
    await it.return?.();
  });

  it('sends the batch when its delay passes, however steadily rows keep coming', async () => {
    vi.useFakeTimers();
    const src = manualSource<number>();
    const it = batchEvents(src.iterator, { maxRows: 100, maxDelayMs: 25 });
    const first = it.next();
    for (let i = 1; i <= 5; i++) {
      src.push(i);
      await vi.advanceTimersByTimeAsync(10);
    }
    // Rows at 0, 10 and 20 ms; the delay ends at 25 ms, before the row of 30 ms.
    expect(await first).toEqual({ value: batch(1, 2, 3), done: false });
    // Row 4 settles the pull left pending when the delay passed, row 5 waits in the source:
    // both start the next batch.
    src.end();
    expect(await it.next()).toEqual({ value: batch(4, 5), done: false });
    expect(await it.next()).toEqual({ value: undefined, done: true });
    expect(vi.getTimerCount()).toBe(0);
  });

  it('sends `alone` items by themselves, after the rows read before them', async () => {
    const src = manualSource<string>();
    src.push('H1', 'a', 'b', 'H2', 'c');
    src.end();
    const events = await drain(batchEvents(src.iterator, { maxRows: 10, alone: (s) => s.startsWith('H') }));
    expect(events).toEqual([{ kind: 'alone', item: 'H1' }, batch('a', 'b'), { kind: 'alone', item: 'H2' }, batch('c')]);
  });

  it('delivers an error after the rows already batched', async () => {
    const src = manualSource<number>();
    const boom = new Error('boom');
    src.push(1, 2);
    src.fail(boom);
    const it = batchEvents(src.iterator, { maxRows: 10 });
    expect(await it.next()).toEqual({ value: batch(1, 2), done: false });
    await expect(it.next()).rejects.toBe(boom);
    expect(await it.next()).toEqual({ value: undefined, done: true });
  });

  it('passes an error with no rows before it straight through', async () => {
    const src = manualSource<number>();
    const boom = new Error('boom');
    src.fail(boom);
    await expect(batchEvents(src.iterator).next()).rejects.toBe(boom);
  });

  it('cuts batches at maxBytes', async () => {
    const src = manualSource<string>();
    src.push('aaaa', 'bb', 'cccccc', 'd');
    src.end();
    const events = await drain(batchEvents(src.iterator, { maxRows: 100, maxBytes: 5, sizeOf: (s) => s.length }));
    expect(events).toEqual([batch('aaaa', 'bb'), batch('cccccc'), batch('d')]);
  });

  it('return() reaches the source, ends a pending next() and leaves no timer', async () => {
    vi.useFakeTimers();
    const src = manualSource<number>();
    const it = batchEvents(src.iterator, { maxRows: 10, maxDelayMs: 50 });
    const pending = it.next();
    src.push(1);
    await vi.advanceTimersByTimeAsync(10);
    expect(vi.getTimerCount()).toBe(1);
    expect(await it.return?.()).toEqual({ value: undefined, done: true });
    expect(await pending).toEqual({ value: undefined, done: true });
    expect(src.state.returned).toBe(1);
    expect(vi.getTimerCount()).toBe(0);
    expect(await it.next()).toEqual({ value: undefined, done: true });
    await it.return?.();
    expect(src.state.returned).toBe(1);
  });

  it('throw() returns the source and rethrows', async () => {
    const src = manualSource<number>();
    const it = batchEvents(src.iterator);
    const boom = new Error('stop');
    await expect(it.throw?.(boom)).rejects.toBe(boom);
    expect(src.state.returned).toBe(1);
  });

  it('refuses options out of range', () => {
    const src = manualSource<number>();
    expect(() => batchEvents(src.iterator, { maxRows: 0 })).toThrow(RangeError);
    expect(() => batchEvents(src.iterator, { maxDelayMs: -1 })).toThrow(RangeError);
    expect(() => batchEvents(src.iterator, { maxBytes: 0 })).toThrow(RangeError);
  });
});

describe('batchArguments', () => {
  it('defaults to 500 rows and 50 ms', () => {
    expect(batchArguments({})).toEqual({ maxRows: 500, maxDelayMs: 50 });
    expect(batchArguments({ maxRows: null, maxDelayMs: null })).toEqual({ maxRows: 500, maxDelayMs: 50 });
    expect(batchArguments({ maxRows: 10_000, maxDelayMs: 0 })).toEqual({ maxRows: 10_000, maxDelayMs: 0 });
  });

  it.each([
    [{ maxRows: 0 }, 'maxRows'],
    [{ maxRows: 10_001 }, 'maxRows'],
    [{ maxDelayMs: -1 }, 'maxDelayMs'],
    [{ maxDelayMs: 60_001 }, 'maxDelayMs'],
  ])('refuses %o with BAD_USER_INPUT', (args, name) => {
    try {
      batchArguments(args);
      expect.unreachable();
    } catch (err) {
      expect((err as { extensions: Record<string, unknown> }).extensions).toMatchObject({ code: 'BAD_USER_INPUT', argumentName: name });
    }
  });
});

describe('approximateJsonBytes', () => {
  it('is about the JSON length', () => {
    for (const value of [['a', 1, true, null], { id: 'k1', n: 2, nested: { list: ['x', 'yy'] } }, 'text', 3.5]) {
      const exact = JSON.stringify(value).length;
      expect(approximateJsonBytes(value)).toBeGreaterThanOrEqual(exact * 0.5);
      expect(approximateJsonBytes(value)).toBeLessThanOrEqual(exact * 2 + 8);
    }
    expect(approximateJsonBytes(new JsonNumber('9007199254740993'))).toBe(16);
    expect(approximateJsonBytes(['x'.repeat(1_000_000)])).toBeGreaterThan(1_000_000);
  });
});
