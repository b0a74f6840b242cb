/**
 * Scalar functions: the registry and the built-ins.
 *
 * @module
 */
export * from './registry.js';
export * from './builtins.js';
