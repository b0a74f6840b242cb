/**
 * Helpers shared by the colocated SQL tests (not part of the public API).
 *
 * @module
 */
import type * as ast from './ast.js';
import { isStatement } from './ast.js';

/** Deep copy without `loc` and statement `text` (literals keep theirs), for structural comparisons. */
export function strip<T>(value: T): T {
  if (Array.isArray(value)) return value.map((item: unknown) => strip(item)) as T;
  if (typeof value !== 'object' || value === null) return value;
  const statement = isStatement(value as unknown as ast.AstNode);
  const out: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value)) {
    if (key === 'loc' || (statement && key === 'text')) continue;
    out[key] = strip(child);
  }
  return out as T;
}

/** A compact, fully parenthesised rendering of an expression, to pin down precedence. */
export function sexpr(e: ast.FunctionArgument): string {
  switch (e.kind) {
    case 'ColumnRef':
      return e.source === undefined ? e.name.value : `${e.source.value}.${e.name.value}`;
    case 'IntegerLiteral':
    case 'BigIntLiteral':
    case 'DecimalLiteral':
    case 'DoubleLiteral':
      return e.text;
    case 'StringLiteral':
      return `'${e.value}'`;
    case 'BooleanLiteral':
      return String(e.value).toUpperCase();
    case 'NullLiteral':
      return 'NULL';
    case 'ArithmeticBinary':
    case 'Comparison':
      return `(${e.operator} ${sexpr(e.left)} ${sexpr(e.right)})`;
    case 'LogicalBinary':
      return `(${e.operator} ${sexpr(e.left)} ${sexpr(e.right)})`;
    case 'Concat':
      return `(|| ${sexpr(e.left)} ${sexpr(e.right)})`;
    case 'ArithmeticUnary':
      return `(${e.operator}u ${sexpr(e.operand)})`;
    case 'Not':
      return `(NOT ${sexpr(e.operand)})`;
    case 'IsNull':
      return `(${e.negated ? 'NOTNULL' : 'ISNULL'} ${sexpr(e.operand)})`;
    case 'Between':
      return `(${e.negated ? 'NOT-' : ''}BETWEEN ${sexpr(e.operand)} ${sexpr(e.low)} ${sexpr(e.high)})`;
    case 'InList':
      return `(${e.negated ? 'NOT-' : ''}IN ${sexpr(e.operand)} ${e.values.map(sexpr).join(' ')})`;
    case 'Like':
      return `(${e.negated ? 'NOT-' : ''}LIKE ${sexpr(e.operand)} ${sexpr(e.pattern)}${e.escape === undefined ? '' : ` '${e.escape}'`})`;
    case 'Subscript':
      return `([] ${sexpr(e.base)} ${sexpr(e.index)})`;
    case 'Dereference':
      return `(-> ${sexpr(e.base)} ${e.field.value})`;
    case 'FunctionCall':
      return `(${e.name.value}${e.star ? ' *' : ''}${e.args.map((a) => ` ${sexpr(a)}`).join('')})`;
    case 'Lambda':
      return `(LAMBDA (${e.params.map((p) => p.value).join(' ')}) ${sexpr(e.body)})`;
    case 'IntervalUnit':
      return e.unit;
    case 'Cast':
      return `(CAST ${sexpr(e.operand)} ${e.type.kind})`;
    default:
      return e.kind;
  }
}
