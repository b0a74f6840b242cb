/**
 * The SQL front end of the embedded ksqlDB engine: lexer, parser, AST,
 * printer and visitor. Knows nothing about types, catalog or runtime.
 *
 * @module
 */
export type * from './ast.js';
export { isExpression, isLiteral, isStatement } from './ast.js';
export { NON_RESERVED_KEYWORDS, RESERVED_KEYWORDS, isKeyword, isReservedKeyword } from './keywords.js';
export { Lexer, tokenize, type Token } from './lexer.js';
export {
  Parser,
  decimalPrecisionScale,
  parse,
  parseExpression,
  parseStatement,
  parseType,
  type ParseOptions,
} from './parser.js';
export { print, printIdentifier, printStatements, printString } from './printer.js';
export { Source, getLocation, type SourcePosition } from './source.js';
export { SQL_SYNTAX_ERROR, SqlSyntaxError, printSourceLocation } from './syntax-error.js';
export { TokenKind } from './token-kind.js';
export { substituteVariables } from './variables.js';
export { BREAK, VisitorKeys, childNodes, visit, type EnterLeave, type VisitFn, type Visitor } from './visitor.js';
