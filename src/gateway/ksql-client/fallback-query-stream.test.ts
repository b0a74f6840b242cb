import { describe, expect, it } from 'vitest';
import { FallbackQueryStream } from './fallback-query-stream.js';
import type { QueryEvent, QueryHeader, QueryStream } from './types.js';

const HEADER = { queryId: 'q1', columns: [] } as unknown as QueryHeader;

/** A stream whose steps are the given promises, in order; counts return(). */
function fakeStream(steps: Array<Promise<IteratorResult<QueryEvent>>>): QueryStream & { returns: number } {
  const stream = {
    header: Promise.resolve(HEADER),
    returns: 0,
    next: () => steps.shift() ?? Promise.resolve({ value: undefined, done: true as const }),
    return: () => {
      stream.returns++;
      return Promise.resolve({ value: undefined, done: true as const });
    },
    [Symbol.asyncIterator]() {
      return stream;
    },
  };
  return stream;
}

describe('FallbackQueryStream', () => {
  it('hands each next() straight to the open stream: nothing per row is left behind', async () => {
    const step = Promise.resolve({ value: { kind: 'row' } as unknown as QueryEvent, done: false as const });
    const inner = fakeStream([step]);
    const stream = new FallbackQueryStream(() => Promise.resolve(inner));
    await stream.header;
    // The very promise of the open stream: no race, no reaction on the pending return() promise.
    expect(stream.next()).toBe(step);
  });

  it('a next() while the stream opens waits for it; return() before it opens settles that next() and closes the stream once open', async () => {
    let open!: (s: QueryStream) => void;
    const inner = fakeStream([]);
    const stream = new FallbackQueryStream(() => new Promise<QueryStream>((resolve) => (open = resolve)));
    const pending = stream.next();
    await stream.return();
    expect(await pending).toEqual({ value: undefined, done: true });
    open(inner);
    await stream.header;
    await new Promise((r) => setImmediate(r));
    expect(inner.returns).toBe(1);
    expect(await stream.next()).toEqual({ value: undefined, done: true });
  });
});
