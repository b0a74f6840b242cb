/**
 * The ksqlDB client's error hierarchy and the one function that turns
 * anything thrown below it (undici, sockets, timers, ksqlDB error bodies)
 * into it. Match on `code`, not on the class.
 *
 * | code                 | class                  | when                                                        |
 * |----------------------|------------------------|-------------------------------------------------------------|
 * | `KSQL_TRANSPORT`     | KsqlTransportError     | connection refused/reset, DNS, TLS, socket closed mid-body  |
 * | `KSQL_TIMEOUT`       | KsqlTimeoutError       | `timeoutMs` elapsed, or an undici connect/headers/body timeout |
 * | `KSQL_SERVER_ERROR`  | KsqlServerError        | non-2xx response, or an `errorMessage` inside a `/query` body |
 * | `KSQL_PROTOCOL`      | KsqlProtocolError      | a 2xx body we cannot parse or that has the wrong shape     |
 * | `KSQL_RESPONSE_TOO_LARGE` | KsqlResponseTooLargeError | a `/query` line over `maxLineBytes`, or a body read whole over `maxBodyBytes` |
 * | `KSQL_ABORTED`       | KsqlAbortError         | the caller's signal aborted, or the client was closed       |
 * | `KSQL_CLIENT_CONFIG` | KsqlClientConfigError  | invalid `createKsqlClient` options                          |
 *
 * Credentials: no error created here contains an `Authorization` value. We
 * never copy request headers into errors, and upstream text that happens to
 * echo the credential is redacted ({@link redactSecrets}).
 *
 * @module
 */
import { isJsonNumber, parseJson, type JsonValue, type KsqlEntity } from '../../protocol/index.js';
import type { BaseErrorOptions } from '../../shared/errors.js';
import { redactAuthorizationValues, redactSecrets } from '../../shared/redact.js';
import { GatewayError } from '../gateway-error.js';
import { transportReason } from './transport-reason.js';

export const KsqlClientErrorCode = {
  TRANSPORT: 'KSQL_TRANSPORT',
  TIMEOUT: 'KSQL_TIMEOUT',
  SERVER_ERROR: 'KSQL_SERVER_ERROR',
  PROTOCOL: 'KSQL_PROTOCOL',
  ABORTED: 'KSQL_ABORTED',
  CLIENT_CONFIG: 'KSQL_CLIENT_CONFIG',
  RESPONSE_TOO_LARGE: 'KSQL_RESPONSE_TOO_LARGE',
} as const;

export type KsqlClientErrorCode = (typeof KsqlClientErrorCode)[keyof typeof KsqlClientErrorCode];

/** Which call failed: method and path (never headers, never the body). */
export interface RequestInfo {
  readonly method: string;
  /** Path as sent, including any base path, percent-encoded. */
  readonly path: string;
}

interface RequestErrorOptions extends BaseErrorOptions {
  readonly method?: string | undefined;
  readonly path?: string | undefined;
}

export class KsqlClientConfigError extends GatewayError {
  constructor(message: string, options: BaseErrorOptions = {}) {
    super(KsqlClientErrorCode.CLIENT_CONFIG, message, options);
  }
}

export interface KsqlTransportErrorOptions extends RequestErrorOptions {
  /** `err.code` of the underlying error (`ECONNREFUSED`, `UND_ERR_SOCKET`, ...). */
  readonly causeCode?: string | undefined;
  /**
   * Why, in a few plain words safe to show a GraphQL client.
   * @default derived from the codes of `cause`'s chain and `causeCode` ({@link transportReason})
   */
  readonly reason?: string | undefined;
  /** The connection broke after a `/query` header had arrived. @default false */
  readonly inStream?: boolean | undefined;
}

/** The request did not get a complete response: connect, DNS, reset, closed socket. */
export class KsqlTransportError extends GatewayError {
  readonly method: string | undefined;
  readonly path: string | undefined;
  readonly causeCode: string | undefined;
  /**
   * A short, stable cause with no host, address, path or secret in it
   * ("connection refused", "ksqlDB's certificate is not trusted
   * (SELF_SIGNED_CERT_IN_CHAIN)"): the gateway sends it to clients as
   * `extensions.reason`.
   */
  readonly reason: string;
  /** True for {@link KsqlTimeoutError}. */
  readonly timeout: boolean = false;
  /**
   * The connection broke after the `/query` response's header had arrived:
   * the query was running on that server and has ended with the connection
   * (a push query must be opened again). False for failures before any
   * response, where nothing ran.
   */
  readonly inStream: boolean;

