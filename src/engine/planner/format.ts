/**
 * Prints AST expressions and statements the way ksqlDB's
 * `ExpressionFormatter`/`SqlFormatter` do, for error messages
 * (`Cannot compare ID (STRING) to 11 (INTEGER) with EQUAL.`,
 * `Statement: (ID = 11)`) and for generated statements.
 *
 * @module
 */
import { isReservedKeyword } from '../sql/keywords.js';
import type * as ast from '../sql/ast.js';
import { formatType as formatEngineType, type SqlType } from '../types/index.js';

/** Backtick-quotes a name unless it is a plain upper-case identifier and not a keyword. */
export function formatName(name: string): string {
  if (/^[A-Z_][A-Z0-9_@]*$/.test(name) && !isReservedKeyword(name)) return name;
  return '`' + name.replaceAll('`', '``') + '`';
}

export function formatAstType(t: ast.SqlType): string {
  switch (t.kind) {
    case 'PrimitiveType':
      return t.name;
    case 'DecimalType':
      return `DECIMAL(${t.precision}, ${t.scale})`;
    case 'ArrayType':
      return `ARRAY<${formatAstType(t.elementType)}>`;
    case 'MapType':
      return `MAP<${formatAstType(t.keyType)}, ${formatAstType(t.valueType)}>`;
    case 'StructType':
      return `STRUCT<${t.fields.map((f) => `${formatName(f.name.value)} ${formatAstType(f.type)}`).join(', ')}>`;
    case 'CustomType':
      return t.name.value;
  }
}

export function formatLiteral(e: ast.Literal): string {
  switch (e.kind) {
    case 'NullLiteral':
      return 'null';
    case 'BooleanLiteral':
      return e.value ? 'true' : 'false';
    case 'StringLiteral':
      return `'${e.value.replaceAll("'", "''")}'`;
    default:
      return e.text;
  }
}

const COMPARISON_NAMES: Record<ast.ComparisonOperator, string> = {
  '=': 'EQUAL',
  '<>': 'NOT_EQUAL',
  '<': 'LESS_THAN',
  '<=': 'LESS_THAN_OR_EQUAL',
  '>': 'GREATER_THAN',
  '>=': 'GREATER_THAN_OR_EQUAL',
  'IS DISTINCT FROM': 'IS_DISTINCT_FROM',
  'IS NOT DISTINCT FROM': 'IS_NOT_DISTINCT_FROM',
};

/** ksqlDB's `ComparisonExpression.Type` name: `EQUAL`, `GREATER_THAN_OR_EQUAL`, ... */
export function comparisonName(op: ast.ComparisonOperator): string {
  return COMPARISON_NAMES[op];
}

function formatArg(a: ast.FunctionArgument): string {
  if (a.kind === 'Lambda') {
    const params = a.params.map((p) => formatName(p.value));
    return `(${params.join(', ')}) => ${formatExpression(a.body)}`;
  }
  if (a.kind === 'IntervalUnit') return a.unit;
  return formatExpression(a);
}

export function formatExpression(e: ast.Expression): string {
  switch (e.kind) {
    case 'NullLiteral':
    case 'BooleanLiteral':
    case 'StringLiteral':
    case 'IntegerLiteral':
    case 'BigIntLiteral':
    case 'DecimalLiteral':
    case 'DoubleLiteral':
      return formatLiteral(e);
    case 'ColumnRef':
      return (e.source ? formatName(e.source.value) + '.' : '') + formatName(e.name.value);
    case 'Dereference':
      return `${formatExpression(e.base)}->${formatName(e.field.value)}`;
    case 'Subscript':
      return `${formatExpression(e.base)}[${formatExpression(e.index)}]`;
    case 'ArithmeticUnary':
      return `${e.operator}${formatExpression(e.operand)}`;
    case 'ArithmeticBinary':
      return `(${formatExpression(e.left)} ${e.operator} ${formatExpression(e.right)})`;
    case 'Concat':
      return `(${formatExpression(e.left)} || ${formatExpression(e.right)})`;
    case 'Comparison':
      return `(${formatExpression(e.left)} ${e.operator} ${formatExpression(e.right)})`;
    case 'LogicalBinary':
      return `(${formatExpression(e.left)} ${e.operator} ${formatExpression(e.right)})`;
    case 'Not':
      return `(NOT ${formatExpression(e.operand)})`;
    case 'IsNull':
      return `(${formatExpression(e.operand)} IS ${e.negated ? 'NOT ' : ''}NULL)`;
    case 'Between':
      return `(${formatExpression(e.operand)} ${e.negated ? 'NOT ' : ''}BETWEEN ${formatExpression(e.low)} AND ${formatExpression(e.high)})`;
    case 'InList':
      return `(${formatExpression(e.operand)} ${e.negated ? 'NOT ' : ''}IN (${e.values.map(formatExpression).join(', ')}))`;
    case 'Like':
      return (
        `(${formatExpression(e.operand)} ${e.negated ? 'NOT ' : ''}LIKE ${formatExpression(e.pattern)}` +
        (e.escape === undefined ? '' : ` ESCAPE '${e.escape.replaceAll("'", "''")}'`) +
        ')'
      );
    case 'Cast':
      return `CAST(${formatExpression(e.operand)} AS ${formatAstType(e.type)})`;
    case 'SearchedCase':
      return (
        '(CASE ' +
        e.whens.map((w) => `WHEN ${formatExpression(w.condition)} THEN ${formatExpression(w.result)}`).join(' ') +
        (e.else ? ` ELSE ${formatExpression(e.else)}` : '') +
        ' END)'
      );
    case 'SimpleCase':
      return (
        `(CASE ${formatExpression(e.operand)} ` +
        e.whens.map((w) => `WHEN ${formatExpression(w.condition)} THEN ${formatExpression(w.result)}`).join(' ') +
        (e.else ? ` ELSE ${formatExpression(e.else)}` : '') +
        ' END)'
      );
    case 'FunctionCall':
      return `${e.name.value}(${e.star ? '*' : e.args.map(formatArg).join(', ')})`;
    case 'ArrayConstructor':
      return `ARRAY[${e.elements.map(formatExpression).join(', ')}]`;
    case 'MapConstructor':
      return `MAP(${e.entries.map((x) => `${formatExpression(x.key)}:=${formatExpression(x.value)}`).join(', ')})`;
    case 'StructConstructor':
      return `STRUCT(${e.fields.map((f) => `${formatName(f.name.value)}:=${formatExpression(f.value)}`).join(', ')})`;
  }
}

/** Type as printed in expression messages; the NULL literal's unknown type prints as `null`. */
export function formatMaybeType(t: SqlType | null): string {
  return t === null ? 'null' : formatEngineType(t);
}
