/**
 * The undici implementation of {@link KsqlClient}.
 *
 * Composition: the dispatcher (yours, or an Agent the client owns) is
 * composed with {@link ksqlErrorInterceptor}, so every non-2xx response
 * arrives as a KsqlServerError; everything else thrown below is translated
 * once, by {@link toKsqlClientError}. Request bodies go through
 * `stringifyJson` (bigint and JsonNumber survive), response bodies through
 * the lossless `parseJson`.
 *
 * TLS: https URLs are verified against Node's root certificates; `tls` adds
 * a custom CA, a client certificate or insecure mode to the Agent the client
 * owns (see ./tls.ts, which also keeps a TLS 1.3 alert from being reported
 * as a mere "other side closed").
 *
 * Timeouts: `timeoutMs` (per call, default `requestTimeoutMs`) covers
 * connect, headers and body of every call, except that a `/query` stream's
 * budget ends once its header element has arrived: push-query bodies never
 * time out (undici `bodyTimeout: 0`; ksqlDB sends no keep-alives).
 *
 * HTTP/2 (`http2: 'auto'`, see ./http2.ts): push queries (`query()`) go
 * over ONE HTTP/2 connection per server to `/query-stream` (asking for the
 * `application/vnd.ksql.v1+json` StreamedRow array, the same elements as
 * `/query`, so the header, rows, final message, errors, bounds and
 * backpressure are those of `/query`), `closeQuery` goes over it too, and
 * `insertsStream` needs it. A server that does not speak HTTP/2, or answers
 * `/query-stream` with 404, gets `/query` over HTTP/1.1 as before, and the
 * answer is remembered. Everything else stays on HTTP/1.1.
 *
 * Bounds: every body read whole (statements, `/info`, `pullQuery`'s rows,
 * ...) stops at `maxBodyBytes` and every `/query` line at `maxLineBytes`;
 * past either the request is aborted and the call fails with
 * `KSQL_RESPONSE_TOO_LARGE` (a misbehaving server costs that much memory at
 * most, not all it can send).
 *
 * @module
 */
import { Agent, type Dispatcher } from 'undici';
import {
  CLIENT_ACCEPT,
  ContentType,
  ErrorCode,
  Paths,
  parseJson,
  statusPath,
  stringifyJson,
  type ClusterStatusResponse,
  type CommandStatus,
  type HealthCheckResponse,
  type JsonValue,
  type KsqlEntity,
  type KsqlRequest,
  type ServerInfo,
} from '../../protocol/index.js';
import { linkSignals } from '../../shared/abort.js';
import type { GatewayError } from '../gateway-error.js';
import { authorizationHeader, pickAuthorization, type KsqlCredentials } from './auth.js';
import {
  KsqlAbortError,
  KsqlClientConfigError,
  KsqlProtocolError,
  KsqlResponseTooLargeError,
  KsqlServerError,
  serverErrorFromObject,
  toKsqlClientError,
} from './errors.js';
import { FallbackQueryStream } from './fallback-query-stream.js';
import { Http2Upstream } from './http2.js';
import { declaredLength, readBoundedText } from './bounded-body.js';
import { ksqlErrorInterceptor } from './ksql-error-interceptor.js';
import { openQueryStream } from './streamed-query.js';
import { TlsAlerts, tlsConnectOptions, type KsqlTlsOptions } from './tls.js';
import type { CallOptions, InsertRowResult, KsqlClient, PullQueryResult, QueryHeader, QueryRow, QueryStream } from './types.js';

