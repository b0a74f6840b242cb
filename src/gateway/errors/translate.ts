/**
 * The one place where errors cross from the ksqlDB client into GraphQL.
 *
 * - {@link translateError}: a client error (or a GraphQLError wrapping one) →
 *   a `GraphQLError` whose `extensions.code` comes from {@link ERROR_CODES},
 *   with `ksqlErrorCode`, `httpStatus`, `statementText` and `entities` when
 *   ksqlDB sent them, and `reason` when ksqlDB could not be reached.
 *   Anything else → `undefined`.
 * - {@link maskError}: yoga's `maskedErrors.maskError`. Deliberate GraphQL
 *   errors (validation, bad input, translated client errors) pass; anything
 *   else becomes "Unexpected error." with code `INTERNAL_SERVER_ERROR`, no
 *   stack and no internals (yoga logs the original).
 *
 * Client errors are recognised by their stable `code` (match on `code`, not
 * on the class); `KSQL_CLIENT_CONFIG` is a programming error and
 * is masked like any other unexpected error.
 *
 * @module
 */
import { GraphQLError, type GraphQLErrorOptions } from 'graphql';
import {
  KsqlClientErrorCode,
  type KsqlResponseTooLargeError,
  type KsqlServerError,
  type KsqlTransportError,
} from '../ksql-client/errors.js';

/** The `extensions.code` values the gateway produces. Never reworded once published. */
export const GatewayErrorCode = {
  KSQL_BAD_REQUEST: 'KSQL_BAD_REQUEST',
  KSQL_BAD_STATEMENT: 'KSQL_BAD_STATEMENT',
  KSQL_QUERY_ENDPOINT: 'KSQL_QUERY_ENDPOINT',
  KSQL_TOO_MANY_PUSH_QUERIES: 'KSQL_TOO_MANY_PUSH_QUERIES',
  KSQL_UNAUTHORIZED: 'KSQL_UNAUTHORIZED',
  KSQL_FORBIDDEN: 'KSQL_FORBIDDEN',
  KSQL_NOT_FOUND: 'KSQL_NOT_FOUND',
  KSQL_ASSERTION_FAILED: 'KSQL_ASSERTION_FAILED',
  KSQL_RATE_LIMITED: 'KSQL_RATE_LIMITED',
  KSQL_SERVER_ERROR: 'KSQL_SERVER_ERROR',
  KSQL_NOT_READY: 'KSQL_NOT_READY',
  KSQL_ERROR: 'KSQL_ERROR',
  KSQL_UNAVAILABLE: 'KSQL_UNAVAILABLE',
  KSQL_BAD_RESPONSE: 'KSQL_BAD_RESPONSE',
  KSQL_CANCELLED: 'KSQL_CANCELLED',
  GATEWAY_CLOSING: 'GATEWAY_CLOSING',
  SHUTTING_DOWN: 'SHUTTING_DOWN',
  SCHEMA_NOT_READY: 'SCHEMA_NOT_READY',
  SUBSCRIBER_TOO_SLOW: 'SUBSCRIBER_TOO_SLOW',
  SOURCE_DROPPED: 'SOURCE_DROPPED',
  BAD_USER_INPUT: 'BAD_USER_INPUT',
  FORBIDDEN: 'FORBIDDEN',
  HOST_NOT_ALLOWED: 'HOST_NOT_ALLOWED',
  ORIGIN_NOT_ALLOWED: 'ORIGIN_NOT_ALLOWED',
  UNSUPPORTED_CONTENT_TYPE: 'UNSUPPORTED_CONTENT_TYPE',
  CSRF_HEADER_REQUIRED: 'CSRF_HEADER_REQUIRED',
  REQUEST_ENTITY_TOO_LARGE: 'REQUEST_ENTITY_TOO_LARGE',
  TOKEN_LIMIT_EXCEEDED: 'TOKEN_LIMIT_EXCEEDED',
  DEPTH_LIMIT_EXCEEDED: 'DEPTH_LIMIT_EXCEEDED',
  ALIAS_LIMIT_EXCEEDED: 'ALIAS_LIMIT_EXCEEDED',
  DIRECTIVE_LIMIT_EXCEEDED: 'DIRECTIVE_LIMIT_EXCEEDED',
  COST_LIMIT_EXCEEDED: 'COST_LIMIT_EXCEEDED',
  UPSTREAM_CALL_LIMIT_EXCEEDED: 'UPSTREAM_CALL_LIMIT_EXCEEDED',
  SUBSCRIPTION_LIMIT_EXCEEDED: 'SUBSCRIPTION_LIMIT_EXCEEDED',
  CONNECTION_SUBSCRIPTION_LIMIT_EXCEEDED: 'CONNECTION_SUBSCRIPTION_LIMIT_EXCEEDED',
  PERSISTED_QUERY_NOT_FOUND: 'PERSISTED_QUERY_NOT_FOUND',
  DOCUMENT_NOT_PERSISTED: 'DOCUMENT_NOT_PERSISTED',
  DOCUMENT_REQUIRED: 'DOCUMENT_REQUIRED',
  KSQL_RESPONSE_TOO_LARGE: 'KSQL_RESPONSE_TOO_LARGE',
  KSQL_CONNECTION_LOST: 'KSQL_CONNECTION_LOST',
  CURSOR_MALFORMED: 'CURSOR_MALFORMED',
  CURSOR_FORGED: 'CURSOR_FORGED',
  CURSOR_FOREIGN: 'CURSOR_FOREIGN',
  CURSOR_EXPIRED: 'CURSOR_EXPIRED',
  INTERNAL_SERVER_ERROR: 'INTERNAL_SERVER_ERROR',
} as const;

