/**
 * ksqlDB identifiers → GraphQL names: valid, stable and collision-free.
 *
 * ksqlDB upper-cases unquoted identifiers (`USER_ID`) and keeps quoted ones
 * as written (`` `pageId` ``, `` `a b` ``, `` `über` ``, `` `1st` ``). GraphQL
 * names must match `/^[_A-Za-z][_0-9A-Za-z]*$/`, must not start with `__`
 * (introspection), and must be unique per schema (types) or per type
 * (fields). The rules (docs/typed-schema.md has a table of examples):
 *
 * 1. The identifier is split into words: Unicode NFKD, combining marks
 *    dropped (`ü` → `u`), every character outside `[A-Za-z0-9]` separates
 *    words, and a case change splits a run (`pageId` → `page`, `Id`;
 *    `HTTPServer` → `HTTP`, `Server`). Letters, digits and symbols that have
 *    no ASCII form become a word `x<hex code point>` (`😀` → `x1f600`), so
 *    non-ASCII names stay apart.
 * 2. Field names are camelCase (`USER_ID` → `userId`), type names PascalCase
 *    (`PAGEVIEWS` → `Pageviews`). A name starting with a digit gets a `_`
 *    prefix (`1abc` → `_1abc`); the empty identifier becomes `_empty` /
 *    `_Empty`. Names longer than {@link MAX_NAME_LENGTH} are cut and given a
 *    hash of the full identifier (`_h1a2b3c4d`).
 * 3. Types for nested values are named by path, segments joined with `_`
 *    (`Pageviews_Address`, `Pageviews_Attrs_Entry`): converted segments
 *    never contain `_` themselves except as a leading-digit prefix, so a path
 *    name never equals a source's own name.
 * 4. Every name goes through a {@link NameScope} (types: the schema-wide
 *    {@link NameRegistry}; fields: one scope per type). A name already taken
 *    or reserved (built-in scalars, root types, the gateway's own types,
 *    {@link GATEWAY_SCALAR_NAMES}) gets the first free suffix `_2`, `_3`, ….
 *    Batches are assigned in a fixed order (identifiers that already are
 *    exactly their GraphQL name first, then by code-unit order of the
 *    identifier), so the result depends on the set of names, not on the
 *    order the catalog lists them in.
 * 5. Every assignment is recorded for the reverse lookup (GraphQL name →
 *    ksqlDB identifier / source and path).
 *
 * @module
 */
import { Kind, parse } from 'graphql';
import { typeDefs } from './type-defs.js';

/** What every GraphQL name must match. */
export const GRAPHQL_NAME_PATTERN = /^[_A-Za-z][_0-9A-Za-z]*$/;

/** Converted names longer than this are cut and given a hash suffix. */
export const MAX_NAME_LENGTH = 100;

/** GraphQL's built-in scalars and root operation type names. */
export const GRAPHQL_RESERVED_TYPE_NAMES: readonly string[] = [
  'String',
  'Int',
  'Float',
  'Boolean',
  'ID',
  'Query',
  'Mutation',
  'Subscription',
];

/** The scalars of the typed schema (see ksql-types.ts) plus the generic `JSON`. */
export const GATEWAY_SCALAR_NAMES: readonly string[] = [
  'BigInt',
  'Decimal',
  'Date',
  'Time',
  'Timestamp',
  'Bytes',
  'JSON',
];

function namesDefinedIn(sdl: string): string[] {
  const out: string[] = [];
  for (const def of parse(sdl).definitions) {
    switch (def.kind) {
      case Kind.OBJECT_TYPE_DEFINITION:
      case Kind.INTERFACE_TYPE_DEFINITION:
      case Kind.UNION_TYPE_DEFINITION:
      case Kind.ENUM_TYPE_DEFINITION:
      case Kind.INPUT_OBJECT_TYPE_DEFINITION:
      case Kind.SCALAR_TYPE_DEFINITION:
        out.push(def.name.value);
        break;
      default:
        break;
    }
  }
  return out;
}

/** The type names of the gateway's generic API (type-defs.ts). */
export const GATEWAY_API_TYPE_NAMES: readonly string[] = namesDefinedIn(typeDefs);

/** Everything a generated type name must not be (by default). */
export const DEFAULT_RESERVED_TYPE_NAMES: readonly string[] = [
  ...new Set([...GRAPHQL_RESERVED_TYPE_NAMES, ...GATEWAY_SCALAR_NAMES, ...GATEWAY_API_TYPE_NAMES]),
];

/** A valid GraphQL name that is not reserved for introspection. */
export function isValidGraphQLName(name: string): boolean {
  return GRAPHQL_NAME_PATTERN.test(name) && !name.startsWith('__');
}