export interface KsqlClientOptions {
  /**
   * ksqlDB's URL, e.g. `http://localhost:8088`. A path prefix is kept
   * (`https://proxy.example/ksqldb` sends `/ksqldb/ksql`). A URL with a
   * user name or password is refused: use `credentials`.
   */
  readonly baseUrl: string | URL;
  /**
   * The undici dispatcher every request goes through (an `Agent`, a `Pool`,
   * a `MockAgent`, ...). The client composes its error interceptor onto it
   * and never closes it.
   * @default an `Agent` owned and closed by the client: HTTP/1.1,
   *   pipelining 1, unlimited connections (each push query on /query holds
   *   one), keep-alive 10 s, TLS as `tls` says; plus, with `http2: 'auto'`,
   *   one HTTP/2 connection for every push query when the server speaks it.
   */
  readonly dispatcher?: Dispatcher | undefined;
  /**
   * TLS towards an https ksqlDB: trusted CAs, a client certificate (mutual
   * TLS), no verification (development only). Applied to the `Agent` the
   * client creates; a `dispatcher` you pass carries its own TLS (give it
   * undici's `connect` options), so passing both is refused. Ignored for
   * http URLs.
   * @default Node's root certificates, no client certificate, verification on
   */
  readonly tls?: KsqlTlsOptions | undefined;
  /**
   * Budget of each call in milliseconds, overridable per call with
   * `CallOptions.timeoutMs`. Covers connect, headers and body; for
   * `query()` only until the header element arrives. `0` disables.
   * @default 30000 (ms)
   */
  readonly requestTimeoutMs?: number | undefined;
  /** Sent on every call unless a forwarded `Authorization` takes precedence. @default none */
  readonly credentials?: KsqlCredentials | undefined;
  /**
   * Send `CallOptions.authorization` (the incoming request's header) instead
   * of `credentials` when a call carries one. Calls without it fall back to
   * `credentials`. When false, `CallOptions.authorization` is ignored.
   * @default false
   */
  readonly forwardAuthorization?: boolean | undefined;
  /**
   * Extra headers for every request. `accept`, `content-type` and
   * `user-agent` set by the client win; `authorization` is refused (use
   * `credentials`).
   * @default {}
   */
  readonly headers?: Readonly<Record<string, string>> | undefined;
  /** @default 'ksqldb-graphql-gateway' */
  readonly userAgent?: string | undefined;
  /**
   * Read-ahead of a `/query` stream, in units of 256 events or 128 KiB of
   * body: it stops reading the socket when that many events (or bytes) wait
   * for its consumer, and reads on once a quarter of that is left.
   * @default 8 (2048 events or 1 MiB)
   */
  readonly queryBufferChunks?: number | undefined;
  /**
   * Bytes of a non-2xx body kept to build the KsqlServerError; a longer
   * body is not read on (the request is aborted there).
   * @default 65536 (bytes)
   */
  readonly maxErrorBodyBytes?: number | undefined;
  /**
   * Longest line (one element: a row, the header, ...) of a `/query`
   * response. A longer one aborts the request and fails the stream with
   * `KSQL_RESPONSE_TOO_LARGE` as soon as that many bytes of it have arrived.
   * @default 16777216 (bytes, 16 MiB)
   */
  readonly maxLineBytes?: number | undefined;
  /**
   * Largest body read whole: `/ksql` and the other non-streaming calls, and
   * the whole `/query` response `pullQuery` collects. A larger one aborts
   * the request at the limit and fails the call with
   * `KSQL_RESPONSE_TOO_LARGE`.
   * @default 67108864 (bytes, 64 MiB)
   */
  readonly maxBodyBytes?: number | undefined;
  /**
   * Use HTTP/2 where ksqlDB serves it: `'auto'` sends push queries to
   * `/query-stream` (and `closeQuery`, `insertsStream`) over one shared
   * HTTP/2 connection per server when the server speaks it (h2c with prior
   * knowledge for http, ALPN `h2` for https), else falls back to `/query`
   * over HTTP/1.1; `'off'` never tries. Only with the Agent the client owns:
   * a `dispatcher` you pass carries everything, so HTTP/2 is then off.
   * @default 'auto'
   */
  readonly http2?: 'auto' | 'off' | undefined;
}

/** What `/query-stream` is asked for: the StreamedRow array of `/query`. */
const QUERY_STREAM_ACCEPT = ContentType.KSQL_V1_JSON;

type Method = 'GET' | 'POST';

interface Endpoint {
  readonly origin: string;
  /** Base path without a trailing slash ('' for none). */
  readonly basePath: string;
}

