import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { declaredLength, readBoundedText } from './bounded-body.js';

class TooLarge extends Error {}

/** A body of `chunks`, recording how many were read and whether it was destroyed (and why). */
function body(chunks: Array<Uint8Array | string>) {
  let pulled = 0;
  const stream = new Readable({
    read() {
      const next = chunks[pulled++];
      this.push(next === undefined ? null : typeof next === 'string' ? Buffer.from(next) : next);
    },
  });
  return {
    stream,
    get pulled() {
      return pulled;
    },
  };
}

const tooLarge = () => new TooLarge('too large');

describe('readBoundedText', () => {
  it('reads a body up to and including maxBytes, decoding UTF-8 across chunk boundaries', async () => {
    const bytes = Buffer.from('{"v":"é😀"}');
    // Split inside both multi-byte characters.
    const b = body([bytes.subarray(0, 7), bytes.subarray(7, 10), bytes.subarray(10)]);
    await expect(readBoundedText(b.stream, { maxBytes: bytes.length, tooLarge })).resolves.toBe('{"v":"é😀"}');
  });

  it('drops a BOM and replaces malformed UTF-8, as body.text() does', async () => {
    const b = body([Buffer.from([0xef, 0xbb, 0xbf, 0x61, 0xff, 0x62])]);
    await expect(readBoundedText(b.stream, { maxBytes: 100, tooLarge })).resolves.toBe('a\uFFFDb');
  });

  it('fails at the first chunk past maxBytes, destroying the body instead of reading it to its end', async () => {
    const chunks = Array.from({ length: 1000 }, () => Buffer.alloc(1024, 0x78));
    const b = body(chunks);
    await expect(readBoundedText(b.stream, { maxBytes: 10 * 1024, tooLarge })).rejects.toBeInstanceOf(TooLarge);
    expect(b.stream.destroyed).toBe(true);
    // 11 chunks make it too large; a Readable reads a little ahead, never the whole body.
    expect(b.pulled).toBeLessThan(50);
  });

  it('one byte over is too large', async () => {
    await expect(readBoundedText(body(['abcd', 'e']).stream, { maxBytes: 4, tooLarge })).rejects.toBeInstanceOf(TooLarge);
    await expect(readBoundedText(body(['abcd']).stream, { maxBytes: 4, tooLarge })).resolves.toBe('abcd');
  });

  it('a declared length over maxBytes fails before anything is read', async () => {
    const b = body(['x'.repeat(10)]);
    await expect(readBoundedText(b.stream, { maxBytes: 5, declaredBytes: 10, tooLarge })).rejects.toBeInstanceOf(TooLarge);
    expect(b.pulled).toBe(0);
    expect(b.stream.destroyed).toBe(true);
  });

  it('a declared length is not trusted: the bytes are counted anyway', async () => {
    const b = body(['x'.repeat(10)]);
    await expect(readBoundedText(b.stream, { maxBytes: 5, declaredBytes: 3, tooLarge })).rejects.toBeInstanceOf(TooLarge);
  });
});

describe('declaredLength', () => {
  it('takes one well-formed Content-Length, nothing else', () => {
    expect(declaredLength('42')).toBe(42);
    expect(declaredLength(' 7 ')).toBe(7);
    expect(declaredLength(undefined)).toBeUndefined();
    expect(declaredLength(['1', '2'])).toBeUndefined();
    expect(declaredLength('-1')).toBeUndefined();
    expect(declaredLength('1e3')).toBeUndefined();
    expect(declaredLength('99999999999999999999')).toBeUndefined();
  });
});
