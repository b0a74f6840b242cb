import { describe, expect, it } from 'vitest';
import { encodeStreamedRow, QueryFraming, StreamedRowParser } from './query-stream.js';
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
    expect(parseAll([enc.encode(bodies.pushLimit!)]).map((r) => Object.keys(r)[0])).toEqual([
      'header',
      'row',
      'row',
      'finalMessage',
    ]);
    expect(parseAll([enc.encode(bodies.pushError!)]).map((r) => Object.keys(r)[0])).toEqual([
      'header',
      'row',
      'errorMessage',
    ]);
    expect(parseAll([enc.encode(bodies.emptyPull!)])).toHaveLength(1);
    expect(parseAll([enc.encode(bodies.legacyKeepAlive!)])).toHaveLength(3);
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
    const bytes = new TextEncoder().encode(bodies.pushLimit!);
    const chunks = Array.from(bytes, (b) => Uint8Array.of(b));
    expect(parseAll(chunks)).toEqual(parseAll([bytes]));
  });

  it('bounds a partial line', () => {
    const p = new StreamedRowParser(16);
    expect(() => p.push('{"row":{"columns":["a very long partial line"')).toThrow(/exceeded/);
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
