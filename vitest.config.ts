import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    // Vite would hand our TypeScript graphql's ESM build while yoga,
    // graphql-tools and graphql-ws load its CommonJS build through Node:
    // two copies of graphql ("Duplicate graphql modules"). Node resolves
    // `graphql` to index.js in production, so tests do the same.
    alias: [{ find: /^graphql$/, replacement: 'graphql/index.js' }],
  },
  test: {
    reporters: ['default', './test/utils/summary-reporter.ts'],
    include: ['src/**/*.test.ts', 'test/**/*.test.ts', 'scripts/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Sockets and child processes are the subject of many tests; threads
    // would share one event loop budget on a 2-core machine for no gain.
    pool: 'forks',
  },
});
