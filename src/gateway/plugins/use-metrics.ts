/**
 * Prometheus metrics (docs/operations.md#metrics), on a prom-client
 * `Registry` of the gateway's own: several gateways in one process (tests,
 * an app embedding two) each count their own, and nothing lands in
 * prom-client's global registry.
 *
 * - yoga's request and operation metrics come from
 *   `@graphql-yoga/plugin-prometheus`, with the labels a client chooses
 *   (operation name, URL, error path) turned off.
 * - The gateway's own, `ksqldb_gateway_*`, have bounded label sets only: a
 *   transport, a ksqlDB endpoint, an outcome. Never SQL, a credential or
 *   anything else a caller sent.
 * - The endpoint adds prom-client's default process metrics, collected once
 *   per process: they describe the process, not a gateway, and prom-client
 *   starts a GC observer and an event-loop monitor per collection that
 *   nothing can stop, so one per gateway would leak one of each per gateway.
 *
 * Push-style sources tell the returned {@link Metrics} what happened
 * ({@link Metrics.observeKsqlCall}, {@link Metrics.subscriberTooSlow},
 * {@link Metrics.typedSchemaRefreshed}); state that already exists elsewhere
 * (shared queries, the typed schema's version) is read at scrape time.
 *
 * @module
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { usePrometheus } from '@graphql-yoga/plugin-prometheus';
import type { ExecutionResult } from 'graphql';
import { isAsyncIterable, type Plugin } from 'graphql-yoga';
import type { KsqlCallObserver } from '../ksql-client/observe.js';
import type { InitialContext } from './initial-context.js';
import { observe } from './observed-stream.js';
import { releasing } from './use-subscription-caps.js';
import { isAbortError } from '../../shared/abort.js';

/**
 * How a subscription's events reach the client: a graphql-ws socket, or
 * GraphQL over SSE (yoga streams subscriptions over HTTP as SSE only).
 */
export type SubscriptionTransport = 'graphql-ws' | 'sse';

/** The labels envelop gives an error in a subscription's event (its `execute` phase, as for a query's result). */
const SUBSCRIPTION_ERROR_LABELS = { operationType: 'subscription', phase: 'execute' } as const;
const SUBSCRIPTION_LABELS = { operationType: 'subscription' } as const;

const TRANSPORTS: readonly SubscriptionTransport[] = ['graphql-ws', 'sse'];

/** What one typed-schema refresh did: swapped a new schema in, found the catalog unchanged, or failed. */
export type TypedSchemaRefreshResult = 'changed' | 'unchanged' | 'error';

const REFRESH_RESULTS: readonly TypedSchemaRefreshResult[] = ['changed', 'unchanged', 'error'];

export interface MetricsOptions {
  /**
   * The path the metrics are served on (GET and HEAD); `false` collects them
   * without serving them (read {@link Metrics.registry}).
   * @default '/metrics'
   */
  readonly endpoint?: string | false | undefined;
  /**
   * Serve prom-client's default process metrics (CPU, memory, event loop,
   * GC, handles) with the gateway's. They are not in {@link Metrics.registry}.
   * @default true
   */
  readonly processMetrics?: boolean | undefined;
  /**
   * Read at each scrape: the subscriber count of each shared upstream push
   * query running now. Absent: no shared-query metrics.
   */
  readonly sharedPushQueries?: (() => readonly number[]) | undefined;
  /**
   * Read at each scrape: the bytes held by the event log of each shared
   * push query running now. Absent: no push-log metrics.
   */
  readonly sharedPushLogBytes?: (() => readonly number[]) | undefined;
  /**
   * Read at each scrape: the typed schema's version (0 until the catalog was
   * first read). Absent: no typed-schema metrics.
   */
  readonly typedSchemaVersion?: (() => number) | undefined;
}

export interface Metrics {
  /** The yoga plugin: serves the endpoint, counts requests, operations and subscriptions. */
  readonly plugin: Plugin;
  /** The gateway's metrics (without the process metrics). */
  readonly registry: Registry;
  /** Times every ksqlDB call; give it to `observeClient` over the client the gateway uses. */
  readonly observeKsqlCall: KsqlCallObserver;
  /** A subscriber of a shared push query was ended with `SUBSCRIBER_TOO_SLOW`. */
  readonly subscriberTooSlow: () => void;
  /** A typed-schema refresh ended. */
  readonly typedSchemaRefreshed: (result: TypedSchemaRefreshResult) => void;
  /**
   * One subscription event became one result, through the compiled
   * projection or graphql-js `execute` (gateway/execution); subscribers
   * sharing an execution count once.
   */
  readonly subscriptionExecuted: (path: SubscriptionExecutionPath) => void;
}

