import { describe, expect, it } from 'vitest';
import { createDefaultFunctionRegistry } from '../functions/index.js';
import type { Expr } from '../plan/index.js';
import { SqlTypes, type SqlType, type Value } from '../types/index.js';
import { compileExpr, compilePredicate, compileProjection, EvaluationError } from './evaluate.js';

const functions = createDefaultFunctionRegistry();
const I = SqlTypes.INTEGER;
const col = (index: number, type: SqlType = I): Expr => ({ kind: 'Column', index, name: `C${index}`, type });
const lit = (value: Value, type: SqlType = I): Expr => ({ kind: 'Literal', type, value });
const B = SqlTypes.BOOLEAN;

describe('compileExpr', () => {
  it('propagates NULL through arithmetic and comparison', () => {
    const plus: Expr = { kind: 'Arithmetic', op: '+', left: col(0), right: col(1), type: I };
    expect(compileExpr(plus, functions)([1, 2])).toBe(3);
    expect(compileExpr(plus, functions)([1, null])).toBeNull();
    const eq: Expr = { kind: 'Comparison', op: '=', left: col(0), right: col(1), type: B };
    expect(compileExpr(eq, functions)([null, 1])).toBeNull();
    const distinct: Expr = { kind: 'Comparison', op: 'IS DISTINCT FROM', left: col(0), right: col(1), type: B };
    expect(compileExpr(distinct, functions)([null, 1])).toBe(true);
    expect(compileExpr(distinct, functions)([null, null])).toBe(false);
  });

  it('implements three-valued logic', () => {
    const and = (a: Value, b: Value) =>
      compileExpr({ kind: 'Logical', op: 'AND', left: lit(a, B), right: lit(b, B), type: B }, functions)([]);
    const or = (a: Value, b: Value) =>
      compileExpr({ kind: 'Logical', op: 'OR', left: lit(a, B), right: lit(b, B), type: B }, functions)([]);
    expect(and(null, false)).toBe(false);
    expect(and(null, true)).toBeNull();
    expect(or(null, true)).toBe(true);
    expect(or(null, false)).toBeNull();
  });

  it('wraps INTEGER overflow and fails on division by zero', () => {
    const add: Expr = { kind: 'Arithmetic', op: '+', left: lit(2147483647), right: lit(1), type: I };
    expect(compileExpr(add, functions)([])).toBe(-2147483648);
    const div: Expr = { kind: 'Arithmetic', op: '/', left: lit(1), right: lit(0), type: I };
    expect(() => compileExpr(div, functions)([])).toThrow(EvaluationError);
    expect(compileProjection(div, functions)([])).toBeNull();
    expect(compilePredicate({ kind: 'Comparison', op: '=', left: div, right: lit(1), type: B }, functions)([])).toBe(false);
  });

  it('evaluates IN with NULL semantics', () => {
    const inList = (v: Value, values: Value[]) =>
      compileExpr({ kind: 'In', operand: lit(v), values: values.map((x) => lit(x)), negated: false, type: B }, functions)([]);
    expect(inList(1, [1, 2])).toBe(true);
    expect(inList(3, [1, 2])).toBe(false);
    expect(inList(3, [1, null])).toBeNull();
    expect(inList(null, [1])).toBeNull();
  });
});
