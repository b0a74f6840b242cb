/**
 * The wire's JSON codec. It lives in src/shared (the engine's value types use
 * it too, and may import shared only); the contract re-exports it.
 *
 * @module
 */
export * from '../shared/json.js';
