/**
 * OpenTelemetry traces: a span per GraphQL operation (HTTP, SSE and
 * graphql-ws alike, as all three execute through envelop), and under it a
 * span per call to ksqlDB (an {@link observeClient} view of the operation's
 * client, see use-ksql-context.ts).
 *
 * - The operation span is a child of the caller's trace context, read by the
 *   propagator from the caller's headers as {@link callerHeader} reads them
 *   (the HTTP request; over graphql-ws the `connection_init` payload, then
 *   the upgrade request). It starts when execution starts (operations that
 *   fail to parse or validate get none) and ends when the result is sent, or,
 *   for a subscription, when its event stream ends however it ends.
 * - A ksqlDB call span ends when the call ends; a push query's, when its
 *   stream ends. A push query shared by several subscribers (push-hub.ts)
 *   has one span, under the operation that started it, and may outlive it.
 *
 * Never recorded: the document, variables, results, error messages and
 * statement text (messages can quote the SQL, which can hold values and
 * secrets), nor any header. Errors are recorded by their stable codes only.
 * That is why this is not `@envelop/opentelemetry` (9.x): it records every
 * failed result's error messages as an exception event whatever its options,
 * does not read the caller's `traceparent`, and falls back to registering its
 * own SDK 1.x console exporter when given no provider.
 *
 * @see docs/operations.md#traces
 * @module
 */
import {
  context as otelContext,
  propagation,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context,
  type Span,
  type TextMapGetter,
  type TextMapPropagator,
  type TracerProvider,
} from '@opentelemetry/api';
import { getOperationAST, type DocumentNode, type ExecutionArgs, type ExecutionResult, type GraphQLError } from 'graphql';
import { isAsyncIterable, type Plugin } from 'graphql-yoga';
import { maskError } from '../errors/index.js';
import { observeClient, type KsqlCall, type KsqlCallOutcome } from '../ksql-client/observe.js';
import type { KsqlClient } from '../ksql-client/types.js';
import { isAbortError } from '../../shared/abort.js';
import { callerHeader, type InitialContext } from './initial-context.js';

/**
 * The attributes the gateway's spans carry. `graphql.operation.*`,
 * `http.response.status_code` and `error.type` are the OpenTelemetry
 * semantic conventions' (spelled out rather than imported: the first are
 * still incubating there, and the package would load on every start).
 */
export const TraceAttribute = {
  /** `query`, `mutation` or `subscription`. */
  OPERATION_TYPE: 'graphql.operation.type',
  /** The operation's name; absent for anonymous operations. */
  OPERATION_NAME: 'graphql.operation.name',
  /** `ok`, or `error` when any result carried errors. */
  OPERATION_RESULT: 'graphql.operation.result',
  /** The `extensions.code` of the errors the caller got (docs/errors.md), each once. */
  ERROR_CODES: 'graphql.error.codes',
  /** Calls to ksqlDB the operation made. */
  KSQL_CALLS: 'ksql.calls',
  /** `/ksql`, `/query`, `/close-query`, ... */
  KSQL_ENDPOINT: 'ksql.endpoint',
  /** `/query` only: `push` or `pull`. */
  KSQL_QUERY_KIND: 'ksql.query.kind',
  /** The statements' leading keywords (`CREATE STREAM`, `SELECT`, `INSERT;SHOW`). */
  KSQL_STATEMENT_KIND: 'ksql.statement.kind',
  /** `ok`, `error` or `cancelled` (the caller went away or ended a push query). */
  KSQL_CALL_RESULT: 'ksql.call.result',
  /** ksqlDB's `error_code` (e.g. 40001), when it answered with one. */
  KSQL_ERROR_CODE: 'ksql.error_code',
  /** ksqlDB's HTTP status, on errors. */
  HTTP_RESPONSE_STATUS_CODE: 'http.response.status_code',
  /** The error's stable code: the client's (`KSQL_SERVER_ERROR`, `KSQL_TRANSPORT`, ...) on call spans. */
  ERROR_TYPE: 'error.type',
} as const;

export interface TracingOptions {
  /**
   * Where spans go.
   * @default the global provider (`trace.getTracerProvider()`): a no-op
   *   until an SDK registers one
   */
  readonly tracerProvider?: TracerProvider | undefined;
  /**
   * Reads the caller's trace context from its headers.
   * @default the global propagator (`propagation`): W3C `traceparent`,
   *   `tracestate` and `baggage` once the SDK is started, else nothing
   */
  readonly propagator?: TextMapPropagator | undefined;
}

