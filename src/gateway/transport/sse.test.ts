/**
 * SSE subscriptions through our result processor: yoga's wire format, each
 * macrotask's events as one chunk (on the stream, and as one write(2) on a
 * real socket through the whole gateway, for graphql-ws too), backpressure from the reader to
 * the source, and `return()` on the source when the client goes away.
 */
import { request, type IncomingMessage } from 'node:http';
import { createYoga } from 'graphql-yoga';
import { afterEach, describe, expect, it } from 'vitest';
import { JsonNumber } from '../../protocol/index.js';
import { buildGateway, type GatewayAddress } from '../server.js';
import { createFakeKsqlClient } from '../testing/fake-ksql-client.js';
import { createResultEncoder, type EncodableResult } from './encode.js';
import { streamEvents } from './sse.js';
import { rawClient, writeSyscalls } from './transport.test-helper.js';

const disposers: Array<() => unknown> = [];
afterEach(async () => {
  for (const dispose of disposers.splice(0).reverse()) await dispose();
});

const fetchApis = [
  ['the WHATWG globals', { Response, ReadableStream, TextEncoder }],
  ['yoga’s fetch API (the node adapter’s)', createYoga({}).fetchAPI],
] as const;

async function chunksOf(response: Response): Promise<string[]> {
  const decoder = new TextDecoder();
  const chunks: string[] = [];
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return chunks;
    chunks.push(decoder.decode(value));
  }
}

/** A source whose events are all available at once, counting what it produced and whether it was returned. */
function countingSource(events: number | undefined) {
  const state = { produced: 0, returned: false };
  const source = (async function* () {
    try {
      while (events === undefined || state.produced < events) yield { data: { tick: state.produced++ } } as EncodableResult;
    } finally {
      state.returned = true;
    }
  })();
  return { state, source };
}

describe.each(fetchApis)('streamEvents over %s', (_name, fetchAPI) => {
  it('keeps yoga’s wire format: a comment, next events, complete', async () => {
    const { source } = countingSource(3);
    const response = streamEvents(source, fetchAPI, undefined);
    expect(response.headers.get('content-type')).toBe('text/event-stream');
    expect((await chunksOf(response)).join('')).toBe(
      ':\n\n' +
        'event: next\ndata: {"data":{"tick":0}}\n\n' +
        'event: next\ndata: {"data":{"tick":1}}\n\n' +
        'event: next\ndata: {"data":{"tick":2}}\n\n' +
        'event: complete\ndata:\n\n',
    );
  });

  it('enqueues the events of one macrotask as one chunk, bounded in bytes', async () => {
    const { source } = countingSource(2_000);
    const chunks = await chunksOf(streamEvents(source, fetchAPI, undefined, { maxChunkBytes: 16 * 1024 }));
    const bytes = chunks.reduce((sum, chunk) => sum + Buffer.byteLength(chunk), 0);
    // The comment, then 16 KiB batches: ~4 chunks for ~90 KB, against 2,000 (4,000 for yoga's).
    expect(chunks.length).toBeLessThanOrEqual(2 + Math.ceil(bytes / (16 * 1024)));
    expect(chunks.slice(1, -1).every((chunk) => Buffer.byteLength(chunk) < 17 * 1024)).toBe(true);
    expect(chunks.join('').split('event: next\n')).toHaveLength(2_001);
  });

  it('reads the source only while the stream has room (backpressure)', async () => {
    const { state, source } = countingSource(undefined);
    const response = streamEvents(source, fetchAPI, undefined, { maxChunkBytes: 1024 });
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    for (let i = 0; i < 5; i++) await reader.read();
    const settle = async () => {
      for (let i = 0; i < 10; i++) await new Promise((resolve) => setImmediate(resolve));
    };
    await settle();
    const paused = state.produced;
    await settle();
    // Nothing read: nothing more produced (read-ahead is a few chunks of 1 KiB).
    expect(state.produced).toBe(paused);
    expect(paused).toBeLessThan(1_000);
    await reader.read();
    await settle();
    expect(state.produced).toBeGreaterThan(paused);
    await reader.cancel();
    expect(state.returned).toBe(true);
  });

  it('returns the source when the request aborts', async () => {
    const { state, source } = countingSource(undefined);
    const controller = new AbortController();
    const response = streamEvents(source, fetchAPI, controller.signal);
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    await reader.read();
    await reader.read();
    controller.abort();
    await expect.poll(() => state.returned).toBe(true);
  });

  it('encodes a result shared by several streams once', async () => {
    const shared: EncodableResult[] = [{ data: { tick: 1 } }, { data: { tick: 2 } }];
    let stringified = 0;
    const encoder = createResultEncoder({ stringify: (value) => (stringified++, JSON.stringify(value)) });
    const texts = await Promise.all(
      Array.from({ length: 50 }, async () => {
        const source = (async function* () {
          yield* shared;
        })();
        return (await chunksOf(streamEvents(source, fetchAPI, undefined, { encoder }))).join('');
      }),
    );
    expect(stringified).toBe(2);
    expect(new Set(texts).size).toBe(1);
  });
});

