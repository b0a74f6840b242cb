/**
 * How subscription events become results: one execution per selection set
 * shared by its subscribers, and a compiled projection per event.
 *
 * @module
 */
export { useCompiledProjection } from './use-compiled-projection.js';
export { createSharedSubscriptions, type SharedSubscriptionsOptions } from './use-shared-subscriptions.js';
