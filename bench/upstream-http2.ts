/**
 * Push queries over HTTP/1.1 (`/query`, a socket each) against HTTP/2
 * (`/query-stream`, one shared connection), in one process, alternating
 * modes so that both see the same warm engine: N push queries are opened
 * (time until every header is in), then one row is inserted (time until
 * every query has it). Prints the TCP connections each mode opened.
 *
 *   npx tsx bench/upstream-http2.ts [N=300]
 *
 * Only ratios between rows of one run mean anything (shared 2-core machine).
 */
import { startEngineServer } from '../src/engine/rest/server.js';
import { createKsqlClient } from '../src/gateway/ksql-client/index.js';
const N = Number(process.argv[2] ?? 300);
const server = await startEngineServer({ properties: { 'ksql.max.push.queries': 10000 } });
let sockets = 0;
server.onConnection(() => sockets++);
await fetch(`${server.url}/ksql`, { method: 'POST', body: JSON.stringify({ ksql: "CREATE STREAM S (ID INT KEY, V STRING) WITH (kafka_topic='s', value_format='json', partitions=1);" }) });
async function run(http2: 'auto' | 'off') {
  const c = createKsqlClient({ baseUrl: server.url, http2 });
  const before = sockets;
  const t0 = performance.now();
  const streams = Array.from({ length: N }, () => c.query({ ksql: 'SELECT * FROM S EMIT CHANGES;' }));
  await Promise.all(streams.map((s) => s.header));
  const tHeaders = performance.now() - t0;
  const used = sockets - before;
  // One row to every query, then time until all have it.
  const t1 = performance.now();
  await fetch(`${server.url}/ksql`, { method: 'POST', body: JSON.stringify({ ksql: "INSERT INTO S (ID, V) VALUES (1, 'x');" }) });
  await Promise.all(streams.map(async (s) => { for (;;) { const r = await s.next(); if (r.done || r.value.kind === 'row') return; } }));
  const tRows = performance.now() - t1;
  const mem = process.memoryUsage().rss;
  for (const s of streams) await s.return();
  await c.close();
  return { http2, queries: N, sockets: used, headersMs: +tHeaders.toFixed(1), rowToAllMs: +tRows.toFixed(1), rssMB: +(mem / 2 ** 20).toFixed(0) };
}
const results = [];
for (const mode of ['off', 'auto', 'off', 'auto'] as const) { results.push(await run(mode)); await new Promise((r) => setTimeout(r, 200)); }
console.table(results);
await server.close();