  constructor(message: string, options: KsqlTransportErrorOptions = {}) {
    super(KsqlClientErrorCode.TRANSPORT, message, options);
    this.method = options.method;
    this.path = options.path;
    this.causeCode = options.causeCode;
    this.reason = options.reason ?? transportReason(options.cause, options.causeCode);
    this.inStream = options.inStream ?? false;
  }
}

export interface KsqlTimeoutErrorOptions extends KsqlTransportErrorOptions {
  /** The budget that ran out, when it was ours; undefined for undici's own timers. */
  readonly timeoutMs?: number | undefined;
}

/** A timeout: a transport failure with its own code. */
export class KsqlTimeoutError extends KsqlTransportError {
  override readonly code = KsqlClientErrorCode.TIMEOUT;
  override readonly timeout = true;
  readonly timeoutMs: number | undefined;

  constructor(message: string, options: KsqlTimeoutErrorOptions = {}) {
    // Our own budget's cause is an abort reason, which says nothing about the transport.
    const reason = options.reason ?? (options.causeCode === 'UND_ERR_CONNECT_TIMEOUT' ? 'connection timed out' : 'no answer in time');
    super(message, { ...options, reason });
    this.timeoutMs = options.timeoutMs;
  }
}

export interface KsqlServerErrorOptions extends RequestErrorOptions {
  readonly httpStatus: number;
  readonly errorCode: number;
  readonly ksqlType?: string | null | undefined;
  readonly statementText?: string | undefined;
  readonly entities?: readonly KsqlEntity[] | undefined;
  readonly inStream?: boolean | undefined;
  readonly synthesized?: boolean | undefined;
}

/**
 * ksqlDB said no. `message` is ksqlDB's `message`, verbatim (redacted only if
 * it echoes a credential).
 */
export class KsqlServerError extends GatewayError {
  /** HTTP status of the response; 200 for an `errorMessage` inside a `/query` body. */
  readonly httpStatus: number;
  /**
   * ksqlDB's `error_code`, exactly. When the body was not a ksqlDB error
   * (404 `Not Found`, empty 406, a proxy's HTML page) it is synthesised as
   * `httpStatus * 100`, ksqlDB's own convention, and `synthesized` is true.
   */
  readonly errorCode: number;
  /** `@type`: `generic_error`, `statement_error`, ...; null when synthesised or absent. */
  readonly ksqlType: string | null;
  /** `statementText` of a `statement_error`. */
  readonly statementText: string | undefined;
  /** `entities` of a `statement_error` (always `[]` in practice). */
  readonly entities: readonly KsqlEntity[] | undefined;
  /** The error arrived as an `errorMessage` element after a 200 header. */
  readonly inStream: boolean;
  /** The body was not a ksqlDB error object; `errorCode` is `httpStatus * 100`. */
  readonly synthesized: boolean;
  readonly method: string | undefined;
  readonly path: string | undefined;

  constructor(message: string, options: KsqlServerErrorOptions) {
    super(KsqlClientErrorCode.SERVER_ERROR, message, options);
    this.httpStatus = options.httpStatus;
    this.errorCode = options.errorCode;
    this.ksqlType = options.ksqlType ?? null;
    this.statementText = options.statementText;
    this.entities = options.entities;
    this.inStream = options.inStream ?? false;
    this.synthesized = options.synthesized ?? false;
    this.method = options.method;
    this.path = options.path;
  }
}

export interface KsqlProtocolErrorOptions extends RequestErrorOptions {
  readonly httpStatus?: number | undefined;
}

/** A 2xx response we cannot make sense of (bad JSON, wrong shape, broken framing). */
export class KsqlProtocolError extends GatewayError {
  readonly httpStatus: number | undefined;
  readonly method: string | undefined;
  readonly path: string | undefined;

  constructor(message: string, options: KsqlProtocolErrorOptions = {}) {
    super(KsqlClientErrorCode.PROTOCOL, message, options);
    this.httpStatus = options.httpStatus;
    this.method = options.method;
    this.path = options.path;
  }
}

/** Which of the client's response bounds was exceeded. */
export type ResponseLimit = 'maxLineBytes' | 'maxBodyBytes';

export interface KsqlResponseTooLargeErrorOptions extends KsqlProtocolErrorOptions {
  readonly limit: ResponseLimit;
  /** The bound, in bytes. */
  readonly limitBytes: number;
}

