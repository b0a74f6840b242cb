/**
 * The client against a misbehaving server: every read is bounded (line,
 * body, collected pull result, error body), the request is aborted at the
 * bound, non-ksqlDB error pages become short plain summaries, and a huge
 * chunk is parsed over several turns of the event loop.
 */
import type { ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { createKsqlClient, type KsqlClientOptions } from './client.js';
import { KsqlResponseTooLargeError, KsqlServerError } from './errors.js';
import { Disposer, send, startReplayServer, type ReplayServer, type Route } from './replay-server.test-helper.js';
import { fakeQueryResponse } from './fake-query-response.test-helper.js';
import type { KsqlClient, QueryEvent } from './types.js';
import { drainOrClose } from '../../shared/drain.js';

const disposer = new Disposer();
afterEach(() => disposer.disposeAll());

async function setup(route: Route, options: Omit<KsqlClientOptions, 'baseUrl'> = {}): Promise<{ server: ReplayServer; client: KsqlClient }> {
  const server = disposer.add(await startReplayServer(route), (s) => s.close());
  const client = disposer.add(createKsqlClient({ baseUrl: server.url, ...options }), (c) => c.close());
  return { server, client };
}

const HEADER_LINE = '[{"header":{"queryId":"transient_S_7","schema":"`V` STRING"}},\n';

/**
 * Writes `unit` until `total` bytes went out or the client went away,
 * respecting backpressure; resolves with the bytes written.
 */
async function writeUpTo(res: ServerResponse, unit: Buffer | string, total: number): Promise<number> {
  const piece = typeof unit === 'string' ? Buffer.from(unit) : unit;
  let written = 0;
  while (written < total && !res.destroyed) {
    written += piece.length;
    if (!res.write(piece)) {
      await drainOrClose(res);
    }
  }
  return written;
}

async function rejection(promise: Promise<unknown>): Promise<Record<string, unknown> & Error> {
  try {
    await promise;
  } catch (err) {
    return err as Record<string, unknown> & Error;
  }
  throw new Error('did not reject');
}

describe('bodies read whole are bounded by maxBodyBytes', () => {
  it('a chunked /ksql body past the bound fails with KSQL_RESPONSE_TOO_LARGE and is not read to its end', async () => {
    let written = 0;
    const total = 256 * 1024 * 1024;
    const { server, client } = await setup(async (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      written = await writeUpTo(res, Buffer.alloc(64 * 1024, 0x78), total);
    }, { maxBodyBytes: 1024 * 1024 });
    const err = await rejection(client.ksql({ ksql: 'SHOW STREAMS;' }));
    expect(err).toBeInstanceOf(KsqlResponseTooLargeError);
    expect(err).toMatchObject({
      code: 'KSQL_RESPONSE_TOO_LARGE',
      limit: 'maxBodyBytes',
      limitBytes: 1024 * 1024,
      method: 'POST',
      path: '/ksql',
      httpStatus: 200,
      message: 'POST /ksql: the response body is larger than 1048576 bytes (maxBodyBytes); the request was aborted',
    });
    // The request was aborted: the server saw its response closed early.
    expect(await server.closed(0)).toEqual({ finished: false });
    expect(written).toBeLessThan(total);
  });

  it('a declared Content-Length past the bound fails at the headers, without waiting for the body', async () => {
    // 1 GiB announced, 2 bytes sent, then nothing: only the declaration can end this call early.
    const { server, client } = await setup((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(1024 * 1024 * 1024) });
      res.write('[{');
    }, { maxBodyBytes: 64 * 1024 });
    await expect(client.info()).rejects.toMatchObject({ code: 'KSQL_RESPONSE_TOO_LARGE', limit: 'maxBodyBytes', path: '/info' });
    expect(await server.closed(0)).toEqual({ finished: false });
  });

  it('a body of exactly maxBodyBytes is read', async () => {
    const body = JSON.stringify([{ '@type': 'currentStatus', statementText: 'x'.repeat(1000) }]);
    const { client } = await setup((_req, res) => send(res, 200, body), { maxBodyBytes: Buffer.byteLength(body) });
    await expect(client.ksql({ ksql: 'SHOW STREAMS;' })).resolves.toHaveLength(1);
  });

  it("pullQuery's collected rows are bounded by the same budget", async () => {
    const { server, client } = await setup(async (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/vnd.ksql.v1+json' });
      res.write(HEADER_LINE);
      await writeUpTo(res, '{"row":{"columns":["v"]}},\n'.repeat(1000), 256 * 1024 * 1024);
    }, { maxBodyBytes: 2 * 1024 * 1024 });
    const err = await rejection(client.pullQuery({ ksql: 'SELECT * FROM T;' }));
    expect(err).toMatchObject({
      code: 'KSQL_RESPONSE_TOO_LARGE',
      limit: 'maxBodyBytes',
      limitBytes: 2 * 1024 * 1024,
      path: '/query',
      message: 'POST /query: the response body is larger than 2097152 bytes (maxBodyBytes); the request was aborted',
    });
    expect(await server.closed(0)).toEqual({ finished: false });
  });

  it('a push query is not bounded by maxBodyBytes, only its lines are', async () => {
    const { client } = await setup(async (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/vnd.ksql.v1+json' });
      res.write(HEADER_LINE);
      await writeUpTo(res, '{"row":{"columns":["v"]}},\n'.repeat(1000), 4 * 1024 * 1024);
      res.end('{"finalMessage":"Limit Reached"}]');
    }, { maxBodyBytes: 64 * 1024 });
    let rows = 0;
    let final: QueryEvent | undefined;
    for await (const event of client.query({ ksql: 'SELECT * FROM S EMIT CHANGES LIMIT 200000;' })) {
      if (event.kind === 'row') rows++;
      if (event.kind === 'final') final = event;
    }
    expect(rows).toBeGreaterThan(100_000);
    expect(final).toEqual({ kind: 'final', message: 'Limit Reached' });
  });
});