function parseBaseUrl(baseUrl: string | URL): Endpoint {
  let url: URL;
  try {
    url = new URL(String(baseUrl));
  } catch (cause) {
    throw new KsqlClientConfigError('baseUrl is not a valid URL', { cause });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new KsqlClientConfigError(`baseUrl must be http: or https:, got ${url.protocol}`);
  }
  if (url.username !== '' || url.password !== '') {
    // The value is not echoed: it holds a credential.
    throw new KsqlClientConfigError('baseUrl must not contain a user name or password; use `credentials`');
  }
  if (url.search !== '' || url.hash !== '') {
    throw new KsqlClientConfigError('baseUrl must not have a query string or fragment');
  }
  return { origin: url.origin, basePath: url.pathname.replace(/\/+$/, '') };
}

function checkDuration(name: string, value: number): number {
  if (!Number.isFinite(value) || value < 0) {
    throw new KsqlClientConfigError(`${name} must be a finite number of milliseconds >= 0, got ${value}`);
  }
  return value;
}

function checkBytes(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new KsqlClientConfigError(`${name} must be an integer number of bytes >= 1, got ${value}`);
  }
  return value;
}

function baseHeaders(extra: Readonly<Record<string, string>>, userAgent: string): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [key, value] of Object.entries(extra)) {
    const name = key.toLowerCase();
    if (name === 'authorization') {
      throw new KsqlClientConfigError('headers must not set authorization; use `credentials`');
    }
    headers[name] = value;
  }
  headers['user-agent'] = userAgent;
  headers['accept'] = CLIENT_ACCEPT;
  return headers;
}

