/**
 * The engine's ksqlDB-compatible REST API as a WHATWG fetch handler:
 * `(Request) => Promise<Response>`. Transport-free; node-adapter.ts binds it
 * to node:http. Routes, content negotiation and bodies follow the spec
 * (docs/protocol-ksql.md); engine errors are translated in errors.ts only.
 *
 * Embedded-engine extensions (not in ksqlDB):
 * - `POST /topics/{topic}`: Kafka REST Proxy v2 style produce. A missing
 *   topic is created (1 partition, or enough for the highest explicit
 *   partition); `{"records":[]}` just creates it.
 * - `GET /topics/{topic}/records`: every record of the topic as a JSON array.
 *
 * @module
 */
import {
  commandIdFromStatusPath,
  ContentType,
  ErrorCode,
  ErrorMessages,
  negotiate,
  parseJson,
  stringifyJson,
  type CommandStatuses,
  type JsonValue,
  type KsqlRequest,
  type ProduceResponse,
} from '../../protocol/index.js';
import { silentLogger, type Logger } from '../../shared/logger.js';
import type { Engine, EngineRequest, ProduceInput } from '../index.js';
import { toEntity } from './entities.js';
import { badRequest, errorResponse, type Endpoint } from './errors.js';
import { INSERTS_STREAM_PRODUCES, InsertsStreamRequestError, openInsertsStream } from './inserts-stream.js';
import { queryBody, type QueryFormat } from './query-response.js';

export interface HandlerOptions {
  readonly engine: Engine;
  /** @default a silent logger */
  readonly logger?: Logger | undefined;
}

/** What the node binding knows of the connection; absent in process (then nothing is refused for it). */
export interface ConnectionInfo {
  readonly httpVersion: '1.1' | '2';
}

export type FetchHandler = (request: Request, connection?: ConnectionInfo) => Promise<Response>;

const JSON_TYPE = 'application/json';
const OLD_API_PRODUCES = [ContentType.KSQL_V1_JSON, ContentType.JSON];
const QUERY_PRODUCES = [ContentType.DELIMITED, ContentType.KSQL_V1_JSON, ContentType.JSON];
const QUERY_STREAM_PRODUCES = [ContentType.DELIMITED, ContentType.JSON, ContentType.KSQL_V1_JSON];
const STATUS_TYPES = new Set(['topic', 'stream', 'table', 'cluster', 'pause', 'resume', 'terminate', 'type']);
const STATUS_ACTIONS = new Set(['create', 'drop', 'execute', 'terminate', 'alter']);

/** A body as bytes: unlike a string body, it makes `Response` add no Content-Type. */
export function utf8(text: string): Uint8Array<ArrayBuffer> {
  return new TextEncoder().encode(text);
}

function notFound(): Response {
  return new Response(utf8('Not Found'), { status: 404 });
}

function json(body: unknown, status = 200, contentType = JSON_TYPE): Response {
  return new Response(utf8(stringifyJson(body)), { status, headers: { 'content-type': contentType } });
}

class BodyError extends Error {}

async function readJson(request: Request): Promise<JsonValue> {
  const text = await request.text();
  if (text.trim() === '') throw new BodyError('Invalid JSON in request: No content to map due to end-of-input');
  try {
    return parseJson(text);
  } catch (err) {
    throw new BodyError(`Invalid JSON in request: ${(err as Error).message}`);
  }
}

function asObject(v: JsonValue, what = 'request'): Record<string, JsonValue> {
  if (typeof v !== 'object' || v === null || Array.isArray(v) || !(Object.getPrototypeOf(v) === Object.prototype)) {
    throw new BodyError(`Invalid JSON in request: expected a JSON object for the ${what}`);
  }
  return v as Record<string, JsonValue>;
}

function optionalRecord(v: JsonValue | undefined, field: string): Record<string, unknown> | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'object' || Array.isArray(v)) {
    throw new BodyError(`Invalid JSON in request: "${field}" must be an object`);
  }
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) out[k] = typeof x === 'object' && x !== null && !Array.isArray(x) ? String(x) : x;
  return out;
}

