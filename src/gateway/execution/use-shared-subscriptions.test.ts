/**
 * Shared executions in process, over SSE (`gateway.fetch`) against a fake
 * ksqlDB client: one result object per event for every subscriber, a late
 * joiner's header, a slow subscriber ending alone, errors reaching every
 * subscriber, LIMIT queries unshared, the last one leaving closing the
 * upstream query.
 */
import {
  GraphQLInt,
  GraphQLObjectType,
  GraphQLSchema,
  parse,
  subscribe as graphqlSubscribe,
  type ExecutionArgs,
  type ExecutionResult,
} from 'graphql';
import { isAsyncIterable, type Plugin } from 'graphql-yoga';
import { describe, expect, it } from 'vitest';
import { KsqlServerError } from '../ksql-client/errors.js';
import type { KsqlRequest } from '../../protocol/index.js';
import { propertiesEntity, sourceDescription, sourceDescriptionsEntity } from '../testing/catalog.js';
import { createFakeKsqlClient } from '../testing/fake-ksql-client.js';
import { gatewayFactory } from '../testing/gateways.js';
import { readSse, type SseReader } from '../testing/http.js';
import type { Gateway } from '../server.js';
import { AsyncQueue } from '../../shared/async-queue.js';
import { shareableWhen } from '../../shared/resolver-traits.js';
import { createSharedSubscriptions, estimateBytes } from './use-shared-subscriptions.js';

const URL_ = 'http://gateway.test/graphql';
const SQL = 'SELECT * FROM S EMIT CHANGES;';
const DOCUMENT = `subscription { pushQuery(sql: "${SQL}") { __typename ... on QueryRow { columns } } }`;

/** Every result each subscription's stream yields, in order, per subscription (a seam on the public hooks). */
function recorder(): { plugin: Plugin; results: ExecutionResult[][] } {
  const results: ExecutionResult[][] = [];
  return {
    results,
    plugin: {
      onSubscribe() {
        return {
          onSubscribeResult({ result }) {
            if (!isAsyncIterable(result)) return undefined;
            const mine: ExecutionResult[] = [];
            results.push(mine);
            return { onNext: ({ result: r }) => void mine.push(r) };
          },
        };
      },
    },
  };
}

// pushQuery is an admin field: open, as on a loopback listener.
const create = gatewayFactory({ adminApi: 'open' });

function sse(gateway: Gateway, query = DOCUMENT, headers: Record<string, string> = {}): SseReader {
  return readSse(
    gateway.fetch(URL_, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', ...headers },
      body: JSON.stringify({ query }),
    }),
  );
}

const row = (columns: unknown[]) => ({ data: { pushQuery: { __typename: 'QueryRow', columns } } });
const header = { data: { pushQuery: { __typename: 'QueryHeader' } } };

