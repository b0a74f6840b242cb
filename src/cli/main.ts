/**
 * The composition root: parses flags and environment into a frozen config,
 * picks the backend (a real ksqlDB at --ksql-url, or the embedded engine on a
 * free loopback port), starts the gateway, prints one URL line on stdout and
 * shuts everything down in order on SIGINT/SIGTERM.
 *
 * @module
 */
import { readFileSync } from 'node:fs';
import { X509Certificate } from 'node:crypto';
import { createSecureContext } from 'node:tls';
import { startEngineServer, type EngineServer, type EngineServerTlsOptions } from '../engine/rest/server.js';
import {
  ConfigError,
  helpText,
  loadConfig,
  parseArgs,
  type EngineConfig,
  type KsqlTlsConfig,
  type ServeConfig,
} from '../gateway/config/index.js';
import { loadPersistedDocuments } from '../gateway/config/persisted-documents.js';
import {
  buildGateway,
  createKsqlClient,
  createKsqlCluster,
  type Gateway,
  type KsqlClient,
  type KsqlTlsOptions,
} from '../gateway/index.js';
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

function displayUrl(host: string, port: number, scheme: 'http' | 'https' = 'http'): string {
  const h = host.includes(':') ? `[${host}]` : host;
  return `${scheme}://${h}:${port}`;
}

/** The file a flag names, read before anything starts; a ConfigError names the flag and path, never the content. */
function readFlagFile(flag: string, path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    throw new ConfigError(`--${flag}: cannot read ${path}${typeof code === 'string' ? ` (${code})` : ''}`);
  }
}

/** Loads PEM material once so that a bad file stops the start with the flags at fault, not every connection later. */
function checkPem(what: string, pem: Parameters<typeof createSecureContext>[0]): void {
  try {
    createSecureContext(pem);
  } catch (err) {
    // OpenSSL's code only: its message may quote the file.
    const code = (err as { code?: unknown }).code;
    throw new ConfigError(`${what}: not usable PEM${typeof code === 'string' ? ` (${code})` : ''}`);
  }
}

/**
 * Checks a file of CA certificates: OpenSSL skips what is not a certificate,
 * so a wrong file would silently trust nothing.
 */
function checkCertificates(what: string, pem: Buffer): void {
  const blocks = pem.toString('latin1').match(/-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g) ?? [];
  if (blocks.length === 0) throw new ConfigError(`${what}: no PEM certificate in it`);
  for (const block of blocks) {
    try {
      new X509Certificate(block);
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      throw new ConfigError(`${what}: not usable PEM${typeof code === 'string' ? ` (${code})` : ''}`);
    }
  }
}

/**
 * `--ksql-ca-file`, `--ksql-cert-file`, `--ksql-key-file`, `--ksql-tls-insecure`
 * as the client's `tls` option (undefined when none is given, or when there
 * is no --ksql-url to apply them to).
 */
function ksqlTlsOptions(tls: KsqlTlsConfig, ksqlUrls: readonly string[], logger: Logger): KsqlTlsOptions | undefined {
  const { caFile, certFile, keyFile, insecure } = tls;
  if (caFile === undefined && certFile === undefined && keyFile === undefined && !insecure) return undefined;
  if (ksqlUrls.length === 0) {
    logger.warn('--ksql-ca-file, --ksql-cert-file, --ksql-key-file and --ksql-tls-insecure apply to --ksql-url; the embedded engine is reached over loopback HTTP without them');
    return undefined;
  }
  if (!ksqlUrls.some((url) => url.startsWith('https:'))) {
    logger.warn('ksqlDB TLS options are set but no --ksql-url is https://: they are not used');
  }
  const ca = caFile === undefined ? undefined : readFlagFile('ksql-ca-file', caFile);
  const cert = certFile === undefined ? undefined : readFlagFile('ksql-cert-file', certFile);
  const key = keyFile === undefined ? undefined : readFlagFile('ksql-key-file', keyFile);
  if (ca !== undefined) checkCertificates(`--ksql-ca-file ${caFile}`, ca);
  if (cert !== undefined && key !== undefined) checkPem(`--ksql-cert-file ${certFile} with --ksql-key-file ${keyFile}`, { cert, key });
  if (insecure) {
    logger.warn(
      "--ksql-tls-insecure: ksqlDB's TLS certificate is NOT verified; every certificate is accepted, so anyone on the network path can impersonate ksqlDB and read what the gateway sends it, credentials included. Development only.",
    );
  }
  return {
    ...(ca === undefined ? {} : { ca }),
    ...(cert === undefined || key === undefined ? {} : { cert, key }),
    rejectUnauthorized: !insecure,
  };
}

/** Of --shutdown-timeout-ms, what the embedded engine keeps for its own close after the gateway's. */
const ENGINE_CLOSE_RESERVE_MS = 1_000;

