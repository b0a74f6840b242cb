/**
 * Runtime: statement execution, transient query handles, clock, properties.
 *
 * @module
 */
export * from './clock.js';
export * from './config.js';
export * from './results.js';
export * from './executor.js';
export * from './transient-query.js';
export * from './topics.js';
export * from './state.js';
export * from './persistent-query.js';
export * from './table-pull.js';
export { encodeRowJson, type SqlType, type Value } from '../types/index.js';
export type { Column, ColumnNamespace } from '../catalog/index.js';
export type { CommandStatusRecord, CommandStatusType } from '../storage/index.js';
export type { PlanColumn, PlanNode } from '../plan/index.js';
