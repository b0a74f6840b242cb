/**
 * Prints an AST back to canonical ksqlDB SQL: keywords upper-case, one line
 * per statement, identifiers back-quoted only when they must be, parentheses
 * only where precedence needs them.
 *
 * Round-trip property (tested): `parse(print(parse(sql)))` equals
 * `parse(sql)` ignoring `loc` and statement `text`.
 *
 * @example
 * ```ts
 * print(parseExpression('a+b*c')); // 'A + B * C'
 * ```
 *
 * @module
 */
import { assertNever } from '../../shared/errors.js';
import type * as ast from './ast.js';
import { isStatement } from './ast.js';
import { isKeyword, isReservedKeyword } from './keywords.js';

/**
 * Prints any node. Statements end with `;`, except statements nested in
 * `EXPLAIN` (printed as part of their parent).
 */
export function print(node: ast.AstNode): string {
  return printNode(node);
}

/** Prints a request: one statement per line, each ending with `;`. */
export function printStatements(statements: readonly ast.Statement[]): string {
  return statements.map((statement) => printStatement(statement, true)).join('\n');
}

const PLAIN_IDENTIFIER = /^[A-Z_][A-Z0-9_@]*$/;

/** An identifier as it must be written to parse back to `value`. */
export function printIdentifier(value: string): string {
  if (PLAIN_IDENTIFIER.test(value) && !isKeyword(value)) return value;
  return '`' + value.replaceAll('`', '``') + '`';
}

/** A `'...'` string literal. */
export function printString(value: string): string {
  return "'" + value.replaceAll("'", "''") + "'";
}

function printNode(node: ast.AstNode): string {
  switch (node.kind) {
    case 'Identifier':
      return printIdentifier(node.value);
    case 'PrimitiveType':
    case 'DecimalType':
    case 'ArrayType':
    case 'MapType':
    case 'StructType':
    case 'CustomType':
      return printType(node);
    case 'StructTypeField':
      return `${printIdentifier(node.name.value)} ${printType(node.type)}`;
    case 'WhenClause':
      return `WHEN ${expr(node.condition)} THEN ${expr(node.result)}`;
    case 'MapEntry':
      return `${expr(node.key)} := ${expr(node.value)}`;
    case 'StructField':
      return `${printIdentifier(node.name.value)} := ${expr(node.value)}`;
    case 'Lambda':
    case 'IntervalUnit':
      return printArgument(node);
    case 'Duration':
      return printDuration(node);
    case 'AllColumns':
    case 'StructAll':
    case 'SingleColumn':
      return printSelectItem(node);
    case 'SourceRef':
    case 'Join':
      return printRelation(node);
    case 'WithinExpression':
      return printWithin(node);
    case 'JoinedSource':
      return printJoinedSource(node);
    case 'TumblingWindow':
    case 'HoppingWindow':
    case 'SessionWindow':
      return printWindow(node);
    case 'Query':
      return printQuery(node);
    case 'Property':
      return printProperty(node);
    case 'TableElement':
      return printTableElement(node);
    case 'AlterColumn':
      return `ADD COLUMN ${printIdentifier(node.name.value)} ${printType(node.type)}`;
    default:
      if (isStatement(node)) return printStatement(node, true);
      return expr(node);
  }
}

// ---------------------------------------------------------------------------
// Types
// ---------------------------------------------------------------------------

function printType(type: ast.SqlType): string {
  switch (type.kind) {
    case 'PrimitiveType':
      return type.name;
    case 'DecimalType':
      return `DECIMAL(${type.precision}, ${type.scale})`;
    case 'ArrayType':
      return `ARRAY<${printType(type.elementType)}>`;
    case 'MapType':
      return `MAP<${printType(type.keyType)}, ${printType(type.valueType)}>`;
    case 'StructType':
      return `STRUCT<${type.fields.map((f) => `${printIdentifier(f.name.value)} ${printType(f.type)}`).join(', ')}>`;
    case 'CustomType':
      return printIdentifier(type.name.value);
    default:
      return assertNever(type, 'type');
  }
}

