import { Agent } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { JsonNumber } from '../../protocol/index.js';
import { createKsqlClient } from './client.js';
import { KsqlAbortError, KsqlProtocolError, KsqlServerError, KsqlTimeoutError } from './errors.js';
import {
  Disposer,
  fixture,
  send,
  sleep,
  startReplayServer,
  writeChunks,
  type ReplayServer,
  type Route,
} from './replay-server.test-helper.js';
import { fakeQueryResponse } from './fake-query-response.test-helper.js';
import type { KsqlClient, QueryEvent, QueryStream } from './types.js';
import { drainOrClose } from '../../shared/drain.js';

const disposer = new Disposer();
afterEach(() => disposer.disposeAll());

async function setup(route: Route, options: { requestTimeoutMs?: number } = {}): Promise<{ server: ReplayServer; client: KsqlClient }> {
  const server = disposer.add(await startReplayServer(route), (s) => s.close());
  const client = disposer.add(createKsqlClient({ baseUrl: server.url, ...options }), (c) => c.close());
  return { server, client };
}

const SELECT = { ksql: 'SELECT * FROM S EMIT CHANGES LIMIT 1;' };

interface Outcome {
  events: QueryEvent[];
  error?: Record<string, unknown>;
}

async function collect(stream: QueryStream): Promise<Outcome> {
  const events: QueryEvent[] = [];
  try {
    for await (const event of stream) events.push(event);
    return { events };
  } catch (err) {
    const e = err as KsqlServerError;
    return {
      events,
      error: { name: e.name, code: e.code, message: e.message, errorCode: e.errorCode, httpStatus: e.httpStatus, inStream: e.inStream },
    };
  }
}

function replay(name: string): Route {
  return (_req, res) => writeChunks(res, [fixture(name)]);
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return Promise.race([
    promise,
    sleep(ms).then(() => {
      throw new Error(`${what} did not happen within ${ms} ms`);
    }),
  ]);
}

const HEADER_LINE = '[{"header":{"queryId":"transient_S_7","schema":"`V` STRING"}},\n';

