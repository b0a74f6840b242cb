/**
 * The GraphQL gateway's public surface.
 *
 * @module
 */
export {
  buildGateway,
  type Gateway,
  type GatewayAddress,
  type GatewayGraphiQLOptions,
  type GatewayOptions,
} from './server.js';
export type { GatewayContext } from './context.js';
export { ERROR_CODES, GatewayErrorCode, type ErrorCodeEntry } from './errors/index.js';
export { typeDefs, makeGatewaySchema, type SchemaPart, type ResolverMap } from './schema/index.js';
export * from './ksql-client/index.js';
