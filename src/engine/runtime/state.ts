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
import { PersistentQueries, type CheckpointOptions } from './persistent-query.js';

export interface StateOptions {
  readonly clock: Clock;
  readonly serverProperties: ReadonlyMap<string, string>;
  /** @default an in-memory broker */
  readonly broker?: Broker | undefined;
  /** Records skipped by persistent queries (processing log). */
  readonly onError?: ((err: unknown) => void) | undefined;
  /** Durable engines: where persistent queries checkpoint their state. @default none */
  readonly checkpoints?: CheckpointOptions | undefined;
}

export function createEngineState({ clock, serverProperties, broker, onError, checkpoints }: StateOptions): EngineState {
  const theBroker = broker ?? createMemoryBroker({ now: () => clock.now() });
  const functions = createDefaultFunctionRegistry();
  return {
    catalog: new Catalog(),
    broker: theBroker,
    commands: createMemoryCommandStore(),
    queries: new QueryRegistry(),
    persistent: new PersistentQueries({ broker: theBroker, functions, onError, checkpoints }),
    queryIds: { next: 1 },
    functions,
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
    queries: state.queries.clone(),
    queryIds: { next: state.queryIds.next },
    broker: createSandboxBroker(state.broker),
    commands: createSandboxCommandStore(state.commands),
    sandbox: true,
  };
}
