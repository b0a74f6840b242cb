/**
 * Expression analysis: AST expressions → typed expression IR, resolving
 * columns against a scope and checking types with ksqlDB's messages.
 *
 * @module
 */
import { AnalysisError } from '../errors.js';
import type { FunctionRegistry, LambdaSupport } from '../functions/index.js';
import type { Expr } from '../plan/index.js';
import type * as ast from '../sql/ast.js';
import {
  canImplicitlyCast,
  Decimal,
  formatType,
  isCastSupported,
  isNumeric,
  SqlTypes,
  toDecimalType,
  typeEquals,
  widerNumeric,
  type DecimalType,
  type SqlType,
} from '../types/index.js';
import { comparisonName, formatExpression, formatMaybeType } from './format.js';
import { resolveType, type TypeLookup } from './types.js';

export interface ScopeColumn {
  readonly name: string;
  readonly type: SqlType;
  /** Position in the input row. */
  readonly index: number;
}

export interface Scope {
  /** The source name and alias that may qualify a column (`S.COL`). */
  readonly sourceNames: readonly string[];
  readonly columns: readonly ScopeColumn[];
}

export const EMPTY_SCOPE: Scope = { sourceNames: [], columns: [] };

export interface AnalyzerOptions {
  readonly scope: Scope;
  readonly functions: FunctionRegistry;
  readonly types: TypeLookup;
  /** Clause name for "X column 'Y' cannot be resolved." messages. @default 'SELECT' */
  readonly clause?: string | undefined;
  /** Parameters of the enclosing lambdas (inside a lambda body); they shadow columns. */
  readonly lambdaVariables?: ReadonlyMap<string, SqlType> | undefined;
}

const MAX_DECIMAL_PRECISION = 38;

function decimalResult(op: string, a: DecimalType, b: DecimalType): DecimalType {
  let precision: number;
  let scale: number;
  switch (op) {
    case '+':
    case '-':
      scale = Math.max(a.scale, b.scale);
      precision = scale + Math.max(a.precision - a.scale, b.precision - b.scale) + 1;
      break;
    case '*':
      precision = a.precision + b.precision + 1;
      scale = a.scale + b.scale;
      break;
    case '/':
      scale = Math.max(6, a.scale + b.precision + 1);
      precision = a.precision - a.scale + b.scale + scale;
      break;
    default:
      scale = Math.max(a.scale, b.scale);
      precision = Math.min(a.precision - a.scale, b.precision - b.scale) + scale;
      break;
  }
  if (precision > MAX_DECIMAL_PRECISION) {
    const intDigits = precision - scale;
    precision = MAX_DECIMAL_PRECISION;
    scale = Math.max(0, Math.min(scale, MAX_DECIMAL_PRECISION - intDigits));
  }
  return { type: 'DECIMAL', precision: Math.max(precision, 1), scale: Math.min(scale, Math.max(precision, 1)) };
}

function cast(e: Expr, to: SqlType): Expr {
  if (e.type !== null && typeEquals(e.type, to)) return e;
  if (e.kind === 'Literal' && e.value === null) return { kind: 'Literal', type: to, value: null };
  return { kind: 'Cast', operand: e, type: to };
}

/** Types two values can be compared as; undefined when not comparable. */
function comparable(op: ast.ComparisonOperator, a: SqlType | null, b: SqlType | null): boolean {
  if (a === null || b === null) return true;
  if (isNumeric(a) && isNumeric(b)) return true;
  const eqOnly = op === '=' || op === '<>' || op === 'IS DISTINCT FROM' || op === 'IS NOT DISTINCT FROM';
  const temporal = (t: SqlType) => t.type === 'DATE' || t.type === 'TIME' || t.type === 'TIMESTAMP';
  if (temporal(a) && b.type === 'STRING') return true;
  if (temporal(b) && a.type === 'STRING') return true;
  if (temporal(a) && temporal(b)) {
    return a.type === b.type || (a.type !== 'TIME' && b.type !== 'TIME');
  }
  if (a.type !== b.type) return false;
  switch (a.type) {
    case 'STRING':
    case 'BOOLEAN':
    case 'BYTES':
      return true;
    case 'ARRAY':
    case 'MAP':
    case 'STRUCT':
      return eqOnly && typeEquals(a, b);
    default:
      return false;
  }
}

