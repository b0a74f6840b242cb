/**
 * The compiled projection against graphql-js `execute`: for many documents
 * over the generic `pushQuery` and typed subscription fields, and events
 * both well-formed and not, `projection(event) ?? execute(event)` is the
 * same JSON as `execute(event)`, and well-formed events take the compiled
 * path.
 */
import fc from 'fast-check';
import { execute, parse, type ExecutionResult, type GraphQLSchema } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KsqlRequest } from '../../protocol/index.js';
import { buildGateway, type Gateway } from '../server.js';
import { ctasTable, propertiesEntity, sourceDescription, sourceDescriptionsEntity } from '../testing/catalog.js';
import { createFakeKsqlClient } from '../testing/fake-ksql-client.js';
import { createRowShape, plainRowObject } from '../schema/index.js';
import { compileProjection } from './compile-projection.js';

let gateway: Gateway;
let schema: GraphQLSchema;

beforeAll(async () => {
  const client = createFakeKsqlClient({
    ksql: async (request: KsqlRequest) => {
      if (request.ksql.startsWith('LIST')) {
        return [
          sourceDescriptionsEntity([
            ctasTable('USERS', { fields: [['ID', 'STRING', 'KEY'], ['NAME', 'STRING'], ['VISITS', 'BIGINT'], ['SCORE', 'DOUBLE'], ['AGE', 'INTEGER'], ['OK', 'BOOLEAN']] }),
            sourceDescription('CLICKS', { fields: [['ID', 'STRING', 'KEY'], ['URL', 'STRING']] }),
          ]),
        ];
      }
      if (request.ksql.startsWith('SHOW PROPERTIES')) return [propertiesEntity({ 'ksql.query.pull.table.scan.enabled': 'true' })];
      return [];
    },
  });
  gateway = buildGateway({ client, logger: false, typedSchema: { refreshIntervalMs: 0 } });
  await gateway.typedSchema?.refresh();
  schema = gateway.schema;
  expect(schema.getSubscriptionType()?.getFields()['users']).toBeDefined();
});

afterAll(async () => {
  await gateway.close();
});

function executed(document: string, event: unknown, variableValues: Record<string, unknown> = {}): ExecutionResult {
  return execute({ schema, document: parse(document), rootValue: event, variableValues }) as ExecutionResult;
}

/** Compiles `document`, then checks every event against graphql-js; returns how many compiled. */
function check(document: string, events: readonly unknown[], variableValues: Record<string, unknown> = {}): number {
  const projection = compileProjection({ schema, document: parse(document), variableValues });
  expect(projection, document).toBeDefined();
  let compiled = 0;
  for (const event of events) {
    const fast = projection?.(event);
    if (fast !== undefined) compiled++;
    const expected = JSON.stringify(executed(document, event, variableValues));
    expect(JSON.stringify(fast ?? executed(document, event, variableValues)), document).toBe(expected);
  }
  return compiled;
}

// ------------------------------------------------------------ pushQuery events

const shape = createRowShape([
  { name: 'ID', type: { type: 'STRING' }, namespace: 'KEY' },
  { name: 'N', type: { type: 'BIGINT' }, namespace: 'VALUE' },
] as never);
const header = { kind: 'header', queryId: 'transient_1', schema: '`ID` STRING, `N` BIGINT', columns: shape.columns };
const row = (id: string, n: number, tombstone = false) => ({ kind: 'row', columns: [id, String(n)], names: shape.names, tombstone });
const GOOD_GENERIC = [header, row('a', 1), row('b', 2, true)];
// Each breaks something graphql-js reports: a null in a non-null field, a non-list, an unknown kind.
const BAD_GENERIC = [
  { kind: 'row', columns: ['a'], names: shape.names, tombstone: null },
  { kind: 'row', columns: 'nope', names: shape.names, tombstone: false },
  { kind: 'header', queryId: null, schema: 's', columns: [] },
  { kind: 'header', queryId: 'q', schema: 's', columns: [{ name: 'X', type: 'T', namespace: 'NOPE', headerKey: null }] },
  { kind: 'row', columns: [() => 1], names: ['F'], tombstone: false },
];

const headerPart = fc.constantFrom(
  'queryId',
  'schema',
  'qid: queryId',
  'columns { name type }',
  'columns { namespace headerKey name }',
  'cols: columns { t: type }',
  '__typename',
  'queryId @include(if: $on)',
  'schema @skip(if: $on)',
);
const rowPart = fc.constantFrom(
  'row',
  'columns',
  'tombstone',
  'r: row',
  'values: columns',
  '__typename',
  'row @skip(if: $on)',
  'tombstone @include(if: $on)',
  'kind: __typename',
);

