/**
 * A hostile fake ksqlDB for tests and measurements: a `node:http` server on
 * port 0 that answers like a healthy ksqlDB with one stream (`ORDERS`) until
 * it is told to misbehave, per endpoint:
 *
 * | `/query` behaviour | what it sends                                                                  |
 * |--------------------|--------------------------------------------------------------------------------|
 * | `normal`           | header, `rows` rows; a push query (`EMIT CHANGES`) then stays open             |
 * | `endless-line`     | header, then one row that never ends (no newline), as fast as the socket takes |
 * | `flood`            | header, then small rows as fast as the socket takes, forever                   |
 * | `huge-body`        | header, then `hugeBodyBytes` of well-formed rows, then `]` (a huge pull answer) |
 * | `slow-drip`        | header, then one byte of a row every `dripIntervalMs`                          |
 * | `html-502`         | HTTP 502 with an nginx-style HTML page                                         |
 *
 * | `/ksql` behaviour  | what it sends                                                                  |
 * |--------------------|--------------------------------------------------------------------------------|
 * | `normal`           | the catalog for LIST ... EXTENDED / SHOW PROPERTIES, else a currentStatus      |
 * | `huge-body`        | a well-formed entity array of `hugeBodyBytes` bytes, chunked (no length)       |
 * | `html-502`         | HTTP 502 with an nginx-style HTML page                                         |
 * | `wrong-catalog`    | a currentStatus entity for every statement, the catalog listings included      |
 *
 * Writers respect the socket's backpressure and stop when the client goes
 * away, so "as fast as the socket takes" is as fast as the gateway reads.
 * `holdAtBytes` stops an endless line or a flood after that many body bytes
 * until {@link HostileKsql.release} is called, so a test can look at the
 * gateway while it holds a large partial line, deterministically.
 *
 * Test support only (port 0, `close()` ends every connection). Also runnable
 * as a process for measurements: `tsx test/utils/hostile-ksql.ts` prints its
 * URL and takes behaviours over `POST /__hostile` (a JSON
 * {@link HostileBehaviour}).
 *
 * @module
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import { sourceDescription } from '../../src/gateway/testing/catalog.js';
import { drainOrClose } from '../../src/shared/drain.js';

export type QueryMisbehaviour = 'normal' | 'endless-line' | 'flood' | 'huge-body' | 'slow-drip' | 'html-502';
export type KsqlMisbehaviour = 'normal' | 'huge-body' | 'html-502' | 'wrong-catalog';

export interface HostileBehaviour {
  /** @default 'normal' */
  readonly query?: QueryMisbehaviour | undefined;
  /** @default 'normal' */
  readonly ksql?: KsqlMisbehaviour | undefined;
  /** Size of a `huge-body` answer. @default 104857600 (bytes, 100 MiB) */
  readonly hugeBodyBytes?: number | undefined;
  /** Rows of a `normal` /query answer. @default 2 */
  readonly rows?: number | undefined;
  /** Pace of `slow-drip`. @default 50 (ms) */
  readonly dripIntervalMs?: number | undefined;
  /**
   * Stop an `endless-line` or `flood` body after this many bytes until
   * `release()`; 0 never stops.
   * @default 0 (bytes)
   */
  readonly holdAtBytes?: number | undefined;
}

export interface HostileRequest {
  readonly method: string;
  readonly url: string;
  readonly body: string;
}

export interface HostileKsql {
  readonly url: string;
  /** Every request received, in order (the `/__hostile` control route excluded). */
  readonly requests: HostileRequest[];
  /** Replaces the behaviour (fields not given fall back to their defaults). */
  behave(behaviour: HostileBehaviour): void;
  /** Body bytes written to `/query` and `/ksql` responses so far. */
  readonly bytesSent: number;
  /** `/query` responses currently open. */
  readonly openQueries: number;
  /** Resolves once a held body has reached `holdAtBytes`. */
  held(): Promise<void>;
  /** Lets held bodies go on. */
  release(): void;
  /** Resolves when every `/query` response opened so far has closed. */
  queriesClosed(): Promise<void>;
  close(): Promise<void>;
}

const ORDERS_SCHEMA = '`ID` STRING, `AMOUNT` DOUBLE';

const ORDERS_DESCRIPTION = sourceDescription('ORDERS', {
  fields: [
    ['ID', 'STRING', 'KEY'],
    ['AMOUNT', 'DOUBLE'],
  ],
  statement: "CREATE STREAM ORDERS (ID STRING KEY, AMOUNT DOUBLE) WITH (kafka_topic='orders', value_format='JSON');",
});

