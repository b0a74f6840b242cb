// Rewrites the README's configuration table from the options table in code.
import { readFileSync, writeFileSync } from 'node:fs';
import { markdownTable } from '../src/gateway/config/index.js';

const path = new URL('../README.md', import.meta.url);
const readme = readFileSync(path, 'utf8');
const next = readme.replace(
  /<!-- config-table:start -->[\s\S]*?<!-- config-table:end -->/,
  `<!-- config-table:start -->\n${markdownTable()}\n<!-- config-table:end -->`,
);
writeFileSync(path, next);
console.log(next === readme ? 'README config table already current' : 'README config table updated');