export interface Tracing {
  /** The yoga plugin that makes the operation spans; runs before the plugins that may refuse an operation. */
  readonly plugin: Plugin;
  /**
   * One operation's view of `client` whose calls are spans under that
   * operation's span (`context`: the operation's GraphQL context). For
   * use-ksql-context's `decorateClient`.
   */
  readonly traceClient: (client: KsqlClient, context: object) => KsqlClient;
}

/** The scope name of the gateway's spans. */
const TRACER_NAME = 'ksqldb-graphql-gateway';

/** Reads a carrier as {@link callerHeader} reads the caller's headers, over every transport. */
const callerHeaders: TextMapGetter<InitialContext> = {
  // Only the W3C and baggage propagators are configured; both ask by name.
  keys: () => [],
  get: (carrier, key) => callerHeader(carrier, key.toLowerCase()),
};

/** The code the caller sees for `error` (after translation and masking, as yoga sends it). */
function codeOf(error: unknown): string | undefined {
  const code = (maskError(error) as GraphQLError).extensions['code'];
  return typeof code === 'string' ? code : undefined;
}

/** One operation's span and what its results said. */
class OperationSpan {
  readonly span: Span;
  readonly context: Context;
  readonly #graphqlContext: object;
  readonly #codes = new Set<string>();
  #failed = false;
  #ended = false;

  constructor(span: Span, context: Context, graphqlContext: object) {
    this.span = span;
    this.context = context;
    this.#graphqlContext = graphqlContext;
  }

  /** Notes a result's errors (a subscription's or incremental delivery's: each one). */
  note(result: ExecutionResult): void {
    if (!result.errors?.length) return;
    this.#failed = true;
    for (const error of result.errors) {
      const code = codeOf(error);
      if (code !== undefined) this.#codes.add(code);
    }
  }

  /** Execution threw instead of resolving with errors. */
  fail(error: unknown): void {
    this.#failed = true;
    const code = codeOf(error);
    if (code !== undefined) this.#codes.add(code);
    this.end();
  }

