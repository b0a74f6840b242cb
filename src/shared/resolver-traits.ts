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

// The functions are resolvers of any shape: any arguments, any result.
type AnyFunction = (...args: never[]) => unknown;

// Keyed by identity: a value that `typeof` calls a function finds its traits.
const parentOnlyFunctions = new WeakSet<object>();

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

export interface Sharing {
  readonly rule: ShareRule;
  /**
   * The stream's first event describes the stream (a push query's header):
   * a subscriber that joins later gets that event first, then the events
   * from its join on.
   * @default false
   */
  readonly replayFirst: boolean;
}

const sharing = new WeakMap<object, Sharing>();

/** Declares when the streams of the subscribe function `fn` may be shared; returns `fn`. */
export function shareableWhen<F extends AnyFunction>(fn: F, rule: ShareRule, options: { readonly replayFirst?: boolean } = {}): F {
  sharing.set(fn, { rule, replayFirst: options.replayFirst ?? false });
  return fn;
}

/** The sharing declared for `fn`, if any. */
export function sharingOf(fn: unknown): Sharing | undefined {
  return typeof fn === 'function' ? sharing.get(fn) : undefined;
}

const UPSTREAM = Symbol('upstream listener');

/**
 * A copy of `context` whose subscribe functions report the upstream stream
 * they read through {@link noteUpstream} (a shared execution learns which
 * shared push query it reads, so that subscriber metrics count its
 * subscribers, not just itself).
 */
export function listeningUpstream<C extends object>(context: C, listener: (key: string) => void): C {
  return { ...context, [UPSTREAM]: listener };
}

/** Tells the listener of `context`, if any, the key of the upstream stream a subscribe function joined. */
export function noteUpstream(context: unknown, key: string): void {
  const listener = (context as { [UPSTREAM]?: unknown } | null | undefined)?.[UPSTREAM];
  if (typeof listener === 'function') (listener as (key: string) => void)(key);
}
