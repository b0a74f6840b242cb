/**
 * ksqlDB's `error_code` table (RM/Errors.java). A code is the HTTP status
 * times 100 plus a suffix; `toStatus(code)` recovers the status.
 *
 * @module
 */
export const ErrorCode = {
  BAD_REQUEST: 40000,
  BAD_STATEMENT: 40001,
  QUERY_ENDPOINT: 40002,
  MAX_PUSH_QUERIES_EXCEEDED: 40003,
  HTTP2_ONLY: 40004,
  INTERNAL_ONLY: 40005,
  UNAUTHORIZED: 40100,
  FORBIDDEN: 40300,
  FORBIDDEN_KAFKA_ACCESS: 40301,
  NOT_FOUND: 40400,
  ASSERTION_FAILED: 41700,
  MISDIRECTED_REQUEST: 42100,
  SCHEMA_REGISTRY_UNCONFIGURED: 42801,
  TOO_MANY_REQUESTS: 42900,
  SERVER_ERROR: 50000,
  COMMAND_QUEUE_CATCHUP_TIMEOUT: 50301,
  SERVER_NOT_READY: 50302,
  SERVER_SHUTTING_DOWN: 50303,
  SERVER_SHUT_DOWN: 50304,
} as const;

export type ErrorCodeName = keyof typeof ErrorCode;
export type KnownErrorCode = (typeof ErrorCode)[ErrorCodeName];

/** `Errors.toStatusCode`: the HTTP status an error code belongs to. */
export function toStatus(code: number): number {
  return Math.trunc(code / 100);
}

/** The canonical messages ksqlDB uses where clients may reasonably match on them. */
export const ErrorMessages = {
  QUERY_ENDPOINT:
    "The following statement types should be issued to the websocket endpoint '/query':\n\t* PRINT\n\t* SELECT",
  COMMAND_NOT_FOUND: 'Command not found',
  KSQL_FIELD_REQUIRED: '"ksql" field must be populated',
  MAX_PUSH_QUERIES: 'Maximum number of push queries exceeded',
  NOT_READY: 'KSQL is not yet ready to serve requests.',
  SHUTTING_DOWN: 'The server is shutting down',
  INTERNAL_QUERY_ERROR:
    'The server encountered an internal error when processing the query. Please consult the server logs for more information.',
} as const;
