/**
 * Lambda functions: TRANSFORM, FILTER and REDUCE over arrays and maps
 * (ksqlDB's `udf/lambda/Transform`, `Filter`, `Reduce`).
 *
 * - `TRANSFORM(array, x => ...)`, `TRANSFORM(map, (k, v) => newKey, (k, v) => newValue)`;
 * - `FILTER(array, x => bool)`, `FILTER(map, (k, v) => bool)`: a NULL result drops the element;
 * - `REDUCE(array, s, (s, x) => ...)`, `REDUCE(map, s, (s, k, v) => ...)`: the body must have the
 *   initial state's type; a NULL state gives NULL, a NULL collection the initial state.
 *
 * A NULL collection gives NULL (REDUCE: the initial state). TRANSFORM of a map fails on a
 * duplicate new key (Java's `Collectors.toMap`).
 *
 * @module
 */
import { typeEquals, type MapKey, type SqlType, type Value } from '../types/index.js';
import { FunctionError } from './define.js';
import type { FunctionRegistry, LambdaSupport, ResolvedSignature, ScalarFunction } from './registry.js';

type Collection = { readonly kind: 'ARRAY'; readonly item: SqlType } | { readonly kind: 'MAP'; readonly key: SqlType; readonly value: SqlType };

function collection(t: SqlType | null | undefined): Collection | undefined {
  if (t?.type === 'ARRAY') return { kind: 'ARRAY', item: t.item };
  if (t?.type === 'MAP') return { kind: 'MAP', key: t.key, value: t.value };
  return undefined;
}

const elementTypes = (c: Collection): SqlType[] => (c.kind === 'ARRAY' ? [c.item] : [c.key, c.value]);

function lambdaFunction(
  name: string,
  description: string,
  signatures: readonly string[],
  resolve: (argTypes: readonly (SqlType | null)[]) => ResolvedSignature | undefined,
  lambda: LambdaSupport,
): ScalarFunction {
  return {
    name,
    category: 'LAMBDA',
    description,
    signatures,
    resolve,
    evaluate: () => {
      throw new Error(`Invariant violated: ${name} is evaluated with its lambdas`);
    },
    handlesNulls: true,
    lambda,
  };
}

const asMap = (v: Value) => v as ReadonlyMap<MapKey, Value>;
const asArray = (v: Value) => v as readonly Value[];

const TRANSFORM = lambdaFunction(
  'TRANSFORM',
  'Apply a function to each element in a collection. The transformed collection is returned.',
  ['TRANSFORM(ARRAY<T>, LAMBDA T => R)', 'TRANSFORM(MAP<K, V>, LAMBDA (K, V) => R, LAMBDA (K, V) => T)'],
  ([coll, ...bodies]) => {
    const c = collection(coll);
    if (c?.kind === 'ARRAY' && bodies.length === 1 && bodies[0] != null) return { returnType: { type: 'ARRAY', item: bodies[0] } };
    if (c?.kind === 'MAP' && bodies.length === 2 && bodies[0] != null && bodies[1] != null) {
      return { returnType: { type: 'MAP', key: bodies[0], value: bodies[1] } };
    }
    return undefined;
  },
  {
    paramTypes: ([coll], index, arity) => {
      const c = collection(coll);
      if (c === undefined || index > (c.kind === 'ARRAY' ? 0 : 1)) return undefined;
      const params = elementTypes(c);
      return params.length === arity ? params : undefined;
    },
    evaluate: ([coll], [f, g]) => {
      if (coll === null || coll === undefined || f === undefined) return null;
      if (Array.isArray(coll)) return asArray(coll).map((x) => f(x));
      if (g === undefined) throw new Error('Invariant violated: TRANSFORM of a map takes two lambdas');
      const out = new Map<MapKey, Value>();
      for (const [k, v] of asMap(coll)) {
        const key = f(k, v) as MapKey;
        if (out.has(key)) throw new FunctionError(`Duplicate key ${String(key)}`);
        out.set(key, g(k, v));
      }
      return out;
    },
  },
);

const FILTER = lambdaFunction(
  'FILTER',
  'Filter the input collection through a given lambda function. The filtered collection is returned.',
  ['FILTER(ARRAY<T>, LAMBDA T => BOOLEAN)', 'FILTER(MAP<K, V>, LAMBDA (K, V) => BOOLEAN)'],
  ([coll, body, ...rest]) => {
    if (collection(coll) === undefined || rest.length > 0 || (body != null && body.type !== 'BOOLEAN')) return undefined;
    return { returnType: coll as SqlType };
  },
  {
    paramTypes: ([coll], index, arity) => {
      const c = collection(coll);
      if (c === undefined || index > 0) return undefined;
      const params = elementTypes(c);
      return params.length === arity ? params : undefined;
    },
    evaluate: ([coll], [f]) => {
      if (coll === null || coll === undefined || f === undefined) return null;
      if (Array.isArray(coll)) return asArray(coll).filter((x) => f(x) === true);
      return new Map([...asMap(coll)].filter(([k, v]) => f(k, v) === true));
    },
  },
);

const REDUCE = lambdaFunction(
  'REDUCE',
  'Reduce the input collection down to a single value using an initial state and a function. ' +
    'The initial state (s) is passed into the scope of the function. Each invocation returns a new value for s, ' +
    'which the next invocation will receive. The final value for s is returned.',
  ['REDUCE(ARRAY<T>, S, LAMBDA (S, T) => S)', 'REDUCE(MAP<K, V>, S, LAMBDA (S, K, V) => S)'],
  ([coll, state, body, ...rest]) => {
    if (collection(coll) === undefined || state == null || rest.length > 0) return undefined;
    if (body != null && !typeEquals(body, state)) return undefined;
    return { returnType: state };
  },
  {
    paramTypes: ([coll, state], index, arity) => {
      const c = collection(coll);
      if (c === undefined || state == null || index > 0) return undefined;
      const params = [state, ...elementTypes(c)];
      return params.length === arity ? params : undefined;
    },
    evaluate: ([coll, initial], [f]) => {
      if (initial === null || initial === undefined || f === undefined) return null;
      if (coll === null || coll === undefined) return initial;
      let s: Value = initial;
      if (Array.isArray(coll)) for (const x of asArray(coll)) s = f(s, x);
      else for (const [k, v] of asMap(coll)) s = f(s, k, v);
      return s;
    },
  },
);

export function registerLambdaFunctions(registry: FunctionRegistry): FunctionRegistry {
  return registry.register(TRANSFORM).register(FILTER).register(REDUCE);
}

