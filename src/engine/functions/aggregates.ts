/**
 * Aggregate functions (UDAFs): COUNT, SUM, AVG, MIN, MAX, LATEST_BY_OFFSET,
 * EARLIEST_BY_OFFSET, COLLECT_LIST, COLLECT_SET, COUNT_DISTINCT.
 *
 * An aggregate is resolved against its argument types (like a scalar
 * function) into an {@link Aggregator}: a pure state machine over plain
 * values (`init`, `add`, optional `undo` for table aggregations, `result`),
 * so state stores can hold and persist the state as data.
 *
 * Layering: `functions -> types, shared`; imported by planner and operators.
 *
 * @module
 */
import { compareValues, Decimal, SqlTypes, valuesEqual, type SqlType, type Value } from '../types/index.js';

/** Opaque per-group state; plain data. */
export type AggregateState = Value | { readonly [k: string]: unknown } | readonly unknown[];

export interface Aggregator {
  readonly returnType: SqlType;
  init(): AggregateState;
  /** Folds one row's argument values in. */
  add(state: AggregateState, args: readonly Value[]): AggregateState;
  /** Removes a row's contribution (table aggregations); absent when the function cannot undo. */
  readonly undo?: ((state: AggregateState, args: readonly Value[]) => AggregateState) | undefined;
  result(state: AggregateState): Value;
}

export interface AggregateFunction {
  readonly name: string;
  readonly description: string;
  /** Undefined when no overload accepts these types (`null` = the NULL literal). */
  resolve(argTypes: readonly (SqlType | null)[]): Aggregator | undefined;
}

const isNum = (t: SqlType | null): t is SqlType =>
  t !== null && (t.type === 'INTEGER' || t.type === 'BIGINT' || t.type === 'DOUBLE' || t.type === 'DECIMAL');

function zero(t: SqlType): Value {
  switch (t.type) {
    case 'INTEGER':
    case 'DOUBLE':
      return 0;
    case 'BIGINT':
      return 0n;
    default:
      return new Decimal(0n, t.type === 'DECIMAL' ? t.scale : 0);
  }
}

function plus(t: SqlType, a: Value, b: Value, sign = 1): Value {
  switch (t.type) {
    case 'INTEGER':
      return ((a as number) + sign * (b as number)) | 0;
    case 'BIGINT':
      return BigInt.asIntN(64, (a as bigint) + BigInt(sign) * (b as bigint));
    case 'DOUBLE':
      return (a as number) + sign * (b as number);
    default:
      return sign > 0 ? (a as Decimal).add(b as Decimal) : (a as Decimal).subtract(b as Decimal);
  }
}

function toDouble(v: Value): number {
  if (typeof v === 'bigint') return Number(v);
  if (v instanceof Decimal) return Number(v.toString());
  return v as number;
}

const count: AggregateFunction = {
  name: 'COUNT',
  description: 'Counts records (COUNT(*)) or non-null values.',
  resolve: (argTypes) => {
    const star = argTypes.length === 0;
    return {
      returnType: SqlTypes.BIGINT,
      init: () => 0n,
      add: (s, args) => (star || args[0] !== null ? (s as bigint) + 1n : s),
      undo: (s, args) => (star || args[0] !== null ? (s as bigint) - 1n : s),
      result: (s) => s as Value,
    };
  },
};

const sum: AggregateFunction = {
  name: 'SUM',
  description: 'Sums the values of a column.',
  resolve: ([t]) => {
    if (!isNum(t ?? null)) return undefined;
    const type = t as SqlType;
    return {
      returnType: type,
      init: () => zero(type),
      add: (s, [v]) => (v === null || v === undefined ? s : plus(type, s as Value, v)),
      undo: (s, [v]) => (v === null || v === undefined ? s : plus(type, s as Value, v, -1)),
      result: (s) => s as Value,
    };
  },
};

const avg: AggregateFunction = {
  name: 'AVG',
  description: 'Averages the values of a column.',
  resolve: ([t]) => {
    if (!isNum(t ?? null)) return undefined;
    return {
      returnType: SqlTypes.DOUBLE,
      init: () => ({ sum: 0, count: 0 }),
      add: (s, [v]) => {
        const x = s as { sum: number; count: number };
        return v === null || v === undefined ? x : { sum: x.sum + toDouble(v), count: x.count + 1 };
      },
      undo: (s, [v]) => {
        const x = s as { sum: number; count: number };
        return v === null || v === undefined ? x : { sum: x.sum - toDouble(v), count: x.count - 1 };
      },
      result: (s) => {
        const x = s as { sum: number; count: number };
        return x.count === 0 ? null : x.sum / x.count;
      },
    };
  },
};

