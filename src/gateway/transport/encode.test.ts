import { GraphQLError } from 'graphql';
import { describe, expect, it } from 'vitest';
import { createResultEncoder, encodeResult } from './encode.js';

function counting() {
  const calls: unknown[] = [];
  const encoder = createResultEncoder({
    stringify: (value) => {
      calls.push(value);
      return JSON.stringify(value);
    },
  });
  return { calls, encoder };
}

describe('encodeResult', () => {
  it('stringifies a result object once, and each new object again', () => {
    const { calls, encoder } = counting();
    const result = { data: { x: 1 } };
    expect(encoder.encode(result)).toBe('{"data":{"x":1}}');
    expect(encoder.encode(result)).toBe('{"data":{"x":1}}');
    expect(calls).toHaveLength(1);
    expect(encoder.encode({ data: { x: 1 } })).toBe('{"data":{"x":1}}');
    expect(calls).toHaveLength(2);
  });

  it('hands a result without internals to stringify as it is (no copy)', () => {
    const { calls, encoder } = counting();
    const result = { data: { x: 1 }, extensions: { cost: 2 } };
    encoder.encode(result);
    expect(calls[0]).toBe(result);
  });

  it('leaves out yoga’s internals as its SSE processor does', () => {
    const error = new GraphQLError('no', { path: ['x'], extensions: { code: 'C', http: { status: 400 }, unexpected: true } });
    const bare = new GraphQLError('bare', { extensions: { http: { status: 500 } } });
    expect(JSON.parse(encodeResult({ data: null, errors: [error, bare], extensions: { http: { headers: {} } } }))).toEqual({
      data: null,
      errors: [{ message: 'no', path: ['x'], extensions: { code: 'C' } }, { message: 'bare' }],
    });
    expect(JSON.parse(encodeResult({ data: { x: 1 }, extensions: { http: {}, cost: 1 } }))).toEqual({ data: { x: 1 }, extensions: { cost: 1 } });
  });
});