/** `KsqlRequest` (`ksql`, `streamsProperties`) or `QueryStreamArgs` (`sql`, `properties`). */
function toEngineRequest(body: JsonValue, fields: { sql: 'ksql' | 'sql'; props: 'streamsProperties' | 'properties' }): EngineRequest {
  const o = asObject(body);
  const sql = o[fields.sql];
  if (sql !== undefined && sql !== null && typeof sql !== 'string') {
    throw new BodyError(`Invalid JSON in request: "${fields.sql}" must be a string`);
  }
  const seq = o['commandSequenceNumber'];
  const req: KsqlRequest = {
    ksql: typeof sql === 'string' ? sql : '',
    streamsProperties: optionalRecord(o[fields.props], fields.props),
    sessionVariables: optionalRecord(o['sessionVariables'], 'sessionVariables'),
    requestProperties: optionalRecord(o['requestProperties'], 'requestProperties'),
    commandSequenceNumber: typeof seq === 'number' ? seq : undefined,
  };
  return req;
}

function stripTrailingSlash(path: string): string {
  return path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
}

/** A JSON value where text is expected: a string as it is, anything else as its JSON. */
function asText(v: JsonValue): string {
  return typeof v === 'string' ? v : stringifyJson(v);
}

function jsonText(v: JsonValue | undefined): string | null {
  return v === undefined || v === null ? null : stringifyJson(v);
}

