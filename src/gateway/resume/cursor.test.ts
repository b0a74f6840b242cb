import { describe, expect, it } from 'vitest';
import { createHmac } from 'node:crypto';
import { GraphQLError } from 'graphql';
import { BUILT_IN_CURSOR_KEY, MAX_CURSOR_CHARS, createCursorCodec, cursorFingerprint, isAtOrBefore, resumeCondition } from './cursor.js';

const codec = createCursorCodec('a-secret-of-sixteen-chars');
const fp = cursorFingerprint('PAGEVIEWS', '(`V` > 1)');

function codeOf(run: () => unknown): unknown {
  try {
    run();
  } catch (e) {
    expect(e).toBeInstanceOf(GraphQLError);
    return (e as GraphQLError).extensions['code'];
  }
  return 'no error';
}

describe('cursor codec', () => {
  it('round-trips a position, offsets up to BIGINT max', () => {
    const position = { since: 1_796_394_695_809, offsets: new Map([[0, 41n], [7, 2n ** 63n - 1n], [3, 0n]]) };
    const cursor = codec.encode(fp, position);
    expect(cursor).toMatch(/^v1\.[\w-]+\.[\w-]+$/);
    expect(codec.decode(fp, cursor)).toEqual(position);
    expect(codec.decode(fp, codec.encode(fp, { since: 0, offsets: new Map() }))).toEqual({ since: 0, offsets: new Map() });
  });

  it('is checked by any codec with the same key, refused as forged by one with another', () => {
    const cursor = codec.encode(fp, { since: 5, offsets: new Map([[1, 9n]]) });
    expect(createCursorCodec('a-secret-of-sixteen-chars').decode(fp, cursor).offsets.get(1)).toBe(9n);
    expect(codeOf(() => createCursorCodec(BUILT_IN_CURSOR_KEY).decode(fp, cursor))).toBe('CURSOR_FORGED');
  });

  it('refuses a changed byte as forged, another subscription as foreign', () => {
    const cursor = codec.encode(fp, { since: 5, offsets: new Map([[1, 9n]]) });
    const [v, payload, mac] = cursor.split('.') as [string, string, string];
    const edited = Buffer.from(JSON.stringify([fp, 5, 1, '8'])).toString('base64url');
    expect(codeOf(() => codec.decode(fp, `${v}.${edited}.${mac}`))).toBe('CURSOR_FORGED');
    expect(codeOf(() => codec.decode(fp, `${v}.${payload}.${mac.slice(0, -2)}`))).toBe('CURSOR_FORGED');
    expect(codeOf(() => codec.decode(cursorFingerprint('PAGEVIEWS', undefined), cursor))).toBe('CURSOR_FOREIGN');
    expect(codeOf(() => codec.decode(cursorFingerprint('OTHER', '(`V` > 1)'), cursor))).toBe('CURSOR_FOREIGN');
  });

  it('refuses what is not a cursor as malformed', () => {
    for (const text of ['', 'abc', 'v1.x', 'v2.a.b', 'v1.a.b.c', 'x'.repeat(MAX_CURSOR_CHARS + 1)]) {
      expect(codeOf(() => codec.decode(fp, text)), text.slice(0, 20)).toBe('CURSOR_MALFORMED');
    }
  });

  it('refuses a signed payload that is not a position as malformed', () => {
    const key = 'another-secret-of-16';
    const own = createCursorCodec(key);
    const sign = (fields: unknown) => {
      const signed = `v1.${Buffer.from(typeof fields === 'string' ? fields : JSON.stringify(fields)).toString('base64url')}`;
      return `${signed}.${createHmac('sha256', key).update(signed).digest().subarray(0, 16).toString('base64url')}`;
    };
    expect(own.decode(fp, sign([fp, 1, 0, '5'])).offsets.get(0)).toBe(5n);
    for (const fields of ['not json', { a: 1 }, [fp], [fp, -1], [fp, 1.5], [fp, 1, -1, '5'], [fp, 1, 0, '05'], [fp, 1, 0, 5], [fp, 1, 0, '9223372036854775808'], [fp, 1, 0, '1', 0, '2']]) {
      expect(codeOf(() => own.decode(fp, sign(fields))), JSON.stringify(fields)).toBe('CURSOR_MALFORMED');
    }
  });
});

describe('resumeCondition', () => {
  it('selects the rows after each partition seen, and the others since the time', () => {
    expect(resumeCondition({ since: 1000, offsets: new Map([[0, 41n], [2, 7n]]) })).toBe(
      '(ROWPARTITION = 0 AND ROWOFFSET >= 41) OR (ROWPARTITION = 2 AND ROWOFFSET >= 7) OR (ROWPARTITION NOT IN (0, 2) AND ROWTIME >= 1000)',
    );
    expect(resumeCondition({ since: 0, offsets: new Map() })).toBe('(ROWTIME >= 0)');
  });
});

describe('resumeCondition of several positions', () => {
  it('selects what each needs: the lowest offset where all have seen a partition, else that or the time of those that have not', () => {
    const a = { since: 1000, offsets: new Map([[0, 41n], [1, 5n]]) };
    const b = { since: 900, offsets: new Map([[0, 30n]]) };
    expect(resumeCondition(a, b)).toBe(
      '(ROWPARTITION = 0 AND ROWOFFSET >= 30) OR (ROWPARTITION = 1 AND (ROWOFFSET >= 5 OR ROWTIME >= 900)) OR (ROWPARTITION NOT IN (0, 1) AND ROWTIME >= 900)',
    );
    expect(resumeCondition(a, a)).toBe(resumeCondition(a));
  });

  it('isAtOrBefore: what a member of a group skips', () => {
    const a = { since: 1000, offsets: new Map([[0, 41n]]) };
    expect(isAtOrBefore(a, 0, 41n, 5000)).toBe(true);
    expect(isAtOrBefore(a, 0, 42n, 0)).toBe(false);
    expect(isAtOrBefore(a, 3, 0n, 999)).toBe(true);
    expect(isAtOrBefore(a, 3, 0n, 1000)).toBe(false);
  });
});