// ------------------------------------------------------------- converting

/** 32-bit FNV-1a over UTF-16 code units, as 8 hex digits. */
function hash8(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, '0');
}

const ALNUM = /[A-Za-z0-9]/;

/**
 * ksqlDB's pseudo columns, one upper-case word each, split where their
 * documentation does (`windowStart`, not `windowstart`). No user column can
 * have these names: ksqlDB reserves them.
 */
const PSEUDO_COLUMN_WORDS: Readonly<Record<string, readonly string[]>> = {
  WINDOWSTART: ['WINDOW', 'START'],
  WINDOWEND: ['WINDOW', 'END'],
  ROWTIME: ['ROW', 'TIME'],
  ROWPARTITION: ['ROW', 'PARTITION'],
  ROWOFFSET: ['ROW', 'OFFSET'],
};

/**
 * The words of an identifier (rule 1). Words are ASCII alphanumerics; never
 * empty strings. Returns `[]` for the empty identifier only.
 */
export function splitWords(identifier: string): string[] {
  const pseudo = PSEUDO_COLUMN_WORDS[identifier];
  if (pseudo !== undefined) return [...pseudo];
  const text = identifier.normalize('NFKD');
  const runs: string[] = [];
  let run = '';
  const flush = (): void => {
    if (run !== '') runs.push(run);
    run = '';
  };
  for (const ch of text) {
    if (ALNUM.test(ch)) {
      run += ch;
    } else if (/\p{M}/u.test(ch)) {
      // combining mark left over from NFKD: the base letter is kept
    } else if (ch.codePointAt(0)! < 0x80) {
      flush(); // ASCII punctuation and spaces separate words
    } else if (/[\p{L}\p{N}\p{S}\p{Extended_Pictographic}]/u.test(ch)) {
      flush();
      runs.push('x' + ch.codePointAt(0)!.toString(16));
    } else {
      flush(); // other non-ASCII punctuation, separators and controls
    }
  }
  flush();
  const words: string[] = [];
  for (const r of runs) {
    // split on case changes: fooBar → foo|Bar, HTTPServer → HTTP|Server
    for (const w of r.split(/(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])/)) {
      if (w !== '') words.push(w);
    }
  }
  if (words.length === 0 && identifier !== '') {
    // nothing but punctuation: keep the characters apart by their code points
    for (const ch of identifier) words.push('x' + ch.codePointAt(0)!.toString(16));
  }
  return words;
}

function capitalize(word: string): string {
  return word.charAt(0).toUpperCase() + word.slice(1).toLowerCase();
}

function finish(name: string, identifier: string): string {
  let out = /^[0-9]/.test(name) ? '_' + name : name;
  if (out.length > MAX_NAME_LENGTH) out = out.slice(0, MAX_NAME_LENGTH - 10) + '_h' + hash8(identifier);
  return out;
}

/** The camelCase candidate for a field name (rule 2), before disambiguation. */
export function toFieldName(identifier: string): string {
  const words = splitWords(identifier);
  if (words.length === 0) return '_empty';
  const [first, ...rest] = words as [string, ...string[]];
  return finish(first.toLowerCase() + rest.map(capitalize).join(''), identifier);
}

/** The PascalCase candidate for a type name (rule 2), before disambiguation. */
export function toTypeName(identifier: string): string {
  const words = splitWords(identifier);
  if (words.length === 0) return '_Empty';
  return finish(words.map(capitalize).join(''), identifier);
}

/** A type name for a path of identifiers (rule 3): `["PAGEVIEWS", "ADDRESS"]` → `Pageviews_Address`. */
export function toPathTypeName(path: readonly string[]): string {
  return path.map(toTypeName).join('_');
}

// ------------------------------------------------------------ disambiguating

/**
 * A set of taken names. {@link NameScope.claim} returns the candidate, or
 * the candidate with the first free `_N` suffix (N ≥ 2).
 */
export class NameScope {
  readonly #taken = new Set<string>();
  readonly #reserved: ReadonlySet<string>;

  constructor(reserved: Iterable<string> = []) {
    this.#reserved = new Set(reserved);
  }

  /** Whether `name` is taken or reserved. */
  has(name: string): boolean {
    return this.#taken.has(name) || this.#reserved.has(name) || name.startsWith('__');
  }

  /** Takes the first free name of `candidate`, `candidate_2`, `candidate_3`, …. */
  claim(candidate: string): string {
    if (!isValidGraphQLName(candidate)) throw new Error(`Not a valid GraphQL name candidate: ${JSON.stringify(candidate)}`);
    let name = candidate;
    for (let n = 2; this.has(name); n++) name = `${candidate}_${n}`;
    this.#taken.add(name);
    return name;
  }