/**
 * ksqlDB sent more than the client reads: a `/query` line longer than
 * `maxLineBytes`, or a body read whole (statements, pull queries, ...)
 * longer than `maxBodyBytes`. The request was aborted at the limit.
 */
export class KsqlResponseTooLargeError extends KsqlProtocolError {
  override readonly code = KsqlClientErrorCode.RESPONSE_TOO_LARGE;
  readonly limit: ResponseLimit;
  readonly limitBytes: number;

  constructor(message: string, options: KsqlResponseTooLargeErrorOptions) {
    super(message, options);
    this.limit = options.limit;
    this.limitBytes = options.limitBytes;
  }
}

/** Cancelled on our side: the caller's signal, or `client.close()`. `cause` is the abort reason. */
export class KsqlAbortError extends GatewayError {
  readonly method: string | undefined;
  readonly path: string | undefined;

  constructor(message: string, options: RequestErrorOptions = {}) {
    super(KsqlClientErrorCode.ABORTED, message, options);
    this.method = options.method;
    this.path = options.path;
  }
}

// ------------------------------------------------------------ redaction

export { secretsOf } from '../../shared/redact.js';

/** Redacts the call's secrets and anything shaped like an Authorization value. */
export function redactText(text: string, secrets: readonly string[]): string {
  return redactAuthorizationValues(redactSecrets(text, secrets));
}

// ---------------------------------------------------- ksqlDB error bodies

function asNumber(v: JsonValue | undefined): number | undefined {
  if (typeof v === 'number') return v;
  if (isJsonNumber(v)) {
    const n = v.toNumber();
    return Number.isFinite(n) ? n : undefined;
  }
  return undefined;
}

interface ErrorContext extends RequestErrorOptions {
  readonly httpStatus: number;
  readonly inStream?: boolean | undefined;
  readonly secrets?: readonly string[] | undefined;
  /** The response's Content-Type, when it sent one. */
  readonly contentType?: string | undefined;
}

/**
 * A parsed `{"@type","error_code","message",...}` object as a KsqlServerError,
 * or undefined if the value does not have that shape.
 */
export function serverErrorFromObject(value: JsonValue, ctx: ErrorContext): KsqlServerError | undefined {
  if (value === null || typeof value !== 'object' || Array.isArray(value) || !('error_code' in value)) {
    return undefined;
  }
  const obj = value as Record<string, JsonValue>;
  const errorCode = asNumber(obj['error_code']);
  const message = obj['message'];
  if (errorCode === undefined || typeof message !== 'string') return undefined;
  const secrets = ctx.secrets ?? [];
  const type = obj['@type'];
  const statementText = obj['statementText'];
  const entities = obj['entities'];
  return new KsqlServerError(redactText(message, secrets), {
    httpStatus: ctx.httpStatus,
    errorCode,
    ksqlType: typeof type === 'string' ? type : null,
    statementText: typeof statementText === 'string' ? redactText(statementText, secrets) : undefined,
    entities: Array.isArray(entities) ? (entities as unknown as KsqlEntity[]) : undefined,
    inStream: ctx.inStream,
    method: ctx.method,
    path: ctx.path,
  });
}

/** Longest first line of a non-ksqlDB error body kept in a message, in characters. */
const MAX_SUMMARY = 200;

/**
 * What kind of markup the body is, if it is markup: an HTML page (a proxy's
 * or a load balancer's error page, by Content-Type or by its start) or
 * another document starting with a tag.
 */
function markupKind(text: string, contentType: string | undefined): 'an HTML page' | 'an XML document' | undefined {
  if (contentType !== undefined && /^\s*(?:text\/html|application\/xhtml\+xml)\b/i.test(contentType)) return 'an HTML page';
  if (/^<(?:!doctype\s+html|html|head|body|title|center|h1)\b/i.test(text)) return 'an HTML page';
  return /^<[!?a-z]/i.test(text) ? 'an XML document' : undefined;
}

/**
 * The message of a body that is not a ksqlDB error: a short plain summary.
 * Markup is never copied (an HTML page is named, not quoted); other text
 * gives its first non-empty line, control characters removed, cut at
 * {@link MAX_SUMMARY} characters.
 */
