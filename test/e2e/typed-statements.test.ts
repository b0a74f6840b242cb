/**
 * The typed statement builders (src/gateway/typed/sql.ts, filters.ts)
 * against the embedded engine over HTTP: a stream with a column of every
 * type and hostile names, rows written by `buildInsert` with hostile values
 * and read back exactly by a push query from `buildSelect`, and every filter
 * operator checked for exactly the rows it should match.
 *
 * A push query only ends at its LIMIT, so filter checks insert a sentinel
 * row last and select `(filter AND ID < 1000) OR ID = sentinel` with
 * LIMIT expected + 1: the sentinel proves every earlier row was seen, and a
 * filter that matches too much reaches the limit before it.
 */
import fc from 'fast-check';
import { parse as parseLossless } from 'lossless-json';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEngineServer, type EngineServer } from '../../src/engine/rest/server.js';
import { buildSourceTypes } from '../../src/gateway/schema/ksql-types.js';
import { NameRegistry } from '../../src/gateway/schema/naming.js';
import { buildFilterType, type FilterType } from '../../src/gateway/typed/filters.js';
import { buildInsert, buildSelect, type ColumnType } from '../../src/gateway/typed/sql.js';
import { formatSqlType, parseSqlType, quoteIdentifier } from '../../src/protocol/index.js';

const SOURCE = "typed `stream'; -- /* x";
const S = "s`'; --\n/* col";
const t = parseSqlType;

const COLUMNS: ColumnType[] = [
  { name: 'ID', type: t('INTEGER') },
  { name: 'FLAG', type: t('BOOLEAN') },
  { name: 'N', type: t('INTEGER') },
  { name: 'BIG', type: t('BIGINT') },
  { name: 'DBL', type: t('DOUBLE') },
  { name: 'DEC', type: t('DECIMAL(4, 2)') },
  { name: S, type: t('STRING') },
  { name: 'D', type: t('DATE') },
  { name: 'T', type: t('TIME') },
  { name: 'TS', type: t('TIMESTAMP') },
  { name: 'RAW', type: t('BYTES') },
  { name: 'TAGS', type: t('ARRAY<STRING>') },
  { name: 'COUNTS', type: t('MAP<STRING, BIGINT>') },
  { name: 'BYNUM', type: t('MAP<INTEGER, DECIMAL(4, 2)>') },
  { name: 'ADDRESS', type: t('STRUCT<`city name` STRING, `ZIP` BIGINT, `GEO` STRUCT<`LAT` DOUBLE, `AT` TIMESTAMP>>') },
  { name: 'PLACES', type: t('ARRAY<STRUCT<`NAME` STRING, `DAYS` ARRAY<DATE>>>') },
];

/** Numbers keep their exact text, as `#<text>`; everything else as JSON. */
function parseExact(text: string): unknown {
  return parseLossless(text, null, (n: string) => `#${n}`);
}

const nulls = (n: number): null[] => Array.from({ length: n }, () => null);