const genericDocument = fc
  .record({
    alias: fc.boolean(),
    typename: fc.boolean(),
    header: fc.uniqueArray(headerPart, { minLength: 0, maxLength: 4 }),
    row: fc.uniqueArray(rowPart, { minLength: 1, maxLength: 4 }),
    useFragments: fc.boolean(),
    on: fc.boolean(),
  })
  .map(({ alias, typename, header: h, row: r, useFragments, on }) => {
    const headerSel = h.length ? h.join(' ') : '__typename';
    const rowSel = r.join(' ');
    const body = useFragments
      ? `{ ${typename ? '__typename' : ''} ...H ...R }`
      : `{ ${typename ? '__typename' : ''} ... on QueryHeader { ${headerSel} } ... on QueryRow { ${rowSel} } }`;
    const fragments = useFragments ? `fragment H on QueryHeader { ${headerSel} } fragment R on QueryRow { ${rowSel} }` : '';
    const document = `subscription S($on: Boolean!) { ${alias ? 'e: ' : ''}pushQuery(sql: "SELECT * FROM S EMIT CHANGES;") ${body} } ${fragments}`;
    return { document, on };
  });

describe('compileProjection: pushQuery', () => {
  it('equals graphql-js execute for generated documents, good and bad events', () => {
    fc.assert(
      fc.property(genericDocument, ({ document, on }) => {
        expect(check(document, GOOD_GENERIC, { on })).toBe(GOOD_GENERIC.length);
        check(document, BAD_GENERIC, { on });
      }),
      { numRuns: 150 },
    );
  });

  it('hands back the events graphql-js reports errors for, so that the errors are graphql-js ones', () => {
    const document = 'subscription { pushQuery(sql: "x") { ... on QueryRow { tombstone } } }';
    const projection = compileProjection({ schema, document: parse(document) });
    expect(projection?.(BAD_GENERIC[0])).toBeUndefined();
    expect(executed(document, BAD_GENERIC[0]).errors?.[0]?.message).toMatch(/non-nullable field QueryRow.tombstone/);
  });
});

// ------------------------------------------------------------ typed events

const USER_FIELDS = ['id', 'name', 'visits', 'score', 'age', 'ok'] as const;
const userRow = (values: readonly unknown[]) => plainRowObject(['ID', 'NAME', 'VISITS', 'SCORE', 'AGE', 'OK'], values);
const GOOD_TYPED = [
  userRow(['u1', 'Ann', '9007199254740993', 1.5, 42, true]),
  userRow(['u2', null, null, null, null, null]),
  userRow(['u3', 'Bob', '1', 0, -1, false]),
];
const BAD_TYPED = [
  userRow(['u4', 'x', 'not a number', 1, 1, true]),
  userRow(['u5', 'x', '1', 'NaN?', 'abc', 'maybe']),
  userRow([{ an: 'object' }, 'x', '1', 1, 2 ** 40, true]),
  'not a row',
];

const typedDocument = fc
  .record({
    fields: fc.uniqueArray(fc.constantFrom(...USER_FIELDS), { minLength: 1, maxLength: 6 }),
    aliases: fc.array(fc.boolean(), { minLength: 6, maxLength: 6 }),
    typename: fc.boolean(),
    fragment: fc.constantFrom('none', 'inline', 'spread'),
    directive: fc.constantFrom('', '@include(if: $on)', '@skip(if: $on)'),
    on: fc.boolean(),
  })
  .map(({ fields, aliases, typename, fragment, directive, on }) => {
    const selected = fields.map((f, i) => (aliases[i] ? `a${i}: ${f}` : f));
    if (selected.length > 1) selected[1] = `${selected[1]} ${directive}`;
    if (typename) selected.push('__typename');
    const sel = selected.join(' ');
    const body = fragment === 'none' ? `{ ${sel} }` : fragment === 'inline' ? `{ ... on Users { ${sel} } }` : '{ ...U }';
    const fragments = fragment === 'spread' ? `fragment U on Users { ${sel} }` : '';
    return { document: `subscription T($on: Boolean!) { users(where: { name: { eq: "x" } }) ${body} } ${fragments}`, on };
  });

describe('compileProjection: typed subscription fields', () => {
  it('equals graphql-js execute for generated documents, good and bad rows', () => {
    fc.assert(
      fc.property(typedDocument, ({ document, on }) => {
        expect(check(document, GOOD_TYPED, { on })).toBe(GOOD_TYPED.length);
        check(document, BAD_TYPED, { on });
      }),
      { numRuns: 150 },
    );
  });

  it('equals graphql-js execute for arbitrary values in every column', () => {
    const value = fc.oneof(fc.string(), fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.bigInt().map(String));
    fc.assert(
      fc.property(fc.array(value, { minLength: 6, maxLength: 6 }), (values) => {
        check('subscription { users { id name visits score age ok __typename } }', [userRow(values)]);
      }),
      { numRuns: 300 },
    );
  });
});

describe('compileProjection: what it does not cover', () => {
  it.each([
    ['a directive other than @include/@skip', 'subscription { users { id @deprecated } }'],
    ['a root field with a resolver of unknown behaviour', 'subscription { schemaChanged { version } }'],
    ['a query', 'query { info { version } }'],
  ])('returns undefined for %s', (_why, document) => {
    let parsed;
    try {
      parsed = parse(document);
    } catch {
      return;
    }
    expect(compileProjection({ schema, document: parsed })).toBeUndefined();
  });
});
