/**
 * The ksqlDB backend contract: one behavioural suite that every backend the
 * gateway can talk to must pass (modelled on hono's
 * `router/common.case.test.ts` `runTest({ newRouter, skip })`). It runs
 * against the embedded engine on every run (`embedded.test.ts`) and against
 * a real ksqlDB when `KSQLDB_URL` is set (`real-ksqldb.test.ts`).
 *
 * Every case asserts behaviour a real ksqlDB server has, as its source
 * (https://github.com/confluentinc/ksql, `ksqldb-rest-app`) implements it.
 * Behaviour only the embedded engine has (`/topics/...`) lives in the
 * "embedded engine extensions" group, which real ksqlDB runs skip.
 *
 * Two views of the same server:
 * - raw `fetch`/`node:http` (see wire.ts) where the bytes are the subject:
 *   status codes, headers, `@type`s, error bodies, `/query` framing;
 * - the gateway's own client (`createKsqlClient`) where the typed view is.
 *
 * Backends may be shared by the whole file and by earlier runs (a real
 * ksqlDB), so every case creates its own sources with names unique to the
 * run, and never runs anything cluster-wide (`/ksql/terminate`, TERMINATE
 * ALL). Sources created here are dropped, best effort, after the suite.
 *
 * @module
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createKsqlClient,
  KsqlServerError,
  type KsqlClient,
  type QueryEvent,
} from '../../src/gateway/ksql-client/index.js';
import {
  isJsonNumber,
  type CommandStatusEntity,
  type KafkaTopicsListEntity,
  type KsqlEntity,
  type PropertiesListEntity,
  type QueriesEntity,
  type RunningQuery,
  type SourceDescriptionEntity,
  type StreamsListEntity,
  type TablesListEntity,
  type WarningEntity,
} from '../../src/protocol/index.js';
import {
  eventually,
  mediaType,
  nodeRequest,
  openStream,
  request,
  sleep,
  streamedElements,
  type OpenStream,
  type RawResponse,
} from './wire.js';

/** A running backend: a ksqlDB REST base URL, and how to stop it. */
export interface KsqlBackend {
  /** Base URL without a trailing slash, e.g. `http://127.0.0.1:41234`. */
  readonly url: string;
  close(): Promise<void>;
}

export interface KsqlBackendContractOptions {
  /** Title of the top-level `describe`. */
  readonly name: string;
  /** Starts (or connects to) the backend; called once, before the first case. */
  readonly start: () => Promise<KsqlBackend>;
  /**
   * Cases to skip, each with the reason it does not apply to this backend.
   * A key names a group (`'/query-stream'`), or one case as
   * `'<group> > <case>'`. A key that names nothing fails the suite, so
   * skips cannot outlive the cases they were written for.
   * @default {}
   */
  readonly skip?: Readonly<Record<string, string>> | undefined;
}

/** The group the embedded-only cases live in; real ksqlDB runs skip it. */
export const EXTENSIONS_GROUP = 'embedded engine extensions';

const V1_JSON = 'application/vnd.ksql.v1+json';
const JSON_TYPE = 'application/json';
const DELIMITED = 'application/vnd.ksqlapi.delimited.v1';
const QUERY_ENDPOINT_MESSAGE =
  "The following statement types should be issued to the websocket endpoint '/query':\n\t* PRINT\n\t* SELECT";
/** Two more than Number.MAX_SAFE_INTEGER: a double rounds it to ...992. */
const BIG = '9007199254740993';

/** The keys every ksqlDB error body has (`KsqlErrorMessage`). */
const GENERIC_ERROR_KEYS = ['@type', 'error_code', 'message'];
const STATEMENT_ERROR_KEYS = ['@type', 'entities', 'error_code', 'message', 'statementText'];

interface Source {
  readonly name: string;
  readonly topic: string;
  /** The CREATE statement, exactly as sent. */
  readonly sql: string;
  /** The entities the CREATE returned. */
  readonly entities: KsqlEntity[];
}

const RUN = Math.random().toString(36).slice(2, 8).toUpperCase();

