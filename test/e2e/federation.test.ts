/**
 * The gateway as an Apollo Federation v2 subgraph, with real
 * components only: the embedded engine over HTTP, our gateway with
 * `federation: true`, a second subgraph built with `@apollo/subgraph`, and
 * `@apollo/gateway` composing both over HTTP (`IntrospectAndCompose`) behind
 * yoga, so that a query crossing both subgraphs is planned and run by the
 * federation library itself.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloGateway, IntrospectAndCompose } from '@apollo/gateway';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { useApolloFederation } from '@envelop/apollo-federation';
import { Kind, parse, type ConstArgumentNode, type StringValueNode } from 'graphql';
import { createYoga } from 'graphql-yoga';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEngineServer, type EngineServer } from '../../src/engine/rest/server.js';
import { buildGateway, createKsqlClient, type Gateway } from '../../src/gateway/index.js';
import { eventually, gql, startStack, type GraphQLResponse } from '../utils/stack.js';

const BIG = '9007199254740993'; // 2^53 + 1: not a safe JavaScript number

let engine: EngineServer;
let gateway: Gateway;
let subgraphUrl: string;
let orders: Server;
let federation: ApolloGateway;
let supergraph: Server;
let supergraphUrl: string;

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
}

async function closeServer(server: Server | undefined): Promise<void> {
  if (!server?.listening) return;
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

async function execute(statement: string): Promise<void> {
  const res = await gql({ graphqlUrl: subgraphUrl }, `mutation($k: String!) { execute(ksql: $k) { type } }`, { k: statement });
  expect(res.errors).toBeUndefined();
}

/** The second subgraph: orders that reference our `Users` and `Accounts` entities by key. */
function ordersSubgraph(): Server {
  const rows = [
    { id: 'o1', total: 10, userId: 'u1', accountId: BIG },
    { id: 'o2', total: 20, userId: "O'Brien", accountId: '7' },
    { id: 'o3', total: 30, userId: 'ghost', accountId: '404' },
  ];
  const schema = buildSubgraphSchema({
    typeDefs: parse(/* GraphQL */ `
      extend schema @link(url: "https://specs.apollo.dev/federation/v2.0", import: ["@key"])

      scalar BigInt

      type Order @key(fields: "id") {
        id: ID!
        total: Int!
        user: Users
        account: Accounts
      }

      type Users @key(fields: "id", resolvable: false) {
        id: String
      }

      type Accounts @key(fields: "accountId", resolvable: false) {
        accountId: BigInt
      }

      type Query {
        orders: [Order!]!
      }
    `),
    resolvers: {
      Query: { orders: () => rows },
      Order: {
        user: (o: (typeof rows)[number]) => ({ id: o.userId }),
        account: (o: (typeof rows)[number]) => ({ accountId: o.accountId }),
      },
    },
  });
  const yoga = createYoga({ schema, logging: false, graphiql: false });
  return createServer((req, res) => void yoga(req, res));
}

/** `@key(fields: ...)` of every object type in an SDL document. */
function keysOf(sdl: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const def of parse(sdl).definitions) {
    if (def.kind !== Kind.OBJECT_TYPE_DEFINITION && def.kind !== Kind.OBJECT_TYPE_EXTENSION) continue;
    for (const d of def.directives ?? []) {
      if (d.name.value !== 'key') continue;
      const fields = (d.arguments ?? []).find((a: ConstArgumentNode) => a.name.value === 'fields');
      out[def.name.value] = (fields?.value as StringValueNode).value;
    }
  }
  return out;
}

