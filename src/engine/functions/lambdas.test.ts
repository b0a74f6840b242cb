import { describe, expect, it } from 'vitest';
import { SqlTypes, type MapKey, type SqlType, type Value } from '../types/index.js';
import { createDefaultFunctionRegistry } from './builtins.js';
import type { LambdaSupport } from './registry.js';

const functions = createDefaultFunctionRegistry();
const I = SqlTypes.INTEGER;
const S = SqlTypes.STRING;
const arrayOf = (item: SqlType = I): SqlType => ({ type: 'ARRAY', item });
const mapOf = (key: SqlType = S, value: SqlType = I): SqlType => ({ type: 'MAP', key, value });
const lambda = (name: string): LambdaSupport => {
  const support = functions.get(name)?.lambda;
  if (support === undefined) throw new Error(`${name} takes no lambdas`);
  return support;
};
const map = (entries: [MapKey, Value][]) => new Map<MapKey, Value>(entries);

describe('lambda functions', () => {
  it('type lambda parameters from the collection (and REDUCE state)', () => {
    expect(lambda('TRANSFORM').paramTypes([arrayOf()], 0, 1)).toEqual([I]);
    expect(lambda('TRANSFORM').paramTypes([mapOf()], 1, 2)).toEqual([S, I]);
    expect(lambda('TRANSFORM').paramTypes([mapOf()], 0, 1)).toBeUndefined();
    expect(lambda('REDUCE').paramTypes([mapOf(), SqlTypes.BIGINT], 0, 3)).toEqual([SqlTypes.BIGINT, S, I]);
    expect(lambda('FILTER').paramTypes([I], 0, 1)).toBeUndefined();
  });

  it('resolve their return types from the lambda bodies', () => {
    expect(functions.get('TRANSFORM')?.resolve([mapOf(), S, SqlTypes.DOUBLE])?.returnType).toEqual(mapOf(S, SqlTypes.DOUBLE));
    expect(functions.get('FILTER')?.resolve([arrayOf(), SqlTypes.BOOLEAN])?.returnType).toEqual(arrayOf());
    expect(functions.get('FILTER')?.resolve([arrayOf(), I])).toBeUndefined();
    // REDUCE's body must keep the state's type.
    expect(functions.get('REDUCE')?.resolve([arrayOf(), I, I])?.returnType).toEqual(I);
    expect(functions.get('REDUCE')?.resolve([arrayOf(), I, SqlTypes.BIGINT])).toBeUndefined();
  });

  it('evaluate over arrays and maps as ksqlDB does', () => {
    expect(lambda('TRANSFORM').evaluate([[1, 2]], [(x) => (x as number) * 2])).toEqual([2, 4]);
    expect(lambda('TRANSFORM').evaluate([map([['a', 1]])], [(k) => k, (_k, v) => (v as number) + 1])).toEqual(map([['a', 2]]));
    expect(() => lambda('TRANSFORM').evaluate([map([['a', 1], ['b', 2]])], [() => 'k', (_k, v) => v])).toThrow('Duplicate key k');
    // A NULL (unknown) predicate drops the element.
    expect(lambda('FILTER').evaluate([[1, null, 3]], [(x) => (x === null ? null : (x as number) > 1)])).toEqual([3]);
    expect(lambda('FILTER').evaluate([map([['a', 1], ['b', 2]])], [(_k, v) => v === 2])).toEqual(map([['b', 2]]));
    expect(lambda('REDUCE').evaluate([[1, 2, 3], 10], [(s, x) => (s as number) + (x as number)])).toBe(16);
    expect(lambda('REDUCE').evaluate([null, 10], [(s) => s])).toBe(10);
    expect(lambda('REDUCE').evaluate([[1], null], [(s) => s])).toBeNull();
    expect(lambda('TRANSFORM').evaluate([null], [(x) => x])).toBeNull();
  });
});
