import {
  GraphQLList,
  GraphQLObjectType,
  GraphQLSchema,
  GraphQLString,
  assertValidSchema,
  execute,
  parse,
  printSchema,
  valueFromAST,
  parseValue as parseGraphQLValue,
  type GraphQLInputObjectType,
} from 'graphql';
import { describe, expect, it } from 'vitest';
import { JsonNumber, parseSqlType, toSchemaInfo, type WireType } from '../../protocol/index.js';
import {
  BigIntScalar,
  BytesScalar,
  DateScalar,
  DecimalScalar,
  TimeScalar,
  TimestampScalar,
  buildSourceTypes,
  buildSourcesTypes,
  columnsOfSource,
  fitsDecimal,
  type ColumnSpec,
  type SourceTypes,
} from './ksql-types.js';
import { NameRegistry } from './naming.js';

const col = (name: string, sql: string, namespace: ColumnSpec['namespace'] = 'VALUE'): ColumnSpec => ({
  name,
  type: parseSqlType(sql),
  namespace,
});

const EVERY_TYPE: ColumnSpec[] = [
  col('ID', 'STRING', 'KEY'),
  col('FLAG', 'BOOLEAN'),
  col('N', 'INTEGER'),
  col('BIG', 'BIGINT'),
  col('D', 'DOUBLE'),
  col('PRICE', 'DECIMAL(4, 2)'),
  col('BLOB', 'BYTES'),
  col('DAY', 'DATE'),
  col('AT', 'TIME'),
  col('TS', 'TIMESTAMP'),
  col('TAGS', 'ARRAY<STRING>'),
  col('ATTRS', 'MAP<STRING, BIGINT>'),
  col('ADDRESS', 'STRUCT<`STREET` STRING, `ZIP` INTEGER>'),
  col(
    'DEEP',
    'STRUCT<`L1` ARRAY<MAP<STRING, STRUCT<`X` DECIMAL(10, 3), `Y` ARRAY<ARRAY<BIGINT>>, `M` MAP<STRING, MAP<STRING, STRUCT<`Z` TIMESTAMP>>>>>>>',
  ),
  col('EMPTY', 'STRUCT<>'),
  col('H', 'ARRAY<STRUCT<`key` STRING, `value` BYTES>>', 'HEADERS'),
];

function schemaOf(types: Iterable<SourceTypes>): GraphQLSchema {
  const list = [...types];
  const query = new GraphQLObjectType({
    name: 'Query',
    fields: Object.fromEntries(
      list.map((t, i) => [
        `q${i}`,
        {
          type: new GraphQLList(t.output),
          args: t.input ? { row: { type: t.input } } : {},
          resolve: () => [],
        },
      ]),
    ),
  });
  return new GraphQLSchema({ query });
}