describe('shared execution', () => {
  it('gives every subscriber the same frozen result object per event, and one upstream query', async () => {
    const { plugin, results } = recorder();
    const { client, gateway } = create({ plugins: [plugin] });
    const a = sse(gateway);
    const b = sse(gateway);
    const stream = await client.nextStream();
    stream.sendHeader('`N` INTEGER');
    expect(await a.next()).toEqual(header);
    expect(await b.next()).toEqual(header);
    stream.sendRow([1]);
    stream.sendRow([2]);
    expect([await a.next(), await a.next()]).toEqual([row([1]), row([2])]);
    expect([await b.next(), await b.next()]).toEqual([row([1]), row([2])]);
    expect(client.streams).toHaveLength(1);
    expect(results).toHaveLength(2);
    const [first, second] = results as [ExecutionResult[], ExecutionResult[]];
    expect(first).toHaveLength(3);
    for (let i = 0; i < 3; i++) {
      expect(first[i]).toBe(second[i]);
      expect(Object.isFrozen(first[i])).toBe(true);
    }
    await a.cancel();
    await b.cancel();
    await stream.returned; // the last one leaving closed the upstream query
  });

  it('a late joiner gets the header, then the rows from its join on', async () => {
    const { client, gateway } = create();
    const a = sse(gateway);
    const stream = await client.nextStream();
    stream.sendHeader('`N` INTEGER');
    stream.sendRow([1]);
    expect([await a.next(), await a.next()]).toEqual([header, row([1])]);
    const late = sse(gateway);
    expect(await late.next()).toEqual(header);
    stream.sendRow([2]);
    expect(await late.next()).toEqual(row([2]));
    expect(await a.next()).toEqual(row([2]));
    expect(client.streams).toHaveLength(1);
    await a.cancel();
    expect(stream.returnCalls).toBe(0); // one subscriber is left
    await late.cancel();
    await stream.returned;
  });

  it('delivers a translated upstream error to every subscriber', async () => {
    const { client, gateway } = create();
    const a = sse(gateway);
    const b = sse(gateway);
    const stream = await client.nextStream();
    stream.sendHeader('`N` INTEGER');
    expect(await a.next()).toEqual(header);
    expect(await b.next()).toEqual(header);
    stream.fail(new KsqlServerError('the query failed', { httpStatus: 500, errorCode: 50000 }));
    for (const reader of [a, b]) {
      const [last] = await reader.all();
      expect(last?.errors?.[0]?.extensions?.['code']).toMatch(/^KSQL_/);
    }
  });

  it('does not share LIMIT queries, other credentials, or when turned off', async () => {
    const limited = `subscription { pushQuery(sql: "SELECT * FROM S EMIT CHANGES LIMIT 1;") { __typename } }`;
    const { client, gateway } = create();
    const readers = [sse(gateway, limited), sse(gateway, limited)];
    await client.nextStream();
    await client.nextStream();
    expect(client.streams).toHaveLength(2);
    const alice = sse(gateway, DOCUMENT, { authorization: 'Basic YWxpY2U6eA==' });
    const bob = sse(gateway, DOCUMENT, { authorization: 'Basic Ym9iOng=' });
    await client.nextStream();
    await client.nextStream();
    expect(client.streams).toHaveLength(4); // the hub keys on the credential too
    for (const r of [...readers, alice, bob]) await r.cancel();

    const { plugin, results } = recorder();
    const off = create({ sharedExecution: false, plugins: [plugin] });
    const x = sse(off.gateway);
    const y = sse(off.gateway);
    const stream = await off.client.nextStream();
    stream.sendHeader('`N` INTEGER');
    await x.next();
    await y.next();
    expect(off.client.streams).toHaveLength(1); // the hub still shares the upstream query
    expect(results[0]?.[0]).not.toBe(results[1]?.[0]);
    await x.cancel();
    await y.cancel();
  });
});

describe('shared execution: per-subscriber concerns', () => {
  it('each subscriber holds its own cap slot, and each gets SHUTTING_DOWN when the gateway closes', async () => {
    const { client, gateway } = create({ limits: { maxSubscriptions: 2 } });
    const a = sse(gateway);
    const b = sse(gateway);
    const stream = await client.nextStream();
    stream.sendHeader('`N` INTEGER');
    expect(await a.next()).toEqual(header);
    expect(await b.next()).toEqual(header);
    expect(gateway.activeSubscriptions).toBe(2);
    const third = await sse(gateway).next();
    expect(third?.errors?.[0]?.extensions?.['code']).toBe('SUBSCRIPTION_LIMIT_EXCEEDED');
    const closing = gateway.close();
    for (const reader of [a, b]) {
      const rest = await reader.all();
      expect(rest.at(-1)?.errors?.[0]?.extensions?.['code']).toBe('SHUTTING_DOWN');
    }
    await closing;
    expect(stream.returnCalls).toBeGreaterThan(0);
    expect(gateway.activeSubscriptions).toBe(0);
  });
});

describe('shared execution: typed fields', () => {
  it('shares typed subscriptions without limit, fromBeginning or snapshot; not the others', async () => {
    const { plugin, results } = recorder();
    const client = createFakeKsqlClient({
      ksql: async (request: KsqlRequest) => {
        if (request.ksql.startsWith('LIST')) return [sourceDescriptionsEntity([sourceDescription('CLICKS', { fields: [['ID', 'STRING', 'KEY'], ['URL', 'STRING']] })])];
        if (request.ksql.startsWith('SHOW PROPERTIES')) return [propertiesEntity({})];
        return [];
      },
    });
    const { gateway } = create({ plugins: [plugin], typedSchema: { refreshIntervalMs: 0 }, client });
    await gateway.typedSchema?.refresh();
    const typed = 'subscription { clicks { id url } }';
    const a = sse(gateway, typed);
    const b = sse(gateway, typed);
    const stream = await client.nextStream();
    stream.sendHeader('`ID` STRING KEY, `URL` STRING');
    stream.sendRow(['k', 'https://x']);
    const expected = { data: { clicks: { id: 'k', url: 'https://x' } } };
    expect(await a.next()).toEqual(expected);
    expect(await b.next()).toEqual(expected);
    expect(results[0]?.[0]).toBe(results[1]?.[0]);
    const limited = sse(gateway, 'subscription { clicks(limit: 5) { id url } }');
    const own = await client.nextStream();
    own.sendHeader('`ID` STRING KEY, `URL` STRING');
    own.sendRow(['k2', 'https://y']);
    expect(await limited.next()).toEqual({ data: { clicks: { id: 'k2', url: 'https://y' } } });
    expect(results).toHaveLength(3);
    for (const r of [a, b, limited]) await r.cancel();
  });
});