// ---------------------------------------------------------------------------
// Expressions
// ---------------------------------------------------------------------------

/**
 * Binding strength, from loosest to tightest, mirroring the parser:
 * OR 1, AND 2, NOT 3, predicates 4, `||` 5, `+ -` 6, `* / %` 7, unary 8, primary 9.
 */
const enum Prec {
  Expression = 0,
  Or = 1,
  And = 2,
  Not = 3,
  Predicate = 4,
  /** `valueExpression`: what comparisons, BETWEEN, LIKE, GROUP BY, VALUES accept. */
  Value = 5,
  Concat = Value,
  Additive = 6,
  Multiplicative = 7,
  Unary = 8,
  Primary = 9,
}

function precedence(e: ast.Expression): number {
  switch (e.kind) {
    case 'LogicalBinary':
      return e.operator === 'OR' ? Prec.Or : Prec.And;
    case 'Not':
      return Prec.Not;
    case 'Comparison':
    case 'IsNull':
    case 'Between':
    case 'InList':
    case 'Like':
      return Prec.Predicate;
    case 'Concat':
      return Prec.Concat;
    case 'ArithmeticBinary':
      return e.operator === '+' || e.operator === '-' ? Prec.Additive : Prec.Multiplicative;
    case 'ArithmeticUnary':
      return Prec.Unary;
    default:
      return Prec.Primary;
  }
}

/** Prints `e`, parenthesised if it binds looser than `min`. */
function expr(e: ast.Expression, min: number = Prec.Expression): string {
  const text = printExpression(e);
  return precedence(e) < min ? `(${text})` : text;
}

function printExpression(e: ast.Expression): string {
  switch (e.kind) {
    case 'NullLiteral':
      return 'NULL';
    case 'BooleanLiteral':
      return e.value ? 'TRUE' : 'FALSE';
    case 'StringLiteral':
      return printString(e.value);
    case 'IntegerLiteral':
    case 'BigIntLiteral':
    case 'DecimalLiteral':
    case 'DoubleLiteral':
      return e.text;
    case 'ColumnRef':
      return e.source === undefined
        ? printIdentifier(e.name.value)
        : `${printIdentifier(e.source.value)}.${printIdentifier(e.name.value)}`;
    case 'Dereference':
      return `${expr(e.base, Prec.Primary)}->${printIdentifier(e.field.value)}`;
    case 'Subscript':
      return `${expr(e.base, Prec.Primary)}[${expr(e.index, Prec.Value)}]`;
    case 'ArithmeticUnary': {
      const operand = expr(e.operand, Prec.Unary);
      // `-5` would parse back as a negative literal, `--x` as a comment.
      if (e.operator === '-' && /^[0-9.]/.test(operand)) return `-(${operand})`;
      if (e.operator === '-' && operand.startsWith('-')) return `- ${operand}`;
      return `${e.operator}${operand}`;
    }
    case 'ArithmeticBinary': {
      const p = precedence(e);
      return `${expr(e.left, p)} ${e.operator} ${expr(e.right, p + 1)}`;
    }
    case 'Concat':
      return `${expr(e.left, Prec.Concat)} || ${expr(e.right, Prec.Concat + 1)}`;
    case 'Comparison':
      return `${expr(e.left, Prec.Value)} ${e.operator} ${expr(e.right, Prec.Value)}`;
    case 'LogicalBinary': {
      const p = precedence(e);
      return `${expr(e.left, p)} ${e.operator} ${expr(e.right, p + 1)}`;
    }
    case 'Not':
      return `NOT ${expr(e.operand, Prec.Not)}`;
    case 'IsNull':
      return `${expr(e.operand, Prec.Value)} IS ${e.negated ? 'NOT ' : ''}NULL`;
    case 'Between':
      return `${expr(e.operand, Prec.Value)} ${e.negated ? 'NOT ' : ''}BETWEEN ${expr(e.low, Prec.Value)} AND ${expr(e.high, Prec.Value)}`;
    case 'InList':
      return `${expr(e.operand, Prec.Value)} ${e.negated ? 'NOT ' : ''}IN (${e.values.map((v) => expr(v)).join(', ')})`;
    case 'Like':
      return (
        `${expr(e.operand, Prec.Value)} ${e.negated ? 'NOT ' : ''}LIKE ${expr(e.pattern, Prec.Value)}` +
        (e.escape === undefined ? '' : ` ESCAPE ${printString(e.escape)}`)
      );
    case 'Cast':
      return `CAST(${expr(e.operand)} AS ${printType(e.type)})`;
    case 'SearchedCase':
      return `CASE ${printWhens(e.whens)}${e.else === undefined ? '' : ` ELSE ${expr(e.else)}`} END`;
    case 'SimpleCase':
      return `CASE ${expr(e.operand, Prec.Value)} ${printWhens(e.whens)}${e.else === undefined ? '' : ` ELSE ${expr(e.else)}`} END`;
    case 'FunctionCall':
      return `${printIdentifier(e.name.value)}(${e.star ? '*' : e.args.map(printArgument).join(', ')})`;
    case 'ArrayConstructor':
      return `ARRAY[${e.elements.map((x) => expr(x)).join(', ')}]`;
    case 'MapConstructor':
      return `MAP(${e.entries.map((x) => `${expr(x.key)} := ${expr(x.value)}`).join(', ')})`;
    case 'StructConstructor':
      return `STRUCT(${e.fields.map((f) => `${printIdentifier(f.name.value)} := ${expr(f.value)}`).join(', ')})`;
    default:
      return assertNever(e, 'expression');
  }
}

