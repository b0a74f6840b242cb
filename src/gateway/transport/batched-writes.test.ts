/**
 * Write batching on the downstream sockets (graphql-ws: the upgrade's TCP
 * socket corked per macrotask and sends that wait for 'drain' past a
 * high-water mark; SSE: one stream chunk per macrotask), over real sockets with
 * the real undici client in front of a replay server that writes one HTTP
 * chunk per row, as ksqlDB does: order of next/complete, backpressure from a
 * client that stops reading all the way to the upstream /query, and prompt
 * upstream close when a client leaves while its socket is corked.
 */
import { request, type IncomingMessage } from 'node:http';
import WebSocket from 'ws';
import { afterEach, describe, expect, it } from 'vitest';
import { createKsqlClient } from '../ksql-client/client.js';
import { Disposer, send, startReplayServer, type ReplayServer } from '../ksql-client/replay-server.test-helper.js';
import { buildGateway, type GatewayAddress } from '../server.js';
import { messageText } from '../testing/ws-message.js';
import { drainOrClose } from '../../shared/drain.js';

const disposer = new Disposer();
afterEach(() => disposer.disposeAll());

const HEADER = '[{"header":{"queryId":"transient_S_1","schema":"`ID` STRING, `V` BIGINT"}},\n';
const rowLine = (i: number) => `{"row":{"columns":["${'k'.repeat(40)}${i}",${9007199254740993n + BigInt(i)}]}},\n`;

const SUBSCRIPTION = 'subscription($sql: String!) { pushQuery(sql: $sql) { ... on QueryRow { row } } }';

interface Upstream {
  server: ReplayServer;
  /** Rows the replay server has handed to its socket so far. */
  written(): number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A /query that writes `limit` rows (one chunk each, honouring 'drain'), then
 * the final message; `limit: Infinity` writes until the client goes away.
 */
async function startUpstream(limit: number): Promise<Upstream> {
  let written = 0;
  const server = await startReplayServer(async (req, res) => {
    if (req.url !== '/query') {
      send(res, 200, '[]');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/vnd.ksql.v1+json' });
    res.write(HEADER);
    let open = true as boolean; // set false by the 'close' listener
    res.on('close', () => (open = false));
    while (open && written < limit) {
      const ok = res.write(rowLine(written++));
      if (!ok) {
        await drainOrClose(res);
      } else if (written % 500 === 0) {
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
    }
    if (open) res.end('{"finalMessage":"Limit Reached"}]\n');
  });
  disposer.add(server, (s) => s.close());
  return { server, written: () => written };
}

async function startGateway(upstream: Upstream): Promise<GatewayAddress> {
  const client = createKsqlClient({ baseUrl: upstream.server.url, requestTimeoutMs: 5_000 });
  const gateway = buildGateway({ client, logger: false, keepAliveMs: 0, typedSchema: false });
  disposer.add(gateway, (g) => g.close());
  return gateway.listen(0, '127.0.0.1');
}

/** A raw graphql-transport-ws client: every message it receives, in order. */
async function wsSubscribe(address: GatewayAddress, sql: string) {
  const socket = new WebSocket(address.url.replace(/^http/, 'ws'), 'graphql-transport-ws');
  disposer.add(socket, (s) => s.terminate());
  const messages: Array<{ type: string; id?: string; payload?: { data?: { pushQuery: { row: Record<string, unknown> } } } }> = [];
  const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
  let onMessage: (() => void) | undefined;
  socket.on('message', (data) => {
    messages.push(JSON.parse(messageText(data)) as (typeof messages)[number]);
    onMessage?.();
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('open', resolve);
    socket.once('error', reject);
  });
  socket.send(JSON.stringify({ type: 'connection_init' }));
  await expect.poll(() => messages[0]?.type).toBe('connection_ack');
  socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: SUBSCRIPTION, variables: { sql } } }));
  const completed = new Promise<void>((resolve) => {
    onMessage = () => {
      if (messages.at(-1)?.type === 'complete') resolve();
    };
  });
  return { socket, messages, closed, completed };
}

/** An SSE subscription over node:http, so the test controls reading. */
async function sseSubscribe(address: GatewayAddress, sql: string): Promise<IncomingMessage> {
  const body = JSON.stringify({ query: SUBSCRIPTION, variables: { sql } });
  const res = await new Promise<IncomingMessage>((resolve, reject) => {
    const req = request(address.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
    });
    req.on('response', resolve);
    req.on('error', reject);
    req.end(body);
  });
  disposer.add(res, (r) => {
    r.destroy();
  });
  return res;
}

/** Waits until the upstream stops receiving rows for 500 ms (at most 10 s). */
async function stalled(upstream: Upstream): Promise<number> {
  let before = -1;
  for (let i = 0; i < 20 && upstream.written() !== before; i++) {
    before = upstream.written();
    await sleep(500);
  }
  expect(upstream.written()).toBe(before);
  return before;
}

const ROWS = 5000;

/** The header's event (no `row`: the selection is `... on QueryRow`), then the rows. */
function expectRowsInOrder(events: Array<Record<string, unknown> | undefined>): void {
  expect(events[0]).toBeUndefined();
  const rows = events.slice(1) as Array<Record<string, unknown>>;
  expect(rows).toHaveLength(ROWS);
  rows.forEach((row, i) => {
    if (row['V'] !== String(9007199254740993n + BigInt(i))) expect(row).toEqual({ ID: `${'k'.repeat(40)}${i}`, V: String(9007199254740993n + BigInt(i)) });
  });
}

