import { describe, expect, it } from 'vitest';
import { Decimal, SqlTypes, type SqlType, type Value } from '../types/index.js';
import { coerceArguments, createDefaultFunctionRegistry } from './builtins.js';

const registry = createDefaultFunctionRegistry();

function call(name: string, args: Value[], types: (SqlType | null)[]): Value {
  const fn = registry.get(name);
  if (!fn) throw new Error(`no ${name}`);
  const sig = fn.resolve(types);
  if (!sig) throw new Error(`no overload of ${name}`);
  if (!fn.handlesNulls && args.some((a) => a === null)) return null;
  return fn.evaluate(coerceArguments(args, types, sig.argTypes), { argTypes: sig.argTypes ?? types, returnType: sig.returnType });
}

describe('built-in functions', () => {
  it('string functions', () => {
    const S = SqlTypes.STRING;
    const I = SqlTypes.INTEGER;
    expect(call('CONCAT', ['a', null, 'b'], [S, S, S])).toBe('ab');
    expect(call('UCASE', ['abc'], [S])).toBe('ABC');
    expect(call('LCASE', ['ABC'], [S])).toBe('abc');
    expect(call('LEN', ['hello'], [S])).toBe(5);
    expect(call('SUBSTRING', ['hello', 2], [S, I])).toBe('ello');
    expect(call('SUBSTRING', ['hello', 2, 3], [S, I, I])).toBe('ell');
    expect(call('SUBSTRING', ['hello', -3], [S, I])).toBe('llo');
    expect(call('SUBSTRING', ['hello', 10], [S, I])).toBe('');
    expect(call('REPLACE', ['a-b-c', '-', '+'], [S, S, S])).toBe('a+b+c');
    expect(call('TRIM', ['  x '], [S])).toBe('x');
    expect(call('UCASE', [null], [S])).toBeNull();
  });

  it('conditional functions', () => {
    expect(call('COALESCE', [null, 2, 3], [null, SqlTypes.INTEGER, SqlTypes.INTEGER])).toBe(2);
    expect(call('IFNULL', [null, 'x'], [SqlTypes.STRING, SqlTypes.STRING])).toBe('x');
    expect(call('IFNULL', ['y', 'x'], [SqlTypes.STRING, SqlTypes.STRING])).toBe('y');
    expect(registry.get('COALESCE')?.resolve([SqlTypes.INTEGER, SqlTypes.STRING])).toBeUndefined();
  });

  it('math functions keep ksqlDB types', () => {
    expect(call('ABS', [-3], [SqlTypes.INTEGER])).toBe(3);
    expect(call('ABS', [-3n], [SqlTypes.BIGINT])).toBe(3n);
    expect((call('ABS', [Decimal.parse('-1.50')], [SqlTypes.decimal(3, 2)]) as Decimal).toString()).toBe('1.50');
    expect(call('ROUND', [2.5], [SqlTypes.DOUBLE])).toBe(3n);
    // Java's Math.round: ties toward positive infinity (ksqlDB's Round.java).
    expect(call('ROUND', [-2.5], [SqlTypes.DOUBLE])).toBe(-2n);
    expect(call('ROUND', [1.2345, 2], [SqlTypes.DOUBLE, SqlTypes.INTEGER])).toBe(1.23);
    expect(registry.get('ROUND')?.resolve([SqlTypes.DOUBLE])?.returnType).toEqual(SqlTypes.BIGINT);
    expect((call('ROUND', [Decimal.parse('9.5')], [SqlTypes.decimal(2, 1)]) as Decimal).toString()).toBe('10');
    expect(call('FLOOR', [-1.5], [SqlTypes.DOUBLE])).toBe(-2);
    expect(call('CEIL', [1.2], [SqlTypes.DOUBLE])).toBe(2);
    expect((call('FLOOR', [Decimal.parse('-1.5')], [SqlTypes.decimal(2, 1)]) as Decimal).toString()).toBe('-2');
    expect((call('CEIL', [Decimal.parse('1.01')], [SqlTypes.decimal(3, 2)]) as Decimal).toString()).toBe('2');
  });

  it('lists functions for SHOW FUNCTIONS', () => {
    expect(registry.list().map((f) => f.name)).toContain('SUBSTRING');
  });
});