/** Inserts the casts a comparison needs (temporal vs string, DATE vs TIMESTAMP). */
function alignForComparison(l: Expr, r: Expr): [Expr, Expr] {
  const a = l.type;
  const b = r.type;
  if (a === null || b === null) return [l, r];
  const temporal = (t: SqlType) => t.type === 'DATE' || t.type === 'TIME' || t.type === 'TIMESTAMP';
  if (temporal(a) && b.type === 'STRING') return [l, cast(r, a)];
  if (temporal(b) && a.type === 'STRING') return [cast(l, b), r];
  if (a.type === 'DATE' && b.type === 'TIMESTAMP') return [cast(l, b), r];
  if (a.type === 'TIMESTAMP' && b.type === 'DATE') return [l, cast(r, a)];
  return [l, r];
}

/** The common type of several branch/element types (NULLs ignored, numeric widening allowed). */
function commonType(types: readonly (SqlType | null)[]): SqlType | null | undefined {
  let result: SqlType | null = null;
  for (const t of types) {
    if (t === null) continue;
    if (result === null) {
      result = t;
      continue;
    }
    if (typeEquals(result, t)) continue;
    if ((result.type === 'DECIMAL' || t.type === 'DECIMAL') && isNumeric(result) && isNumeric(t)) {
      // DefaultSqlValueCoercer: a DECIMAL widens to hold both (DecimalUtil.widen), or becomes DOUBLE.
      result = widerNumeric(result, t);
      continue;
    }
    if (canImplicitlyCast(t, result)) continue;
    if (canImplicitlyCast(result, t)) {
      result = t;
      continue;
    }
    return undefined;
  }
  return result;
}

export class ExpressionAnalyzer {
  readonly #scope: Scope;
  readonly #functions: FunctionRegistry;
  readonly #types: TypeLookup;
  readonly #clause: string;
  readonly #lambdaVariables: ReadonlyMap<string, SqlType>;

  constructor({ scope, functions, types, clause = 'SELECT', lambdaVariables = new Map() }: AnalyzerOptions) {
    this.#scope = scope;
    this.#functions = functions;
    this.#types = types;
    this.#clause = clause;
    this.#lambdaVariables = lambdaVariables;
  }