export function runKsqlBackendContract({ name, start, skip = {} }: KsqlBackendContractOptions): void {
  describe(name, () => {
    let backend: KsqlBackend | undefined;
    let ksqlClient: KsqlClient | undefined;
    let seq = 0;
    const created: Array<{ kind: 'STREAM' | 'TABLE'; name: string }> = [];

    beforeAll(async () => {
      backend = await start();
      ksqlClient = createKsqlClient({ baseUrl: backend.url, requestTimeoutMs: 20_000 });
    });

    afterAll(async () => {
      try {
        if (backend !== undefined) {
          for (const source of created.reverse()) {
            await request(backend.url, '/ksql', {
              headers: { accept: V1_JSON, 'content-type': JSON_TYPE },
              body: JSON.stringify({ ksql: `DROP ${source.kind} IF EXISTS ${source.name} DELETE TOPIC;` }),
            }).catch(() => undefined);
          }
        }
      } finally {
        await ksqlClient?.close();
        await backend?.close();
      }
    });

    // ------------------------------------------------------------ registry

    const known = new Set<string>();
    let currentGroup: string | undefined;

    function group(title: string, body: () => void): void {
      known.add(title);
      describe(title, () => {
        currentGroup = title;
        try {
          body();
        } finally {
          currentGroup = undefined;
        }
      });
    }

    function test(title: string, fn: () => Promise<void>, timeoutMs?: number): void {
      const groupTitle = currentGroup;
      const full = groupTitle === undefined ? title : `${groupTitle} > ${title}`;
      known.add(full);
      const reason = skip[full] ?? (groupTitle === undefined ? undefined : skip[groupTitle]);
      it(
        title,
        async (ctx) => {
          if (reason !== undefined) ctx.skip(reason);
          await fn();
        },
        timeoutMs,
      );
    }

    // ------------------------------------------------------------- helpers

    function url(): string {
      if (backend === undefined) throw new Error('the backend did not start');
      return backend.url;
    }

    function client(): KsqlClient {
      if (ksqlClient === undefined) throw new Error('the backend did not start');
      return ksqlClient;
    }

    function unique(tag: string): string {
      seq += 1;
      return `CT_${RUN}_${seq}_${tag}`;
    }

    /** `accept` null: no Accept header (undefined would take the default). */
    function postJson(path: string, body: unknown, accept: string | null = V1_JSON): Promise<RawResponse> {
      return request(url(), path, {
        headers: { 'content-type': JSON_TYPE, ...(accept === null ? {} : { accept }) },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      });
    }

    /** `POST /ksql` that must succeed; a failure shows ksqlDB's body. */
    async function ksqlOk(sql: string, streamsProperties?: Record<string, unknown>): Promise<KsqlEntity[]> {
      const res = await postJson('/ksql', streamsProperties === undefined ? { ksql: sql } : { ksql: sql, streamsProperties });
      if (res.status !== 200) throw new Error(`/ksql ${JSON.stringify(sql)} failed: HTTP ${res.status} ${res.text}`);
      return JSON.parse(res.text) as KsqlEntity[];
    }

    async function createStream(columns = 'K STRING KEY, V INT', tag = 'S'): Promise<Source> {
      const sourceName = unique(tag);
      const topic = sourceName.toLowerCase();
      const sql = `CREATE STREAM ${sourceName} (${columns}) WITH (kafka_topic='${topic}', value_format='JSON', partitions=1);`;
      created.push({ kind: 'STREAM', name: sourceName });
      return { name: sourceName, topic, sql, entities: await ksqlOk(sql) };
    }

    async function createTable(columns = 'ID STRING PRIMARY KEY, V INT', tag = 'T'): Promise<Source> {
      const sourceName = unique(tag);
      const topic = sourceName.toLowerCase();
      const sql = `CREATE TABLE ${sourceName} (${columns}) WITH (kafka_topic='${topic}', value_format='JSON', partitions=1);`;
      created.push({ kind: 'TABLE', name: sourceName });
      return { name: sourceName, topic, sql, entities: await ksqlOk(sql) };
    }

    /** `INSERT INTO name (columns) VALUES (row);` for each row, in one request, in order. */
    async function insert(source: string, columns: string, ...rows: string[]): Promise<void> {
      const entities = await ksqlOk(rows.map((row) => `INSERT INTO ${source} (${columns}) VALUES (${row});`).join('\n'));
      expect(entities).toEqual([]);
    }

    /** A table materialised by CREATE TABLE AS SELECT, holding ('a', 1) and ('b', 2). */
    async function createMaterializedTable(): Promise<{ table: Source; queryId: string; sql: string; entity: CommandStatusEntity }> {
      const base = await createTable();
      await insert(base.name, 'ID, V', `'a', 1`, `'b', 2`);
      const tableName = unique('QT');
      const topic = tableName.toLowerCase();
      const sql = `CREATE TABLE ${tableName} WITH (kafka_topic='${topic}', partitions=1) AS SELECT * FROM ${base.name};`;
      created.push({ kind: 'TABLE', name: tableName });
      const entities = await ksqlOk(sql, { 'ksql.streams.auto.offset.reset': 'earliest' });
      expect(entities).toHaveLength(1);
      const entity = entities[0] as CommandStatusEntity;
      const queryId = entity.commandStatus.queryId ?? '';
      return { table: { name: tableName, topic, sql, entities }, queryId, sql, entity };
    }

    async function showQueries(): Promise<RunningQuery[]> {
      const [entity] = (await ksqlOk('SHOW QUERIES;')) as QueriesEntity[];
      expect(entity?.['@type']).toBe('queries');
      return entity?.queries ?? [];
    }

    function openQuery(
      ksql: string,
      streamsProperties?: Record<string, unknown>,
      accept: string = V1_JSON,
    ): Promise<OpenStream> {
      return openStream(
        url(),
        '/query',
        { 'content-type': JSON_TYPE, accept },
        JSON.stringify(streamsProperties === undefined ? { ksql } : { ksql, streamsProperties }),
      );
    }

    /** The queryId of a `/query` body's header element. */
    function queryIdOf(text: string): string {
      const match = /^\[\{"header":\{"queryId":"([^"]+)"/.exec(text);
      if (match === null) throw new Error(`no header element at the start of ${JSON.stringify(text)}`);
      return match[1]!;
    }

    /**
     * Inserts `('warm', i)` every 500 ms until `arrived()` says a row reached
     * the query. A push query from `latest` only sees records produced after
     * its consumer has its partitions, which on a real ksqlDB is a while
     * after the header; the embedded engine should need one row.
     */
    async function warmUp(source: string, arrived: () => boolean): Promise<number> {
      for (let i = 0; i < 40; i++) {
        await insert(source, 'K, V', `'warm', ${i}`);
        for (let t = 0; t < 10; t++) {
          if (arrived()) return i + 1;
          await sleep(50);
        }
      }
      throw new Error('no warm-up row reached the push query in 20 s');
    }

    function expectGenericError(res: RawResponse, status: number, errorCode: number): Record<string, unknown> {
      expect({ status: res.status, body: res.text }).toMatchObject({ status });
      const body = JSON.parse(res.text) as Record<string, unknown>;
      expect(Object.keys(body).sort()).toEqual(GENERIC_ERROR_KEYS);
      expect(body).toMatchObject({ '@type': 'generic_error', error_code: errorCode });
      expect(typeof body['message']).toBe('string');
      return body;
    }

    function expectStatementError(res: RawResponse, errorCode: number, statementText: string): Record<string, unknown> {
      expect({ status: res.status, body: res.text }).toMatchObject({ status: 400 });
      const body = JSON.parse(res.text) as Record<string, unknown>;
      expect(Object.keys(body).sort()).toEqual(STATEMENT_ERROR_KEYS);
      expect(body).toMatchObject({ '@type': 'statement_error', error_code: errorCode, statementText, entities: [] });
      expect(typeof body['message']).toBe('string');
      expect(body['message']).not.toBe('');
      return body;
    }

    const ENTITY_KEYS = ['@type', 'statementText', 'warnings'];
    const COMMAND_STATUS_KEYS = [...ENTITY_KEYS, 'commandId', 'commandStatus', 'commandSequenceNumber'];

    function expectKeys(value: unknown, keys: readonly string[]): void {
      expect(value).toBeTypeOf('object');
      for (const key of keys) expect(value, `missing "${key}"`).toHaveProperty([key]);
    }

    function expectCommandStatus(
      entity: KsqlEntity | undefined,
      statementText: string,
      commandId: string,
      message: string | RegExp,
      queryId: string | null | RegExp = null,
    ): void {
      expectKeys(entity, COMMAND_STATUS_KEYS);
      expect(entity).toMatchObject({
        '@type': 'currentStatus',
        statementText,
        commandId,
        commandStatus: {
          status: 'SUCCESS',
          message: typeof message === 'string' ? message : expect.stringMatching(message),
          queryId: queryId instanceof RegExp ? expect.stringMatching(queryId) : queryId,
        },
        warnings: [],
      });
      expect(Object.keys((entity as CommandStatusEntity).commandStatus).sort()).toEqual(['message', 'queryId', 'status']);
      expect((entity as CommandStatusEntity).commandSequenceNumber).toBeTypeOf('number');
    }

    const schemaInfo = (type: string) => ({ type, fields: null, memberSchema: null });

    // =============================================================== cases

    group('routing and negotiation', () => {
      test('GET / redirects to /info with 307', async () => {
        const res = await request(url(), '/');
        expect(res.status).toBe(307);
        expect(res.headers.get('location')).toBe('/info');
      });

      test('an unknown path is 404 with the plain body "Not Found" and no Content-Type', async () => {
        for (const path of ['/no-such-route', '/ksql/no-such-route']) {
          const res = await request(url(), path, { headers: { accept: V1_JSON } });
          expect({ path, status: res.status, body: res.text }).toEqual({ path, status: 404, body: 'Not Found' });
          expect(res.headers.get('content-type')).toBeNull();
        }
      });

      test('a known path with the wrong method is 404 "Not Found"', async () => {
        for (const path of ['/ksql', '/query', '/close-query']) {
          const res = await request(url(), path, { method: 'GET', headers: { accept: V1_JSON } });
          expect({ path, status: res.status, body: res.text }).toEqual({ path, status: 404, body: 'Not Found' });
        }
        const res = await request(url(), '/info', { method: 'POST', headers: { accept: V1_JSON }, body: '{}' });
        expect({ status: res.status, body: res.text }).toEqual({ status: 404, body: 'Not Found' });
      });

      test('an Accept header the route does not produce is 404 "Not Found"', async () => {
        const source = await createStream();
        const cases: Array<[string, unknown]> = [
          ['/ksql', { ksql: 'SHOW STREAMS;' }],
          ['/query', { ksql: `SELECT * FROM ${source.name} EMIT CHANGES LIMIT 1;` }],
          ['/info', undefined],
        ];
        for (const [path, body] of cases) {
          const res =
            body === undefined
              ? await request(url(), path, { headers: { accept: 'text/html' } })
              : await postJson(path, body, 'text/html');
          expect({ path, status: res.status, body: res.text }).toEqual({ path, status: 404, body: 'Not Found' });
        }
      });
    });

    group('small endpoints', () => {
      test('GET /info returns {"KsqlServerInfo":{...}} as application/json', async () => {
        const res = await request(url(), '/info', { headers: { accept: V1_JSON } });
        expect(res.status).toBe(200);
        expect(mediaType(res.headers.get('content-type'))).toBe(JSON_TYPE);
        const body = JSON.parse(res.text) as Record<string, unknown>;
        expect(Object.keys(body)).toEqual(['KsqlServerInfo']);
        expect(body['KsqlServerInfo']).toMatchObject({
          version: expect.any(String),
          kafkaClusterId: expect.any(String),
          ksqlServiceId: expect.any(String),
          serverStatus: 'RUNNING',
        });
      });

      test('GET /healthcheck is 200 with isHealthy, per-component details and serverState', async () => {
        const res = await request(url(), '/healthcheck', { headers: { accept: V1_JSON } });
        expect(res.status).toBe(200);
        expect(mediaType(res.headers.get('content-type'))).toBe(JSON_TYPE);
        expect(JSON.parse(res.text)).toMatchObject({
          isHealthy: true,
          details: {
            metastore: { isHealthy: true },
            kafka: { isHealthy: true },
            commandRunner: { isHealthy: true },
          },
          serverState: 'READY',
        });
      });

      test('GET /status of an unknown command is 404 generic_error 40400 "Command not found"', async () => {
        const res = await request(url(), `/status/stream/%60${unique('NOPE')}%60/create`, { headers: { accept: V1_JSON } });
        const body = expectGenericError(res, 404, 40400);
        expect(body['message']).toBe('Command not found');
      });

      test('GET /status/{type}/{entity}/{action} takes the backticks percent-encoded', async () => {
        const source = await createStream();
        const commandId = `stream/\`${source.name}\`/create`;
        expect((source.entities[0] as CommandStatusEntity).commandId).toBe(commandId);
        const res = await request(url(), `/status/stream/%60${source.name}%60/create`, { headers: { accept: V1_JSON } });
        expect({ status: res.status, body: res.text }).toMatchObject({ status: 200 });
        expect(mediaType(res.headers.get('content-type'))).toBe(JSON_TYPE);
        expect(JSON.parse(res.text)).toEqual({ status: 'SUCCESS', message: 'Stream created', queryId: null });
      });

      test('GET /status lists every command status by commandId', async () => {
        const source = await createStream();
        const res = await request(url(), '/status', { headers: { accept: V1_JSON } });
        expect(res.status).toBe(200);
        const body = JSON.parse(res.text) as { commandStatuses: Record<string, string> };
        expect(Object.keys(body)).toEqual(['commandStatuses']);
        expect(body.commandStatuses[`stream/\`${source.name}\`/create`]).toBe('SUCCESS');
      });
    });

    group('POST /ksql: requests and errors', () => {
      test('responses are labelled application/json whichever JSON type was accepted', async () => {
        for (const accept of [V1_JSON, JSON_TYPE, '*/*']) {
          const res = await postJson('/ksql', { ksql: 'SHOW STREAMS;' }, accept);
          expect({ accept, status: res.status }).toEqual({ accept, status: 200 });
          expect({ accept, type: mediaType(res.headers.get('content-type')) }).toEqual({ accept, type: JSON_TYPE });
        }
        const res = await nodeRequest(url(), '/ksql', {
          method: 'POST',
          headers: { 'content-type': JSON_TYPE },
          body: JSON.stringify({ ksql: 'SHOW STREAMS;' }),
        });
        expect(res.status).toBe(200);
        expect(mediaType(res.headers['content-type'])).toBe(JSON_TYPE);
      });

      test('invalid JSON is 400 generic_error 40000 "Invalid JSON in request: ..."', async () => {
        for (const path of ['/ksql', '/query']) {
          const res = await postJson(path, '{"ksql": "SHOW STREAMS;"');
          const body = expectGenericError(res, 400, 40000);
          expect({ path, message: body['message'] }).toEqual({
            path,
            message: expect.stringMatching(/^Invalid JSON in request: /),
          });
        }
      });

      test('an empty or missing ksql string executes nothing and returns []', async () => {
        for (const body of [{ ksql: '' }, {}]) {
          const res = await postJson('/ksql', body);
          expect({ sent: body, status: res.status, body: res.text }).toMatchObject({ status: 200 });
          expect(JSON.parse(res.text)).toEqual([]);
        }
      });

      test('unknown request fields are ignored', async () => {
        const res = await postJson('/ksql', { ksql: 'SHOW STREAMS;', noSuchField: { a: 1 } });
        expect(res.status).toBe(200);
        expect(JSON.parse(res.text)).toMatchObject([{ '@type': 'streams' }]);
      });

      test('a syntax error is 400 statement_error 40001 carrying the statement text', async () => {
        const sql = 'CREATE STREAM WITH;';
        expectStatementError(await postJson('/ksql', { ksql: sql }), 40001, sql);
      });

      test('a statement without its terminating semicolon is 400 statement_error 40001', async () => {
        const sql = 'SHOW STREAMS';
        expectStatementError(await postJson('/ksql', { ksql: sql }), 40001, sql);
      });

      test('a reference to an unknown source is 400 statement_error 40001', async () => {
        const sql = `DESCRIBE ${unique('NOPE')};`;
        expectStatementError(await postJson('/ksql', { ksql: sql }), 40001, sql);
      });

      test('CREATE of an existing name (without IF NOT EXISTS) is 400 statement_error 40001', async () => {
        const source = await createStream();
        expectStatementError(await postJson('/ksql', { ksql: source.sql }), 40001, source.sql);
      });

      test('statement errors are labelled application/json; failure-handler errors carry no Content-Type', async () => {
        // Statement errors go through OldApiUtils, which always labels its responses.
        const statement = await postJson('/ksql', { ksql: `DESCRIBE ${unique('NOPE')};` });
        expect(statement.status).toBe(400);
        expect(mediaType(statement.headers.get('content-type'))).toBe(JSON_TYPE);
        // Vert.x's FailureHandler writes the error JSON with no Content-Type at all.
        const failures: Array<[string, RawResponse]> = [
          ['invalid JSON on /ksql', await postJson('/ksql', '{"ksql":')],
          ['unknown id on /close-query', await postJson('/close-query', { queryId: `transient_${unique('NOPE')}_1` }, null)],
          ['unknown source on /query', await postJson('/query', { ksql: `SELECT * FROM ${unique('NOPE')} EMIT CHANGES;` })],
        ];
        expect(failures.map(([what, res]) => ({ what, status: res.status, contentType: res.headers.get('content-type') }))).toEqual(
          failures.map(([what]) => ({ what, status: 400, contentType: null })),
        );
      });

      test('SELECT is refused with 400 statement_error 40002 and the exact message', async () => {
        const source = await createStream();
        for (const sql of [`SELECT * FROM ${source.name} EMIT CHANGES;`, `SELECT * FROM ${source.name};`]) {
          const body = expectStatementError(await postJson('/ksql', { ksql: sql }), 40002, sql);
          expect(body['message']).toBe(QUERY_ENDPOINT_MESSAGE);
        }
      });

      test('a batch with a SELECT in it executes none of its statements', async () => {
        const existing = await createStream();
        const sourceName = unique('NEVER');
        created.push({ kind: 'STREAM', name: sourceName });
        const create = `CREATE STREAM ${sourceName} (K STRING KEY, V INT) WITH (kafka_topic='${sourceName.toLowerCase()}', value_format='JSON', partitions=1);`;
        const select = `SELECT * FROM ${existing.name} EMIT CHANGES;`;
        const body = expectStatementError(await postJson('/ksql', { ksql: `${create} ${select}` }), 40002, select);
        expect(body['message']).toBe(QUERY_ENDPOINT_MESSAGE);
        const describeSql = `DESCRIBE ${sourceName};`;
        expectStatementError(await postJson('/ksql', { ksql: describeSql }), 40001, describeSql);
      });
    });

    group('POST /ksql: entities', () => {
      test('CREATE STREAM returns currentStatus with a backticked commandId and "Stream created"', async () => {
        const source = await createStream();
        expect(source.entities).toHaveLength(1);
        expectCommandStatus(source.entities[0], source.sql, `stream/\`${source.name}\`/create`, 'Stream created');
      });

      test('CREATE TABLE returns currentStatus with a table commandId and "Table created"', async () => {
        const table = await createTable();
        expect(table.entities).toHaveLength(1);
        expectCommandStatus(table.entities[0], table.sql, `table/\`${table.name}\`/create`, 'Table created');
      });

      test('CREATE ... IF NOT EXISTS of an existing stream returns a warning_entity', async () => {
        const source = await createStream();
        const sql = source.sql.replace('CREATE STREAM', 'CREATE STREAM IF NOT EXISTS');
        const entities = await ksqlOk(sql);
        expect(entities).toHaveLength(1);
        const entity = entities[0] as WarningEntity;
        expectKeys(entity, [...ENTITY_KEYS, 'message']);
        expect(entity).toMatchObject({
          '@type': 'warning_entity',
          statementText: sql,
          message: `Cannot add stream \`${source.name}\`: A stream with the same name already exists.`,
        });
      });

      test('a request returns one entity per statement, in order; later statements see earlier ones', async () => {
        const sourceName = unique('S');
        const topic = sourceName.toLowerCase();
        created.push({ kind: 'STREAM', name: sourceName });
        const create = `CREATE STREAM ${sourceName} (K STRING KEY, V INT) WITH (kafka_topic='${topic}', value_format='JSON', partitions=1);`;
        const entities = await ksqlOk(`${create}\nSHOW STREAMS;`);
        expect(entities.map((e) => e['@type'])).toEqual(['currentStatus', 'streams']);
        expectCommandStatus(entities[0], create, `stream/\`${sourceName}\`/create`, 'Stream created');
        expect(entities[1]).toMatchObject({ statementText: 'SHOW STREAMS;', warnings: [] });
        expect((entities[1] as StreamsListEntity).streams).toContainEqual({
          type: 'STREAM',
          name: sourceName,
          topic,
          keyFormat: 'KAFKA',
          valueFormat: 'JSON',
          isWindowed: false,
        });
      });

      test('INSERT INTO ... VALUES produces no entity', async () => {
        const source = await createStream();
        const insertSql = `INSERT INTO ${source.name} (K, V) VALUES ('a', 1);`;
        expect(await ksqlOk(insertSql)).toEqual([]);
        const entities = await ksqlOk(`${insertSql} SHOW STREAMS;`);
        expect(entities.map((e) => e['@type'])).toEqual(['streams']);
      });

      test('SHOW STREAMS and LIST STREAMS list streams, not tables', async () => {
        const stream = await createStream();
        const table = await createTable();
        for (const sql of ['SHOW STREAMS;', 'LIST STREAMS;']) {
          const entities = await ksqlOk(sql);
          expect(entities).toHaveLength(1);
          const entity = entities[0] as StreamsListEntity;
          expectKeys(entity, [...ENTITY_KEYS, 'streams']);
          expect(entity).toMatchObject({ '@type': 'streams', statementText: sql, warnings: [] });
          expect(entity.streams).toContainEqual({
            type: 'STREAM',
            name: stream.name,
            topic: stream.topic,
            keyFormat: 'KAFKA',
            valueFormat: 'JSON',
            isWindowed: false,
          });
          expect(entity.streams.map((s) => s.name)).not.toContain(table.name);
        }
      });

      test('SHOW TABLES lists tables, not streams', async () => {
        const stream = await createStream();
        const table = await createTable();
        const entities = await ksqlOk('SHOW TABLES;');
        expect(entities).toHaveLength(1);
        const entity = entities[0] as TablesListEntity;
        expectKeys(entity, [...ENTITY_KEYS, 'tables']);
        expect(entity).toMatchObject({ '@type': 'tables', statementText: 'SHOW TABLES;', warnings: [] });
        expect(entity.tables).toContainEqual({
          type: 'TABLE',
          name: table.name,
          topic: table.topic,
          keyFormat: 'KAFKA',
          valueFormat: 'JSON',
          isWindowed: false,
        });
        expect(entity.tables.map((t) => t.name)).not.toContain(stream.name);
      });

      test('SHOW TOPICS lists the topics of created sources with per-partition replica counts', async () => {
        const stream = await createStream();
        const entities = await ksqlOk('SHOW TOPICS;');
        expect(entities).toHaveLength(1);
        const entity = entities[0] as KafkaTopicsListEntity;
        expectKeys(entity, [...ENTITY_KEYS, 'topics']);
        expect(entity).toMatchObject({ '@type': 'kafka_topics', statementText: 'SHOW TOPICS;', warnings: [] });
        const topic = entity.topics.find((t) => t.name === stream.topic);
        expect(topic, `${stream.topic} in ${JSON.stringify(entity.topics)}`).toBeDefined();
        expect(Object.keys(topic!).sort()).toEqual(['name', 'replicaInfo']);
        expect(topic!.replicaInfo).toHaveLength(1);
        expect(topic!.replicaInfo[0]).toBeGreaterThanOrEqual(1);
      });

      test('SHOW PROPERTIES returns the properties entity', async () => {
        const entities = await ksqlOk('SHOW PROPERTIES;');
        expect(entities).toHaveLength(1);
        const entity = entities[0] as PropertiesListEntity;
        expectKeys(entity, [...ENTITY_KEYS, 'properties', 'overwrittenProperties', 'defaultProperties']);
        expect(entity).toMatchObject({ '@type': 'properties', statementText: 'SHOW PROPERTIES;', warnings: [] });
        expect(Array.isArray(entity.overwrittenProperties)).toBe(true);
        expect(Array.isArray(entity.defaultProperties)).toBe(true);
        expect(entity.properties.length).toBeGreaterThan(0);
        for (const p of entity.properties) {
          expect(p).toMatchObject({
            name: expect.any(String),
            scope: expect.stringMatching(/^(KSQL|EMBEDDED CONNECT WORKER)$/),
            editable: expect.any(Boolean),
            level: expect.stringMatching(/^(QUERY|SERVER)$/),
          });
          expect(p).toHaveProperty(['value']);
          expect(p.value === null || typeof p.value === 'string').toBe(true);
        }
      });

      test('DESCRIBE returns a sourceDescription; only key fields carry type KEY', async () => {
        const source = await createStream('K STRING KEY, V INT, D DOUBLE');
        const sql = `DESCRIBE ${source.name};`;
        const entities = await ksqlOk(sql);
        expect(entities).toHaveLength(1);
        const entity = entities[0] as SourceDescriptionEntity;
        expectKeys(entity, [...ENTITY_KEYS, 'sourceDescription']);
        expect(entity).toMatchObject({ '@type': 'sourceDescription', statementText: sql, warnings: [] });
        const d = entity.sourceDescription;
        expectKeys(d, SOURCE_DESCRIPTION_KEYS);
        expect(d).toMatchObject({
          name: source.name,
          windowType: null,
          readQueries: [],
          writeQueries: [],
          type: 'STREAM',
          timestamp: '',
          statistics: '',
          errorStats: '',
          extended: false,
          keyFormat: 'KAFKA',
          valueFormat: 'JSON',
          topic: source.topic,
          statement: expect.any(String),
          partitions: expect.any(Number),
          replication: expect.any(Number),
        });
        expect(d.fields).toStrictEqual([
          { name: 'K', schema: schemaInfo('STRING'), type: 'KEY' },
          { name: 'V', schema: schemaInfo('INTEGER') },
          { name: 'D', schema: schemaInfo('DOUBLE') },
        ]);
      });

      test('DESCRIBE EXTENDED returns an extended sourceDescription with the topic partitions', async () => {
        const source = await createStream();
        const sql = `DESCRIBE ${source.name} EXTENDED;`;
        const entities = await ksqlOk(sql);
        expect(entities).toHaveLength(1);
        const entity = entities[0] as SourceDescriptionEntity;
        expect(entity).toMatchObject({ '@type': 'sourceDescription', statementText: sql });
        const d = entity.sourceDescription;
        expectKeys(d, SOURCE_DESCRIPTION_KEYS);
        expect(d).toMatchObject({
          name: source.name,
          type: 'STREAM',
          extended: true,
          topic: source.topic,
          partitions: 1,
          statistics: expect.any(String),
          errorStats: expect.any(String),
        });
        expect(d.replication).toBeGreaterThanOrEqual(1);
        expect(d.fields).toStrictEqual([
          { name: 'K', schema: schemaInfo('STRING'), type: 'KEY' },
          { name: 'V', schema: schemaInfo('INTEGER') },
        ]);
      });

      test('DROP STREAM and DROP TABLE return currentStatus with unquoted commandIds', async () => {
        const stream = await createStream();
        const table = await createTable();
        const dropStream = `DROP STREAM ${stream.name};`;
        const [streamEntity] = await ksqlOk(dropStream);
        expectCommandStatus(
          streamEntity,
          dropStream,
          `stream/${stream.name}/drop`,
          `Source \`${stream.name}\` (topic: ${stream.topic}) was dropped.`,
        );
        const dropTable = `DROP TABLE ${table.name};`;
        const [tableEntity] = await ksqlOk(dropTable);
        expectCommandStatus(
          tableEntity,
          dropTable,
          `table/${table.name}/drop`,
          `Source \`${table.name}\` (topic: ${table.topic}) was dropped.`,
        );
        const [streams] = (await ksqlOk('SHOW STREAMS;')) as StreamsListEntity[];
        expect(streams?.streams.map((s) => s.name)).not.toContain(stream.name);
        const [tables] = (await ksqlOk('SHOW TABLES;')) as TablesListEntity[];
        expect(tables?.tables.map((t) => t.name)).not.toContain(table.name);
      });

      test('DROP STREAM IF EXISTS of a missing stream succeeds with "does not exist"', async () => {
        const missing = unique('GONE');
        const sql = `DROP STREAM IF EXISTS ${missing};`;
        const entities = await ksqlOk(sql);
        expect(entities).toHaveLength(1);
        expectCommandStatus(entities[0], sql, `stream/${missing}/drop`, `Source \`${missing}\` does not exist.`);
      });

      test('CREATE TABLE AS SELECT starts a persistent query that SHOW QUERIES lists', async () => {
        const { table, queryId, sql, entity } = await createMaterializedTable();
        expectCommandStatus(
          entity,
          sql,
          `table/\`${table.name}\`/create`,
          new RegExp(`^Created query with ID CTAS_${table.name}_\\d+$`),
          new RegExp(`^CTAS_${table.name}_\\d+$`),
        );
        expect(entity.commandStatus.message).toBe(`Created query with ID ${queryId}`);
        const queries = await eventually(
          showQueries,
          (qs) => qs.some((q) => q.id === queryId && q.state === 'RUNNING'),
          `${queryId} RUNNING in SHOW QUERIES`,
        );
        const query = queries.find((q) => q.id === queryId)!;
        expectKeys(query, RUNNING_QUERY_KEYS);
        expect(query).toMatchObject({
          queryType: 'PERSISTENT',
          sinks: [table.name],
          sinkKafkaTopics: [table.topic],
          queryString: expect.any(String),
          statusCount: { RUNNING: 1 },
        });
      });
    });

    group('POST /query: push queries', () => {
      test('the StreamedRow array is application/vnd.ksql.v1+json for no Accept, JSON and ksql JSON', async () => {
        const source = await createStream();
        await insert(source.name, 'K, V', `'a', 1`);
        const body = JSON.stringify({
          ksql: `SELECT * FROM ${source.name} EMIT CHANGES LIMIT 1;`,
          streamsProperties: { 'ksql.streams.auto.offset.reset': 'earliest' },
        });
        const absent = await nodeRequest(url(), '/query', { method: 'POST', headers: { 'content-type': JSON_TYPE }, body });
        expect({ status: absent.status, body: absent.text }).toMatchObject({ status: 200 });
        expect(mediaType(absent.headers['content-type'])).toBe(V1_JSON);
        expect(absent.text).toMatch(/^\[\{"header":/);
        for (const accept of [JSON_TYPE, V1_JSON]) {
          const q = await openStream(url(), '/query', { 'content-type': JSON_TYPE, accept }, body);
          const text = await q.body.end();
          expect({ accept, status: q.status }).toEqual({ accept, status: 200 });
          expect({ accept, type: mediaType(q.headers.get('content-type')) }).toEqual({ accept, type: V1_JSON });
          expect(text).toMatch(/^\[\{"header":/);
        }
      });

      test('LIMIT ends the stream: header, rows, Limit Reached, exact bytes', async () => {
        const source = await createStream();
        await insert(source.name, 'K, V', `'a', 1`, `'b', 2`, `'c', 3`);
        const q = await openQuery(`SELECT * FROM ${source.name} EMIT CHANGES LIMIT 2;`, {
          'ksql.streams.auto.offset.reset': 'earliest',
        });
        expect(q.status).toBe(200);
        const text = await q.body.end();
        const queryId = queryIdOf(text);
        expect(queryId).toMatch(new RegExp(`^transient_${source.name}_\\d+$`));
        expect(text).toBe(
          `[{"header":{"queryId":"${queryId}","schema":"\`K\` STRING, \`V\` INTEGER"}},\n` +
            `{"row":{"columns":["a",1]}},\n` +
            `{"row":{"columns":["b",2]}},\n` +
            `{"finalMessage":"Limit Reached"}]`,
        );
      });

      test('a projection names its columns in the header schema, in select order', async () => {
        const source = await createStream('K STRING KEY, V INT, D DOUBLE, S STRING');
        await insert(source.name, 'K, V, D, S', `'a', 1, 1.5, 'x'`);
        const q = await openQuery(`SELECT S, V, K FROM ${source.name} EMIT CHANGES LIMIT 1;`, {
          'ksql.streams.auto.offset.reset': 'earliest',
        });
        const text = await q.body.end();
        const queryId = queryIdOf(text);
        expect(text).toBe(
          `[{"header":{"queryId":"${queryId}","schema":"\`S\` STRING, \`V\` INTEGER, \`K\` STRING"}},\n` +
            `{"row":{"columns":["x",1,"a"]}},\n` +
            `{"finalMessage":"Limit Reached"}]`,
        );
      });

      test('a push query receives rows inserted after it started, each flushed as it arrives', async () => {
        const source = await createStream();
        await insert(source.name, 'K, V', `'before', 0`);
        const q = await openQuery(`SELECT * FROM ${source.name} EMIT CHANGES;`, {
          'ksql.streams.auto.offset.reset': 'latest',
        });
        try {
          expect(q.status).toBe(200);
          expect(mediaType(q.headers.get('content-type'))).toBe(V1_JSON);
          const head = await q.body.until((t) => t.includes('\n'), 'the header element');
          expect(head).toMatch(
            new RegExp(`^\\[\\{"header":\\{"queryId":"transient_${source.name}_\\d+","schema":"\`K\` STRING, \`V\` INTEGER"\\}\\},\\n`),
          );
          await warmUp(source.name, () => q.body.text.includes('"warm"'));
          await insert(source.name, 'K, V', `'after', 1`, `'after', 2`);
          // Unbuffered: the row and its separator are on the wire while the query is still open.
          const text = await q.body.until(
            (t) => t.includes('{"row":{"columns":["after",2]}},\n'),
            'the second row inserted after the start',
          );
          expect(text).toContain('{"row":{"columns":["after",1]}},\n{"row":{"columns":["after",2]}},\n');
          const rows = streamedElements(text).slice(1);
          for (const row of rows) expect(Object.keys(row)).toEqual(['row']);
          const keys = rows.map((r) => (r['row'] as { columns: unknown[] }).columns[0]);
          expect(keys).not.toContain('before');
          expect(new Set(keys)).toEqual(new Set(['warm', 'after']));
          expect(q.body.ended).toBe(false);
        } finally {
          q.body.close();
        }
      });

      test('streamsProperties auto.offset.reset=earliest replays rows written before the query', async () => {
        const source = await createStream();
        await insert(source.name, 'K, V', `'old', 7`);
        const q = await openQuery(`SELECT * FROM ${source.name} EMIT CHANGES LIMIT 1;`, {
          'ksql.streams.auto.offset.reset': 'earliest',
        });
        const text = await q.body.end();
        expect(streamedElements(text).slice(1)).toEqual([
          { row: { columns: ['old', 7] } },
          { finalMessage: 'Limit Reached' },
        ]);
      });

      test(`BIGINT ${BIG} is written exactly, digit for digit`, async () => {
        const source = await createStream('K STRING KEY, B BIGINT');
        await insert(source.name, 'K, B', `'pos', ${BIG}`, `'neg', -${BIG}`);
        const q = await openQuery(`SELECT * FROM ${source.name} EMIT CHANGES LIMIT 2;`, {
          'ksql.streams.auto.offset.reset': 'earliest',
        });
        const text = await q.body.end();
        const queryId = queryIdOf(text);
        expect(text).toBe(
          `[{"header":{"queryId":"${queryId}","schema":"\`K\` STRING, \`B\` BIGINT"}},\n` +
            `{"row":{"columns":["pos",${BIG}]}},\n` +
            `{"row":{"columns":["neg",-${BIG}]}},\n` +
            `{"finalMessage":"Limit Reached"}]`,
        );
      });

      test('Accept */* gets the delimited format: metadata line, then one array per row', async () => {
        const source = await createStream();
        await insert(source.name, 'K, V', `'a', 1`, `'b', 2`);
        const q = await openQuery(
          `SELECT * FROM ${source.name} EMIT CHANGES LIMIT 2;`,
          { 'ksql.streams.auto.offset.reset': 'earliest' },
          '*/*',
        );
        expect(q.status).toBe(200);
        const text = await q.body.end();
        const match = /^\{"queryId":"([^"]+)"/.exec(text);
        expect(match, text).not.toBeNull();
        expect(text).toBe(
          `{"queryId":"${match![1]!}","columnNames":["K","V"],"columnTypes":["STRING","INTEGER"]}\n` +
            `["a",1]\n` +
            `["b",2]\n`,
        );
      });

      test('a running push query is listed by SHOW QUERIES as PUSH until its client disconnects', async () => {
        const source = await createStream();
        const sql = `SELECT * FROM ${source.name} EMIT CHANGES;`;
        const q = await openQuery(sql);
        let queryId: string;
        try {
          queryId = queryIdOf(await q.body.until((t) => t.includes('\n'), 'the header element'));
          const queries = await eventually(
            showQueries,
            (qs) => qs.some((x) => x.id === queryId),
            `${queryId} in SHOW QUERIES`,
          );
          const query = queries.find((x) => x.id === queryId)!;
          expectKeys(query, RUNNING_QUERY_KEYS);
          expect(query).toMatchObject({
            queryType: 'PUSH',
            sinks: [],
            sinkKafkaTopics: [],
            queryString: expect.stringContaining(source.name),
            state: 'RUNNING',
          });
        } finally {
          q.body.close();
        }
        await eventually(showQueries, (qs) => !qs.some((x) => x.id === queryId), `${queryId} gone from SHOW QUERIES`);
      });

      test('/close-query ends a running push query: 200 with an empty body, the stream ends', async () => {
        const source = await createStream();
        const q = await openQuery(`SELECT * FROM ${source.name} EMIT CHANGES;`);
        try {
          const queryId = queryIdOf(await q.body.until((t) => t.includes('\n'), 'the header element'));
          await eventually(showQueries, (qs) => qs.some((x) => x.id === queryId), `${queryId} in SHOW QUERIES`);
          const res = await postJson('/close-query', { queryId }, null);
          expect({ status: res.status, body: res.text }).toEqual({ status: 200, body: '' });
          await q.body.end();
          await eventually(showQueries, (qs) => !qs.some((x) => x.id === queryId), `${queryId} gone from SHOW QUERIES`);
        } finally {
          q.body.close();
        }
      });

      test('/close-query with an unknown id is 400 generic_error 40000 "No query with id <id>"', async () => {
        const queryId = `transient_${unique('NOPE')}_123`;
        const body = expectGenericError(await postJson('/close-query', { queryId }, null), 400, 40000);
        expect(body['message']).toBe(`No query with id ${queryId}`);
      });

      test('a query on an unknown source is 400 statement_error 40001 ending in "Statement: <sql>"', async () => {
        const sql = `SELECT * FROM ${unique('NOPE')} EMIT CHANGES;`;
        const res = await postJson('/query', { ksql: sql });
        const body = expectStatementError(res, 40001, sql);
        expect(body['message']).toMatch(new RegExp(`\\nStatement: ${escapeRegExp(sql)}$`));
      });

      test('a missing or blank ksql field is 400 generic_error 40000 "\\"ksql\\" field must be populated"', async () => {
        for (const sent of [{}, { ksql: '  ' }]) {
          const body = expectGenericError(await postJson('/query', sent), 400, 40000);
          expect({ sent, message: body['message'] }).toEqual({ sent, message: '"ksql" field must be populated' });
        }
      });

      test('more than one statement is 400 statement_error 40001 "Expected exactly one KSQL statement; found 2 instead"', async () => {
        const source = await createStream();
        const sql = `SELECT * FROM ${source.name} EMIT CHANGES; SELECT * FROM ${source.name} EMIT CHANGES;`;
        const body = expectStatementError(await postJson('/query', { ksql: sql }), 40001, sql);
        expect(body['message']).toContain('Expected exactly one KSQL statement; found 2 instead');
      });

      test('a statement that is not a query is 400 generic_error 40000', async () => {
        expectGenericError(await postJson('/query', { ksql: 'SHOW STREAMS;' }), 400, 40000);
      });
    });

    group('POST /query: pull queries', () => {
      test('a pull query over a stream returns the rows so far and ends with Query Completed', async () => {
        const source = await createStream();
        await insert(source.name, 'K, V', `'a', 1`, `'b', 2`);
        const q = await openQuery(`SELECT * FROM ${source.name};`);
        expect(q.status).toBe(200);
        expect(mediaType(q.headers.get('content-type'))).toBe(V1_JSON);
        const text = await q.body.end();
        const queryId = queryIdOf(text);
        expect(queryId).toMatch(new RegExp(`^transient_${source.name}_\\d+$`));
        expect(text).toBe(
          `[{"header":{"queryId":"${queryId}","schema":"\`K\` STRING, \`V\` INTEGER"}},\n` +
            `{"row":{"columns":["a",1]}},\n` +
            `{"row":{"columns":["b",2]}},\n` +
            `{"finalMessage":"Query Completed"}]`,
        );
      });

      test('a table pull query marks key columns KEY and ends with ] and no finalMessage', async () => {
        const { table } = await createMaterializedTable();
        const sql = `SELECT * FROM ${table.name} WHERE ID = 'a';`;
        const text = await eventually(
          async () => {
            const q = await openQuery(sql);
            if (q.status !== 200) throw new Error(`HTTP ${q.status}: ${await q.body.end()}`);
            return q.body.end();
          },
          (t) => t.includes('{"row"'),
          `a row from ${sql}`,
          { timeoutMs: 25_000, intervalMs: 250 },
        );
        const queryId = queryIdOf(text);
        expect(queryId).toMatch(/^query_\d+$/);
        expect(text).toBe(
          `[{"header":{"queryId":"${queryId}","schema":"\`ID\` STRING KEY, \`V\` INTEGER"}},\n` +
            `{"row":{"columns":["a",1]}}]`,
        );
        const empty = await (await openQuery(`SELECT * FROM ${table.name} WHERE ID = 'zzz';`)).body.end();
        expect(empty).toBe(`[{"header":{"queryId":"${queryIdOf(empty)}","schema":"\`ID\` STRING KEY, \`V\` INTEGER"}}]`);
      }, 40_000);
    });

    group('POST /query-stream', () => {
      function queryStream(sql: string, accept: string): Promise<OpenStream> {
        return openStream(
          url(),
          '/query-stream',
          { 'content-type': JSON_TYPE, accept },
          JSON.stringify({ sql, properties: { 'auto.offset.reset': 'earliest' } }),
        );
      }

      test('Accept */* gets delimited: the metadata object, then one array per row, then the end', async () => {
        const source = await createStream();
        await insert(source.name, 'K, V', `'a', 1`, `'b', 2`);
        const q = await queryStream(`SELECT * FROM ${source.name} EMIT CHANGES LIMIT 2;`, '*/*');
        expect(q.status).toBe(200);
        const text = await q.body.end();
        const match = /^\{"queryId":"([^"]+)"/.exec(text);
        expect(match, text).not.toBeNull();
        expect(match![1]).toMatch(new RegExp(`^transient_${source.name}_\\d+$`));
        expect(text).toBe(
          `{"queryId":"${match![1]!}","columnNames":["K","V"],"columnTypes":["STRING","INTEGER"]}\n` +
            `["a",1]\n` +
            `["b",2]\n`,
        );
      });

      test('Accept application/json gets one JSON array: metadata, then rows', async () => {
        const source = await createStream();
        await insert(source.name, 'K, V', `'a', 1`, `'b', 2`);
        const q = await queryStream(`SELECT * FROM ${source.name} EMIT CHANGES LIMIT 2;`, JSON_TYPE);
        expect(q.status).toBe(200);
        expect(mediaType(q.headers.get('content-type'))).toBe(JSON_TYPE);
        const text = await q.body.end();
        const match = /^\[\{"queryId":"([^"]+)"/.exec(text);
        expect(match, text).not.toBeNull();
        expect(text).toBe(
          `[{"queryId":"${match![1]!}","columnNames":["K","V"],"columnTypes":["STRING","INTEGER"]},` +
            `["a",1],` +
            `["b",2]]`,
        );
      });

      test('an unsupported Accept is 404 "Not Found"', async () => {
        const source = await createStream();
        const res = await postJson('/query-stream', { sql: `SELECT * FROM ${source.name} EMIT CHANGES;` }, 'blahblah');
        expect({ status: res.status, body: res.text }).toEqual({ status: 404, body: 'Not Found' });
      });

      test('a statement that is not a query is 400 40001 "Neither a query nor a print statement"', async () => {
        const res = await postJson('/query-stream', { sql: 'SHOW STREAMS;' }, '*/*');
        expect({ status: res.status, body: res.text }).toMatchObject({ status: 400 });
        expect(JSON.parse(res.text)).toMatchObject({
          error_code: 40001,
          message: expect.stringMatching(/^Neither a query nor a print statement/),
        });
      });

      test('/close-query ends a /query-stream push query', async () => {
        const source = await createStream();
        const q = await queryStream(`SELECT * FROM ${source.name} EMIT CHANGES;`, DELIMITED);
        try {
          const head = await q.body.until((t) => t.includes('\n'), 'the metadata line');
          const { queryId } = JSON.parse(head.slice(0, head.indexOf('\n'))) as { queryId: string };
          const res = await postJson('/close-query', { queryId }, null);
          expect({ status: res.status, body: res.text }).toEqual({ status: 200, body: '' });
          await q.body.end();
          await eventually(showQueries, (qs) => !qs.some((x) => x.id === queryId), `${queryId} gone from SHOW QUERIES`);
        } finally {
          q.body.close();
        }
      });
    });

    group('gateway client (createKsqlClient)', () => {
      test('info() and healthcheck() return the typed server view', async () => {
        const info = await client().info();
        expect(info).toMatchObject({
          version: expect.any(String),
          kafkaClusterId: expect.any(String),
          ksqlServiceId: expect.any(String),
          serverStatus: 'RUNNING',
        });
        expect(await client().healthcheck()).toMatchObject({ isHealthy: true, serverState: 'READY' });
      });

      test('ksql() returns typed entities, and status() resolves their backticked commandId', async () => {
        const sourceName = unique('S');
        created.push({ kind: 'STREAM', name: sourceName });
        const sql = `CREATE STREAM ${sourceName} (K STRING KEY, V INT) WITH (kafka_topic='${sourceName.toLowerCase()}', value_format='JSON', partitions=1);`;
        const entities = await client().ksql({ ksql: sql });
        expect(entities).toHaveLength(1);
        const entity = entities[0]!;
        if (entity['@type'] !== 'currentStatus') throw new Error(`expected currentStatus, got ${entity['@type']}`);
        const status = entity as CommandStatusEntity;
        expect(status.commandId).toBe(`stream/\`${sourceName}\`/create`);
        expect(await client().status(status.commandId)).toEqual({
          status: 'SUCCESS',
          message: 'Stream created',
          queryId: null,
        });
      });

      test('status() of an unknown command throws KsqlServerError 404 40400', async () => {
        await expect(client().status(`stream/\`${unique('NOPE')}\`/create`)).rejects.toMatchObject({
          code: 'KSQL_SERVER_ERROR',
          httpStatus: 404,
          errorCode: 40400,
          ksqlType: 'generic_error',
          message: 'Command not found',
          synthesized: false,
        });
      });

      test('ksql() statement errors throw KsqlServerError with errorCode, ksqlType, statementText and entities', async () => {
        const sql = `DESCRIBE ${unique('NOPE')};`;
        const err = await client().ksql({ ksql: sql }).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(err).toBeInstanceOf(KsqlServerError);
        expect(err).toMatchObject({
          code: 'KSQL_SERVER_ERROR',
          httpStatus: 400,
          errorCode: 40001,
          ksqlType: 'statement_error',
          statementText: sql,
          entities: [],
          inStream: false,
          synthesized: false,
        });
      });

      test('ksql() with a SELECT throws errorCode 40002 with the exact message', async () => {
        const source = await createStream();
        await expect(client().ksql({ ksql: `SELECT * FROM ${source.name} EMIT CHANGES;` })).rejects.toMatchObject({
          httpStatus: 400,
          errorCode: 40002,
          ksqlType: 'statement_error',
          message: QUERY_ENDPOINT_MESSAGE,
        });
      });

      test('pullQuery() collects a LIMITed push query: header columns, rows, Limit Reached', async () => {
        const source = await createStream();
        await insert(source.name, 'K, V', `'a', 1`, `'b', 2`);
        const result = await client().pullQuery({
          ksql: `SELECT * FROM ${source.name} EMIT CHANGES LIMIT 2;`,
          streamsProperties: { 'auto.offset.reset': 'earliest' },
        });
        expect(result).toEqual({
          header: {
            queryId: expect.stringMatching(new RegExp(`^transient_${source.name}_\\d+$`)),
            schema: '`K` STRING, `V` INTEGER',
            columns: [
              { name: 'K', type: { type: 'STRING' }, namespace: 'VALUE' },
              { name: 'V', type: { type: 'INTEGER' }, namespace: 'VALUE' },
            ],
          },
          rows: [
            { columns: ['a', 1], tombstone: false },
            { columns: ['b', 2], tombstone: false },
          ],
          finalMessage: 'Limit Reached',
        });
      });

      test('BIGINT values beyond 2^53 arrive as exact JsonNumbers', async () => {
        const source = await createStream('K STRING KEY, B BIGINT');
        await insert(source.name, 'K, B', `'pos', ${BIG}`, `'neg', -${BIG}`, `'small', 42`);
        const { rows } = await client().pullQuery({
          ksql: `SELECT * FROM ${source.name} EMIT CHANGES LIMIT 3;`,
          streamsProperties: { 'auto.offset.reset': 'earliest' },
        });
        const values = rows.map((r) => r.columns[1]);
        expect(isJsonNumber(values[0]) && values[0].text).toBe(BIG);
        expect(isJsonNumber(values[1]) && values[1].text).toBe(`-${BIG}`);
        expect(values[2]).toBe(42);
      });

      test('query() streams rows inserted after the header; return() ends the upstream query', async () => {
        const source = await createStream();
        await insert(source.name, 'K, V', `'before', 0`);
        const stream = client().query({
          ksql: `SELECT * FROM ${source.name} EMIT CHANGES;`,
          streamsProperties: { 'auto.offset.reset': 'latest' },
        });
        const events: QueryEvent[] = [];
        const consumed = (async () => {
          for await (const event of stream) {
            events.push(event);
            if (event.kind === 'row' && event.columns[0] === 'after' && event.columns[1] === 2) break;
          }
        })();
        try {
          const header = await stream.header;
          expect(header).toEqual({
            queryId: expect.stringMatching(new RegExp(`^transient_${source.name}_\\d+$`)),
            schema: '`K` STRING, `V` INTEGER',
            columns: [
              { name: 'K', type: { type: 'STRING' }, namespace: 'VALUE' },
              { name: 'V', type: { type: 'INTEGER' }, namespace: 'VALUE' },
            ],
          });
          await warmUp(source.name, () => events.some((e) => e.kind === 'row'));
          await insert(source.name, 'K, V', `'after', 1`, `'after', 2`);
          await consumed;
          expect(events[0]).toMatchObject({ kind: 'header', queryId: header.queryId });
          const rows = events.slice(1);
          for (const row of rows) expect(row).toMatchObject({ kind: 'row', tombstone: false });
          const columns = rows.map((r) => (r.kind === 'row' ? r.columns : []));
          expect(columns.map((c) => c[0])).not.toContain('before');
          expect(columns.slice(-2)).toEqual([
            ['after', 1],
            ['after', 2],
          ]);
          await eventually(
            showQueries,
            (qs) => !qs.some((q) => q.id === header.queryId),
            `${header.queryId} gone from SHOW QUERIES after return()`,
          );
        } finally {
          await stream.return();
          await consumed.catch(() => undefined);
        }
      });

      test('closeQuery() ends a running query; an unknown id throws 400 40000', async () => {
        const source = await createStream();
        const stream = client().query({ ksql: `SELECT * FROM ${source.name} EMIT CHANGES;` });
        try {
          const { queryId } = await stream.header;
          await eventually(showQueries, (qs) => qs.some((q) => q.id === queryId), `${queryId} in SHOW QUERIES`);
          await client().closeQuery(queryId);
          const rest: QueryEvent[] = [];
          for await (const event of stream) rest.push(event);
          expect(rest.filter((e) => e.kind === 'row')).toEqual([]);
          await eventually(showQueries, (qs) => !qs.some((q) => q.id === queryId), `${queryId} gone from SHOW QUERIES`);
          await expect(client().closeQuery(queryId)).rejects.toMatchObject({
            httpStatus: 400,
            errorCode: 40000,
            ksqlType: 'generic_error',
            message: `No query with id ${queryId}`,
          });
        } finally {
          await stream.return();
        }
      });

      test('query() on an unknown source rejects with KsqlServerError 400 40001', async () => {
        const sql = `SELECT * FROM ${unique('NOPE')} EMIT CHANGES;`;
        const stream = client().query({ ksql: sql });
        try {
          await expect(stream.header).rejects.toMatchObject({
            code: 'KSQL_SERVER_ERROR',
            httpStatus: 400,
            errorCode: 40001,
            ksqlType: 'statement_error',
            statementText: sql,
            inStream: false,
          });
          await expect(stream.next()).rejects.toBeInstanceOf(KsqlServerError);
        } finally {
          await stream.return();
        }
      });

      test('pullQuery() on a table: KEY columns in the header, no final message', async () => {
        const { table } = await createMaterializedTable();
        const result = await eventually(
          () => client().pullQuery({ ksql: `SELECT * FROM ${table.name} WHERE ID = 'b';` }),
          (r) => r.rows.length > 0,
          `a row from ${table.name}`,
          { timeoutMs: 25_000, intervalMs: 250 },
        );
        expect(result).toEqual({
          header: {
            queryId: expect.stringMatching(/^query_\d+$/),
            schema: '`ID` STRING KEY, `V` INTEGER',
            columns: [
              { name: 'ID', type: { type: 'STRING' }, namespace: 'KEY' },
              { name: 'V', type: { type: 'INTEGER' }, namespace: 'VALUE' },
            ],
          },
          rows: [{ columns: ['b', 2], tombstone: false }],
          finalMessage: null,
        });
      }, 40_000);
    });

    group(EXTENSIONS_GROUP, () => {
      test('POST /topics/{topic} produces records that a push query reads', async () => {
        const source = await createStream('K STRING KEY, V INT, B BIGINT');
        const res = await request(url(), `/topics/${encodeURIComponent(source.topic)}`, {
          headers: { 'content-type': 'application/vnd.kafka.json.v2+json', accept: JSON_TYPE },
          body: `{"records":[{"key":"a","value":{"V":1,"B":${BIG}}},{"key":"b","value":{"V":2,"B":3}}]}`,
        });
        expect({ status: res.status, body: res.text }).toMatchObject({ status: 200 });
        expect(JSON.parse(res.text)).toEqual({
          offsets: [
            { partition: 0, offset: 0, error_code: null, error: null },
            { partition: 0, offset: 1, error_code: null, error: null },
          ],
          key_schema_id: null,
          value_schema_id: null,
        });
        const q = await openQuery(`SELECT * FROM ${source.name} EMIT CHANGES LIMIT 2;`, {
          'ksql.streams.auto.offset.reset': 'earliest',
        });
        const text = await q.body.end();
        expect(text).toBe(
          `[{"header":{"queryId":"${queryIdOf(text)}","schema":"\`K\` STRING, \`V\` INTEGER, \`B\` BIGINT"}},\n` +
            `{"row":{"columns":["a",1,${BIG}]}},\n` +
            `{"row":{"columns":["b",2,3]}},\n` +
            `{"finalMessage":"Limit Reached"}]`,
        );
      });

      test('GET /topics/{topic}/records returns the records INSERT VALUES wrote', async () => {
        const source = await createStream('K STRING KEY, B BIGINT');
        await insert(source.name, 'K, B', `'a', ${BIG}`);
        const res = await request(url(), `/topics/${encodeURIComponent(source.topic)}/records`, {
          headers: { accept: JSON_TYPE },
        });
        expect({ status: res.status, body: res.text }).toMatchObject({ status: 200 });
        expect(res.text).toContain(BIG);
        const records = JSON.parse(res.text) as Array<Record<string, unknown>>;
        expect(records).toHaveLength(1);
        expect(records[0]).toMatchObject({ partition: 0, offset: 0, key: 'a', timestamp: expect.any(Number) });
      });
    });

    it('every skip names an existing group or case', () => {
      // Evaluated when run: vitest collects the groups' cases after this factory returns.
      expect(Object.keys(skip).filter((key) => !known.has(key))).toEqual([]);
    });
  });
}

const SOURCE_DESCRIPTION_KEYS = [
  'name',
  'windowType',
  'readQueries',
  'writeQueries',
  'fields',
  'type',
  'timestamp',
  'statistics',
  'errorStats',
  'extended',
  'keyFormat',
  'valueFormat',
  'topic',
  'partitions',
  'replication',
  'statement',
  'queryOffsetSummaries',
  'sourceConstraints',
  'clusterStatistics',
  'clusterErrorStats',
];

const RUNNING_QUERY_KEYS = ['queryString', 'sinks', 'sinkKafkaTopics', 'id', 'statusCount', 'queryType', 'state'];

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
