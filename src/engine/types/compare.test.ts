import { describe, expect, it } from 'vitest';
import { compareValues, valuesEqual } from './compare.js';
import { Decimal } from './decimal.js';

describe('compareValues', () => {
  it('compares numbers across representations', () => {
    expect(compareValues(1, 2n)).toBe(-1);
    expect(compareValues(9007199254740993n, 9007199254740992)).toBe(1);
    expect(compareValues(Decimal.parse('1.50'), 1.5)).toBe(0);
    expect(compareValues('a', 'b')).toBe(-1);
    expect(compareValues(true, false)).toBe(1);
  });

  it('deep-compares for equality', () => {
    expect(valuesEqual([1, 2], [1, 2])).toBe(true);
    expect(valuesEqual(new Map([['a', 1]]), new Map([['a', 1]]))).toBe(true);
    expect(valuesEqual(new Map([['a', 1]]), new Map([['a', 2]]))).toBe(false);
    expect(valuesEqual(null, null)).toBe(true);
    expect(valuesEqual(1, null)).toBe(false);
  });
});
