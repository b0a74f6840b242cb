/**
 * Ingest throughput of the durable engine (fdatasync before every
 * acknowledgement, group commit across concurrent requests), in process:
 *
 *   node --import tsx test/durability/ingest-bench.ts [seconds=3]
 *
 * For each concurrency, `c` clients each loop on one request of one record
 * (produce, or INSERT VALUES through execute) and wait for its
 * acknowledgement. Prints rows/s for the durable engine and, for
 * comparison, the in-memory one.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createEngine } from '../../src/engine/index.js';

const seconds = Number(process.argv[2] ?? 3);

async function run(kind: 'produce' | 'insert', durable: boolean, clients: number): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'ksql-bench-'));
  const engine = createEngine(durable ? { dataDir: dir } : { inMemory: true });
  try {
    await engine.execute({ ksql: "CREATE STREAM S (K STRING KEY, N INT) WITH (kafka_topic='s', value_format='JSON', partitions=4);" });
    let rows = 0;
    const end = Date.now() + seconds * 1000;
    const client = async (c: number) => {
      for (let i = 0; Date.now() < end; i++) {
        if (kind === 'produce') await engine.produce('s', [{ key: `"k${c}-${i}"`, value: `{"N":${i}}` }]);
        else await engine.execute({ ksql: `INSERT INTO S (K, N) VALUES ('k${c}-${i}', ${i});` });
        rows++;
      }
    };
    const t0 = Date.now();
    await Promise.all(Array.from({ length: clients }, (_, c) => client(c)));
    return rows / ((Date.now() - t0) / 1000);
  } finally {
    await engine.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

for (const kind of ['produce', 'insert'] as const) {
  for (const clients of [1, 16, 64, 256]) {
    const durable = await run(kind, true, clients);
    const memory = await run(kind, false, clients);
    console.log(
      `${kind.padEnd(7)} clients=${String(clients).padStart(3)}  durable ${Math.round(durable).toString().padStart(7)} rows/s   in-memory ${Math.round(memory).toString().padStart(7)} rows/s`,
    );
  }
}
