/**
 * Domain-free error base: every error the project throws on purpose carries a
 * stable string `code` (match on it, not on the class) and keeps its `cause`.
 *
 * @module
 */
export interface BaseErrorOptions {
  readonly cause?: unknown;
}

export class BaseError extends Error {
  /** Stable, documented identifier. Never reworded once published. */
  readonly code: string;

  constructor(code: string, message: string, options: BaseErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.name = new.target.name;
  }
}

/** Exhaustiveness guard for discriminated unions. */
export function assertNever(value: never, what = 'value'): never {
  throw new Error(`Unexpected ${what}: ${JSON.stringify(value)}`);
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
