/**
 * `GET /readiness`: 200 when ksqlDB answers its `/healthcheck` and reports
 * itself healthy, else 503. The body is JSON: `{ "ready": boolean, ... }`.
 * Liveness (`GET /health`, always 200 while the process serves) is yoga's
 * built-in health check.
 *
 * With `servers` (several ksqlDB servers, see `createKsqlCluster`) nothing is
 * called: the servers' polled states are reported, and the gateway is ready
 * while at least one is healthy.
 *
 * @module
 */
import { useReadinessCheck, type Plugin } from 'graphql-yoga';
import type { KsqlClient, KsqlServerState } from '../ksql-client/types.js';
import { errorMessage } from '../../shared/errors.js';
import { silentLogger, type Logger } from '../../shared/logger.js';

export interface KsqlReadinessOptions {
  readonly client: KsqlClient;
  /**
   * The path answered.
   * @default '/readiness'
   */
  readonly endpoint?: string | undefined;
  /**
   * How long ksqlDB may take to answer before the gateway reports not ready.
   * @default 2000 (ms)
   */
  readonly timeoutMs?: number | undefined;
  /**
   * The typed schema's state: not ready until the catalog has been read
   * once (the generic schema is served meanwhile).
   */
  readonly typedSchema?: (() => { readonly ready: boolean; readonly version: number }) | undefined;
  /** True once the gateway is shutting down: readiness is 503 from then on, without asking ksqlDB. */
  readonly draining?: (() => boolean) | undefined;
  /** Where a change of readiness is logged, with its cause. */
  readonly logger?: Logger | undefined;
  /**
   * The states of several ksqlDB servers, kept by their own health checks.
   * When given, readiness reports them instead of calling `client.healthcheck`.
   * @default undefined (one server: its `/healthcheck` is called)
   */
  readonly servers?: (() => readonly KsqlServerState[]) | undefined;
}

/** A server as `/readiness` shows it. */
function serverView(state: KsqlServerState) {
  return {
    url: state.url,
    healthy: state.healthy,
    lastCheckAt: state.lastCheckAt === null ? null : new Date(state.lastCheckAt).toISOString(),
    lastError: state.lastError,
  };
}

export function useKsqlReadiness({
  client,
  endpoint = '/readiness',
  timeoutMs = 2_000,
  typedSchema,
  draining,
  logger = silentLogger,
  servers,
}: KsqlReadinessOptions): Plugin {
  // Logged when it changes, not at every probe.
  let lastReason: string | undefined = 'unknown';
  const report = (reason: string | undefined, cause?: unknown) => {
    if (reason === lastReason) return;
    lastReason = reason;
    if (reason === undefined) logger.info('ready');
    else if (cause === undefined) logger.warn(`not ready: ${reason}`);
    else logger.warn(`not ready: ${reason}`, { cause: errorMessage(cause) });
  };
  return useReadinessCheck({
    endpoint,
    async check({ fetchAPI }) {
      const json = (status: number, body: unknown) =>
        new fetchAPI.Response(JSON.stringify(body), {
          status,
          headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' },
        });
      if (draining?.()) {
        report('the gateway is shutting down');
        return json(503, { ready: false, reason: 'The gateway is shutting down.' });
      }
      if (servers) {
        const states = servers();
        const isHealthy = states.some((state) => state.healthy);
        const typed = typedSchema?.();
        const ready = isHealthy && (typed === undefined || typed.ready);
        report(ready ? undefined : isHealthy ? 'the typed schema has not been built yet' : 'no ksqlDB server is healthy');
        return json(ready ? 200 : 503, {
          ready,
          ksql: { isHealthy, servers: states.map(serverView) },
          ...(typed === undefined ? {} : { typedSchema: typed }),
          ...(ready
            ? {}
            : { reason: isHealthy ? 'The typed schema has not been built yet.' : 'No ksqlDB server is healthy.' }),
        });
      }
      try {
        const health = await client.healthcheck({ timeoutMs });
        const typed = typedSchema?.();
        const ready = health.isHealthy && (typed === undefined || typed.ready);
        report(
          ready ? undefined : !health.isHealthy ? 'ksqlDB reports itself unhealthy' : 'the typed schema has not been built yet',
        );
        return json(ready ? 200 : 503, {
          ready,
          ksql: { isHealthy: health.isHealthy, serverState: health.serverState ?? null, details: health.details },
          ...(typed === undefined ? {} : { typedSchema: typed }),
          ...(ready || !health.isHealthy ? {} : { reason: 'The typed schema has not been built yet.' }),
        });
      } catch (error) {
        report('ksqlDB is unavailable', error);
        const typed = typedSchema?.();
        return json(503, { ready: false, reason: 'ksqlDB is unavailable.', ...(typed === undefined ? {} : { typedSchema: typed }) });
      }
    },
  });
}
