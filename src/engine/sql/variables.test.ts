import { describe, expect, it } from 'vitest';

import { parse } from './parser.js';
import { substituteVariables } from './variables.js';

describe('substituteVariables', () => {
  it('replaces defined variables, case-insensitively, including inside strings', () => {
    expect(
      substituteVariables("SELECT * FROM ${Src} WHERE x = '${v}' AND y = ${V};", { SRC: 'orders', v: 'a' }),
    ).toBe("SELECT * FROM orders WHERE x = 'a' AND y = a;");
  });

  it('accepts a Map and leaves undefined references for the parser to report', () => {
    const sql = substituteVariables('SELECT ${a} FROM ${missing};', new Map([['a', 'col']]));
    expect(sql).toBe('SELECT col FROM ${missing};');
    expect(() => parse(sql)).toThrow("found variable '${missing}'");
  });

  it('returns the text unchanged without variables', () => {
    expect(substituteVariables('SELECT ${x};', {})).toBe('SELECT ${x};');
  });
});
