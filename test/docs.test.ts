/** Docs that are generated from code must match the code. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { markdownTable } from '../src/gateway/config/index.js';

describe('README', () => {
  it('has the configuration table generated from the options (npm run docs:config)', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    const m = /<!-- config-table:start -->\n([\s\S]*?)\n<!-- config-table:end -->/.exec(readme);
    expect(m?.[1]).toBe(markdownTable());
  });
});
