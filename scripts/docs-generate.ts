// Rewrites the generated parts of the docs from the code: the README's
// configuration table, docs/errors.md's error-code table, and schema.graphql
// (the generic API's printed schema). Tests compare each with the code.
import { readFileSync, writeFileSync } from 'node:fs';
import { printSchema } from 'graphql';
import { markdownTable as configTable } from '../src/gateway/config/index.js';
import { errorTable } from '../src/gateway/errors/docs.js';
import { buildGateway } from '../src/gateway/server.js';
import { createFakeKsqlClient } from '../src/gateway/testing/fake-ksql-client.js';

function rewrite(file: string, marker: string, content: string): void {
  const path = new URL(`../${file}`, import.meta.url);
  const text = readFileSync(path, 'utf8');
  const re = new RegExp(`<!-- ${marker}:start -->[\\s\\S]*?<!-- ${marker}:end -->`);
  if (!re.test(text)) throw new Error(`${file} has no ${marker} markers`);
  const next = text.replace(re, `<!-- ${marker}:start -->\n${content}\n<!-- ${marker}:end -->`);
  writeFileSync(path, next);
  console.log(`${file}: ${marker} ${next === text ? 'already current' : 'updated'}`);
}

function rewriteWhole(file: string, content: string): void {
  const path = new URL(`../${file}`, import.meta.url);
  const text = readFileSync(path, 'utf8');
  if (content !== text) writeFileSync(path, content);
  console.log(`${file}: ${content === text ? 'already current' : 'updated'}`);
}

/** The generic API alone: no typed per-source part (that one depends on the ksqlDB catalog). */
async function genericSchema(): Promise<string> {
  const gateway = buildGateway({ client: createFakeKsqlClient(), logger: false, typedSchema: false });
  try {
    return printSchema(gateway.schema) + '\n';
  } finally {
    await gateway.close();
  }
}

rewrite('README.md', 'config-table', configTable());
rewrite('docs/errors.md', 'error-table', errorTable());
rewriteWhole('schema.graphql', await genericSchema());