export type GatewayErrorCode = (typeof GatewayErrorCode)[keyof typeof GatewayErrorCode];

export interface ErrorCodeEntry {
  readonly code: GatewayErrorCode;
  /** ksqlDB `error_code`s mapped to this code (`401xx` = every code from 40100 to 40199), or `-`. */
  readonly ksqlErrorCodes: string;
  readonly meaning: string;
}

/** The documented table (docs/errors.md is generated from the same content). */
export const ERROR_CODES: readonly ErrorCodeEntry[] = [
  { code: 'KSQL_BAD_REQUEST', ksqlErrorCodes: '40000', meaning: 'ksqlDB rejected the request (bad JSON, bad property, unknown query id, ...).' },
  { code: 'KSQL_BAD_STATEMENT', ksqlErrorCodes: '40001', meaning: 'The SQL does not parse or does not make sense (unknown source, type error, ...). `statementText` names the statement.' },
  { code: 'KSQL_QUERY_ENDPOINT', ksqlErrorCodes: '40002', meaning: 'A SELECT or PRINT was sent to `execute`; use `pullQuery` or `pushQuery`.' },
  { code: 'KSQL_TOO_MANY_PUSH_QUERIES', ksqlErrorCodes: '40003', meaning: 'ksqlDB runs its maximum number of push queries (`ksql.max.push.queries`).' },
  { code: 'KSQL_UNAUTHORIZED', ksqlErrorCodes: '401xx', meaning: 'ksqlDB did not accept the credentials.' },
  { code: 'KSQL_FORBIDDEN', ksqlErrorCodes: '403xx', meaning: 'The credentials do not allow this (including Kafka topic access, 40301).' },
  { code: 'KSQL_NOT_FOUND', ksqlErrorCodes: '404xx', meaning: 'The thing asked for does not exist (e.g. an unknown command id in `status`).' },
  { code: 'KSQL_ASSERTION_FAILED', ksqlErrorCodes: '41700', meaning: 'An ASSERT TOPIC / ASSERT SCHEMA statement failed.' },
  { code: 'KSQL_RATE_LIMITED', ksqlErrorCodes: '42900', meaning: 'A ksqlDB rate or concurrency limit was hit; retry later.' },
  { code: 'KSQL_SERVER_ERROR', ksqlErrorCodes: '50000', meaning: 'ksqlDB failed internally, or a running query failed.' },
  { code: 'KSQL_NOT_READY', ksqlErrorCodes: '503xx', meaning: 'ksqlDB is starting, catching up or shutting down; retry later.' },
  { code: 'KSQL_ERROR', ksqlErrorCodes: 'any other', meaning: 'Any other ksqlDB error (e.g. a Kafka Connect status passed through, 40900); see `ksqlErrorCode`.' },
  { code: 'KSQL_UNAVAILABLE', ksqlErrorCodes: '-', meaning: 'ksqlDB could not be reached or did not answer in time. When it could not be reached, `reason` says why in a few stable words, e.g. "connection refused", "ksqlDB\'s certificate is not trusted (SELF_SIGNED_CERT_IN_CHAIN)", "ksqlDB\'s certificate does not match the host", "ksqlDB requires a client certificate" (docs/operations.md).' },
  { code: 'KSQL_BAD_RESPONSE', ksqlErrorCodes: '-', meaning: 'ksqlDB sent a response the gateway could not understand.' },
  { code: 'KSQL_CANCELLED', ksqlErrorCodes: '-', meaning: 'The call to ksqlDB was cancelled (the client went away or the gateway is closing).' },
  { code: 'GATEWAY_CLOSING', ksqlErrorCodes: '-', meaning: 'No longer sent: replaced by `SHUTTING_DOWN`.' },
  { code: 'SHUTTING_DOWN', ksqlErrorCodes: '-', meaning: 'The gateway is shutting down (SIGTERM): new operations are refused and running subscriptions end with it; `retryable: true`, so reconnect (to another instance).' },
  { code: 'SCHEMA_NOT_READY', ksqlErrorCodes: '-', meaning: 'The operation uses root fields of the typed schema, which has not been built yet (the gateway just started, or cannot read the catalog); `retryable: true`. `/readiness` says not ready meanwhile.' },
  { code: 'SUBSCRIBER_TOO_SLOW', ksqlErrorCodes: '-', meaning: 'The subscriber fell a whole event log (`logBytes`, `--push-log-bytes`) behind a shared push query while another subscriber kept up, and was ended alone (the query and its other subscribers go on); subscribe again.' },
  { code: 'SOURCE_DROPPED', ksqlErrorCodes: '-', meaning: 'The stream or table a typed subscription reads was dropped (or renamed away by a filter change); the subscription ends with this error. `source` names it.' },
  { code: 'BAD_USER_INPUT', ksqlErrorCodes: '-', meaning: 'An argument is invalid (e.g. `properties` is not a JSON object, `eq: null` in a `where` filter, an unknown column).' },
  { code: 'FORBIDDEN', ksqlErrorCodes: '-', meaning: 'The operation selects an admin field (`execute`, `terminateCluster`, `pushQuery`, `pushQueryBatches`, `pullQuery`) and the admin API is off, or the request did not carry the right `x-admin-secret` (docs/security.md).' },
  { code: 'HOST_NOT_ALLOWED', ksqlErrorCodes: '-', meaning: 'HTTP 403: the `Host` header names a host not in `--allowed-hosts` (DNS-rebinding protection; on loopback only loopback names are accepted by default).' },
  { code: 'ORIGIN_NOT_ALLOWED', ksqlErrorCodes: '-', meaning: 'HTTP 403 to a WebSocket upgrade: the page\'s `Origin` is neither the gateway\'s own nor in `--cors-origins`.' },
  { code: 'UNSUPPORTED_CONTENT_TYPE', ksqlErrorCodes: '-', meaning: 'HTTP 415: a POST body type not in `--request-content-types` (default: `application/json` only).' },
  { code: 'CSRF_HEADER_REQUIRED', ksqlErrorCodes: '-', meaning: 'HTTP 403: a request a browser sends cross-site without a preflight (GET, or a form content type) carried none of the CSRF headers (`x-graphql-yoga-csrf`, `apollo-require-preflight`, `x-apollo-operation-name`).' },
  { code: 'REQUEST_ENTITY_TOO_LARGE', ksqlErrorCodes: '-', meaning: 'HTTP 413: the request body is larger than `--max-request-bytes` (yoga\'s own check; a graphql-ws message that large closes the socket with 1009).' },
  { code: 'TOKEN_LIMIT_EXCEEDED', ksqlErrorCodes: '-', meaning: 'The document has more tokens than `--max-tokens`; parsing stopped there.' },
  { code: 'DEPTH_LIMIT_EXCEEDED', ksqlErrorCodes: '-', meaning: 'The operation nests fields deeper than `--max-depth`.' },
  { code: 'ALIAS_LIMIT_EXCEEDED', ksqlErrorCodes: '-', meaning: 'The operation has more aliases than `--max-aliases`.' },
  { code: 'DIRECTIVE_LIMIT_EXCEEDED', ksqlErrorCodes: '-', meaning: 'The operation has more directives than `--max-directives`.' },
  { code: 'COST_LIMIT_EXCEEDED', ksqlErrorCodes: '-', meaning: 'The operation costs more than `--max-cost`.' },
  { code: 'UPSTREAM_CALL_LIMIT_EXCEEDED', ksqlErrorCodes: '-', meaning: 'The field would have made the operation\'s call number `--max-upstream-calls` + 1 to ksqlDB, so it fails without calling; the calls before it were made.' },
  { code: 'SUBSCRIPTION_LIMIT_EXCEEDED', ksqlErrorCodes: '-', meaning: 'The gateway runs `--max-subscriptions` subscriptions already; retry later (running ones go on).' },
  { code: 'CONNECTION_SUBSCRIPTION_LIMIT_EXCEEDED', ksqlErrorCodes: '-', meaning: 'This graphql-ws connection runs `--max-subscriptions-per-connection` subscriptions already; end one first (running ones go on).' },
  { code: 'PERSISTED_QUERY_NOT_FOUND', ksqlErrorCodes: '-', meaning: 'No persisted document has the id sent (`documentId` or `extensions.persistedQuery.sha256Hash`). Apollo Client then retries with the whole document, which runs unless `--only-persisted`.' },
  { code: 'DOCUMENT_NOT_PERSISTED', ksqlErrorCodes: '-', meaning: '`--only-persisted`: the request sent a document instead of the id of a persisted one.' },
  { code: 'DOCUMENT_REQUIRED', ksqlErrorCodes: '-', meaning: 'The request carried neither a document (`query`) nor a persisted document id.' },
  { code: 'KSQL_RESPONSE_TOO_LARGE', ksqlErrorCodes: '-', meaning: 'ksqlDB sent more than the gateway reads: a `/query` line (one row) longer than `--ksql-max-line-bytes`, or a body read whole (a statement\'s answer, a pull query\'s rows) longer than `--ksql-max-body-bytes`. The upstream request was aborted at the limit; a subscription ends with this error. `limit` names the bound and `limitBytes` its value.' },
  { code: 'KSQL_CONNECTION_LOST', ksqlErrorCodes: '-', meaning: 'The connection to the ksqlDB server running this push query broke after the query had started (the server went away); subscribe again, and another server of the cluster takes it. `retryable` is true. (A pull query whose rows were cut off the same way gets it too.) Failures before a query started are `KSQL_UNAVAILABLE`.' },
  { code: 'CURSOR_MALFORMED', ksqlErrorCodes: '-', meaning: 'The `after` cursor of a subscription is not a cursor (cut, edited by hand, from another version); no query was started (docs/resume.md).' },
  { code: 'CURSOR_FORGED', ksqlErrorCodes: '-', meaning: 'The `after` cursor was not made by this gateway, nor by one sharing its `--cursor-secret`, or was changed; no query was started.' },
  { code: 'CURSOR_FOREIGN', ksqlErrorCodes: '-', meaning: 'The `after` cursor belongs to a subscription of another source or filter; no query was started.' },
  { code: 'CURSOR_EXPIRED', ksqlErrorCodes: '-', meaning: 'Rows after the `after` cursor are gone from the topic (retention, or compaction of a table\'s topic): the subscription cannot continue exactly and ends; subscribe again without `after` (a table: with `snapshot: true`).' },
  { code: 'INTERNAL_SERVER_ERROR', ksqlErrorCodes: '-', meaning: 'An unexpected error; the message is always "Unexpected error." and details are only logged.' },
];

