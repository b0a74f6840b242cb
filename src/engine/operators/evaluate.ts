/**
 * Compiles expression IR to closures over a row. Semantics follow ksqlDB:
 * NULL propagates through arithmetic and comparisons, AND/OR/NOT are
 * three-valued, INTEGER and BIGINT arithmetic wraps like Java's int/long,
 * and division by zero of integral types is an error.
 *
 * Errors raised while evaluating (bad casts, division by zero, function
 * failures) are {@link EvaluationError}s; callers decide what they mean
 * (ksqlDB turns them into NULL for a projected column and drops the row for
 * a filter).
 *
 * @module
 */
import { BaseError } from '../../shared/errors.js';
import { coerceArguments, type FunctionRegistry, type LambdaSupport, type LambdaValue } from '../functions/index.js';
import type { Expr } from '../plan/index.js';
import type {
  Decimal} from '../types/index.js';
import {
  castValue,
  compareValues,
  fitDecimal,
  makeStruct,
  valuesEqual,
  type MapKey,
  type SqlType,
  type StructValue,
  type Value,
} from '../types/index.js';

export class EvaluationError extends BaseError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('ENGINE_EVALUATION', message, options);
  }
}

export type Evaluator = (row: readonly Value[]) => Value;

function arithmetic(op: string, type: SqlType): (a: Value, b: Value) => Value {
  switch (type.type) {
    case 'INTEGER':
      switch (op) {
        case '+':
          return (a, b) => ((a as number) + (b as number)) | 0;
        case '-':
          return (a, b) => ((a as number) - (b as number)) | 0;
        case '*':
          return (a, b) => Math.imul(a as number, b as number);
        case '/':
          return (a, b) => {
            if (b === 0) throw new EvaluationError('/ by zero');
            return Math.trunc((a as number) / (b as number)) | 0;
          };
        default:
          return (a, b) => {
            if (b === 0) throw new EvaluationError('/ by zero');
            return (a as number) % (b as number) | 0;
          };
      }
    case 'BIGINT': {
      const wrap = (n: bigint) => BigInt.asIntN(64, n);
      switch (op) {
        case '+':
          return (a, b) => wrap((a as bigint) + (b as bigint));
        case '-':
          return (a, b) => wrap((a as bigint) - (b as bigint));
        case '*':
          return (a, b) => wrap((a as bigint) * (b as bigint));
        case '/':
          return (a, b) => {
            if (b === 0n) throw new EvaluationError('/ by zero');
            return wrap((a as bigint) / (b as bigint));
          };
        default:
          return (a, b) => {
            if (b === 0n) throw new EvaluationError('/ by zero');
            return (a as bigint) % (b as bigint);
          };
      }
    }
    case 'DOUBLE':
      switch (op) {
        case '+':
          return (a, b) => (a as number) + (b as number);
        case '-':
          return (a, b) => (a as number) - (b as number);
        case '*':
          return (a, b) => (a as number) * (b as number);
        case '/':
          return (a, b) => (a as number) / (b as number);
        default:
          return (a, b) => (a as number) % (b as number);
      }
    case 'DECIMAL': {
      const t = type;
      const fit = (d: Decimal) => {
        try {
          return fitDecimal(d, t);
        } catch (err) {
          throw new EvaluationError((err as Error).message, { cause: err });
        }
      };
      switch (op) {
        case '+':
          return (a, b) => fit((a as Decimal).add(b as Decimal));
        case '-':
          return (a, b) => fit((a as Decimal).subtract(b as Decimal));
        case '*':
          return (a, b) => fit((a as Decimal).multiply(b as Decimal));
        case '/':
          return (a, b) => {
            if ((b as Decimal).isZero()) throw new EvaluationError('Division by zero');
            return fit((a as Decimal).divide(b as Decimal, t.scale));
          };
        default:
          return (a, b) => {
            if ((b as Decimal).isZero()) throw new EvaluationError('Division by zero');
            return fit((a as Decimal).remainder(b as Decimal));
          };
      }
    }
    default:
      throw new Error(`Invariant violated: arithmetic on ${type.type}`);
  }
}

/** Java's `.` (no DOTALL, no UNIX_LINES): any code point but `\n`, `\r`, U+0085, U+2028, U+2029. */
const NOT_LINE_TERMINATOR = '[^\\n\\r\\u0085\\u2028\\u2029]';

function likeToRegExp(pattern: string, escape: string | undefined): RegExp {
  let re = '^';
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i] as string;
    if (escape !== undefined && ch === escape) {
      const next = pattern[i + 1];
      if (next !== undefined) {
        re += next.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
        i++;
        continue;
      }
    }
    // ksqlDB compiles `%` and `_` to `.*` and `.` without DOTALL: neither matches a Java line terminator.
    if (ch === '%') re += `${NOT_LINE_TERMINATOR}*`;
    else if (ch === '_') re += NOT_LINE_TERMINATOR;
    else re += ch.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(re + '$', 'u');
}

