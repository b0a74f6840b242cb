/**
 * The gateway's Yoga plugins.
 *
 * @module
 */
export { useErrorTranslation, endStreamOnError } from './use-error-translation.js';
export { useKsqlContext, authorizationOf, type KsqlContextOptions } from './use-ksql-context.js';
export { useKsqlReadiness, type KsqlReadinessOptions } from './use-ksql-readiness.js';
export { createSchemaSlot, type SchemaSlot } from './use-schema-slot.js';
export {
  ADMIN_FIELDS,
  ADMIN_SECRET_HEADER,
  adminFieldsOf,
  createAdminPolicy,
  defaultAdminPolicy,
  secretMatcher,
  type AdminApiPolicy,
  type AdminPolicy,
  type AdminPolicyOptions,
} from './use-admin-policy.js';
export { CSRF_HEADERS, corsOptionsFor, useHttpEdge, type HttpEdgeOptions } from './use-http-edge.js';
export { DEFAULT_OPERATION_LIMITS, limitRules, useOperationLimits, type OperationLimits } from './use-operation-limits.js';
export {
  createPersistedDocuments,
  persistedDocumentId,
  type PersistedDocumentsGuard,
  type PersistedDocumentsOptions,
} from './use-persisted-documents.js';
export {
  createMetrics,
  type Metrics,
  type MetricsOptions,
  type SubscriptionTransport,
  type TypedSchemaRefreshResult,
} from './use-metrics.js';
export { createSubscriptionCaps, type SubscriptionCaps, type SubscriptionCapsOptions } from './use-subscription-caps.js';
export { withUpstreamBudget } from './upstream-budget.js';
export { createTracing, TraceAttribute, type Tracing, type TracingOptions } from './use-tracing.js';
export { callerHeader, connectionOf, type InitialContext } from './initial-context.js';
export { createShutdown, type Shutdown } from './use-shutdown.js';
export { codesOf, useOperationLog, type OperationLogOptions } from './use-operation-log.js';
export { missingRootFields, useSchemaReadiness, type SchemaReadinessOptions } from './use-schema-readiness.js';
