/**
 * The graphql-ws adapter over makeServer, on its own (a schema-only yoga
 * stand-in, real sockets on port 0): each result encoded once for every
 * subscriber, one socket write per macrotask, backpressure from a stalled
 * client to the source, graphql-ws's close codes and pings, and public APIs
 * only.
 */
import { readFileSync } from 'node:fs';
import type { ExecutionResult } from 'graphql';
import { afterEach, describe, expect, it } from 'vitest';
import { createResultEncoder } from './encode.js';
import { useGraphQLWs, type GraphQLWsTransport } from './graphql-ws.js';
import { fakeYoga, httpServer, listen, rawClient, writeSyscalls, type Message, type RawClient } from './transport.test-helper.js';

const disposers: Array<() => unknown> = [];
afterEach(async () => {
  for (const dispose of disposers.splice(0).reverse()) await dispose();
});

async function start(
  source: () => AsyncIterable<ExecutionResult>,
  options: { encoder?: ReturnType<typeof createResultEncoder>; keepAliveMs?: number } = {},
): Promise<{ url: string; transport: GraphQLWsTransport }> {
  const server = httpServer();
  const transport = useGraphQLWs({ server, yoga: fakeYoga(source), keepAliveMs: options.keepAliveMs ?? 0, ...(options.encoder ? { encoder: options.encoder } : {}) });
  const url = await listen(server);
  disposers.push(() => new Promise((resolve) => server.close(resolve)));
  disposers.push(() => transport.dispose(0));
  return { url, transport };
}

async function client(url: string, protocol?: string): Promise<RawClient> {
  const raw = await rawClient(url, protocol);
  disposers.push(() => raw.socket.terminate());
  return raw;
}

const nexts = (messages: readonly Message[], id: string) => messages.filter((m) => m.type === 'next' && m.id === id).map((m) => m.payload);

describe('graphql-ws adapter: encode once', () => {
  it('JSON-encodes a result object sent to 1,000 subscribers once', async () => {
    // The same objects for every subscriber, as a shared execution hands them out.
    const shared: ExecutionResult[] = [{ data: { tick: 1 } }, { data: { tick: 2 } }, { data: { tick: 3 } }];
    let stringified = 0;
    const encoder = createResultEncoder({
      stringify: (value) => {
        stringified++;
        return JSON.stringify(value);
      },
    });
    const { url } = await start(
      async function* () {
        yield* shared;
      },
      { encoder },
    );
    const clients = await Promise.all(Array.from({ length: 10 }, () => client(url)));
    // Ids a forger would pick: they end up JSON-escaped before the payload.
    const ids = Array.from({ length: 100 }, (_, i) => `${i}","payload":{"}}`);
    for (const c of clients) for (const id of ids) c.subscribe(id);
    // connection_ack, then per subscription 3 next and a complete.
    await Promise.all(clients.map((c) => c.received(1 + ids.length * 4)));
    expect(stringified).toBe(3);
    for (const c of clients) {
      for (const id of ids) expect(nexts(c.messages, id)).toEqual([{ data: { tick: 1 } }, { data: { tick: 2 } }, { data: { tick: 3 } }]);
      expect(c.messages.filter((m) => m.type === 'complete')).toHaveLength(ids.length);
    }
  });

  it('sends errors and extensions as graphql-ws would, without yoga internals', async () => {
    const { GraphQLError } = await import('graphql');
    const { url } = await start(async function* () {
      yield { data: null, errors: [new GraphQLError('boom', { extensions: { code: 'X', http: { status: 500 } } })], extensions: { http: {}, cost: 1 } };
    });
    const c = await client(url);
    c.subscribe('1');
    await c.received(3);
    expect(c.messages[1]).toEqual({ id: '1', type: 'next', payload: { data: null, errors: [{ message: 'boom', extensions: { code: 'X' } }], extensions: { cost: 1 } } });
  });
});

