/**
 * Helpers to declare scalar functions: fixed and variadic overloads, the
 * overload resolution ksqlDB does (exact match first, then implicit
 * widening), and the error type a function throws at evaluation time.
 *
 * @module
 */
import { BaseError } from '../../shared/errors.js';
import {
  canImplicitlyCast,
  formatType,
  SqlTypes,
  typeEquals,
  type DecimalType,
  type SqlType,
} from '../types/index.js';
import type { FunctionCategory, ResolvedSignature, ScalarFunction } from './registry.js';

/**
 * Raised by a function body (ksqlDB's `KsqlFunctionException`). The operator
 * wraps it as `Error computing NAME: message`; a projection then yields NULL.
 */
export class FunctionError extends BaseError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('ENGINE_FUNCTION', message, options);
  }
}

export interface Overload {
  readonly args: readonly SqlType[];
  /** Type of any further arguments (Java varargs); absent for fixed arity. */
  readonly variadic?: SqlType | undefined;
  readonly returns: SqlType | ((args: readonly SqlType[]) => SqlType);
}

export const S = SqlTypes.STRING;
export const I = SqlTypes.INTEGER;
export const L = SqlTypes.BIGINT;
export const D = SqlTypes.DOUBLE;
export const B = SqlTypes.BOOLEAN;
export const BYTES = SqlTypes.BYTES;
export const DATE = SqlTypes.DATE;
export const TIME = SqlTypes.TIME;
export const TS = SqlTypes.TIMESTAMP;
/** Placeholder: any DECIMAL matches; resolution keeps the argument's precision and scale. */
export const DEC: DecimalType = { type: 'DECIMAL', precision: 38, scale: 0 };

function arity(o: Overload, n: number): boolean {
  return o.variadic === undefined ? o.args.length === n : n >= o.args.length;
}

function paramAt(o: Overload, i: number): SqlType {
  return (o.args[i] ?? o.variadic) as SqlType;
}

/** Matches argument types against overloads: exact first, then implicit widening. */
export function resolveOverloads(
  overloads: readonly Overload[],
  argTypes: readonly (SqlType | null)[],
): ResolvedSignature | undefined {
  const fits = (o: Overload, exact: boolean) =>
    arity(o, argTypes.length) &&
    argTypes.every((a, i) => {
      const t = paramAt(o, i);
      if (a === null) return true;
      return exact ? a.type === t.type : a.type === t.type || canImplicitlyCast(a, t);
    });
  const o = overloads.find((x) => fits(x, true)) ?? overloads.find((x) => fits(x, false));
  if (o === undefined) return undefined;
  // DECIMAL overloads are declared with a placeholder; keep the caller's decimal type.
  const args = argTypes.map((a, i) => {
    const t = paramAt(o, i);
    return t.type === 'DECIMAL' && a?.type === 'DECIMAL' ? a : t;
  });
  const returnType = typeof o.returns === 'function' ? o.returns(args) : o.returns;
  // No argument to widen: leave argTypes out, so the per-row coerceArguments is a no-op.
  const widens = argTypes.some((a, i) => a === null || !typeEquals(a, args[i] as SqlType));
  return widens ? { returnType, argTypes: args } : { returnType };
}

/** ksqlDB's display of a parameter type: the DECIMAL placeholder prints as plain `DECIMAL`. */
function paramText(t: SqlType): string {
  return t === DEC ? 'DECIMAL' : formatType(t);
}

export function signatureText(name: string, o: Overload): string {
  const fixed = o.args.map(paramText);
  if (o.variadic !== undefined) fixed.push(`${paramText(o.variadic)}...`);
  return `${name}(${fixed.join(', ')})`;
}

export interface DefineOptions {
  /** The body receives NULL arguments (see {@link ScalarFunction.handlesNulls}). */
  readonly handlesNulls?: boolean;
}

/** A function with fixed (or variadic) overloads. */
export function define(
  name: string,
  category: FunctionCategory,
  description: string,
  overloads: readonly Overload[],
  evaluate: ScalarFunction['evaluate'],
  options: DefineOptions = {},
): ScalarFunction {
  return {
    name,
    category,
    description,
    signatures: overloads.map((o) => signatureText(name, o)),
    resolve: (argTypes) => resolveOverloads(overloads, argTypes),
    evaluate,
    handlesNulls: options.handlesNulls,
  };
}

/** The common type every non-null argument widens to (ksqlDB requires one type for T...). */
export function commonArgType(argTypes: readonly (SqlType | null)[]): SqlType | null | undefined {
  let t: SqlType | null = null;
  for (const a of argTypes) {
    if (a === null) continue;
    if (t === null || typeEquals(t, a)) {
      t = t ?? a;
      continue;
    }
    if (t.type === 'DECIMAL' && a.type === 'DECIMAL') {
      t = widenDecimal(t, a);
      continue;
    }
    if (canImplicitlyCast(t, a)) t = a;
    else if (!canImplicitlyCast(a, t)) return undefined;
  }
  return t;
}

/** ksqlDB's DecimalUtil.widen: enough integer and fraction digits for both. */
export function widenDecimal(a: DecimalType, b: DecimalType): DecimalType {
  const scale = Math.max(a.scale, b.scale);
  const integer = Math.max(a.precision - a.scale, b.precision - b.scale);
  return SqlTypes.decimal(Math.min(integer + scale, 38), scale);
}