describe('query(): recorded bodies', () => {
  it('push query with LIMIT: header, row, final, then done', async () => {
    const { server, client } = await setup(replay('push-limit.body'));
    const stream = client.query(SELECT);
    expect(await collect(stream)).toEqual({
      events: [
        {
          kind: 'header',
          queryId: 'transient_X_1',
          schema: '`K` STRING, `ID` INTEGER',
          columns: [
            { name: 'K', type: { type: 'STRING' }, namespace: 'VALUE' },
            { name: 'ID', type: { type: 'INTEGER' }, namespace: 'VALUE' },
          ],
        },
        { kind: 'row', columns: ['a', 1], tombstone: false },
        { kind: 'final', message: 'Limit Reached' },
      ],
    });
    await expect(stream.header).resolves.toMatchObject({ queryId: 'transient_X_1' });
    expect(await stream.next()).toEqual({ value: undefined, done: true });

    const [req] = server.requests;
    expect(req?.method).toBe('POST');
    expect(req?.url).toBe('/query');
    expect(req?.headers['accept']).toBe('application/vnd.ksql.v1+json, application/json;q=0.9');
    expect(req?.headers['content-type']).toBe('application/json');
    expect(JSON.parse(req?.body ?? '')).toEqual(SELECT);
  });

  it('keeps BIGINT and DECIMAL exact and decodes multi-byte UTF-8', async () => {
    const { client } = await setup(replay('push-types.body'));
    const { events, error } = await collect(client.query(SELECT));
    expect(error).toBeUndefined();
    expect(events.map((e) => e.kind)).toEqual(['header', 'row', 'row', 'row', 'final']);
    const header = events[0] as Extract<QueryEvent, { kind: 'header' }>;
    expect(header.columns.map((c) => c.type)).toEqual([
      { type: 'STRING' },
      { type: 'BIGINT' },
      { type: 'DECIMAL', precision: 4, scale: 2 },
      { type: 'STRING' },
      { type: 'ARRAY', item: { type: 'STRING' } },
      {
        type: 'STRUCT',
        fields: [
          { name: 'A', type: { type: 'INTEGER' } },
          { name: 'B', type: { type: 'MAP', key: { type: 'STRING' }, value: { type: 'DOUBLE' } } },
        ],
      },
    ]);
    expect(events[1]).toEqual({
      kind: 'row',
      columns: ['😀 grinning', new JsonNumber('9007199254740993'), new JsonNumber('1.10'), '日本語テキスト', ['é', '🎉', '中文'], { A: 1, B: { π: 3.14 } }],
      tombstone: false,
    });
    expect(events[2]).toEqual({
      kind: 'row',
      columns: ['é🎉中', new JsonNumber('-9007199254740993'), 0.05, '混合 mixed ✓', [], { A: null, B: {} }],
      tombstone: false,
    });
    expect(events[3]).toEqual({ kind: 'row', columns: ['ascii', 42, 99.99, '', null, null], tombstone: false });
  });

  it('marks tombstones', async () => {
    const { client } = await setup(replay('push-table-tombstone.body'));
    const { events } = await collect(client.query(SELECT));
    expect(events.filter((e) => e.kind === 'row')).toEqual([
      { kind: 'row', columns: ['k1', 3], tombstone: false },
      { kind: 'row', columns: ['k1', null], tombstone: true },
      { kind: 'row', columns: ['ключ', new JsonNumber('9007199254740993')], tombstone: false },
    ]);
  });

  it('a table pull ends without finalMessage: a normal end; KEY columns are marked', async () => {
    const { client } = await setup(replay('pull-table.body'));
    const result = await client.pullQuery({ ksql: "SELECT * FROM T WHERE ID='日本';" });
    expect(result.finalMessage).toBeNull();
    expect(result.header.queryId).toBe('query_1700000000000');
    expect(result.header.columns.map((c) => [c.name, c.namespace])).toEqual([
      ['ID', 'KEY'],
      ['BIG', 'VALUE'],
      ['PRICE', 'VALUE'],
    ]);
    expect(result.rows).toEqual([
      { columns: ['日本', new JsonNumber('9007199254740993'), new JsonNumber('1.10')], tombstone: false },
      { columns: ['🚀', 1, new JsonNumber('0.50')], tombstone: false },
    ]);
  });

  it('an empty table pull is just the header', async () => {
    const { client } = await setup(replay('pull-table-empty.body'));
    const result = await client.pullQuery({ ksql: 'SELECT * FROM T;' });
    expect(result.rows).toEqual([]);
    expect(result.finalMessage).toBeNull();
  });

  it('pullQuery keeps the final message of a stream pull', async () => {
    const { client } = await setup(replay('stream-pull-completed.body'));
    const result = await client.pullQuery({ ksql: 'SELECT * FROM S;' });
    expect(result.finalMessage).toBe('Query Completed');
    expect(result.rows).toEqual([{ columns: ['x'], tombstone: false }]);
  });

  it('an errorMessage after the header: rows first, then a KsqlServerError from the iterator', async () => {
    const { client } = await setup(replay('push-error.body'));
    const stream = client.query(SELECT);
    const outcome = await collect(stream);
    expect(outcome.events.map((e) => e.kind)).toEqual(['header', 'row']);
    expect(outcome.error).toEqual({
      name: 'KsqlServerError',
      code: 'KSQL_SERVER_ERROR',
      message: 'io.confluent.ksql.util.KsqlException: Error processing row 😀 in 日本',
      errorCode: 50000,
      httpStatus: 200,
      inStream: true,
    });
    // Once thrown, the iterator is done.
    expect(await stream.next()).toEqual({ value: undefined, done: true });
    await expect(client.pullQuery(SELECT)).rejects.toMatchObject({ code: 'KSQL_SERVER_ERROR', errorCode: 50000 });
  });

  it('tolerates the legacy framing: keep-alive blank lines and "]\\n"', async () => {
    const { client } = await setup(replay('push-legacy.body'));
    const { events, error } = await collect(client.query(SELECT));
    expect(error).toBeUndefined();
    expect(events.slice(1)).toEqual([
      { kind: 'row', columns: [1], tombstone: false },
      { kind: 'row', columns: [2], tombstone: false },
      { kind: 'final', message: 'Limit Reached' },
    ]);
  });

  it('header resolves without iterating', async () => {
    const { client } = await setup(replay('push-limit.body'));
    const stream = client.query(SELECT);
    await expect(stream.header).resolves.toMatchObject({ queryId: 'transient_X_1', schema: '`K` STRING, `ID` INTEGER' });
    await stream.return();
  });
});