/** How a subscription event's result was made (gateway/execution/use-compiled-projection.ts). */
export type SubscriptionExecutionPath = 'compiled' | 'executed';

const EXECUTION_PATHS: readonly SubscriptionExecutionPath[] = ['compiled', 'executed'];

/**
 * Buckets of the ksqlDB call durations, in seconds: the statement and pull
 * query range up to 10 s, then the lifetimes of push queries (their call
 * lasts as long as the query).
 */
const KSQL_DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 60, 600, 3600];

let processRegistry: Registry | undefined;

/** The process metrics, collected from the first call on (see the module comment). */
function processMetricsRegistry(): Registry {
  if (processRegistry === undefined) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

function transportOf(context: InitialContext): SubscriptionTransport {
  // Only the graphql-ws transport puts its socket in the initial context.
  return context.socket === undefined ? 'sse' : 'graphql-ws';
}

export function createMetrics({
  endpoint = '/metrics',
  processMetrics = true,
  sharedPushQueries,
  sharedPushLogBytes,
  typedSchemaVersion,
}: MetricsOptions = {}): Metrics {
  const registry = new Registry();
  const registers = [registry];

  const activeSubscriptions = new Gauge({
    name: 'ksqldb_gateway_subscriptions_active',
    help: 'Subscriptions running now, by transport.',
    labelNames: ['transport'] as const,
    registers,
  });
  // Every event of every subscriber passes here: a plain increment, added
  // to the counter at scrape time (prom-client hashes the labels per call).
  const eventsSinceScrape: Record<SubscriptionTransport, number> = { 'graphql-ws': 0, sse: 0 };
  const subscriptionEvents = new Counter({
    name: 'ksqldb_gateway_subscription_events_total',
    help: 'Results sent to subscribers (one per graphql-ws or SSE "next" message, errors included), by transport.',
    labelNames: ['transport'] as const,
    registers,
    collect() {
      for (const transport of TRANSPORTS) {
        this.inc({ transport }, eventsSinceScrape[transport]);
        eventsSinceScrape[transport] = 0;
      }
    },
  });
  for (const transport of TRANSPORTS) {
    // Every series from the start: a dashboard shows 0, not "no data".
    activeSubscriptions.set({ transport }, 0);
    subscriptionEvents.inc({ transport }, 0);
  }

  // Once per event of each execution: a plain increment, as for the events above.
  const executionsSinceScrape: Record<SubscriptionExecutionPath, number> = { compiled: 0, executed: 0 };
  new Counter({
    name: 'ksqldb_gateway_subscription_executions_total',
    help: 'Subscription events turned into results, by path (compiled projection or graphql-js execute); subscribers sharing an execution count once.',
    labelNames: ['path'] as const,
    registers,
    collect() {
      for (const path of EXECUTION_PATHS) {
        this.inc({ path }, executionsSinceScrape[path]);
        executionsSinceScrape[path] = 0;
      }
    },
  });

  const tooSlow = new Counter({
    name: 'ksqldb_gateway_subscribers_too_slow_total',
    help: 'Subscribers of shared push queries ended with SUBSCRIBER_TOO_SLOW (their buffer was full).',
    registers,
  });

  const ksqlCalls = new Histogram({
    name: 'ksqldb_gateway_ksql_request_duration_seconds',
    help: 'Calls to ksqlDB by endpoint, query kind (/query only) and outcome; a push query lasts as long as the query runs.',
    labelNames: ['endpoint', 'query_kind', 'outcome'] as const,
    buckets: KSQL_DURATION_BUCKETS,
    registers,
  });
  const upstreamPushQueries = new Gauge({
    name: 'ksqldb_gateway_upstream_push_queries',
    help: 'Push queries (POST /query, streamed) open on ksqlDB now, shared or not.',
    registers,
  });

  if (sharedPushQueries) {
    new Gauge({
      name: 'ksqldb_gateway_shared_push_queries',
      help: 'Shared upstream push queries running now.',
      registers,
      collect() {
        this.set(sharedPushQueries().length);
      },
    });
    new Gauge({
      name: 'ksqldb_gateway_shared_push_query_subscribers',
      help: 'Subscribers of the shared upstream push queries running now, all queries together.',
      registers,
      collect() {
        this.set(sharedPushQueries().reduce((sum, n) => sum + n, 0));
      },
    });
    new Gauge({
      name: 'ksqldb_gateway_shared_push_query_max_subscribers',
      help: 'Subscribers of the most shared upstream push query running now (0 when none runs).',
      registers,
      collect() {
        this.set(sharedPushQueries().reduce((max, n) => Math.max(max, n), 0));
      },
    });
  }
  if (sharedPushLogBytes) {
    new Gauge({
      name: 'ksqldb_gateway_push_log_bytes',
      help: 'Bytes (approximate) held by the event logs of the shared push queries running now, all queries together.',
      registers,
      collect() {
        this.set(sharedPushLogBytes().reduce((sum, n) => sum + n, 0));
      },
    });
    new Gauge({
      name: 'ksqldb_gateway_push_log_max_bytes',
      help: 'Bytes (approximate) held by the largest event log of a shared push query running now (at most --push-log-bytes plus one event).',
      registers,
      collect() {
        this.set(sharedPushLogBytes().reduce((max, n) => Math.max(max, n), 0));
      },
    });
  }

  let typedRefreshes: Counter<'result'> | undefined;
  let typedLastRefresh: Gauge | undefined;
  let typedLastSuccess: Gauge | undefined;
  if (typedSchemaVersion) {
    new Gauge({
      name: 'ksqldb_gateway_typed_schema_version',
      help: 'Version of the typed schema served (0 until the catalog was first read; +1 per change).',
      registers,
      collect() {
        this.set(typedSchemaVersion());
      },
    });
    typedRefreshes = new Counter({
      name: 'ksqldb_gateway_typed_schema_refreshes_total',
      help: 'Reads of the ksqlDB catalog for the typed schema, by result (changed, unchanged, error).',
      labelNames: ['result'] as const,
      registers,
    });
    for (const result of REFRESH_RESULTS) typedRefreshes.inc({ result }, 0);
    typedLastRefresh = new Gauge({
      name: 'ksqldb_gateway_typed_schema_last_refresh_timestamp_seconds',
      help: 'When the last typed-schema refresh ended (Unix time).',
      registers,
    });
    typedLastSuccess = new Gauge({
      name: 'ksqldb_gateway_typed_schema_last_refresh_success',
      help: '1 when the last typed-schema refresh read the catalog (changed or not), 0 when it failed.',
      registers,
    });
  }

  const observeKsqlCall: KsqlCallObserver = (call) => {
    const push = call.endpoint === '/query' && call.queryKind === 'push';
    if (push) upstreamPushQueries.inc();
    const end = ksqlCalls.startTimer(
      call.queryKind === undefined ? { endpoint: call.endpoint } : { endpoint: call.endpoint, query_kind: call.queryKind },
    );
    return (outcome) => {
      end({ outcome: outcome.result });
      if (push) upstreamPushQueries.dec();
    };
  };

  // The subscribe phase of envelop's metrics, kept here (see the
  // usePrometheus options below). Its histogram is made here with envelop's
  // name, help and labels; the others are envelop's, read from the registry
  // once usePrometheus has made them.
  const subscribePhase = new Histogram({
    name: 'graphql_envelop_phase_subscribe',
    help: 'Time spent on running the GraphQL "subscribe" function',
    labelNames: ['operationType'] as const,
    registers,
  });
  const envelopMetric = <M>(name: string): (() => M) => {
    let metric: M | undefined;
    return () => {
      metric ??= registry.getSingleMetric(name) as M | undefined;
      if (metric === undefined) throw new Error(`${name} is not registered`);
      return metric;
    };
  };
  const subscriptionErrors = envelopMetric<Counter>('graphql_envelop_error_result');
  const requests = envelopMetric<Counter>('graphql_envelop_request');
  const requestDuration = envelopMetric<Histogram>('graphql_envelop_request_duration');
  /** A subscription ended, `startedAt` (ms) after it was asked for: what envelop's subscribe-phase end handlers record. */
  const subscriptionEnded = (startedAt: number): void => {
    const seconds = (Date.now() - startedAt) / 1000;
    subscribePhase.observe(SUBSCRIPTION_LABELS, seconds);
    requestDuration().observe(SUBSCRIPTION_LABELS, seconds);
    requests().inc(SUBSCRIPTION_LABELS);
  };

  const served = endpoint === false ? undefined : endpoint;
  const scrape = (): Registry =>
    processMetrics ? Registry.merge([registry, processMetricsRegistry()]) : registry;
  // Collect from now on, so that the first scrape has the process's history.
  if (served !== undefined && processMetrics) processMetricsRegistry();

  const plugin: Plugin = {
    onPluginInit({ addPlugin }) {
      addPlugin(
        usePrometheus({
          registry,
          // Served below, with the process metrics.
          endpoint: false,
          metrics: {
            // Subscriptions are counted and timed below, for the same
            // reason as their errors: envelop would wrap every subscriber's
            // stream in one more iterator to see it end.
            graphql_envelop_request: ['execute'],
            graphql_envelop_request_duration: ['execute'],
            graphql_envelop_phase_parse: true,
            graphql_envelop_phase_validate: true,
            graphql_envelop_phase_execute: true,
            graphql_envelop_phase_subscribe: false,
            // Not the subscribe phase: envelop would count a subscription's
            // event errors in an onNext hook, which wraps every subscriber's
            // stream in a promise-helpers iterator (about a quarter of the
            // fan-out's CPU). The observer below counts them instead.
            graphql_envelop_error_result: ['parse', 'validate', 'context', 'execute'],
            graphql_yoga_http_duration: true,
            // The same timing as request_duration, as a summary (not aggregable across instances).
            graphql_envelop_request_time_summary: false,
            // Context building is a few property reads here.
            graphql_envelop_phase_context: false,
            // Walks every document with TypeInfo; the schema deprecates nothing.
            graphql_envelop_deprecated_field: false,
            // ksqldb_gateway_typed_schema_version says more.
            graphql_envelop_schema_change: false,
            graphql_envelop_execute_resolver: false,
          },
          // A client picks these values: each new one would be a new series.
          labels: { operationName: false, path: false, url: false },
        }),
      );
    },
    onRequest(payload) {
      const { url, request, fetchAPI } = payload;
      if (served === undefined || url.pathname !== served) return undefined;
      if (request.method !== 'GET' && request.method !== 'HEAD') {
        payload.endResponse(new fetchAPI.Response(null, { status: 405, headers: { allow: 'GET, HEAD' } }));
        return undefined;
      }
      const from = scrape();
      return from.metrics().then((text) => {
        payload.endResponse(new fetchAPI.Response(text, { headers: { 'content-type': from.contentType } }));
      });
    },
    onSubscribe() {
      const startedAt = Date.now();
      return {
        onSubscribeResult({ args, result, setResult }) {
          // A refusal or an error instead of a stream: no subscription ran.
          if (!isAsyncIterable(result)) {
            subscriptionEnded(startedAt);
            return undefined;
          }
          const transport = transportOf(args.contextValue);
          activeSubscriptions.inc({ transport });
          // Counted by an observer of the stream rather than in an onNext hook,
          // which would put one more iterator in every subscriber's way. It
          // sees a failed step before error translation does, which turns it
          // into one final error result (aborts excepted, which end quietly).
          const stream = releasing(result, () => {
            activeSubscriptions.dec({ transport });
            subscriptionEnded(startedAt);
          });
          setResult(
            observe(stream, {
              step: (step) => {
                if (!step.done) {
                  eventsSinceScrape[transport]++;
                  const errors = (step.value as ExecutionResult | undefined)?.errors?.length;
                  if (errors) subscriptionErrors().inc(SUBSCRIPTION_ERROR_LABELS, errors);
                }
                return undefined;
              },
              error: (error) => {
                if (!isAbortError(error)) {
                  eventsSinceScrape[transport]++;
                  // Error translation turns it into one final result with an error.
                  subscriptionErrors().inc(SUBSCRIPTION_ERROR_LABELS);
                }
                return undefined;
              },
            }),
          );
          return undefined;
        },
      };
    },
  };

  return {
    plugin,
    registry,
    observeKsqlCall,
    subscriberTooSlow: () => tooSlow.inc(),
    subscriptionExecuted: (path) => void executionsSinceScrape[path]++,
    typedSchemaRefreshed(result) {
      typedRefreshes?.inc({ result });
      typedLastRefresh?.setToCurrentTime();
      typedLastSuccess?.set(result === 'error' ? 0 : 1);
    },
  };
}
