/**
 * The push-query subscription: an async generator over the client's
 * pull-based `QueryStream` (no buffering: one upstream event is read per
 * event the transport asks for), yielding the header then one row per row.
 *
 * Lifecycle:
 * - `finalMessage` or the end of the body → the subscription completes.
 * - An upstream error (`errorMessage`, broken connection) → thrown, and the
 *   error-translation plugin delivers it as a GraphQL error before completing.
 * - `return()` (client unsubscribes or disconnects, or the gateway closes)
 *   aborts the HTTP request at once, even while the generator is waiting for
 *   the next row (an async generator's own `return()` would queue behind that
 *   wait), then calls `/close-query` best-effort if the query was still
 *   running.
 *
 * @module
 */
import type { GatewayContext } from '../context.js';
import type { KsqlClient, QueryEvent, QueryStream } from '../ksql-client/types.js';
import type { RowShape } from '../schema/index.js';
import { linkSignals, type LinkedAbort } from '../../shared/abort.js';
import type { Logger } from '../../shared/logger.js';
import { gatewayClosing } from '../errors/index.js';
import { createRowShape, headerView, rowView, type QueryEventView } from './rows.js';
import type { Closable, SubscriptionRegistry } from './subscription-registry.js';

/** The body of `POST /query`. */
export type QueryRequest = Parameters<KsqlClient['query']>[0];

export interface PushQueryOptions {
  readonly registry: SubscriptionRegistry;
  readonly logger: Logger;
  /**
   * Timeout of the best-effort `/close-query` call.
   * @default 5000 (ms)
   */
  readonly closeQueryTimeoutMs?: number | undefined;
}

interface RunState {
  queryId: string | undefined;
  /** The upstream query has ended on its own (final message, end of body, or error). */
  ended: boolean;
  cleanedUp: boolean;
}

/** The abort reason of an upstream request whose subscription ended (also push-hub's). */
export class SubscriptionEnded extends DOMException {
  constructor() {
    super('The subscription ended.', 'AbortError');
  }
}

/**
 * Starts `request` as a push query and returns its event iterator. The
 * upstream request starts at once; the iterator must be consumed or
 * returned.
 */
export function subscribePushQuery(
  request: QueryRequest,
  context: GatewayContext,
  options: PushQueryOptions,
): AsyncIterableIterator<QueryEventView> {
  const { registry, logger, closeQueryTimeoutMs = 5_000 } = options;
  if (registry.closing) throw gatewayClosing();

  const link = linkSignals([context.signal]);
  const stream = context.ksqlClient.query(request, {
    signal: link.signal,
    authorization: context.authorization,
  });
  const state: RunState = { queryId: undefined, ended: false, cleanedUp: false };

  /** Runs once, from the generator's `finally` or from `return()`/`throw()`. */
  function cleanup(): void {
    if (state.cleanedUp) return;
    state.cleanedUp = true;
    registry.delete(subscription);
    if (!link.signal.aborted) link.abort(new SubscriptionEnded());
    link.dispose();
    void closeStream(stream, logger);
    const { queryId } = state;
    if (queryId !== undefined && !state.ended) {
      registry.track(
        context.ksqlClient
          .closeQuery(queryId, { timeoutMs: closeQueryTimeoutMs, authorization: context.authorization })
          .catch((err: unknown) => logger.debug(`close-query ${queryId} failed (ignored):`, err)),
      );
    }
  }

  const generator = pushQueryEvents(stream, link, state, cleanup);

  const subscription: AsyncIterableIterator<QueryEventView> & Closable = {
    next: () => generator.next(),
    async return() {
      // Wake a generator that waits for the next row: abort the request first.
      if (!link.signal.aborted) link.abort(new SubscriptionEnded());
      void closeStream(stream, logger);
      try {
        await generator.return(undefined);
      } finally {
        cleanup(); // the generator may never have started, so its finally may not run
      }
      return { value: undefined, done: true };
    },
    async throw(err?: unknown) {
      if (!link.signal.aborted) link.abort(new SubscriptionEnded());
      try {
        return await generator.throw(err);
      } finally {
        cleanup();
      }
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
  registry.add(subscription);
  return subscription;
}

async function* pushQueryEvents(
  stream: QueryStream,
  link: LinkedAbort,
  state: RunState,
  cleanup: () => void,
): AsyncGenerator<QueryEventView, void, undefined> {
  try {
    let shape: RowShape | undefined;
    for (;;) {
      let step: IteratorResult<QueryEvent>;
      try {
        step = await stream.next();
      } catch (err) {
        if (link.signal.aborted) return; // we (or the client) ended it: complete quietly
        state.ended = true;
        throw err;
      }
      if (step.done) {
        state.ended = true;
        return;
      }
      const event = step.value;
      switch (event.kind) {
        case 'header':
          shape = createRowShape(event.columns);
          state.queryId = event.queryId;
          yield headerView(event, shape);
          break;
        case 'row':
          if (!shape) throw new Error('Invariant violated: /query sent a row before its header');
          yield rowView(event, shape);
          break;
        case 'final':
          state.ended = true;
          return;
      }
    }
  } finally {
    cleanup();
  }
}

/** Closes a `/query` stream; a failure is only logged (also push-hub's). */
export async function closeStream(stream: QueryStream, logger: Logger): Promise<void> {
  try {
    await stream.return(undefined);
  } catch (err) {
    logger.debug('closing the /query stream failed (ignored):', err);
  }
}