// ------------------------------------------------------------------ framing

const SPLIT_FIXTURES = [
  'push-limit.body',
  'push-types.body',
  'push-table-tombstone.body',
  'pull-table.body',
  'pull-table-empty.body',
  'stream-pull-completed.body',
  'push-error.body',
  'push-legacy.body',
];

/** Deterministic PRNG (mulberry32) so a failing split can be reproduced. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe.each(SPLIT_FIXTURES)('chunk boundaries: %s', (name) => {
  const body = fixture(name);

  /**
   * A client whose dispatcher records the body chunk sizes undici delivered
   * for the last request, to prove each split really reached the parser.
   */
  async function setupSplits(): Promise<{
    client: KsqlClient;
    setPieces: (p: Buffer[]) => void;
    delivered: () => number[];
  }> {
    let pieces: Buffer[] = [body];
    let sizes: number[] = [];
    const server = disposer.add(await startReplayServer((_req, res) => writeChunks(res, pieces)), (s) => s.close());
    const agent = disposer.add(new Agent({ keepAliveTimeout: 1000 }), (a) => a.close());
    const recording = agent.compose((dispatch) => (opts, handler) =>
      dispatch(opts, {
        ...handler,
        onRequestStart: (c, ctx) => {
          sizes = [];
          handler.onRequestStart?.(c, ctx);
        },
        onResponseStart: (c, status, headers, message) => handler.onResponseStart?.(c, status, headers, message),
        onResponseData: (c, chunk) => {
          sizes.push(chunk.length);
          handler.onResponseData?.(c, chunk);
        },
        onResponseEnd: (c, trailers) => handler.onResponseEnd?.(c, trailers),
        onResponseError: (c, err) => handler.onResponseError?.(c, err),
      }),
    );
    const client = disposer.add(createKsqlClient({ baseUrl: server.url, dispatcher: recording }), (c) => c.close());
    return { client, setPieces: (p) => (pieces = p), delivered: () => sizes };
  }

  it('split into two chunks at every byte offset: same events as unsplit', async () => {
    const { client, setPieces, delivered } = await setupSplits();
    const reference = await collect(client.query(SELECT));
    expect(reference.events.length).toBeGreaterThan(0);
    for (let i = 1; i < body.length; i++) {
      setPieces([body.subarray(0, i), body.subarray(i)]);
      const got = await collect(client.query(SELECT));
      expect(got, `split at byte ${i} of ${body.length}`).toEqual(reference);
      // The parser really saw a boundary at byte i.
      const boundaries = delivered().reduce<number[]>((acc, n) => [...acc, (acc.at(-1) ?? 0) + n], []);
      expect(boundaries, `boundaries for split at ${i}`).toContain(i);
    }
  });

  it('random multi-splits: same events as unsplit', async () => {
    const { client, setPieces } = await setupSplits();
    const reference = await collect(client.query(SELECT));
    const random = prng(0x5eed + body.length);
    for (let round = 0; round < 40; round++) {
      const cuts = new Set<number>();
      const n = 2 + Math.floor(random() * 12);
      while (cuts.size < Math.min(n, body.length - 1)) cuts.add(1 + Math.floor(random() * (body.length - 1)));
      const offsets = [0, ...[...cuts].sort((a, b) => a - b), body.length];
      const pieces = offsets.slice(1).map((end, k) => body.subarray(offsets[k], end));
      setPieces(pieces);
      const got = await collect(client.query(SELECT));
      expect(got, `cuts ${offsets.join(',')}`).toEqual(reference);
    }
  });
});

// ------------------------------------------------------------ failures

