/**
 * The GraphQL gateway's public surface.
 *
 * @module
 */
export {
  buildGateway,
  DEFAULT_GATEWAY_LIMITS,
  type Gateway,
  type GatewayAddress,
  type GatewayGraphiQLOptions,
  type GatewayLimits,
  type GatewayMetricsOptions,
  type SharedExecutionOptions,
  type GatewayOptions,
  type GatewayPersistedDocuments,
} from './server.js';
export { ADMIN_SECRET_HEADER, CSRF_HEADERS, TraceAttribute, type AdminApiPolicy, type TracingOptions } from './plugins/index.js';
export type { GatewayContext } from './context.js';
export { ERROR_CODES, GatewayErrorCode, type ErrorCodeEntry } from './errors/index.js';
export { typeDefs, makeGatewaySchema, type SchemaPart, type ResolverMap } from './schema/index.js';
export * from './ksql-client/index.js';
