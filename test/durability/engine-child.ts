/**
 * The CLI from source, for the durability test's child processes (`node
 * --import tsx test/durability/engine-child.ts engine ...`): no dependence on
 * an up-to-date dist/. Same exit handling as bin/ksqldb-gateway.js.
 */
import { main } from '../../src/cli/main.js';

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
    process.exit(1);
  },
);