function isObject(v: JsonValue | undefined): v is { [key: string]: JsonValue } {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

class UndiciKsqlClient implements KsqlClient {
  readonly #endpoint: Endpoint;
  readonly #dispatcher: Dispatcher;
  readonly #owned: Dispatcher | undefined;
  readonly #timeoutMs: number;
  readonly #configuredAuth: string | undefined;
  readonly #forward: boolean;
  readonly #headers: Readonly<Record<string, string>>;
  readonly #bufferChunks: number;
  readonly #maxLineBytes: number;
  readonly #maxBodyBytes: number;
  readonly #active = new Set<(reason: GatewayError) => void>();
  readonly #http2: Http2Upstream | undefined;
  readonly #maxErrorBodyBytes: number;
  #closing: Promise<void> | undefined;

  constructor(options: KsqlClientOptions) {
    const {
      baseUrl,
      dispatcher,
      tls,
      requestTimeoutMs = 30_000,
      credentials,
      forwardAuthorization = false,
      headers = {},
      userAgent = 'ksqldb-graphql-gateway',
      queryBufferChunks = 8,
      maxErrorBodyBytes = 64 * 1024,
      maxLineBytes = 16 * 1024 * 1024,
      maxBodyBytes = 64 * 1024 * 1024,
    } = options;
    // Checked at run time: a caller in JavaScript (or from a config file) may pass anything.
    const http2: unknown = options.http2 === undefined ? 'auto' : options.http2;
    if (http2 !== 'auto' && http2 !== 'off') {
      throw new KsqlClientConfigError(`http2 must be 'auto' or 'off', got ${String(http2)}`);
    }
    this.#maxErrorBodyBytes = maxErrorBodyBytes;
    this.#endpoint = parseBaseUrl(baseUrl);
    this.#timeoutMs = checkDuration('requestTimeoutMs', requestTimeoutMs);
    if (!Number.isInteger(queryBufferChunks) || queryBufferChunks < 1) {
      throw new KsqlClientConfigError(`queryBufferChunks must be an integer >= 1, got ${queryBufferChunks}`);
    }
    this.#bufferChunks = queryBufferChunks;
    this.#maxLineBytes = checkBytes('maxLineBytes', maxLineBytes);
    this.#maxBodyBytes = checkBytes('maxBodyBytes', maxBodyBytes);
    this.#configuredAuth = credentials === undefined ? undefined : authorizationHeader(credentials);
    this.#forward = forwardAuthorization;
    this.#headers = baseHeaders(headers, userAgent);
    if (dispatcher !== undefined && tls !== undefined) {
      throw new KsqlClientConfigError('tls applies to the Agent the client creates; give your dispatcher its own TLS options');
    }
    let base: Dispatcher;
    if (dispatcher === undefined) {
      const alerts = new TlsAlerts();
      const tlsOptions = tls === undefined ? undefined : tlsConnectOptions(tls);
      this.#owned = new Agent({
        keepAliveTimeout: 10_000,
        keepAliveMaxTimeout: 60_000,
        pipelining: 1,
        connect: alerts.connector(tlsOptions ?? {}),
      });
      this.#http2 =
        http2 === 'auto'
          ? new Http2Upstream({
              origin: this.#endpoint.origin,
              basePath: this.#endpoint.basePath,
              tls: tlsOptions,
              // The probe delays the first push query: never by more than a call's budget.
              probeTimeoutMs: this.#timeoutMs > 0 ? Math.min(this.#timeoutMs, 5_000) : 5_000,
            })
          : undefined;
      base = this.#owned.compose(alerts.interceptor());
    } else {
      this.#owned = undefined;
      this.#http2 = undefined;
      base = dispatcher;
    }
    this.#dispatcher = base.compose(ksqlErrorInterceptor({ maxBodyBytes: maxErrorBodyBytes }));
  }

  // ------------------------------------------------------------ endpoints

  async info(options?: CallOptions): Promise<ServerInfo> {
    const path = this.#path(Paths.INFO);
    const body = await this.#call('GET', path, undefined, options);
    const info = isObject(body) ? body['KsqlServerInfo'] : undefined;
    if (!isObject(info)) throw this.#shapeError('GET', path, 'an object with KsqlServerInfo');
    return info as unknown as ServerInfo;
  }

  async healthcheck(options?: CallOptions): Promise<HealthCheckResponse> {
    const path = this.#path(Paths.HEALTHCHECK);
    const body = await this.#call('GET', path, undefined, options);
    if (!isObject(body) || typeof body['isHealthy'] !== 'boolean') {
      throw this.#shapeError('GET', path, 'a HealthCheckResponse');
    }
    return body as unknown as HealthCheckResponse;
  }

  async clusterStatus(options?: CallOptions): Promise<ClusterStatusResponse> {
    const path = this.#path(Paths.CLUSTER_STATUS);
    const body = await this.#call('GET', path, undefined, options);
    if (!isObject(body) || !isObject(body['clusterStatus'])) {
      throw this.#shapeError('GET', path, 'a ClusterStatusResponse');
    }
    return body as unknown as ClusterStatusResponse;
  }

  async ksql(request: KsqlRequest, options?: CallOptions): Promise<KsqlEntity[]> {
    return this.#entities(this.#path(Paths.KSQL), request, options);
  }

  async status(commandId: string, options?: CallOptions): Promise<CommandStatus> {
    const path = this.#path(statusPath(commandId));
    const body = await this.#call('GET', path, undefined, options);
    if (!isObject(body) || typeof body['status'] !== 'string') throw this.#shapeError('GET', path, 'a CommandStatus');
    return body as unknown as CommandStatus;
  }

  async terminateCluster(deleteTopicList?: readonly string[], options?: CallOptions): Promise<KsqlEntity[]> {
    const body = deleteTopicList === undefined ? {} : { deleteTopicList };
    return this.#entities(this.#path(Paths.KSQL_TERMINATE), body, options);
  }

  query(request: KsqlRequest, options?: CallOptions): QueryStream {
    const h2 = this.#http2;
    if (h2 === undefined || h2.known === false) return this.#openQuery(request, options, false);
    return new FallbackQueryStream(async () => {
      // A client closed meanwhile: the HTTP/1.1 path fails the stream as closed (and opens nothing).
      if (!(await h2.supported()) || this.#closing !== undefined) return this.#openQuery(request, options, false);
      const stream = this.#openQuery(request, options, false, h2);
      try {
        await stream.header;
      } catch (err) {
        // A server (or proxy) with HTTP/2 but no /query-stream: /query from now on.
        if (err instanceof KsqlServerError && err.httpStatus === 404 && !err.inStream) {
          h2.markUnsupported();
          void stream.return();
          return this.#openQuery(request, options, false);
        }
      }
      return stream;
    });
  }

  async pullQuery(request: KsqlRequest, options?: CallOptions): Promise<PullQueryResult> {
    let header: QueryHeader | undefined;
    const rows: QueryRow[] = [];
    let finalMessage: string | null = null;
    for await (const event of this.#openQuery(request, options, true)) {
      switch (event.kind) {
        case 'header':
          header = { queryId: event.queryId, schema: event.schema, columns: event.columns };
          break;
        case 'row':
          rows.push({ columns: event.columns, tombstone: event.tombstone });
          break;
        case 'final':
          finalMessage = event.message;
          break;
      }
    }
    // The stream yields a header first or throws; this guards the invariant.
    if (header === undefined) throw this.#shapeError('POST', this.#path(Paths.QUERY), 'a header element');
    return { header, rows, finalMessage };
  }

  async closeQuery(queryId: string, options?: CallOptions): Promise<void> {
    // The queries /query-stream started are closed on their own connection; no socket is opened for it.
    const dispatcher = this.#closing === undefined && this.#http2?.known === true ? this.#h2Dispatcher(this.#http2) : this.#dispatcher;
    await this.#call('POST', this.#path(Paths.CLOSE_QUERY), { queryId }, options, true, dispatcher);
  }

  async insertsStream(
    target: string,
    rows: readonly Readonly<Record<string, unknown>>[],
    options?: CallOptions,
  ): Promise<InsertRowResult[] | null> {
    const h2 = this.#http2;
    if (h2 === undefined || !(await h2.supported())) return null;
    const method = 'POST';
    const path = this.#path(Paths.INSERTS_STREAM);
    if (this.#closing !== undefined) throw this.#closedError(method, path);
    const body = [stringifyJson({ target }), ...rows.map((r) => stringifyJson(r))].join('\n') + '\n';
    const timeoutMs = this.#timeout(options);
    const callerSignal = options?.signal;
    const link = linkSignals([callerSignal], timeoutMs);
    const { origin } = this.#endpoint;
    let text: string;
    try {
      const headers = this.#requestHeaders(options, false);
      headers['accept'] = ContentType.DELIMITED;
      const response = await this.#h2Dispatcher(h2).request({
        origin,
        path,
        method,
        headers,
        body,
        signal: link.signal,
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
      });
      const httpStatus = response.statusCode;
      text = await readBoundedText(response.body, {
        maxBytes: this.#maxBodyBytes,
        declaredBytes: declaredLength(response.headers['content-length']),
        tooLarge: () =>
          new KsqlResponseTooLargeError(`${method} ${path}: the response body is larger than ${this.#maxBodyBytes} bytes (maxBodyBytes); the request was aborted`, {
            method,
            path,
            httpStatus,
            limit: 'maxBodyBytes',
            limitBytes: this.#maxBodyBytes,
          }),
      });
    } catch (err) {
      // No /inserts-stream there after all (a proxy, or HTTP/1.1 behind it): the caller sends statements.
      if (err instanceof KsqlServerError && (err.httpStatus === 404 || err.errorCode === ErrorCode.HTTP2_ONLY)) return null;
      throw toKsqlClientError(err, { method, path, origin, callerSignal, timedOut: link.signal.aborted && !callerSignal?.aborted, timeoutMs });
    } finally {
      link.dispose();
    }
    return this.#insertResults(text, rows.length, path);
  }

  close(): Promise<void> {
    if (this.#closing === undefined) {
      for (const destroy of [...this.#active]) destroy(this.#closedError('POST', this.#path(Paths.QUERY)));
      this.#active.clear();
      this.#closing = Promise.all([this.#owned ? this.#owned.close() : undefined, this.#http2?.close()]).then(() => {});
    }
    return this.#closing;
  }

  /** One result per row from the delimited acks; rows never acknowledged are `skipped`. */
  #insertResults(text: string, count: number, path: string): InsertRowResult[] {
    const results: InsertRowResult[] = Array.from({ length: count }, (_, seq) => ({ seq, status: 'skipped' as const }));
    for (const line of text.split('\n')) {
      if (line.trim() === '') continue;
      let element: JsonValue;
      try {
        element = parseJson(line);
      } catch (cause) {
        throw new KsqlProtocolError(`POST ${path}: an acknowledgement is not JSON`, { method: 'POST', path, httpStatus: 200, cause });
      }
      if (!isObject(element)) throw this.#shapeError('POST', path, 'acknowledgement objects');
      const seq = Number(element['seq']);
      const inRange = Number.isInteger(seq) && seq >= 0 && seq < count;
      if (element['status'] === 'ok' && inRange) {
        results[seq] = { seq, status: 'ok' };
        continue;
      }
      const error = serverErrorFromObject(element, { httpStatus: 200, inStream: true, method: 'POST', path });
      if (error === undefined) throw this.#shapeError('POST', path, 'acknowledgements ({"seq":n,"status":"ok"}) or insert errors');
      // An error without a row to blame (seq -1: the body itself) fails the call.
      if (!inRange) throw error;
      results[seq] = { seq, status: 'error', error };
    }
    return results;
  }

  #h2Dispatcher(h2: Http2Upstream): Dispatcher {
    return h2.dispatcher.compose(
      // undici holds a non-idempotent request (POST) until the ones in flight
      // on the connection are done: right for HTTP/1.1 pipelining, fatal for
      // open-ended push queries sharing one HTTP/2 connection. Streams are
      // independent, and nothing here is retried.
      (dispatch) => (opts, handler) => dispatch({ ...opts, idempotent: true }, handler),
      ksqlErrorInterceptor({ maxBodyBytes: this.#maxErrorBodyBytes }),
    );
  }

  // ------------------------------------------------------------ plumbing

  #path(path: string): string {
    return this.#endpoint.basePath + path;
  }

  #requestHeaders(options: CallOptions | undefined, hasBody: boolean): Record<string, string> {
    const headers = { ...this.#headers };
    if (hasBody) headers['content-type'] = ContentType.JSON;
    const authorization = pickAuthorization(this.#configuredAuth, this.#forward, options?.authorization);
    if (authorization !== undefined) headers['authorization'] = authorization;
    return headers;
  }

  #timeout(options: CallOptions | undefined): number {
    return options?.timeoutMs === undefined ? this.#timeoutMs : checkDuration('timeoutMs', options.timeoutMs);
  }

  async #entities(path: string, body: unknown, options: CallOptions | undefined): Promise<KsqlEntity[]> {
    const json = await this.#call('POST', path, body, options);
    if (!Array.isArray(json) || !json.every(isObject)) throw this.#shapeError('POST', path, 'an array of entities');
    return json as unknown as KsqlEntity[];
  }

  /** One non-streaming call: the parsed JSON body (undefined for an empty body when allowed). */
  async #call(
    method: Method,
    path: string,
    body: unknown,
    options: CallOptions | undefined,
    allowEmpty = false,
    dispatcher: Dispatcher = this.#dispatcher,
  ): Promise<JsonValue | undefined> {
    if (this.#closing !== undefined) throw this.#closedError(method, path);
    const timeoutMs = this.#timeout(options);
    const callerSignal = options?.signal;
    const link = linkSignals([callerSignal], timeoutMs);
    const { origin } = this.#endpoint;
    let status: number;
    let text: string;
    try {
      const response = await dispatcher.request({
        origin,
        path,
        method,
        headers: this.#requestHeaders(options, body !== undefined),
        body: body === undefined ? null : stringifyJson(body),
        signal: link.signal,
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
      });
      status = response.statusCode;
      const httpStatus = status;
      text = await readBoundedText(response.body, {
        maxBytes: this.#maxBodyBytes,
        declaredBytes: declaredLength(response.headers['content-length']),
        tooLarge: () =>
          new KsqlResponseTooLargeError(
            `${method} ${path}: the response body is larger than ${this.#maxBodyBytes} bytes (maxBodyBytes); the request was aborted`,
            { method, path, httpStatus, limit: 'maxBodyBytes', limitBytes: this.#maxBodyBytes },
          ),
      });
    } catch (err) {
      throw toKsqlClientError(err, {
        method,
        path,
        origin,
        callerSignal,
        timedOut: link.signal.aborted && !callerSignal?.aborted,
        timeoutMs,
      });
    } finally {
      link.dispose();
    }
    if (text.trim() === '') {
      if (allowEmpty) return undefined;
      throw new KsqlProtocolError(`${method} ${path}: empty response body (HTTP ${status})`, {
        method,
        path,
        httpStatus: status,
      });
    }
    try {
      return parseJson(text);
    } catch (cause) {
      throw new KsqlProtocolError(`${method} ${path}: response body is not JSON (HTTP ${status})`, {
        method,
        path,
        httpStatus: status,
        cause,
      });
    }
  }

  /** `/query` over HTTP/1.1, or with `h2` `/query-stream` over the shared HTTP/2 connection. */
  #openQuery(request: KsqlRequest, options: CallOptions | undefined, collect: boolean, h2?: Http2Upstream): QueryStream {
    const path = this.#path(h2 === undefined ? Paths.QUERY : Paths.QUERY_STREAM);
    const timeoutMs = this.#timeout(options);
    const headers = this.#requestHeaders(options, true);
    let body: string;
    if (h2 === undefined) {
      body = stringifyJson(request);
    } else {
      headers['accept'] = QUERY_STREAM_ACCEPT;
      // QueryStreamArgs: `sql` and `properties`, not `ksql` and `streamsProperties`.
      body = stringifyJson({
        sql: request.ksql,
        properties: request.streamsProperties ?? {},
        ...(request.sessionVariables === undefined ? {} : { sessionVariables: request.sessionVariables }),
        ...(request.requestProperties === undefined ? {} : { requestProperties: request.requestProperties }),
      });
    }
    return openQueryStream({
      dispatcher: h2 === undefined ? this.#dispatcher : this.#h2Dispatcher(h2),
      request: {
        origin: this.#endpoint.origin,
        path,
        method: 'POST',
        headers,
        body,
        headersTimeout: timeoutMs,
        // Push-query bodies are open-ended and carry no keep-alives.
        bodyTimeout: collect ? timeoutMs : 0,
      },
      signal: options?.signal,
      timeoutMs,
      timeoutCoversBody: collect,
      bufferBatches: this.#bufferChunks,
      maxLineBytes: this.#maxLineBytes,
      // pullQuery keeps every row: its whole body is bounded like any body read whole.
      maxBodyBytes: collect ? this.#maxBodyBytes : undefined,
      track: (destroy) => {
        if (this.#closing !== undefined) {
          destroy(this.#closedError('POST', path));
          return () => {};
        }
        this.#active.add(destroy);
        return () => this.#active.delete(destroy);
      },
    });
  }

  #closedError(method: string, path: string): KsqlAbortError {
    return new KsqlAbortError(`${method} ${path}: the ksqlDB client is closed`, { method, path });
  }

  #shapeError(method: string, path: string, expected: string): KsqlProtocolError {
    return new KsqlProtocolError(`${method} ${path}: expected ${expected} in the response`, { method, path });
  }
}

/**
 * Creates a ksqlDB REST client over undici.
 *
 * @example
 * const ksql = createKsqlClient({ baseUrl: 'http://localhost:8088' });
 * for await (const event of ksql.query({ ksql: 'SELECT * FROM S EMIT CHANGES LIMIT 3;' })) {
 *   if (event.kind === 'row') console.log(event.columns);
 * }
 * await ksql.close();
 */
export function createKsqlClient(options: KsqlClientOptions): KsqlClient {
  return new UndiciKsqlClient(options);
}