describe('/query lines are bounded by maxLineBytes', () => {
  it('an endless line ends the stream with KSQL_RESPONSE_TOO_LARGE after the rows before it, and aborts the request', async () => {
    let written = 0;
    const { server, client } = await setup(async (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/vnd.ksql.v1+json' });
      res.write(HEADER_LINE + '{"row":{"columns":["before"]}},\n{"row":{"columns":["');
      written = await writeUpTo(res, Buffer.alloc(64 * 1024, 0x78), 1024 * 1024 * 1024);
    }, { maxLineBytes: 1024 * 1024 });
    const events: QueryEvent[] = [];
    const err = await rejection(
      (async () => {
        for await (const event of client.query({ ksql: 'SELECT * FROM S EMIT CHANGES;' })) events.push(event);
      })(),
    );
    expect(events.map((e) => e.kind)).toEqual(['header', 'row']);
    expect(err).toMatchObject({
      code: 'KSQL_RESPONSE_TOO_LARGE',
      limit: 'maxLineBytes',
      limitBytes: 1024 * 1024,
      path: '/query',
      message: 'POST /query: a /query line (one row) is longer than 1048576 bytes (maxLineBytes); the request was aborted',
    });
    expect((err.cause as { code?: string }).code).toBe('KSQL_LINE_TOO_LONG');
    expect(await server.closed(0)).toEqual({ finished: false });
    expect(written).toBeLessThan(1024 * 1024 * 1024);
  });

  it('a line of up to maxLineBytes is a row', async () => {
    const line = `{"row":{"columns":["${'y'.repeat(100_000)}"]}}`;
    const { client } = await setup((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/vnd.ksql.v1+json' });
      res.end(`${HEADER_LINE}${line},\n{"finalMessage":"Limit Reached"}]`);
    }, { maxLineBytes: Buffer.byteLength(line) + 1 }); // the trailing comma is part of the line
    const result = await client.pullQuery({ ksql: 'SELECT * FROM S EMIT CHANGES LIMIT 1;' });
    expect(result.rows[0]?.columns[0]).toHaveLength(100_000);
  });

  it('refuses bounds that are not positive integers', () => {
    expect(() => createKsqlClient({ baseUrl: 'http://x', maxLineBytes: 0 })).toThrow(/maxLineBytes/);
    expect(() => createKsqlClient({ baseUrl: 'http://x', maxBodyBytes: 1.5 })).toThrow(/maxBodyBytes/);
  });
});

