/**
 * Starts the OpenTelemetry SDK when the standard `OTEL_*` variables ask for
 * traces, and only then: with none of them set, the SDK is not even loaded
 * and the gateway gets no tracing plugin.
 *
 * Traces are on when `OTEL_SDK_DISABLED` is not `true`, and either
 * `OTEL_TRACES_EXPORTER` is `otlp`, or it is unset and an OTLP endpoint is
 * configured (`OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` or
 * `OTEL_EXPORTER_OTLP_ENDPOINT`). The specification's default exporter is
 * otlp, but a gateway that starts sending to localhost:4318 because nothing
 * was set would surprise; so an endpoint, or the exporter named, is the
 * opt-in.
 *
 * The SDK (NodeSDK) then reads the rest of the standard variables itself:
 * endpoints, headers, timeouts, `OTEL_TRACES_SAMPLER`, `OTEL_BSP_*`,
 * `OTEL_PROPAGATORS`, `OTEL_RESOURCE_ATTRIBUTES`, `OTEL_SERVICE_NAME`. It
 * reads `process.env`; `env` decides only whether it starts.
 *
 * @see docs/operations.md#traces
 * @module
 */
import type { DiagLogger } from '@opentelemetry/api';
import { ConfigError } from '../gateway/config/index.js';
import type { Logger } from '../shared/logger.js';

/** The `service.name` unless `OTEL_SERVICE_NAME` or `OTEL_RESOURCE_ATTRIBUTES` say otherwise. */
export const DEFAULT_SERVICE_NAME = 'ksqldb-graphql-gateway';

const PROTOCOLS = ['http/protobuf', 'http/json'] as const;
type Protocol = (typeof PROTOCOLS)[number];

export type TracingSettings =
  | { readonly enabled: false; readonly reason: string }
  | {
      readonly enabled: true;
      readonly protocol: Protocol;
      /** Where spans go, without credentials or query string (for the start-up line). */
      readonly endpoint: string;
    };

function value(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const raw = env[name]?.trim();
  return raw === undefined || raw === '' ? undefined : raw;
}

/** `url` without user, password, query or fragment: some collectors take a key in one of them. */
function displayEndpoint(name: string, url: string, signalPath: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    // Not echoed: it may hold a key.
    throw new ConfigError(`${name} is not a valid URL`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new ConfigError(`${name} must be an http: or https: URL, got ${parsed.protocol}`);
  }
  const path = signalPath === '' ? parsed.pathname : `${parsed.pathname.replace(/\/+$/, '')}${signalPath}`;
  return `${parsed.origin}${path}`;
}

/**
 * What the `OTEL_*` variables of `env` ask for (see the module comment).
 * Throws a ConfigError for values the gateway cannot honour (another
 * exporter, the grpc protocol, a malformed endpoint) rather than run without
 * the traces that were asked for.
 */
