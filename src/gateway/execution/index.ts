/**
 * How subscription events become results: one execution per selection set
 * shared by its subscribers, and a compiled projection per event.
 *
 * @module
 */
export { compileProjection, type CompileProjectionOptions, type Projection } from './compile-projection.js';
export { subscribeCompiled, useCompiledProjection, type CompiledProjectionOptions, type ExecutionPath } from './use-compiled-projection.js';
export {
  createSharedSubscriptions,
  DEFAULT_SHARED_EXECUTION_MAX_BYTES,
  estimateBytes,
  type SharedSubscriptions,
  type SharedSubscriptionsOptions,
} from './use-shared-subscriptions.js';
