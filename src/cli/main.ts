/**
 * The composition root: parses flags and environment into a frozen config,
 * picks the backend (a real ksqlDB at --ksql-url, or the embedded engine on a
 * free loopback port), starts the gateway, prints one URL line on stdout and
 * shuts everything down in order on SIGINT/SIGTERM.
 *
 * @module
 */
import { readFileSync } from 'node:fs';
import { startEngineServer, type EngineServer } from '../engine/rest/server.js';
import {
  ConfigError,
  helpText,
  loadConfig,
  parseArgs,
  type EngineConfig,
  type ServeConfig,
} from '../gateway/config/index.js';
import { loadPersistedDocuments } from '../gateway/config/persisted-documents.js';
import { buildGateway, createKsqlClient, type Gateway } from '../gateway/index.js';
import { createLogger, type Logger } from '../shared/logger.js';
import { startTracing, type StartedTracing } from './tracing.js';

export interface Running {
  /** The URL printed on stdout. */
  readonly url: string;
  /** The ksqlDB base URL the gateway talks to (the embedded engine's, when it runs). */
  readonly ksqlUrl?: string | undefined;
  close(): Promise<void>;
}

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

function displayUrl(host: string, port: number): string {
  const h = host.includes(':') ? `[${host}]` : host;
  return `http://${h}:${port}`;
}

/** Starts the embedded engine alone. */
export async function startEngine(config: EngineConfig, logger: Logger): Promise<Running> {
  const server: EngineServer = await startEngineServer({
    host: config.host,
    port: config.port,
    properties: config.engineProperties,
    engineOptions: { inMemory: config.inMemory, dataDir: config.dataDir, maxSqlTokens: config.maxSqlTokens },
    logger: logger.child({ component: 'engine' }),
  });
  return {
    url: displayUrl(config.host, server.port),
    close: () => server.close(),
  };
}

export interface ServeOptions {
  /**
   * Give the gateway the tracing plugin, over the global tracer provider
   * (started by {@link main} when the OTEL_* variables ask for traces).
   * @default false
   */
  readonly tracing?: boolean | undefined;
}

/** Starts the gateway, and the embedded engine behind it when no --ksql-url is given. */
export async function startServe(config: ServeConfig, logger: Logger, { tracing = false }: ServeOptions = {}): Promise<Running> {
  let engine: EngineServer | undefined;
  let gateway: Gateway | undefined;
  // Read before anything starts: a broken manifest is a configuration error.
  const persistedDocuments =
    config.persistedDocuments === undefined ? undefined : loadPersistedDocuments(config.persistedDocuments);
  try {
    let ksqlUrl = config.ksqlUrls[0];
    if (ksqlUrl === undefined) {
      engine = await startEngineServer({
        host: '127.0.0.1',
        port: 0,
        properties: config.engineProperties,
        engineOptions: { inMemory: config.inMemory, dataDir: config.dataDir, maxSqlTokens: config.maxSqlTokens },
        logger: logger.child({ component: 'engine' }),
      });
      ksqlUrl = engine.url;
      logger.info(`embedded ksqlDB-compatible engine on ${ksqlUrl}`);
    }
    const client = createKsqlClient({
      baseUrl: ksqlUrl,
      requestTimeoutMs: config.requestTimeoutMs,
      forwardAuthorization: config.forwardAuthorization,
      ...(config.credentials ? { credentials: config.credentials } : {}),
    });
    gateway = buildGateway({
      client,
      graphiql: config.graphiql,
      graphqlEndpoint: config.graphqlPath,
      logger: logger.child({ component: 'gateway' }),
      typedSchema: config.typedSchema && {
        include: config.includeSources,
        exclude: config.excludeSources,
        refreshIntervalMs: config.schemaRefreshMs,
      },
      federation: config.federation,
      corsOrigins: config.corsOrigins,
      allowedHosts: config.allowedHosts,
      requestContentTypes: config.requestContentTypes,
      adminApi: config.adminApi,
      adminSecret: config.adminSecret,
      readOnly: config.readOnly,
      limits: config.limits,
      persistedDocuments: persistedDocuments && { documents: persistedDocuments, only: config.onlyPersisted },
      tracing,
    });
    const { port } = await gateway.listen(config.port, config.host);
    const running = engine;
    const gw = gateway;
    return {
      url: displayUrl(config.host, port),
      ksqlUrl,
      async close() {
        // Gateway first: its subscriptions close their upstream queries while
        // the engine is still there to hear it.
        try {
          await gw.close();
        } finally {
          await running?.close();
        }
      },
    };
  } catch (err) {
    await gateway?.close().catch(() => {});
    await engine?.close().catch(() => {});
    throw err;
  }
}

