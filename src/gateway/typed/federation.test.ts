import { MapperKind, mapSchema } from '@graphql-tools/utils';
import {
  execute,
  isSpecifiedDirective,
  isUnionType,
  Kind,
  parse,
  print,
  printSchema,
  subscribe,
  type ExecutionResult,
  type FormattedExecutionResult,
  type GraphQLSchema,
} from 'graphql';
import { describe, expect, it } from 'vitest';
import type { KsqlEntity, KsqlRequest } from '../../protocol/index.js';
import { silentLogger } from '../../shared/logger.js';
import type { GatewayContext } from '../context.js';
import { createResolvers, SubscriptionRegistry } from '../resolvers/index.js';
import { makeGatewaySchema, type ResolverMap } from '../schema/index.js';
import { buildGateway } from '../server.js';
import { ENTITY_FIXTURES } from '../testing/entities.js';
import { ctasTable, sourceDescriptionsEntity } from '../testing/catalog.js';
import { createFakeKsqlClient, type FakeKsqlClient } from '../testing/fake-ksql-client.js';
import { FEDERATION_SPEC_URL, keyDirective, makeSubgraphSchema, withEntityKeys, type SubgraphPart } from './federation.js';

function genericResolvers(): ResolverMap {
  return createResolvers({ registry: new SubscriptionRegistry(), logger: silentLogger, closeQueryTimeoutMs: 1_000, sharePushQueries: false });
}

function contextOf(client: FakeKsqlClient): GatewayContext {
  return { ksqlClient: client, authorization: undefined, signal: new AbortController().signal, ksqlCalls: () => 0 };
}

async function run(schema: GraphQLSchema, source: string, client = createFakeKsqlClient(), variableValues?: Record<string, unknown>) {
  return (await execute({ schema, document: parse(source), contextValue: contextOf(client), variableValues }));
}

async function sdlOf(schema: GraphQLSchema): Promise<string> {
  const res = await run(schema, '{ _service { sdl } }');
  expect(res.errors).toBeUndefined();
  return (res.data?.['_service'] as { sdl: string }).sdl;
}

/** `@key(fields:)` per object type in an SDL. */
function keysOf(sdl: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const def of parse(sdl).definitions) {
    if (def.kind !== Kind.OBJECT_TYPE_DEFINITION) continue;
    for (const d of def.directives ?? []) {
      const fields = d.arguments?.find((a) => a.name.value === 'fields')?.value;
      if (d.name.value === 'key' && fields?.kind === Kind.STRING) out[def.name.value] = fields.value;
    }
  }
  return out;
}

const FEDERATION_TYPES = new Set(['_Any', '_Entity', '_Service', 'link__Import', 'link__Purpose', 'federation__FieldSet']);

/** The subgraph schema without what federation adds. */
function withoutFederation(schema: GraphQLSchema): GraphQLSchema {
  return mapSchema(schema, {
    [MapperKind.TYPE]: (type) => (FEDERATION_TYPES.has(type.name) ? null : type),
    [MapperKind.ROOT_FIELD]: (field, name) => (name === '_service' || name === '_entities' ? null : field),
    [MapperKind.DIRECTIVE]: (directive) => (isSpecifiedDirective(directive) ? directive : null),
  });
}

/** A typed-part-like piece: `Users` keyed by `id`, `Pairs` by `a b`, `Events` no entity. */
function entityPart(lookups: string[][]): SubgraphPart {
  const users = new Map([
    ['u1', { ID: 'u1', NAME: 'Ada' }],
    ["O'Brien", { ID: "O'Brien", NAME: 'Flann' }],
  ]);
  return {
    typeDefs: parse(/* GraphQL */ `
      scalar JSON
      type Users { id: String name: String }
      type Pairs { a: String b: Int v: String }
      type Events { id: String }
      extend type Query { users(id: String): [Users!]! }
    `),
    resolvers: {
      Users: {
        id: (row: Record<string, unknown>) => row['ID'],
        name: (row: Record<string, unknown>) => row['NAME'],
        __resolveReference: (ref: { id?: string }) => {
          lookups.push(['Users', String(ref.id)]);
          return users.get(ref.id ?? '') ?? null;
        },
      },
      Pairs: {
        __resolveReference: async (ref: { a: string; b: number }) => {
          lookups.push(['Pairs', `${ref.a}/${ref.b}`]);
          return { ...ref, v: `${ref.a}:${ref.b}` };
        },
      },
      Query: { users: () => [...users.values()] },
    },
    entities: [
      { typeName: 'Users', source: 'USERS', keyFields: ['id'] },
      { typeName: 'Pairs', source: 'PAIRS', keyFields: ['a', 'b'] },
    ],
  };
}

