/**
 * ARRAY, MAP and JSON functions with ksqlDB's semantics: ARRAY_LENGTH,
 * ARRAY_CONTAINS, ARRAY_DISTINCT, ARRAY_JOIN, ARRAY_CONCAT, ARRAY_EXCEPT,
 * ARRAY_INTERSECT, ARRAY_UNION, ARRAY_MAX, ARRAY_MIN, ARRAY_REMOVE,
 * ARRAY_SORT, SLICE, GENERATE_SERIES, MAP_KEYS, MAP_VALUES, MAP_UNION,
 * AS_MAP, ENTRIES, EXTRACTJSONFIELD, JSON_ARRAY_LENGTH, JSON_ARRAY_CONTAINS,
 * JSON_KEYS, IS_JSON_STRING, TO_JSON_STRING.
 *
 * Generic signatures (`ARRAY<T>`) resolve by hand; element types are never
 * widened, as in ksqlDB.
 *
 * @module
 */
import type {
  Decimal} from '../types/index.js';
import {
  compareValues,
  encodeJson,
  formatJavaDouble,
  isJsonObject,
  makeStruct,
  NumberText,
  parseJsonTree,
  SqlTypes,
  stringifyJsonTree,
  typeEquals,
  valuesEqual,
  type ArrayType,
  type JsonTree,
  type MapKey,
  type MapType,
  type SqlType,
  type Value,
} from '../types/index.js';
import { B, D, define, FunctionError, I, L, S } from './define.js';
import type { FunctionCategory, ResolvedSignature, ScalarFunction } from './registry.js';
import type { FunctionRegistry } from './registry.js';

type Resolver = (argTypes: readonly (SqlType | null)[]) => ResolvedSignature | undefined;

function generic(
  name: string,
  category: FunctionCategory,
  description: string,
  signatures: readonly string[],
  resolve: Resolver,
  evaluate: ScalarFunction['evaluate'],
  handlesNulls = false,
): ScalarFunction {
  return { name, category, description, signatures, resolve, evaluate, handlesNulls };
}

const isArray = (t: SqlType | null | undefined): t is ArrayType => t?.type === 'ARRAY';
const isMap = (t: SqlType | null | undefined): t is MapType => t?.type === 'MAP';
const PRIMITIVE = new Set(['BOOLEAN', 'INTEGER', 'BIGINT', 'DOUBLE', 'DECIMAL', 'STRING', 'DATE', 'TIME', 'TIMESTAMP', 'BYTES']);

/** One ARRAY argument (or the NULL literal): `f(ARRAY<T>) → returns(T)`. */
function arrayUnary(returns: (item: SqlType) => SqlType, primitiveOnly = false): Resolver {
  return (argTypes) => {
    if (argTypes.length !== 1) return undefined;
    const a = argTypes[0] ?? null;
    if (a === null) return { returnType: returns(S) };
    if (!isArray(a)) return undefined;
    if (primitiveOnly && !PRIMITIVE.has(a.item.type)) return undefined;
    return { returnType: returns(a.item) };
  };
}

/** Two arrays of one element type: `f(ARRAY<T>, ARRAY<T>) → ARRAY<T>`. */
function arrayBinary(): Resolver {
  return (argTypes) => {
    if (argTypes.length !== 2) return undefined;
    const [a = null, b = null] = argTypes;
    if ((a !== null && !isArray(a)) || (b !== null && !isArray(b))) return undefined;
    if (a !== null && b !== null && !typeEquals(a, b)) return undefined;
    const t = a ?? b ?? SqlTypes.array(S);
    return { returnType: t };
  };
}

function distinct(items: readonly Value[]): Value[] {
  const out: Value[] = [];
  for (const v of items) if (!out.some((x) => valuesEqual(x, v))) out.push(v);
  return out;
}

const contains = (items: readonly Value[], v: Value) => items.some((x) => valuesEqual(x, v));

/** Java `toString()` of an element, as ARRAY_JOIN prints it. */
function javaString(v: Value, t: SqlType): string {
  if (v === null) return 'null';
  switch (t.type) {
    case 'DOUBLE':
      return formatJavaDouble(v as number);
    case 'BOOLEAN':
    case 'INTEGER':
    case 'BIGINT':
    case 'STRING':
      return (v as boolean | number | bigint | string).toString();
    case 'DECIMAL':
      return (v as Decimal).toString();
    default:
      throw new FunctionError(`error: hit element of type ${t.type} which is currently not supported`);
  }
}

// ------------------------------------------------------------ JSON paths

const pathCache = new Map<string, readonly string[]>();

