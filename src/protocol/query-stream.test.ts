import { describe, expect, it } from 'vitest';
import { DEFAULT_MAX_LINE_BYTES, encodeStreamedRow, LineTooLongError, QueryFraming, StreamedRowParser } from './query-stream.js';
import type { StreamedRow } from './rest-types.js';

const bodies: Record<string, string> = {
  pushLimit:
    '[{"header":{"queryId":"transient_S_1","schema":"`K` STRING, `ID` INTEGER"}},\n' +
    '{"row":{"columns":["a",1]}},\n{"row":{"columns":["é😀漢",9007199254740993]}},\n' +
    '{"finalMessage":"Limit Reached"}]',
  tablePull:
    '[{"header":{"queryId":"query_1","schema":"`ID` STRING KEY, `COUNT` BIGINT"}},\n' +
    '{"row":{"columns":["x",1.10]}}]',
  pushError:
    '[{"header":{"queryId":"transient_S_2","schema":"`V` INTEGER"}},\n{"row":{"columns":[1]}},\n' +
    '{"errorMessage":{"@type":"generic_error","error_code":50000,"message":"boom"}},\n]',
  legacyKeepAlive: '[{"header":{"queryId":"q","schema":"`V` INTEGER"}},\n\n\n{"row":{"columns":[2]}},\n{"finalMessage":"Query Completed"}]\n',
  emptyPull: '[{"header":{"queryId":"query_2","schema":"`ID` STRING KEY"}}]',
};

function parseAll(chunks: Uint8Array[]): StreamedRow[] {
  const p = new StreamedRowParser();
  return [...chunks.flatMap((c) => p.push(c)), ...p.end()];
}

describe('StreamedRowParser', () => {
  it('parses every ending ksqlDB produces', () => {
    const enc = new TextEncoder();
    expect(parseAll([enc.encode(bodies.pushLimit)]).map((r) => Object.keys(r)[0])).toEqual([
      'header',
      'row',
      'row',
      'finalMessage',
    ]);
    expect(parseAll([enc.encode(bodies.pushError)]).map((r) => Object.keys(r)[0])).toEqual([
      'header',
      'row',
      'errorMessage',
    ]);
    expect(parseAll([enc.encode(bodies.emptyPull)])).toHaveLength(1);
    expect(parseAll([enc.encode(bodies.legacyKeepAlive)])).toHaveLength(3);
  });

  it('gives the same elements for a split at every byte offset', () => {
    for (const [name, body] of Object.entries(bodies)) {
      const bytes = new TextEncoder().encode(body);
      const expected = parseAll([bytes]);
      for (let i = 0; i <= bytes.length; i++) {
        const got = parseAll([bytes.subarray(0, i), bytes.subarray(i)]);
        expect(got, `${name} split at ${i}`).toEqual(expected);
      }
    }
  });

  it('survives one byte per chunk', () => {
    const bytes = new TextEncoder().encode(bodies.pushLimit);
    const chunks = Array.from(bytes, (b) => Uint8Array.of(b));
    expect(parseAll(chunks)).toEqual(parseAll([bytes]));
  });

  it('bounds a partial line', () => {
    const p = new StreamedRowParser({ maxLineBytes: 16 });
    expect(() => p.push('{"row":{"columns":["a very long partial line"')).toThrow(/exceeded 16 bytes/);
  });
});

