/**
 * The engine facade: `createEngine(options)` returns an object that runs
 * ksqlDB statements (`execute`), transient queries (`query`), and gives
 * tools direct topic access (`produce`, `records`). The REST layer
 * (engine/rest) is a thin translation over it.
 *
 * @example
 * ```ts
 * const engine = createEngine();
 * await engine.execute({ ksql: "CREATE STREAM S (K STRING KEY, V INT) WITH (kafka_topic='s', value_format='JSON', partitions=1);" });
 * const q = await engine.query({ ksql: 'SELECT * FROM S EMIT CHANGES LIMIT 1;' });
 * for await (const event of q) console.log(event);
 * await engine.close();
 * ```
 *
 * @module
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { silentLogger, type Logger } from '../shared/logger.js';
import {
  BadRequestError,
  EngineClosedError,
  EngineError,
  PushQueryLimitError,
  NotAQueryError,
  QueryEndpointError,
  RequestPropertyError,
  SqlSyntaxError,
  UnknownQueryError,
  withStatement,
} from './errors.js';
import { planStatement, type PlannerContext, type QueryPlan, type TablePullQueryPlan } from './planner/index.js';
import {
  DEFAULT_SERVER_PROPERTIES,
  effectiveConfig,
  executePlan,
  createEngineState,
  intProperty,
  offsetReset,
  produceRecords,
  propertyString,
  readRecords,
  runTablePull,
  sandboxOf,
  startTransientQuery,
  systemClock,
  UnknownPropertyError,
  validateOverride,
  boolProperty,
  type Clock,
  type PlanNode,
  type CommandStatusRecord,
  type CommandStatusType,
  type EngineState,
  type ProduceInput,
  type ProduceOutcome,
  type Session,
  type StatementResult,
  type TopicRecordView,
  type TransientQueryHandle,
} from './runtime/index.js';
import {
  createMemoryStorage,
  createReplayBroker,
  createReplayCommandStore,
  openFileStorage,
  openStateDb,
  type StateDb,
  type EngineStorage,
} from './storage/index.js';
import {
  parse,
  parseStatement,
  SqlSyntaxError as ParserSyntaxError,
  substituteVariables,
  type Statement,
} from './sql/index.js';

export interface EngineOptions {
  /**
   * Time source for record timestamps and ROWTIME defaults.
   * @default the system clock
   */
  readonly clock?: Clock | undefined;
  /**
   * Server properties, e.g. `{ 'ksql.max.push.queries': 10 }`. Overlaid on
   * the defaults (see SHOW PROPERTIES).
   * @default {}
   */
  readonly properties?: Readonly<Record<string, string | number | boolean>> | undefined;
  /**
   * `ksql.service.id`, reported by /info as `ksqlServiceId`.
   * @default 'default_'
   */
  readonly serviceId?: string | undefined;
  /**
   * `kafkaClusterId` reported by /info.
   * @default a random 22-character id per engine
   */
  readonly kafkaClusterId?: string | undefined;
  /**
   * Rows a push query buffers for a slow client before it stops reading the log.
   * @default 256 (rows)
   */
  readonly pushQueryBufferRows?: number | undefined;
  /**
   * Most SQL tokens one request's text may hold (the parser's `maxTokens`
   * guard): past it, parsing stops and the request fails with a statement
   * error, so that a huge text costs no more than this many tokens. 0 = no
   * limit. Statements replayed from the command log are not limited.
   * @default 100000 (tokens)
   */
  readonly maxSqlTokens?: number | undefined;
  /**
   * Where records skipped by queries (undeserializable values, evaluation
   * errors) are reported, as ksqlDB's processing log; storage recovery
   * warnings too.
   * @default a silent logger
   */
  readonly logger?: Logger | undefined;
  /**
   * Keep nothing on disk. The CLI is durable by default (`--data-dir`); the
   * library is in memory unless given a `dataDir`, so tests and tools that
   * embed it write nothing by accident.
   * @default true, or false when `dataDir` is given
   */
  readonly inMemory?: boolean | undefined;
  /**
   * Data directory for topics, the command log and consumer-group starts
   * (see `storage/README.md`). Opened, and recovered after a crash,
   * synchronously by `createEngine`; one engine per directory at a time.
   * Writes are acknowledged once fdatasync'd.
   * @default './ksql-data' (relative to the working directory) when `inMemory` is false
   */
  readonly dataDir?: string | undefined;
  /**
   * Durable engines: the least time between checkpoints of persistent
   * queries' state (`<dataDir>/state.mdb`), from which a restart resumes
   * them instead of re-reading their input. 0 checkpoints after every batch
   * of input (one checkpoint at a time).
   * @default 1000 (ms)
   */
  readonly checkpointIntervalMs?: number | undefined;
  /**
   * Durable engines: size past which a partition's segment file is closed
   * and a new one started. Retention deletes, and compaction (of compacted
   * topics: table sources and CTAS changelogs) rewrites, closed segments.
   * @default 67108864 (bytes, 64 MiB)
   */
  readonly segmentBytes?: number | undefined;
}

