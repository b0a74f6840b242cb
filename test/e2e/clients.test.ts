/**
 * The GraphQL clients apps use keep working behind the browser edge
 * (content types, CSRF, persisted documents): Apollo Client (HTTP,
 * graphql-ws, persisted queries), urql (HTTP, graphql-ws) and graphql-sse's
 * client (GraphQL over SSE, distinct connections). GraphiQL is covered by
 * graphiql.test.ts, the graphql-ws client throughout the suite.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApolloClient, ApolloLink, HttpLink, InMemoryCache, gql as apolloGql } from '@apollo/client';
import { PersistedQueryLink } from '@apollo/client/link/persisted-queries';
import { GraphQLWsLink } from '@apollo/client/link/subscriptions';
import { addTypenameToDocument } from '@apollo/client/utilities';
import { Client as UrqlClient, fetchExchange, subscriptionExchange, gql as urqlGql } from '@urql/core';
import { createClient as createSseClient } from 'graphql-sse';
import { createClient as createWsClient, type Client as WsClient, type Sink } from 'graphql-ws';
import { OperationTypeNode, print } from 'graphql';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gql, startStack, type Stack } from '../utils/stack.js';

const INFO = 'query Info { info { version } }';

let stack: Stack;
const wsClients: WsClient[] = [];

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'clients-'));
  const manifest = join(dir, 'persisted-documents.json');
  // Apollo's link hashes the document it sends (with __typename added, as its
  // cache does and as @apollo/generate-persisted-query-manifest writes it).
  const printed = print(addTypenameToDocument(apolloGql(INFO)));
  writeFileSync(manifest, JSON.stringify({ [createHash('sha256').update(printed).digest('hex')]: printed }));
  stack = await startStack(['--persisted-documents', manifest]);
  for (const name of ['APOLLO', 'URQL', 'SSE']) {
    const res = await gql(
      stack,
      'mutation($k: String!) { execute(ksql: $k) { type } }',
      { k: `CREATE STREAM ${name} (V INT) WITH (kafka_topic='${name.toLowerCase()}', value_format='JSON', partitions=1); INSERT INTO ${name} (V) VALUES (1); INSERT INTO ${name} (V) VALUES (2);` },
    );
    expect(res.errors).toBeUndefined();
  }
});

afterAll(async () => {
  await Promise.all(wsClients.map(async (c) => c.dispose()));
  // Unassigned if beforeAll failed before assigning it.
  await (stack as Stack | undefined)?.close();
});

function wsClient(): WsClient {
  const client = createWsClient({ url: stack.wsUrl, webSocketImpl: WebSocket, lazy: true, retryAttempts: 0 });
  wsClients.push(client);
  return client;
}

/** ksqlDB property names hold dots: the JSON argument takes them from variables in real apps. */
const rowsWithVariables = (stream: string) =>
  `subscription Rows($p: JSON) { pushQuery(sql: "SELECT V FROM ${stream} EMIT CHANGES LIMIT 2;", properties: $p) { __typename ... on QueryRow { columns } } }`;
const EARLIEST = { p: { 'auto.offset.reset': 'earliest' } };

describe('Apollo Client 4', () => {
  it('queries and mutates over HTTP, subscribes over graphql-ws', async () => {
    const client = new ApolloClient({
      link: ApolloLink.split(
        (op) => op.operationType === OperationTypeNode.SUBSCRIPTION,
        new GraphQLWsLink(wsClient()),
        new HttpLink({ uri: stack.graphqlUrl }),
      ),
      cache: new InMemoryCache(),
    });
    const info = await client.query<{ info: { version: string } }>({ query: apolloGql(INFO), fetchPolicy: 'no-cache' });
    expect(info.data?.info.version).toEqual(expect.any(String));
    const executed = await client.mutate({ mutation: apolloGql('mutation { execute(ksql: "SHOW STREAMS;") { type } }') });
    expect(executed.data).toEqual({ execute: [{ __typename: 'StreamsResult', type: 'streams' }] });

    const rows: unknown[] = [];
    await new Promise<void>((resolve, reject) => {
      client.subscribe({ query: apolloGql(rowsWithVariables('APOLLO')), variables: EARLIEST }).subscribe({
        next: (r) => {
          const event = (r.data as { pushQuery: { __typename: string; columns?: unknown[] } } | undefined)?.pushQuery;
          if (event?.__typename === 'QueryRow') rows.push(event.columns);
        },
        error: reject,
        complete: resolve,
      });
    });
    expect(rows).toEqual([[1], [2]]);
  });

  it('sends persisted queries by hash, and the whole document after a PersistedQueryNotFound', async () => {
    const sent: Array<{ query?: string; extensions?: unknown }> = [];
    const recordingFetch: typeof fetch = async (input, init) => {
      const body = init?.body;
      if (typeof body !== 'string') throw new Error('Apollo sends a JSON string body');
      sent.push(JSON.parse(body) as { query?: string });
      return fetch(input, init);
    };
    const client = new ApolloClient({
      link: new PersistedQueryLink({ sha256: (text: string) => createHash('sha256').update(text).digest('hex') }).concat(
        new HttpLink({ uri: stack.graphqlUrl, fetch: recordingFetch }),
      ),
      cache: new InMemoryCache(),
    });
    const persisted = await client.query<{ info: { version: string } }>({ query: apolloGql(INFO), fetchPolicy: 'no-cache' });
    expect(persisted.data?.info.version).toEqual(expect.any(String));
    expect(sent).toHaveLength(1);
    expect(sent[0]?.query).toBeUndefined();

    const other = await client.query({ query: apolloGql('query Health { healthcheck { isHealthy } }'), fetchPolicy: 'no-cache' });
    expect(other.data).toEqual({ healthcheck: { __typename: 'HealthCheck', isHealthy: true } });
    expect(sent).toHaveLength(3);
    expect(sent[1]?.query).toBeUndefined();
    expect(sent[2]?.query).toContain('healthcheck');
  });
});