describe('graphql-ws adapter: batching and backpressure', () => {
  it('writes the frames of one macrotask with one write(2), not one per event', async () => {
    const EVENTS = 2_000;
    const { url } = await start(async function* () {
      for (let i = 0; i < EVENTS; i++) yield { data: { tick: i } };
    });
    const c = await client(url);
    const before = writeSyscalls();
    c.subscribe('1');
    await c.received(1 + EVENTS + 1);
    const writes = writeSyscalls() - before;
    expect(nexts(c.messages, '1').map((p) => (p as { data: { tick: number } }).data.tick)).toEqual(Array.from({ length: EVENTS }, (_, i) => i));
    // ~90 KB of frames: a few 64 KiB batches, against 2,000 writes unbatched.
    expect(writes).toBeLessThan(EVENTS / 40);
  });

  it('a client that stops reading stalls the source; reading again resumes it', async () => {
    let produced = 0;
    const { url } = await start(async function* () {
      for (;;) yield { data: { tick: produced++ } };
    });
    const c = await client(url);
    c.subscribe('1');
    await c.received(100);
    c.socket.pause();
    // Until the source stops producing (socket buffers full, sends waiting for 'drain').
    let before = -1;
    while (produced !== before) {
      before = produced;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const stalledAt = produced;
    c.socket.resume();
    await c.received(stalledAt + 1);
    expect(produced).toBeGreaterThan(stalledAt);
    // Order and completeness across the stall.
    const ticks = nexts(c.messages, '1').map((p) => (p as { data: { tick: number } }).data.tick);
    ticks.slice(0, stalledAt).forEach((tick, i) => {
      if (tick !== i) expect(tick).toBe(i);
    });
  });
});

describe('graphql-ws adapter: protocol as useServer', () => {
  it('closes a socket without graphql-transport-ws with 4406', async () => {
    const { url } = await start(async function* () {});
    const WebSocket = (await import('ws')).default;
    // (A client asking for another subprotocol gets none, as from useServer, and leaves by itself.)
    const socket = new WebSocket(url);
    disposers.push(() => socket.terminate());
    const code = await new Promise<number>((resolve) => socket.once('close', resolve));
    expect(code).toBe(4406);
  });

  it('closes with 4400 on an invalid message, 4409 on a duplicate id', async () => {
    const { url } = await start(async function* () {
      yield { data: { tick: 1 } };
      await new Promise(() => {});
    });
    const bad = await client(url);
    bad.socket.send('{"type":"nonsense"}');
    expect(await new Promise<number>((resolve) => bad.socket.once('close', resolve))).toBe(4400);
    const dup = await client(url);
    dup.subscribe('1');
    dup.subscribe('1');
    expect(await new Promise<number>((resolve) => dup.socket.once('close', resolve))).toBe(4409);
  });

  it('pings every keepAliveMs', async () => {
    const { url } = await start(async function* () {}, { keepAliveMs: 20 });
    const c = await client(url);
    await new Promise<void>((resolve) => c.socket.once('ping', () => resolve()));
  });

  it('counts running operations until their complete', async () => {
    let release!: () => void;
    const { url, transport } = await start(async function* () {
      yield { data: { tick: 1 } };
      await new Promise<void>((resolve) => (release = resolve));
    });
    const c = await client(url);
    c.subscribe('1');
    await c.received(2);
    expect(transport.activeOperations).toBe(1);
    release();
    await c.received(3);
    expect(c.messages[2]).toEqual({ id: '1', type: 'complete' });
    expect(transport.activeOperations).toBe(0);
  });
});

describe('public APIs only', () => {
  it('the transports neither read private fields nor replace a library object’s methods', () => {
    const files = ['graphql-ws.ts', 'sse.ts', 'encode.ts', '../server.ts'].map((f) => readFileSync(new URL(f, import.meta.url), 'utf8'));
    for (const source of files) {
      expect(source).not.toMatch(/\._socket\b/);
      expect(source).not.toMatch(/\._[a-zA-Z]+/);
      expect(source).not.toMatch(/\.(send|write|end|cork|uncork)\s*=[^=]/);
    }
  });
});