function compare(op: string): (a: Value, b: Value) => Value {
  switch (op) {
    case '=':
      return (a, b) => (a === null || b === null ? null : valuesEqual(a, b));
    case '<>':
      return (a, b) => (a === null || b === null ? null : !valuesEqual(a, b));
    case '<':
      return (a, b) => (a === null || b === null ? null : compareValues(a, b) < 0);
    case '<=':
      return (a, b) => (a === null || b === null ? null : compareValues(a, b) <= 0);
    case '>':
      return (a, b) => (a === null || b === null ? null : compareValues(a, b) > 0);
    case '>=':
      return (a, b) => (a === null || b === null ? null : compareValues(a, b) >= 0);
    case 'IS DISTINCT FROM':
      return (a, b) => (a === null || b === null ? a !== b : !valuesEqual(a, b));
    default:
      return (a, b) => (a === null || b === null ? a === b : valuesEqual(a, b));
  }
}

/** The values of the lambda parameters in scope while a lambda body runs. */
type LambdaBindings = Map<string, Value>;

/** Compiles an expression; the closure throws {@link EvaluationError} on evaluation failures. */
export function compileExpr(e: Expr, functions: FunctionRegistry, bindings: LambdaBindings = new Map()): Evaluator {
  const c = (x: Expr) => compileExpr(x, functions, bindings);
  switch (e.kind) {
    case 'LambdaVariable': {
      const name = e.name;
      return () => bindings.get(name) ?? null;
    }
    case 'Lambda':
      throw new Error('Invariant violated: a lambda outside a lambda function call');
    case 'Literal': {
      const v = e.value;
      return () => v;
    }
    case 'Column': {
      const i = e.index;
      return (row) => row[i] ?? null;
    }
    case 'Arithmetic': {
      const l = c(e.left);
      const r = c(e.right);
      const f = arithmetic(e.op, e.type);
      return (row) => {
        const a = l(row);
        if (a === null) return null;
        const b = r(row);
        if (b === null) return null;
        return f(a, b);
      };
    }
    case 'Negate': {
      const o = c(e.operand);
      const t = e.type.type;
      return (row) => {
        const v = o(row);
        if (v === null) return null;
        if (t === 'INTEGER') return -(v as number) | 0;
        if (t === 'BIGINT') return BigInt.asIntN(64, -(v as bigint));
        if (t === 'DECIMAL') return (v as Decimal).negate();
        return -(v as number);
      };
    }
    case 'Comparison': {
      const l = c(e.left);
      const r = c(e.right);
      const f = compare(e.op);
      return (row) => f(l(row), r(row));
    }
    case 'Logical': {
      const l = c(e.left);
      const r = c(e.right);
      if (e.op === 'AND') {
        return (row) => {
          const a = l(row);
          if (a === false) return false;
          const b = r(row);
          if (b === false) return false;
          return a === null || b === null ? null : true;
        };
      }
      return (row) => {
        const a = l(row);
        if (a === true) return true;
        const b = r(row);
        if (b === true) return true;
        return a === null || b === null ? null : false;
      };
    }
    case 'Not': {
      const o = c(e.operand);
      return (row) => {
        const v = o(row);
        return v === null ? null : !v;
      };
    }
    case 'IsNull': {
      const o = c(e.operand);
      const neg = e.negated;
      return (row) => (o(row) === null) !== neg;
    }
    case 'Between': {
      const o = c(e.operand);
      const lo = c(e.low);
      const hi = c(e.high);
      const neg = e.negated;
      return (row) => {
        const v = o(row);
        const a = lo(row);
        const b = hi(row);
        if (v === null || a === null || b === null) return null;
        const inside = compareValues(v, a) >= 0 && compareValues(v, b) <= 0;
        return inside !== neg;
      };
    }
    case 'In': {
      const o = c(e.operand);
      const vs = e.values.map(c);
      const neg = e.negated;
      return (row) => {
        const v = o(row);
        if (v === null) return null;
        let sawNull = false;
        for (const f of vs) {
          const x = f(row);
          if (x === null) sawNull = true;
          else if (valuesEqual(v, x)) return !neg;
        }
        return sawNull ? null : neg;
      };
    }
    case 'Like': {
      const o = c(e.operand);
      const p = c(e.pattern);
      const esc = e.escape;
      const neg = e.negated;
      let cachedPattern: string | undefined;
      let cachedRe: RegExp | undefined;
      return (row) => {
        const v = o(row);
        const pat = p(row);
        if (v === null || pat === null) return null;
        if (pat !== cachedPattern || cachedRe === undefined) {
          cachedPattern = pat as string;
          cachedRe = likeToRegExp(pat as string, esc);
        }
        return cachedRe.test(v as string) !== neg;
      };
    }
    case 'Case': {
      const whens = e.whens.map((w) => ({ when: c(w.when), then: c(w.then) }));
      const otherwise = e.else === undefined ? () => null : c(e.else);
      return (row) => {
        for (const w of whens) if (w.when(row) === true) return w.then(row);
        return otherwise(row);
      };
    }
    case 'Cast': {
      const o = c(e.operand);
      const from = e.operand.type;
      const to = e.type;
      return (row) => {
        try {
          return castValue(o(row), from, to);
        } catch (err) {
          throw new EvaluationError((err as Error).message, { cause: err });
        }
      };
    }
    case 'Deref': {
      const o = c(e.operand);
      const field = e.field;
      return (row) => {
        const v = o(row) as StructValue | null;
        return v === null ? null : (v[field] ?? null);
      };
    }
    case 'Subscript': {
      const o = c(e.operand);
      const idx = c(e.index);
      const isMap = e.operand.type?.type === 'MAP';
      return (row) => {
        const base = o(row);
        const i = idx(row);
        if (base === null || i === null) return null;
        if (isMap) return (base as ReadonlyMap<MapKey, Value>).get(i as MapKey) ?? null;
        const arr = base as readonly Value[];
        const n = typeof i === 'bigint' ? Number(i) : (i as number);
        const pos = n > 0 ? n - 1 : n < 0 ? arr.length + n : -1;
        return pos >= 0 && pos < arr.length ? (arr[pos] ?? null) : null;
      };
    }
    case 'Call': {
      const fn = functions.get(e.name);
      if (fn === undefined) throw new Error(`Invariant violated: unknown function ${e.name}`);
      if (fn.lambda !== undefined) return compileLambdaCall(e.name, e.args, fn.lambda, c, bindings);
      const args = e.args.map(c);
      const argTypes = e.args.map((a) => a.type);
      const ctx = { argTypes: e.argTypes ?? argTypes, returnType: e.type };
      const coerceTo = e.argTypes;
      const handlesNulls = fn.handlesNulls === true;
      return (row) => {
        const values = args.map((f) => f(row));
        if (!handlesNulls && values.some((v) => v === null)) return null;
        try {
          return fn.evaluate(coerceArguments(values, argTypes, coerceTo), ctx);
        } catch (err) {
          if (err instanceof EvaluationError) throw err;
          throw new EvaluationError(`Error computing ${e.name}: ${(err as Error).message}`, { cause: err });
        }
      };
    }
    case 'Array': {
      const items = e.items.map(c);
      return (row) => items.map((f) => f(row));
    }
    case 'Map': {
      const entries = e.entries.map((x) => ({ key: c(x.key), value: c(x.value) }));
      return (row) => {
        const m = new Map<MapKey, Value>();
        for (const x of entries) {
          m.set(x.key(row) as MapKey, x.value(row));
        }
        return m;
      };
    }
    case 'Struct': {
      const fields = e.fields.map((f) => ({ name: f.name, value: c(f.value) }));
      return (row) => makeStruct(fields.map((f) => [f.name, f.value(row)] as const));
    }
  }
}