/** ksqlDB's JsonPathTokenizer: `$.a.b`, `$['a']`, `$["a"]`, `$.a[0]`. */
function jsonPath(path: string): readonly string[] {
  let tokens = pathCache.get(path);
  if (tokens !== undefined) return tokens;
  const out: string[] = [];
  let i = 0;
  if (path[0] === '$') i = 1;
  while (i < path.length) {
    const c = path[i];
    if (c === '.') {
      let j = i + 1;
      while (j < path.length && path[j] !== '.' && path[j] !== '[') j++;
      if (j === i + 1) throw new FunctionError(`Invalid JSON path: ${path}`);
      out.push(path.slice(i + 1, j));
      i = j;
    } else if (c === '[') {
      const q = path[i + 1];
      if (q === "'" || q === '"') {
        const end = path.indexOf(q + ']', i + 2);
        if (end < 0) throw new FunctionError(`Invalid JSON path: ${path}`);
        out.push(path.slice(i + 2, end));
        i = end + 2;
      } else {
        const end = path.indexOf(']', i);
        if (end < 0) throw new FunctionError(`Invalid JSON path: ${path}`);
        out.push(path.slice(i + 1, end).trim());
        i = end + 1;
      }
    } else {
      throw new FunctionError(`Invalid JSON path: ${path}`);
    }
  }
  tokens = out;
  if (pathCache.size > 1000) pathCache.clear();
  pathCache.set(path, tokens);
  return tokens;
}

function parseJsonOrThrow(text: string): JsonTree {
  try {
    return parseJsonTree(text);
  } catch (err) {
    throw new FunctionError(`Invalid JSON format:${text}`, { cause: err });
  }
}

function tryParseJson(text: string): JsonTree | undefined {
  try {
    return parseJsonTree(text);
  } catch {
    return undefined;
  }
}

function jsonNumberMatches(node: JsonTree, v: Value, t: SqlType): boolean {
  if (typeof node !== 'number' && !(node instanceof NumberText)) return false;
  const text = typeof node === 'number' ? String(node) : node.text;
  const integral = /^-?\d+$/.test(text);
  switch (t.type) {
    case 'INTEGER':
    case 'BIGINT':
      return integral && BigInt(text) === BigInt(v as number | bigint);
    case 'DOUBLE':
      return !integral && Number(text) === (v as number);
    default:
      return false;
  }
}

