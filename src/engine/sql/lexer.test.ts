import { describe, expect, it } from 'vitest';

import { tokenize } from './lexer.js';
import { Source } from './source.js';
import { SqlSyntaxError } from './syntax-error.js';

const lex = (body: string) => tokenize(new Source(body)).map((t) => [t.kind, t.value] as const);

function lexError(body: string): SqlSyntaxError {
  try {
    tokenize(new Source(body));
  } catch (error) {
    if (error instanceof SqlSyntaxError) return error;
    throw error;
  }
  throw new Error('expected a syntax error');
}

describe('lexer', () => {
  it('upper-cases unquoted words and keeps quoted ones', () => {
    expect(lex('select `MiXed``x` "dq""y" a_b@c')).toEqual([
      ['IDENTIFIER', 'SELECT'],
      ['QUOTED_IDENTIFIER', 'MiXed`x'],
      ['QUOTED_IDENTIFIER', 'dq"y'],
      ['IDENTIFIER', 'A_B@C'],
      ['<EOF>', ''],
    ]);
  });

  it('reads strings with doubled quotes', () => {
    expect(lex("'it''s' ''")).toEqual([
      ['STRING', "it's"],
      ['STRING', ''],
      ['<EOF>', ''],
    ]);
  });

  it('follows ANTLR longest match for numbers and digit identifiers', () => {
    expect(lex('1 1.5 1. .5 1e5 1.5E-3 1E 1E5X 123abc 1.5abc')).toEqual([
      ['INTEGER', '1'],
      ['DECIMAL', '1.5'],
      ['DECIMAL', '1.'],
      ['DECIMAL', '.5'],
      ['FLOAT', '1e5'],
      ['FLOAT', '1.5E-3'],
      ['DIGIT_IDENTIFIER', '1E'],
      ['DIGIT_IDENTIFIER', '1E5X'],
      ['DIGIT_IDENTIFIER', '123ABC'],
      ['DECIMAL', '1.5'],
      ['IDENTIFIER', 'ABC'],
      ['<EOF>', ''],
    ]);
  });

  it('reads every punctuator', () => {
    expect(lex('( ) [ ] , . ; * + - / % || = <> != < <= > >= := -> =>').map(([kind]) => kind)).toEqual([
      '(', ')', '[', ']', ',', '.', ';', '*', '+', '-', '/', '%', '||', '=', '<>', '<>', '<', '<=', '>', '>=',
      ':=', '->', '=>', '<EOF>',
    ]);
  });

  it('skips whitespace, line comments, directives and block comments', () => {
    expect(lex('a -- comment\n--@directive\n/* multi\nline */ b--x')).toEqual([
      ['IDENTIFIER', 'A'],
      ['IDENTIFIER', 'B'],
      ['<EOF>', ''],
    ]);
  });

  it('tracks lines and columns across CRLF, comments and multi-line strings', () => {
    const tokens = tokenize(new Source("a\r\n  b /* x\n */ c 'p\nq' d"));
    expect(tokens.map((t) => [t.line, t.column])).toEqual([
      [1, 1],
      [2, 3],
      [3, 5],
      [3, 7],
      [4, 4],
      [4, 5],
    ]);
  });

  it('lexes unsubstituted variables', () => {
    expect(lex('${my_var}')).toEqual([
      ['VARIABLE', 'my_var'],
      ['<EOF>', ''],
    ]);
  });

  it('reports unexpected characters and unterminated tokens where they start', () => {
    expect(lexError('a # b')).toMatchObject({ line: 1, column: 3, description: "Unexpected character '#'" });
    expect(lexError("x\n  'abc")).toMatchObject({ line: 2, column: 3, description: 'Unterminated string literal' });
    expect(lexError('`abc')).toMatchObject({ description: 'Unterminated quoted identifier' });
    expect(lexError('a /* b')).toMatchObject({ column: 3, description: 'Unterminated comment' });
    expect(lexError('a | b')).toMatchObject({ description: "Unexpected character '|'" });
    expect(lexError('\u0007')).toMatchObject({ description: 'Unexpected character U+0007' });
    expect(lexError('$x').code).toBe('SQL_SYNTAX_ERROR');
  });
});