function printWhens(whens: readonly ast.WhenClause[]): string {
  return whens.map((w) => `WHEN ${expr(w.condition)} THEN ${expr(w.result)}`).join(' ');
}

function printArgument(arg: ast.FunctionArgument): string {
  switch (arg.kind) {
    case 'Lambda': {
      const [only] = arg.params;
      const params =
        arg.params.length === 1 && only !== undefined
          ? printIdentifier(only.value)
          : `(${arg.params.map((p) => printIdentifier(p.value)).join(', ')})`;
      return `${params} => ${expr(arg.body)}`;
    }
    case 'IntervalUnit':
      return arg.unit;
    default:
      return expr(arg);
  }
}

// ---------------------------------------------------------------------------
// Queries
// ---------------------------------------------------------------------------

function printDuration(d: ast.Duration): string {
  return `${d.value} ${d.unit}`;
}

function printSelectItem(item: ast.SelectItem): string {
  switch (item.kind) {
    case 'AllColumns':
      return item.source === undefined ? '*' : `${printIdentifier(item.source.value)}.*`;
    case 'StructAll':
      return `${expr(item.base, Prec.Primary)}->*`;
    case 'SingleColumn':
      return expr(item.expression) + (item.alias === undefined ? '' : ` AS ${printIdentifier(item.alias.value)}`);
    default:
      return assertNever(item, 'select item');
  }
}

function printSourceRef(ref: ast.SourceRef): string {
  return printIdentifier(ref.name.value) + (ref.alias === undefined ? '' : ` AS ${printIdentifier(ref.alias.value)}`);
}

function printRelation(relation: ast.Relation): string {
  if (relation.kind === 'SourceRef') return printSourceRef(relation);
  return [printSourceRef(relation.left), ...relation.joins.map(printJoinedSource)].join(' ');
}

function printJoinedSource(join: ast.JoinedSource): string {
  return (
    `${join.joinType} JOIN ${printSourceRef(join.source)}` +
    (join.within === undefined ? '' : ` ${printWithin(join.within)}`) +
    ` ON ${expr(join.on)}`
  );
}

function printWithin(within: ast.WithinExpression): string {
  const size =
    within.after === undefined
      ? printDuration(within.before)
      : `(${printDuration(within.before)}, ${printDuration(within.after)})`;
  return `WITHIN ${size}${within.grace === undefined ? '' : ` GRACE PERIOD ${printDuration(within.grace)}`}`;
}

