/**
 * One log line per GraphQL operation, at info: its name and type, how long it
 * took, how many calls to ksqlDB it made, and its result (`ok`, or the
 * codes of its errors as clients see them). A subscription is logged when it
 * ends: how long it ran, how many events it delivered and why it ended
 * (`complete`, `client` when the client went away or unsubscribed, or its
 * error codes, e.g. `SHUTTING_DOWN`, `SUBSCRIBER_TOO_SLOW`). Operations
 * refused while validating are logged with their codes too.
 *
 * Never logged: the document, variables, headers or any value.
 *
 * Register it before the plugins that may refuse an operation: envelop calls
 * the after-hooks of the plugins that ran before the one that stopped.
 *
 * @module
 */
import { getOperationAST, type DocumentNode, type ExecutionArgs, type ExecutionResult, type GraphQLError } from 'graphql';
import { isAsyncIterable, type Plugin } from 'graphql-yoga';
import { maskError } from '../errors/index.js';
import type { Logger } from '../../shared/logger.js';
import { observe } from './observed-stream.js';

export interface OperationLogOptions {
  readonly logger: Logger;
}

interface Described {
  readonly operationName: string | null;
  readonly operationType: string;
}

function describe(document: DocumentNode, operationName: string | null | undefined): Described {
  const operation = getOperationAST(document, operationName ?? undefined);
  return { operationName: operation?.name?.value ?? operationName ?? null, operationType: operation?.operation ?? 'unknown' };
}

/**
 * The codes clients see for these errors (after translation and masking);
 * deliberate errors without a code get `fallback` (yoga adds it later).
 */
export function codesOf(errors: readonly Error[] | undefined, fallback = 'INTERNAL_SERVER_ERROR'): string[] {
  return [...new Set((errors ?? []).map((e) => codeOf(e, fallback)))];
}

/** maskError makes a GraphQLError; its `code` extension, or `fallback`. */
function codeOf(error: Error, fallback: string): string {
  const code: unknown = (maskError(error) as GraphQLError).extensions['code'];
  // eslint-disable-next-line @typescript-eslint/no-base-to-string -- an extension is any value (codes are strings); TS narrowed unknown to {}
  return code === undefined || code === null ? fallback : String(code);
}

function callsOf(context: unknown): number | undefined {
  const calls = (context as { ksqlCalls?: unknown } | undefined)?.ksqlCalls;
  return typeof calls === 'function' ? (calls as () => number)() : undefined;
}

function elapsed(start: bigint): number {
  return Math.round(Number(process.hrtime.bigint() - start) / 1e4) / 100;
}

/** Counts events and learns how a subscription's stream ended (an observer of the stream: observed-stream.ts). */
function watched(
  source: AsyncIterable<ExecutionResult>,
  onEnd: (events: number, ended: string[]) => void,
): AsyncIterableIterator<ExecutionResult> {
  let events = 0;
  let codes: string[] = [];
  let logged = false;
  let closing = false;
  const end = (how: string[]) => {
    if (logged) return;
    logged = true;
    onEnd(events, how);
  };
  return observe(source, {
    step: (step) => {
      // A pending step that return() ended is the client's doing, not the stream's.
      if (step.done) end(codes.length > 0 ? codes : [closing ? 'client' : 'complete']);
      else {
        events++;
        if (step.value.errors?.length) codes = codesOf(step.value.errors);
      }
      return undefined;
    },
    error: (error) => {
      end(codesOf([error as GraphQLError]));
      return undefined;
    },
    closing: () => {
      closing = true;
    },
    closed: () => end(codes.length > 0 ? codes : ['client']),
  });
}

export function useOperationLog({ logger }: OperationLogOptions): Plugin {
  return {
    onValidate({ params }) {
      const start = process.hrtime.bigint();
      return ({ result }) => {
        if (result.length === 0) return;
        logger.info('operation refused', {
          ...describe(params.documentAST as DocumentNode, undefined), // envelop types it any
          durationMs: elapsed(start),
          ksqlCalls: 0,
          result: codesOf(result, 'GRAPHQL_VALIDATION_FAILED'),
        });
      };
    },
    onExecute({ args }) {
      const start = process.hrtime.bigint();
      const { document, operationName } = args as ExecutionArgs; // envelop types them any
      const described = describe(document, operationName);
      return {
        onExecuteDone({ result }) {
          const errors = isAsyncIterable(result) ? undefined : (result as ExecutionResult).errors;
          logger.info('operation', {
            ...described,
            durationMs: elapsed(start),
            ksqlCalls: callsOf(args.contextValue),
            result: errors?.length ? codesOf(errors) : ['ok'],
          });
        },
      };
    },
    onSubscribe({ args }) {
      const start = process.hrtime.bigint();
      const { document, operationName } = args as ExecutionArgs; // envelop types them any
      const described = describe(document, operationName);
      const done = (events: number, ended: string[]) =>
        logger.info('subscription ended', {
          ...described,
          durationMs: elapsed(start),
          ksqlCalls: callsOf(args.contextValue),
          events,
          ended,
        });
      return {
        onSubscribeResult({ result, setResult }) {
          if (isAsyncIterable(result)) {
            setResult(watched(result as AsyncIterable<ExecutionResult>, done));
            return;
          }
          const errors = (result as ExecutionResult).errors;
          done(0, errors?.length ? codesOf(errors) : ['complete']);
        },
      };
    },
  };
}