beforeAll(async () => {
  engine = await startEngineServer();
  gateway = buildGateway({ client: createKsqlClient({ baseUrl: engine.url }), federation: true, logger: false });
  subgraphUrl = (await gateway.listen(0)).url;
  await gateway.typedSchema?.refresh();

  await execute("CREATE STREAM USER_EVENTS (ID STRING KEY, NAME STRING) WITH (kafka_topic='user_events', value_format='JSON', partitions=1);");
  await execute('CREATE TABLE USERS AS SELECT ID, LATEST_BY_OFFSET(NAME) AS NAME FROM USER_EVENTS GROUP BY ID;');
  await execute("CREATE STREAM ACCOUNT_EVENTS (ACCOUNT_ID BIGINT KEY, AMOUNT INT) WITH (kafka_topic='account_events', value_format='JSON', partitions=1);");
  await execute('CREATE TABLE ACCOUNTS AS SELECT ACCOUNT_ID, SUM(AMOUNT) AS BALANCE FROM ACCOUNT_EVENTS GROUP BY ACCOUNT_ID;');
  // Not entities: a windowed table, a table nothing materializes, the streams.
  await execute('CREATE TABLE CLICKS AS SELECT ID, COUNT(*) AS N FROM USER_EVENTS WINDOW TUMBLING (SIZE 1 MINUTE) GROUP BY ID;');
  await execute("CREATE TABLE PROFILES (ID STRING PRIMARY KEY, BIO STRING) WITH (kafka_topic='profiles', value_format='JSON', partitions=1);");

  await execute(`INSERT INTO USER_EVENTS (ID, NAME) VALUES ('u1', 'Ada');`);
  await execute(`INSERT INTO USER_EVENTS (ID, NAME) VALUES ('O''Brien', 'Flann');`);
  await execute(`INSERT INTO ACCOUNT_EVENTS (ACCOUNT_ID, AMOUNT) VALUES (${BIG}, 5);`);
  await execute(`INSERT INTO ACCOUNT_EVENTS (ACCOUNT_ID, AMOUNT) VALUES (${BIG}, 6);`);
  await execute(`INSERT INTO ACCOUNT_EVENTS (ACCOUNT_ID, AMOUNT) VALUES (7, 1);`);
  // The tables are materialized asynchronously.
  await eventually(
    () => gql({ graphqlUrl: subgraphUrl }, `{ users { id } accounts { accountId balance } }`),
    (r) => (r.data?.['users'] as unknown[] | undefined)?.length === 2 && JSON.stringify(r.data?.['accounts']).includes('"balance":11'),
  );

  orders = ordersSubgraph();
  const ordersUrl = await listen(orders);
  federation = new ApolloGateway({
    supergraphSdl: new IntrospectAndCompose({
      subgraphs: [
        { name: 'ksql', url: subgraphUrl },
        { name: 'orders', url: ordersUrl },
      ],
    }),
    logger: { debug() {}, info() {}, warn() {}, error() {} },
  });
  await federation.load();
  const yoga = createYoga({ plugins: [useApolloFederation({ gateway: federation })], logging: false, graphiql: false });
  supergraph = createServer((req, res) => void yoga(req, res));
  supergraphUrl = await listen(supergraph);
});

afterAll(async () => {
  await closeServer(supergraph);
  // Each is unassigned if beforeAll failed before assigning it.
  await (federation as ApolloGateway | undefined)?.stop();
  await closeServer(orders);
  await (gateway as Gateway | undefined)?.close();
  await (engine as EngineServer | undefined)?.close();
});

