/**
 * The core scalar functions, with ksqlDB's semantics:
 * CONCAT, UCASE, LCASE, LEN, SUBSTRING, REPLACE, TRIM, LTRIM, RTRIM,
 * COALESCE, IFNULL, ABS, ROUND, FLOOR, CEIL; `registerBuiltins` also adds
 * the string (strings.ts), math (math.ts), date/time (datetime.ts) and
 * collection/JSON (collections.ts) families.
 *
 * @module
 */
import {
  canImplicitlyCast,
  coerceValue,
  Decimal,
  SqlTypes,
  typeEquals,
  type DecimalType,
  type SqlType,
  type Value,
} from '../types/index.js';
import { registerCollectionFunctions } from './collections.js';
import { resolveOverloads, signatureText, type Overload } from './define.js';
import { registerDateTimeFunctions } from './datetime.js';
import { registerLambdaFunctions } from './lambdas.js';
import { decimalIntegralType, doubleToLong, roundDecimal, roundDouble, registerMathFunctions } from './math.js';
import { registerMiscFunctions } from './misc.js';
import { FunctionRegistry, type FunctionCategory, type ScalarFunction } from './registry.js';
import { registerStringFunctions } from './strings.js';

function fn(
  name: string,
  category: FunctionCategory,
  description: string,
  overloads: readonly Overload[],
  evaluate: ScalarFunction['evaluate'],
): ScalarFunction {
  return {
    name,
    category,
    description,
    signatures: overloads.map((o) => signatureText(name, o)),
    resolve: (argTypes) => resolveOverloads(overloads, argTypes),
    evaluate,
  };
}

const S = SqlTypes.STRING;
const I = SqlTypes.INTEGER;
const L = SqlTypes.BIGINT;
const D = SqlTypes.DOUBLE;
/** Placeholder: any DECIMAL matches; resolveOverloads keeps the argument's precision and scale. */
const DEC: DecimalType = { type: 'DECIMAL', precision: 38, scale: 0 };

function decimalIntegral(args: readonly SqlType[]): SqlType {
  const d = args[0] as DecimalType;
  return SqlTypes.decimal(Math.max(d.precision - d.scale + 1, 1), 0);
}

function substringStart(length: number, pos: number): number {
  return pos >= 0 ? Math.min(length, Math.max(0, pos - 1)) : Math.max(0, length + pos);
}