  /** The names taken so far, in claim order. */
  names(): string[] {
    return [...this.#taken];
  }
}

/**
 * The fixed order in which a batch of identifiers claims names (rule 4):
 * identifiers that are exactly their candidate first, then code-unit order.
 */
export function claimOrder(identifiers: Iterable<string>, convert: (identifier: string) => string): string[] {
  const unique = [...new Set(identifiers)];
  const exact = (id: string): number => (convert(id) === id ? 0 : 1);
  return unique.sort((a, b) => exact(a) - exact(b) || (a < b ? -1 : a > b ? 1 : 0));
}

/** A two-way map between the ksqlDB identifiers of one type's fields and their GraphQL names. */
export class FieldNameMap {
  readonly #toGraphQL = new Map<string, string>();
  readonly #toKsql = new Map<string, string>();

  private constructor() {}

  /**
   * Assigns camelCase names to `identifiers` (duplicates map to one name)
   * in {@link claimOrder}; `reserved` names are never handed out.
   */
  static build(identifiers: Iterable<string>, reserved: Iterable<string> = []): FieldNameMap {
    const map = new FieldNameMap();
    const scope = new NameScope(reserved);
    for (const id of claimOrder(identifiers, toFieldName)) {
      const name = scope.claim(toFieldName(id));
      map.#toGraphQL.set(id, name);
      map.#toKsql.set(name, id);
    }
    return map;
  }

  /** The GraphQL field name of a ksqlDB identifier. */
  graphqlName(identifier: string): string | undefined {
    return this.#toGraphQL.get(identifier);
  }

  /** The ksqlDB identifier of a GraphQL field name. */
  ksqlName(graphqlName: string): string | undefined {
    return this.#toKsql.get(graphqlName);
  }

  /** `[ksqlDB identifier, GraphQL name]` pairs in claim order. */
  entries(): Array<[string, string]> {
    return [...this.#toGraphQL];
  }

  get size(): number {
    return this.#toGraphQL.size;
  }
}

/** What a generated type stands for. */
export interface TypeOrigin {
  readonly kind: 'source' | 'struct' | 'mapEntry' | 'scalar' | 'other';
  /** Output or input (mutation) type. */
  readonly input: boolean;
  /** The ksqlDB source name (or the scalar's name). */
  readonly source: string;
  /**
   * Path from the source to the value: column and struct field identifiers,
   * and the markers `[]` (array item), `{key}`, `{value}` (map entry parts).
   */
  readonly path: readonly string[];
}

/**
 * The schema-wide registry of generated type names: every name is checked
 * against the reserved names and against each other, and remembered with
 * its origin for reverse lookups.
 */
export class NameRegistry {
  readonly #scope: NameScope;
  readonly #origins = new Map<string, TypeOrigin>();
  readonly #sources = new Map<string, string>();

  constructor(options: { readonly reserved?: Iterable<string> | undefined } = {}) {
    this.#scope = new NameScope(options.reserved ?? DEFAULT_RESERVED_TYPE_NAMES);
  }

  /** Whether `name` is taken or reserved. */
  has(name: string): boolean {
    return this.#scope.has(name);
  }

  /** Claims `candidate` (or its first free `_N` variant) for `origin`. */
  claim(candidate: string, origin: TypeOrigin): string {
    const name = this.#scope.claim(candidate);
    this.#origins.set(name, origin);
    return name;
  }

  /**
   * Claims the PascalCase output type names of whole sources in
   * {@link claimOrder}; call this once with all sources before anything
   * else so that source names do not depend on catalog order. Already
   * registered sources keep their names.
   */
  registerSources(sourceNames: Iterable<string>): ReadonlyMap<string, string> {
    const out = new Map<string, string>();
    for (const source of claimOrder(sourceNames, toTypeName)) {
      out.set(source, this.sourceTypeName(source));
    }
    return out;
  }

  /** The output type name of a source, claiming it if new. */
  sourceTypeName(source: string): string {
    let name = this.#sources.get(source);
    if (name === undefined) {
      name = this.claim(toTypeName(source), { kind: 'source', input: false, source, path: [] });
      this.#sources.set(source, name);
    }
    return name;
  }

  /** What a GraphQL type name stands for. */
  lookup(graphqlName: string): TypeOrigin | undefined {
    return this.#origins.get(graphqlName);
  }

  /** The ksqlDB source of a source's output type name. */
  sourceOf(graphqlName: string): string | undefined {
    const origin = this.#origins.get(graphqlName);
    return origin?.kind === 'source' && !origin.input ? origin.source : undefined;
  }

  /** Every claimed name, in claim order. */
  names(): string[] {
    return this.#scope.names();
  }
}
