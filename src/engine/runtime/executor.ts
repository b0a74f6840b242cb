/**
 * Applies statement plans: catalog changes, topic creation, INSERT VALUES,
 * SHOW/DESCRIBE results, session SET/DEFINE. Runs twice per request: first
 * against a sandbox (a catalog copy and a sandbox broker) to validate the
 * whole batch, then for real.
 *
 * @module
 */
import { assertNever } from '../../shared/errors.js';
import type { Catalog, DataSource, QueryRegistry, RegisteredQuery } from '../catalog/index.js';
import { AnalysisError, ExecutionError, QueryEndpointError } from '../errors.js';
import type { FunctionRegistry } from '../functions/index.js';
import { compileExpr, EvaluationError } from '../operators/index.js';
import type {
  CreateSourcePlan,
  DropSourcePlan,
  InsertValuesPlan,
  PersistentQueryStatementPlan,
  ShowPlan,
  StatementPlan,
} from '../planner/index.js';
import type { Broker, CommandStatusRecord, CommandStore } from '../storage/index.js';
import {
  CoercionError,
  coerceValue,
  formatType,
  keySerde,
  SerdeError,
  valueSerde,
  type Value,
} from '../types/index.js';
import type { Clock } from './clock.js';
import { registeredQuery, type PersistentQueries } from './persistent-query.js';
import { DEFAULT_SERVER_PROPERTIES, isServerOnly, offsetReset, validateOverride } from './config.js';
import type {
  CommandResult,
  QueryDetails,
  QuerySummary,
  SourceDetails,
  SourceSummary,
  StatementResult,
} from './results.js';

/** Everything a statement may read or change. */
export interface EngineState {
  readonly catalog: Catalog;
  readonly broker: Broker;
  readonly commands: CommandStore;
  readonly queries: QueryRegistry;
  /** Running persistent queries and their materialized tables (shared with the sandbox, which starts none). */
  readonly persistent: PersistentQueries;
  /** Suffix source for persistent query ids. */
  readonly queryIds: { next: number };
  readonly functions: FunctionRegistry;
  readonly clock: Clock;
  /** Server properties (defaults overlaid with the engine's options). */
  readonly serverProperties: ReadonlyMap<string, string>;
  /** Validation pass: no records are produced. */
  readonly sandbox: boolean;
}

/** Request-scoped state: SET/UNSET and DEFINE/UNDEFINE last for the rest of the request. */
export interface Session {
  /** Request overrides by canonical name. */
  readonly properties: Map<string, string>;
  readonly variables: Map<string, string>;
}

export function effectiveConfig(state: EngineState, session: Session): Map<string, string> {
  const m = new Map(state.serverProperties);
  for (const [k, v] of session.properties) m.set(k, v);
  return m;
}

function command(state: EngineState, statementText: string, commandId: string, status: CommandStatusRecord): CommandResult {
  const rec = state.commands.append(commandId, statementText, status);
  return {
    kind: 'command',
    statementText,
    warnings: [],
    commandId,
    status,
    commandSequenceNumber: rec.sequenceNumber,
  };
}

function quoteName(name: string): string {
  return '`' + name.replaceAll('`', '``') + '`';
}

export function summarizeQuery(q: RegisteredQuery): QuerySummary {
  return {
    id: q.id,
    queryType: q.queryType,
    statementText: q.statementText,
    sinks: q.sinks,
    sinkTopics: q.sinkTopics,
    state: q.state,
  };
}

export function summarizeSource(s: DataSource): SourceSummary {
  return {
    sourceType: s.sourceType,
    name: s.name,
    topic: s.topic,
    keyFormat: s.keyFormat.format,
    valueFormat: s.valueFormat.format,
    isWindowed: s.windowInfo !== undefined,
  };
}

