import type {
  GraphQLInputObjectType} from 'graphql';
import {
  GraphQLList,
  GraphQLNonNull,
  GraphQLObjectType,
  GraphQLSchema,
  GraphQLString,
  assertValidSchema,
  graphql,
  type GraphQLInputType,
} from 'graphql';
import { describe, expect, it } from 'vitest';
import { parseSqlType, type WireType } from '../../protocol/index.js';
import { buildSourceTypes, type ColumnSpec } from '../schema/ksql-types.js';
import { NameRegistry } from '../schema/naming.js';
import { COMPARISON_TYPE_NAMES, FILTER_LOGIC_FIELDS, buildFilterType, comparisonTypeOf, type FilterType } from './filters.js';
import { InvalidValueError } from './sql.js';

const t = (sql: string): WireType => parseSqlType(sql);
const col = (name: string, sql: string): ColumnSpec => ({ name, type: t(sql) });

const COLUMNS: ColumnSpec[] = [
  col('ID', 'STRING'),
  col('VIEWS', 'INTEGER'),
  col('TOTAL', 'BIGINT'),
  col('SCORE', 'DOUBLE'),
  col('PRICE', 'DECIMAL(4, 2)'),
  col('ACTIVE', 'BOOLEAN'),
  col('DAY', 'DATE'),
  col('AT_TIME', 'TIME'),
  col('TS', 'TIMESTAMP'),
  col('RAW', 'BYTES'),
  col('TAGS', 'ARRAY<STRING>'),
  col('ATTRS', 'MAP<STRING, STRING>'),
  col('ADDRESS', 'STRUCT<`city name` STRING, `GEO` STRUCT<`LAT` DOUBLE, `L` ARRAY<INTEGER>>, `M` MAP<STRING, STRING>>'),
  col('EMPTYISH', 'STRUCT<`A` ARRAY<STRING>>'),
  col('pageId', 'STRING'),
];

function setup(options: { stringOperators?: boolean } = {}): { filter: FilterType; registry: NameRegistry; compile: FilterType['compile'] } {
  const registry = new NameRegistry({ reserved: [...COMPARISON_TYPE_NAMES] });
  registry.registerSources(['PAGEVIEWS']);
  const types = buildSourceTypes(registry, 'PAGEVIEWS', COLUMNS);
  const filter = buildFilterType(registry, 'PageviewsFilter', COLUMNS, types.fields, { ...options, source: 'PAGEVIEWS' });
  return { filter, registry, compile: (w) => filter.compile(w) };
}

function fieldNames(type: GraphQLInputObjectType): string[] {
  return Object.keys(type.getFields());
}

function named(type: GraphQLInputType): string {
  let inner: GraphQLInputType = type;
  while (inner instanceof GraphQLNonNull || inner instanceof GraphQLList) inner = inner.ofType;
  return (inner as { name: string }).name;
}

