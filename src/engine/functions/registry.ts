/**
 * Scalar function registry. The planner resolves a call against it (types
 * the arguments, picks the return type); operators look the same function
 * up again to evaluate it. Adding a function is one `register()` call.
 *
 * Layering: `functions -> types, shared`; imported by planner and operators.
 *
 * @module
 */
import type { SqlType, Value } from '../types/index.js';

/** ksqlDB's `FunctionCategory` names (DESCRIBE FUNCTION / SHOW FUNCTIONS). */
export type FunctionCategory =
  | 'STRING'
  | 'MATHEMATICAL'
  | 'CONDITIONAL'
  | 'DATE / TIME'
  | 'JSON'
  | 'ARRAY'
  | 'MAP'
  | 'REGULAR EXPRESSION'
  | 'URL'
  | 'CONVERSIONS'
  | 'LAMBDA'
  | 'OTHER';

export interface ResolvedSignature {
  readonly returnType: SqlType;
  /**
   * Types the arguments are coerced to before `evaluate` (implicit widening,
   * e.g. INTEGER → BIGINT); omit to pass them as they are.
   */
  readonly argTypes?: readonly SqlType[] | undefined;
}

export interface ScalarFunction {
  /** Upper-case name. */
  readonly name: string;
  readonly description: string;
  readonly category: FunctionCategory;
  /** Human-readable signatures for messages and DESCRIBE FUNCTION, e.g. `UCASE(STRING)`. */
  readonly signatures: readonly string[];
  /**
   * Picks the overload for these argument types (`null` = the NULL literal,
   * type unknown); undefined when none applies.
   */
  resolve(argTypes: readonly (SqlType | null)[]): ResolvedSignature | undefined;
  /**
   * Evaluates one call. `args` are already coerced to the resolved
   * `argTypes`. Unless `handlesNulls` is set, the registry's caller returns
   * NULL when any argument is NULL without calling this.
   */
  evaluate(args: readonly Value[], context: CallContext): Value;
  /** Set when the function itself decides what NULL arguments mean (COALESCE, IFNULL, CONCAT). */
  readonly handlesNulls?: boolean | undefined;
  /** Set for functions that take lambda arguments (TRANSFORM, FILTER, REDUCE). */
  readonly lambda?: LambdaSupport | undefined;
}

/** A lambda argument at evaluation time. */
export type LambdaValue = (...args: Value[]) => Value;

/**
 * Lambda arguments come after the plain ones (`TRANSFORM(arr, x => x + 1)`). The planner types
 * each lambda's parameters from the plain arguments, then resolves the call with the lambda
 * arguments typed as their bodies.
 */
export interface LambdaSupport {
  /** The types of lambda `index`'s parameters; undefined when no overload takes such a lambda. */
  paramTypes(plainArgTypes: readonly (SqlType | null)[], index: number, arity: number): readonly SqlType[] | undefined;
  /** Evaluates a call: plain arguments (NULLs included), then the lambdas. */
  evaluate(args: readonly Value[], lambdas: readonly LambdaValue[]): Value;
}

export interface CallContext {
  readonly argTypes: readonly (SqlType | null)[];
  readonly returnType: SqlType;
}

export class FunctionRegistry {
  readonly #functions = new Map<string, ScalarFunction>();

  register(fn: ScalarFunction): this {
    const name = fn.name.toUpperCase();
    if (this.#functions.has(name)) throw new Error(`Invariant violated: function ${name} registered twice`);
    this.#functions.set(name, fn);
    return this;
  }

  get(name: string): ScalarFunction | undefined {
    return this.#functions.get(name.toUpperCase());
  }

  has(name: string): boolean {
    return this.#functions.has(name.toUpperCase());
  }

  list(): ScalarFunction[] {
    return [...this.#functions.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }
}