  analyze(e: ast.Expression): Expr {
    switch (e.kind) {
      case 'NullLiteral':
        return { kind: 'Literal', type: null, value: null };
      case 'BooleanLiteral':
        return { kind: 'Literal', type: SqlTypes.BOOLEAN, value: e.value };
      case 'StringLiteral':
        return { kind: 'Literal', type: SqlTypes.STRING, value: e.value };
      case 'IntegerLiteral':
        return { kind: 'Literal', type: SqlTypes.INTEGER, value: e.value };
      case 'BigIntLiteral':
        return { kind: 'Literal', type: SqlTypes.BIGINT, value: e.value };
      case 'DecimalLiteral': {
        const d = Decimal.parse(e.text);
        return { kind: 'Literal', type: { type: 'DECIMAL', precision: e.precision, scale: e.scale }, value: d };
      }
      case 'DoubleLiteral':
        return { kind: 'Literal', type: SqlTypes.DOUBLE, value: e.value };
      case 'ColumnRef': {
        const lambdaType = e.source === undefined ? this.#lambdaVariables.get(e.name.value) : undefined;
        if (lambdaType !== undefined) return { kind: 'LambdaVariable', name: e.name.value, type: lambdaType };
        return this.#column(e);
      }
      case 'Dereference': {
        const base = this.analyze(e.base);
        if (base.type === null || base.type.type !== 'STRUCT') {
          throw new AnalysisError(
            `Expected STRUCT type, got: ${formatMaybeType(base.type)} in ${formatExpression(e)}`,
          );
        }
        const field = base.type.fields.find((f) => f.name === e.field.value);
        if (field === undefined) {
          throw new AnalysisError(`Could not find field '${e.field.value}' in '${formatExpression(e.base)}'.`);
        }
        return { kind: 'Deref', operand: base, field: field.name, type: field.type };
      }
      case 'Subscript': {
        const base = this.analyze(e.base);
        const index = this.analyze(e.index);
        if (base.type?.type === 'ARRAY') {
          if (index.type !== null && index.type.type !== 'INTEGER' && index.type.type !== 'BIGINT') {
            throw new AnalysisError(`Array index must be an INTEGER: ${formatExpression(e)}`);
          }
          return { kind: 'Subscript', operand: base, index, type: base.type.item };
        }
        if (base.type?.type === 'MAP') {
          return { kind: 'Subscript', operand: base, index: cast(index, base.type.key), type: base.type.value };
        }
        throw new AnalysisError(`Only MAP and ARRAY types can be subscripted: ${formatExpression(e)} is ${formatMaybeType(base.type)}`);
      }
      case 'ArithmeticUnary': {
        const operand = this.analyze(e.operand);
        if (operand.type !== null && !isNumeric(operand.type)) {
          throw new AnalysisError(
            `Error processing expression: ${formatExpression(e)}. Unary arithmetic on type ${formatType(operand.type)} is not supported.`,
          );
        }
        if (e.operator === '+' || operand.type === null) return operand;
        return { kind: 'Negate', operand, type: operand.type };
      }
      case 'ArithmeticBinary':
        return this.#arithmetic(e);
      case 'Concat': {
        const left = this.analyze(e.left);
        const right = this.analyze(e.right);
        return this.#call('CONCAT', [left, right], formatExpression(e));
      }
      case 'Comparison': {
        const left = this.analyze(e.left);
        const right = this.analyze(e.right);
        if (!comparable(e.operator, left.type, right.type)) {
          throw new AnalysisError(
            `Cannot compare ${formatExpression(e.left)} (${formatMaybeType(left.type)}) to ${formatExpression(e.right)} ` +
              `(${formatMaybeType(right.type)}) with ${comparisonName(e.operator)}.`,
          );
        }
        const [l, r] = alignForComparison(left, right);
        return { kind: 'Comparison', op: e.operator, left: l, right: r, type: SqlTypes.BOOLEAN };
      }
      case 'LogicalBinary': {
        const left = this.#boolean(e.left, e);
        const right = this.#boolean(e.right, e);
        return { kind: 'Logical', op: e.operator, left, right, type: SqlTypes.BOOLEAN };
      }
      case 'Not':
        return { kind: 'Not', operand: this.#boolean(e.operand, e), type: SqlTypes.BOOLEAN };
      case 'IsNull':
        return { kind: 'IsNull', operand: this.analyze(e.operand), negated: e.negated, type: SqlTypes.BOOLEAN };
      case 'Between': {
        const operand = this.analyze(e.operand);
        const low = this.analyze(e.low);
        const high = this.analyze(e.high);
        for (const [bound, node] of [
          [low, e.low],
          [high, e.high],
        ] as const) {
          if (!comparable('<=', operand.type, bound.type)) {
            throw new AnalysisError(
              `Cannot compare ${formatExpression(e.operand)} (${formatMaybeType(operand.type)}) to ${formatExpression(node)} ` +
                `(${formatMaybeType(bound.type)}) with BETWEEN.`,
            );
          }
        }
        const [o1, lo] = alignForComparison(operand, low);
        const [, hi] = alignForComparison(o1, high);
        return { kind: 'Between', operand: o1, low: lo, high: hi, negated: e.negated, type: SqlTypes.BOOLEAN };
      }
      case 'InList': {
        const operand = this.analyze(e.operand);
        const values = e.values.map((v, i) => {
          const x = this.analyze(v);
          if (!comparable('=', operand.type, x.type)) {
            throw new AnalysisError(
              `Invalid Predicate: operand and IN list types are not compatible: ${formatExpression(e.operand)} ` +
                `(${formatMaybeType(operand.type)}) and ${formatExpression(e.values[i] as ast.Expression)} (${formatMaybeType(x.type)})`,
            );
          }
          return alignForComparison(operand, x)[1];
        });
        return { kind: 'In', operand, values, negated: e.negated, type: SqlTypes.BOOLEAN };
      }
      case 'Like': {
        const operand = this.analyze(e.operand);
        const pattern = this.analyze(e.pattern);
        const isString = (t: SqlType | null) => t === null || t.type === 'STRING';
        if (!isString(operand.type) || !isString(pattern.type)) {
          throw new AnalysisError('Like condition must be between strings');
        }
        return { kind: 'Like', operand, pattern, escape: e.escape, negated: e.negated, type: SqlTypes.BOOLEAN };
      }
      case 'Cast': {
        const operand = this.analyze(e.operand);
        const to = resolveType(e.type, this.#types);
        if (!isCastSupported(operand.type, to)) {
          throw new AnalysisError(`Cast of ${formatMaybeType(operand.type)} to ${formatType(to)} is not supported`);
        }
        return operand.type !== null && typeEquals(operand.type, to) ? operand : { kind: 'Cast', operand, type: to };
      }
      case 'SearchedCase':
        return this.#case(
          e,
          e.whens.map((w) => ({ when: this.#boolean(w.condition, e), then: this.analyze(w.result) })),
          e.else,
        );
      case 'SimpleCase': {
        const operand = this.analyze(e.operand);
        const whens = e.whens.map((w) => {
          const value = this.analyze(w.condition);
          if (!comparable('=', operand.type, value.type)) {
            throw new AnalysisError(
              `Cannot compare ${formatExpression(e.operand)} (${formatMaybeType(operand.type)}) to ${formatExpression(w.condition)} ` +
                `(${formatMaybeType(value.type)}) with EQUAL.`,
            );
          }
          const [l, r] = alignForComparison(operand, value);
          const when: Expr = { kind: 'Comparison', op: '=', left: l, right: r, type: SqlTypes.BOOLEAN };
          return { when, then: this.analyze(w.result) };
        });
        return this.#case(e, whens, e.else);
      }
      case 'FunctionCall':
        return this.#functionCall(e);
      case 'ArrayConstructor': {
        const items = e.elements.map((x) => this.analyze(x));
        const t = commonType(items.map((i) => i.type));
        if (t === undefined) {
          throw new AnalysisError(`invalid input syntax for type ARRAY: all elements must be of the same type: ${formatExpression(e)}`);
        }
        if (t === null) {
          throw new AnalysisError(`Cannot construct an array with all NULL elements (see https://github.com/confluentinc/ksql/issues/4239). As a workaround, you may cast a NULL value to the desired type.`);
        }
        return { kind: 'Array', items: items.map((i) => cast(i, t)), type: SqlTypes.array(t) };
      }
      case 'MapConstructor': {
        const entries = e.entries.map((x) => ({ key: this.analyze(x.key), value: this.analyze(x.value) }));
        const kt = commonType(entries.map((x) => x.key.type));
        const vt = commonType(entries.map((x) => x.value.type));
        if (kt === undefined || vt === undefined) {
          throw new AnalysisError(`invalid input syntax for type MAP: all keys and values must be of the same type: ${formatExpression(e)}`);
        }
        if (kt === null || vt === null) {
          throw new AnalysisError('Cannot construct a map with all NULL keys or values. As a workaround, you may cast a NULL value to the desired type.');
        }
        return {
          kind: 'Map',
          entries: entries.map((x) => ({ key: cast(x.key, kt), value: cast(x.value, vt) })),
          type: SqlTypes.map(kt, vt),
        };
      }
      case 'StructConstructor': {
        const fields = e.fields.map((f) => ({ name: f.name.value, value: this.analyze(f.value) }));
        const seen = new Set<string>();
        for (const f of fields) {
          if (seen.has(f.name)) throw new AnalysisError(`Duplicate field names found in STRUCT: '${f.name}' and '${f.name}'`);
          seen.add(f.name);
        }
        return {
          kind: 'Struct',
          fields: fields.map((f) => ({ name: f.name, value: f.value.type === null ? cast(f.value, SqlTypes.STRING) : f.value })),
          type: SqlTypes.struct(fields.map((f) => ({ name: f.name, type: f.value.type ?? SqlTypes.STRING }))),
        };
      }
    }
  }

  /** Analyzes an expression that must be BOOLEAN (or NULL). */
  #boolean(e: ast.Expression, parent: ast.Expression): Expr {
    const x = this.analyze(e);
    if (x.type !== null && x.type.type !== 'BOOLEAN') {
      throw new AnalysisError(
        `Type error in expression ${formatExpression(parent)}: ${formatExpression(e)} should be BOOLEAN but is ${formatType(x.type)}.`,
      );
    }
    return x;
  }

  #column(e: ast.ColumnRef): Expr {
    if (e.source !== undefined && !this.#scope.sourceNames.includes(e.source.value)) {
      throw new AnalysisError(`'${e.source.value}' is not a valid stream/table name or alias.`);
    }
    const c = this.#scope.columns.find((x) => x.name === e.name.value);
    if (c === undefined) {
      throw new AnalysisError(`${this.#clause} column '${e.name.value}' cannot be resolved.`);
    }
    return { kind: 'Column', index: c.index, name: c.name, type: c.type };
  }

  #arithmetic(e: ast.ArithmeticBinary): Expr {
    const left = this.analyze(e.left);
    const right = this.analyze(e.right);
    const lt = left.type;
    const rt = right.type;
    if (lt === null || rt === null || !isNumeric(lt) || !isNumeric(rt)) {
      throw new AnalysisError(
        `Error processing expression: ${formatExpression(e)}. Arithmetic on types ${formatMaybeType(lt)} and ${formatMaybeType(rt)} are not supported.`,
      );
    }
    let type: SqlType;
    if (lt.type === 'DOUBLE' || rt.type === 'DOUBLE') type = SqlTypes.DOUBLE;
    else if (lt.type === 'DECIMAL' || rt.type === 'DECIMAL') {
      const a = toDecimalType(lt);
      const b = toDecimalType(rt);
      return {
        kind: 'Arithmetic',
        op: e.operator,
        left: cast(left, a),
        right: cast(right, b),
        type: decimalResult(e.operator, a, b),
      };
    } else if (lt.type === 'BIGINT' || rt.type === 'BIGINT') type = SqlTypes.BIGINT;
    else type = SqlTypes.INTEGER;
    return { kind: 'Arithmetic', op: e.operator, left: cast(left, type), right: cast(right, type), type };
  }

  #case(e: ast.Expression, whens: { when: Expr; then: Expr }[], otherwise: ast.Expression | undefined): Expr {
    const elseExpr = otherwise === undefined ? undefined : this.analyze(otherwise);
    const t = commonType([...whens.map((w) => w.then.type), elseExpr?.type ?? null]);
    if (t === undefined) {
      throw new AnalysisError(`Invalid Case expression. Type for all 'THEN' clauses should be the same. ${formatExpression(e)}`);
    }
    const fix = (x: Expr) => (t === null ? x : cast(x, t));
    return {
      kind: 'Case',
      whens: whens.map((w) => ({ when: w.when, then: fix(w.then) })),
      else: elseExpr === undefined ? undefined : fix(elseExpr),
      type: t,
    };
  }