function summarise(httpStatus: number, text: string, contentType: string | undefined): string {
  const status = `ksqlDB returned HTTP ${httpStatus}`;
  const markup = markupKind(text, contentType);
  if (markup !== undefined) return `${status} (${markup})`;
  const first = text.split(/\r?\n/).find((l) => l.trim() !== '') ?? '';
  const line = first.replace(/[\u0000-\u001f\u007f-\u009f]/g, ' ').trim();
  if (line === '') return `${status} with an empty body`;
  return `${status}: ${line.length > MAX_SUMMARY ? `${line.slice(0, MAX_SUMMARY)}…` : line}`;
}

/**
 * A non-2xx response body as a KsqlServerError. ksqlDB error bodies are
 * parsed whatever their Content-Type (FailureHandler sends none); anything
 * else (`Not Found`, empty, a proxy's HTML page) is synthesised with
 * `errorCode = httpStatus * 100` and a short plain summary: `ksqlDB returned
 * HTTP 502 (an HTML page)`, or `ksqlDB returned HTTP 404: Not Found` (the
 * first line of a plain body, at most 200 characters).
 */
export function serverErrorFromResponse(bodyText: string, ctx: ErrorContext): KsqlServerError {
  const trimmed = bodyText.trim();
  if (trimmed.startsWith('{')) {
    try {
      const parsed = serverErrorFromObject(parseJson(trimmed), ctx);
      if (parsed) return parsed;
    } catch {
      // Not JSON after all: synthesised below.
    }
  }
  // Redact before cutting, so no fragment of a secret survives the cut.
  return new KsqlServerError(summarise(ctx.httpStatus, redactText(trimmed, ctx.secrets ?? []), ctx.contentType), {
    httpStatus: ctx.httpStatus,
    errorCode: ctx.httpStatus * 100,
    ksqlType: null,
    synthesized: true,
    method: ctx.method,
    path: ctx.path,
  });
}

// ----------------------------------------------------- the translation

export interface TranslateContext extends RequestInfo {
  /** `origin` for messages (no userinfo: the client refuses URLs with credentials). */
  readonly origin: string;
  /** The caller's signal: if it aborted, the failure is a KsqlAbortError. */
  readonly callerSignal?: AbortSignal | undefined;
  /** True when our own timeout fired. */
  readonly timedOut?: boolean | undefined;
  readonly timeoutMs?: number | undefined;
  /** A `/query` header had arrived: a transport failure is marked `inStream`. */
  readonly inStream?: boolean | undefined;
}

const UNDICI_TIMEOUTS = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

function codeOf(err: unknown): string | undefined {
  const code = typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : undefined;
  return typeof code === 'string' ? code : undefined;
}

function describe(err: unknown): string {
  if (err instanceof AggregateError) {
    // Happy-eyeballs connects fail with an AggregateError whose own message is empty.
    const inner = err.errors.map(describe).filter(Boolean);
    if (inner.length > 0) return [...new Set(inner)].join('; ');
  }
  if (err instanceof Error && err.message) return err.message;
  return codeOf(err) ?? String(err);
}

/**
 * The only place where foreign errors become client errors. Client errors
 * pass through unchanged; the caller's abort wins over everything else, then
 * our timeout, then undici's timeouts; anything else from below is transport.
 */
export function toKsqlClientError(err: unknown, ctx: TranslateContext): GatewayError {
  if (err instanceof GatewayError) return err;
  const info = { method: ctx.method, path: ctx.path };
  if (ctx.callerSignal?.aborted) {
    return new KsqlAbortError(`${ctx.method} ${ctx.path} was aborted`, { ...info, cause: ctx.callerSignal.reason ?? err });
  }
  const causeCode = codeOf(err);
  if (ctx.timedOut) {
    return new KsqlTimeoutError(`${ctx.method} ${ctx.origin}${ctx.path} timed out after ${ctx.timeoutMs} ms`, {
      ...info,
      cause: err,
      causeCode,
      timeoutMs: ctx.timeoutMs,
    });
  }
  if (causeCode !== undefined && UNDICI_TIMEOUTS.has(causeCode)) {
    return new KsqlTimeoutError(`${ctx.method} ${ctx.origin}${ctx.path} timed out: ${describe(err)}`, {
      ...info,
      cause: err,
      causeCode,
    });
  }
  return new KsqlTransportError(`${ctx.method} ${ctx.origin}${ctx.path} failed: ${describe(err)}`, {
    ...info,
    cause: err,
    causeCode,
    inStream: ctx.inStream,
  });
}