export function tracingSettings(env: NodeJS.ProcessEnv): TracingSettings {
  if (value(env, 'OTEL_SDK_DISABLED')?.toLowerCase() === 'true') {
    return { enabled: false, reason: 'OTEL_SDK_DISABLED=true' };
  }
  const exporters = (value(env, 'OTEL_TRACES_EXPORTER') ?? '')
    .split(',')
    .map((e) => e.trim().toLowerCase())
    .filter((e) => e !== '');
  if (exporters.includes('none')) return { enabled: false, reason: 'OTEL_TRACES_EXPORTER=none' };
  const unsupported = exporters.find((e) => e !== 'otlp');
  if (unsupported !== undefined) {
    throw new ConfigError(`OTEL_TRACES_EXPORTER=${unsupported} is not supported: use otlp or none`);
  }
  const tracesEndpoint = value(env, 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT');
  const endpoint = value(env, 'OTEL_EXPORTER_OTLP_ENDPOINT');
  if (exporters.length === 0 && tracesEndpoint === undefined && endpoint === undefined) {
    return {
      enabled: false,
      reason: 'no OTEL_* variable asks for them (set OTEL_EXPORTER_OTLP_ENDPOINT or OTEL_TRACES_EXPORTER=otlp)',
    };
  }
  const protocolName = value(env, 'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL') !== undefined
    ? 'OTEL_EXPORTER_OTLP_TRACES_PROTOCOL'
    : 'OTEL_EXPORTER_OTLP_PROTOCOL';
  const protocol = value(env, protocolName) ?? 'http/protobuf';
  if (!(PROTOCOLS as readonly string[]).includes(protocol)) {
    throw new ConfigError(`${protocolName}=${protocol} is not supported: use http/protobuf or http/json`);
  }
  // As the exporter resolves them: the traces endpoint as given, else the
  // base endpoint plus /v1/traces, else the specification's default.
  const shown =
    tracesEndpoint !== undefined
      ? displayEndpoint('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', tracesEndpoint, '')
      : endpoint !== undefined
        ? displayEndpoint('OTEL_EXPORTER_OTLP_ENDPOINT', endpoint, '/v1/traces')
        : 'http://localhost:4318/v1/traces';
  return { enabled: true, protocol: protocol as Protocol, endpoint: shown };
}

export interface StartedTracing {
  /** Exports the spans still buffered, then stops the SDK. Never rejects. */
  shutdown(): Promise<void>;
}

export interface StartTracingOptions {
  /** The `service.version` resource attribute. */
  readonly serviceVersion?: string | undefined;
}

/** The SDK's own diagnostics (export failures, bad variables) in the gateway's log. */
function diagLogger(logger: Logger): DiagLogger {
  return {
    error: (message, ...args) => logger.error(message, ...args),
    warn: (message, ...args) => logger.warn(message, ...args),
    info: (message, ...args) => logger.info(message, ...args),
    debug: (message, ...args) => logger.debug(message, ...args),
    verbose: (message, ...args) => logger.debug(message, ...args),
  };
}

/**
 * Starts the SDK (registering the global tracer provider, propagator and
 * context manager) when {@link tracingSettings} says so; resolves undefined
 * otherwise, having loaded nothing.
 */
export async function startTracing(
  env: NodeJS.ProcessEnv,
  logger: Logger,
  { serviceVersion }: StartTracingOptions = {},
): Promise<StartedTracing | undefined> {
  const settings = tracingSettings(env);
  if (!settings.enabled) {
    logger.debug(`traces: off (${settings.reason})`);
    return undefined;
  }
  // Loaded here, not at the top: with traces off the SDK costs nothing.
  const [{ diag, DiagLogLevel }, { diagLogLevelFromString }, { NodeSDK }, resources] = await Promise.all([
    import('@opentelemetry/api'),
    import('@opentelemetry/core'),
    import('@opentelemetry/sdk-node'),
    import('@opentelemetry/resources'),
  ]);
  const sdk = new NodeSDK({
    // Merged under what the detectors find, so OTEL_SERVICE_NAME and
    // OTEL_RESOURCE_ATTRIBUTES win over these.
    resource: resources.defaultResource().merge(
      resources.resourceFromAttributes({
        'service.name': DEFAULT_SERVICE_NAME,
        ...(serviceVersion === undefined ? {} : { 'service.version': serviceVersion }),
      }),
    ),
    // Not the process detector: its process.command_args is the command
    // line, which may carry --ksql-password or --admin-secret.
    resourceDetectors: [resources.envDetector, resources.hostDetector],
    // Traces only: metrics are served to Prometheus, logs go to stderr.
    metricReaders: [],
    logRecordProcessors: [],
  });
  // After the SDK's constructor, which installs a console logger of its own
  // when OTEL_LOG_LEVEL is set.
  diag.setLogger(diagLogger(logger), {
    logLevel: diagLogLevelFromString(value(env, 'OTEL_LOG_LEVEL')) ?? DiagLogLevel.WARN,
    suppressOverrideMessage: true,
  });
  sdk.start();
  logger.info(`traces: exported with OTLP ${settings.protocol} to ${settings.endpoint}`);
  let stopping: Promise<void> | undefined;
  return {
    shutdown() {
      stopping ??= sdk.shutdown().then(
        () => diag.disable(),
        (err: unknown) => logger.warn('traces: the last spans could not be exported:', err),
      );
      return stopping;
    },
  };
}