/** Body of a statement or query request (`/ksql`, `/query`). */
export interface EngineRequest {
  readonly ksql: string;
  readonly streamsProperties?: Readonly<Record<string, unknown>> | undefined;
  readonly sessionVariables?: Readonly<Record<string, unknown>> | undefined;
  readonly requestProperties?: Readonly<Record<string, unknown>> | undefined;
  readonly commandSequenceNumber?: number | undefined;
}

export interface EngineInfo {
  readonly version: string;
  readonly kafkaClusterId: string;
  readonly ksqlServiceId: string;
  readonly serverStatus: 'RUNNING';
}

export interface EngineHealth {
  readonly isHealthy: boolean;
  readonly details: Readonly<Record<string, { readonly isHealthy: boolean }>>;
  readonly serverState: 'READY';
}

export interface QueryOptions {
  /** Aborting closes the query. */
  readonly signal?: AbortSignal | undefined;
}

export interface Engine {
  /** Runs the statements of a `/ksql` request: all are validated before any runs. */
  execute(request: EngineRequest): Promise<StatementResult[]>;
  /** Starts the single query of a `/query` request. */
  query(request: EngineRequest, options?: QueryOptions): Promise<TransientQueryHandle>;
  /** `/close-query`: throws {@link UnknownQueryError} for an unknown id. */
  closeQuery(queryId: string): void;
  /** `/ksql/terminate`: drops every source and query; deletes topics matching the patterns. */
  terminateCluster(deleteTopicList?: readonly string[]): Promise<StatementResult[]>;
  /** Produces JSON records to a topic (created with one partition when absent). */
  /**
   * Produces records (acknowledged once durable). A missing topic is created
   * with `options.partitions` partitions (default: 1, or as many as the
   * highest explicit partition needs).
   */
  produce(
    topic: string,
    records: readonly ProduceInput[],
    options?: { readonly partitions?: number | undefined },
  ): Promise<ProduceOutcome[]>;
  /** Every record of a topic; throws when the topic does not exist. */
  records(topic: string): TopicRecordView[];
  commandStatus(commandId: string): CommandStatusRecord | undefined;
  commandStatuses(): ReadonlyMap<string, CommandStatusType>;
  info(): EngineInfo;
  health(): EngineHealth;
  readonly closed: boolean;
  /** Stops every query and releases storage. Idempotent. */
  close(): Promise<void>;
}

export const ENGINE_VERSION = '8.5.0-embedded';

/** Where a durable engine keeps its data unless told otherwise (relative to the working directory). */
export const DEFAULT_DATA_DIR = './ksql-data';

function randomClusterId(): string {
  return randomBytes(16).toString('base64url').slice(0, 22);
}

/** A positive random Java long, as ksqlDB's transient query ids use. */
function randomLong(): string {
  const b = randomBytes(8);
  b[0] = (b[0] as number) & 0x7f;
  return b.readBigUInt64BE().toString();
}

/** No aggregation below the projection (scalable push queries only filter and project). */
function isPlainPlan(node: PlanNode): boolean {
  if (node.kind === 'Aggregate' || node.kind === 'Join') return false;
  return node.kind === 'SourceScan' ? true : isPlainPlan(node.input);
}

