/**
 * What the planner may consult: the catalog, functions, topic metadata and
 * configuration. Read-only; effects are the runtime's.
 *
 * @module
 */
import type { Catalog, QueryRegistry } from '../catalog/index.js';
import type { FunctionRegistry } from '../functions/index.js';

export interface TopicInfo {
  readonly name: string;
  readonly partitions: number;
  readonly replicas: number;
}

export interface PlannerContext {
  readonly catalog: Catalog;
  readonly queries: QueryRegistry;
  readonly functions: FunctionRegistry;
  readonly describeTopic: (name: string) => TopicInfo | undefined;
  /** Effective configuration: server properties overlaid with request overrides. */
  readonly config: ReadonlyMap<string, string>;
}
