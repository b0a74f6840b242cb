/**
 * Transport adapters. HTTP and GraphQL over SSE (distinct connections mode,
 * `Accept: text/event-stream`) are yoga's own; graphql-ws is bound here.
 *
 * @module
 */
export {
  useGraphQLWs,
  type Envelope,
  type EnvelopedServer,
  type GraphQLWsOptions,
  type GraphQLWsTransport,
  type UpgradeRefusal,
} from './graphql-ws.js';
