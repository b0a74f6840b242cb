/** Docs generated from code must match the code (`npm run docs:generate` rewrites them). */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { markdownTable } from '../src/gateway/config/index.js';
import { errorTable } from '../src/gateway/errors/docs.js';

function section(file: string, marker: string): string | undefined {
  const text = readFileSync(new URL(`../${file}`, import.meta.url), 'utf8');
  return new RegExp(`<!-- ${marker}:start -->\\n([\\s\\S]*?)\\n<!-- ${marker}:end -->`).exec(text)?.[1];
}

describe('generated docs', () => {
  it('README has the configuration table of the options in code', () => {
    expect(section('README.md', 'config-table')).toBe(markdownTable());
  });

  it('docs/errors.md has the error-code table of the code', () => {
    expect(section('docs/errors.md', 'error-table')).toBe(errorTable());
  });
});