export function registerCollectionFunctions(registry: FunctionRegistry): FunctionRegistry {
  registry.register(
    generic(
      'ARRAY_LENGTH',
      'ARRAY',
      'Returns the number of elements in an array, NULL for a NULL array.',
      ['ARRAY_LENGTH(ARRAY<T>)'],
      arrayUnary(() => I),
      (a) => (a[0] as readonly Value[]).length,
    ),
  );
  registry.register(
    generic(
      'ARRAY_CONTAINS',
      'ARRAY',
      'Whether the array contains the value (false for a NULL array).',
      ['ARRAY_CONTAINS(ARRAY<T>, T)'],
      (argTypes) => {
        if (argTypes.length !== 2) return undefined;
        const [a = null, v = null] = argTypes;
        if (a !== null && !isArray(a)) return undefined;
        if (a !== null && v !== null && !typeEquals(a.item, v)) return undefined;
        return { returnType: B };
      },
      (a) => {
        const arr = a[0] ?? null;
        if (arr === null) return false;
        return contains(arr as readonly Value[], a[1] ?? null);
      },
      true,
    ),
  );
  registry.register(
    generic(
      'ARRAY_DISTINCT',
      'ARRAY',
      'Returns the distinct values (NULL included) in order of first occurrence.',
      ['ARRAY_DISTINCT(ARRAY<T>)'],
      arrayUnary((t) => SqlTypes.array(t)),
      (a) => distinct(a[0] as readonly Value[]),
    ),
  );
  registry.register(
    generic(
      'ARRAY_JOIN',
      'ARRAY',
      "Joins the elements of an array of primitives into a string with a delimiter (default ',').",
      ['ARRAY_JOIN(ARRAY<T>)', 'ARRAY_JOIN(ARRAY<T>, STRING)'],
      (argTypes) => {
        if (argTypes.length !== 1 && argTypes.length !== 2) return undefined;
        const [a = null, d = null] = argTypes;
        if (a !== null && !isArray(a)) return undefined;
        if (d !== null && d.type !== 'STRING') return undefined;
        return { returnType: S };
      },
      (a, ctx) => {
        const arr = a[0] ?? null;
        if (arr === null) return null;
        const delimiter = a.length > 1 ? ((a[1] ?? '') as string) : ',';
        const item = (ctx.argTypes[0] as ArrayType | null)?.item ?? S;
        return (arr as readonly Value[]).map((v) => javaString(v, item)).join(delimiter);
      },
      true,
    ),
  );
  registry.register(
    generic(
      'ARRAY_CONCAT',
      'ARRAY',
      'Concatenates two arrays; NULL only if both are NULL.',
      ['ARRAY_CONCAT(ARRAY<T>, ARRAY<T>)'],
      arrayBinary(),
      (a) => {
        const x = (a[0] ?? null) as readonly Value[] | null;
        const y = (a[1] ?? null) as readonly Value[] | null;
        if (x === null && y === null) return null;
        return [...(x ?? []), ...(y ?? [])];
      },
      true,
    ),
  );
  registry.register(
    generic(
      'ARRAY_EXCEPT',
      'ARRAY',
      'Distinct elements of the first array not in the second.',
      ['ARRAY_EXCEPT(ARRAY<T>, ARRAY<T>)'],
      arrayBinary(),
      (a) => {
        const y = a[1] as readonly Value[];
        return distinct((a[0] as readonly Value[]).filter((v) => !contains(y, v)));
      },
    ),
  );
  registry.register(
    generic(
      'ARRAY_INTERSECT',
      'ARRAY',
      'Distinct elements present in both arrays, in the order of the first.',
      ['ARRAY_INTERSECT(ARRAY<T>, ARRAY<T>)'],
      arrayBinary(),
      (a) => {
        const y = a[1] as readonly Value[];
        return distinct((a[0] as readonly Value[]).filter((v) => contains(y, v)));
      },
    ),
  );
  registry.register(
    generic(
      'ARRAY_UNION',
      'ARRAY',
      'Distinct elements of both arrays, in order of first occurrence.',
      ['ARRAY_UNION(ARRAY<T>, ARRAY<T>)'],
      arrayBinary(),
      (a) => distinct([...(a[0] as readonly Value[]), ...(a[1] as readonly Value[])]),
    ),
  );
  const arrayExtreme = (name: string, sign: 1 | -1) =>
    generic(
      name,
      'ARRAY',
      `Returns the ${sign > 0 ? 'maximum' : 'minimum'} non-null element of an array of primitives.`,
      [`${name}(ARRAY<T>)`],
      arrayUnary((t) => t, true),
      (a) => {
        let best: Value = null;
        for (const v of a[0] as readonly Value[]) {
          if (v === null) continue;
          if (best === null || sign * compareValues(v, best) > 0) best = v;
        }
        return best;
      },
    );
  registry.register(arrayExtreme('ARRAY_MAX', 1));
  registry.register(arrayExtreme('ARRAY_MIN', -1));
  registry.register(
    generic(
      'ARRAY_REMOVE',
      'ARRAY',
      'Removes every element equal to the value (NULL removes NULLs).',
      ['ARRAY_REMOVE(ARRAY<T>, T)'],
      (argTypes) => {
        if (argTypes.length !== 2) return undefined;
        const [a = null, v = null] = argTypes;
        if (a !== null && !isArray(a)) return undefined;
        if (a !== null && v !== null && !typeEquals(a.item, v)) return undefined;
        return { returnType: a ?? SqlTypes.array(v ?? S) };
      },
      (a) => {
        const arr = a[0] ?? null;
        if (arr === null) return null;
        const v = a[1] ?? null;
        return (arr as readonly Value[]).filter((x) => !(x === v || (x !== null && v !== null && valuesEqual(x, v))));
      },
      true,
    ),
  );
  registry.register(
    generic(
      'ARRAY_SORT',
      'ARRAY',
      "Sorts an array of primitives ('ASC' by default, or 'DESC'); NULLs go last.",
      ['ARRAY_SORT(ARRAY<T>)', 'ARRAY_SORT(ARRAY<T>, STRING)'],
      (argTypes) => {
        if (argTypes.length !== 1 && argTypes.length !== 2) return undefined;
        const r = arrayUnary((t) => SqlTypes.array(t), true)([argTypes[0] ?? null]);
        const d = argTypes[1] ?? null;
        if (r === undefined || (d !== null && d.type !== 'STRING')) return undefined;
        return r;
      },
      (a) => {
        const dir = a.length > 1 ? ((a[1] as string).toUpperCase()) : 'ASC';
        if (dir !== 'ASC' && dir !== 'DESC') return null;
        const sign = dir === 'ASC' ? 1 : -1;
        return [...(a[0] as readonly Value[])].sort((x, y) =>
          x === null ? (y === null ? 0 : 1) : y === null ? -1 : sign * compareValues(x, y),
        );
      },
    ),
  );
  registry.register(
    generic(
      'SLICE',
      'ARRAY',
      'Returns the elements from index from to index to (1-based, inclusive).',
      ['SLICE(ARRAY<T>, INTEGER, INTEGER)'],
      (argTypes) => {
        if (argTypes.length !== 3) return undefined;
        const [a = null, f = null, t = null] = argTypes;
        if (a !== null && !isArray(a)) return undefined;
        if ((f !== null && f.type !== 'INTEGER') || (t !== null && t.type !== 'INTEGER')) return undefined;
        return { returnType: a ?? SqlTypes.array(S) };
      },
      (a) => {
        const arr = (a[0] ?? null) as readonly Value[] | null;
        if (arr === null) return null;
        const from = a[1] === null ? 0 : (a[1] as number) - 1;
        const to = a[2] === null ? arr.length : (a[2] as number);
        if (from < 0 || to > arr.length || from > to) return null;
        return arr.slice(from, to);
      },
      true,
    ),
  );
  registry.register(
    define(
      'GENERATE_SERIES',
      'ARRAY',
      'Returns the values from start to end inclusive, by step (default 1).',
      [
        { args: [I, I], returns: SqlTypes.array(I) },
        { args: [I, I, I], returns: SqlTypes.array(I) },
        { args: [L, L], returns: SqlTypes.array(L) },
        { args: [L, L, I], returns: SqlTypes.array(L) },
      ],
      (a) => {
        const big = typeof a[0] === 'bigint';
        const start = BigInt(a[0] as number | bigint);
        const end = BigInt(a[1] as number | bigint);
        const step = BigInt(a.length > 2 ? (a[2] as number) : end >= start ? 1 : -1);
        if (step === 0n) throw new FunctionError('GENERATE_SERIES step cannot be zero');
        if ((end - start) * step < 0n) {
          throw new FunctionError('GENERATE_SERIES step has wrong sign');
        }
        const out: Value[] = [];
        for (let v = start; step > 0n ? v <= end : v >= end; v += step) out.push(big ? v : Number(v));
        return out;
      },
    ),
  );

  registry.register(
    generic(
      'MAP_KEYS',
      'MAP',
      'Returns the keys of a map as an array.',
      ['MAP_KEYS(MAP<K, V>)'],
      (argTypes) => (argTypes.length === 1 && isMap(argTypes[0]) ? { returnType: SqlTypes.array(argTypes[0].key) } : undefined),
      (a) => [...(a[0] as ReadonlyMap<MapKey, Value>).keys()],
    ),
  );
  registry.register(
    generic(
      'MAP_VALUES',
      'MAP',
      'Returns the values of a map as an array.',
      ['MAP_VALUES(MAP<K, V>)'],
      (argTypes) => (argTypes.length === 1 && isMap(argTypes[0]) ? { returnType: SqlTypes.array(argTypes[0].value) } : undefined),
      (a) => [...(a[0] as ReadonlyMap<MapKey, Value>).values()],
    ),
  );
  registry.register(
    generic(
      'MAP_UNION',
      'MAP',
      'Union of two maps; values of the second win. NULL only if both are NULL.',
      ['MAP_UNION(MAP<K, V>, MAP<K, V>)'],
      (argTypes) => {
        if (argTypes.length !== 2) return undefined;
        const [a = null, b = null] = argTypes;
        if ((a !== null && !isMap(a)) || (b !== null && !isMap(b))) return undefined;
        if (a !== null && b !== null && !typeEquals(a, b)) return undefined;
        return { returnType: a ?? b ?? SqlTypes.map(S, S) };
      },
      (a) => {
        const x = (a[0] ?? null) as ReadonlyMap<MapKey, Value> | null;
        const y = (a[1] ?? null) as ReadonlyMap<MapKey, Value> | null;
        if (x === null && y === null) return null;
        return new Map([...(x ?? []), ...(y ?? [])]);
      },
      true,
    ),
  );
  registry.register(
    generic(
      'AS_MAP',
      'MAP',
      'Builds a map from an array of keys and an array of values.',
      ['AS_MAP(ARRAY<STRING>, ARRAY<T>)'],
      (argTypes) => {
        if (argTypes.length !== 2) return undefined;
        const [k = null, v = null] = argTypes;
        if (k !== null && !(isArray(k) && k.item.type === 'STRING')) return undefined;
        if (v !== null && !isArray(v)) return undefined;
        return { returnType: SqlTypes.map(S, v?.item ?? S) };
      },
      (a) => {
        const keys = a[0] as readonly Value[];
        const values = a[1] as readonly Value[];
        const m = new Map<MapKey, Value>();
        keys.forEach((k, i) => m.set(k as MapKey, values[i] ?? null));
        return m;
      },
    ),
  );
  registry.register(
    generic(
      'ENTRIES',
      'MAP',
      'Returns the entries of a map as an array of STRUCT<K, V>, sorted by key when sorted is true.',
      ['ENTRIES(MAP<STRING, T>, BOOLEAN)'],
      (argTypes) => {
        if (argTypes.length !== 2) return undefined;
        const [m = null, s = null] = argTypes;
        if (!isMap(m) || m.key.type !== 'STRING' || (s !== null && s.type !== 'BOOLEAN')) return undefined;
        return {
          returnType: SqlTypes.array(SqlTypes.struct([
            { name: 'K', type: S },
            { name: 'V', type: m.value },
          ])),
        };
      },
      (a) => {
        const entries = [...(a[0] as ReadonlyMap<MapKey, Value>)];
        if (a[1] === true) entries.sort(([x], [y]) => (String(x) < String(y) ? -1 : String(x) > String(y) ? 1 : 0));
        return entries.map(([k, v]) => makeStruct([['K', k], ['V', v]]));
      },
    ),
  );

  registry.register(
    define(
      'EXTRACTJSONFIELD',
      'JSON',
      'Extracts the value at a JSONPath from a JSON string, as a STRING (NULL when the path does not exist).',
      [{ args: [S, S], returns: S }],
      (a) => {
        const tokens = jsonPath(a[1] as string);
        let node: JsonTree | undefined = parseJsonOrThrow(a[0] as string);
        for (const t of tokens) {
          if (Array.isArray(node)) {
            if (!/^-?\d+$/.test(t)) return null;
            node = (node as readonly JsonTree[])[Number(t)];
          } else if (node !== null && isJsonObject(node)) {
            node = Object.prototype.hasOwnProperty.call(node, t) ? node[t] : undefined;
          } else {
            node = undefined;
          }
          if (node === undefined) return null;
        }
        if (typeof node === 'string') return node;
        return stringifyJsonTree(node);
      },
    ),
  );
  registry.register(
    define(
      'JSON_ARRAY_LENGTH',
      'JSON',
      'Returns the length of the top-level JSON array, NULL when the string is not a JSON array.',
      [{ args: [S], returns: I }],
      (a) => {
        const v = tryParseJson(a[0] as string);
        return Array.isArray(v) ? v.length : null;
      },
    ),
  );
  registry.register(
    define(
      'IS_JSON_STRING',
      'JSON',
      'Whether the string parses as a JSON value.',
      [{ args: [S], returns: B }],
      (a) => a[0] !== null && tryParseJson(a[0] as string) !== undefined,
      { handlesNulls: true },
    ),
  );
  registry.register(
    define(
      'JSON_KEYS',
      'JSON',
      'Returns the top-level keys of a JSON object, NULL when the string is not a JSON object.',
      [{ args: [S], returns: SqlTypes.array(S) }],
      (a) => {
        const v = tryParseJson(a[0] as string);
        return v !== undefined && v !== null && isJsonObject(v) ? Object.keys(v) : null;
      },
    ),
  );
  registry.register(
    define(
      'JSON_ARRAY_CONTAINS',
      'JSON',
      'Whether a JSON array string contains the value; false when the string is not a JSON array.',
      [
        { args: [S, B], returns: B },
        { args: [S, I], returns: B },
        { args: [S, L], returns: B },
        { args: [S, D], returns: B },
        { args: [S, S], returns: B },
      ],
      (a, ctx) => {
        if (a[0] === null) return false;
        const arr = tryParseJson(a[0] as string);
        if (!Array.isArray(arr)) return false;
        const v = a[1] ?? null;
        const t = ctx.argTypes[1] ?? S;
        return (arr as readonly JsonTree[]).some((n) => {
          if (v === null) return n === null;
          if (t.type === 'STRING') return n === v;
          if (t.type === 'BOOLEAN') return n === v;
          return jsonNumberMatches(n, v, t);
        });
      },
      { handlesNulls: true },
    ),
  );
  registry.register(
    generic(
      'TO_JSON_STRING',
      'JSON',
      'Returns the JSON text of any value.',
      ['TO_JSON_STRING(T)'],
      (argTypes) => (argTypes.length === 1 ? { returnType: S } : undefined),
      (a, ctx) => encodeJson(a[0] ?? null, ctx.argTypes[0] ?? S, 'rest'),
      true,
    ),
  );
  return registry;
}