describe('query(): failures', () => {
  it('a ksqlDB error response: header and iterator reject with the exact KsqlServerError', async () => {
    const { client } = await setup((_req, res) => send(res, 400, fixture('error-statement-400.json'), null));
    const stream = client.query({ ksql: 'SELECT * FROM NOPE EMIT CHANGES;' });
    const err = await stream.header.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KsqlServerError);
    expect(err).toMatchObject({
      code: 'KSQL_SERVER_ERROR',
      httpStatus: 400,
      errorCode: 40001,
      ksqlType: 'statement_error',
      statementText: 'SELECT * FROM NOPE EMIT CHANGES;',
      message: 'Exception while preparing statement: NOPE does not exist.\nStatement: SELECT * FROM NOPE EMIT CHANGES;',
      entities: [],
      inStream: false,
      synthesized: false,
    });
    await expect(stream.next()).rejects.toBe(err);
  });

  it('a body that does not start with a header is a protocol error', async () => {
    const { client } = await setup((_req, res) =>
      writeChunks(res, [Buffer.from('{"queryId":"q","columnNames":["A"],"columnTypes":["INTEGER"]}\n[1]\n')]),
    );
    await expect(client.pullQuery(SELECT)).rejects.toBeInstanceOf(KsqlProtocolError);
  });

  it('a malformed element is a protocol error', async () => {
    const { client } = await setup((_req, res) => writeChunks(res, [Buffer.from(HEADER_LINE + '{"row":{"columns":[1,}}\n')]));
    const outcome = await collect(client.query(SELECT));
    expect(outcome.error).toMatchObject({ code: 'KSQL_PROTOCOL' });
  });

  it('an empty 200 body is a protocol error', async () => {
    const { client } = await setup((_req, res) => writeChunks(res, []));
    await expect(client.pullQuery(SELECT)).rejects.toMatchObject({ code: 'KSQL_PROTOCOL' });
  });

  it('times out waiting for the response headers', async () => {
    const { server, client } = await setup(() => {
      /* never answers */
    });
    const started = Date.now();
    const stream = client.query(SELECT, { timeoutMs: 200 });
    const err = await stream.next().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KsqlTimeoutError);
    expect(err).toMatchObject({ code: 'KSQL_TIMEOUT', timeout: true, timeoutMs: 200 });
    expect(Date.now() - started).toBeLessThan(2000);
    await withTimeout(server.closed(0), 1000, 'server-side close');
  });

  it('times out waiting for the header element after 200 OK', async () => {
    const { client } = await setup((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/vnd.ksql.v1+json' });
      res.write('[');
    });
    await expect(client.query(SELECT, { timeoutMs: 200 }).header).rejects.toMatchObject({ code: 'KSQL_TIMEOUT' });
  });

  it('the push body has no timeout once the header is in', async () => {
    const { client } = await setup(async (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/vnd.ksql.v1+json' });
      res.write(HEADER_LINE);
      await sleep(600);
      res.end('{"row":{"columns":["late"]}},\n{"finalMessage":"Limit Reached"}]');
    }, { requestTimeoutMs: 150 });
    const { events, error } = await collect(client.query(SELECT));
    expect(error).toBeUndefined();
    expect(events.map((e) => e.kind)).toEqual(['header', 'row', 'final']);
  });

  it('pullQuery applies the timeout to the whole response', async () => {
    const { client } = await setup((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/vnd.ksql.v1+json' });
      res.write(HEADER_LINE);
    });
    await expect(client.pullQuery(SELECT, { timeoutMs: 200 })).rejects.toMatchObject({ code: 'KSQL_TIMEOUT' });
  });
});

// ------------------------------------------------------------ cancellation

/** Sends the header, then nothing: an idle push query. */
const idlePush: Route = (_req, res) => {
  res.writeHead(200, { 'content-type': 'application/vnd.ksql.v1+json' });
  res.write(HEADER_LINE);
};