/**
 * Runs the CLI. Resolves with the exit code once the process should exit (at
 * once for --help or errors; after a signal for servers).
 */
export async function main(
  argv: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  let config;
  let parsed;
  try {
    parsed = parseArgs(argv);
    if (parsed.help) {
      process.stdout.write(helpText() + '\n');
      return 0;
    }
    if (parsed.version) {
      process.stdout.write(version() + '\n');
      return 0;
    }
    config = loadConfig(parsed, env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`ksqldb-gateway: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  const logger = createLogger({
    level: config.logLevel,
    format: config.logFormat,
    // Never written, whatever the level or error path.
    secrets:
      config.command === 'serve'
        ? [
            config.adminSecret,
            config.credentials?.type === 'basic' ? config.credentials.password : undefined,
            config.credentials?.type === 'bearer' ? config.credentials.token : undefined,
          ]
        : [],
  });
  // Handlers go in before anything starts: a signal that arrives while the
  // servers start (or right after the URL line, before a handler would
  // otherwise exist) must close them in order, not kill the process.
  const signals = signalLatch();
  let running: Running;
  let tracing: StartedTracing | undefined;
  try {
    if (config.command === 'serve') {
      tracing = await startTracing(env, logger.child({ component: 'tracing' }), { serviceVersion: version() });
    }
    running =
      config.command === 'engine'
        ? await startEngine(config, logger)
        : await startServe(config, logger, { tracing: tracing !== undefined });
    if (tracing) running = flushingLast(running, tracing);
  } catch (err) {
    signals.dispose();
    await tracing?.shutdown();
    if (err instanceof ConfigError) {
      process.stderr.write(`ksqldb-gateway: ${err.message}\n`);
      return 2;
    }
    logger.error(`failed to start: ${err instanceof Error ? err.message : String(err)}`);
    return 1;
  }
  process.stdout.write(`${running.url}\n`);
  const code = await new Promise<number>((resolve) => {
    let stopping = false;
    signals.onSignal((signal) => {
      if (stopping) {
        logger.warn(`${signal} again: exiting now`);
        resolve(1);
        return;
      }
      stopping = true;
      logger.info(`${signal}: closing subscriptions and queries`);
      running.close().then(
        () => resolve(0),
        (err: unknown) => {
          logger.error('error while closing', err);
          resolve(1);
        },
      );
    });
  });
  signals.dispose();
  return code;
}

/** `running`, whose close exports the last spans once everything else is closed (so that those of the operations it ended are in). */
function flushingLast(running: Running, tracing: StartedTracing): Running {
  return { ...running, close: () => running.close().finally(() => tracing.shutdown()) };
}

interface SignalLatch {
  /** Calls `handler` for every SIGINT/SIGTERM from now on, first with those that came before. */
  onSignal(handler: (signal: NodeJS.Signals) => void): void;
  dispose(): void;
}

/** Listens for SIGINT/SIGTERM at once and keeps those that come before anyone handles them. */
function signalLatch(): SignalLatch {
  const early: NodeJS.Signals[] = [];
  let handler: ((signal: NodeJS.Signals) => void) | undefined;
  const listener = (signal: NodeJS.Signals) => (handler ? handler(signal) : early.push(signal));
  process.on('SIGINT', listener);
  process.on('SIGTERM', listener);
  return {
    onSignal(h) {
      handler = h;
      for (const signal of early.splice(0)) h(signal);
    },
    dispose() {
      process.off('SIGINT', listener);
      process.off('SIGTERM', listener);
    },
  };
}
