import { describe, expect, it } from 'vitest';

import { BaseError } from '../../shared/errors.js';
import { Source, getLocation } from './source.js';
import { SqlSyntaxError, printSourceLocation } from './syntax-error.js';

describe('SqlSyntaxError', () => {
  it('is a BaseError with a stable code and ksqlDB-style first line', () => {
    const error = new SqlSyntaxError('ab\ncd', 4, "Expected 'X', found 'd'", { cause: 'why' });
    expect(error).toBeInstanceOf(BaseError);
    expect(error.name).toBe('SqlSyntaxError');
    expect(error.code).toBe('SQL_SYNTAX_ERROR');
    expect(error.cause).toBe('why');
    expect(error.message.split('\n')[0]).toBe('line 2:2: Syntax Error');
    expect({ line: error.line, column: error.column, offset: error.offset }).toEqual({ line: 2, column: 2, offset: 4 });
  });
});

describe('getLocation', () => {
  it('counts \\n, \\r\\n and \\r as line ends', () => {
    const body = 'a\nb\r\nc\rd';
    expect(getLocation(body, 0)).toEqual({ line: 1, column: 1 });
    expect(getLocation(body, 2)).toEqual({ line: 2, column: 1 });
    expect(getLocation(body, 5)).toEqual({ line: 3, column: 1 });
    expect(getLocation(body, 7)).toEqual({ line: 4, column: 1 });
    expect(getLocation(body, 8)).toEqual({ line: 4, column: 2 });
  });
});

describe('printSourceLocation', () => {
  it('shows the line before, the line, a caret and the line after', () => {
    expect(printSourceLocation(new Source('one\ntwo\nthree', 'q.sql'), { line: 2, column: 3 })).toBe(
      ['q.sql:2:3', '1 | one', '2 | two', '  |   ^', '3 | three'].join('\n'),
    );
  });

  it('handles the first line, column 1, and blank neighbours', () => {
    expect(printSourceLocation('x\n\n', { line: 1, column: 1 })).toBe(['SQL:1:1', '1 | x', '  | ^'].join('\n'));
    expect(printSourceLocation('', { line: 1, column: 1 })).toBe(['SQL:1:1', '1 |', '  | ^'].join('\n'));
  });

  it('pads line numbers to the widest', () => {
    const body = Array.from({ length: 10 }, (_, i) => `l${i + 1}`).join('\n');
    expect(printSourceLocation(body, { line: 10, column: 2 })).toBe(
      ['SQL:10:2', ' 9 | l9', '10 | l10', '   |  ^'].join('\n'),
    );
  });
});
