/**
 * Plan and expression IR: plain, kind-tagged data.
 *
 * @module
 */
export * from './expression.js';
export * from './plan.js';
