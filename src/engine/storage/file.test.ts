import { appendFileSync, readdirSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Logger } from '../../shared/logger.js';
import { crc32 } from './crc32.js';
import { openFileStorage } from './file.js';
import { encodeFrame, scanFrames } from './frames.js';
import type { EngineStorage } from './storage.js';
import { storageFixture } from './storage.test-helper.js';

const { opened, tmp } = storageFixture('ksql-storage-');

function capture(): Logger & { warnings: string[] } {
  const warnings: string[] = [];
  const logger: Logger & { warnings: string[] } = {
    warnings,
    debug() {},
    info() {},
    error() {},
    warn: (...a: unknown[]) => warnings.push(a.join(' ')),
    child: () => logger,
  };
  return logger;
}

function open(dir: string, logger: Logger = capture(), segmentBytes?: number): EngineStorage {
  const s = openFileStorage({ dir, logger, now: () => 1000, segmentBytes });
  opened.push(s);
  return s;
}

async function reopen(s: EngineStorage, dir: string, logger?: Logger, segmentBytes?: number): Promise<EngineStorage> {
  await s.close();
  opened.splice(opened.indexOf(s), 1);
  return open(dir, logger, segmentBytes);
}

const values = (s: EngineStorage, topic: string) => s.broker.readAll(topic).map((r) => r.value);

describe('crc32', () => {
  it('matches the standard check values', () => {
    expect(crc32(Buffer.from('123456789'))).toBe(0xcbf43926);
    expect(crc32(Buffer.alloc(0))).toBe(0);
    expect(crc32(Buffer.from('The quick brown fox jumps over the lazy dog'))).toBe(0x414fa339);
    const b = Buffer.from('hello, world');
    expect(crc32(b, 5, b.length, crc32(b, 0, 5))).toBe(crc32(b));
  });
});

describe('frames', () => {
  const frames = ['a', 'bb', '{"x":1}', 'ddddddddddddddddddddddd'].map((p) => encodeFrame(Buffer.from(p)));
  const file = Buffer.concat(frames);
  const boundaries = frames.reduce<number[]>((acc, f) => [...acc, (acc.at(-1) ?? 0) + f.length], [0]);

  it('reads whole files', () => {
    const scan = scanFrames(file);
    expect(scan.payloads.map(String)).toEqual(['a', 'bb', '{"x":1}', 'ddddddddddddddddddddddd']);
    expect(scan.validLength).toBe(file.length);
    expect(scan.problem).toBeUndefined();
  });

  it('stops at the last whole frame for a truncation at every offset', () => {
    for (let cut = 0; cut <= file.length; cut++) {
      const scan = scanFrames(file.subarray(0, cut));
      const whole = boundaries.filter((b) => b <= cut);
      expect(scan.validLength).toBe(whole.at(-1));
      expect(scan.payloads).toHaveLength(whole.length - 1);
      expect(scan.problem === undefined).toBe(boundaries.includes(cut));
    }
  });

  it('stops before a corrupted byte anywhere, and on zeroed tails', () => {
    for (let i = 0; i < file.length; i++) {
      const bad = Buffer.from(file);
      bad[i] = (bad[i] as number) ^ 0x5a;
      const scan = scanFrames(bad);
      const frame = boundaries.findIndex((b) => b > i) - 1;
      expect(scan.validLength).toBe(boundaries[frame]);
      expect(scan.problem).toBeDefined();
    }
    const zeroed = Buffer.concat([file, Buffer.alloc(4096)]);
    expect(scanFrames(zeroed).validLength).toBe(file.length);
  });
});

