/**
 * The kinds of tokens the lexer emits. Keywords are not separate kinds: an
 * unquoted word is an `IDENTIFIER` token and the parser compares its
 * upper-cased text (ksqlDB keywords are case-insensitive and most are
 * non-reserved).
 *
 * @module
 */
export const TokenKind = {
  SOF: '<SOF>',
  EOF: '<EOF>',
  /** An unquoted word: identifier or keyword. `value` is upper-cased. */
  IDENTIFIER: 'IDENTIFIER',
  /** `` `...` `` or `"..."`; `value` is the unescaped name, case kept. */
  QUOTED_IDENTIFIER: 'QUOTED_IDENTIFIER',
  /** A word starting with a digit, e.g. `1ABC`; `value` is upper-cased. */
  DIGIT_IDENTIFIER: 'DIGIT_IDENTIFIER',
  /** `'...'`; `value` has `''` resolved. */
  STRING: 'STRING',
  /** `123` */
  INTEGER: 'INTEGER',
  /** `1.5`, `1.`, `.5` */
  DECIMAL: 'DECIMAL',
  /** `1.5E3`, `1E-3` */
  FLOAT: 'FLOAT',
  /** `${name}`: a variable that was not substituted before parsing. */
  VARIABLE: 'VARIABLE',
  PAREN_L: '(',
  PAREN_R: ')',
  BRACKET_L: '[',
  BRACKET_R: ']',
  COMMA: ',',
  DOT: '.',
  SEMICOLON: ';',
  ASTERISK: '*',
  PLUS: '+',
  MINUS: '-',
  SLASH: '/',
  PERCENT: '%',
  CONCAT: '||',
  EQ: '=',
  NEQ: '<>',
  LT: '<',
  LTE: '<=',
  GT: '>',
  GTE: '>=',
  ASSIGN: ':=',
  ARROW: '->',
  LAMBDA: '=>',
} as const;

export type TokenKind = (typeof TokenKind)[keyof typeof TokenKind];
