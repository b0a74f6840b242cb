import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Sockets and child processes are the subject of many tests; threads
    // would share one event loop budget on a 2-core machine for no gain.
    pool: 'forks',
  },
});