const EXACT = new Map<number, GatewayErrorCode>([
  [40000, 'KSQL_BAD_REQUEST'],
  [40001, 'KSQL_BAD_STATEMENT'],
  [40002, 'KSQL_QUERY_ENDPOINT'],
  [40003, 'KSQL_TOO_MANY_PUSH_QUERIES'],
  [41700, 'KSQL_ASSERTION_FAILED'],
  [42900, 'KSQL_RATE_LIMITED'],
  [50000, 'KSQL_SERVER_ERROR'],
]);

const BY_STATUS = new Map<number, GatewayErrorCode>([
  [401, 'KSQL_UNAUTHORIZED'],
  [403, 'KSQL_FORBIDDEN'],
  [404, 'KSQL_NOT_FOUND'],
  [429, 'KSQL_RATE_LIMITED'],
  [503, 'KSQL_NOT_READY'],
]);

/** The gateway code for a ksqlDB `error_code` (or, without one, an HTTP status). */
export function codeForKsqlError(errorCode: number | undefined, httpStatus?: number): GatewayErrorCode {
  if (errorCode !== undefined && Number.isInteger(errorCode)) {
    return EXACT.get(errorCode) ?? BY_STATUS.get(Math.trunc(errorCode / 100)) ?? 'KSQL_ERROR';
  }
  if (httpStatus !== undefined) {
    const exact = EXACT.get(httpStatus * 100);
    if (exact && httpStatus !== 400) return exact;
    return BY_STATUS.get(httpStatus) ?? 'KSQL_ERROR';
  }
  return 'KSQL_ERROR';
}

