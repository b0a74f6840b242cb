/**
 * Mathematical functions with ksqlDB's signatures: SQRT, CBRT, EXP, LN, LOG,
 * POWER, SIGN, RANDOM, PI, DEGREES, RADIANS, the trigonometric family,
 * GREATEST, LEAST, TRUNC. INTEGER, BIGINT and DECIMAL arguments widen to
 * DOUBLE where ksqlDB only declares a DOUBLE overload.
 *
 * Also the rounding helpers ROUND and TRUNC share.
 *
 * @module
 */
import { compareValues, Decimal, SqlTypes, type DecimalType, type SqlType, type Value } from '../types/index.js';
import { commonArgType, D, DEC, define, I, L, type Overload } from './define.js';
import type { FunctionRegistry } from './registry.js';

const LONG_MAX = 2n ** 63n - 1n;
const LONG_MIN = -(2n ** 63n);

/** Java's `(long) d`: truncation, NaN → 0, saturating at the long range. */
export function doubleToLong(d: number): bigint {
  if (Number.isNaN(d)) return 0n;
  if (d >= 9.223372036854776e18) return LONG_MAX;
  if (d <= -9.223372036854776e18) return LONG_MIN;
  return BigInt(Math.trunc(d));
}

function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return (a % b !== 0n && (a < 0n) !== (b < 0n)) ? q - 1n : q;
}

/**
 * Rounds to `places` decimal places (negative: left of the point), ties
 * towards positive infinity: ksqlDB's HALF_UP for positive values and
 * HALF_DOWN otherwise. The result has scale max(places, 0).
 */
export function roundDecimal(d: Decimal, places: number): Decimal {
  if (places >= d.scale) return d.setScale(places);
  const p = 10n ** BigInt(d.scale - places);
  let q = floorDiv(d.unscaled, p);
  const r = d.unscaled - q * p;
  if (2n * r >= p) q += 1n;
  return places >= 0 ? new Decimal(q, places) : new Decimal(q * 10n ** BigInt(-places), 0);
}

/** Truncates toward zero (RoundingMode.DOWN) to `places` decimal places. */
export function truncDecimal(d: Decimal, places: number): Decimal {
  if (places >= d.scale) return d.setScale(places);
  const p = 10n ** BigInt(d.scale - places);
  const q = d.unscaled / p;
  return places >= 0 ? new Decimal(q, places) : new Decimal(q * 10n ** BigInt(-places), 0);
}

/** `BigDecimal.valueOf(x)` rounded, then back to double (NaN/Infinity fail as in Java). */
export function roundDouble(x: number, places: number, trunc = false): number {
  const d = Decimal.fromNumber(x);
  return (trunc ? truncDecimal(d, places) : roundDecimal(d, places)).toNumber();
}

/** ksqlDB's schema for ROUND(DECIMAL) / TRUNC(DECIMAL): DECIMAL(p - s, 0). */
export function decimalIntegralType(args: readonly SqlType[]): SqlType {
  const d = args[0] as DecimalType;
  return SqlTypes.decimal(Math.max(d.precision - d.scale, 1), 0);
}

const unaryDouble = (name: string, description: string, f: (x: number) => number) =>
  define(name, 'MATHEMATICAL', description, [{ args: [D], returns: D }], (a) => f(a[0] as number));

function extreme(name: 'GREATEST' | 'LEAST', sign: 1 | -1) {
  return {
    name,
    category: 'MATHEMATICAL' as const,
    description: `Returns the ${sign > 0 ? 'largest' : 'smallest'} non-null value among the arguments (all of one comparable type).`,
    signatures: ['INTEGER', 'BIGINT', 'DOUBLE', 'DECIMAL', 'STRING', 'BYTES', 'DATE', 'TIME', 'TIMESTAMP'].map(
      (t) => `${name}(${t}, ${t}...)`,
    ),
    handlesNulls: true,
    resolve(argTypes: readonly (SqlType | null)[]) {
      if (argTypes.length === 0) return undefined;
      const t = commonArgType(argTypes);
      if (t === undefined) return undefined;
      const type = t ?? SqlTypes.INTEGER;
      if (type.type === 'BOOLEAN' || type.type === 'ARRAY' || type.type === 'MAP' || type.type === 'STRUCT') return undefined;
      return { returnType: type, argTypes: argTypes.map(() => type) };
    },
    evaluate(args: readonly Value[]) {
      let best: Value = null;
      for (const v of args) {
        if (v === null) continue;
        if (best === null || sign * compareValues(v, best) > 0) best = v;
      }
      return best;
    },
  };
}