export function createHandler({ engine, logger = silentLogger }: HandlerOptions): FetchHandler {
  const fail = (err: unknown, endpoint: Endpoint): Response => {
    // Body parsing fails in Vert.x's FailureHandler, which writes no Content-Type.
    if (err instanceof BodyError) return badRequest(err.message, null);
    return errorResponse(err, endpoint, logger);
  };

  /** Old-API routes: Accept must allow JSON; the answer is always labelled application/json. */
  const acceptsJson = (request: Request) => negotiate(request.headers.get('accept'), OLD_API_PRODUCES) !== undefined;

  async function ksql(request: Request): Promise<Response> {
    try {
      const body = toEngineRequest(await readJson(request), { sql: 'ksql', props: 'streamsProperties' });
      const results = await engine.execute(body);
      return json(results.map(toEntity));
    } catch (err) {
      return fail(err, 'ksql');
    }
  }

  async function terminate(request: Request): Promise<Response> {
    try {
      const text = await request.text();
      let patterns: string[] = [];
      if (text.trim() !== '') {
        let body: JsonValue;
        try {
          body = parseJson(text);
        } catch (err) {
          throw new BodyError(`Invalid JSON in request: ${(err as Error).message}`);
        }
        const list = asObject(body)['deleteTopicList'];
        if (Array.isArray(list)) patterns = list.map(asText);
      }
      const results = await engine.terminateCluster(patterns);
      return json(results.map(toEntity));
    } catch (err) {
      return fail(err, 'ksql');
    }
  }

  async function query(request: Request, endpoint: 'query' | 'query-stream'): Promise<Response> {
    const accept = request.headers.get('accept');
    const chosen = negotiate(accept, endpoint === 'query' ? QUERY_PRODUCES : QUERY_STREAM_PRODUCES);
    if (chosen === undefined) return notFound();
    let format: QueryFormat;
    let contentType: string;
    if (endpoint === 'query') {
      format = chosen === ContentType.DELIMITED ? 'delimited' : 'streamedRows';
      contentType = format === 'delimited' ? ContentType.DELIMITED : ContentType.KSQL_V1_JSON;
    } else if (chosen === null || chosen === ContentType.DELIMITED) {
      format = 'delimited';
      contentType = ContentType.DELIMITED;
    } else if (chosen === ContentType.JSON) {
      format = 'jsonArray';
      contentType = ContentType.JSON;
    } else {
      format = 'streamedRows';
      contentType = ContentType.KSQL_V1_JSON;
    }
    try {
      const body =
        endpoint === 'query'
          ? toEngineRequest(await readJson(request), { sql: 'ksql', props: 'streamsProperties' })
          : toEngineRequest(await readJson(request), { sql: 'sql', props: 'properties' });
      if (body.ksql.trim() === '') {
        return endpoint === 'query'
          ? badRequest(ErrorMessages.KSQL_FIELD_REQUIRED)
          : badRequest('Invalid JSON in request: Missing required creator property \'sql\'', null);
      }
      const handle = await engine.query(body, { signal: request.signal });
      return new Response(queryBody(handle, format, logger), {
        status: 200,
        headers: { 'content-type': contentType },
      });
    } catch (err) {
      return fail(err, endpoint);
    }
  }

  async function closeQuery(request: Request): Promise<Response> {
    try {
      const body = asObject(await readJson(request));
      const id = body['queryId'];
      if (typeof id !== 'string') throw new BodyError('Invalid JSON in request: Missing required creator property \'queryId\'');
      engine.closeQuery(id);
      return new Response(null, { status: 200 });
    } catch (err) {
      return fail(err, 'close-query');
    }
  }

  async function insertsStream(request: Request, connection: ConnectionInfo | undefined): Promise<Response> {
    const refuse = (errorCode: number, message: string) =>
      // Written by Vert.x's FailureHandler: no Content-Type.
      new Response(utf8(stringifyJson({ '@type': 'generic_error', error_code: errorCode, message })), { status: 400 });
    if (connection?.httpVersion === '1.1') {
      void request.body?.cancel().catch(() => {});
      return refuse(ErrorCode.HTTP2_ONLY, 'This endpoint is only available when using HTTP2');
    }
    const chosen = negotiate(request.headers.get('accept'), INSERTS_STREAM_PRODUCES);
    if (chosen === undefined) return notFound();
    const format = chosen === ContentType.JSON ? 'json' : 'delimited';
    try {
      const body = await openInsertsStream(request.body ?? new Response('').body!, { engine, format, logger });
      return new Response(body, { status: 200, headers: { 'content-type': format === 'json' ? ContentType.JSON : ContentType.DELIMITED } });
    } catch (err) {
      if (err instanceof InsertsStreamRequestError) return refuse(err.errorCode, err.message);
      return fail(err, 'other');
    }
  }

  function status(pathname: string): Response {
    const id = commandIdFromStatusPath(pathname);
    if (id === undefined) return notFound();
    const first = id.indexOf('/');
    const last = id.lastIndexOf('/');
    const type = id.slice(0, first).toLowerCase();
    const action = id.slice(last + 1).toLowerCase();
    if (!STATUS_TYPES.has(type) || !STATUS_ACTIONS.has(action)) {
      return json({ '@type': 'generic_error', error_code: ErrorCode.SERVER_ERROR, message: `No enum constant for ${type}/${action}` }, 500);
    }
    const commandId = `${type}/${id.slice(first + 1, last)}/${action}`;
    const s = engine.commandStatus(commandId);
    if (s === undefined) {
      return json({ '@type': 'generic_error', error_code: ErrorCode.NOT_FOUND, message: ErrorMessages.COMMAND_NOT_FOUND }, 404);
    }
    return json({ status: s.status, message: s.message, queryId: s.queryId });
  }

  async function produce(request: Request, topic: string): Promise<Response> {
    try {
      // `?partitions=N` sizes a topic this request creates (engine extension).
      const partitionsParam = new URL(request.url).searchParams.get('partitions');
      let partitions: number | undefined;
      if (partitionsParam !== null) {
        partitions = Number(partitionsParam);
        if (!Number.isInteger(partitions) || partitions < 1 || partitions > 10_000) {
          throw new BodyError(`Invalid "partitions" parameter: ${partitionsParam}`);
        }
      }
      const body = asObject(await readJson(request));
      const records = body['records'];
      if (!Array.isArray(records)) throw new BodyError('Invalid JSON in request: "records" must be an array');
      const inputs: ProduceInput[] = records.map((r) => {
        const o = asObject(r, 'record');
        const partition = o['partition'];
        const timestamp = o['timestamp'];
        const headers = o['headers'];
        const window = o['window'];
        let win: { start: number; end: number } | undefined;
        if (window !== undefined && window !== null) {
          const w = asObject(window, 'window');
          const start = Number(w['start']);
          const end = Number(w['end']);
          if (!Number.isFinite(start) || !Number.isFinite(end)) throw new BodyError('Invalid JSON in request: "window" needs numeric "start" and "end"');
          win = { start, end };
        }
        if (partition !== undefined && partition !== null && typeof partition !== 'number') {
          throw new BodyError('Invalid JSON in request: "partition" must be a number');
        }
        if (timestamp !== undefined && timestamp !== null && typeof timestamp !== 'number') {
          throw new BodyError('Invalid JSON in request: "timestamp" must be a number');
        }
        return {
          key: jsonText(o['key']),
          value: jsonText(o['value']),
          partition: typeof partition === 'number' ? partition : undefined,
          timestamp: typeof timestamp === 'number' ? timestamp : undefined,
          window: win,
          headers: Array.isArray(headers)
            ? headers.map((h) => {
                const ho = asObject(h, 'header');
                const v = ho['value'];
                return { key: asText(ho['key'] ?? ''), value: v === null || v === undefined ? null : asText(v) };
              })
            : undefined,
        };
      });
      const out = await engine.produce(topic, inputs, { partitions });
      const response: ProduceResponse = {
        offsets: out.map((o) => ({ partition: o.partition, offset: o.offset, error_code: null, error: null })),
        key_schema_id: null,
        value_schema_id: null,
      };
      return json(response, 200, 'application/vnd.kafka.v2+json');
    } catch (err) {
      return fail(err, 'topics');
    }
  }

  function records(topic: string): Response {
    try {
      const recs = engine.records(topic);
      const parts = recs.map(
        (r) =>
          `{"partition":${r.partition},"offset":${r.offset},"timestamp":${r.timestamp},` +
          `"key":${r.key ?? 'null'},"value":${r.value ?? 'null'},"headers":${stringifyJson(r.headers)}` +
          (r.window === undefined ? '}' : `,"window":{"start":${r.window.start},"end":${r.window.end}}}`),
      );
      return new Response(utf8('[' + parts.join(',') + ']'), { status: 200, headers: { 'content-type': JSON_TYPE } });
    } catch (err) {
      return fail(err, 'topics');
    }
  }

  return async function handle(request: Request, connection?: ConnectionInfo): Promise<Response> {
    const url = new URL(request.url);
    const path = stripTrailingSlash(url.pathname);
    const method = request.method.toUpperCase();
    try {
      if (method === 'GET' && (path === '/chc/ready' || path === '/chc/live')) return json({});
      if (method === 'GET' && path === '/') return new Response(null, { status: 307, headers: { location: '/info' } });

      if (path.startsWith('/topics/')) {
        const rest = path.slice('/topics/'.length);
        if (method === 'POST' && !rest.includes('/')) return await produce(request, decodeURIComponent(rest));
        if (method === 'GET' && rest.endsWith('/records') && !rest.slice(0, -'/records'.length).includes('/')) {
          return records(decodeURIComponent(rest.slice(0, -'/records'.length)));
        }
        return notFound();
      }

      if (method === 'POST' && path === '/query') return await query(request, 'query');
      if (method === 'POST' && path === '/query-stream') return await query(request, 'query-stream');
      if (method === 'POST' && path === '/close-query') return await closeQuery(request);
      if (method === 'POST' && path === '/inserts-stream') return await insertsStream(request, connection);

      // The old-API routes below all declare v1+json and json.
      const oldApi = (method === 'POST' && (path === '/ksql' || path === '/ksql/terminate' || path === '/heartbeat' || path === '/lag')) ||
        (method === 'GET' &&
          (path === '/info' ||
            path === '/healthcheck' ||
            path === '/clusterStatus' ||
            path === '/status' ||
            path.startsWith('/status/') ||
            path === '/v1/metadata' ||
            path === '/v1/metadata/id' ||
            path.startsWith('/is_valid_property/')));
      if (!oldApi) return notFound();
      if (!acceptsJson(request)) return notFound();

      switch (path) {
        case '/ksql':
          return await ksql(request);
        case '/ksql/terminate':
          return await terminate(request);
        case '/heartbeat':
        case '/lag':
        case '/clusterStatus':
          // ksql.heartbeat.enable / ksql.lag.reporting.enable are off: 404 with an empty body.
          return new Response(null, { status: 404 });
        case '/info':
          return json({ KsqlServerInfo: engine.info() });
        case '/healthcheck':
          return json(engine.health());
        case '/status': {
          const statuses: CommandStatuses = { commandStatuses: Object.fromEntries(engine.commandStatuses()) };
          return json(statuses);
        }
        case '/v1/metadata': {
          const info = engine.info();
          return json({ version: info.version, clusterId: clusterId(info.kafkaClusterId, info.ksqlServiceId) });
        }
        case '/v1/metadata/id': {
          const info = engine.info();
          return json(clusterId(info.kafkaClusterId, info.ksqlServiceId));
        }
        default:
          break;
      }
      if (path.startsWith('/status/')) return status(path);
      if (path.startsWith('/is_valid_property/')) {
        const name = decodeURIComponent(path.slice('/is_valid_property/'.length));
        return name.startsWith('ksql.') || /^[a-z]+(\.[a-z]+)+$/.test(name)
          ? json(true)
          : badRequest(`Not recognizable as ksql, streams, consumer, or producer property: '${name}'`);
      }
      return notFound();
    } catch (err) {
      return fail(err, 'other');
    }
  };
}

function clusterId(kafka: string, ksql: string) {
  return { id: '', scope: { path: [], clusters: { 'kafka-cluster': kafka, 'ksql-cluster': ksql } } };
}