describe('scalars', () => {
  it('BigInt keeps 9007199254740993 exactly', () => {
    expect(BigIntScalar.serialize(new JsonNumber('9007199254740993'))).toBe('9007199254740993');
    expect(BigIntScalar.serialize(9007199254740993n)).toBe('9007199254740993');
    expect(BigIntScalar.serialize('9007199254740993')).toBe('9007199254740993');
    expect(BigIntScalar.serialize(5)).toBe('5');
    expect(BigIntScalar.parseValue('9007199254740993')).toBe('9007199254740993');
    expect(BigIntScalar.parseValue('-9223372036854775808')).toBe('-9223372036854775808');
    expect(BigIntScalar.parseValue(42)).toBe('42');
    expect(BigIntScalar.parseLiteral(parseGraphQLValue('9007199254740993'))).toBe('9007199254740993');
    expect(BigIntScalar.parseLiteral(parseGraphQLValue('"9007199254740993"'))).toBe('9007199254740993');
    const round = BigIntScalar.parseValue(BigIntScalar.serialize(new JsonNumber('9223372036854775807')));
    expect(round).toBe('9223372036854775807');
  });

  it('BigInt rejects floats, unsafe numbers, junk and out-of-range values', () => {
    for (const bad of [1.5, 9007199254740993, Number.NaN, '1.0', '1e3', '', ' 1', 'abc', '9223372036854775808', true, null, {}]) {
      expect(() => BigIntScalar.parseValue(bad)).toThrow();
    }
    expect(() => BigIntScalar.parseLiteral(parseGraphQLValue('1.5'))).toThrow();
    expect(() => BigIntScalar.serialize(2 ** 60)).toThrow();
    expect(() => BigIntScalar.serialize(new JsonNumber('1.5'))).toThrow();
  });

  it('Decimal keeps the exact text (1.10 stays 1.10)', () => {
    expect(DecimalScalar.serialize(new JsonNumber('1.10'))).toBe('1.10');
    expect(DecimalScalar.serialize('1.10')).toBe('1.10');
    expect(DecimalScalar.parseValue('1.10')).toBe('1.10');
    expect(DecimalScalar.parseValue('-0.001')).toBe('-0.001');
    expect(DecimalScalar.parseValue('12345678901234567890.123456789')).toBe('12345678901234567890.123456789');
    expect(DecimalScalar.parseValue(7)).toBe('7');
    expect(DecimalScalar.parseLiteral(parseGraphQLValue('1.10'))).toBe('1.10');
    expect(DecimalScalar.parseLiteral(parseGraphQLValue('"1.10"'))).toBe('1.10');
    expect(DecimalScalar.parseValue(DecimalScalar.serialize(new JsonNumber('1.10')))).toBe('1.10');
  });

  it('Decimal rejects lossy or malformed input', () => {
    for (const bad of [1.1, 'abc', '1.', '.5', '1e3', '', true, null]) expect(() => DecimalScalar.parseValue(bad)).toThrow();
    expect(() => DecimalScalar.parseLiteral(parseGraphQLValue('1e3'))).toThrow();
  });

  it('fitsDecimal checks precision and scale', () => {
    expect(fitsDecimal('12.34', 4, 2)).toBe(true);
    expect(fitsDecimal('12.30', 4, 2)).toBe(true);
    expect(fitsDecimal('123.4', 4, 2)).toBe(false);
    expect(fitsDecimal('1.234', 4, 2)).toBe(false);
  });

  it('Date, Time and Timestamp parse ISO-8601 and round-trip text', () => {
    expect(DateScalar.parseValue('2024-02-29')).toBe('2024-02-29');
    expect(DateScalar.serialize(19_000)).toBe('2022-01-08');
    expect(() => DateScalar.parseValue('2023-02-29')).toThrow();
    expect(() => DateScalar.parseValue('2023-1-1')).toThrow();
    expect(TimeScalar.parseValue('12:34')).toBe('12:34');
    expect(TimeScalar.parseValue('12:34:56.789')).toBe('12:34:56.789');
    expect(TimeScalar.serialize(45_296_789)).toBe('12:34:56.789');
    expect(() => TimeScalar.parseValue('24:00')).toThrow();
    for (const ok of ['2024-01-02T03:04:05.678', '2024-01-02T03:04:05Z', '2024-01-02T03:04+02:00', '2024-01-02T03:04:05.123456789-0530']) {
      expect(TimestampScalar.parseValue(ok)).toBe(ok);
      expect(TimestampScalar.serialize(TimestampScalar.parseValue(ok))).toBe(ok);
    }
    expect(TimestampScalar.serialize(0)).toBe('1970-01-01T00:00:00.000');
    expect(TimestampScalar.serialize(new Date(Date.UTC(2024, 0, 2, 3, 4, 5, 678)))).toBe('2024-01-02T03:04:05.678');
    for (const bad of ['2024-01-02', '2024-13-02T00:00', '2024-01-02 03:04:05', 'yesterday', 1700000000000]) {
      expect(() => TimestampScalar.parseValue(bad)).toThrow();
    }
    expect(TimestampScalar.parseLiteral(parseGraphQLValue('"2024-01-02T03:04:05.678"'))).toBe('2024-01-02T03:04:05.678');
  });

  it('Bytes is base64', () => {
    expect(BytesScalar.serialize(new Uint8Array([1, 2, 255]))).toBe('AQL/');
    expect(BytesScalar.parseValue('AQL/')).toBe('AQL/');
    expect(BytesScalar.parseValue('')).toBe('');
    expect(() => BytesScalar.parseValue('AQL')).toThrow();
    expect(() => BytesScalar.parseValue('!!!!')).toThrow();
  });
});

