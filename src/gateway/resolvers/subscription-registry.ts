/**
 * Every running push-query subscription of one gateway, so that closing the
 * gateway ends them all (closing their upstream queries), plus the
 * best-effort background calls (`/close-query`) still in flight.
 *
 * @module
 */

export interface Closable {
  return(): Promise<unknown>;
}

export class SubscriptionRegistry {
  readonly #active = new Set<Closable>();
  readonly #tasks = new Set<Promise<unknown>>();
  #closing = false;

  /** True once {@link closeAll} has been called: no new subscriptions. */
  get closing(): boolean {
    return this.#closing;
  }

  /** Running subscriptions. */
  get size(): number {
    return this.#active.size;
  }

  add(subscription: Closable): void {
    this.#active.add(subscription);
  }

  delete(subscription: Closable): void {
    this.#active.delete(subscription);
  }

  /** Keeps a background promise until it settles; it must not reject. */
  track(task: Promise<unknown>): void {
    this.#tasks.add(task);
    void task.finally(() => this.#tasks.delete(task));
  }

  /**
   * Ends every subscription (each `return()` aborts its upstream request),
   * then waits for background calls, at most `timeoutMs` in all.
   */
  async closeAll(timeoutMs = 5_000): Promise<void> {
    this.#closing = true;
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, timeoutMs);
      timer.unref();
    });
    try {
      await Promise.race([
        (async () => {
          await Promise.allSettled([...this.#active].map((s) => s.return()));
          await Promise.allSettled([...this.#tasks]);
        })(),
        deadline,
      ]);
    } finally {
      clearTimeout(timer);
    }
  }
}