function printWindow(window: ast.WindowExpression): string {
  const tail =
    (window.retention === undefined ? '' : `, RETENTION ${printDuration(window.retention)}`) +
    (window.grace === undefined ? '' : `, GRACE PERIOD ${printDuration(window.grace)}`);
  switch (window.kind) {
    case 'TumblingWindow':
      return `TUMBLING (SIZE ${printDuration(window.size)}${tail})`;
    case 'HoppingWindow':
      return `HOPPING (SIZE ${printDuration(window.size)}, ADVANCE BY ${printDuration(window.advance)}${tail})`;
    case 'SessionWindow':
      return `SESSION (${printDuration(window.gap)}${tail})`;
    default:
      return assertNever(window, 'window');
  }
}

function printGrouping(items: readonly ast.Expression[]): string {
  return items.length === 0 ? '()' : items.map((e) => expr(e, Prec.Value)).join(', ');
}

function printQuery(q: ast.Query): string {
  const parts = [`SELECT ${q.select.map(printSelectItem).join(', ')}`, `FROM ${printRelation(q.from)}`];
  if (q.window !== undefined) parts.push(`WINDOW ${printWindow(q.window)}`);
  if (q.where !== undefined) parts.push(`WHERE ${expr(q.where)}`);
  if (q.groupBy !== undefined) parts.push(`GROUP BY ${printGrouping(q.groupBy)}`);
  if (q.partitionBy !== undefined) parts.push(`PARTITION BY ${printGrouping(q.partitionBy)}`);
  if (q.having !== undefined) parts.push(`HAVING ${expr(q.having)}`);
  if (q.emit !== undefined) parts.push(`EMIT ${q.emit}`);
  if (q.limit !== undefined) parts.push(`LIMIT ${q.limit}`);
  return parts.join(' ');
}

// ---------------------------------------------------------------------------
// Statements
// ---------------------------------------------------------------------------

/** Property names sit between `(`/`,` and `=`, so non-reserved keywords can stay bare. */
function printPropertyName(name: string): string {
  return PLAIN_IDENTIFIER.test(name) && !isReservedKeyword(name) ? name : printString(name);
}

function printProperty(p: ast.Property): string {
  return `${printPropertyName(p.name)}=${expr(p.value)}`;
}

function printWith(properties: readonly ast.Property[]): string {
  return properties.length === 0 ? '' : ` WITH (${properties.map(printProperty).join(', ')})`;
}

function printTableElement(e: ast.TableElement): string {
  let text = `${printIdentifier(e.name.value)} ${printType(e.type)}`;
  if (e.constraint === 'HEADER') text += ` HEADER(${printString(e.headerKey ?? '')})`;
  else if (e.constraint !== undefined) text += ` ${e.constraint}`;
  return text;
}

function printResource(name: ast.ResourceName): string {
  return name.kind === 'Identifier' ? printIdentifier(name.value) : printString(name.value);
}

function ifNotExists(flag: boolean): string {
  return flag ? 'IF NOT EXISTS ' : '';
}

function printStatement(s: ast.Statement, terminate: boolean): string {
  return printStatementBody(s) + (terminate ? ';' : '');
}