export function registerBuiltins(registry: FunctionRegistry): FunctionRegistry {
  registry.register({
    name: 'CONCAT',
    category: 'STRING',
    description: 'Concatenate an arbitrary number of string or bytes fields together.',
    signatures: ['CONCAT(STRING...)', 'CONCAT(BYTES...)'],
    handlesNulls: true,
    resolve(argTypes) {
      if (argTypes.length === 0) return undefined;
      const base = argTypes.find((t) => t !== null)?.type ?? 'STRING';
      if (base !== 'STRING' && base !== 'BYTES') return undefined;
      if (!argTypes.every((t) => t === null || t.type === base)) return undefined;
      return { returnType: base === 'STRING' ? S : SqlTypes.BYTES };
    },
    evaluate(args, ctx) {
      if (ctx.returnType.type === 'BYTES') {
        const parts = args.filter((a): a is Uint8Array => a instanceof Uint8Array);
        return new Uint8Array(Buffer.concat(parts));
      }
      return args.filter((a): a is string => typeof a === 'string').join('');
    },
  });
  registry.register(
    fn('UCASE', 'STRING', 'Returns the input string with all characters converted to upper case.', [{ args: [S], returns: S }], (a) =>
      (a[0] as string).toUpperCase(),
    ),
  );
  registry.register(
    fn('LCASE', 'STRING', 'Returns the input string with all characters converted to lower case.', [{ args: [S], returns: S }], (a) =>
      (a[0] as string).toLowerCase(),
    ),
  );
  registry.register(
    fn(
      'LEN',
      'STRING',
      'Returns the length of the input string or bytes.',
      [
        { args: [S], returns: I },
        { args: [SqlTypes.BYTES], returns: I },
      ],
      (a) => (typeof a[0] === 'string' ? a[0].length : (a[0] as Uint8Array).length),
    ),
  );
  registry.register(
    fn(
      'SUBSTRING',
      'STRING',
      'Returns a substring of str from pos (1-based; negative counts from the end), optionally of length len.',
      [
        { args: [S, I], returns: S },
        { args: [S, I, I], returns: S },
      ],
      (a) => {
        const str = a[0] as string;
        const start = substringStart(str.length, a[1] as number);
        if (a.length < 3) return str.slice(start);
        const end = Math.max(start, Math.min(str.length, start + (a[2] as number)));
        return str.slice(start, end);
      },
    ),
  );
  registry.register(
    fn(
      'REPLACE',
      'STRING',
      'Returns a new string with all occurrences of substring replaced with replacement.',
      [{ args: [S, S, S], returns: S }],
      (a) => (a[0] as string).replaceAll(a[1] as string, a[2] as string),
    ),
  );
  registry.register(fn('TRIM', 'STRING', 'Removes leading and trailing whitespace.', [{ args: [S], returns: S }], (a) => (a[0] as string).trim()));
  registry.register(fn('LTRIM', 'STRING', 'Removes leading whitespace.', [{ args: [S], returns: S }], (a) => (a[0] as string).trimStart()));
  registry.register(fn('RTRIM', 'STRING', 'Removes trailing whitespace.', [{ args: [S], returns: S }], (a) => (a[0] as string).trimEnd()));

  registry.register({
    name: 'COALESCE',
    category: 'CONDITIONAL',
    description: 'Returns the first parameter that is not NULL.',
    signatures: ['COALESCE(T, T...)'],
    handlesNulls: true,
    resolve(argTypes) {
      if (argTypes.length === 0) return undefined;
      const first = argTypes.find((t): t is SqlType => t !== null);
      if (first === undefined) return { returnType: S };
      if (!argTypes.every((t) => t === null || typeEquals(t, first))) return undefined;
      return { returnType: first };
    },
    evaluate: (args) => args.find((a) => a !== null) ?? null,
  });
  registry.register({
    name: 'IFNULL',
    category: 'CONDITIONAL',
    description: 'Returns expression if not NULL, otherwise altValue.',
    signatures: ['IFNULL(T, T)'],
    handlesNulls: true,
    resolve(argTypes) {
      if (argTypes.length !== 2) return undefined;
      const [a, b] = argTypes;
      const t = a ?? b ?? null;
      if (t === null) return { returnType: S };
      if (a && b && !typeEquals(a, b)) {
        const widened = coerceTarget(a, b);
        return widened === undefined ? undefined : { returnType: widened, argTypes: [widened, widened] };
      }
      return { returnType: t };
    },
    evaluate: (args) => args[0] ?? args[1] ?? null,
  });

  registry.register(
    fn(
      'ABS',
      'MATHEMATICAL',
      'Returns the absolute value of its argument.',
      [
        { args: [I], returns: I },
        { args: [L], returns: L },
        { args: [D], returns: D },
        { args: [DEC], returns: (a) => a[0] as SqlType },
      ],
      (a, ctx) => {
        const v = a[0] ?? null;
        switch (ctx.returnType.type) {
          case 'INTEGER':
            return Math.abs(v as number) | 0;
          case 'BIGINT':
            return (v as bigint) < 0n ? -(v as bigint) : (v);
          case 'DECIMAL':
            return (v as Decimal).signum() < 0 ? (v as Decimal).negate() : v;
          default:
            return Math.abs(v as number);
        }
      },
    ),
  );
  registry.register(
    fn(
      'ROUND',
      'MATHEMATICAL',
      'Rounds to the nearest integer, or to the given number of decimal places; ties round up (toward positive infinity).',
      [
        { args: [I], returns: L },
        { args: [L], returns: L },
        { args: [D], returns: L },
        { args: [D, I], returns: D },
        { args: [DEC], returns: decimalIntegralType },
        { args: [DEC, I], returns: (a) => a[0] as SqlType },
      ],
      (a, ctx) => {
        const v = a[0] ?? null;
        const argType = ctx.argTypes[0];
        if (argType?.type === 'INTEGER') return BigInt(v as number);
        if (argType?.type === 'BIGINT') return v;
        // Java's Math.round(double) (floor(x + 0.5), saturating) and BigDecimal.valueOf(x) rounding.
        if (argType?.type === 'DOUBLE') {
          return a.length === 1 ? doubleToLong(Math.round(v as number)) : roundDouble(v as number, a[1] as number);
        }
        const d = v as Decimal;
        if (a.length === 1) return roundDecimal(d, 0);
        // ksqlDB keeps the source scale (its issue 6235).
        return roundDecimal(d, a[1] as number).setScale(d.scale);
      },
    ),
  );
  const floorCeil = (name: 'FLOOR' | 'CEIL', up: boolean) =>
    fn(
      name,
      'MATHEMATICAL',
      up ? 'Returns the smallest integer not less than the argument.' : 'Returns the largest integer not greater than the argument.',
      [
        { args: [I], returns: I },
        { args: [L], returns: L },
        { args: [D], returns: D },
        { args: [DEC], returns: decimalIntegral },
      ],
      (a, ctx) => {
        const v = a[0] ?? null;
        switch (ctx.returnType.type) {
          case 'INTEGER':
          case 'BIGINT':
            return v;
          case 'DOUBLE':
            return up ? Math.ceil(v as number) : Math.floor(v as number);
          default: {
            const d = v as Decimal;
            const t = d.toBigInt();
            const exact = d.compare(Decimal.fromBigInt(t)) === 0;
            if (exact) return Decimal.fromBigInt(t);
            return Decimal.fromBigInt(up ? (d.signum() > 0 ? t + 1n : t) : d.signum() < 0 ? t - 1n : t);
          }
        }
      },
    );
  registry.register(floorCeil('FLOOR', false));
  registry.register(floorCeil('CEIL', true));
  registerStringFunctions(registry);
  registerMathFunctions(registry);
  registerDateTimeFunctions(registry);
  registerCollectionFunctions(registry);
  registerMiscFunctions(registry);
  registerLambdaFunctions(registry);
  return registry;
}

/** The common type two arguments can both be widened to, if any. */
function coerceTarget(a: SqlType, b: SqlType): SqlType | undefined {
  if (canImplicitlyCast(a, b)) return b;
  if (canImplicitlyCast(b, a)) return a;
  return undefined;
}

/** A registry holding every built-in function. */
export function createDefaultFunctionRegistry(): FunctionRegistry {
  return registerBuiltins(new FunctionRegistry());
}

/** Coerces call arguments to the resolved argument types (implicit widening). */
export function coerceArguments(
  args: readonly Value[],
  from: readonly (SqlType | null)[],
  to: readonly SqlType[] | undefined,
): Value[] {
  if (to === undefined) return args as Value[];
  return args.map((v, i) => {
    const target = to[i];
    const source = from[i] ?? null;
    if (target === undefined || source === null || typeEquals(source, target)) return v;
    return coerceValue(v, source, target)?.value ?? v;
  });
}