// ------------------------------------------------------------ recognition

type ClientErrorKind = 'server' | 'transport' | 'timeout' | 'abort' | 'protocol' | 'too-large' | 'connection-lost';

const KIND_BY_CODE = new Map<string, ClientErrorKind>([
  [KsqlClientErrorCode.SERVER_ERROR, 'server'],
  [KsqlClientErrorCode.TRANSPORT, 'transport'],
  [KsqlClientErrorCode.TIMEOUT, 'timeout'],
  [KsqlClientErrorCode.ABORTED, 'abort'],
  [KsqlClientErrorCode.PROTOCOL, 'protocol'],
  [KsqlClientErrorCode.RESPONSE_TOO_LARGE, 'too-large'],
  // Codec errors of src/protocol, should one ever escape the client untranslated.
  ['KSQL_FRAMING_ERROR', 'protocol'],
  ['KSQL_SCHEMA_STRING', 'protocol'],
]);

function classify(error: unknown): ClientErrorKind | undefined {
  if (!(error instanceof Error) || error instanceof GraphQLError) return undefined;
  const code = (error as { code?: unknown }).code;
  const kind = typeof code === 'string' ? KIND_BY_CODE.get(code) : undefined;
  // A transport failure after a /query header: the query was running and died with its connection.
  if (kind === 'transport' && (error as { inStream?: unknown }).inStream === true) return 'connection-lost';
  return kind;
}