describe('file storage', () => {
  it('keeps topics, records, headers, timestamps and sequences across a restart', async () => {
    const dir = tmp();
    let s = open(dir);
    s.broker.createTopic('t', { partitions: 2, replicas: 1, cleanupPolicy: 'compact' });
    s.broker.produce('t', [
      { key: '"k"', value: '{"v":1}', partition: 1, headers: [{ key: 'h', value: 'x' }], timestamp: 5 },
      { key: null, value: null, partition: 0 },
      { key: null, value: '"z"', partition: 1 },
    ]);
    await s.flush();
    const before = s.broker.readAll('t');
    const seq = s.broker.nextSequence;
    s = await reopen(s, dir);
    expect(s.broker.describeTopic('t')).toEqual({ name: 't', partitions: 2, replicas: 1, cleanupPolicy: 'compact' });
    expect(s.broker.readAll('t')).toEqual(before);
    expect(s.broker.nextSequence).toBe(seq);
    expect(s.broker.offsets('t')).toEqual([
      { partition: 0, start: 0, end: 1 },
      { partition: 1, start: 0, end: 2 },
    ]);
    s.broker.produce('t', [{ key: null, value: '"after"', partition: 0 }]);
    await s.flush();
    s = await reopen(s, dir);
    expect(s.broker.readAll('t').map((r) => [r.partition, r.offset, r.value])).toEqual([
      [0, 0, null],
      [0, 1, '"after"'],
      [1, 0, '{"v":1}'],
      [1, 1, '"z"'],
    ]);
  });

  it('keeps a topic\'s retention.ms, and does not read again what expired while it was down', async () => {
    const dir = tmp();
    let now = 100_000;
    const start = () => {
      const storage = openFileStorage({ dir, logger: capture(), now: () => now });
      opened.push(storage);
      return storage;
    };
    let s = start();
    s.broker.createTopic('t', { partitions: 1, retentionMs: 10_000 });
    s.broker.produce('t', [
      { key: null, value: '"old"', partition: 0, timestamp: 95_000 },
      { key: null, value: '"new"', partition: 0, timestamp: 99_000 },
    ]);
    await s.flush();
    await s.close();
    opened.splice(opened.indexOf(s), 1);
    now = 106_000;
    s = start();
    expect(s.broker.describeTopic('t')).toMatchObject({ retentionMs: 10_000 });
    expect(s.broker.readAll('t').map((r) => [r.offset, r.value])).toEqual([[1, '"new"']]);
    expect(s.broker.offsets('t')).toEqual([{ partition: 0, start: 1, end: 2 }]);
    expect(s.broker.produce('t', [{ key: null, value: '"next"', partition: 0 }])[0]?.offset).toBe(2);
  });

  it('shows consumers only durable records, and wakes them when they become so', async () => {
    const s = open(tmp());
    s.broker.createTopic('t', { partitions: 1 });
    const c = s.broker.consumer('t', { from: 'earliest' });
    s.broker.produce('t', [{ key: null, value: '1' }]);
    expect(c.poll(10)).toEqual([]);
    expect(s.broker.offsets('t')[0]?.end).toBe(0);
    await c.waitForRecords();
    expect(c.poll(10).map((r) => r.value)).toEqual(['1']);
  });

  it('keeps the command log', async () => {
    const dir = tmp();
    let s = open(dir);
    s.commands.append('stream/`S`/create', 'CREATE STREAM S ...;', { status: 'SUCCESS', message: 'Stream created', queryId: null });
    s.commands.append('stream/`S`/drop', 'DROP STREAM S;', { status: 'SUCCESS', message: 'dropped', queryId: null });
    await s.flush();
    s = await reopen(s, dir);
    expect(s.commands.list().map((c) => [c.sequenceNumber, c.commandId, c.statementText])).toEqual([
      [0, 'stream/`S`/create', 'CREATE STREAM S ...;'],
      [1, 'stream/`S`/drop', 'DROP STREAM S;'],
    ]);
    expect(s.commands.nextSequenceNumber).toBe(2);
    expect(s.commands.get('stream/`S`/create')?.status.message).toBe('Stream created');
  });

  it('deletes topics durably; a topic created again under the same name starts empty', async () => {
    const dir = tmp();
    let s = open(dir);
    s.broker.createTopic('t', { partitions: 1 });
    s.broker.produce('t', [{ key: null, value: 'old' }]);
    s.broker.deleteTopic('t');
    s.broker.createTopic('t', { partitions: 3 });
    s.broker.produce('t', [{ key: null, value: 'new', partition: 2 }]);
    await s.flush();
    await s.flush();
    expect(readdirSync(join(dir, 'topics'))).toEqual(['2']);
    s = await reopen(s, dir);
    expect(s.broker.describeTopic('t')?.partitions).toBe(3);
    expect(values(s, 't')).toEqual(['new']);
  });

  it('drops duplicates from an idempotent producer, also after a restart', async () => {
    const dir = tmp();
    let s = open(dir);
    s.broker.createTopic('sink', { partitions: 2 });
    const out = (n: number) => Array.from({ length: n }, (_, i) => ({ key: `"k${i}"`, value: String(i) }));
    s.broker.produce('sink', out(3), { producerId: 'Q1', sequence: 0 });
    await s.flush();
    s = await reopen(s, dir);
    // The query restarts and emits its outputs from the first again.
    const md = s.broker.produce('sink', out(5), { producerId: 'Q1', sequence: 0 });
    expect(md.map((m) => m.duplicate === true)).toEqual([true, true, true, false, false]);
    await s.flush();
    expect(values(s, 'sink').sort()).toEqual(['0', '1', '2', '3', '4']);
    expect(s.broker.produce('sink', out(1), { producerId: 'Q2', sequence: 0 })[0]?.duplicate).toBeUndefined();
  });

  it('keeps consumer-group starts across a restart', async () => {
    const dir = tmp();
    let s = open(dir);
    s.broker.createTopic('in', { partitions: 2 });
    s.broker.produce('in', [{ key: null, value: 'before' }]);
    const c = s.broker.consumer('in', { from: 'latest', group: 'CSAS_1' });
    s.broker.produce('in', [{ key: null, value: 'after', partition: 1 }]);
    await s.flush();
    expect(c.poll(10).map((r) => r.value)).toEqual(['after']);
    s = await reopen(s, dir);
    // 'earliest' is ignored: the group's start was fixed when it was created.
    const again = s.broker.consumer('in', { from: 'earliest', group: 'CSAS_1' });
    expect(again.poll(10).map((r) => r.value)).toEqual(['after']);
    s.broker.deleteGroup('CSAS_1');
    expect(s.broker.consumer('in', { from: 'earliest', group: 'CSAS_1' }).poll(10)).toHaveLength(2);
  });

  it('refuses a data directory in use', () => {
    const dir = tmp();
    open(dir);
    expect(() => openFileStorage({ dir })).toThrow(expect.objectContaining({ code: 'STORAGE_LOCKED' }));
  });

  it('rolls segments and reads them back in order', async () => {
    const dir = tmp();
    let s = open(dir, capture(), 200);
    s.broker.createTopic('t', { partitions: 1 });
    for (let i = 0; i < 30; i++) s.broker.produce('t', [{ key: null, value: `"${'x'.repeat(20)}${i}"` }]);
    await s.flush();
    await s.flush();
    const segs = readdirSync(join(dir, 'topics', '1', '0'));
    expect(segs.length).toBeGreaterThan(3);
    s = await reopen(s, dir, capture(), 200);
    expect(values(s, 't')).toHaveLength(30);
    expect(s.broker.readAll('t').map((r) => r.offset)).toEqual(Array.from({ length: 30 }, (_, i) => i));
  });

  it('cuts a torn or corrupt segment tail at every offset, with a warning, and appends after it', async () => {
    const dir = tmp();
    const s = open(dir);
    s.broker.createTopic('t', { partitions: 1 });
    for (let i = 0; i < 5; i++) s.broker.produce('t', [{ key: `"${i}"`, value: `{"n":${i}}` }]);
    await s.flush();
    await s.close();
    opened.splice(0);
    const seg = join(dir, 'topics', '1', '0', '00000000000000000000.log');
    const whole = readFileSync(seg);
    const ends = scanFrames(whole).payloads.map((p) => p.byteOffset - whole.byteOffset + p.length);
    for (let cut = 0; cut < whole.length; cut++) {
      for (const mode of ['truncate', 'corrupt'] as const) {
        writeFileSync(seg, whole);
        if (mode === 'truncate') truncateSync(seg, cut);
        else {
          const bad = Buffer.from(whole);
          bad[cut] = (bad[cut] as number) ^ 0xff;
          writeFileSync(seg, bad);
        }
        const log = capture();
        const r = open(dir, log);
        const kept = mode === 'truncate' ? ends.filter((e) => e <= cut).length : ends.filter((e) => e <= cut).length;
        expect(r.broker.readAll('t').map((x) => x.value)).toEqual(Array.from({ length: kept }, (_, i) => `{"n":${i}}`));
        const clean = mode === 'truncate' ? cut === 0 || ends.includes(cut) : false;
        expect(log.warnings.length > 0).toBe(!clean);
        expect(statSync(seg).size).toBe(kept === 0 ? 0 : (ends[kept - 1] as number));
        r.broker.produce('t', [{ key: null, value: '"next"' }]);
        await r.flush();
        await r.close();
        opened.splice(0);
        const again = open(dir);
        expect(again.broker.readAll('t').map((x) => [x.offset, x.value]).at(-1)).toEqual([kept, '"next"']);
        await again.close();
        opened.splice(0);
      }
    }
  });

  it('survives torn tails in the metadata and command logs', async () => {
    const dir = tmp();
    let s = open(dir);
    s.broker.createTopic('a', { partitions: 1 });
    s.commands.append('c/1', 'ONE;', { status: 'SUCCESS', message: '', queryId: null });
    await s.flush();
    await s.close();
    opened.splice(0);
    appendFileSync(join(dir, 'meta.log'), Buffer.from([0, 0, 0, 40, 1, 2]));
    appendFileSync(join(dir, 'commands.log'), encodeFrame(Buffer.from('{"commandId":"c/2"')).subarray(0, 12));
    const log = capture();
    s = open(dir, log);
    expect(s.broker.topicExists('a')).toBe(true);
    expect(s.commands.list().map((c) => c.commandId)).toEqual(['c/1']);
    expect(log.warnings).toHaveLength(2);
    s.broker.createTopic('b', { partitions: 1 });
    s.commands.append('c/2', 'TWO;', { status: 'SUCCESS', message: '', queryId: null });
    s = await reopen(s, dir);
    expect(s.broker.listTopics().map((t) => t.name)).toEqual(['a', 'b']);
    expect(s.commands.list().map((c) => c.commandId)).toEqual(['c/1', 'c/2']);
  });

  it('removes directories of topics whose creation never became durable', async () => {
    const dir = tmp();
    const s = open(dir);
    s.broker.createTopic('a', { partitions: 1 });
    await s.close();
    opened.splice(0);
    // A crash between creating a topic's files and writing it to meta.log.
    truncateSync(join(dir, 'meta.log'), 0);
    const again = open(dir);
    expect(again.broker.listTopics()).toEqual([]);
    expect(readdirSync(join(dir, 'topics'))).toEqual([]);
    again.broker.createTopic('b', { partitions: 1 });
    expect(readdirSync(join(dir, 'topics'))).toEqual(['2']);
  });
});
