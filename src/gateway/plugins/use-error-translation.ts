/**
 * Translates client errors into GraphQL errors (gateway/errors) in every
 * result and masks the unexpected ones (yoga's `maskedErrors`, done here).
 *
 * Yoga masks with envelop's `useMaskedErrors`, which wraps every
 * subscriber's stream in one more iterator with an `onNext` hook: with many
 * subscribers that wrapper was about a fifth of the fan-out's CPU. The
 * gateway turns yoga's masking off and masks here instead, in the one
 * stream wrapper every watching plugin shares (observed-stream.ts), in
 * execution results, context errors, and in the results yoga makes of
 * errors thrown outside execution (`onResultProcess`).
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
import { maskError, translateError } from '../errors/index.js';
import type { Logger } from '../../shared/logger.js';
import { isAbortError } from '../../shared/abort.js';
import { observe } from './observed-stream.js';

export interface ErrorTranslationOptions {
  /**
   * Replace unexpected errors by `message` (code `INTERNAL_SERVER_ERROR`)
   * and log the original at error level; `false` only translates.
   * @default false
   */
  readonly mask?: { readonly message?: string | undefined; readonly logger: Logger } | false | undefined;
}

/** Maps one error: translated, passed, or masked. */
type ErrorMapper = (error: GraphQLError) => GraphQLError;

const translateOnly: ErrorMapper = (error) => translateError(error) ?? error;

/**
 * Translates, else masks and logs. An error seen twice (in the execution
 * result, then in the processed response) is masked and logged once: a
 * translated or masked error translates to itself.
 */
function masking({ message = 'Unexpected error.', logger }: { message?: string | undefined; logger: Logger }): ErrorMapper {
  return (error) => {
    const translated = translateError(error);
    if (translated) return translated;
    const out = maskError(error, message) as GraphQLError;
    if (out !== error) logger.error(error);
    return out;
  };
}

/** `result` with its errors mapped: the same object when none changes. */
function mapErrors(result: ExecutionResult, map: ErrorMapper): ExecutionResult {
  const before = result.errors;
  if (!before?.length) return result;
  const errors = before.map((error) => map(error));
  return errors.some((out, i) => out !== before[i]) ? { ...result, errors } : result;
}

function asGraphQLError(error: unknown): GraphQLError {
  if (error instanceof GraphQLError) return error;
  const original = error instanceof Error ? error : new Error(String(error));
  return new GraphQLError(original.message, { originalError: original });
}

/**
 * Watches a subscription's result stream (an observer: observed-stream.ts):
 * each result's errors are translated, and a rejected `next()` becomes one
 * `{ errors }` result, then the stream is done. `return()` goes straight to
 * the source (never queued behind a pending `next()`).
 */
export function endStreamOnError(
  source: AsyncIterable<ExecutionResult>,
  map: ErrorMapper = translateOnly,
): AsyncIterableIterator<ExecutionResult> {
  let done = false;
  return observe(source, {
    step: (step) => {
      if (step.done) {
        done = true;
        return undefined;
      }
      if (!step.value.errors?.length) return undefined;
      const value = mapErrors(step.value, map);
      return value === step.value ? undefined : { value, done: false };
    },
    error: (error) => {
      if (done) return { value: undefined, done: true };
      done = true;
      // yoga rethrows aborts so that transports see them; keep that contract.
      if (isAbortError(error)) return undefined;
      return { value: { errors: [map(asGraphQLError(error))] }, done: false };
    },
    closing: () => {
      done = true;
    },
  });
}

export function useErrorTranslation({ mask = false }: ErrorTranslationOptions = {}): Plugin {
  const map = mask ? masking(mask) : translateOnly;
  const mapResult = ({ result, setResult }: { result: ExecutionResult; setResult: (result: ExecutionResult) => void }): void => {
    const mapped = mapErrors(result, map);
    if (mapped !== result) setResult(mapped);
  };
  return {
    onPluginInit({ registerContextErrorHandler }) {
      if (mask) registerContextErrorHandler(({ error, setError }) => setError(map(asGraphQLError(error))));
    },
    onExecute() {
      return {
        onExecuteDone(payload) {
          return handleStreamOrSingleExecutionResult(payload, mapResult);
        },
      };
    },
    onSubscribe() {
      return {
        onSubscribeResult(payload) {
          if (isAsyncIterable(payload.result)) {
            payload.setResult(endStreamOnError(payload.result, map));
            return undefined;
          }
          mapResult(payload as { result: ExecutionResult; setResult: (result: ExecutionResult) => void });
          return undefined;
        },
        // No onSubscribeError: envelop calls it only for errors of the
        // stream, which the observer above already turned into a last result
        // (aborts aside, which reach the transports as they are), and it
        // would wrap every subscriber's stream in one more iterator.
      };
    },
    // Errors thrown outside execution (a plugin, a request yoga could not
    // read) reach the response through yoga's handleError, unmasked with
    // yoga's masking off: mask them here. Streams were masked above.
    onResultProcess(payload) {
      const { result } = payload;
      if (!mask || isAsyncIterable(result)) return;
      if (Array.isArray(result)) {
        const mapped = result.map((one) => mapErrors(one, map));
        if (mapped.some((one, i) => one !== result[i])) payload.setResult(mapped);
        return;
      }
      const mapped = mapErrors(result as ExecutionResult, map);
      if (mapped !== result) payload.setResult(mapped);
    },
  };
}