describe('comparison types', () => {
  it('has one type per scalar, named as listed', () => {
    const byType = ['STRING', 'INTEGER', 'DOUBLE', 'BIGINT', 'DECIMAL(4, 2)', 'BOOLEAN', 'DATE', 'TIME', 'TIMESTAMP', 'BYTES'].map(
      (s) => comparisonTypeOf(t(s))?.name,
    );
    expect(byType).toEqual([...COMPARISON_TYPE_NAMES]);
    expect(comparisonTypeOf(t('ARRAY<STRING>'))).toBeUndefined();
    expect(comparisonTypeOf(t('STRUCT<A INTEGER>'))).toBeUndefined();
  });

  it('offers ordering except on Boolean and Bytes, and text operators on String', () => {
    const ordered = ['eq', 'neq', 'gt', 'gte', 'lt', 'lte', 'in', 'notIn', 'isNull'];
    expect(fieldNames(comparisonTypeOf(t('INTEGER'))!)).toEqual(ordered);
    expect(fieldNames(comparisonTypeOf(t('TIMESTAMP'))!)).toEqual(ordered);
    expect(fieldNames(comparisonTypeOf(t('BOOLEAN'))!)).toEqual(['eq', 'neq', 'in', 'notIn', 'isNull']);
    expect(fieldNames(comparisonTypeOf(t('BYTES'))!)).toEqual(['eq', 'neq', 'in', 'notIn', 'isNull']);
    expect(fieldNames(comparisonTypeOf(t('STRING'))!)).toEqual([...ordered, 'like', 'startsWith', 'endsWith', 'contains']);
    expect(fieldNames(comparisonTypeOf(t('STRING'), { stringOperators: false })!)).toEqual(ordered);
  });

  it('uses the schema scalars, with non-null list items', () => {
    const big = comparisonTypeOf(t('BIGINT'))!.getFields();
    expect(named(big['eq']!.type)).toBe('BigInt');
    expect(String(big['in']!.type)).toBe('[BigInt!]');
    expect(named(comparisonTypeOf(t('DECIMAL(4, 2)'))!.getFields()['gt']!.type)).toBe('Decimal');
    expect(named(comparisonTypeOf(t('BYTES'))!.getFields()['eq']!.type)).toBe('Bytes');
    expect(named(comparisonTypeOf(t('INTEGER'))!.getFields()['eq']!.type)).toBe('Int');
  });

  it('is one instance per name, shared by every filter', () => {
    expect(comparisonTypeOf(t('DECIMAL(4, 2)'))).toBe(comparisonTypeOf(t('DECIMAL(10, 0)')));
    const a = setup().filter.input.getFields()['id']!.type;
    const b = setup().filter.input.getFields()['id']!.type;
    expect(a).toBe(b);
  });
});

