/**
 * The import rules of docs/architecture.md are enforced by ESLint; these
 * tests prove the rules bite, by linting forbidden imports as if they were
 * files in the tree.
 */
import { ESLint } from 'eslint';
import { fileURLToPath } from 'node:url';
import tseslint from 'typescript-eslint';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
// The probes are not files of the TypeScript project: the type-checked rules (which need one) are off for them.
const eslint = new ESLint({ cwd: root, overrideConfig: tseslint.configs.disableTypeChecked });

async function ruleIds(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: `${root}${file}` });
  return (result?.messages ?? []).map((m) => m.ruleId ?? m.message);
}

describe('architecture rules', () => {
  it('forbids the engine to import the gateway', async () => {
    expect(
      await ruleIds('src/engine/probe.ts', "import { createKsqlClient } from '../gateway/ksql-client/types.js';\nvoid createKsqlClient;\n"),
    ).toContain('import-x/no-restricted-paths');
  });

  it('forbids the gateway to import the engine', async () => {
    expect(
      await ruleIds('src/gateway/probe.ts', "import * as engine from '../engine/index.js';\nvoid engine;\n"),
    ).toContain('import-x/no-restricted-paths');
  });

  it('forbids the protocol to import either side', async () => {
    expect(
      await ruleIds('src/protocol/probe.ts', "import * as g from '../gateway/ksql-client/types.js';\nvoid g;\n"),
    ).toContain('import-x/no-restricted-paths');
  });

  it('keeps graphql out of the engine and the ksqlDB client', async () => {
    expect(await ruleIds('src/engine/probe.ts', "import { parse } from 'graphql';\nvoid parse;\n")).toContain(
      'no-restricted-imports',
    );
    expect(
      await ruleIds('src/gateway/ksql-client/probe.ts', "import { parse } from 'graphql';\nvoid parse;\n"),
    ).toContain('no-restricted-imports');
  });

  it('keeps undici inside the ksqlDB client', async () => {
    expect(await ruleIds('src/gateway/resolvers/probe.ts', "import { request } from 'undici';\nvoid request;\n")).toContain(
      'no-restricted-imports',
    );
  });

  it('allows the CLI to compose both sides', async () => {
    const ids = await ruleIds(
      'src/cli/probe.ts',
      "import * as e from '../engine/index.js';\nimport * as g from '../gateway/ksql-client/types.js';\nvoid e; void g;\n",
    );
    expect(ids).not.toContain('import-x/no-restricted-paths');
  });

  it('keeps the typed layer above the generic schema and resolvers, below plugins and transport', async () => {
    expect(await ruleIds('src/gateway/resolvers/probe.ts', "import * as t from '../typed/index.js';\nvoid t;\n")).toContain(
      'import-x/no-restricted-paths',
    );
    expect(await ruleIds('src/gateway/typed/probe.ts', "import * as p from '../plugins/index.js';\nvoid p;\n")).toContain(
      'import-x/no-restricted-paths',
    );
    expect(await ruleIds('src/gateway/typed/probe.ts', "import * as r from '../resolvers/index.js';\nvoid r;\n")).not.toContain(
      'import-x/no-restricted-paths',
    );
  });

  it('keeps the root of gateway errors free of the gateway', async () => {
    expect(await ruleIds('src/gateway/gateway-error.ts', "import * as c from './config/index.js';\nvoid c;\n")).toContain(
      'import-x/no-restricted-paths',
    );
  });

  it('allows both sides to import the protocol', async () => {
    for (const file of ['src/engine/probe.ts', 'src/gateway/probe.ts']) {
      const ids = await ruleIds(file, "import { ErrorCode } from '../protocol/index.js';\nvoid ErrorCode;\n");
      expect(ids).not.toContain('import-x/no-restricted-paths');
    }
  });
});
