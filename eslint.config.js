// Architecture is enforced here (docs/architecture.md): folder zones with
// import-x/no-restricted-paths, package rules with no-restricted-imports,
// and import-x/no-cycle. Bugs are caught by typescript-eslint's type-checked
// recommended rules (a rule turned off says why, in one line).
import importX from 'eslint-plugin-import-x';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';
import tseslint from 'typescript-eslint';

const zone = (target, from, message, except) => ({
  target,
  from,
  message,
  ...(except ? { except } : {}),
});

const restrictPackages = (files, patterns) => ({
  files,
  rules: {
    'no-restricted-imports': ['error', { patterns }],
  },
});

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', '.data/**', 'bin/**'] },
  {
    files: ['**/*.ts'],
    extends: [tseslint.configs.recommendedTypeChecked],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unnecessary-condition': 'error',
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
    },
  },
  {
    files: ['test/**/*.ts', '**/*.test.ts', '**/*.test-helper.ts', 'src/**/testing/**/*.ts'],
    rules: {
      // Tests read response bodies as JSON (typed any) and check their shape with assertions.
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      // Test callbacks are async so that every one can await, whether or not this one does.
      '@typescript-eslint/require-await': 'off',
      // expect(object.method) passes a method to check it was called, not to call it unbound.
      '@typescript-eslint/unbound-method': 'off',
    },
  },
  {
    files: ['**/*.ts'],
    extends: [tseslint.configs.base],
    plugins: { 'import-x': importX },
    settings: {
      'import-x/resolver-next': [createTypeScriptImportResolver({ project: './tsconfig.json' })],
    },
    rules: {
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
      'import-x/no-restricted-paths': [
        'error',
        {
          zones: [
            zone('./src/engine', './src/gateway', 'The engine and the gateway share only src/protocol.'),
            zone('./src/engine', './src/cli', 'Only the CLI composes the engine and the gateway.'),
            zone('./src/gateway', './src/engine', 'The gateway reaches the engine over HTTP only (src/protocol is the contract).'),
            zone('./src/gateway', './src/cli', 'Only the CLI composes the engine and the gateway.'),
            zone('./src/protocol', ['./src/engine', './src/gateway', './src/cli'], 'src/protocol is the wire contract: it imports only src/shared.'),
            zone('./src/shared', ['./src/protocol', './src/engine', './src/gateway', './src/cli'], 'src/shared is domain-free.'),
            zone('./src', './test', 'Source never imports tests.'),
            zone('./src/engine/sql', ['./src/engine/types', './src/engine/catalog', './src/engine/plan', './src/engine/planner', './src/engine/storage', './src/engine/operators', './src/engine/runtime', './src/engine/rest', './src/engine/engine.ts', './src/engine/errors.ts'], 'The parser knows no types, catalog or runtime.'),
            zone('./src/engine/types', ['./src/engine/sql', './src/engine/catalog', './src/engine/plan', './src/engine/planner', './src/engine/storage', './src/engine/operators', './src/engine/runtime', './src/engine/rest'], 'engine/types depends on shared and the wire contract only (its SQL types are the contract\'s).'),
            zone('./src/engine/operators', ['./src/engine/sql', './src/engine/planner', './src/engine/runtime', './src/engine/rest'], 'Operators work on plans, never on SQL text or the planner.'),
            zone('./src/engine/storage', ['./src/engine/sql', './src/engine/catalog', './src/engine/planner', './src/engine/operators', './src/engine/runtime', './src/engine/rest'], 'Storage knows only types.'),
            zone(['./src/engine/catalog', './src/engine/functions', './src/engine/operators', './src/engine/plan', './src/engine/planner', './src/engine/runtime', './src/engine/sql', './src/engine/storage', './src/engine/types', './src/engine/engine.ts', './src/engine/errors.ts', './src/engine/index.ts'], './src/engine/rest', 'Nothing in the engine imports engine/rest: it is a leaf.'),
            zone('./src/engine/rest', ['./src/engine/sql', './src/engine/types', './src/engine/catalog', './src/engine/plan', './src/engine/planner', './src/engine/storage', './src/engine/operators', './src/engine/runtime'], 'engine/rest uses the engine facade (engine/index.ts) only.'),
            zone('./src/gateway/gateway-error.ts', './src/gateway', 'GatewayError, the root of every gateway error, depends on shared only: every gateway layer imports it.'),
            zone('./src/gateway/ksql-client', ['./src/gateway/schema', './src/gateway/resolvers', './src/gateway/errors', './src/gateway/plugins', './src/gateway/execution', './src/gateway/typed', './src/gateway/transport', './src/gateway/server.ts', './src/gateway/config'], 'The ksqlDB client depends only on protocol, shared and gateway-error.ts.'),
            zone('./src/gateway/config', ['./src/gateway/ksql-client', './src/gateway/schema', './src/gateway/resolvers', './src/gateway/errors', './src/gateway/plugins', './src/gateway/execution', './src/gateway/typed', './src/gateway/transport', './src/gateway/server.ts'], 'Config depends only on shared and gateway-error.ts.'),
            zone(['./src/gateway/schema', './src/gateway/errors', './src/gateway/resolvers/**/!(*.test).ts'], './src/gateway/typed', 'The typed schema is built on schema, errors and resolvers: they never import gateway/typed.'),
            zone('./src/gateway/typed/**/!(*.test).ts', ['./src/gateway/plugins', './src/gateway/execution', './src/gateway/transport', './src/gateway/server.ts', './src/gateway/config'], 'gateway/typed (the schema generated from the catalog) depends on resolvers, resume, schema, errors, the ksqlDB client, context, protocol and shared only: plugins, execution and transport wrap it, server.ts composes it.'),
            zone('./src/gateway/resume/**/!(*.test).ts', ['./src/gateway/plugins', './src/gateway/execution', './src/gateway/typed', './src/gateway/transport', './src/gateway/server.ts', './src/gateway/config'], 'gateway/resume (cursors, positions, replay windows) serves typed and generic subscriptions alike: it depends on errors, schema, resolver types and shared only.'),
            zone('./src/gateway/execution/**/!(*.test).ts', ['./src/gateway/schema', './src/gateway/resolvers', './src/gateway/plugins', './src/gateway/typed', './src/gateway/transport', './src/gateway/server.ts', './src/gateway/config'], 'gateway/execution depends on errors, the ksqlDB client interface, shared and graphql only.'),
          ],
        },
      ],
    },
  },
  restrictPackages(['src/engine/**/*.ts', 'src/protocol/**/*.ts', 'src/shared/**/*.ts'], [
    { group: ['graphql', 'graphql/*', 'graphql-*', '@graphql-*/*', 'graphql-yoga'], message: 'GraphQL belongs to the gateway only.' },
    { group: ['undici', 'undici/*'], message: 'undici is used only in gateway/ksql-client.' },
    { group: ['ws', 'graphql-ws', 'graphql-ws/*'], message: 'WebSockets belong to gateway/transport only.' },
  ]),
  restrictPackages(['src/gateway/ksql-client/**/*.ts'], [
    { group: ['graphql', 'graphql/*', 'graphql-*', '@graphql-*/*', 'graphql-yoga'], message: 'The ksqlDB client never depends on GraphQL.' },
    { group: ['ws', 'graphql-ws', 'graphql-ws/*'], message: 'WebSockets belong to gateway/transport only.' },
  ]),
  {
    files: ['src/gateway/schema/**/*.ts', 'src/gateway/resolvers/**/*.ts', 'src/gateway/errors/**/*.ts', 'src/gateway/plugins/**/*.ts', 'src/gateway/execution/**/*.ts', 'src/gateway/server.ts', 'src/gateway/index.ts', 'src/gateway/config/**/*.ts', 'src/cli/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['undici', 'undici/*'], message: 'undici is used only in gateway/ksql-client.' },
            { group: ['ws', 'graphql-ws', 'graphql-ws/*'], message: 'WebSockets belong to gateway/transport only (and tests).' },
          ],
        },
      ],
    },
  },
);