describe('the gateway over a socket', () => {
  const SUBSCRIPTION = 'subscription { pushQuery(sql: "SELECT * FROM S EMIT CHANGES;") { ... on QueryRow { row } } }';

  async function start() {
    const client = createFakeKsqlClient();
    const gateway = buildGateway({ client, logger: false, keepAliveMs: 0, typedSchema: false });
    const address: GatewayAddress = await gateway.listen(0, '127.0.0.1');
    disposers.push(() => gateway.close());
    return { client, address };
  }

  it('writes the SSE events of one macrotask with one write(2), in order', async () => {
    const ROWS = 2_000;
    const { client, address } = await start();
    const res = await new Promise<IncomingMessage>((resolve, reject) => {
      const req = request(address.url, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'text/event-stream' } });
      req.on('response', resolve);
      req.on('error', reject);
      req.end(JSON.stringify({ query: SUBSCRIPTION }));
    });
    disposers.push(() => res.destroy());
    res.setEncoding('utf8');
    let text = '';
    res.on('data', (chunk: string) => (text += chunk));
    const ended = new Promise((resolve) => res.on('end', resolve));
    const stream = await client.nextStream();
    stream.sendHeader('`ID` STRING, `V` BIGINT', 'transient_S_1');
    await expect.poll(() => text.includes('event: next')).toBe(true);
    const before = writeSyscalls();
    for (let i = 0; i < ROWS; i++) stream.sendRow([`k${i}`, new JsonNumber(String(i))]);
    stream.finish('Limit Reached');
    await ended;
    const writes = writeSyscalls() - before;
    const rows = text
      .split('\n\n')
      .filter((e) => e.startsWith('event: next'))
      .map((e) => (JSON.parse(e.slice(e.indexOf('data: ') + 6)) as { data: { pushQuery: { row?: { ID: string } } } }).data.pushQuery.row)
      .filter((row) => row !== undefined);
    expect(rows.map((row) => row.ID)).toEqual(Array.from({ length: ROWS }, (_, i) => `k${i}`));
    expect(text.endsWith('event: complete\ndata:\n\n')).toBe(true);
    expect(writes).toBeLessThan(ROWS / 20);
  });

  it('writes the graphql-ws frames of one macrotask with one write(2), in order', async () => {
    const ROWS = 2_000;
    const { client, address } = await start();
    const ws = await rawClient(address.url.replace(/^http/, 'ws'));
    disposers.push(() => ws.socket.terminate());
    ws.subscribe('1', SUBSCRIPTION);
    const stream = await client.nextStream();
    stream.sendHeader('`ID` STRING, `V` BIGINT', 'transient_S_1');
    await ws.received(2);
    const before = writeSyscalls();
    for (let i = 0; i < ROWS; i++) stream.sendRow([`k${i}`, new JsonNumber(String(i))]);
    stream.finish('Limit Reached');
    // ack, the header's next, the rows' nexts, complete.
    await ws.received(2 + ROWS + 1);
    const writes = writeSyscalls() - before;
    const rows = ws.messages.slice(2, -1).map((m) => (m.payload as { data: { pushQuery: { row: { ID: string } } } }).data.pushQuery.row.ID);
    expect(rows).toEqual(Array.from({ length: ROWS }, (_, i) => `k${i}`));
    expect(ws.messages.at(-1)).toEqual({ id: '1', type: 'complete' });
    expect(writes).toBeLessThan(ROWS / 20);
  });
});