/** Scalable push queries skip rows without a key. */
function dropNullKeys(node: PlanNode): PlanNode {
  if (node.kind === 'SourceScan') return { ...node, dropNullKeys: true };
  if (node.kind === 'Join') return node;
  return { ...node, input: dropNullKeys(node.input) };
}

/** {@link EngineOptions.maxSqlTokens}'s default. */
export const DEFAULT_MAX_SQL_TOKENS = 100_000;

function wrapSyntax(err: unknown, text: string): never {
  if (err instanceof ParserSyntaxError) throw new SqlSyntaxError(err.message, { cause: err, statementText: text });
  throw err;
}

export function createEngine(options: EngineOptions = {}): Engine {
  const {
    clock = systemClock,
    properties = {},
    serviceId,
    kafkaClusterId = randomClusterId(),
    pushQueryBufferRows = 256,
    maxSqlTokens = DEFAULT_MAX_SQL_TOKENS,
    logger = silentLogger,
    dataDir,
    inMemory = dataDir === undefined,
    checkpointIntervalMs = 1000,
    segmentBytes,
  } = options;

  const serverProperties = new Map<string, string>(Object.entries(DEFAULT_SERVER_PROPERTIES));
  for (const [k, v] of Object.entries(properties)) serverProperties.set(k, propertyString(v));
  if (serviceId !== undefined) serverProperties.set('ksql.service.id', serviceId);
  const storage: EngineStorage = inMemory
    ? createMemoryStorage({ now: () => clock.now() })
    : openFileStorage({ dir: dataDir ?? DEFAULT_DATA_DIR, logger, now: () => clock.now(), segmentBytes });
  // Replayed statements must neither create or delete topics (the recovered broker already has
  // them) nor append to the command log again.
  const replay =
    storage.commands.nextSequenceNumber > 0
      ? { broker: createReplayBroker(storage.broker), commands: createReplayCommandStore(storage.commands) }
      : undefined;
  let stateDb: StateDb | undefined;
  try {
    stateDb = storage.dataDir === undefined ? undefined : openStateDb(storage.dataDir);
  } catch (err) {
    void storage.close();
    throw err;
  }
  const checkpoints =
    stateDb === undefined ? undefined : { db: stateDb, flush: () => storage.flush(), intervalMs: checkpointIntervalMs, logger };
  const state: EngineState = {
    ...createEngineState({ clock, serverProperties, broker: replay?.broker ?? storage.broker, checkpoints }),
    commands: replay?.commands ?? storage.commands,
  };
  let closed = false;

  const assertOpen = () => {
    if (closed) throw new EngineClosedError();
  };

  const plannerContext = (s: EngineState, session: Session): PlannerContext => ({
    catalog: s.catalog,
    queries: s.queries,
    functions: s.functions,
    describeTopic: (name) => {
      const d = s.broker.describeTopic(name);
      return d === undefined ? undefined : { name: d.name, partitions: d.partitions, replicas: d.replicas };
    },
    config: effectiveConfig(s, session),
  });

  const newSession = (request: EngineRequest): Session => {
    const props = new Map<string, string>();
    for (const [k, v] of Object.entries(request.streamsProperties ?? {})) {
      try {
        props.set(validateOverride(k, v), propertyString(v));
      } catch (err) {
        if (err instanceof UnknownPropertyError) {
          throw new RequestPropertyError(err.message, { cause: err, statementText: request.ksql });
        }
        if (err instanceof EngineError) throw new BadRequestError(err.message, { cause: err });
        throw err;
      }
    }
    const vars = new Map<string, string>();
    for (const [k, v] of Object.entries(request.sessionVariables ?? {})) vars.set(k.toUpperCase(), propertyString(v));
    return { properties: props, variables: vars };
  };

  const substitutionEnabled = (session: Session) =>
    boolProperty(effectiveConfig(state, session), 'ksql.variable.substitution.enable', true);

  const parseOptions = maxSqlTokens > 0 ? { maxTokens: maxSqlTokens } : {};

  /** Parses a request; statements after a DEFINE are re-parsed with the new variables. */
  const parseRequest = (text: string, session: Session): Statement[] => {
    const substitute = substitutionEnabled(session);
    let statements: Statement[];
    try {
      statements = parse(substitute ? substituteVariables(text, session.variables) : text, parseOptions);
    } catch (err) {
      return wrapSyntax(err, text);
    }
    if (!substitute || !statements.some((s) => s.kind === 'DefineVariable' || s.kind === 'UndefineVariable')) {
      return statements;
    }
    const vars = new Map(session.variables);
    return statements.map((s) => {
      if (s.kind === 'DefineVariable') vars.set(s.name.toUpperCase(), s.value);
      else if (s.kind === 'UndefineVariable') vars.delete(s.name.toUpperCase());
      else if (s.text.includes('${')) {
        try {
          return parseStatement(substituteVariables(s.text, vars), parseOptions);
        } catch (err) {
          return wrapSyntax(err, s.text);
        }
      }
      return s;
    });
  };

  const processingLog = (err: unknown) => logger.debug('processing error:', err instanceof Error ? err.message : String(err));

  if (replay !== undefined) {
    // The command log rebuilds the catalog and restarts persistent queries (which resume from
    // their consumer groups' starts; their sinks drop the outputs already written).
    let failed = 0;
    const commands = [...storage.commands.list()];
    for (const c of commands) {
      replay.commands.replaying(c);
      try {
        const session: Session = { properties: new Map(Object.entries(c.properties ?? {})), variables: new Map() };
        for (const stmt of parse(c.statementText)) executePlan(planStatement(stmt, plannerContext(state, session)), state, session);
      } catch (err) {
        failed++;
        logger.warn(`storage: could not replay command ${c.sequenceNumber} (${c.commandId}): ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    replay.broker.finish();
    replay.commands.finish();
    logger.info(`storage: replayed ${commands.length - failed} of ${commands.length} command(s)`);
  }

  return {
    get closed() {
      return closed;
    },

    async execute(request) {
      assertOpen();
      const session = newSession(request);
      const statements = parseRequest(request.ksql, session);

      // Validate every statement against a sandbox before running any of them.
      const sandbox = sandboxOf(state);
      const sandboxSession: Session = { properties: new Map(session.properties), variables: new Map(session.variables) };
      for (const stmt of statements) {
        try {
          if (stmt.kind === 'QueryStatement' || stmt.kind === 'PrintTopic') throw new QueryEndpointError();
          executePlan(planStatement(stmt, plannerContext(sandbox, sandboxSession)), sandbox, sandboxSession);
        } catch (err) {
          if (err instanceof EngineError) throw withStatement(err, stmt.text);
          throw err;
        }
      }

      const results: StatementResult[] = [];
      for (const stmt of statements) {
        try {
          const result = executePlan(planStatement(stmt, plannerContext(state, session)), state, session);
          if (result !== undefined) results.push(result);
        } catch (err) {
          if (err instanceof EngineError) throw withStatement(err, stmt.text);
          throw err;
        }
      }
      // Acknowledged only once durable (commands, topics, INSERT VALUES records).
      await storage.flush();
      return results;
    },

    // eslint-disable-next-line @typescript-eslint/require-await -- async so that a bad request rejects, as the contract says, rather than throws
    async query(request, { signal } = {}) {
      assertOpen();
      const text = request.ksql;
      if (text.trim() === '') throw new BadRequestError('"ksql" field must be populated');
      const session = newSession(request);
      const statements = parseRequest(text, session);
      if (statements.length !== 1) {
        throw withStatement(
          new SqlSyntaxError(`Expected exactly one KSQL statement; found ${statements.length} instead`),
          text,
        );
      }
      const stmt = statements[0] as Statement;
      if (stmt.kind !== 'QueryStatement') {
        throw new NotAQueryError({ statementText: stmt.text });
      }
      state.persistent.drain();
      let planned: QueryPlan | TablePullQueryPlan;
      try {
        planned = planStatement(stmt, plannerContext(state, session)) as QueryPlan | TablePullQueryPlan;
      } catch (err) {
        if (err instanceof EngineError) throw withStatement(err, stmt.text);
        throw err;
      }
      if (planned.kind === 'TablePullQuery') {
        return runTablePull({
          queryId: `query_${clock.now()}`,
          plan: planned.plan,
          table: state.persistent.table(planned.plan.tableName),
          functions: state.functions,
          onError: processingLog,
        });
      }
      let plan = planned;
      const config = effectiveConfig(state, session);
      // Scalable push queries (push v2): a plain push query over a persistent query's sink, reading from latest.
      const scalable =
        plan.mode === 'push' &&
        boolProperty(config, 'ksql.query.push.v2.enabled', false) &&
        offsetReset(config) === 'latest' &&
        state.queries.writersOf(plan.plan.sourceName).some((q) => q.queryType === 'PERSISTENT') &&
        isPlainPlan(plan.plan.root);
      if (scalable) plan = { ...plan, plan: { ...plan.plan, root: dropNullKeys(plan.plan.root) } };
      if (plan.mode === 'push') {
        const max = intProperty(config, 'ksql.max.push.queries', 100);
        if (state.queries.count('PUSH') >= max) throw withStatement(new PushQueryLimitError(), stmt.text);
      }
      const handle = startTransientQuery({
        queryId: scalable ? `SCALABLE_PUSH_QUERY_${randomUUID()}` : `transient_${plan.plan.sourceName}_${randomLong()}`,
        statementText: stmt.text,
        plan: plan.plan,
        mode: plan.mode,
        broker: state.broker,
        registry: state.queries,
        functions: state.functions,
        offsetReset: offsetReset(config),
        capacity: pushQueryBufferRows,
        onError: processingLog,
      });
      if (signal !== undefined) {
        if (signal.aborted) handle.close();
        else signal.addEventListener('abort', () => handle.close(), { once: true });
      }
      return handle;
    },

    closeQuery(queryId) {
      assertOpen();
      const q = state.queries.get(queryId);
      if (q === undefined || q.queryType !== 'PUSH') throw new UnknownQueryError(queryId);
      q.terminate();
    },

    async terminateCluster(deleteTopicList = []) {
      assertOpen();
      const patterns = deleteTopicList.map((p) => {
        try {
          return new RegExp(`^(?:${p})$`);
        } catch (err) {
          throw new BadRequestError(`Invalid pattern: ${p}`, { cause: err });
        }
      });
      for (const q of state.queries.list()) q.terminate();
      const topics = new Set<string>();
      for (const s of state.catalog.listSources()) {
        state.catalog.dropSource(s.name);
        topics.add(s.topic);
      }
      for (const t of topics) {
        if (patterns.some((p) => p.test(t)) && state.broker.topicExists(t)) state.broker.deleteTopic(t);
      }
      const status: CommandStatusRecord = { status: 'SUCCESS', message: 'Terminated the cluster.', queryId: null };
      const rec = state.commands.append('cluster/TerminateCluster/terminate', 'TERMINATE CLUSTER;', status);
      await storage.flush();
      return [
        {
          kind: 'command',
          statementText: 'TERMINATE CLUSTER;',
          warnings: [],
          commandId: rec.commandId,
          status,
          commandSequenceNumber: rec.sequenceNumber,
        },
      ];
    },

    async produce(topic, records, options) {
      assertOpen();
      const out = produceRecords(state.broker, topic, records, () => clock.now(), options?.partitions);
      // Acknowledged only once durable; concurrent producers share fdatasync rounds.
      await storage.flush();
      return out;
    },

    records(topic) {
      assertOpen();
      return readRecords(state.broker, topic);
    },

    commandStatus(commandId) {
      return state.commands.get(commandId)?.status;
    },

    commandStatuses() {
      return state.commands.statuses();
    },

    info() {
      return {
        version: ENGINE_VERSION,
        kafkaClusterId,
        ksqlServiceId: state.serverProperties.get('ksql.service.id') ?? 'default_',
        serverStatus: 'RUNNING',
      };
    },

    health() {
      const ok = !closed;
      return {
        isHealthy: ok,
        details: { metastore: { isHealthy: ok }, kafka: { isHealthy: ok }, commandRunner: { isHealthy: ok } },
        serverState: 'READY',
      };
    },

    async close() {
      if (closed) return;
      closed = true;
      try {
        // A last checkpoint, so that the next start reads little input again.
        await state.persistent.close();
      } catch (err) {
        logger.warn(`state: ${err instanceof Error ? err.message : String(err)}`);
      }
      for (const q of state.queries.list()) q.terminate();
      await stateDb?.close();
      await storage.close();
    },
  };
}
