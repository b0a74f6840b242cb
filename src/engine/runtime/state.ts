/**
 * Builds the engine's state: catalog, storage, command log, query registry,
 * functions, and the sandbox copy used to validate a request.
 *
 * @module
 */
import { Catalog, QueryRegistry } from '../catalog/index.js';
import { createDefaultFunctionRegistry } from '../functions/index.js';
import {
  createMemoryBroker,
  createMemoryCommandStore,
  createSandboxBroker,
  createSandboxCommandStore,
  type Broker,
} from '../storage/index.js';
import type { Clock } from './clock.js';
import type { EngineState } from './executor.js';

export interface StateOptions {
  readonly clock: Clock;
  readonly serverProperties: ReadonlyMap<string, string>;
  /** @default an in-memory broker */
  readonly broker?: Broker | undefined;
}

export function createEngineState({ clock, serverProperties, broker }: StateOptions): EngineState {
  return {
    catalog: new Catalog(),
    broker: broker ?? createMemoryBroker({ now: () => clock.now() }),
    commands: createMemoryCommandStore(),
    queries: new QueryRegistry(),
    functions: createDefaultFunctionRegistry(),
    clock,
    serverProperties,
    sandbox: false,
  };
}

/** A copy for validation: catalog cloned, broker and command log overlaid, queries read-only in effect. */
export function sandboxOf(state: EngineState): EngineState {
  return {
    ...state,
    catalog: state.catalog.clone(),
    broker: createSandboxBroker(state.broker),
    commands: createSandboxCommandStore(state.commands),
    sandbox: true,
  };
}
