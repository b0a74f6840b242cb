/**
 * Runs the CLI from source (for `node --import tsx bench/cli.ts ...`), so the
 * benchmark's children do not need an up-to-date `dist/`. Same exit handling
 * as bin/ksqldb-gateway.js: `process.exit(code)` once main() resolves, which
 * also lets `--cpu-prof` write its profile after SIGTERM.
 */
import { main } from '../src/cli/main.js';

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
    process.exit(1);
  },
);