export function describeSource(state: EngineState, s: DataSource, extended: boolean): SourceDetails {
  const topic = state.broker.describeTopic(s.topic);
  let offsets: SourceDetails['offsets'] = [];
  if (extended && topic !== undefined) {
    offsets = state.broker.offsets(s.topic).map((o) => ({ partition: o.partition, start: o.start, end: o.end }));
  }
  return {
    name: s.name,
    sourceType: s.sourceType,
    windowType: s.windowInfo?.type ?? null,
    readQueries: state.queries.readersOf(s.name).filter((q) => q.queryType === 'PERSISTENT').map(summarizeQuery),
    writeQueries: state.queries.writersOf(s.name).filter((q) => q.queryType === 'PERSISTENT').map(summarizeQuery),
    columns: [...s.schema.key, ...s.schema.value],
    timestamp: s.timestampColumn?.column ?? '',
    extended,
    keyFormat: s.keyFormat.format,
    valueFormat: s.valueFormat.format,
    topic: s.topic,
    partitions: topic?.partitions ?? 0,
    replication: topic?.replicas ?? 0,
    statement: s.sqlExpression,
    offsets,
  };
}

function createSource(plan: CreateSourcePlan, state: EngineState): StatementResult {
  if (plan.existsWarning !== undefined) {
    return { kind: 'warning', statementText: plan.statementText, warnings: [], message: plan.existsWarning };
  }
  const s = plan.source;
  if (plan.createTopic !== undefined && !state.broker.topicExists(s.topic)) {
    state.broker.createTopic(s.topic, plan.createTopic);
  }
  state.catalog.putSource(s, { orReplace: plan.orReplace });
  if (plan.materialization !== undefined) {
    startQuery(state, `CST_${s.name}`, plan.statementText, plan.materialization, 'earliest');
  }
  const kind = s.sourceType.toLowerCase();
  return command(state, plan.statementText, `${kind}/${quoteName(s.name)}/create`, {
    status: 'SUCCESS',
    message: s.sourceType === 'STREAM' ? 'Stream created' : 'Table created',
    queryId: null,
  });
}

/** Registers a persistent query (and, outside the sandbox, starts it); returns its id. */
function startQuery(
  state: EngineState,
  prefix: string,
  statementText: string,
  plan: NonNullable<PersistentQueryStatementPlan['plan']>,
  reset: 'earliest' | 'latest',
): string {
  const n = Math.max(state.queryIds.next, state.commands.nextSequenceNumber);
  state.queryIds.next = n + 1;
  const id = `${prefix}_${n}`;
  if (state.sandbox) {
    state.queries.register(registeredQuery(id, statementText, plan, () => state.queries.deregister(id)));
  } else {
    state.persistent.start({ id, statementText, plan, offsetReset: reset, registry: state.queries });
  }
  return id;
}

function persistentQuery(plan: PersistentQueryStatementPlan, state: EngineState, session: Session): StatementResult {
  if (plan.existsWarning !== undefined || plan.plan === undefined) {
    return { kind: 'warning', statementText: plan.statementText, warnings: [], message: plan.existsWarning ?? '' };
  }
  if (plan.createTopic !== undefined && !state.broker.topicExists(plan.plan.sink.topic)) {
    state.broker.createTopic(plan.plan.sink.topic, plan.createTopic);
  }
  if (plan.sinkSource !== undefined) state.catalog.putSource(plan.sinkSource, { orReplace: plan.orReplace });
  const id = startQuery(state, plan.idPrefix, plan.statementText, plan.plan, offsetReset(effectiveConfig(state, session)));
  return command(state, plan.statementText, `${plan.commandType}/${quoteName(plan.sinkName)}/create`, {
    status: 'SUCCESS',
    message: `Created query with ID ${id}`,
    queryId: id,
  });
}

