import { describe, expect, it } from 'vitest';
import {
  DEFAULT_RESERVED_TYPE_NAMES,
  FieldNameMap,
  GRAPHQL_NAME_PATTERN,
  MAX_NAME_LENGTH,
  NameRegistry,
  NameScope,
  splitWords,
  toFieldName,
  toPathTypeName,
  toTypeName,
} from './naming.js';

/** Deterministic PRNG (mulberry32) so failures reproduce. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ALPHABET = [
  ...'abcxyzABCXYZ0123456789_ -.`"\'$#@!?()[]{}<>/\\|:;,~^&*%+=',
  'ü', 'é', 'ß', 'Ω', '日', '本', '😀', '🎉', '\u0301', '\t', '\n', '\u00a0', '\u200b', '\u{10FFFF}', 'ﬁ',
];

function randomStrings(count: number, seed: number): string[] {
  const next = rng(seed);
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const len = Math.floor(next() * 14);
    let s = '';
    for (let j = 0; j < len; j++) s += ALPHABET[Math.floor(next() * ALPHABET.length)];
    out.push(s);
  }
  return out;
}

function shuffled<T>(items: readonly T[], seed: number): T[] {
  const next = rng(seed);
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

const HOSTILE = [
  '',
  '1abc',
  '123',
  '__typename',
  '__schema',
  '_',
  '__',
  '___x',
  'a b',
  'a-b',
  'a_b',
  'A_B',
  '`a_b`',
  'aB',
  'AB',
  'Query',
  'QUERY',
  'Mutation',
  'Subscription',
  'String',
  'Int',
  'Float',
  'Boolean',
  'ID',
  'BigInt',
  'JSON',
  'über',
  'uber',
  'ÜBER',
  '😀',
  '🎉',
  '日本',
  '-',
  '!',
  ' ',
  'a\u0000b',
  'x'.repeat(500),
  'x'.repeat(500) + 'y',
  'Y'.repeat(1000),
  'USER_ID',
  'userId',
  'user_id',
  'pageId',
  'PAGE_ID',
  'x1f600',
];

const ALL = [...new Set([...HOSTILE, ...randomStrings(1000, 42)])];

function checkName(name: string): void {
  expect(name).toMatch(GRAPHQL_NAME_PATTERN);
  expect(name.startsWith('__')).toBe(false);
}

describe('candidates', () => {
  it.each([
    ['USER_ID', 'userId', 'UserId'],
    ['pageId', 'pageId', 'PageId'],
    ['PAGEVIEWS', 'pageviews', 'Pageviews'],
    ['page views', 'pageViews', 'PageViews'],
    ['a-b', 'aB', 'AB'],
    ['HTTPServer', 'httpServer', 'HttpServer'],
    ['1abc', '_1abc', '_1abc'],
    ['über', 'uber', 'Uber'],
    ['😀', 'x1f600', 'X1f600'],
    ['', '_empty', '_Empty'],
    ['__typename', 'typename', 'Typename'],
    ['-', 'x2d', 'X2d'],
    ['ADDRESS_2', 'address2', 'Address2'],
  ])('%j → field %s, type %s', (id, field, type) => {
    expect(toFieldName(id)).toBe(field);
    expect(toTypeName(id)).toBe(type);
  });

  it('splits words on punctuation and case changes', () => {
    expect(splitWords('myHTTPServer_v2')).toEqual(['my', 'HTTP', 'Server', 'v2']);
    expect(splitWords('')).toEqual([]);
  });

  it('names nested types by path', () => {
    expect(toPathTypeName(['PAGEVIEWS', 'ADDRESS'])).toBe('Pageviews_Address');
    expect(toPathTypeName(['PAGEVIEWS', '1st'])).toBe('Pageviews__1st');
  });

  it('cuts very long names and keeps them apart with a hash', () => {
    const a = toFieldName('x'.repeat(500));
    const b = toFieldName('x'.repeat(500) + 'y');
    expect(a.length).toBeLessThanOrEqual(MAX_NAME_LENGTH);
    expect(b.length).toBeLessThanOrEqual(MAX_NAME_LENGTH);
    expect(a).not.toBe(b);
  });

  it('every candidate of a hostile or random identifier is a valid name', () => {
    for (const id of ALL) {
      checkName(toFieldName(id));
      checkName(toTypeName(id));
    }
  });
});

describe('FieldNameMap (hostile names)', () => {
  const map = FieldNameMap.build(ALL);
  const names = ALL.map((id) => map.graphqlName(id) as string);

  it('gives every identifier a valid name', () => {
    expect(map.size).toBe(ALL.length);
    for (const n of names) checkName(n);
  });

  it('gives distinct identifiers distinct names', () => {
    expect(new Set(names).size).toBe(ALL.length);
  });

  it('maps back to the ksqlDB identifier', () => {
    for (const id of ALL) expect(map.ksqlName(map.graphqlName(id) as string)).toBe(id);
  });

  it('is stable across input orderings', () => {
    const expected = new Map(map.entries());
    for (const seed of [1, 2, 3]) {
      const other = FieldNameMap.build(shuffled(ALL, seed));
      expect(new Map(other.entries())).toEqual(expected);
    }
    expect(new Map(FieldNameMap.build([...ALL].reverse()).entries())).toEqual(expected);
  });

  it('disambiguates a_b / A_B / `a_b` deterministically in sorted order', () => {
    const m = FieldNameMap.build(['a_b', '`a_b`', 'A_B']);
    expect(m.graphqlName('A_B')).toBe('aB');
    expect(m.graphqlName('`a_b`')).toBe('aB_2');
    expect(m.graphqlName('a_b')).toBe('aB_3');
  });

  it('lets an identifier that already is its GraphQL name keep it', () => {
    const m = FieldNameMap.build(['PAGE_ID', 'pageId']);
    expect(m.graphqlName('pageId')).toBe('pageId');
    expect(m.graphqlName('PAGE_ID')).toBe('pageId_2');
  });

  it('maps duplicate identifiers to one name and honours reserved names', () => {
    const m = FieldNameMap.build(['ID', 'ID', 'KEY'], ['id']);
    expect(m.size).toBe(2);
    expect(m.graphqlName('ID')).toBe('id_2');
  });
});

describe('NameRegistry', () => {
  it('never hands out reserved or introspection names', () => {
    const reg = new NameRegistry();
    const names = reg.registerSources(ALL);
    const all = [...names.values()];
    for (const n of all) {
      checkName(n);
      expect(DEFAULT_RESERVED_TYPE_NAMES).not.toContain(n);
    }
    expect(new Set(all).size).toBe(ALL.length);
    expect(names.get('Query')).toBe('Query_2');
    expect(names.get('String')).toBe('String_2');
    expect(names.get('__typename')).toBe('Typename');
  });

  it('reserves the built-in scalars, root types, our scalars and the generic API types', () => {
    for (const n of ['String', 'Int', 'Float', 'Boolean', 'ID', 'Query', 'Mutation', 'Subscription', 'BigInt', 'Decimal', 'Timestamp', 'JSON', 'SourceDescription', 'QueryRow']) {
      expect(new NameRegistry().has(n)).toBe(true);
    }
    expect(new NameRegistry().has('__Type')).toBe(true);
  });

  it('is stable across catalog orderings and supports reverse lookup', () => {
    const first = new NameRegistry().registerSources(ALL);
    for (const seed of [7, 8]) {
      const reg = new NameRegistry();
      const again = reg.registerSources(shuffled(ALL, seed));
      expect(new Map([...again].sort())).toEqual(new Map([...first].sort()));
      for (const [source, name] of again) {
        expect(reg.sourceOf(name)).toBe(source);
        expect(reg.lookup(name)).toEqual({ kind: 'source', input: false, source, path: [] });
      }
    }
  });

  it('disambiguates clashing claims with _2, _3', () => {
    const reg = new NameRegistry();
    const o = { kind: 'struct', input: false, source: 'S', path: [] } as const;
    expect(reg.claim('Pageviews_Address', o)).toBe('Pageviews_Address');
    expect(reg.claim('Pageviews_Address', o)).toBe('Pageviews_Address_2');
    expect(reg.claim('Pageviews_Address', o)).toBe('Pageviews_Address_3');
    expect(() => reg.claim('__Bad', o)).toThrow();
  });

  it('NameScope takes reserved names into account', () => {
    const scope = new NameScope(['a']);
    expect(scope.claim('a')).toBe('a_2');
    expect(scope.claim('a')).toBe('a_3');
    expect(scope.names()).toEqual(['a_2', 'a_3']);
  });
});
