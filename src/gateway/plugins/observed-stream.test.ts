import { describe, expect, it } from 'vitest';
import { observe } from './observed-stream.js';

async function* items(values: number[], fail?: Error): AsyncGenerator<number> {
  yield* values;
  if (fail) throw fail;
}

async function drain<T>(it: AsyncIterator<T>): Promise<Array<T | string>> {
  const out: Array<T | string> = [];
  for (;;) {
    try {
      const step = await it.next();
      if (step.done) return out;
      out.push(step.value);
    } catch (e) {
      out.push(`threw ${(e as Error).message}`);
      return out;
    }
  }
}

describe('observe', () => {
  it('wraps once: a second observer joins the first wrapper and sees the steps after it', async () => {
    const seen: string[] = [];
    const first = observe(items([1, 2]), { step: (s) => (s.done ? (seen.push('a:done'), undefined) : { value: s.value * 10, done: false }) });
    const second = observe(first, { step: (s) => void seen.push(`b:${s.done ? 'done' : s.value}`) });
    expect(second).toBe(first);
    expect(await drain(second)).toEqual([10, 20]);
    expect(seen).toEqual(['b:10', 'b:20', 'a:done', 'b:done']);
  });

  it('an observer that turns a rejection into a last step: earlier ones see the error, later ones the step, then the end', async () => {
    const seen: string[] = [];
    const stream = observe(items([1], new Error('boom')), { error: (e) => void seen.push(`a:${(e as Error).message}`) });
    observe(stream, { error: () => ({ value: -1, done: false }) });
    observe(stream, { step: (s) => void seen.push(`c:${s.done ? 'done' : s.value}`) });
    expect(await drain(stream)).toEqual([1, -1]);
    expect(seen).toEqual(['c:1', 'a:boom', 'c:-1', 'c:done']);
  });

  it('an observer that throws fails the stream as a rejection would, and the source is returned', async () => {
    let returned = false;
    async function* source(): AsyncGenerator<number> {
      try {
        yield 1;
        yield 2;
      } finally {
        returned = true;
      }
    }
    const stream = observe(source(), {
      step: (s) => {
        if (!s.done && s.value === 2) throw new Error('observer bug');
        return undefined;
      },
    });
    observe(stream, { error: (e) => ({ value: -1, done: (e as Error).message !== 'observer bug' }) });
    expect(await drain(stream)).toEqual([1, -1]);
    expect(returned).toBe(true);
  });

  it('lets a rejection through when no observer replaces it', async () => {
    const stream = observe(items([], new Error('boom')), { error: () => undefined });
    expect(await drain(stream)).toEqual(['threw boom']);
    expect(await stream.next()).toEqual({ value: undefined, done: true });
  });

  it('return() tells every observer before and after the source is returned', async () => {
    const seen: string[] = [];
    let returned = false;
    const source: AsyncIterableIterator<number> = {
      next: () => new Promise(() => {}),
      return: async () => {
        seen.push('source');
        returned = true;
        return { value: undefined, done: true };
      },
      [Symbol.asyncIterator]() {
        return this;
      },
    };
    const stream = observe(source, { closing: () => void seen.push('a:closing'), closed: () => void seen.push('a:closed') });
    observe(stream, { closing: () => void seen.push('b:closing'), closed: () => void seen.push('b:closed') });
    void stream.next();
    expect(await stream.return!()).toEqual({ value: undefined, done: true });
    expect(returned).toBe(true);
    expect(seen).toEqual(['a:closing', 'b:closing', 'source', 'a:closed', 'b:closed']);
    expect(await stream.next()).toEqual({ value: undefined, done: true });
  });
});
