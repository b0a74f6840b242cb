/**
 * The reconnect recipe of docs/resume.md for graphql-ws's client (Apollo's
 * GraphQLWsLink and urql's subscriptionExchange run on the same client).
 *
 * - It keeps the `_cursor` of the last event in the subscription's own
 *   variables: graphql-ws sends the same payload again when it reconnects
 *   after a dropped socket, so the resubscription starts right after that
 *   event.
 * - When the gateway ends the subscription with a retryable error
 *   (`SHUTTING_DOWN` during a deploy, `KSQL_CONNECTION_LOST` when a ksqlDB
 *   server went away), it waits for the subscription's `complete` and
 *   subscribes again, also with `after`, after a short backoff (the socket
 *   of a gateway that is shutting down refuses new subscriptions until it
 *   closes; a new connection reaches another instance).
 *
 * The suite runs this file as written (test/e2e/resume.test.ts).
 */
import type { Client, FormattedExecutionResult } from 'graphql-ws';

export interface ResumableSubscription<T> {
  /** A subscription operation whose typed field takes `after: $after` and selects `_cursor`. */
  readonly query: string;
  readonly variables?: Record<string, unknown>;
  /** The `_cursor` of an event. */
  readonly cursorOf: (data: T) => string | null | undefined;
  /** Start right after this cursor (kept from an earlier session); absent: live rows from now. */
  readonly after?: string;
}

export interface ResumableSink<T> {
  next(data: T): void;
  /** A non-retryable error: the subscription is over. */
  error(error: unknown): void;
  complete(): void;
}

const FIRST_BACKOFF_MS = 100;
const MAX_BACKOFF_MS = 5_000;

/** Subscribes, and resubscribes after every drop, right after the last event received. Returns the unsubscribe. */
export function subscribeResumable<T>(client: Client, subscription: ResumableSubscription<T>, sink: ResumableSink<T>): () => void {
  const variables: Record<string, unknown> = { ...subscription.variables, after: subscription.after ?? null };
  // One payload object for the subscription's whole life: graphql-ws re-sends it on reconnect.
  const payload = { query: subscription.query, variables };
  let stopped = false;
  let dispose = () => {};
  let backoff = FIRST_BACKOFF_MS;
  let timer: ReturnType<typeof setTimeout> | undefined;

  const start = () => {
    // Set by a retryable error: the `complete` that follows it means "subscribe again".
    let retry = false;
    dispose = client.subscribe<T>(payload, {
      next(result: FormattedExecutionResult<T>) {
        if (stopped) return;
        if (result.errors?.length) {
          if (result.errors.every((e) => e.extensions?.['retryable'] === true)) retry = true;
          else {
            stopped = true;
            sink.error(result.errors);
          }
          return;
        }
        backoff = FIRST_BACKOFF_MS;
        const data = result.data as T;
        const cursor = subscription.cursorOf(data);
        if (cursor) variables['after'] = cursor;
        sink.next(data);
      },
      error(error) {
        if (stopped) return;
        stopped = true;
        sink.error(error);
      },
      complete() {
        if (stopped) return;
        if (!retry) return sink.complete();
        timer = setTimeout(start, backoff);
        backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
      },
    });
  };
  start();
  return () => {
    stopped = true;
    clearTimeout(timer);
    dispose();
  };
}
