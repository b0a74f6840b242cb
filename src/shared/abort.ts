/**
 * AbortSignal helpers. Node 20 has AbortSignal.any and AbortSignal.timeout,
 * but `any` keeps a strong reference to every input until all are GC'd, so
 * long-lived subscriptions link signals by hand and unlink in `finally`.
 *
 * @module
 */

export function isAbortError(err: unknown): boolean {
  return (
    typeof err === 'object' &&
    err !== null &&
    ((err as { name?: unknown }).name === 'AbortError' ||
      (err as { code?: unknown }).code === 'ABORT_ERR' ||
      (err as { name?: unknown }).name === 'TimeoutError')
  );
}

export interface LinkedAbort {
  readonly signal: AbortSignal;
  abort(reason?: unknown): void;
  /** Detach from the parent signals; call in `finally`. */
  dispose(): void;
}

/**
 * A controller that aborts when any parent aborts (or after `timeoutMs`, if
 * given and > 0). `dispose()` removes every listener and timer it added.
 */
export function linkSignals(
  parents: ReadonlyArray<AbortSignal | undefined>,
  timeoutMs?: number,
): LinkedAbort {
  const controller = new AbortController();
  const cleanups: Array<() => void> = [];
  const abort = (reason?: unknown) => {
    if (!controller.signal.aborted) controller.abort(reason);
  };
  for (const parent of parents) {
    if (!parent) continue;
    if (parent.aborted) {
      abort(parent.reason);
      break;
    }
    const onAbort = () => abort(parent.reason);
    parent.addEventListener('abort', onAbort, { once: true });
    cleanups.push(() => parent.removeEventListener('abort', onAbort));
  }
  if (timeoutMs !== undefined && timeoutMs > 0 && !controller.signal.aborted) {
    const timer = setTimeout(
      () => abort(new DOMException(`Timed out after ${timeoutMs} ms`, 'TimeoutError')),
      timeoutMs,
    );
    timer.unref();
    cleanups.push(() => clearTimeout(timer));
  }
  return {
    signal: controller.signal,
    abort,
    dispose() {
      for (const c of cleanups.splice(0)) c();
    },
  };
}
