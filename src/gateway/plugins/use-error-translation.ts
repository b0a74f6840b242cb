/**
 * Translates client errors into GraphQL errors (gateway/errors) in every
 * result, before yoga's masking runs (user plugins run before it), so that
 * only unexpected errors are masked and logged.
 *
 * For subscriptions it also turns an error thrown by the event stream
 * mid-way (an upstream `errorMessage`, a broken connection) into a final
 * `{ errors }` result followed by completion. Without this, SSE would just
 * cut the response and graphql-ws would send the raw, unmasked message.
 *
 * @module
 */
import { GraphQLError, type ExecutionResult } from 'graphql';
import { handleStreamOrSingleExecutionResult, isAsyncIterable, type Plugin } from 'graphql-yoga';
import { translateError } from '../errors/index.js';
import { isAbortError } from '../../shared/abort.js';
import { observe } from './observed-stream.js';

interface ResultPayload {
  readonly result: ExecutionResult;
  setResult(result: ExecutionResult): void;
}

function translateResult({ result, setResult }: ResultPayload): void {
  if (!result.errors?.length) return;
  let changed = false;
  const errors = result.errors.map((error) => {
    const translated = translateError(error);
    if (translated && translated !== error) changed = true;
    return translated ?? error;
  });
  if (changed) setResult({ ...result, errors });
}

/** `result` with its errors translated: the same object when none changes. */
function translated(result: ExecutionResult): ExecutionResult {
  let out = result;
  translateResult({ result, setResult: (changed) => (out = changed) });
  return out;
}

function asGraphQLError(error: unknown): GraphQLError {
  if (error instanceof GraphQLError) return translateError(error) ?? error;
  const original = error instanceof Error ? error : new Error(String(error));
  return translateError(original) ?? new GraphQLError(original.message, { originalError: original });
}

/**
 * Watches a subscription's result stream (an observer: observed-stream.ts):
 * each result's errors are translated, and a rejected `next()` becomes one
 * `{ errors }` result, then the stream is done. `return()` goes straight to
 * the source (never queued behind a pending `next()`).
 */
export function endStreamOnError(source: AsyncIterable<ExecutionResult>): AsyncIterableIterator<ExecutionResult> {
  let done = false;
  return observe(source, {
    step: (step) => {
      if (step.done) {
        done = true;
        return undefined;
      }
      return step.value.errors?.length ? { value: translated(step.value), done: false } : undefined;
    },
    error: (error) => {
      if (done) return { value: undefined, done: true };
      done = true;
      // yoga rethrows aborts so that transports see them; keep that contract.
      if (isAbortError(error)) return undefined;
      return { value: { errors: [asGraphQLError(error)] }, done: false };
    },
    closing: () => {
      done = true;
    },
  });
}

export function useErrorTranslation(): Plugin {
  return {
    onExecute() {
      return {
        onExecuteDone(payload) {
          return handleStreamOrSingleExecutionResult(payload, translateResult);
        },
      };
    },
    onSubscribe() {
      return {
        onSubscribeResult(payload) {
          if (isAsyncIterable(payload.result)) {
            payload.setResult(endStreamOnError(payload.result));
            return undefined;
          }
          translateResult(payload as ResultPayload);
          return undefined;
        },
        onSubscribeError({ error, setError }) {
          const translated = translateError(error);
          if (translated) setError(translated);
        },
      };
    },
  };
}