  end(): void {
    if (this.#ended) return;
    this.#ended = true;
    const { span } = this;
    const codes = [...this.#codes];
    span.setAttribute(TraceAttribute.OPERATION_RESULT, this.#failed ? 'error' : 'ok');
    if (codes.length > 0) span.setAttribute(TraceAttribute.ERROR_CODES, codes);
    const calls = (this.#graphqlContext as { ksqlCalls?: unknown }).ksqlCalls;
    if (typeof calls === 'function') span.setAttribute(TraceAttribute.KSQL_CALLS, (calls as () => number)());
    // The codes, never the messages: those can quote the statement.
    if (this.#failed) span.setStatus({ code: SpanStatusCode.ERROR, message: codes.join(',') });
    span.end();
  }
}

/** `run()` inside the operation's context; the span ends with an error if it throws or rejects. */
function runIn<T>(operation: OperationSpan, run: () => T): T {
  let value: T;
  try {
    value = otelContext.with(operation.context, run);
  } catch (error) {
    operation.fail(error);
    throw error;
  }
  // Any thenable: envelop hands back its own promise-likes too.
  const thenable = value as { then?: unknown } | null | undefined;
  if (typeof thenable?.then === 'function') {
    return (value as PromiseLike<unknown>).then(undefined, (error: unknown) => {
      operation.fail(error);
      throw error;
    }) as T;
  }
  return value;
}

/**
 * `source`, noting each result's errors and ending the span when it ends:
 * done, `return()` (the caller unsubscribed or went away), or a rejected
 * `next()`. `return()` goes straight to the source, never queued behind a
 * pending `next()`.
 */
function traced(source: AsyncIterable<ExecutionResult>, operation: OperationSpan): AsyncIterableIterator<ExecutionResult> {
  const iterator = source[Symbol.asyncIterator]();
  return {
    async next() {
      try {
        const step = await iterator.next();
        if (step.done) operation.end();
        else operation.note(step.value);
        return step;
      } catch (error) {
        if (isAbortError(error)) operation.end();
        else operation.fail(error);
        throw error;
      }
    },
    async return(value?: unknown) {
      try {
        return (await iterator.return?.(value)) ?? { value: undefined, done: true };
      } finally {
        operation.end();
      }
    },
    async throw(error?: unknown) {
      try {
        if (iterator.throw) return await iterator.throw(error);
        throw error;
      } finally {
        operation.fail(error);
      }
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}

function callAttributes(call: KsqlCall): Attributes {
  const attributes: Attributes = { [TraceAttribute.KSQL_ENDPOINT]: call.endpoint };
  if (call.queryKind !== undefined) attributes[TraceAttribute.KSQL_QUERY_KIND] = call.queryKind;
  if (call.statementKind) attributes[TraceAttribute.KSQL_STATEMENT_KIND] = call.statementKind;
  return attributes;
}

function endCall(span: Span, outcome: KsqlCallOutcome): void {
  span.setAttribute(TraceAttribute.KSQL_CALL_RESULT, outcome.result);
  if (outcome.result === 'error') {
    const code = outcome.code ?? 'KSQL_ERROR';
    span.setAttribute(TraceAttribute.ERROR_TYPE, code);
    if (outcome.httpStatus !== undefined) span.setAttribute(TraceAttribute.HTTP_RESPONSE_STATUS_CODE, outcome.httpStatus);
    // ksqlDB's numeric error_code is safe to keep; its message is not (it quotes the statement).
    const errorCode = (outcome.error as { errorCode?: unknown } | null | undefined)?.errorCode;
    if (typeof errorCode === 'number') span.setAttribute(TraceAttribute.KSQL_ERROR_CODE, errorCode);
    span.setStatus({ code: SpanStatusCode.ERROR, message: code });
  }
  span.end();
}

/**
 * The operation spans' plugin and the ksqlDB call spans' client view, sharing
 * the map from an operation's GraphQL context to its span.
 *
 * @example
 * ```ts
 * const tracing = createTracing();
 * createYoga({ plugins: [tracing.plugin, useKsqlContext({ client, decorateClient: tracing.traceClient })] });
 * ```
 */
export function createTracing({ tracerProvider = trace.getTracerProvider(), propagator = propagation }: TracingOptions = {}): Tracing {
  const tracer = tracerProvider.getTracer(TRACER_NAME);
  // The GraphQL context object is the same from context building to the
  // end of execution (envelop extends it in place), so it keys the operation.
  const operations = new WeakMap<object, OperationSpan>();

  function start(document: DocumentNode, operationName: string | null | undefined, graphqlContext: object): OperationSpan {
    const operation = getOperationAST(document, operationName ?? undefined);
    const attributes: Attributes = {};
    let name = 'GraphQL Operation';
    if (operation) {
      attributes[TraceAttribute.OPERATION_TYPE] = operation.operation;
      name = operation.operation;
      if (operation.name) {
        attributes[TraceAttribute.OPERATION_NAME] = operation.name.value;
        name = `${operation.operation} ${operation.name.value}`;
      }
    }
    const parent = propagator.extract(otelContext.active(), graphqlContext, callerHeaders);
    const span = tracer.startSpan(name, { kind: SpanKind.SERVER, attributes }, parent);
    const started = new OperationSpan(span, trace.setSpan(parent, span), graphqlContext);
    operations.set(graphqlContext, started);
    return started;
  }

  const plugin: Plugin = {
    onExecute({ args, executeFn, setExecuteFn }) {
      const { document, operationName } = args as ExecutionArgs; // envelop types them any
      const operation = start(document, operationName, args.contextValue);
      setExecuteFn((executionArgs) => runIn(operation, (): unknown => executeFn(executionArgs)));
      return {
        onExecuteDone({ result, setResult }) {
          if (isAsyncIterable(result)) {
            setResult(traced(result, operation));
            return;
          }
          operation.note(result);
          operation.end();
        },
      };
    },
    onSubscribe({ args, subscribeFn, setSubscribeFn }) {
      const { document, operationName } = args as ExecutionArgs; // envelop types them any
      const operation = start(document, operationName, args.contextValue);
      setSubscribeFn((subscribeArgs) => runIn(operation, (): unknown => subscribeFn(subscribeArgs)));
      return {
        onSubscribeResult({ result, setResult }) {
          if (isAsyncIterable(result)) {
            setResult(traced(result, operation));
            return;
          }
          operation.note(result);
          operation.end();
        },
      };
    },
  };

  const traceClient = (client: KsqlClient, graphqlContext: object): KsqlClient =>
    observeClient(client, (call) => {
      // Resolvers run inside the operation's context, but a call may start
      // elsewhere (a subscription's `/close-query` runs when it is returned).
      const parent = operations.get(graphqlContext)?.context ?? otelContext.active();
      const span = tracer.startSpan(`ksqlDB ${call.endpoint}`, { kind: SpanKind.CLIENT, attributes: callAttributes(call) }, parent);
      return (outcome) => endCall(span, outcome);
    });

  return { plugin, traceClient };
}