describe('type mapping', () => {
  const registry = new NameRegistry();
  const types = buildSourceTypes(registry, 'PAGEVIEWS', EVERY_TYPE);
  const schema = schemaOf([types]);

  it('builds a valid schema for every type, nested to any depth', () => {
    expect(() => assertValidSchema(schema)).not.toThrow();
  });

  it('maps every SQL type to the expected GraphQL type', () => {
    const f = types.output.getFields();
    const shown = Object.fromEntries(Object.entries(f).map(([k, v]) => [k, String(v.type)]));
    expect(shown).toEqual({
      id: 'String',
      flag: 'Boolean',
      n: 'Int',
      big: 'BigInt',
      d: 'Float',
      price: 'Decimal',
      blob: 'Bytes',
      day: 'Date',
      at: 'Time',
      ts: 'Timestamp',
      tags: '[String]',
      attrs: '[Pageviews_Attrs_Entry]',
      address: 'Pageviews_Address',
      deep: 'Pageviews_Deep',
      empty: 'Pageviews_Empty',
      h: '[Pageviews_H]',
      _cursor: 'String',
    });
    const deep = schema.getType('Pageviews_Deep') as GraphQLObjectType;
    expect(String(deep.getFields()['l1']?.type)).toBe('[[Pageviews_Deep_L1_Entry]]');
    const entry = schema.getType('Pageviews_Deep_L1_Entry') as GraphQLObjectType;
    expect(String(entry.getFields()['key']?.type)).toBe('String');
    expect(String(entry.getFields()['value']?.type)).toBe('Pageviews_Deep_L1_Value');
    const value = schema.getType('Pageviews_Deep_L1_Value') as GraphQLObjectType;
    expect(Object.fromEntries(Object.entries(value.getFields()).map(([k, v]) => [k, String(v.type)]))).toEqual({
      x: 'Decimal',
      y: '[[BigInt]]',
      m: '[Pageviews_Deep_L1_Value_M_Entry]',
    });
    expect(String((schema.getType('Pageviews_Deep_L1_Value_M_Entry') as GraphQLObjectType).getFields()['value']?.type)).toBe(
      '[Pageviews_Deep_L1_Value_M_Value_Entry]',
    );
    expect(schema.getType('Pageviews_Deep_L1_Value_M_Value_Value')).toBeDefined();
  });

  it('builds matching input types (structs → input objects, maps → entry input lists, no header columns)', () => {
    const input = types.input as GraphQLInputObjectType;
    const shown = Object.fromEntries(Object.entries(input.getFields()).map(([k, v]) => [k, String(v.type)]));
    expect(shown['attrs']).toBe('[Pageviews_Attrs_EntryInput]');
    expect(shown['address']).toBe('Pageviews_AddressInput');
    expect(shown['deep']).toBe('Pageviews_DeepInput');
    expect(shown['big']).toBe('BigInt');
    expect(shown['h']).toBeUndefined();
    expect(printSchema(schema)).toContain('input Pageviews_Deep_L1_ValueInput');
  });

  it('records where every generated type comes from', () => {
    expect(registry.lookup('Pageviews')).toEqual({ kind: 'source', input: false, source: 'PAGEVIEWS', path: [] });
    expect(registry.lookup('Pageviews_Deep_L1_Value')).toEqual({
      kind: 'struct',
      input: false,
      source: 'PAGEVIEWS',
      path: ['DEEP', 'L1', '[]', '{value}'],
    });
    expect(registry.lookup('Pageviews_AddressInput')?.input).toBe(true);
    expect(types.fields.ksqlName('big')).toBe('BIG');
  });

  it('resolves rows keyed by ksqlDB names, maps as entry lists, exact numbers', async () => {
    const row = {
      ID: 'k',
      BIG: new JsonNumber('9007199254740993'),
      PRICE: new JsonNumber('1.10'),
      N: new JsonNumber('7'),
      D: new JsonNumber('2.5'),
      ATTRS: { a: new JsonNumber('9007199254740993') },
      ADDRESS: { STREET: 'Main', ZIP: 12345 },
      DEEP: { L1: [{ k1: { X: '1.100', Y: [[1, '9007199254740993']], M: { o: { i: { Z: '2024-01-02T03:04:05.678' } } } } }] },
      EMPTY: {},
    };
    const query = new GraphQLObjectType({ name: 'Query', fields: { row: { type: types.output, resolve: () => row } } });
    const result = await execute({
      schema: new GraphQLSchema({ query }),
      document: parse(`{ row {
        id big price n d attrs { key value } address { street zip } empty { _empty }
        deep { l1 { key value { x y m { key value { key value { z } } } } } }
      } }`),
    });
    expect(result.errors).toBeUndefined();
    expect(result.data).toEqual({
      row: {
        id: 'k',
        big: '9007199254740993',
        price: '1.10',
        n: 7,
        d: 2.5,
        attrs: [{ key: 'a', value: '9007199254740993' }],
        address: { street: 'Main', zip: 12345 },
        empty: { _empty: null },
        deep: {
          l1: [[{ key: 'k1', value: { x: '1.100', y: [['1', '9007199254740993']], m: [{ key: 'o', value: [{ key: 'i', value: { z: '2024-01-02T03:04:05.678' } }] }] } }]],
        },
      },
    });
  });

  it('turns a mutation input back into a ksqlDB row', () => {
    const input = types.input as GraphQLInputObjectType;
    const parsed = valueFromAST(
      parseGraphQLValue(`{
        id: "k", big: 9007199254740993, price: 1.10,
        attrs: [{ key: "a", value: "9007199254740993" }],
        address: { street: "Main", zip: 1 },
        deep: { l1: [[{ key: "k1", value: { x: "1.100", m: [{ key: "o", value: [{ key: "i", value: { z: "2024-01-02T03:04:05.678" } }] }] } }]] }
      }`),
      input,
    ) as Record<string, unknown>;
    expect(parsed).toBeDefined();
    expect(types.rowFromInput(parsed)).toEqual({
      ID: 'k',
      BIG: '9007199254740993',
      PRICE: '1.10',
      ATTRS: { a: '9007199254740993' },
      ADDRESS: { STREET: 'Main', ZIP: 1 },
      DEEP: { L1: [{ k1: { X: '1.100', M: { o: { i: { Z: '2024-01-02T03:04:05.678' } } } } }] },
    });
  });
});