describe('shared execution: the fan-out', () => {
  /** A schema whose one shareable root field reads `source`; the plugin's subscribe function over graphql-js. */
  function setup(maxBytes: number) {
    const source = new AsyncQueue<number>({ capacity: 100_000 });
    let returned = 0;
    const schema = new GraphQLSchema({
      query: new GraphQLObjectType({ name: 'Query', fields: { n: { type: GraphQLInt } } }),
      subscription: new GraphQLObjectType({
        name: 'Subscription',
        fields: {
          tick: {
            type: GraphQLInt,
            subscribe: shareableWhen(
              () => ({
                next: () => source.next(),
                return: () => {
                  returned++;
                  return source.return();
                },
                [Symbol.asyncIterator]() {
                  return this;
                },
              }),
              () => true,
            ),
            resolve: (n: number) => n,
          },
        },
      }),
    });
    const tooSlow: number[] = [];
    const shared = createSharedSubscriptions({ maxBytes, onSubscriberTooSlow: () => tooSlow.push(1) });
    let subscribe!: (args: ExecutionArgs) => Promise<AsyncIterableIterator<ExecutionResult> | ExecutionResult>;
    (shared.plugin.onSubscribe as (payload: unknown) => void)({
      subscribeFn: graphqlSubscribe,
      setSubscribeFn: (fn: typeof subscribe) => (subscribe = fn),
    });
    const args: ExecutionArgs = { schema, document: parse('subscription { tick }'), contextValue: {} };
    const join = async () => (await subscribe(args)) as AsyncIterableIterator<ExecutionResult>;
    return { source, join, shared, tooSlow, returned: () => returned };
  }

  it('ends a subscriber a whole log behind with SUBSCRIBER_TOO_SLOW; the other gets every event, never slowed', async () => {
    const eventBytes = estimateBytes({ data: { tick: 0 } });
    const { source, join, shared, tooSlow, returned } = setup(10 * eventBytes);
    const fast = await join();
    const slow = await join();
    expect(shared.executions).toBe(1);
    expect(shared.subscriberCounts()).toEqual([2]);
    const got: unknown[] = [];
    const reading = (async () => {
      for await (const result of fast) {
        got.push(result.data?.['tick']);
        if (got.length === 100) break;
      }
    })();
    for (let i = 0; i < 100; i++) {
      source.push(i);
      await new Promise((r) => setImmediate(r));
    }
    await reading;
    expect(got).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(tooSlow).toEqual([1]);
    // The slow one had read nothing: it gets the error at once (its unread events went with the head).
    await expect(slow.next()).rejects.toMatchObject({ extensions: { code: 'SUBSCRIBER_TOO_SLOW', logBytes: expect.any(Number) } });
    // Both gone: the source was returned once.
    expect(returned()).toBe(1);
    expect(shared.executions).toBe(0);
  });

  it('a lone slow subscriber is not ended: the source waits for it', async () => {
    const eventBytes = estimateBytes({ data: { tick: 0 } });
    const { source, join, tooSlow } = setup(3 * eventBytes);
    const only = await join();
    for (let i = 0; i < 20; i++) source.push(i);
    await new Promise((r) => setImmediate(r));
    // The source is pulled only while the log has room: the rest stay in the source.
    expect(source.size).toBeGreaterThan(10);
    const got: unknown[] = [];
    for (let i = 0; i < 20; i++) got.push((await only.next()).value?.data?.['tick']);
    expect(got).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(tooSlow).toEqual([]);
    await only.return?.();
  });
});
