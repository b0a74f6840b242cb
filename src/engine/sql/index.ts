/**
 * The SQL front end of the embedded ksqlDB engine: lexer, parser, AST,
 * printer and visitor. Knows nothing about types, catalog or runtime. What
 * the engine uses of it; the planner takes the AST types and helpers from
 * their modules.
 *
 * @module
 */
export type * from './ast.js';
export { parse, parseStatement } from './parser.js';
export { SqlSyntaxError } from './syntax-error.js';
export { substituteVariables } from './variables.js';