export function describeQuery(state: EngineState, q: RegisteredQuery): QueryDetails {
  const info = state.persistent.get(q.id);
  const sink = q.sinks[0] === undefined ? undefined : state.catalog.getSource(q.sinks[0]);
  return {
    ...summarizeQuery(q),
    sources: q.sources,
    windowType: sink?.windowInfo?.type ?? null,
    columns: sink === undefined ? [] : [...sink.schema.key, ...sink.schema.value],
    fields: info?.plan.schema ?? [],
  };
}

function explain(queryId: string, statementText: string, state: EngineState): StatementResult {
  const q = state.queries.get(queryId);
  if (q === undefined) {
    throw new AnalysisError(`Query with id:${queryId} does not exist, use SHOW QUERIES to view the full set of queries.`);
  }
  return { kind: 'queryDescription', statementText, warnings: [], query: describeQuery(state, q) };
}

function dropSource(plan: DropSourcePlan, state: EngineState): StatementResult {
  const commandId = `${plan.sourceType.toLowerCase()}/${plan.name}/drop`;
  const s = plan.source;
  if (s === undefined) {
    return command(state, plan.statementText, commandId, {
      status: 'SUCCESS',
      message: `Source ${quoteName(plan.name)} does not exist.`,
      queryId: null,
    });
  }
  // A source table's materialization goes with it.
  for (const q of state.queries.list()) {
    if (q.queryType === 'PERSISTENT' && q.id.startsWith('CST_') && q.sinks.includes(s.name)) {
      if (state.sandbox) state.queries.deregister(q.id);
      else q.terminate();
    }
  }
  state.catalog.dropSource(s.name);
  if (plan.deleteTopic && state.broker.topicExists(s.topic)) {
    const others = state.catalog.sourcesOnTopic(s.topic);
    if (others.length > 0) {
      throw new ExecutionError(
        `Refusing to delete topic. Found other data sources (${others.map((o) => o.name).join(', ')}) using topic ${s.topic}`,
      );
    }
    state.broker.deleteTopic(s.topic);
  }
  return command(state, plan.statementText, commandId, {
    status: 'SUCCESS',
    message: `Source ${quoteName(s.name)} (topic: ${s.topic}) was dropped.`,
    queryId: null,
  });
}

/** Builds and (unless in the sandbox) produces the record of an INSERT VALUES. */
function insertValues(plan: InsertValuesPlan, state: EngineState): void {
  const s = plan.source;
  const failed = (msg: string, cause?: unknown) =>
    new ExecutionError(`Failed to insert values into '${s.name}'. ${msg}`, cause === undefined ? {} : { cause });
  const values = new Map<string, Value>();
  let timestamp: number | undefined;
  for (const a of plan.assignments) {
    let v: Value;
    try {
      v = compileExpr(a.expr, state.functions)([]);
    } catch (err) {
      if (err instanceof EvaluationError) throw failed(err.message, err);
      throw err;
    }
    let coerced: { value: Value } | undefined;
    try {
      coerced = coerceValue(v, a.expr.type, a.target);
    } catch (err) {
      if (err instanceof CoercionError) throw failed(err.message, err);
      throw err;
    }
    if (coerced === undefined) {
      throw failed(`Expected type ${formatType(a.target)} for field ${quoteName(a.column)} but got ${a.text}(${a.expr.type === null ? 'null' : formatType(a.expr.type)})`);
    }
    if (a.column === 'ROWTIME') {
      const t = coerced.value;
      if (t !== null) timestamp = typeof t === 'bigint' ? Number(t) : (t as number);
    } else values.set(a.column, coerced.value);
  }
  const keyCols = s.schema.key;
  const valueCols = s.schema.value.filter((c) => c.namespace === 'VALUE');
  let keyText: string | null;
  let valueText: string | null;
  try {
    keyText = keySerde(
      s.keyFormat.format,
      keyCols.map((c) => ({ name: c.name, type: c.type })),
      { delimiter: s.keyFormat.properties['delimiter'] },
    ).serialize(keyCols.map((c) => values.get(c.name) ?? null));
    valueText = valueSerde(
      s.valueFormat.format,
      valueCols.map((c) => ({ name: c.name, type: c.type })),
      { wrapSingle: s.wrapSingleValue, delimiter: s.valueFormat.properties['delimiter'] },
    ).serialize(valueCols.map((c) => values.get(c.name) ?? null));
  } catch (err) {
    if (err instanceof SerdeError || err instanceof CoercionError) throw failed(err.message, err);
    throw err;
  }
  if (!state.broker.topicExists(s.topic)) {
    throw failed(`Topic ${s.topic} does not exist.`);
  }
  if (state.sandbox) return;
  state.broker.produce(s.topic, [{ key: keyText, value: valueText, timestamp: timestamp ?? state.clock.now() }]);
}