describe('urql', () => {
  it('queries over HTTP (POST, or GET with a CSRF header) and subscribes over graphql-ws', async () => {
    const ws = wsClient();
    // urql sends queries as GET by default, which a page on any site could
    // forge: they need a CSRF header (docs/security.md), or POST.
    const viaGet = new UrqlClient({
      url: stack.graphqlUrl,
      exchanges: [fetchExchange],
      fetchOptions: { headers: { 'x-graphql-yoga-csrf': 'urql' } },
    });
    const got = await viaGet.query(urqlGql(INFO), {}, { requestPolicy: 'network-only' }).toPromise();
    expect(got.error).toBeUndefined();
    const forgeable = new UrqlClient({ url: stack.graphqlUrl, exchanges: [fetchExchange] });
    const refused = await forgeable.query(urqlGql(INFO), {}, { requestPolicy: 'network-only' }).toPromise();
    expect(refused.error?.graphQLErrors[0]?.extensions['code']).toBe('CSRF_HEADER_REQUIRED');

    const client = new UrqlClient({
      url: stack.graphqlUrl,
      preferGetMethod: false,
      exchanges: [
        subscriptionExchange({
          forwardSubscription: (request) => ({
            // urql's sink takes graphql-ws's results as they are (the urql docs' recipe).
            subscribe: (sink) => ({ unsubscribe: ws.subscribe({ ...request, query: request.query ?? '' }, sink as Sink) }),
          }),
        }),
        fetchExchange,
      ],
    });
    const info = await client.query(urqlGql(INFO), {}, { requestPolicy: 'network-only' }).toPromise();
    expect(info.error).toBeUndefined();
    expect((info.data as { info: { version: string } }).info.version).toEqual(expect.any(String));

    const rows: unknown[] = [];
    await new Promise<void>((resolve) => {
      const { unsubscribe } = client.subscription(urqlGql(rowsWithVariables('URQL')), EARLIEST).subscribe((r) => {
        expect(r.error).toBeUndefined();
        const event = (r.data as { pushQuery: { __typename: string; columns?: unknown[] } }).pushQuery;
        if (event.__typename === 'QueryRow') rows.push(event.columns);
        if (rows.length === 2) {
          unsubscribe();
          resolve();
        }
      });
    });
    expect(rows).toEqual([[1], [2]]);
  });
});

describe('graphql-sse client', () => {
  it('subscribes over GraphQL over SSE (distinct connections)', async () => {
    const client = createSseClient({ url: stack.graphqlUrl, retryAttempts: 0 });
    const rows: unknown[] = [];
    for await (const result of client.iterate<{ pushQuery: { __typename: string; columns?: unknown[] } }>({
      query: rowsWithVariables('SSE'),
      variables: EARLIEST,
    })) {
      expect(result.errors).toBeUndefined();
      if (result.data?.pushQuery.__typename === 'QueryRow') rows.push(result.data.pushQuery.columns);
    }
    expect(rows).toEqual([[1], [2]]);
    client.dispose();
  });

  it('refuses an EventSource-style GET without a CSRF header, as documented', async () => {
    const url = `${stack.graphqlUrl}?query=${encodeURIComponent('subscription { pushQuery(sql: "SELECT V FROM SSE EMIT CHANGES;") { __typename } }')}`;
    const res = await fetch(url, { headers: { accept: 'text/event-stream' } });
    expect(res.status).toBe(403);
  });
});
