/**
 * An exact decimal: an unscaled bigint and a scale, as Java's BigDecimal.
 * DECIMAL columns never pass through a double.
 *
 * @module
 */
import { BaseError } from '../../shared/errors.js';

export class DecimalError extends BaseError {
  constructor(message: string) {
    super('ENGINE_DECIMAL', message);
  }
}

const TEN = 10n;

function pow10(n: number): bigint {
  return TEN ** BigInt(n);
}

function abs(n: bigint): bigint {
  return n < 0n ? -n : n;
}

/** Divide rounding half away from zero (Java's RoundingMode.HALF_UP). */
function divHalfUp(n: bigint, d: bigint): bigint {
  const q = n / d;
  const r = n % d;
  if (r === 0n) return q;
  const twiceR = abs(r) * 2n;
  if (twiceR >= abs(d)) return (n < 0n) !== (d < 0n) ? q - 1n : q + 1n;
  return q;
}

export class Decimal {
  readonly unscaled: bigint;
  readonly scale: number;

  constructor(unscaled: bigint, scale: number) {
    if (!Number.isInteger(scale) || scale < 0) throw new DecimalError(`Invalid decimal scale ${scale}`);
    this.unscaled = unscaled;
    this.scale = scale;
  }

  /**
   * Parses decimal text: `-12.50`, `1e3`, `.5`. The scale is the number of
   * fraction digits written (as BigDecimal does), never negative.
   */
  static parse(text: string): Decimal {
    const m = /^\s*([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?\s*$/.exec(text);
    if (!m || ((m[2] ?? '') === '' && (m[3] ?? '') === '')) {
      throw new DecimalError(`Invalid decimal: ${text}`);
    }
    const sign = m[1] === '-' ? -1n : 1n;
    const intPart = m[2] ?? '';
    const frac = m[3] ?? '';
    const exp = m[4] === undefined ? 0 : Number(m[4]);
    let digits = BigInt((intPart + frac) || '0');
    let scale = frac.length - exp;
    if (scale < 0) {
      digits *= pow10(-scale);
      scale = 0;
    }
    return new Decimal(sign * digits, scale);
  }

  static fromBigInt(n: bigint): Decimal {
    return new Decimal(n, 0);
  }

  /** Exact conversion of a finite double through its shortest decimal text. */
  static fromNumber(n: number): Decimal {
    if (!Number.isFinite(n)) throw new DecimalError(`Cannot convert ${n} to DECIMAL`);
    return Decimal.parse(String(n));
  }

  /** Number of significant digits (BigDecimal.precision(); 0 has precision 1). */
  get precision(): number {
    const a = abs(this.unscaled);
    return a === 0n ? 1 : a.toString().length;
  }

  /** Digits left of the point as ksqlDB counts them for DECIMAL(p, s) checks. */
  get integerDigits(): number {
    return Math.max(this.precision - this.scale, 0);
  }

  isZero(): boolean {
    return this.unscaled === 0n;
  }

  signum(): number {
    return this.unscaled === 0n ? 0 : this.unscaled < 0n ? -1 : 1;
  }

  /** Rescales, rounding HALF_UP when digits are dropped. */
  setScale(scale: number): Decimal {
    if (scale === this.scale) return this;
    if (scale > this.scale) return new Decimal(this.unscaled * pow10(scale - this.scale), scale);
    return new Decimal(divHalfUp(this.unscaled, pow10(this.scale - scale)), scale);
  }

  /** Whether the value fits DECIMAL(precision, scale) after rescaling. */
  fits(precision: number, scale: number): boolean {
    const r = this.setScale(scale);
    return abs(r.unscaled) < pow10(precision);
  }

  negate(): Decimal {
    return new Decimal(-this.unscaled, this.scale);
  }

  add(o: Decimal): Decimal {
    const s = Math.max(this.scale, o.scale);
    return new Decimal(this.setScale(s).unscaled + o.setScale(s).unscaled, s);
  }

  subtract(o: Decimal): Decimal {
    return this.add(o.negate());
  }

  multiply(o: Decimal): Decimal {
    return new Decimal(this.unscaled * o.unscaled, this.scale + o.scale);
  }

  /** Division to a fixed result scale, HALF_UP. */
  divide(o: Decimal, scale: number): Decimal {
    if (o.unscaled === 0n) throw new DecimalError('Division by zero');
    // this / o = (a / 10^sa) / (b / 10^sb); result unscaled = a * 10^(scale + sb - sa) / b
    const shift = scale + o.scale - this.scale;
    const num = shift >= 0 ? this.unscaled * pow10(shift) : this.unscaled;
    const den = shift >= 0 ? o.unscaled : o.unscaled * pow10(-shift);
    return new Decimal(divHalfUp(num, den), scale);
  }

  remainder(o: Decimal): Decimal {
    if (o.unscaled === 0n) throw new DecimalError('Division by zero');
    const s = Math.max(this.scale, o.scale);
    return new Decimal(this.setScale(s).unscaled % o.setScale(s).unscaled, s);
  }

  compare(o: Decimal): number {
    const s = Math.max(this.scale, o.scale);
    const a = this.setScale(s).unscaled;
    const b = o.setScale(s).unscaled;
    return a < b ? -1 : a > b ? 1 : 0;
  }

  equals(o: Decimal): boolean {
    return this.compare(o) === 0;
  }

  toNumber(): number {
    return Number(this.toString());
  }

  /** Integral part, truncated toward zero. */
  toBigInt(): bigint {
    return this.scale === 0 ? this.unscaled : this.unscaled / pow10(this.scale);
  }

  /** BigDecimal.toPlainString(): never scientific notation, keeps trailing zeros. */
  toString(): string {
    const neg = this.unscaled < 0n;
    let digits = abs(this.unscaled).toString();
    if (this.scale === 0) return (neg ? '-' : '') + digits;
    if (digits.length <= this.scale) digits = '0'.repeat(this.scale - digits.length + 1) + digits;
    const point = digits.length - this.scale;
    return (neg ? '-' : '') + digits.slice(0, point) + '.' + digits.slice(point);
  }
}