describe('non-ksqlDB error bodies become short plain summaries', () => {
  const NGINX =
    '<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n' +
    '<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n';

  it.each([
    ['an HTML page by Content-Type', 502, NGINX, 'text/html; charset=utf-8', 'ksqlDB returned HTTP 502 (an HTML page)'],
    ['an HTML page without Content-Type', 503, `  <!DOCTYPE html>\n${NGINX}`, null, 'ksqlDB returned HTTP 503 (an HTML page)'],
    ['an XML document', 500, '<?xml version="1.0"?><error>boom</error>', 'application/xml', 'ksqlDB returned HTTP 500 (an XML document)'],
    ['plain text: its first line', 504, '\nupstream timed out\nsecond line\n', 'text/plain', 'ksqlDB returned HTTP 504: upstream timed out'],
    ['plain text: control characters removed', 500, 'bad\tthing\u0007 here', 'text/plain', 'ksqlDB returned HTTP 500: bad thing  here'],
    ['JSON that is not a ksqlDB error: its first line', 500, '{"error":"nope"}', 'application/json', 'ksqlDB returned HTTP 500: {"error":"nope"}'],
  ])('%s', async (_name, status, body, contentType, message) => {
    const { client } = await setup((_req, res) => send(res, status, body, contentType));
    const err = await rejection(client.ksql({ ksql: 'SHOW STREAMS;' }));
    expect(err).toBeInstanceOf(KsqlServerError);
    expect(err).toMatchObject({ message, httpStatus: status, errorCode: status * 100, synthesized: true });
  });

  it('a long first line is cut at 200 characters', async () => {
    const { client } = await setup((_req, res) => send(res, 500, 'e'.repeat(5000), 'text/plain'));
    const err = await rejection(client.info());
    expect(err.message).toBe(`ksqlDB returned HTTP 500: ${'e'.repeat(200)}…`);
  });

  it('an error body past maxErrorBodyBytes is not read on: the request is aborted', async () => {
    let written = 0;
    const total = 256 * 1024 * 1024;
    const { server, client } = await setup(async (_req, res) => {
      res.writeHead(502, { 'content-type': 'text/html' });
      res.write('<html><body>');
      written = await writeUpTo(res, Buffer.alloc(64 * 1024, 0x78), total);
    }, { maxErrorBodyBytes: 16 * 1024 });
    const err = await rejection(client.ksql({ ksql: 'SHOW STREAMS;' }));
    expect(err).toMatchObject({ code: 'KSQL_SERVER_ERROR', httpStatus: 502, message: 'ksqlDB returned HTTP 502 (an HTML page)' });
    expect(await server.closed(0)).toEqual({ finished: false });
    expect(written).toBeLessThan(total);
  });

  it('a ksqlDB error body is still read exactly', async () => {
    const { client } = await setup((_req, res) =>
      send(res, 400, '{"@type":"statement_error","error_code":40001,"message":"line 1:1: <html> is not a keyword","statementText":"x;","entities":[]}', null),
    );
    await expect(client.ksql({ ksql: 'x;' })).rejects.toMatchObject({ errorCode: 40001, message: 'line 1:1: <html> is not a keyword' });
  });
});

describe('parsing yields to the event loop', () => {
  it('one 8 MiB chunk is parsed over several turns, pausing the response meanwhile', async () => {
    const r = fakeQueryResponse(256 /* far above what this test queues: only the yield pauses */);
    const row = `{"row":{"columns":["${'r'.repeat(4 * 1024 - 30)}"]}},\n`;
    const rows = Math.floor((8 * 1024 * 1024) / row.length);
    r.data(Buffer.from(HEADER_LINE));
    expect((await r.stream.next()).value).toMatchObject({ kind: 'header' });

    // Turns of the event loop are counted by a chain of setImmediate: each
    // link runs once per turn, after the parser's own continuation.
    let turns = 0;
    let counting = true;
    const tick = () => {
      turns++;
      if (counting) setImmediate(tick);
    };
    setImmediate(tick);
    r.data(Buffer.from(row.repeat(rows) + '{"finalMessage":"Limit Reached"}]'));
    r.end();
    expect(r.paused).toBe(true); // the rest waits for the next turn

    const seenAtTurn: number[] = [];
    let received = 0;
    for await (const event of r.stream) {
      if (event.kind === 'row') {
        received++;
        seenAtTurn.push(turns);
      }
    }
    counting = false;
    expect(received).toBe(rows);
    // Rows arrive in several turns, none of which parsed more than ~1 MiB (256 rows of 4 KiB).
    const perTurn = new Map<number, number>();
    for (const t of seenAtTurn) perTurn.set(t, (perTurn.get(t) ?? 0) + 1);
    expect(perTurn.size).toBeGreaterThanOrEqual(8);
    expect(Math.max(...perTurn.values())).toBeLessThanOrEqual(257);
  });
});
