/**
 * Transport adapters. HTTP is yoga's own; GraphQL over SSE (distinct
 * connections mode, `Accept: text/event-stream`) is yoga's with our batching
 * result processor for subscriptions (sse.ts); graphql-ws is bound here over
 * its `makeServer` (graphql-ws.ts). Both write each result's JSON from one
 * cache (encode.ts).
 *
 * @module
 */
export { useGraphQLWs, type GraphQLWsTransport, type UpgradeRefusal } from './graphql-ws.js';
export { useBatchedSse } from './sse.js';