function printStatementBody(s: ast.Statement): string {
  switch (s.kind) {
    case 'QueryStatement':
      return printQuery(s.query);
    case 'CreateSource':
      return (
        `CREATE ${s.orReplace ? 'OR REPLACE ' : ''}${s.isSource ? 'SOURCE ' : ''}${s.sourceType} ` +
        `${ifNotExists(s.ifNotExists)}${printIdentifier(s.name.value)}` +
        (s.elements.length === 0 ? '' : ` (${s.elements.map(printTableElement).join(', ')})`) +
        printWith(s.properties)
      );
    case 'CreateSourceAs':
      return (
        `CREATE ${s.orReplace ? 'OR REPLACE ' : ''}${s.sourceType} ` +
        `${ifNotExists(s.ifNotExists)}${printIdentifier(s.name.value)}${printWith(s.properties)} AS ${printQuery(s.query)}`
      );
    case 'InsertInto':
      return `INSERT INTO ${printIdentifier(s.target.value)}${printWith(s.properties)} ${printQuery(s.query)}`;
    case 'InsertValues':
      return (
        `INSERT INTO ${printIdentifier(s.target.value)}` +
        (s.columns === undefined ? '' : ` (${s.columns.map((c) => printIdentifier(c.value)).join(', ')})`) +
        ` VALUES (${s.values.map((v) => expr(v, Prec.Value)).join(', ')})`
      );
    case 'DropSource':
      return `DROP ${s.sourceType} ${s.ifExists ? 'IF EXISTS ' : ''}${printIdentifier(s.name.value)}${s.deleteTopic ? ' DELETE TOPIC' : ''}`;
    case 'CreateType':
      return `CREATE TYPE ${ifNotExists(s.ifNotExists)}${printIdentifier(s.name.value)} AS ${printType(s.type)}`;
    case 'DropType':
      return `DROP TYPE ${s.ifExists ? 'IF EXISTS ' : ''}${printIdentifier(s.name.value)}`;
    case 'AlterSource':
      return (
        `ALTER ${s.sourceType} ${printIdentifier(s.name.value)} ` +
        s.columns.map((c) => `ADD COLUMN ${printIdentifier(c.name.value)} ${printType(c.type)}`).join(', ')
      );
    case 'Show':
      return `SHOW ${s.all ? 'ALL ' : ''}${s.subject}${s.extended ? ' EXTENDED' : ''}`;
    case 'Describe':
      return `DESCRIBE ${printIdentifier(s.name.value)}${s.extended ? ' EXTENDED' : ''}`;
    case 'DescribeSources':
      return `DESCRIBE ${s.sourceType === 'STREAM' ? 'STREAMS' : 'TABLES'}${s.extended ? ' EXTENDED' : ''}`;
    case 'DescribeFunction':
      return `DESCRIBE FUNCTION ${printIdentifier(s.name.value)}`;
    case 'Explain':
      if (s.statement !== undefined) return `EXPLAIN ${printStatement(s.statement, false)}`;
      return `EXPLAIN ${printIdentifier(s.queryId?.value ?? '')}`;
    case 'Terminate':
    case 'Pause':
    case 'Resume':
      return `${s.kind.toUpperCase()} ${s.all || s.queryId === undefined ? 'ALL' : printIdentifier(s.queryId.value)}`;
    case 'SetProperty':
      return `SET ${printString(s.name)}=${printString(s.value)}`;
    case 'UnsetProperty':
      return `UNSET ${printString(s.name)}`;
    case 'AlterSystemProperty':
      return `ALTER SYSTEM ${printString(s.name)}=${printString(s.value)}`;
    case 'DefineVariable':
      return `DEFINE ${s.name}=${printString(s.value)}`;
    case 'UndefineVariable':
      return `UNDEFINE ${s.name}`;
    case 'PrintTopic':
      return (
        `PRINT ${printResource(s.topic)}` +
        (s.fromBeginning ? ' FROM BEGINNING' : '') +
        (s.interval === undefined ? '' : ` INTERVAL ${s.interval}`) +
        (s.limit === undefined ? '' : ` LIMIT ${s.limit}`)
      );
    case 'AssertTopic':
      return (
        `ASSERT ${s.exists ? '' : 'NOT EXISTS '}TOPIC ${printResource(s.topic)}${printWith(s.properties)}` +
        (s.timeout === undefined ? '' : ` TIMEOUT ${printDuration(s.timeout)}`)
      );
    case 'AssertSchema':
      return (
        `ASSERT ${s.exists ? '' : 'NOT EXISTS '}SCHEMA` +
        (s.subject === undefined ? '' : ` SUBJECT ${printResource(s.subject)}`) +
        (s.id === undefined ? '' : ` ID ${expr(s.id)}`) +
        (s.timeout === undefined ? '' : ` TIMEOUT ${printDuration(s.timeout)}`)
      );
    default:
      return assertNever(s, 'statement');
  }
}
