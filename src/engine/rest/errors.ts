/**
 * Engine errors → ksqlDB error responses. The only place this translation
 * happens. Unexpected errors are masked: the client gets
 * ksqlDB's generic text, the log gets the details.
 *
 * @module
 */
import {
  ErrorCode,
  ErrorMessages,
  stringifyJson,
  toStatus,
  type KsqlErrorMessage,
  type KsqlGenericErrorMessage,
} from '../../protocol/index.js';
import type { Logger } from '../../shared/logger.js';
import { isEngineError } from '../index.js';

export type Endpoint = 'ksql' | 'query' | 'query-stream' | 'close-query' | 'status' | 'topics' | 'other';

export interface ErrorResponse {
  readonly status: number;
  /** Kafka REST Proxy style bodies (topics extension) are not ksqlDB error messages. */
  readonly body: KsqlErrorMessage | { readonly error_code: number; readonly message: string };
  /** ksqlDB's FailureHandler writes no Content-Type; the old-API routes say application/json. */
  readonly contentType: string | undefined;
}

function generic(code: number, message: string): KsqlGenericErrorMessage {
  return { '@type': 'generic_error', error_code: code, message };
}

/** The `/query` message of a statement error: ksqlDB's "unlogged" form with `\nStatement: <sql>`. */
function queryMessage(message: string, code: string, statementText: string): string {
  if (code === 'ENGINE_SQL_SYNTAX' && /^line \d+:\d+: Syntax Error/.test(message)) {
    // ksqlDB keeps the syntax details out of this message.
    const header = message.split('\n', 1)[0] as string;
    return `${header}\n\nStatement: ${statementText}`;
  }
  return `${message}\nStatement: ${statementText}`;
}

/** Maps any thrown value to the response ksqlDB would send for it on `endpoint`. */
export function toErrorResponse(err: unknown, endpoint: Endpoint, logger?: Logger): ErrorResponse {
  const json = 'application/json';
  if (isEngineError(err)) {
    const statementText = err.statementText ?? '';
    const isQuery = endpoint === 'query' || endpoint === 'query-stream';
    const statementError = (code: number, status = toStatus(code)): ErrorResponse => ({
      status,
      body: {
        '@type': 'statement_error',
        error_code: code,
        message: isQuery ? queryMessage(err.message, err.code, statementText) : err.message,
        statementText,
        entities: [],
      },
      contentType: isQuery ? undefined : json,
    });
    switch (err.code) {
      case 'ENGINE_SQL_SYNTAX':
      case 'ENGINE_ANALYSIS':
      case 'ENGINE_CATALOG':
      case 'ENGINE_EXECUTION':
      case 'ENGINE_UNSUPPORTED_STATEMENT':
      case 'ENGINE_UNKNOWN_PROPERTY':
        return statementError(ErrorCode.BAD_STATEMENT);
      case 'ENGINE_REQUEST_PROPERTY':
        // /query-stream validates its `properties` up front (400 40000); /ksql and /query let it escape (500).
        if (endpoint === 'query-stream') {
          return { status: 400, body: generic(ErrorCode.BAD_REQUEST, err.message), contentType: undefined };
        }
        return statementError(ErrorCode.SERVER_ERROR, 500);
      case 'ENGINE_QUERY_ENDPOINT':
        return { ...statementError(ErrorCode.QUERY_ENDPOINT), contentType: json };
      case 'ENGINE_NOT_A_QUERY':
        if (endpoint === 'query-stream') {
          // QueryEndpoint's own check: a statement error, not the /query resource's generic one.
          const r = statementError(ErrorCode.BAD_STATEMENT);
          const body = r.body as KsqlErrorMessage;
          return { ...r, body: { ...body, message: queryMessage('Neither a query nor a print statement', err.code, statementText) } };
        }
        return { status: 400, body: generic(ErrorCode.BAD_REQUEST, err.message), contentType: json };
      case 'ENGINE_MAX_PUSH_QUERIES':
        return { status: 400, body: generic(ErrorCode.MAX_PUSH_QUERIES_EXCEEDED, ErrorMessages.MAX_PUSH_QUERIES), contentType: undefined };
      case 'ENGINE_UNKNOWN_QUERY':
      case 'ENGINE_BAD_REQUEST':
        return { status: 400, body: generic(ErrorCode.BAD_REQUEST, err.message), contentType: endpoint === 'close-query' ? undefined : json };
      case 'ENGINE_CLOSED':
        return { status: 503, body: generic(ErrorCode.SERVER_SHUT_DOWN, err.message), contentType: json };
      case 'ENGINE_PARTITION_NOT_FOUND':
        return { status: 404, body: { error_code: 40402, message: err.message }, contentType: 'application/vnd.kafka.v2+json' };
      case 'ENGINE_TOPIC_NOT_FOUND':
        return { status: 404, body: { error_code: 40401, message: err.message }, contentType: 'application/vnd.kafka.v2+json' };
      default:
        break;
    }
  }
  logger?.error('unexpected error', err);
  return {
    status: 500,
    body: generic(ErrorCode.SERVER_ERROR, ErrorMessages.INTERNAL_QUERY_ERROR),
    contentType: endpoint === 'query' || endpoint === 'query-stream' ? undefined : json,
  };
}

export function errorResponse(err: unknown, endpoint: Endpoint, logger?: Logger): Response {
  const r = toErrorResponse(err, endpoint, logger);
  const headers: Record<string, string> = {};
  if (r.contentType !== undefined) headers['content-type'] = r.contentType;
  return new Response(new TextEncoder().encode(stringifyJson(r.body)), { status: r.status, headers });
}

/** An error raised by the REST layer itself (bad body), before the engine is involved. */
export function badRequest(message: string, contentType: string | null = 'application/json'): Response {
  const headers: Record<string, string> = {};
  if (contentType !== null) headers['content-type'] = contentType;
  return new Response(new TextEncoder().encode(stringifyJson(generic(ErrorCode.BAD_REQUEST, message))), {
    status: 400,
    headers,
  });
}

/** The mid-stream error element: ksqlDB writes `Throwable.toString()`, masked here unless it is an engine error. */
export function streamErrorMessage(err: unknown, logger?: Logger): KsqlGenericErrorMessage {
  if (isEngineError(err)) return generic(ErrorCode.SERVER_ERROR, err.message);
  logger?.error('push query failed', err);
  return generic(ErrorCode.SERVER_ERROR, ErrorMessages.INTERNAL_QUERY_ERROR);
}
