/**
 * Subscription caps: at most `maxSubscriptions` running in the process and
 * `maxSubscriptionsPerConnection` on one connection (a graphql-ws socket; an
 * HTTP/1.1 connection carries one SSE stream at a time). A subscription past
 * a cap is refused before its resolver runs (no upstream query starts) with
 * `SUBSCRIPTION_LIMIT_EXCEEDED` or `CONNECTION_SUBSCRIPTION_LIMIT_EXCEEDED`;
 * the running ones go on.
 *
 * A slot is taken when the subscribe function is called and given back when
 * the event stream ends however it ends (completion, error, `return()`), or at
 * once when subscribing produced no stream.
 *
 * @module
 */
import { isAsyncIterable, type Plugin } from 'graphql-yoga';
import type { ExecutionResult } from 'graphql';
import { refusal } from '../errors/index.js';
import { connectionOf } from './initial-context.js';
import { observe } from './observed-stream.js';

export interface SubscriptionCapsOptions {
  /** Most subscriptions in the process; 0 = no limit. @default 10000 */
  readonly maxSubscriptions?: number | undefined;
  /** Most subscriptions per connection; 0 = no limit. @default 100 */
  readonly maxSubscriptionsPerConnection?: number | undefined;
}

export interface SubscriptionCaps {
  readonly plugin: Plugin;
  /** Subscriptions running now. */
  readonly active: number;
}

/**
 * Calls `release` once, when `source` ends, fails or is returned (also used
 * by use-metrics). An observer of the stream (observed-stream.ts), not an
 * iterator of its own.
 */
export function releasing<T>(source: AsyncIterable<T>, release: () => void): AsyncIterableIterator<T> {
  let released = false;
  const done = () => {
    if (!released) {
      released = true;
      release();
    }
  };
  return observe(source, {
    step: (step) => {
      if (step.done) done();
      return undefined;
    },
    error: () => {
      done();
      return undefined;
    },
    closed: done,
  });
}

export function createSubscriptionCaps({
  maxSubscriptions = 10_000,
  maxSubscriptionsPerConnection = 100,
}: SubscriptionCapsOptions = {}): SubscriptionCaps {
  let active = 0;
  const perConnection = new WeakMap<object, number>();

  const take = (connection: object | undefined): (() => void) | ExecutionResult => {
    const onConnection = connection === undefined ? 0 : (perConnection.get(connection) ?? 0);
    if (connection !== undefined && maxSubscriptionsPerConnection > 0 && onConnection >= maxSubscriptionsPerConnection) {
      return {
        errors: [
          refusal(
            'CONNECTION_SUBSCRIPTION_LIMIT_EXCEEDED',
            `This connection runs ${maxSubscriptionsPerConnection} subscriptions already (--max-subscriptions-per-connection); end one first.`,
            { extensions: { limit: maxSubscriptionsPerConnection } },
          ),
        ],
      };
    }
    if (maxSubscriptions > 0 && active >= maxSubscriptions) {
      return {
        errors: [
          refusal(
            'SUBSCRIPTION_LIMIT_EXCEEDED',
            `The gateway runs ${maxSubscriptions} subscriptions already (--max-subscriptions); retry later.`,
            { extensions: { limit: maxSubscriptions } },
          ),
        ],
      };
    }
    active++;
    if (connection !== undefined) perConnection.set(connection, onConnection + 1);
    return () => {
      active--;
      if (connection !== undefined) perConnection.set(connection, (perConnection.get(connection) ?? 1) - 1);
    };
  };

  return {
    get active() {
      return active;
    },
    plugin: {
      onSubscribe({ args, subscribeFn, setSubscribeFn }) {
        const connection = connectionOf(args.contextValue);
        setSubscribeFn(async (subscribeArgs) => {
          const slot = take(connection);
          if (typeof slot !== 'function') return slot;
          let result: unknown; // envelop types it any
          try {
            result = await subscribeFn(subscribeArgs);
          } catch (error) {
            slot();
            throw error;
          }
          if (isAsyncIterable(result)) return releasing(result, slot);
          slot();
          return result;
        });
      },
    },
  };
}