/**
 * A call of a lambda function. A lambda binds its parameters while its body runs (restoring the
 * outer bindings afterwards, so nested lambdas may reuse names).
 */
function compileLambdaCall(
  name: string,
  args: readonly Expr[],
  support: LambdaSupport,
  c: (x: Expr) => Evaluator,
  bindings: LambdaBindings,
): Evaluator {
  const plain = args.filter((a) => a.kind !== 'Lambda').map(c);
  const lambdas = args.flatMap((a) => {
    if (a.kind !== 'Lambda') return [];
    const body = c(a.body);
    const params = a.params;
    return [
      (row: readonly Value[]): LambdaValue =>
        (...values) => {
          const saved = params.map((p) => [p, bindings.get(p)] as const);
          params.forEach((p, i) => bindings.set(p, values[i] ?? null));
          try {
            return body(row);
          } finally {
            for (const [p, v] of saved) {
              if (v === undefined) bindings.delete(p);
              else bindings.set(p, v);
            }
          }
        },
    ];
  });
  return (row) => {
    try {
      return support.evaluate(
        plain.map((f) => f(row)),
        lambdas.map((l) => l(row)),
      );
    } catch (err) {
      if (err instanceof EvaluationError) throw err;
      throw new EvaluationError(`Error computing ${name}: ${(err as Error).message}`, { cause: err });
    }
  };
}

/** A projection evaluator: evaluation errors make the value NULL (ksqlDB logs and continues). */
export function compileProjection(e: Expr, functions: FunctionRegistry, onError?: (err: unknown) => void): Evaluator {
  const f = compileExpr(e, functions);
  return (row) => {
    try {
      return f(row);
    } catch (err) {
      if (!(err instanceof EvaluationError)) throw err;
      onError?.(err);
      return null;
    }
  };
}

/** A predicate: true only when the expression is TRUE; evaluation errors drop the row. */
export function compilePredicate(
  e: Expr,
  functions: FunctionRegistry,
  onError?: (err: unknown) => void,
): (row: readonly Value[]) => boolean {
  const f = compileExpr(e, functions);
  return (row) => {
    try {
      return f(row) === true;
    } catch (err) {
      if (!(err instanceof EvaluationError)) throw err;
      onError?.(err);
      return false;
    }
  };
}