/** The innermost non-GraphQL error of a GraphQLError chain (or the error itself). */
function unwrap(error: unknown): unknown {
  let current = error;
  for (let depth = 0; depth < 8 && current instanceof GraphQLError; depth++) {
    if (current.originalError === undefined) return current; // graphql-js stores a null originalError as undefined
    current = current.originalError;
  }
  return current;
}

// ------------------------------------------------------------ translation

/** Errors this module created; they pass through translation and masking unchanged. */
const finalErrors = new WeakSet<GraphQLError>();

function located(error: unknown): Pick<GraphQLErrorOptions, 'nodes' | 'source' | 'positions' | 'path'> {
  if (!(error instanceof GraphQLError)) return {};
  return {
    ...(error.nodes ? { nodes: error.nodes } : {}),
    ...(error.source ? { source: error.source } : {}),
    ...(error.positions ? { positions: error.positions } : {}),
    ...(error.path ? { path: error.path } : {}),
  };
}

function finalError(message: string, location: unknown, extensions: Record<string, unknown>): GraphQLError {
  const error = new GraphQLError(message, { ...located(location), extensions });
  finalErrors.add(error);
  return error;
}

function serverExtensions(err: KsqlServerError): { message: string; extensions: Record<string, unknown> } {
  // Typed as numbers; checked anyway, since the client's errors are data from the wire.
  const errorCode = typeof err.errorCode === 'number' ? err.errorCode : undefined;
  const httpStatus = typeof err.httpStatus === 'number' ? err.httpStatus : undefined;
  const extensions: Record<string, unknown> = { code: codeForKsqlError(errorCode, httpStatus) };
  if (errorCode !== undefined) extensions['ksqlErrorCode'] = errorCode;
  if (httpStatus !== undefined) extensions['httpStatus'] = httpStatus;
  if (typeof err.statementText === 'string') extensions['statementText'] = err.statementText;
  if (Array.isArray(err.entities)) extensions['entities'] = err.entities; // JsonNumber serialises as its text
  const message = err.message || `ksqlDB error ${errorCode ?? httpStatus ?? ''}`.trim();
  return { message, extensions };
}