/** Data rows: keys are ksqlDB column names, as SourceTypes.rowFromInput gives them. */
const ROWS: Array<Record<string, unknown>> = [
  {
    ID: 1,
    FLAG: true,
    N: -2147483648,
    BIG: '9223372036854775807',
    DBL: 1.5,
    DEC: '1.10',
    [S]: "O'Brien",
    D: '2021-02-03',
    T: '12:34:56.789',
    TS: '2021-02-03T04:05:06.007Z',
    RAW: 'AAH+/w==',
    TAGS: ["it's", '`tick`', 'line1\nline2', '%_', '😀', null],
    COUNTS: { "a'b": '9223372036854775807', 'x\ny': null, '': '-1' },
    BYNUM: { '1': '1.1', '-2': '0.05' },
    ADDRESS: { 'city name': "O'Hare -- /*", ZIP: '-9223372036854775808', GEO: { LAT: -0.5, AT: '2021-02-03T05:05:06.007+01:00' } },
    PLACES: [{ NAME: 'a', DAYS: ['0001-01-01', '9999-12-31'] }, null, { NAME: null }],
  },
  {
    ID: 2,
    FLAG: false,
    N: 2147483647,
    BIG: '-9223372036854775808',
    DBL: 1e21,
    DEC: '-0.5',
    [S]: 'hello world',
    D: '2024-02-29',
    T: '00:00',
    TS: '1970-01-01T00:00:00+00:00',
    RAW: '',
    TAGS: [],
    COUNTS: {},
    BYNUM: {},
    ADDRESS: {},
    PLACES: [],
  },
  {
    ID: 3,
    FLAG: true,
    N: 0,
    BIG: '1',
    DBL: -0,
    DEC: '99.99',
    [S]: '50%_off',
    D: '0001-01-01',
    T: '23:59:59.999',
    TS: '9999-12-31T23:59:59.999',
    RAW: 'AAE=',
    ADDRESS: { 'city name': 'x', GEO: { LAT: 1 } },
  },
  { ID: 4, N: 10, BIG: '9007199254740993', DBL: 0.1, [S]: '50abc' },
  { ID: 5, N: -10, [S]: '5%' },
  { ID: 6, N: 5, [S]: 'line1\nline2 50%_' },
  { ID: 7, N: 7, [S]: '' },
  { ID: 8 },
  { ID: 9, N: 2, [S]: '`; DROP STREAM x; --' },
  { ID: 10, N: 3, [S]: 'über 😀_' },
  { ID: 11, N: 4, [S]: '_x_' },
  { ID: 12, N: 1, [S]: "'" },
];
const DATA_IDS = ROWS.map((r) => r['ID'] as number);

/** What SELECT * returns for the rows, exactly (numbers as `#<text>`). */
const EXPECTED: unknown[][] = [
  [
    '#1',
    true,
    '#-2147483648',
    '#9223372036854775807',
    '#1.5',
    '#1.10',
    "O'Brien",
    '2021-02-03',
    '12:34:56.789',
    '2021-02-03T04:05:06.007',
    'AAH+/w==',
    ["it's", '`tick`', 'line1\nline2', '%_', '😀', null],
    { "a'b": '#9223372036854775807', 'x\ny': null, '': '#-1' },
    { '1': '#1.10', '-2': '#0.05' },
    { 'city name': "O'Hare -- /*", ZIP: '#-9223372036854775808', GEO: { LAT: '#-0.5', AT: '2021-02-03T04:05:06.007' } },
    [{ NAME: 'a', DAYS: ['0001-01-01', '9999-12-31'] }, null, { NAME: null, DAYS: null }],
  ],
  [
    '#2',
    false,
    '#2147483647',
    '#-9223372036854775808',
    '#1.0E21',
    '#-0.50',
    'hello world',
    '2024-02-29',
    '00:00',
    '1970-01-01T00:00:00.000',
    '',
    [],
    {},
    {},
    { 'city name': null, ZIP: null, GEO: null },
    [],
  ],
  [
    '#3',
    true,
    '#0',
    '#1',
    '#-0.0',
    '#99.99',
    '50%_off',
    '0001-01-01',
    '23:59:59.999',
    '9999-12-31T23:59:59.999',
    'AAE=',
    null,
    null,
    null,
    { 'city name': 'x', ZIP: null, GEO: { LAT: '#1.0', AT: null } },
    null,
  ],
  ['#4', null, '#10', '#9007199254740993', '#0.1', null, '50abc', ...nulls(9)],
  ...ROWS.slice(4).map((r) => [
    `#${String(r['ID'])}`,
    null,
    r['N'] === undefined ? null : `#${String(r['N'] as number)}`,
    ...nulls(3),
    r[S] ?? null,
    ...nulls(9),
  ]),
];