/** Starts the embedded engine alone. */
export async function startEngine(config: EngineConfig, logger: Logger): Promise<Running> {
  // Read before anything starts: an unreadable file is a configuration error.
  let tls: EngineServerTlsOptions | undefined;
  if (config.tls !== undefined) {
    const { certFile, keyFile, clientCaFile } = config.tls;
    const cert = readFlagFile('tls-cert-file', certFile);
    const key = readFlagFile('tls-key-file', keyFile);
    const ca = clientCaFile === undefined ? undefined : readFlagFile('tls-client-ca-file', clientCaFile);
    checkPem(`--tls-cert-file ${certFile} with --tls-key-file ${keyFile}`, { cert, key });
    if (ca !== undefined) checkCertificates(`--tls-client-ca-file ${clientCaFile}`, ca);
    tls = { cert, key, ...(ca === undefined ? {} : { ca, requestCert: true }) };
  }
  const server: EngineServer = await startEngineServer({
    host: config.host,
    port: config.port,
    properties: config.engineProperties,
    engineOptions: {
      inMemory: config.inMemory,
      dataDir: config.dataDir,
      maxSqlTokens: config.maxSqlTokens,
      checkpointIntervalMs: config.checkpointIntervalMs,
      segmentBytes: config.segmentBytes,
    },
    logger: logger.child({ component: 'engine' }),
    tls,
  });
  return {
    url: displayUrl(config.host, server.port, tls === undefined ? 'http' : 'https'),
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
  let client: KsqlClient | undefined;
  // Read before anything starts: a broken manifest is a configuration error.
  const persistedDocuments =
    config.persistedDocuments === undefined ? undefined : loadPersistedDocuments(config.persistedDocuments);
  const tls = ksqlTlsOptions(config.ksqlTls, config.ksqlUrls, logger);
  try {
    let ksqlUrl = config.ksqlUrls[0];
    if (ksqlUrl === undefined) {
      engine = await startEngineServer({
        host: '127.0.0.1',
        port: 0,
        properties: config.engineProperties,
        engineOptions: {
      inMemory: config.inMemory,
      dataDir: config.dataDir,
      maxSqlTokens: config.maxSqlTokens,
      checkpointIntervalMs: config.checkpointIntervalMs,
      segmentBytes: config.segmentBytes,
    },
        logger: logger.child({ component: 'engine' }),
      });
      ksqlUrl = engine.url;
      logger.info(`embedded ksqlDB-compatible engine on ${ksqlUrl}`);
    }
    const clientOptions = {
      requestTimeoutMs: config.requestTimeoutMs,
      forwardAuthorization: config.forwardAuthorization,
      ...(config.credentials ? { credentials: config.credentials } : {}),
      maxLineBytes: config.ksqlMaxLineBytes,
      maxBodyBytes: config.ksqlMaxBodyBytes,
      http2: config.ksqlHttp2,
      // Only for --ksql-url: the embedded engine speaks plain HTTP on loopback.
      ...(tls !== undefined && engine === undefined ? { tls } : {}),
    };
    // Several servers of one cluster: health-checked and failed over; one: the plain client, no polling.
    const cluster =
      config.ksqlUrls.length > 1
        ? createKsqlCluster({
            urls: config.ksqlUrls,
            client: clientOptions,
            healthIntervalMs: config.ksqlHealthIntervalMs,
            logger: logger.child({ component: 'ksql-cluster' }),
          })
        : undefined;
    client = cluster ?? createKsqlClient({ baseUrl: ksqlUrl, ...clientOptions });
    gateway = buildGateway({
      client,
      ksqlServers: cluster && (() => cluster.servers()),
      graphiql: config.graphiql,
      graphqlEndpoint: config.graphqlPath,
      logger: logger.child({ component: 'gateway' }),
      // The engine behind it closes after the gateway, within the same budget.
      shutdownTimeoutMs: Math.max(1, config.shutdownTimeoutMs - (engine ? ENGINE_CLOSE_RESERVE_MS : 0)),
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
      metrics: config.metrics && { endpoint: config.metricsPath },
      tracing,
      pushLogBytes: config.pushLogBytes,
      cursorSecret: config.cursorSecret,
      resumeGatherMs: config.resumeGatherMs,
      resumeWindowBytes: config.resumeWindowBytes,
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
    // The gateway closes its client; without one, stop the cluster's health checks here.
    if (gateway === undefined) await client?.close().catch(() => {});
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
      // The last resort: whatever still holds on after the budget, exit anyway.
      const failsafe = setTimeout(() => {
        logger.error(`not closed within --shutdown-timeout-ms (${config.shutdownTimeoutMs} ms): exiting now`);
        resolve(1);
      }, config.shutdownTimeoutMs + 500);
      failsafe.unref();
      running.close().then(
        () => {
          clearTimeout(failsafe);
          resolve(0);
        },
        (err: unknown) => {
          clearTimeout(failsafe);
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