/** The flag that sets each of the client's response bounds (what an operator changes). */
const LIMIT_FLAGS: Readonly<Record<string, { readonly flag: string; readonly what: string }>> = {
  maxLineBytes: { flag: '--ksql-max-line-bytes', what: 'a /query line (one row) longer than' },
  maxBodyBytes: { flag: '--ksql-max-body-bytes', what: 'a response body larger than' },
};

function tooLarge(err: KsqlResponseTooLargeError, location: unknown): GraphQLError {
  // Typed, but checked: the fields are only as good as whoever threw the error.
  const limit = typeof err.limit === 'string' ? LIMIT_FLAGS[err.limit] : undefined;
  const limitBytes = typeof err.limitBytes === 'number' ? err.limitBytes : undefined;
  const message =
    limit === undefined || limitBytes === undefined
      ? 'ksqlDB sent a response larger than the gateway reads; the request was aborted.'
      : `ksqlDB sent ${limit.what} ${limitBytes} bytes (${limit.flag}); the request was aborted.`;
  return finalError(message, location, {
    code: GatewayErrorCode.KSQL_RESPONSE_TOO_LARGE,
    ...(limit === undefined ? {} : { limit: err.limit }),
    ...(limitBytes === undefined ? {} : { limitBytes }),
  });
}

/**
 * Translates a client error, or a GraphQLError wrapping one (as resolvers'
 * errors arrive), into its final GraphQLError, keeping the location and path.
 * Returns `undefined` for anything that is not a client error; errors this
 * module already produced are returned as they are.
 */
export function translateError(error: unknown): GraphQLError | undefined {
  if (error instanceof GraphQLError && finalErrors.has(error)) return error;
  const cause = unwrap(error);
  switch (classify(cause)) {
    case 'server': {
      const { message, extensions } = serverExtensions(cause as KsqlServerError);
      return finalError(message, error, extensions);
    }
    case 'timeout':
      return finalError('ksqlDB did not answer in time.', error, { code: GatewayErrorCode.KSQL_UNAVAILABLE });
    case 'transport': {
      // The client's reason is built from error codes only (no host, path or
      // secret), so it is safe to show; checked anyway, as data from below.
      const reason = (cause as KsqlTransportError).reason;
      return finalError('ksqlDB is unavailable.', error, {
        code: GatewayErrorCode.KSQL_UNAVAILABLE,
        ...(typeof reason === 'string' && reason !== '' ? { reason } : {}),
      });
    }
    case 'connection-lost':
      return finalError('The connection to the ksqlDB server running this query broke; subscribe (or run the query) again.', error, {
        code: GatewayErrorCode.KSQL_CONNECTION_LOST,
        retryable: true,
      });
    case 'protocol':
      return finalError('ksqlDB sent a response the gateway could not understand.', error, {
        code: GatewayErrorCode.KSQL_BAD_RESPONSE,
      });
    case 'abort':
      return finalError('The call to ksqlDB was cancelled.', error, { code: GatewayErrorCode.KSQL_CANCELLED });
    case 'too-large':
      return tooLarge(cause as KsqlResponseTooLargeError, error);
    case undefined:
      return undefined;
  }
}