/** What nginx sends when its upstream is down: the page the gateway must not copy. */
export const HTML_502_PAGE =
  '<!DOCTYPE html>\r\n<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n' +
  '<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx/1.25.3</center>\r\n</body>\r\n</html>\r\n' +
  '<!-- a padding to make the page long -->'.repeat(20);

function currentStatus(statementText: string): Record<string, unknown> {
  return {
    '@type': 'currentStatus',
    statementText,
    commandId: 'stream/`ORDERS`/create',
    commandStatus: { status: 'SUCCESS', message: 'Stream created', queryId: null },
    commandSequenceNumber: 2,
    warnings: [],
  };
}

function writeJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)) });
  res.end(text);
}

function writeHtml502(res: ServerResponse): void {
  res.writeHead(502, { 'content-type': 'text/html', 'content-length': String(Buffer.byteLength(HTML_502_PAGE)) });
  res.end(HTML_502_PAGE);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

export async function startHostileKsql(initial: HostileBehaviour = {}): Promise<HostileKsql> {
  let behaviour: HostileBehaviour = initial;
  const requests: HostileRequest[] = [];
  let bytesSent = 0;
  const openQueries = new Set<ServerResponse>();
  const closedWaiters: Array<() => void> = [];
  let heldWaiters: Array<() => void> = [];
  let isHeld = false;
  let releaseWaiters: Array<() => void> = [];
  const stopped = new Set<ServerResponse>();

  const hold = async (): Promise<void> => {
    isHeld = true;
    for (const w of heldWaiters.splice(0)) w();
    await new Promise<void>((resolve) => releaseWaiters.push(resolve));
  };

  /**
   * Writes `piece` and waits for the socket to take it when it is full;
   * false once the client went away.
   */
  const write = async (res: ServerResponse, piece: Buffer | string): Promise<boolean> => {
    const gone = () => res.destroyed || stopped.has(res);
    if (gone()) return false;
    bytesSent += typeof piece === 'string' ? Buffer.byteLength(piece) : piece.length;
    if (!res.write(piece)) {
      await drainOrClose(res);
    }
    return !gone();
  };

  /** Writes `unit` until the client goes away, holding once at `holdAtBytes`. */
  const writeForever = async (res: ServerResponse, unit: Buffer): Promise<void> => {
    const holdAt = behaviour.holdAtBytes ?? 0;
    let written = 0;
    let didHold = false;
    for (;;) {
      if (!(await write(res, unit))) return;
      written += unit.length;
      if (holdAt > 0 && !didHold && written >= holdAt) {
        didHold = true;
        await hold();
      }
      // Let the loop breathe: the fake must stay responsive too.
      if (written % (16 * unit.length) === 0) await new Promise((r) => setImmediate(r));
    }
  };

  /** Writes whole `unit`s until at least `total` bytes went out. */
  const writeSized = async (res: ServerResponse, total: number, unit: Buffer): Promise<boolean> => {
    for (let written = 0; written < total; written += unit.length) {
      if (!(await write(res, unit))) return false;
    }
    return true;
  };

  const onQuery = async (body: string, res: ServerResponse): Promise<void> => {
    const mode = behaviour.query ?? 'normal';
    if (mode === 'html-502') return writeHtml502(res);
    openQueries.add(res);
    res.on('close', () => {
      openQueries.delete(res);
      if (openQueries.size === 0) for (const w of closedWaiters.splice(0)) w();
    });
    res.writeHead(200, { 'content-type': 'application/vnd.ksql.v1+json' });
    const header = `[{"header":{"queryId":"transient_ORDERS_1","schema":${JSON.stringify(ORDERS_SCHEMA)}}},\n`;
    if (!(await write(res, header))) return;
    const push = /\bEMIT\s+CHANGES\b/i.test(body);
    switch (mode) {
      case 'normal': {
        const rows = behaviour.rows ?? 2;
        for (let i = 0; i < rows; i++) {
          if (!(await write(res, `{"row":{"columns":["o${i}",${i}.5]}},\n`))) return;
        }
        if (!push) res.end(']');
        return; // a push query stays open until the client goes away
      }
      case 'endless-line':
        if (!(await write(res, '{"row":{"columns":["'))) return;
        return writeForever(res, Buffer.alloc(64 * 1024, 'x'));
      case 'flood':
        return writeForever(res, Buffer.from('{"row":{"columns":["o",1.5]}},\n'.repeat(2048)));
      case 'huge-body': {
        const unit = Buffer.from('{"row":{"columns":["o",1.5]}},\n'.repeat(2048));
        if (!(await writeSized(res, behaviour.hugeBodyBytes ?? 100 * 1024 * 1024, unit))) return;
        res.end('{"row":{"columns":["last",2.5]}}]');
        return;
      }
      case 'slow-drip': {
        const row = Buffer.from('{"row":{"columns":["drip",1.5]}},\n');
        for (let i = 0; ; i = (i + 1) % row.length) {
          await new Promise((r) => setTimeout(r, behaviour.dripIntervalMs ?? 50));
          if (!(await write(res, row.subarray(i, i + 1)))) return;
        }
      }
    }
  };

  const onKsql = async (body: string, res: ServerResponse): Promise<void> => {
    const mode = behaviour.ksql ?? 'normal';
    let statement = '';
    try {
      const { ksql } = JSON.parse(body) as { ksql?: unknown };
      if (typeof ksql === 'string') statement = ksql;
    } catch {
      // a broken request body gets the default answer
    }
    if (mode === 'html-502') return writeHtml502(res);
    if (mode === 'huge-body') {
      // A valid entity array whose one message is huge, sent chunked (no
      // content-length), so only a reader that counts bytes can stop it.
      res.writeHead(200, { 'content-type': 'application/json' });
      const head = `[{"@type":"currentStatus","statementText":${JSON.stringify(statement)},"commandId":"c","commandStatus":{"status":"SUCCESS","message":"`;
      if (!(await write(res, head))) return;
      if (!(await writeSized(res, behaviour.hugeBodyBytes ?? 100 * 1024 * 1024, Buffer.alloc(64 * 1024, 'x')))) return;
      res.end('"},"commandSequenceNumber":1,"warnings":[]}]');
      return;
    }
    const upper = statement.toUpperCase();
    if (mode === 'wrong-catalog') return writeJson(res, 200, [currentStatus(statement)]);
    if (upper.includes('LIST STREAMS EXTENDED') || upper.includes('LIST TABLES EXTENDED')) {
      const listings = [];
      if (upper.includes('LIST STREAMS EXTENDED')) {
        listings.push({ '@type': 'source_descriptions', statementText: 'LIST STREAMS EXTENDED;', sourceDescriptions: [ORDERS_DESCRIPTION], warnings: [] });
      }
      if (upper.includes('LIST TABLES EXTENDED')) {
        listings.push({ '@type': 'source_descriptions', statementText: 'LIST TABLES EXTENDED;', sourceDescriptions: [], warnings: [] });
      }
      return writeJson(res, 200, listings);
    }
    if (upper.includes('SHOW PROPERTIES')) {
      return writeJson(res, 200, [
        { '@type': 'properties', statementText: 'SHOW PROPERTIES;', properties: [], overwrittenProperties: [], defaultProperties: [], warnings: [] },
      ]);
    }
    return writeJson(res, 200, [currentStatus(statement)]);
  };

  const server = createServer((req, res) => {
    void (async () => {
      const body = await readBody(req);
      const url = req.url ?? '';
      if (url === '/__hostile' && req.method === 'POST') {
        behaviour = JSON.parse(body) as HostileBehaviour;
        return writeJson(res, 200, { ok: true });
      }
      if (url === '/__hostile/release' && req.method === 'POST') {
        release();
        return writeJson(res, 200, { ok: true });
      }
      requests.push({ method: req.method ?? '', url, body });
      switch (url) {
        case '/healthcheck':
          return writeJson(res, 200, {
            isHealthy: true,
            details: { metastore: { isHealthy: true }, kafka: { isHealthy: true }, commandRunner: { isHealthy: true } },
            serverState: 'READY',
          });
        case '/info':
          return writeJson(res, 200, {
            KsqlServerInfo: { version: '0.29.0', kafkaClusterId: 'hostile', ksqlServiceId: 'hostile_', serverStatus: 'RUNNING' },
          });
        case '/query':
          return onQuery(body, res);
        case '/ksql':
          return onKsql(body, res);
        case '/close-query':
          res.writeHead(200);
          return res.end();
        default:
          res.writeHead(404);
          return res.end('Not Found');
      }
    })().catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(500);
      res.end(String(err));
    });
  });
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  function release(): void {
    isHeld = false;
    for (const w of releaseWaiters.splice(0)) w();
  }

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    behave(next) {
      behaviour = next;
    },
    get bytesSent() {
      return bytesSent;
    },
    get openQueries() {
      return openQueries.size;
    },
    held: () => (isHeld ? Promise.resolve() : new Promise<void>((resolve) => heldWaiters.push(resolve))),
    release,
    queriesClosed: () =>
      openQueries.size === 0 ? Promise.resolve() : new Promise<void>((resolve) => closedWaiters.push(resolve)),
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of openQueries) stopped.add(res);
        release();
        heldWaiters = [];
        closedWaiters.splice(0).forEach((w) => w());
        releaseWaiters = [];
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

// As a process (measurements): print the URL, serve until killed.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const fake = await startHostileKsql();
  process.stdout.write(`${fake.url}\n`);
  const stop = () => void fake.close().then(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}
