/**
 * Analysis and planning: AST statements → validated statement plans and
 * transient query plans.
 *
 * @module
 */
export * from './context.js';
export * from './plans.js';
export * from './statements.js';
export * from './expressions.js';
export * from './format.js';
export * from './types.js';
