/**
 * The gateway's Yoga plugins.
 *
 * @module
 */
export { useErrorTranslation } from './use-error-translation.js';
export { useKsqlContext } from './use-ksql-context.js';
export { useKsqlReadiness } from './use-ksql-readiness.js';
export { createSchemaSlot } from './use-schema-slot.js';
export { ADMIN_SECRET_HEADER, createAdminPolicy, defaultAdminPolicy, type AdminApiPolicy } from './use-admin-policy.js';
export { CSRF_HEADERS, corsOptionsFor, useHttpEdge } from './use-http-edge.js';
export { DEFAULT_OPERATION_LIMITS, useOperationLimits, type OperationLimits } from './use-operation-limits.js';
export { createPersistedDocuments } from './use-persisted-documents.js';
export { createMetrics, type Metrics, type MetricsOptions } from './use-metrics.js';
export { createSubscriptionCaps } from './use-subscription-caps.js';
export { createTracing, TraceAttribute, type TracingOptions } from './use-tracing.js';
export { createShutdown } from './use-shutdown.js';
export { useOperationLog } from './use-operation-log.js';
export { useSchemaReadiness } from './use-schema-readiness.js';