describe('buildFilterType', () => {
  it('has a field per filterable column, named as in the row type, plus and/or/not', () => {
    const { filter } = setup();
    expect(filter.input.name).toBe('PageviewsFilter');
    expect(fieldNames(filter.input)).toEqual([
      'id',
      'views',
      'total',
      'score',
      'price',
      'active',
      'day',
      'atTime',
      'ts',
      'raw',
      'address',
      'pageId',
      ...FILTER_LOGIC_FIELDS,
    ]);
    const fields = filter.input.getFields();
    expect(named(fields['price']!.type)).toBe('DecimalComparison');
    expect(String(fields['and']!.type)).toBe('[PageviewsFilter!]');
    expect(String(fields['or']!.type)).toBe('[PageviewsFilter!]');
    expect(String(fields['not']!.type)).toBe('PageviewsFilter');
  });

  it('nests struct filters, named by path and claimed in the registry', () => {
    const { filter, registry } = setup();
    const address = filter.input.getFields()['address']!.type as GraphQLInputObjectType;
    expect(address.name).toBe('Pageviews_AddressFilter');
    expect(fieldNames(address)).toEqual(['cityName', 'geo']);
    const geo = address.getFields()['geo']!.type as GraphQLInputObjectType;
    expect(geo.name).toBe('Pageviews_Address_GeoFilter');
    expect(fieldNames(geo)).toEqual(['lat']);
    expect(registry.lookup('PageviewsFilter')).toEqual({ kind: 'other', input: true, source: 'PAGEVIEWS', path: [] });
    expect(registry.lookup('Pageviews_Address_GeoFilter')).toEqual({
      kind: 'other',
      input: true,
      source: 'PAGEVIEWS',
      path: ['ADDRESS', 'GEO'],
    });
  });

  it('shares nested filters between the filters of one source', () => {
    const { registry } = setup();
    const types = buildSourceTypes(new NameRegistry(), 'PAGEVIEWS', COLUMNS);
    const all = buildFilterType(registry, 'PageviewsFilter2', COLUMNS, types.fields, { source: 'PAGEVIEWS' });
    const values = buildFilterType(registry, 'PageviewsValueFilter', COLUMNS.slice(1), types.fields, { source: 'PAGEVIEWS' });
    expect(all.input.getFields()['address']!.type).toBe(values.input.getFields()['address']!.type);
    expect(fieldNames(values.input)).not.toContain('id');
  });

  it('builds a valid schema with several sources, and the comparison types reserved', () => {
    const registry = new NameRegistry({ reserved: [...COMPARISON_TYPE_NAMES] });
    registry.registerSources(['A', 'B']);
    const query: Record<string, { type: typeof GraphQLString; args: { where: { type: GraphQLInputObjectType } } }> = {};
    for (const source of ['A', 'B']) {
      const types = buildSourceTypes(registry, source, COLUMNS);
      const filter = buildFilterType(registry, `${registry.sourceTypeName(source)}Filter`, COLUMNS, types.fields, { source });
      query[source.toLowerCase()] = { type: GraphQLString, args: { where: { type: filter.input } } };
    }
    const schema = new GraphQLSchema({ query: new GraphQLObjectType({ name: 'Query', fields: query }) });
    expect(() => assertValidSchema(schema)).not.toThrow();
    expect(schema.getType('A_AddressFilter')).toBeDefined();
    expect(schema.getType('B_AddressFilter')).toBeDefined();
  });

  it('moves a column named like a combinator aside', () => {
    const registry = new NameRegistry();
    const columns = [col('AND', 'BOOLEAN'), col('OR', 'INTEGER'), col('and_2', 'STRING')];
    const types = buildSourceTypes(registry, 'S', columns);
    expect(types.fields.graphqlName('AND')).toBe('and');
    const filter = buildFilterType(registry, 'SFilter', columns, types.fields);
    expect(types.fields.graphqlName('and_2')).toBe('and2');
    expect(fieldNames(filter.input)).toEqual(['and_2', 'or_2', 'and2', 'and', 'or', 'not']);
    expect(filter.compile({ and_2: { eq: true }, or_2: { eq: 1 }, and2: { eq: 'x' } })).toBe(
      "((`AND` = TRUE) AND (`OR` = 1) AND (`and_2` = 'x'))",
    );
    expect(filter.compile({ and: [{ and_2: { eq: false } }] })).toBe('(`AND` = FALSE)');
  });

  it('leaves out ARRAY and MAP columns, and structs without filterable fields', () => {
    const { filter, compile } = setup();
    expect(fieldNames(filter.input)).not.toContain('tags');
    expect(fieldNames(filter.input)).not.toContain('attrs');
    expect(fieldNames(filter.input)).not.toContain('emptyish');
    expect(() => compile({ tags: { eq: 'x' } })).toThrow(/where\.tags: no such filter field/);
  });

  it('offers no text operators when told so', () => {
    const { filter, compile } = setup({ stringOperators: false });
    const id = filter.input.getFields()['id']!.type as GraphQLInputObjectType;
    expect(fieldNames(id)).not.toContain('like');
    expect(() => compile({ id: { like: '%' } })).toThrow(/no such operator/);
    expect(compile({ id: { eq: 'x' } })).toBe("(`ID` = 'x')");
  });
});