describe('StreamedRowParser: the line bound (maxLineBytes)', () => {
  const row = (value: string) => `{"row":{"columns":[${JSON.stringify(value)}]}}`;
  const tooLong = (f: () => unknown): LineTooLongError => {
    try {
      f();
    } catch (err) {
      expect(err).toBeInstanceOf(LineTooLongError);
      return err as LineTooLongError;
    }
    throw new Error('did not throw');
  };

  it('defaults to 16 MiB', () => {
    expect(DEFAULT_MAX_LINE_BYTES).toBe(16 * 1024 * 1024);
    const p = new StreamedRowParser();
    expect(p.push(`${row('x'.repeat(DEFAULT_MAX_LINE_BYTES - 100))},\n`)).toHaveLength(1);
  });

  it('accepts a line of exactly maxLineBytes (the newline not counted) and refuses one byte more', () => {
    const line = row('x'.repeat(50));
    const exact = new StreamedRowParser({ maxLineBytes: line.length });
    expect(exact.push(`${line}\n`)).toEqual([{ row: { columns: ['x'.repeat(50)] } }]);
    const under = new StreamedRowParser({ maxLineBytes: line.length - 1 });
    const err = tooLong(() => under.push(`${line}\n`));
    expect(err.code).toBe('KSQL_LINE_TOO_LONG');
    expect(err.maxLineBytes).toBe(line.length - 1);
    expect(err.line).toBe(line.slice(0, 200));
  });

  it('counts bytes of UTF-8, not characters', () => {
    const line = row('é'.repeat(20)); // 20 characters, 40 bytes
    const bytes = new TextEncoder().encode(line).length;
    expect(() => new StreamedRowParser({ maxLineBytes: bytes - 1 }).push(`${line}\n`)).toThrow(LineTooLongError);
    expect(new StreamedRowParser({ maxLineBytes: bytes }).push(`${line}\n`)).toHaveLength(1);
  });

  it('throws once an endless line passes the limit, holding no more than the limit', () => {
    const p = new StreamedRowParser({ maxLineBytes: 1024 * 1024 });
    const chunk = new Uint8Array(64 * 1024).fill(0x78);
    p.push('{"row":{"columns":["');
    let pushed = 0;
    const err = tooLong(() => {
      for (;;) {
        p.push(chunk);
        pushed++;
        expect(p.partialBytes).toBeLessThanOrEqual(1024 * 1024);
      }
    });
    expect(pushed).toBe(15); // 20 + 16 × 65536 > 1 MiB: the 16th chunk is refused
    expect(err.message).toBe('A /query element exceeded 1048576 bytes');
    expect(p.partialBytes).toBe(0); // nothing of the line is kept
  });

  it('bounds the line that ends in the same chunk, and one split over many chunks', () => {
    const line = `${row('y'.repeat(100))},\n`;
    expect(() => new StreamedRowParser({ maxLineBytes: 64 }).push(line)).toThrow(LineTooLongError);
    const p = new StreamedRowParser({ maxLineBytes: 64 });
    const bytes = new TextEncoder().encode(line);
    expect(() => {
      for (let i = 0; i < bytes.length; i += 7) p.push(bytes.subarray(i, i + 7));
    }).toThrow(LineTooLongError);
  });

  it('lines before a long one in the same body are delivered by earlier pushes', () => {
    const p = new StreamedRowParser({ maxLineBytes: 64 });
    expect(p.push(`${row('a')},\n`)).toHaveLength(1);
    expect(() => p.push(row('b'.repeat(100)))).toThrow(LineTooLongError);
  });

  it('a long line split over chunks parses to the same element as unsplit', () => {
    const value = 'z😀'.repeat(10_000);
    const body = new TextEncoder().encode(`[{"header":{"queryId":"q","schema":"\`V\` STRING"}},\n${row(value)},\n`);
    for (const size of [1, 3, 4096, 65536]) {
      const p = new StreamedRowParser({ maxLineBytes: 64 * 1024 });
      const out = [];
      for (let i = 0; i < body.length; i += size) out.push(...p.push(body.subarray(i, i + size)));
      out.push(...p.end());
      expect(out[1], `chunks of ${size}`).toEqual({ row: { columns: [value] } });
    }
  });

  it('refuses a limit that is not a positive integer', () => {
    expect(() => new StreamedRowParser({ maxLineBytes: 0 })).toThrow(RangeError);
    expect(() => new StreamedRowParser({ maxLineBytes: 1.5 })).toThrow(RangeError);
  });
});

describe('encodeStreamedRow', () => {
  it('writes the exact bytes of the framing', () => {
    const body =
      QueryFraming.OPEN +
      encodeStreamedRow({ header: { queryId: 'q', schema: '`V` BIGINT' } }) +
      QueryFraming.SEPARATOR +
      encodeStreamedRow({ row: { columns: [9007199254740993n] } }) +
      QueryFraming.SEPARATOR +
      encodeStreamedRow({ finalMessage: 'Limit Reached' }) +
      QueryFraming.CLOSE;
    expect(body).toBe(
      '[{"header":{"queryId":"q","schema":"`V` BIGINT"}},\n{"row":{"columns":[9007199254740993]}},\n{"finalMessage":"Limit Reached"}]',
    );
  });
});