function show(plan: ShowPlan, state: EngineState, session: Session): StatementResult {
  const base = { statementText: plan.statementText, warnings: [] as string[] };
  switch (plan.subject) {
    case 'STREAMS':
    case 'TABLES': {
      const type = plan.subject === 'STREAMS' ? 'STREAM' : 'TABLE';
      const sources = state.catalog.listSources(type);
      if (plan.extended) {
        return { kind: 'sourceDescriptionList', ...base, sources: sources.map((s) => describeSource(state, s, true)) };
      }
      return { kind: 'sourceList', ...base, sourceType: type, sources: sources.map(summarizeSource) };
    }
    case 'QUERIES':
      if (plan.extended) {
        return { kind: 'queryDescriptionList', ...base, queries: state.queries.list().map((q) => describeQuery(state, q)) };
      }
      return { kind: 'queries', ...base, queries: state.queries.list().map(summarizeQuery) };
    case 'TOPICS': {
      const topics = state.broker
        .listTopics()
        .filter((t) => plan.all || !(t.name.startsWith('_') || t.name.startsWith('__')));
      return {
        kind: 'topics',
        ...base,
        extended: plan.extended,
        topics: topics.map((t) => {
          const readers = state.queries.list().filter((q) => q.sources.some((src) => state.catalog.getSource(src)?.topic === t.name));
          return {
            name: t.name,
            replicaInfo: Array.from({ length: t.partitions }, () => t.replicas),
            consumerCount: readers.length * t.partitions,
            consumerGroupCount: readers.length,
          };
        }),
      };
    }
    case 'PROPERTIES': {
      const config = effectiveConfig(state, session);
      const names = [...config.keys()].sort();
      return {
        kind: 'properties',
        ...base,
        properties: names.map((name) => ({
          name,
          value: config.get(name) ?? null,
          editable: !isServerOnly(name),
          level: session.properties.has(name) ? 'QUERY' : 'SERVER',
        })),
        overwrittenProperties: [...session.properties.keys()].sort(),
        defaultProperties: names.filter(
          (n) => !session.properties.has(n) && DEFAULT_SERVER_PROPERTIES[n] !== undefined && state.serverProperties.get(n) === DEFAULT_SERVER_PROPERTIES[n],
        ),
      };
    }
    case 'FUNCTIONS':
      return {
        kind: 'functionList',
        ...base,
        functions: state.functions.list().map((f) => ({ name: f.name, type: 'SCALAR' as const, category: f.category })),
      };
    case 'TYPES':
      return { kind: 'typeList', ...base, types: state.catalog.listTypes() };
    case 'VARIABLES':
      return {
        kind: 'variables',
        ...base,
        variables: [...session.variables].map(([name, value]) => ({ name, value })),
      };
    default:
      return assertNever(plan.subject, 'SHOW subject');
  }
}