describe('compile', () => {
  const { compile } = setup();

  it('returns undefined for a filter without conditions', () => {
    expect(compile({})).toBeUndefined();
    expect(compile({ id: {} })).toBeUndefined();
    expect(compile({ and: [] })).toBeUndefined();
    expect(compile({ and: [{}, { address: {} }] })).toBeUndefined();
    expect(compile({ id: { notIn: [] } })).toBeUndefined();
  });

  it.each([
    [{ id: { eq: "O'Brien" } }, "(`ID` = 'O''Brien')"],
    [{ id: { eq: 'hello world' } }, "(`ID` = 'hello world')"],
    [{ id: { neq: 'x' } }, "(`ID` <> 'x')"],
    [{ id: { gt: 'a' } }, "(`ID` > 'a')"],
    [{ id: { gte: 'a' } }, "(`ID` >= 'a')"],
    [{ id: { lt: 'a' } }, "(`ID` < 'a')"],
    [{ id: { lte: 'a' } }, "(`ID` <= 'a')"],
    [{ id: { in: ['a', "b'"] } }, "(`ID` IN ('a', 'b'''))"],
    [{ id: { notIn: ['a'] } }, "(`ID` NOT IN ('a'))"],
    [{ id: { isNull: true } }, '(`ID` IS NULL)'],
    [{ id: { isNull: false } }, '(`ID` IS NOT NULL)'],
    [{ id: { like: '50%\\_' } }, "(`ID` LIKE '50%\\_')"],
    [{ id: { startsWith: '50%_' } }, "(INSTR(`ID`, '50%_') = 1)"],
    [{ id: { contains: "%_'" } }, "(INSTR(`ID`, '%_''') > 0)"],
    [{ id: { endsWith: '_x' } }, "(SUBSTRING(`ID`, -2) = '_x')"],
    [{ id: { endsWith: 'a😀' } }, "(SUBSTRING(`ID`, -3) = 'a😀')"],
    [{ id: { startsWith: '' } }, '(`ID` IS NOT NULL)'],
    [{ id: { endsWith: '' } }, '(`ID` IS NOT NULL)'],
    [{ id: { contains: '' } }, '(`ID` IS NOT NULL)'],
    [{ views: { eq: 5 } }, '(`VIEWS` = 5)'],
    [{ views: { gt: -5 } }, '(`VIEWS` > -5)'],
    [{ views: { in: [1, -2] } }, '(`VIEWS` IN (1, -2))'],
    [{ total: { eq: '9223372036854775807' } }, '(`TOTAL` = 9223372036854775807)'],
    [{ total: { lt: '-9223372036854775808' } }, '(`TOTAL` < -9223372036854775808)'],
    [{ score: { gte: 1.5 } }, '(`SCORE` >= 1.5E0)'],
    [{ score: { lt: 3 } }, '(`SCORE` < 3E0)'],
    [{ price: { eq: '1.10' } }, '(`PRICE` = 1.10)'],
    [{ price: { gt: '123.456' } }, '(`PRICE` > 123.456)'],
    [{ active: { eq: true } }, '(`ACTIVE` = TRUE)'],
    [{ active: { neq: false } }, '(`ACTIVE` <> FALSE)'],
    [{ day: { gte: '2021-02-03' } }, "(`DAY` >= CAST('2021-02-03' AS DATE))"],
    [{ atTime: { lt: '12:00' } }, "(`AT_TIME` < CAST('12:00:00.000' AS TIME))"],
    [{ ts: { gt: '2021-01-01T00:30+01:00' } }, "(`TS` > CAST('2020-12-31T23:30:00.000' AS TIMESTAMP))"],
    [{ raw: { eq: 'AAE=' } }, "(`RAW` = TO_BYTES('AAE=', 'base64'))"],
    [{ raw: { in: ['AAE=', ''] } }, "(`RAW` IN (TO_BYTES('AAE=', 'base64'), TO_BYTES('', 'base64')))"],
    [{ pageId: { eq: 'p' } }, "(`pageId` = 'p')"],
    [{ address: { cityName: { eq: 'x' } } }, "(`ADDRESS`->`city name` = 'x')"],
    [{ address: { geo: { lat: { gt: 1 } } } }, '(`ADDRESS`->`GEO`->`LAT` > 1E0)'],
    [{ address: { geo: { lat: { isNull: true } } } }, '(`ADDRESS`->`GEO`->`LAT` IS NULL)'],
    [{ views: { in: [] } }, 'FALSE'],
  ] as Array<[Record<string, unknown>, string]>)('compiles %j', (where, sql) => {
    expect(compile(where)).toBe(sql);
  });

  it('ANDs the operators of a comparison and the fields of a filter', () => {
    expect(compile({ views: { gt: 1, lt: 10, neq: 5 } })).toBe('((`VIEWS` > 1) AND (`VIEWS` < 10) AND (`VIEWS` <> 5))');
    expect(compile({ views: { gt: 1 }, id: { eq: 'a' } })).toBe("((`VIEWS` > 1) AND (`ID` = 'a'))");
    expect(compile({ address: { cityName: { eq: 'x' }, geo: { lat: { lt: 0 } } } })).toBe(
      "((`ADDRESS`->`city name` = 'x') AND (`ADDRESS`->`GEO`->`LAT` < 0E0))",
    );
  });

  it('combines with and, or and not', () => {
    expect(compile({ and: [{ views: { gt: 1 } }, { views: { lt: 9 } }] })).toBe('((`VIEWS` > 1) AND (`VIEWS` < 9))');
    expect(compile({ or: [{ views: { eq: 1 } }, { id: { eq: 'a' } }] })).toBe("((`VIEWS` = 1) OR (`ID` = 'a'))");
    expect(compile({ or: [{ views: { eq: 1 } }] })).toBe('(`VIEWS` = 1)');
    expect(compile({ id: { eq: 'a' }, or: [{ views: { eq: 1 } }, { and: [{ views: { eq: 2 } }, { total: { gt: '3' } }] }] })).toBe(
      "((`ID` = 'a') AND ((`VIEWS` = 1) OR ((`VIEWS` = 2) AND (`TOTAL` > 3))))",
    );
  });

  it('guards leaves under not, so that NULLs match as ksqlDB evaluates it', () => {
    expect(compile({ not: { id: { eq: 'x' } } })).toBe("(NOT ((`ID` IS NOT NULL) AND (`ID` = 'x')))");
    expect(compile({ not: { id: { isNull: true } } })).toBe('(NOT (`ID` IS NULL))');
    expect(compile({ not: { or: [{ views: { in: [1] } }, { address: { geo: { lat: { gt: 0 } } } }] } })).toBe(
      '(NOT (((`VIEWS` IS NOT NULL) AND (`VIEWS` IN (1))) OR ((`ADDRESS`->`GEO`->`LAT` IS NOT NULL) AND (`ADDRESS`->`GEO`->`LAT` > 0E0))))',
    );
    expect(compile({ not: { not: { id: { contains: 'a' } } } })).toBe(
      "(NOT (NOT ((`ID` IS NOT NULL) AND (INSTR(`ID`, 'a') > 0))))",
    );
    expect(compile({ not: { views: { in: [] } } })).toBe('(NOT FALSE)');
  });

  it('treats empty lists and filters by their identities', () => {
    expect(compile({ or: [] })).toBe('FALSE');
    expect(compile({ not: {} })).toBe('FALSE');
    expect(compile({ or: [{ views: { eq: 1 } }, {}] })).toBeUndefined();
    expect(compile({ views: { in: [] }, id: { eq: 'a' } })).toBe("(FALSE AND (`ID` = 'a'))");
  });

  it('rejects explicit nulls, pointing at isNull', () => {
    expect(() => compile({ id: { eq: null } })).toThrow(InvalidValueError);
    expect(() => compile({ id: { eq: null } })).toThrow(/where\.id\.eq: null is not a value to compare with.*use \{ isNull: true \}/);
    expect(() => compile({ id: { isNull: null } })).toThrow(/isNull: true or isNull: false/);
    expect(() => compile({ id: null })).toThrow(/where\.id: null is not a filter/);
    expect(() => compile({ and: null })).toThrow(/where\.and: null/);
    expect(() => compile({ or: [null] })).toThrow(/where\.or\[0\]: null/);
    expect(() => compile({ not: null })).toThrow(/where\.not: null/);
    expect(() => compile({ id: { in: ['a', null] } })).toThrow(/where\.id\.in\[1\]: null/);
    expect(() => compile({ address: { geo: { lat: { lt: null } } } })).toThrow(/where\.address\.geo\.lat\.lt/);
  });

  it('rejects unknown fields and operators, and operators the type has not', () => {
    expect(() => compile({ nope: { eq: 1 } })).toThrow(/where\.nope: no such filter field/);
    expect(() => compile({ id: { regex: 'x' } })).toThrow(/where\.id\.regex: no such operator/);
    expect(() => compile({ active: { gt: true } })).toThrow(/no such operator on Boolean/);
    expect(() => compile({ raw: { lt: 'AAE=' } })).toThrow(/no such operator on Bytes/);
    expect(() => compile({ views: { like: '%' } })).toThrow(/no such operator on Int/);
    expect(() => compile({ address: { and: [] } })).toThrow(/where\.address\.and: no such filter field/);
  });

  it('rejects values of the wrong type with typed errors', () => {
    expect(() => compile({ views: { eq: 'five' } })).toThrow(/Invalid INTEGER value "five" at where\.views\.eq/);
    expect(() => compile({ total: { in: ['1', 'x'] } })).toThrow(/where\.total\.in\[1\]/);
    expect(() => compile({ ts: { eq: '2021-13-01T00:00' } })).toThrow(InvalidValueError);
    expect(() => compile({ id: { in: 'a' } })).toThrow(/expected a list/);
    expect(() => compile({ id: 'a' })).toThrow(/expected an input object/);
    expect(() => compile({ or: {} })).toThrow(/expected a list of filters/);
    expect(() => compile({ id: { isNull: 'yes' } })).toThrow(/expected true or false/);
  });

  it('compiles values as GraphQL parsed them, from literals and variables', async () => {
    const { filter } = setup();
    const seen: unknown[] = [];
    const schema = new GraphQLSchema({
      query: new GraphQLObjectType({
        name: 'Query',
        fields: {
          pageviews: {
            type: GraphQLString,
            args: { where: { type: filter.input } },
            resolve: (_, args: { where: Record<string, unknown> }) => {
              seen.push(args.where);
              return filter.compile(args.where) ?? null;
            },
          },
        },
      }),
    });
    const literal = await graphql({
      schema,
      source: `{ pageviews(where: {
        total: { in: [9223372036854775807, "-5"] }, price: { eq: 1.10 }, score: { gt: 2 },
        id: { eq: "O'Brien", startsWith: "50%_" }, ts: { lt: "2021-01-01T00:00:00Z" },
        address: { cityName: { eq: "x" } }, or: [{ views: { in: 3 } }, { not: { active: { eq: true } } }]
      }) }`,
    });
    expect(literal.errors).toBeUndefined();
    expect(literal.data?.['pageviews']).toBe(
      // Fields come in the input type's order, as graphql-js coerces them.
      "(((`ID` = 'O''Brien') AND (INSTR(`ID`, '50%_') = 1)) AND (`TOTAL` IN (9223372036854775807, -5)) AND (`SCORE` > 2E0) AND (`PRICE` = 1.10)" +
        " AND (`TS` < CAST('2021-01-01T00:00:00.000' AS TIMESTAMP)) AND (`ADDRESS`->`city name` = 'x')" +
        ' AND ((`VIEWS` IN (3)) OR (NOT ((`ACTIVE` IS NOT NULL) AND (`ACTIVE` = TRUE)))))',
    );
    const variables = await graphql({
      schema,
      source: 'query($w: PageviewsFilter) { pageviews(where: $w) }',
      variableValues: { w: { total: { eq: '9007199254740993' }, raw: { eq: 'AAE=' }, day: { eq: '2024-02-29' } } },
    });
    expect(variables.errors).toBeUndefined();
    expect(variables.data?.['pageviews']).toBe(
      "((`TOTAL` = 9007199254740993) AND (`DAY` = CAST('2024-02-29' AS DATE)) AND (`RAW` = TO_BYTES('AAE=', 'base64')))",
    );
    const nulls = await graphql({ schema, source: '{ pageviews(where: { id: { eq: null } }) }' });
    expect(nulls.errors?.[0]?.message).toMatch(/use \{ isNull: true \}/);
    expect(nulls.errors?.[0]?.extensions['code']).toBe('BAD_USER_INPUT');
    expect(seen).toHaveLength(3);
  });
});