let server: EngineServer;
let filter: FilterType;
/** The filter field of the hostile STRING column, as the naming rules call it. */
let fieldOfS: string;

async function ksql(statement: string): Promise<unknown> {
  const res = await fetch(`${server.url}/ksql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({ ksql: statement, streamsProperties: {} }),
  });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`${res.status} for ${statement}\n${text}`);
  return JSON.parse(text);
}

/**
 * Runs a push query from the earliest offset and returns its rows (columns
 * parsed exactly), until the body ends or `stop` says so.
 */
async function query(statement: string, stop: (row: unknown[]) => boolean = () => false): Promise<unknown[][]> {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), 15_000);
  const rows: unknown[][] = [];
  try {
    const res = await fetch(`${server.url}/query`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ ksql: statement, streamsProperties: { 'ksql.streams.auto.offset.reset': 'earliest' } }),
      signal: abort.signal,
    });
    if (res.status !== 200) throw new Error(`${res.status} for ${statement}\n${await res.text()}`);
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let buffered = '';
    const take = (line: string): boolean => {
      const json = line.trim().replace(/^\[/, '').replace(/[,\]]$/, '');
      if (json === '') return false;
      const message = parseExact(json) as { row?: { columns: unknown[] }; errorMessage?: unknown };
      if (message.errorMessage !== undefined) throw new Error(`query failed: ${json}`);
      if (message.row === undefined) return false;
      rows.push(message.row.columns);
      return stop(message.row.columns);
    };
    for (;;) {
      let chunk: ReadableStreamReadResult<Uint8Array>;
      try {
        chunk = await reader.read();
      } catch {
        break; // timed out: the assertions show what came
      }
      if (chunk.done) break;
      buffered += decoder.decode(chunk.value, { stream: true });
      let newline: number;
      let stopped = false;
      while ((newline = buffered.indexOf('\n')) !== -1) {
        const line = buffered.slice(0, newline);
        buffered = buffered.slice(newline + 1);
        if (take(line)) {
          stopped = true;
          break;
        }
      }
      if (stopped) break;
    }
    take(buffered);
    return rows;
  } finally {
    clearTimeout(timer);
    abort.abort();
  }
}

let sentinel = 1000;

/** The data rows `where` matches, by ID, in insert order. */
async function matching(where: Record<string, unknown>): Promise<number[]> {
  const id = ++sentinel;
  const expectedAtMost = DATA_IDS.length;
  await ksql(buildInsert(SOURCE, COLUMNS, { ID: id }));
  const condition = filter.compile({ or: [{ and: [where, { id: { lt: 1000 } }] }, { id: { eq: id } }] });
  const statement = buildSelect({ source: SOURCE, columns: ['ID'], where: condition, emitChanges: true, limit: expectedAtMost + 1 });
  const rows = await query(statement, (row) => row[0] === `#${id}`);
  const ids = rows.map((r) => Number(String(r[0]).slice(1)));
  expect(ids[ids.length - 1], `the sentinel ends the rows of ${statement}`).toBe(id);
  return ids.slice(0, -1);
}

beforeAll(async () => {
  server = await startEngineServer({ port: 0 });
  const columns = COLUMNS.map((c, i) => `${quoteIdentifier(c.name)} ${formatSqlType(c.type)}${i === 0 ? ' KEY' : ''}`);
  await ksql(
    `CREATE STREAM ${quoteIdentifier(SOURCE)} (${columns.join(', ')}) WITH (kafka_topic='typed_statements', value_format='JSON', partitions=1);`,
  );
  const registry = new NameRegistry();
  registry.registerSources([SOURCE]);
  const types = buildSourceTypes(registry, SOURCE, COLUMNS);
  filter = buildFilterType(registry, `${registry.sourceTypeName(SOURCE)}Filter`, COLUMNS, types.fields, { source: SOURCE });
  fieldOfS = types.fields.graphqlName(S) as string;
  for (const row of ROWS) await ksql(buildInsert(SOURCE, COLUMNS, row));
});

afterAll(async () => {
  // Unassigned if beforeAll failed before assigning it.
  await (server as EngineServer | undefined)?.close();
});

describe('typed statements against the embedded engine', () => {
  it('reads back every row written by buildInsert, exactly', async () => {
    const rows = await query(
      buildSelect({ source: SOURCE, where: filter.compile({ id: { lt: 1000 } }), emitChanges: true, limit: ROWS.length }),
    );
    expect(rows).toEqual(EXPECTED);
  });

  it('selects named columns, hostile ones included', async () => {
    const rows = await query(
      buildSelect({ source: SOURCE, columns: [S, 'ID', 'BIG'], where: filter.compile({ id: { lte: 2 } }), emitChanges: true, limit: 2 }),
    );
    expect(rows).toEqual([
      ["O'Brien", '#1', '#9223372036854775807'],
      ['hello world', '#2', '#-9223372036854775808'],
    ]);
  });

  it('writes input through SourceTypes.rowFromInput (GraphQL shapes: maps as entries)', async () => {
    const registry = new NameRegistry();
    const types = buildSourceTypes(registry, SOURCE, COLUMNS);
    const field = (name: string) => types.fields.graphqlName(name) as string;
    const row = types.rowFromInput({
      [field('ID')]: 1500,
      [field(S)]: "it's",
      [field('BYNUM')]: [{ key: 7, value: '1.5' }],
      [field('COUNTS')]: [{ key: "k'", value: '42' }],
      [field('ADDRESS')]: { cityName: 'c', geo: { lat: 2.5 } },
    });
    await ksql(buildInsert(SOURCE, COLUMNS, row));
    const rows = await query(
      buildSelect({ source: SOURCE, columns: [S, 'BYNUM', 'COUNTS', 'ADDRESS'], where: filter.compile({ id: { eq: 1500 } }), emitChanges: true, limit: 1 }),
    );
    expect(rows).toEqual([["it's", { '7': '#1.50' }, { "k'": '#42' }, { 'city name': 'c', ZIP: null, GEO: { LAT: '#2.5', AT: null } }]]);
  });

  describe('filters match exactly the rows they should', () => {
    const cases: Array<[string, Record<string, unknown>, number[]]> = [
      // STRING, hostile values and names
      ["eq O'Brien", { s: { eq: "O'Brien" } }, [1]],
      ["eq '", { s: { eq: "'" } }, [12]],
      ['eq empty string', { s: { eq: '' } }, [7]],
      ['neq (false on NULL)', { s: { neq: 'hello world' } }, [1, 3, 4, 5, 6, 7, 9, 10, 11, 12]],
      ['gt (code unit order)', { s: { gt: 'line' } }, [6, 10]],
      ['in', { s: { in: ["O'Brien", '', '_x_'] } }, [1, 7, 11]],
      ['notIn', { s: { notIn: ['hello world', '5%'] } }, [1, 3, 4, 6, 7, 9, 10, 11, 12]],
      ['isNull', { s: { isNull: true } }, [8]],
      ['like, raw pattern', { s: { like: '50%_' } }, [3, 4]],
      ['startsWith takes % and _ literally', { s: { startsWith: '50%_' } }, [3]],
      ['startsWith a multi-line value', { s: { startsWith: 'line1' } }, [6]],
      ['contains % and _', { s: { contains: '%_' } }, [3, 6]],
      ['contains a newline', { s: { contains: '\n' } }, [6]],
      ['contains an injection attempt', { s: { contains: '`; DROP' } }, [9]],
      ['endsWith _', { s: { endsWith: '_' } }, [6, 10, 11]],
      ['endsWith an astral character', { s: { endsWith: '😀_' } }, [10]],
      ["startsWith ''", { s: { startsWith: '' } }, [1, 2, 3, 4, 5, 6, 7, 9, 10, 11, 12]],
      ['not (matches NULLs too)', { not: { s: { contains: '%' } } }, [1, 2, 4, 7, 8, 9, 10, 11, 12]],
      ['not eq', { not: { s: { eq: "O'Brien" } } }, [2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]],
      // INTEGER
      ['int eq min', { n: { eq: -2147483648 } }, [1]],
      ['int gt', { n: { gt: 5 } }, [2, 4, 7]],
      ['int lte', { n: { lte: 0 } }, [1, 3, 5]],
      ['int in', { n: { in: [0, 10, 999] } }, [3, 4]],
      ['int notIn', { n: { notIn: [0] } }, [1, 2, 4, 5, 6, 7, 9, 10, 11, 12]],
      ['int isNull false', { n: { isNull: false } }, [1, 2, 3, 4, 5, 6, 7, 9, 10, 11, 12]],
      ['operators ANDed', { n: { gte: 2, lt: 5 } }, [9, 10, 11]],
      ['or', { or: [{ n: { eq: 0 } }, { s: { eq: "'" } }] }, [3, 12]],
      ['and + or + not', { and: [{ n: { gt: 0 } }, { not: { or: [{ n: { eq: 7 } }, { s: { contains: '_' } }] } }] }, [2, 4, 9, 12]],
      // BIGINT, DOUBLE, DECIMAL, BOOLEAN
      ['bigint eq max', { big: { eq: '9223372036854775807' } }, [1]],
      ['bigint lt', { big: { lt: '0' } }, [2]],
      ['bigint in beyond 2^53', { big: { in: ['1', '9007199254740993'] } }, [3, 4]],
      ['bigint neq 2^53 (no float rounding)', { big: { eq: '9007199254740992' } }, []],
      ['double gt', { dbl: { gt: 1 } }, [1, 2]],
      ['double lt', { dbl: { lt: 0.5 } }, [3, 4]],
      ['decimal eq (scale-insensitive)', { dec: { eq: '1.1' } }, [1]],
      ['decimal gt beyond the column', { dec: { gt: '1.5' }, and: [{ dec: { lt: '1000.125' } }] }, [3]],
      ['decimal lt', { dec: { lt: '0' } }, [2]],
      ['boolean eq', { flag: { eq: true } }, [1, 3]],
      ['boolean neq', { flag: { neq: true } }, [2]],
      // DATE, TIME, TIMESTAMP, BYTES
      ['date eq leap day', { d: { eq: '2024-02-29' } }, [2]],
      ['date lt year 1', { d: { lt: '2000-01-01' } }, [3]],
      ['date gte', { d: { gte: '2021-02-03' } }, [1, 2]],
      ['time lt', { t: { lt: '12:00' } }, [2]],
      ['time gt', { t: { gt: '12:34:56.788' } }, [1, 3]],
      ['timestamp eq with a zone', { ts: { eq: '2021-02-03T05:05:06.007+01:00' } }, [1]],
      ['timestamp gt', { ts: { gt: '2000-01-01T00:00Z' } }, [1, 3]],
      ['timestamp lte epoch', { ts: { lte: '1970-01-01T00:00:00Z' } }, [2]],
      ['timestamp in', { ts: { in: ['1970-01-01T00:00', '9999-12-31T23:59:59.999'] } }, [2, 3]],
      ['bytes eq', { raw: { eq: 'AAH+/w==' } }, [1]],
      ['bytes in', { raw: { in: ['', 'AAE='] } }, [2, 3]],
      ['bytes neq', { raw: { neq: '' } }, [1, 3]],
      // STRUCT
      ['struct field eq', { address: { cityName: { eq: "O'Hare -- /*" } } }, [1]],
      ['struct bigint field', { address: { zip: { eq: '-9223372036854775808' } } }, [1]],
      ['nested struct field', { address: { geo: { lat: { gt: 0 } } } }, [3]],
      ['nested struct timestamp with a zone', { address: { geo: { at: { eq: '2021-02-03T04:05:06.007Z' } } } }, [1]],
      ['nested struct isNull', { address: { geo: { at: { isNull: true } } } }, [2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]],
      ['not on a nested field', { not: { address: { geo: { lat: { lt: 0 } } } } }, [2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]],
      // Empty lists and filters
      ['in []', { n: { in: [] } }, []],
      ['notIn []', { n: { notIn: [] } }, DATA_IDS],
      ['or []', { or: [] }, []],
      ['not {}', { not: {} }, []],
      ['and []', { and: [] }, DATA_IDS],
    ];

    it.each(cases)('%s', async (_, where, expected) => {
      const rename = (w: unknown): unknown => {
        if (Array.isArray(w)) return w.map(rename);
        if (typeof w !== 'object' || w === null) return w;
        return Object.fromEntries(Object.entries(w).map(([k, v]) => [k === 's' ? fieldOfS : k, k === 'and' || k === 'or' || k === 'not' ? rename(v) : v]));
      };
      expect(await matching(rename(where) as Record<string, unknown>)).toEqual(expected);
    });
  });

  it('round-trips arbitrary hostile strings in every position (fuzz, 150 rows)', async () => {
    const text = fc.string({
      unit: fc.oneof(
        fc.constantFrom("'", "''", '`', '--', '/*', '*/', ';', '\n', '\r', '\\', '%', '_', '\u0000', '😀', 'ü', '\u2028'),
        fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
      ),
      maxLength: 10,
    });
    const samples = fc.sample(
      fc.record({
        s: text,
        tags: fc.array(fc.option(text), { maxLength: 3 }),
        counts: fc.dictionary(text.filter((k) => k !== '__proto__'), fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map(String), { maxKeys: 3 }),
        city: text,
      }),
      { numRuns: 150, seed: 4242 },
    );
    for (const [i, sample] of samples.entries()) {
      await ksql(
        buildInsert(SOURCE, COLUMNS, {
          ID: 2000 + i,
          [S]: sample.s,
          TAGS: sample.tags,
          COUNTS: sample.counts,
          ADDRESS: { 'city name': sample.city },
        }),
      );
    }
    const rows = await query(
      buildSelect({
        source: SOURCE,
        columns: [S, 'TAGS', 'COUNTS', 'ADDRESS'],
        where: filter.compile({ id: { gte: 2000, lt: 3000 } }),
        emitChanges: true,
        limit: samples.length,
      }),
    );
    expect(rows).toEqual(
      samples.map((sample) => [
        sample.s,
        sample.tags,
        Object.fromEntries(Object.entries(sample.counts).map(([k, v]) => [k, `#${v}`])),
        { 'city name': sample.city, ZIP: null, GEO: null },
      ]),
    );
    // Each value also finds its own row through the filters.
    for (const [i, sample] of samples.slice(0, 20).entries()) {
      const hits = await query(
        buildSelect({
          source: SOURCE,
          columns: ['ID'],
          where: filter.compile({ id: { eq: 2000 + i }, [fieldOfS]: { eq: sample.s, startsWith: sample.s, endsWith: sample.s, contains: sample.s } }),
          emitChanges: true,
          limit: 1,
        }),
      );
      expect(hits).toEqual([[`#${2000 + i}`]]);
    }
  });

  it('rejects what ksqlDB would reject, before sending it', () => {
    expect(() => buildInsert(SOURCE, COLUMNS, { ID: 1, DEC: '1.123' })).toThrow(/does not fit DECIMAL\(4, 2\)/);
    expect(() => buildInsert(SOURCE, COLUMNS, { ID: 1, TS: '2021-01-01T00:00:00.0001' })).toThrow(/millisecond/);
    expect(() => filter.compile({ id: { eq: null } })).toThrow(/isNull/);
  });
});