describe('whole catalogs', () => {
  const address: WireType = parseSqlType('STRUCT<`CITY` STRING>');
  const sources = [
    { name: 'PAGEVIEWS', columns: [col('ID', 'STRING', 'KEY'), { name: 'ADDRESS', type: address }] },
    { name: 'USERS', columns: [col('ID', 'STRING', 'KEY'), { name: 'ADDRESS', type: address }] },
    { name: 'pageviews', columns: [col('id', 'STRING'), col('Address', 'STRUCT<`x` INTEGER>')] },
    { name: 'Query', columns: [col('String', 'STRING'), col('__typename', 'INTEGER'), col('a_b', 'INTEGER'), col('A_B', 'INTEGER')] },
    { name: 'String', columns: [col('Query', 'STRING')] },
    { name: 'über 😀', columns: [col('1abc', 'MAP<STRING, STRUCT<`a b` STRING>>')] },
    { name: 'NOCOLS', columns: [] },
  ];

  it('keeps a source row type\'s `_cursor` for the resume cursor: a column of that name gets another', () => {
    const built = buildSourcesTypes([{ name: 'EVENTS', columns: [col('_cursor', 'STRING'), col('_CURSOR', 'INTEGER'), col('ID', 'STRING', 'KEY')] }]);
    const fields = built.get('EVENTS')?.output.getFields() ?? {};
    expect(Object.keys(fields)).toHaveLength(4);
    expect(String(fields['_cursor']?.type)).toBe('String');
    expect(fields['_cursor']?.description).toMatch(/^Where this event is in the source/);
    // Structs have no cursor field of their own.
    const nested = buildSourcesTypes([{ name: 'NESTED', columns: [{ name: 'S', type: parseSqlType('STRUCT<`_cursor` STRING>') }] }]);
    expect(Object.keys((nested.get('NESTED')?.output.getFields()['s']?.type as GraphQLObjectType).getFields())).toEqual(['cursor']);
  });

  it('gives two sources with a struct column of the same name distinct types', () => {
    const built = buildSourcesTypes(sources);
    expect(String(built.get('PAGEVIEWS')?.output.getFields()['address']?.type)).toBe('Pageviews_Address');
    expect(String(built.get('USERS')?.output.getFields()['address']?.type)).toBe('Users_Address');
    expect(built.get('pageviews')?.output.name).toBe('Pageviews_2');
    expect(String(built.get('pageviews')?.output.getFields()['address']?.type)).toBe('Pageviews_2_Address');
    expect(built.get('Query')?.output.name).toBe('Query_2');
    expect(built.get('String')?.output.name).toBe('String_2');
    expect(Object.keys(built.get('Query')?.output.getFields() ?? {})).toEqual(['string', 'typename', 'aB_2', 'aB', '_cursor']);
    expect(built.get('NOCOLS')?.input).toBeUndefined();
    const schema = schemaOf(built.values());
    expect(() => assertValidSchema(schema)).not.toThrow();
  });

  it('does not depend on catalog order', () => {
    const a = printSchema(schemaOf([...buildSourcesTypes(sources).entries()].sort().map(([, t]) => t)));
    const b = printSchema(schemaOf([...buildSourcesTypes([...sources].reverse()).entries()].sort().map(([, t]) => t)));
    expect(b).toBe(a);
  });

  it('reads DESCRIBE field infos', () => {
    const cols = columnsOfSource({
      fields: [
        { name: 'ID', schema: toSchemaInfo({ type: 'BIGINT' }), type: 'KEY' },
        { name: 'V', schema: toSchemaInfo(parseSqlType('MAP<STRING, DECIMAL(4, 2)>')) },
        { name: 'H', schema: toSchemaInfo({ type: 'BYTES' }), type: 'HEADER', headerKey: 'k' },
      ],
    });
    expect(cols).toEqual([
      { name: 'ID', type: { type: 'BIGINT' }, namespace: 'KEY' },
      { name: 'V', type: parseSqlType('MAP<STRING, DECIMAL(4, 2)>'), namespace: 'VALUE' },
      { name: 'H', type: { type: 'BYTES' }, namespace: 'HEADER' },
    ]);
    const t = buildSourceTypes(new NameRegistry(), 'S', cols);
    expect(Object.keys(t.input?.getFields() ?? {})).toEqual(['id', 'v']);
    expect(GraphQLString.name).toBe('String');
  });
});
