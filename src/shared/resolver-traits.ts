/**
 * Traits a function's author declares next to it, read by code that would
 * otherwise have to treat the function as a black box. Kept by function
 * identity (a WeakSet / WeakMap), so they survive being copied between
 * resolver maps and schemas, which keep the function object itself.
 *
 * - {@link parentOnly}: the result depends on the first argument alone and is
 *   returned synchronously (no arguments, context or `info` read, no promise).
 *   The gateway's compiled projection (gateway/execution) calls such a
 *   function with its first argument only, without building the rest.
 * - {@link shareableWhen}: a subscribe function whose event stream is the same
 *   for every caller passing the returned predicate (same arguments, same
 *   credential): the gateway may run one execution for all of them
 *   (gateway/execution/use-shared-subscriptions.ts). Functions without a
 *   rule are never shared.
 *
 * @module
 */

// The functions are resolvers of any shape: `Function` is the honest type.
type AnyFunction = Function;

const parentOnlyFunctions = new WeakSet<AnyFunction>();

/** Declares `fn` a synchronous function of its first argument only; returns `fn`. */
export function parentOnly<F extends AnyFunction>(fn: F): F {
  parentOnlyFunctions.add(fn);
  return fn;
}

/** True when `fn` was declared with {@link parentOnly}. */
export function isParentOnly(fn: unknown): boolean {
  return typeof fn === 'function' && parentOnlyFunctions.has(fn);
}

/**
 * Decides whether a subscription may share its stream with others of the
 * same operation, variables and credential: `args` are the root field's
 * coerced arguments.
 */
export type ShareRule = (args: Readonly<Record<string, unknown>>) => boolean;

const shareRules = new WeakMap<AnyFunction, ShareRule>();

/** Declares when the streams of the subscribe function `fn` may be shared; returns `fn`. */
export function shareableWhen<F extends AnyFunction>(fn: F, rule: ShareRule): F {
  shareRules.set(fn, rule);
  return fn;
}

/** The rule declared for `fn`, if any. */
export function shareRuleOf(fn: unknown): ShareRule | undefined {
  return typeof fn === 'function' ? shareRules.get(fn) : undefined;
}