describe('makeSubgraphSchema', () => {
  it('is the gateway schema plus the federation fields, nothing else', () => {
    const resolvers = genericResolvers();
    const plain = printSchema(makeGatewaySchema(resolvers));
    expect(printSchema(withoutFederation(makeSubgraphSchema(resolvers)))).toBe(plain);
    const part = entityPart([]);
    expect(printSchema(withoutFederation(makeSubgraphSchema(resolvers, [part])))).toBe(
      printSchema(makeGatewaySchema(resolvers, [part])),
    );
  });

  it('links federation v2 and has no _entities while there are no entities', async () => {
    const schema = makeSubgraphSchema(genericResolvers());
    const sdl = await sdlOf(schema);
    expect(sdl).toContain(`@link(url: "${FEDERATION_SPEC_URL}", import: ["@key"])`);
    expect(keysOf(sdl)).toEqual({});
    expect(schema.getQueryType()?.getFields()['_entities']).toBeUndefined();
    expect(schema.getType('_Entity')).toBeUndefined();
  });

  it('puts @key on the entity types, in the SDL it prints and in _service.sdl', async () => {
    const schema = makeSubgraphSchema(genericResolvers(), [entityPart([])]);
    const sdl = await sdlOf(schema);
    expect(keysOf(sdl)).toEqual({ Users: 'id', Pairs: 'a b' });
    expect(sdl).toMatch(/^type Users\s+@key\(fields: "id"\)/m);
    expect(sdl).toMatch(/^type Events \{/m);
    const entity = schema.getType('_Entity');
    expect(isUnionType(entity) && entity.getTypes().map((t) => t.name).sort()).toEqual(['Pairs', 'Users']);
  });

  it('resolves _entities through __resolveReference, in order, null for unknown keys', async () => {
    const lookups: string[][] = [];
    const schema = makeSubgraphSchema(genericResolvers(), [entityPart(lookups)]);
    const res = await run(
      schema,
      `query($r: [_Any!]!) { _entities(representations: $r) { __typename ... on Users { id name } ... on Pairs { a b v } } }`,
      undefined,
      {
        r: [
          { __typename: 'Users', id: "O'Brien" },
          { __typename: 'Pairs', a: 'x', b: 2 },
          { __typename: 'Users', id: 'nobody' },
        ],
      },
    );
    expect(res).toEqual({
      data: {
        _entities: [
          { __typename: 'Users', id: "O'Brien", name: 'Flann' },
          { __typename: 'Pairs', a: 'x', b: 2, v: 'x:2' },
          null,
        ],
      },
    });
    expect(lookups).toEqual([
      ['Users', "O'Brien"],
      ['Pairs', 'x/2'],
      ['Users', 'nobody'],
    ]);
  });

  it('keeps the generic resolvers: interface inheritance, __resolveType, scalars, subscriptions', async () => {
    const resolvers = genericResolvers();
    const client = () => createFakeKsqlClient({ ksql: async () => [ENTITY_FIXTURES.streams, ENTITY_FIXTURES.currentStatus] });
    const query = `mutation { execute(ksql: "SHOW STREAMS;") { __typename type statementText raw ... on StreamsResult { streams { name } } } }`;
    const plain = await run(makeGatewaySchema(resolvers), query, client());
    const sub = await run(makeSubgraphSchema(resolvers), query, client());
    expect(plain.errors).toBeUndefined();
    expect(sub).toEqual(plain);

    const events = await subscribe({
      schema: makeSubgraphSchema(resolvers),
      document: parse('subscription { schemaChanged { version ready } }'),
      contextValue: contextOf(createFakeKsqlClient()),
    });
    const first = await (events as AsyncIterableIterator<ExecutionResult>).next();
    expect(first.value).toEqual({ data: { schemaChanged: { version: 0, ready: false } } });
  });

  it('rejects SDL that breaks the federation spec', () => {
    const part: SubgraphPart = {
      typeDefs: 'type Thing { id: String }',
      entities: [{ typeName: 'Thing', source: 'THING', keyFields: ['nope'] }],
    };
    expect(() => makeSubgraphSchema(genericResolvers(), [part])).toThrow(/nope/);
  });
});

describe('withEntityKeys', () => {
  it('adds @key to the object type definitions only', () => {
    const doc = withEntityKeys(parse('type A { id: ID } extend type Query { a: A }'), [
      { typeName: 'A', source: 'A', keyFields: ['id'] },
    ]);
    expect(keysOf(print(doc))).toEqual({ A: 'id' });
    expect(print(doc)).toContain('extend type Query {');
  });

  it('throws for an entity without an object type definition, or without key fields', () => {
    expect(() => withEntityKeys(parse('type A { id: ID }'), [{ typeName: 'B', source: 'B', keyFields: ['id'] }])).toThrow(/B/);
    expect(() => keyDirective([])).toThrow(/at least one field/);
  });
});

describe('buildGateway({ federation: true })', () => {
  it('serves the generic subgraph first, then each typed schema as a subgraph, one pull query per table per request', async () => {
    const pulls: string[] = [];
    const client = createFakeKsqlClient({
      ksql: async (request: KsqlRequest): Promise<KsqlEntity[]> => {
        if (!request.ksql.startsWith('LIST STREAMS')) return [];
        return [sourceDescriptionsEntity([ctasTable('USERS'), ctasTable('TEAMS')])];
      },
      pullQuery: async (request) => {
        pulls.push(request.ksql);
        const ids = [...request.ksql.matchAll(/'([^']*)'/g)].map((m) => m[1] as string).filter((id) => id !== 'nobody');
        return {
          header: {
            queryId: 'q',
            schema: '`ID` STRING KEY, `V` BIGINT',
            columns: [
              { name: 'ID', type: { type: 'STRING' }, namespace: 'KEY' },
              { name: 'V', type: { type: 'BIGINT' }, namespace: 'VALUE' },
            ],
          },
          rows: ids.map((id) => ({ columns: [id, 7], tombstone: false })),
          finalMessage: null,
        };
      },
    });
    // Two tables in one _entities batch: two calls to ksqlDB, within a budget of two.
    const gateway = buildGateway({ client, federation: true, logger: false, typedSchema: { refreshIntervalMs: 0 }, limits: { maxUpstreamCalls: 2 } });
    const tight = buildGateway({ client, federation: true, logger: false, typedSchema: { refreshIntervalMs: 0 }, limits: { maxUpstreamCalls: 1 } });
    try {
      // Before the catalog is read: the generic API as a subgraph, no entities.
      expect(gateway.schema.getQueryType()?.getFields()['_service']).toBeDefined();
      expect(gateway.schema.getType('_Entity')).toBeUndefined();
      const ask = async (query: string, variables?: Record<string, unknown>) =>
        (await (
          await gateway.fetch('http://gateway/graphql', {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ query, variables }),
          })
        ).json()) as FormattedExecutionResult;
      await gateway.typedSchema?.refresh();
      expect(keysOf(((await ask('{ _service { sdl } }')).data?.['_service'] as { sdl: string }).sdl)).toEqual({ Users: 'id', Teams: 'id' });
      const res = await ask(
        `query($r: [_Any!]!) { _entities(representations: $r) { ... on Users { id v } ... on Teams { id } } }`,
        {
          r: [
            { __typename: 'Users', id: 'a' },
            { __typename: 'Teams', id: 't' },
            { __typename: 'Users', id: 'nobody' },
            { __typename: 'Users', id: 'b' },
          ],
        },
      );
      expect(res).toEqual({ data: { _entities: [{ id: 'a', v: '7' }, { id: 't' }, null, { id: 'b', v: '7' }] } });
      expect(pulls).toHaveLength(2);
      expect(pulls.find((q) => q.includes('USERS'))).toMatch(/'a'.*'nobody'.*'b'/);

      // A budget of one call: the second table's batch is not made.
      await tight.typedSchema?.refresh();
      const over = (await (
        await tight.fetch('http://gateway/graphql', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            query: `query($r: [_Any!]!) { _entities(representations: $r) { ... on Users { id } ... on Teams { id } } }`,
            variables: { r: [{ __typename: 'Users', id: 'a' }, { __typename: 'Teams', id: 't' }] },
          }),
        })
      ).json()) as FormattedExecutionResult;
      expect(pulls).toHaveLength(3);
      expect(over.errors?.map((e) => e.extensions?.['code'])).toContain('UPSTREAM_CALL_LIMIT_EXCEEDED');
    } finally {
      await gateway.close();
      await tight.close();
    }
  });

  it('serves a generic-only subgraph with typedSchema: false', async () => {
    const gateway = buildGateway({ client: createFakeKsqlClient(), federation: true, logger: false, typedSchema: false });
    try {
      expect(gateway.schema.getQueryType()?.getFields()['_service']).toBeDefined();
      expect(gateway.schema.getQueryType()?.getFields()['_entities']).toBeUndefined();
    } finally {
      await gateway.close();
    }
  });
});
