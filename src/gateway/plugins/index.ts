/**
 * The gateway's Yoga plugins.
 *
 * @module
 */
export { useErrorTranslation, endStreamOnError } from './use-error-translation.js';
export { useKsqlContext, authorizationOf, type KsqlContextOptions } from './use-ksql-context.js';
export { useKsqlReadiness, type KsqlReadinessOptions } from './use-ksql-readiness.js';
export { createSchemaSlot, type SchemaSlot } from './use-schema-slot.js';
