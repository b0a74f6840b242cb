/**
 * The gateway's ksqlDB client: `createKsqlClient(options)` over undici, the
 * `KsqlClient` interface the rest of the gateway programs against, and the
 * error classes it throws (match on `code`).
 *
 * @module
 */
export { createKsqlClient, type KsqlClientOptions } from './client.js';
export { createKsqlCluster, type KsqlCluster, type KsqlClusterOptions } from './cluster.js';
export { authorizationHeader, pickAuthorization, type KsqlCredentials } from './auth.js';
export type { KsqlTlsOptions, Pem } from './tls.js';
export { transportReason } from './transport-reason.js';
export { ksqlErrorInterceptor, type KsqlErrorInterceptorOptions } from './ksql-error-interceptor.js';
export { GatewayError, isGatewayError } from '../gateway-error.js';
export {
  KsqlAbortError,
  KsqlClientConfigError,
  KsqlClientErrorCode,
  KsqlProtocolError,
  KsqlResponseTooLargeError,
  KsqlServerError,
  KsqlTimeoutError,
  KsqlTransportError,
  toKsqlClientError,
  type KsqlServerErrorOptions,
  type RequestInfo,
  type ResponseLimit,
} from './errors.js';
export type {
  CallOptions,
  InsertRowResult,
  KsqlClient,
  KsqlServerState,
  PullQueryResult,
  QueryEvent,
  QueryHeader,
  QueryRow,
  QueryStream,
} from './types.js';