export function registerMathFunctions(registry: FunctionRegistry): FunctionRegistry {
  registry.register(unaryDouble('SQRT', 'Returns the square root of the argument.', Math.sqrt));
  registry.register(unaryDouble('CBRT', 'Returns the cube root of the argument.', Math.cbrt));
  registry.register(unaryDouble('EXP', 'Returns e raised to the power of the argument.', Math.exp));
  registry.register(unaryDouble('LN', 'Returns the natural logarithm of the argument.', Math.log));
  registry.register(
    define(
      'LOG',
      'MATHEMATICAL',
      'Returns the base-10 logarithm of value, or the logarithm of value in the given base.',
      [
        { args: [D], returns: D },
        { args: [D, D], returns: D },
      ],
      (a) => (a.length === 1 ? Math.log10(a[0] as number) : Math.log(a[1] as number) / Math.log(a[0] as number)),
    ),
  );
  registry.register(
    define('POWER', 'MATHEMATICAL', 'Returns base raised to the power of exponent.', [{ args: [D, D], returns: D }], (a) =>
      Math.pow(a[0] as number, a[1] as number),
    ),
  );
  registry.register(
    define(
      'SIGN',
      'MATHEMATICAL',
      'Returns the sign of the argument as an INTEGER: -1, 0 or 1.',
      [
        { args: [I], returns: I },
        { args: [L], returns: I },
        { args: [D], returns: I },
        { args: [DEC], returns: I },
      ],
      (a) => {
        const v = a[0] ?? null;
        if (typeof v === 'bigint') return v < 0n ? -1 : v > 0n ? 1 : 0;
        if (v instanceof Decimal) return v.signum();
        const n = v as number;
        return Number.isNaN(n) ? 0 : n < 0 ? -1 : n > 0 ? 1 : 0;
      },
    ),
  );
  registry.register(define('RANDOM', 'MATHEMATICAL', 'Returns a random DOUBLE in [0.0, 1.0).', [{ args: [], returns: D }], () => Math.random()));
  registry.register(define('PI', 'MATHEMATICAL', 'Returns an approximation of pi.', [{ args: [], returns: D }], () => Math.PI));
  registry.register(unaryDouble('DEGREES', 'Converts radians to degrees.', (x) => (x * 180) / Math.PI));
  registry.register(unaryDouble('RADIANS', 'Converts degrees to radians.', (x) => (x / 180) * Math.PI));
  registry.register(unaryDouble('SIN', 'Returns the sine of an angle in radians.', Math.sin));
  registry.register(unaryDouble('COS', 'Returns the cosine of an angle in radians.', Math.cos));
  registry.register(unaryDouble('TAN', 'Returns the tangent of an angle in radians.', Math.tan));
  registry.register(unaryDouble('COT', 'Returns the cotangent of an angle in radians.', (x) => 1 / Math.tan(x)));
  registry.register(unaryDouble('ASIN', 'Returns the arc sine, in radians.', Math.asin));
  registry.register(unaryDouble('ACOS', 'Returns the arc cosine, in radians.', Math.acos));
  registry.register(unaryDouble('ATAN', 'Returns the arc tangent, in radians.', Math.atan));
  registry.register(
    define('ATAN2', 'MATHEMATICAL', 'Returns the angle theta of the point (x, y), in radians.', [{ args: [D, D], returns: D }], (a) =>
      Math.atan2(a[0] as number, a[1] as number),
    ),
  );
  registry.register(unaryDouble('SINH', 'Returns the hyperbolic sine.', Math.sinh));
  registry.register(unaryDouble('COSH', 'Returns the hyperbolic cosine.', Math.cosh));
  registry.register(unaryDouble('TANH', 'Returns the hyperbolic tangent.', Math.tanh));

  registry.register(extreme('GREATEST', 1));
  registry.register(extreme('LEAST', -1));

  const truncOverloads: Overload[] = [
    { args: [I], returns: L },
    { args: [L], returns: L },
    { args: [D], returns: L },
    { args: [D, I], returns: D },
    { args: [DEC], returns: decimalIntegralType },
    { args: [DEC, I], returns: (a) => a[0] as SqlType },
  ];
  registry.register(
    define(
      'TRUNC',
      'MATHEMATICAL',
      'Truncates a value toward zero, to an integer or to the given number of decimal places.',
      truncOverloads,
      (a, ctx) => {
        const v = a[0] ?? null;
        const t = ctx.argTypes[0]?.type;
        if (t === 'INTEGER') return BigInt(v as number);
        if (t === 'BIGINT') return v;
        if (t === 'DOUBLE') return a.length === 1 ? doubleToLong(v as number) : roundDouble(v as number, a[1] as number, true);
        const d = v as Decimal;
        if (a.length === 1) return truncDecimal(d, 0);
        return truncDecimal(d, a[1] as number).setScale(d.scale);
      },
    ),
  );
  return registry;
}