  #functionCall(e: ast.FunctionCall): Expr {
    const name = e.name.value.toUpperCase();
    const lambdaSupport = this.#functions.get(name)?.lambda;
    if (lambdaSupport !== undefined) return this.#lambdaCall(name, e, lambdaSupport);
    const args = e.args.map((a) => {
      if (a.kind === 'Lambda' || a.kind === 'IntervalUnit') {
        throw new AnalysisError(`${a.kind === 'Lambda' ? 'Lambda functions' : 'Time unit arguments'} are not supported yet: ${formatExpression(e)}`);
      }
      return this.analyze(a);
    });
    return this.#call(name, args, formatExpression(e), e.star);
  }

  /** A call with lambda arguments: the plain arguments type the lambdas' parameters. */
  #lambdaCall(name: string, e: ast.FunctionCall, support: LambdaSupport): Expr {
    const plain: Expr[] = [];
    const lambdas: Expr[] = [];
    for (const a of e.args) {
      if (a.kind === 'IntervalUnit') throw new AnalysisError(`Time unit arguments are not supported yet: ${formatExpression(e)}`);
      if (a.kind !== 'Lambda') {
        if (lambdas.length > 0) throw new AnalysisError(`Lambda functions must be the last arguments of ${name}: ${formatExpression(e)}`);
        plain.push(this.analyze(a));
        continue;
      }
      const params = a.params.map((p) => p.value);
      const types = support.paramTypes(
        plain.map((x) => x.type),
        lambdas.length,
        params.length,
      );
      if (types === undefined) {
        throw new AnalysisError(
          `Function '${name}' does not accept parameters (${[...plain.map((x) => formatMaybeType(x.type)), 'LAMBDA'].join(', ')}).\n` +
            `Valid alternatives are:\n${this.#functions.get(name)?.signatures.join('\n') ?? ''}`,
        );
      }
      const variables = new Map(this.#lambdaVariables);
      params.forEach((p, i) => variables.set(p, types[i] as SqlType));
      const body = new ExpressionAnalyzer({
        scope: this.#scope,
        functions: this.#functions,
        types: this.#types,
        clause: this.#clause,
        lambdaVariables: variables,
      }).analyze(a.body);
      lambdas.push({ kind: 'Lambda', params, body, type: body.type });
    }
    const argTypes = [...plain, ...lambdas].map((x) => x.type);
    const sig = this.#functions.get(name)?.resolve(argTypes);
    if (sig === undefined) {
      throw new AnalysisError(
        `Function '${name}' does not accept parameters (${argTypes.map(formatMaybeType).join(', ')}).\n` +
          `Valid alternatives are:\n${this.#functions.get(name)?.signatures.join('\n') ?? ''}`,
      );
    }
    return { kind: 'Call', name, args: [...plain, ...lambdas], type: sig.returnType };
  }

  #call(name: string, args: readonly Expr[], text: string, star = false): Expr {
    const fn = this.#functions.get(name);
    if (fn === undefined) {
      if (AGGREGATES.has(name)) {
        throw new AnalysisError(`Aggregate functions are not supported in this query yet: ${text}`);
      }
      throw new AnalysisError(`Can't find any functions with the name '${name}'`);
    }
    if (star) throw new AnalysisError(`Function '${name}' does not accept '*'`);
    const argTypes = args.map((a) => a.type);
    const sig = fn.resolve(argTypes);
    if (sig === undefined) {
      throw new AnalysisError(
        `Function '${name}' does not accept parameters (${argTypes.map(formatMaybeType).join(', ')}).\n` +
          `Valid alternatives are:\n${fn.signatures.join('\n')}`,
      );
    }
    return { kind: 'Call', name, args, argTypes: sig.argTypes, type: sig.returnType };
  }
}

const AGGREGATES = new Set([
  'COUNT',
  'SUM',
  'AVG',
  'MIN',
  'MAX',
  'COLLECT_LIST',
  'COLLECT_SET',
  'COUNT_DISTINCT',
  'EARLIEST_BY_OFFSET',
  'LATEST_BY_OFFSET',
  'TOPK',
  'TOPKDISTINCT',
  'HISTOGRAM',
  'STDDEV_SAMPLE',
  'STDDEV_SAMP',
  'CORRELATION',
  'ATTR',
]);
