// Candidate embedded stores for the engine's keyed state (issue 12; the choice is in
// src/engine/README.md, "State stores"): 1M keys like a CTAS table's (serialized key -> JSON
// row of about 80 B), written in durable batches of 1,000, then 100,000 random gets, an ordered
// scan of 10,000 keys from a random key, and a full ordered iteration; prints one JSON line.
//
// The candidates are not dependencies of the project: run it in a scratch folder,
//   mkdir /tmp/kv && cd /tmp/kv && npm init -y && npm i lmdb classic-level better-sqlite3
//   cp <repo>/bench/kv-stores.mjs . && for s in lmdb classic-level better-sqlite3; do node kv-stores.mjs $s 1000000; done
// (data goes to /tmp/kv/data-<store>).
import { rmSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
const N = Number(process.argv[3] ?? 1_000_000);
const which = process.argv[2];
const dir = `/tmp/kv/data-${which}`;
rmSync(dir, { recursive: true, force: true });
mkdirSync(dir, { recursive: true });
const key = (i) => `"id-${String(i).padStart(7, '0')}"`;
const val = (i) => JSON.stringify({ QTY: i % 1000, PRICE: (i % 997) / 7, NAME: `name-${i}`, REGION: 'eu' });
let seed = 7;
const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648), seed % N);
const t = () => performance.now();
const rss = () => Math.round(process.memoryUsage().rss / 1048576);
const out = { store: which, keys: N };
if (which === 'lmdb') {
  const { open } = require('lmdb');
  const db = open({ path: dir, encoding: 'string', noSync: false });
  let t0 = t();
  for (let s = 0; s < N; s += 1000) {
    await db.transaction(() => { for (let i = s; i < Math.min(N, s + 1000); i++) db.put(key(i), val(i)); });
  }
  out.writeS = (t() - t0) / 1000;
  t0 = t(); let hit = 0; for (let i = 0; i < 100_000; i++) if (db.get(key(rnd())) !== undefined) hit++;
  out.getUs = ((t() - t0) * 1000) / 100_000; out.hits = hit;
  t0 = t(); let n = 0; for (const _ of db.getRange({ start: key(rnd()), limit: 10_000 })) n++; out.range10kMs = t() - t0;
  t0 = t(); n = 0; for (const _ of db.getRange({})) n++; out.scanAllS = (t() - t0) / 1000; out.scanned = n;
  await db.close();
} else if (which === 'classic-level') {
  const { ClassicLevel } = require('classic-level');
  const db = new ClassicLevel(dir, { keyEncoding: 'utf8', valueEncoding: 'utf8' });
  await db.open();
  let t0 = t();
  for (let s = 0; s < N; s += 1000) {
    const ops = []; for (let i = s; i < Math.min(N, s + 1000); i++) ops.push({ type: 'put', key: key(i), value: val(i) });
    await db.batch(ops, { sync: true });
  }
  out.writeS = (t() - t0) / 1000;
  t0 = t(); let hit = 0; for (let i = 0; i < 100_000; i++) if ((await db.get(key(rnd()))) !== undefined) hit++;
  out.getUs = ((t() - t0) * 1000) / 100_000; out.hits = hit;
  t0 = t(); let n = 0; for await (const _ of db.iterator({ gte: key(rnd()), limit: 10_000 })) n++; out.range10kMs = t() - t0;
  t0 = t(); n = 0; for await (const _ of db.iterator()) n++; out.scanAllS = (t() - t0) / 1000; out.scanned = n;
  await db.close();
} else if (which === 'better-sqlite3') {
  const Database = require('better-sqlite3');
  const db = new Database(`${dir}/db.sqlite`);
  db.pragma('journal_mode = WAL'); db.pragma('synchronous = FULL');
  db.exec('CREATE TABLE kv (k TEXT PRIMARY KEY, v TEXT) WITHOUT ROWID');
  const put = db.prepare('INSERT OR REPLACE INTO kv (k, v) VALUES (?, ?)');
  const get = db.prepare('SELECT v FROM kv WHERE k = ?').pluck();
  const range = db.prepare('SELECT k, v FROM kv WHERE k >= ? ORDER BY k LIMIT 10000');
  const all = db.prepare('SELECT k, v FROM kv ORDER BY k');
  const batch = db.transaction((s) => { for (let i = s; i < Math.min(N, s + 1000); i++) put.run(key(i), val(i)); });
  let t0 = t();
  for (let s = 0; s < N; s += 1000) batch(s);
  out.writeS = (t() - t0) / 1000;
  t0 = t(); let hit = 0; for (let i = 0; i < 100_000; i++) if (get.get(key(rnd())) !== undefined) hit++;
  out.getUs = ((t() - t0) * 1000) / 100_000; out.hits = hit;
  t0 = t(); let n = 0; for (const _ of range.iterate(key(rnd()))) n++; out.range10kMs = t() - t0;
  t0 = t(); n = 0; for (const _ of all.iterate()) n++; out.scanAllS = (t() - t0) / 1000; out.scanned = n;
  db.close();
}
out.rssMb = rss();
console.log(JSON.stringify(out));
