/**
 * The embedded ksqlDB-compatible engine: public surface. Everything outside
 * the engine (its REST layer, the CLI) imports from here only.
 *
 * @module
 */
export {
  createEngine,
  ENGINE_VERSION,
  type Engine,
  type EngineHealth,
  type EngineInfo,
  type EngineOptions,
  type EngineRequest,
  type QueryOptions,
} from './engine.js';
export * from './errors.js';
export {
  encodeRowJson,
  manualClock,
  systemClock,
  UnknownPropertyError,
  PartitionNotFoundError,
  TopicNotFoundError,
  type Clock,
  type Column,
  type ColumnNamespace,
  type CommandStatusRecord,
  type CommandStatusType,
  type FinalMessage,
  type PlanColumn,
  type ProduceInput,
  type ProduceOutcome,
  type QueryEvent,
  type QuerySummary,
  type QueryDetails,
  type SourceDetails,
  type SourceSummary,
  type SqlType,
  type StatementResult,
  type TopicRecordView,
  type TopicSummary,
  type PropertyInfo,
  type TransientQueryHandle,
  type Value,
} from './runtime/index.js';
