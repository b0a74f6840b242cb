// Rewrites the generated parts of the docs from the tables in code:
// the README's configuration table and docs/errors.md's error-code table.
import { readFileSync, writeFileSync } from 'node:fs';
import { markdownTable as configTable } from '../src/gateway/config/index.js';
import { errorTable } from '../src/gateway/errors/docs.js';

function rewrite(file: string, marker: string, content: string): void {
  const path = new URL(`../${file}`, import.meta.url);
  const text = readFileSync(path, 'utf8');
  const re = new RegExp(`<!-- ${marker}:start -->[\\s\\S]*?<!-- ${marker}:end -->`);
  if (!re.test(text)) throw new Error(`${file} has no ${marker} markers`);
  const next = text.replace(re, `<!-- ${marker}:start -->\n${content}\n<!-- ${marker}:end -->`);
  writeFileSync(path, next);
  console.log(`${file}: ${marker} ${next === text ? 'already current' : 'updated'}`);
}

rewrite('README.md', 'config-table', configTable());
rewrite('docs/errors.md', 'error-table', errorTable());