function extreme(name: 'MIN' | 'MAX'): AggregateFunction {
  const better = name === 'MIN' ? (c: number) => c < 0 : (c: number) => c > 0;
  return {
    name,
    description: `The ${name === 'MIN' ? 'minimum' : 'maximum'} value of a column.`,
    resolve: ([t]) => {
      if (t === null || t === undefined) return undefined;
      const ok = ['INTEGER', 'BIGINT', 'DOUBLE', 'DECIMAL', 'STRING', 'DATE', 'TIME', 'TIMESTAMP', 'BYTES', 'BOOLEAN'].includes(t.type);
      if (!ok) return undefined;
      return {
        returnType: t,
        init: () => null,
        add: (s, [v]) => {
          if (v === null || v === undefined) return s;
          if (s === null || better(compareValues(v, s as Value))) return v;
          return s;
        },
        result: (s) => s as Value,
      };
    },
  };
}

function byOffset(name: 'LATEST_BY_OFFSET' | 'EARLIEST_BY_OFFSET'): AggregateFunction {
  const latest = name === 'LATEST_BY_OFFSET';
  return {
    name,
    description: `The ${latest ? 'latest' : 'earliest'} value of a column, by offset.`,
    resolve: (argTypes) => {
      const t = argTypes[0];
      if (t === null || t === undefined) return undefined;
      return {
        returnType: t,
        init: () => ({ set: false, value: null }),
        add: (s, args) => {
          const v = args[0] ?? null;
          const ignoreNulls = args.length < 2 || args[1] !== false;
          const x = s as { set: boolean; value: Value };
          if (v === null && ignoreNulls) return x;
          if (!latest && x.set) return x;
          return { set: true, value: v };
        },
        result: (s) => (s as { value: Value }).value,
      };
    },
  };
}

const collectList: AggregateFunction = {
  name: 'COLLECT_LIST',
  description: 'Collects the values of a column into an array.',
  resolve: ([t]) => {
    if (t === null || t === undefined) return undefined;
    return {
      returnType: SqlTypes.array(t),
      init: () => [],
      add: (s, [v]) => [...(s as Value[]), v ?? null],
      undo: (s, [v]) => {
        const arr = [...(s as Value[])];
        const i = arr.findIndex((x) => (x === null ? v === null : v !== null && v !== undefined && valuesEqual(x, v)));
        if (i >= 0) arr.splice(i, 1);
        return arr;
      },
      result: (s) => s as Value[],
    };
  },
};

const collectSet: AggregateFunction = {
  name: 'COLLECT_SET',
  description: 'Collects the distinct values of a column into an array.',
  resolve: ([t]) => {
    if (t === null || t === undefined) return undefined;
    return {
      returnType: SqlTypes.array(t),
      init: () => [],
      add: (s, [v]) => {
        const arr = s as Value[];
        const x = v ?? null;
        if (arr.some((y) => (y === null ? x === null : x !== null && valuesEqual(x, y)))) return arr;
        return [...arr, x];
      },
      result: (s) => s as Value[],
    };
  },
};

const countDistinct: AggregateFunction = {
  name: 'COUNT_DISTINCT',
  description: 'Counts the distinct non-null values of a column.',
  resolve: ([t]) => {
    if (t === null || t === undefined) return undefined;
    return {
      returnType: SqlTypes.BIGINT,
      init: () => [],
      add: (s, [v]) => {
        const arr = s as Value[];
        if (v === null || v === undefined || arr.some((y) => valuesEqual(v, y))) return arr;
        return [...arr, v];
      },
      result: (s) => BigInt((s as Value[]).length),
    };
  },
};

export class AggregateRegistry {
  readonly #functions = new Map<string, AggregateFunction>();

  register(fn: AggregateFunction): this {
    this.#functions.set(fn.name.toUpperCase(), fn);
    return this;
  }

  get(name: string): AggregateFunction | undefined {
    return this.#functions.get(name.toUpperCase());
  }

  has(name: string): boolean {
    return this.#functions.has(name.toUpperCase());
  }

  list(): AggregateFunction[] {
    return [...this.#functions.values()].sort((a, b) => (a.name < b.name ? -1 : 1));
  }
}

export function createDefaultAggregateRegistry(): AggregateRegistry {
  return new AggregateRegistry()
    .register(count)
    .register(sum)
    .register(avg)
    .register(extreme('MIN'))
    .register(extreme('MAX'))
    .register(byOffset('LATEST_BY_OFFSET'))
    .register(byOffset('EARLIEST_BY_OFFSET'))
    .register(collectList)
    .register(collectSet)
    .register(countDistinct);
}

/** The built-in aggregates (one shared, immutable-in-practice registry). */
export const defaultAggregates: AggregateRegistry = createDefaultAggregateRegistry();