/** A deliberate GraphQL error: no non-GraphQL error anywhere in its chain. */
function isDeliberateGraphQLError(error: unknown): error is GraphQLError {
  return error instanceof GraphQLError && unwrap(error) instanceof GraphQLError;
}

/**
 * Yoga's `maskedErrors.maskError`: translated and deliberate GraphQL errors
 * pass, client errors are translated, everything else is replaced by
 * `message` ("Unexpected error.") with code `INTERNAL_SERVER_ERROR`.
 */
export function maskError(error: unknown, message = 'Unexpected error.'): Error {
  const translated = translateError(error);
  if (translated) return translated;
  if (isDeliberateGraphQLError(error)) return error;
  return finalError(message, error, { code: GatewayErrorCode.INTERNAL_SERVER_ERROR });
}

/** Refusal of new work, and the end of running subscriptions, while the gateway shuts down. */
export function gatewayClosing(): GraphQLError {
  return finalError('The gateway is shutting down; reconnect (to another instance).', undefined, {
    code: GatewayErrorCode.SHUTTING_DOWN,
    retryable: true,
  });
}

/** The typed schema is not built yet. */
export function schemaNotReady(fields: readonly string[]): GraphQLError {
  return finalError(
    `The typed schema is not ready yet (${fields.join(', ')}); retry in a moment.`,
    undefined,
    { code: GatewayErrorCode.SCHEMA_NOT_READY, retryable: true, fields },
  );
}

/**
 * A subscriber of a shared push query that fell a whole event log
 * (`logBytes`) behind while another kept up: it alone ends with code
 * `SUBSCRIBER_TOO_SLOW`.
 */
export function subscriberTooSlow(logBytes: number): GraphQLError {
  return finalError(
    `The subscriber fell ${logBytes} bytes of events behind the push query and was ended; subscribe again.`,
    undefined,
    { code: GatewayErrorCode.SUBSCRIBER_TOO_SLOW, logBytes },
  );
}

/** An `after` cursor that cannot be resumed from: code `CURSOR_MALFORMED`, `CURSOR_FORGED`, `CURSOR_FOREIGN` or `CURSOR_EXPIRED`. */
export function cursorError(code: 'CURSOR_MALFORMED' | 'CURSOR_FORGED' | 'CURSOR_FOREIGN' | 'CURSOR_EXPIRED', message: string): GraphQLError {
  return finalError(message, undefined, { code: GatewayErrorCode[code], argumentName: 'after' });
}

/** A typed subscription's source no longer exists. */
export function sourceDropped(source: string): GraphQLError {
  return finalError(`The ${JSON.stringify(source)} source was dropped; the subscription has ended.`, undefined, {
    code: GatewayErrorCode.SOURCE_DROPPED,
    source,
  });
}

/** A bad argument: a deliberate error with code `BAD_USER_INPUT`. */
export function badUserInput(message: string, argumentName?: string): GraphQLError {
  return finalError(message, undefined, {
    code: GatewayErrorCode.BAD_USER_INPUT,
    ...(argumentName === undefined ? {} : { argumentName }),
  });
}

/**
 * A refusal by one of the gateway's guards (admin policy, limits, persisted
 * documents, HTTP edge). `httpStatus`, when given, is the status yoga answers
 * with for refusals before execution (it is not sent in `extensions`).
 */
export function refusal(
  code: GatewayErrorCode,
  message: string,
  options: { readonly httpStatus?: number | undefined; readonly extensions?: Record<string, unknown> | undefined } = {},
): GraphQLError {
  return finalError(message, undefined, {
    code,
    ...options.extensions,
    ...(options.httpStatus === undefined ? {} : { http: { status: options.httpStatus } }),
  });
}