describe('query(): cancellation', () => {
  it('return() while idle closes the server-side request promptly', async () => {
    const { server, client } = await setup(idlePush);
    const stream = client.query(SELECT);
    expect((await stream.next()).value).toMatchObject({ kind: 'header' });
    await sleep(50);
    const closed = server.closed(0);
    const started = Date.now();
    expect(await stream.return()).toEqual({ value: undefined, done: true });
    expect(await withTimeout(closed, 1000, 'server-side close')).toEqual({ finished: false });
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('return() while a next() is pending settles it with done and closes the request', async () => {
    const { server, client } = await setup(idlePush);
    const stream = client.query(SELECT);
    await stream.next();
    const pending = stream.next();
    await sleep(50);
    await stream.return();
    await expect(withTimeout(pending, 1000, 'pending next()')).resolves.toEqual({ value: undefined, done: true });
    expect(await withTimeout(server.closed(0), 1000, 'server-side close')).toEqual({ finished: false });
  });

  it('break in for-await closes the request', async () => {
    const { server, client } = await setup(idlePush);
    for await (const event of client.query(SELECT)) {
      expect(event.kind).toBe('header');
      break;
    }
    expect(await withTimeout(server.closed(0), 1000, 'server-side close')).toEqual({ finished: false });
  });

  it('aborting the signal rejects a pending next() with KsqlAbortError and closes the request', async () => {
    const { server, client } = await setup(idlePush);
    const controller = new AbortController();
    const stream = client.query(SELECT, { signal: controller.signal });
    await stream.next();
    const pending = stream.next();
    await sleep(50);
    const reason = new Error('subscriber left');
    controller.abort(reason);
    const err = await withTimeout(pending.catch((e: unknown) => e), 1000, 'pending next() rejection');
    expect(err).toBeInstanceOf(KsqlAbortError);
    expect(err).toMatchObject({ code: 'KSQL_ABORTED', cause: reason });
    expect(await withTimeout(server.closed(0), 1000, 'server-side close')).toEqual({ finished: false });
  });

  it('aborting before the header rejects header and iterator', async () => {
    const { client } = await setup(() => {
      /* never answers */
    });
    const controller = new AbortController();
    const stream = client.query(SELECT, { signal: controller.signal });
    controller.abort();
    await expect(stream.header).rejects.toMatchObject({ code: 'KSQL_ABORTED' });
    await expect(stream.next()).rejects.toMatchObject({ code: 'KSQL_ABORTED' });
  });

  it('an already-aborted signal sends nothing', async () => {
    const { server, client } = await setup(replay('push-limit.body'));
    const stream = client.query(SELECT, { signal: AbortSignal.abort() });
    await expect(stream.next()).rejects.toMatchObject({ code: 'KSQL_ABORTED' });
    await sleep(50);
    expect(server.requests).toHaveLength(0);
  });

  it('client.close() ends running push queries with KSQL_ABORTED', async () => {
    const { server, client } = await setup(idlePush);
    const stream = client.query(SELECT);
    await stream.next();
    // Handled before close(): the step rejects while close() is still
    // awaited, which would otherwise count as an unhandled rejection.
    const pending = expect(stream.next()).rejects.toMatchObject({ code: 'KSQL_ABORTED' });
    await client.close();
    await pending;
    expect(await withTimeout(server.closed(0), 1000, 'server-side close')).toEqual({ finished: false });
    await expect(client.query(SELECT).next()).rejects.toMatchObject({ code: 'KSQL_ABORTED' });
  });
});

// ------------------------------------------------------------ backpressure

describe('query(): backpressure', () => {
  it('stops reading the socket while the consumer does not pull', async () => {
    const row = '{"row":{"columns":["' + 'x'.repeat(200) + '"]}},\n';
    const block = Buffer.from(row.repeat(Math.ceil(65536 / row.length)));
    let written = 0;
    const { server, client } = await setup(async (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/vnd.ksql.v1+json' });
      res.write(HEADER_LINE);
      let open = true as boolean; // set false by the 'close' listener
      res.on('close', () => (open = false));
      while (open && written < 512 * 1024 * 1024) {
        written += block.length;
        if (!res.write(block)) {
          await drainOrClose(res);
        }
      }
    });
    const stream = client.query(SELECT);
    await stream.next();
    await sleep(1000);
    const afterOneSecond = written;
    await sleep(500);
    // Stalled: nothing more was accepted while nobody read, and far less than
    // the server would have written without backpressure.
    expect(written).toBe(afterOneSecond);
    expect(written).toBeLessThan(64 * 1024 * 1024);
    // Reading resumes the flow.
    for (let i = 0; i < 500_000 && written === afterOneSecond; i++) {
      expect((await stream.next()).value).toMatchObject({ kind: 'row' });
    }
    expect(written).toBeGreaterThan(afterOneSecond);
    await stream.return();
    await withTimeout(server.closed(0), 1000, 'server-side close');
  });
});


const ROW_LINE = '{"row":{"columns":["v"]}},\n';

describe('query(): backpressure counts events, with hysteresis', () => {
  it('pauses at bufferBatches × 256 queued events and resumes only at a quarter of that', async () => {
    // One HTTP chunk per row, as ksqlDB sends them.
    const r = fakeQueryResponse(2); // pause at 512 events, resume at 128
    r.data(HEADER_LINE);
    expect((await r.stream.next()).value).toMatchObject({ kind: 'header' });
    for (let i = 0; i < 511; i++) r.data(ROW_LINE);
    expect(r.pauses).toBe(0);
    r.data(ROW_LINE);
    expect(r.pauses).toBe(1);
    // The consumer takes rows: still paused down to 129 queued...
    for (let i = 0; i < 383; i++) expect((await r.stream.next()).value).toMatchObject({ kind: 'row' });
    expect(r.paused).toBe(true);
    expect(r.resumes).toBe(0);
    // ...resumed at 128.
    await r.stream.next();
    expect(r.paused).toBe(false);
    expect(r.resumes).toBe(1);
    // Rows delivered in order, none lost: 128 queued, then more arrive.
    r.data(ROW_LINE + '{"finalMessage":"Limit Reached"}]');
    r.end();
    const rest = await collect(r.stream);
    expect(rest.events).toHaveLength(130);
    expect(rest.events.at(-1)).toEqual({ kind: 'final', message: 'Limit Reached' });
    expect(r.pauses).toBe(1);
  });

  it('a slow consumer costs one pause/resume cycle per ~3/4 of the budget, not one per row', async () => {
    const r = fakeQueryResponse(8); // 2048 / 512
    r.data(HEADER_LINE);
    await r.stream.next();
    const total = 20_000;
    let sent = 0;
    let received = 0;
    let maxQueued = 0;
    while (received < total) {
      // The server writes while the response is not paused; the consumer
      // takes one row per turn.
      while (!r.paused && sent < total) {
        r.data(ROW_LINE);
        sent++;
      }
      maxQueued = Math.max(maxQueued, sent - received);
      expect((await r.stream.next()).value).toMatchObject({ kind: 'row' });
      received++;
    }
    expect(maxQueued).toBe(2048);
    // (20000 - 2048) / (2048 - 512) ≈ 11.7 cycles; counting chunks paused and resumed ~20000 times.
    expect(r.pauses).toBeLessThanOrEqual(13);
    expect(r.resumes).toBeLessThanOrEqual(r.pauses);
    await r.stream.return();
  });

  it('bounds the bytes queued too: large rows pause long before the event budget', async () => {
    const r = fakeQueryResponse(1); // 256 events or 128 KiB; resume at 64 events and 32 KiB
    r.data(HEADER_LINE);
    await r.stream.next();
    const big = '{"row":{"columns":["' + 'x'.repeat(64 * 1024) + '"]}},\n';
    r.data(big);
    expect(r.paused).toBe(false);
    // A row split across two chunks counts all its bytes.
    r.data(big.slice(0, 100));
    expect(r.paused).toBe(false);
    r.data(big.slice(100));
    expect(r.paused).toBe(true);
    await r.stream.next();
    expect(r.paused).toBe(true); // 64 KiB left: more than a quarter
    await r.stream.next();
    expect(r.paused).toBe(false);
    expect([r.pauses, r.resumes]).toEqual([1, 1]);
    await r.stream.return();
  });

  it('stalls a server that sends one HTTP chunk per row while nobody reads', async () => {
    const row = '{"row":{"columns":["' + 'x'.repeat(100) + '"]}},\n';
    let written = 0;
    const { server, client } = await setup(async (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/vnd.ksql.v1+json' });
      res.write(HEADER_LINE);
      let open = true as boolean; // set false by the 'close' listener
      res.on('close', () => (open = false));
      while (open && written < 5_000_000) {
        written++;
        if (!res.write(row)) {
          await drainOrClose(res);
        } else if (written % 1000 === 0) {
          await new Promise<void>((resolve) => setImmediate(resolve));
        }
      }
    });
    const stream = client.query(SELECT);
    await stream.next();
    await sleep(1000);
    const afterOneSecond = written;
    await sleep(500);
    expect(written).toBe(afterOneSecond);
    // The gateway holds at most 2048 rows; the rest sit in socket buffers.
    expect(written).toBeLessThan(1_000_000);
    let read = 0;
    for (; read < 1_000_000 && written === afterOneSecond; read++) {
      expect((await stream.next()).value).toMatchObject({ kind: 'row' });
    }
    expect(written).toBeGreaterThan(afterOneSecond);
    await stream.return();
    await withTimeout(server.closed(0), 1000, 'server-side close');
  });
});