/** Executes one statement plan. Returns undefined for statements without an entity. */
export function executePlan(plan: StatementPlan, state: EngineState, session: Session): StatementResult | undefined {
  switch (plan.kind) {
    case 'CreateSource':
      return createSource(plan, state);
    case 'DropSource':
      return dropSource(plan, state);
    case 'InsertValues':
      insertValues(plan, state);
      return undefined;
    case 'CreateType':
      if (plan.existsWarning !== undefined) {
        return { kind: 'warning', statementText: plan.statementText, warnings: [], message: plan.existsWarning };
      }
      state.catalog.putType(plan.name, plan.type);
      return command(state, plan.statementText, `type/${plan.name}/create`, {
        status: 'SUCCESS',
        message: `Registered custom type with name '${plan.name}' and SQL type ${formatType(plan.type)}`,
        queryId: null,
      });
    case 'DropType':
      if (plan.exists) state.catalog.dropType(plan.name);
      return command(state, plan.statementText, `type/${plan.name}/drop`, {
        status: 'SUCCESS',
        message: plan.exists ? `Dropped type '${plan.name}'` : `Type '${plan.name}' does not exist`,
        queryId: null,
      });
    case 'Show':
      return show(plan, state, session);
    case 'DescribeSource':
      return {
        kind: 'sourceDescription',
        statementText: plan.statementText,
        warnings: [],
        source: describeSource(state, plan.source, plan.extended),
      };
    case 'DescribeSources':
      return {
        kind: 'sourceDescriptionList',
        statementText: plan.statementText,
        warnings: [],
        sources: state.catalog.listSources(plan.sourceType).map((s) => describeSource(state, s, plan.extended)),
      };
    case 'DescribeFunction': {
      const fn = state.functions.get(plan.name);
      if (fn === undefined) throw new AnalysisError(`Can't find any functions with the name '${plan.name}'`);
      return {
        kind: 'functionDescription',
        statementText: plan.statementText,
        warnings: [],
        name: fn.name,
        description: fn.description,
        category: fn.category,
        signatures: fn.signatures,
      };
    }
    case 'SetProperty': {
      const name = validateOverride(plan.name, plan.value);
      session.properties.set(name, plan.value);
      return undefined;
    }
    case 'UnsetProperty': {
      const name = validateOverride(plan.name);
      session.properties.delete(name);
      return undefined;
    }
    case 'DefineVariable':
      session.variables.set(plan.name.toUpperCase(), plan.value);
      return undefined;
    case 'UndefineVariable':
      if (!session.variables.delete(plan.name.toUpperCase())) {
        return {
          kind: 'warning',
          statementText: plan.statementText,
          warnings: [],
          message: `Cannot undefine variable '${plan.name}' which was never defined`,
        };
      }
      return undefined;
    case 'Terminate': {
      if (plan.queryId === undefined) {
        for (const q of state.queries.list()) {
          if (q.queryType !== 'PERSISTENT') continue;
          if (state.sandbox) state.queries.deregister(q.id);
          else q.terminate();
        }
        return command(state, plan.statementText, 'terminate/ALL/execute', {
          status: 'SUCCESS',
          message: 'Query terminated.',
          queryId: null,
        });
      }
      const q = state.queries.get(plan.queryId);
      if (q === undefined) throw new AnalysisError(`Unknown queryId: ${plan.queryId}`);
      if (q.queryType === 'PUSH') {
        if (!state.sandbox) q.terminate();
        else state.queries.deregister(q.id);
        return { kind: 'terminateQuery', statementText: plan.statementText, warnings: [], queryId: q.id, wasTerminated: true };
      }
      if (!state.sandbox) q.terminate();
      else state.queries.deregister(q.id);
      return command(state, plan.statementText, `terminate/${q.id}/execute`, {
        status: 'SUCCESS',
        message: 'Query terminated.',
        queryId: null,
      });
    }
    case 'PersistentQuery':
      return persistentQuery(plan, state, session);
    case 'Explain':
      return explain(plan.queryId, plan.statementText, state);
    case 'Query':
    case 'TablePullQuery':
      throw new QueryEndpointError();
    default:
      return assertNever(plan, 'statement plan');
  }
}