describe('graphql-ws: batched writes', () => {
  it('delivers every next in order, then complete last', async () => {
    const upstream = await startUpstream(ROWS);
    const sub = await wsSubscribe(await startGateway(upstream), 'SELECT * FROM S EMIT CHANGES LIMIT 5000;');
    await sub.completed;
    expect(sub.messages.at(-1)).toEqual({ id: '1', type: 'complete' });
    const nexts = sub.messages.slice(1, -1);
    expect(nexts.every((m) => m.type === 'next' && m.id === '1')).toBe(true);
    expectRowsInOrder(nexts.map((m) => m.payload?.data?.pushQuery.row));
  });

  it('a client that stops reading stalls the upstream /query; reading again resumes it', async () => {
    const upstream = await startUpstream(Number.POSITIVE_INFINITY);
    const sub = await wsSubscribe(await startGateway(upstream), 'SELECT * FROM S EMIT CHANGES;');
    await expect.poll(() => sub.messages.length).toBeGreaterThan(10);
    sub.socket.pause();
    const stall = await stalled(upstream);
    // Bounded: the gateway's read-ahead, its 64 KiB send budget and the socket buffers.
    expect(stall).toBeLessThan(500_000);
    const received = sub.messages.length;
    sub.socket.resume();
    await expect.poll(() => upstream.written(), { timeout: 5_000 }).toBeGreaterThan(stall);
    expect(sub.messages.length).toBeGreaterThan(received);
    // Order kept across the stall.
    const rows = sub.messages.slice(2).map((m) => m.payload?.data?.pushQuery.row['ID']);
    rows.slice(0, 1000).forEach((id, i) => expect(id).toBe(`${'k'.repeat(40)}${i}`));
  });

  it.each([
    ['while rows flow (socket corked)', false],
    ['while stalled on a full socket', true],
  ])('closes the upstream /query promptly when the client disconnects %s', async (_what, stall) => {
    const upstream = await startUpstream(Number.POSITIVE_INFINITY);
    const sub = await wsSubscribe(await startGateway(upstream), 'SELECT * FROM S EMIT CHANGES;');
    await expect.poll(() => sub.messages.length).toBeGreaterThan(10);
    if (stall) {
      sub.socket.pause();
      await stalled(upstream);
    }
    const started = Date.now();
    sub.socket.terminate();
    expect(await upstream.server.closed(0)).toEqual({ finished: false });
    expect(Date.now() - started).toBeLessThan(1_000);
  });
});

describe('SSE: batched writes', () => {
  async function readAll(res: IncomingMessage): Promise<string> {
    res.setEncoding('utf8');
    let text = '';
    for await (const chunk of res) text += chunk as string;
    return text;
  }

  it('delivers every event in order, and ends the response after the last', async () => {
    const upstream = await startUpstream(ROWS);
    const res = await sseSubscribe(await startGateway(upstream), 'SELECT * FROM S EMIT CHANGES LIMIT 5000;');
    expect(res.headers['content-type']).toContain('text/event-stream');
    const text = await readAll(res);
    const events = text.split('\n\n').filter((e) => e.trim() !== '' && !e.startsWith(':'));
    const nexts = events.filter((e) => e.startsWith('event: next'));
    expect(events.at(-1)?.startsWith('event: complete')).toBe(true);
    expect(events.length).toBe(nexts.length + 1);
    expectRowsInOrder(
      nexts.map((e) => {
        const data = e.split('\n').find((l) => l.startsWith('data: ')) as string;
        return (JSON.parse(data.slice(6)) as { data: { pushQuery: { row?: Record<string, unknown> } } }).data.pushQuery.row;
      }),
    );
  });

  it('a client that stops reading stalls the upstream /query; reading again resumes it', async () => {
    const upstream = await startUpstream(Number.POSITIVE_INFINITY);
    const res = await sseSubscribe(await startGateway(upstream), 'SELECT * FROM S EMIT CHANGES;');
    let bytes = 0;
    res.on('data', (chunk: Buffer) => (bytes += chunk.length));
    await expect.poll(() => bytes).toBeGreaterThan(1000);
    res.pause();
    const stall = await stalled(upstream);
    expect(stall).toBeLessThan(500_000);
    res.resume();
    await expect.poll(() => upstream.written(), { timeout: 5_000 }).toBeGreaterThan(stall);
  });

  it.each([
    ['while rows flow (response corked)', false],
    ['while stalled on a full socket', true],
  ])('closes the upstream /query promptly when the client disconnects %s', async (_what, stall) => {
    const upstream = await startUpstream(Number.POSITIVE_INFINITY);
    const res = await sseSubscribe(await startGateway(upstream), 'SELECT * FROM S EMIT CHANGES;');
    let bytes = 0;
    res.on('data', (chunk: Buffer) => (bytes += chunk.length));
    await expect.poll(() => bytes).toBeGreaterThan(1000);
    if (stall) {
      res.pause();
      await stalled(upstream);
    }
    const started = Date.now();
    res.destroy();
    expect(await upstream.server.closed(0)).toEqual({ finished: false });
    expect(Date.now() - started).toBeLessThan(1_000);
  });
});