describe('federation subgraph', () => {
  it('serves _service.sdl with @key on exactly the materialized, unwindowed tables', async () => {
    const res = await gql<{ _service: { sdl: string } }>({ graphqlUrl: subgraphUrl }, `{ _service { sdl } }`);
    expect(res.errors).toBeUndefined();
    const sdl = res.data?._service.sdl ?? '';
    expect(sdl).toContain('@link(url: "https://specs.apollo.dev/federation/v2.0", import: ["@key"])');
    expect(keysOf(sdl)).toEqual({ Users: 'id', Accounts: 'accountId' });
    // The non-entities are still in the subgraph, just not keyed.
    for (const type of ['Clicks', 'Profiles', 'UserEvents', 'AccountEvents']) expect(sdl).toMatch(new RegExp(`^type ${type} \\{`, 'm'));
  });

  it('resolves _entities of two tables in one request, null for unknown keys, quoted and BIGINT keys exact', async () => {
    const res = await gql(
      { graphqlUrl: subgraphUrl },
      `query($r: [_Any!]!) { _entities(representations: $r) { __typename ... on Users { id name } ... on Accounts { accountId balance } } }`,
      {
        r: [
          { __typename: 'Users', id: "O'Brien" },
          { __typename: 'Accounts', accountId: BIG },
          { __typename: 'Users', id: 'nobody' },
          { __typename: 'Users', id: 'u1' },
          { __typename: 'Accounts', accountId: '404' },
        ],
      },
    );
    expect(res).toEqual({
      data: {
        _entities: [
          { __typename: 'Users', id: "O'Brien", name: 'Flann' },
          { __typename: 'Accounts', accountId: BIG, balance: 11 },
          null,
          { __typename: 'Users', id: 'u1', name: 'Ada' },
          null,
        ],
      },
    });
  });

  it('runs a query across both subgraphs through @apollo/gateway', async () => {
    const res = await gql(
      { graphqlUrl: supergraphUrl },
      `{ orders { id total user { id name } account { accountId balance } } }`,
    );
    expect(res).toEqual({
      data: {
        orders: [
          { id: 'o1', total: 10, user: { id: 'u1', name: 'Ada' }, account: { accountId: BIG, balance: 11 } },
          { id: 'o2', total: 20, user: { id: "O'Brien", name: 'Flann' }, account: { accountId: '7', balance: 1 } },
          // No such rows: `_entities` gives null, the gateway keeps the key it sent.
          { id: 'o3', total: 30, user: { id: 'ghost', name: null }, account: { accountId: '404', balance: null } },
        ],
      },
    } satisfies GraphQLResponse);
  });

  it('routes the generic API and the typed root fields through the federation gateway too', async () => {
    const res = await gql({ graphqlUrl: supergraphUrl }, `{ users(id: "u1") { id name } info { version } }`);
    expect(res.errors).toBeUndefined();
    expect(res.data?.['users']).toEqual([{ id: 'u1', name: 'Ada' }]);
    expect(typeof (res.data?.['info'] as { version: unknown }).version).toBe('string');
  });

  it('keeps the subscription fields in the supergraph, which @apollo/gateway cannot run', async () => {
    const res = await gql<{ __type: { fields: Array<{ name: string }> } }>(
      { graphqlUrl: supergraphUrl },
      `{ __type(name: "Subscription") { fields { name } } }`,
    );
    expect(res.data?.__type.fields.map((f) => f.name)).toEqual(expect.arrayContaining(['pushQuery', 'schemaChanged', 'users', 'accounts']));
    const sub = await gql({ graphqlUrl: supergraphUrl }, `subscription { users { id } }`);
    expect(sub.errors?.[0]?.message).toMatch(/Async Iterable/);
  });
});

describe('federation from the CLI', () => {
  it('serves a subgraph with --federation', async () => {
    const stack = await startStack(['--federation', '--schema-refresh-ms', '0']);
    try {
      const res = await gql<{ _service: { sdl: string } }>(stack, `{ _service { sdl } }`);
      expect(res.data?._service.sdl).toContain('https://specs.apollo.dev/federation/v2.0');
      const plain = await startStack(['--schema-refresh-ms', '0']);
      try {
        // Before the typed schema is built, an unknown root field is SCHEMA_NOT_READY instead.
        await eventually(() => fetch(`${plain.url}/readiness`).then((r) => r.status), (status) => status === 200);
        const none = await gql(plain, `{ _service { sdl } }`);
        expect(none.errors?.[0]?.message).toMatch(/Cannot query field "_service"/);
      } finally {
        await plain.close();
      }
    } finally {
      await stack.close();
    }
  });
});
