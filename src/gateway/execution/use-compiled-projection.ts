/**
 * Runs subscriptions as graphql-js does (`createSourceEventStream`, then one
 * result per source event), but maps each event through a compiled
 * projection (compile-projection.ts) when the document allows one, and
 * through graphql-js `execute` otherwise, or for an event the projection
 * hands back.
 *
 * It replaces the subscribe function, so register it before every plugin
 * that wraps the subscribe function (they then wrap this one).
 *
 * @module
 */
import {
  createSourceEventStream,
  execute,
  getOperationAST,
  GraphQLError,
  type ExecutionArgs,
  type ExecutionResult,
  type OperationDefinitionNode,
} from 'graphql';
import { isAsyncIterable, type Plugin } from 'graphql-yoga';
import { compileProjection, type Projection } from './compile-projection.js';

/** How one event's result was made. */
export type ExecutionPath = 'compiled' | 'executed';

export interface CompiledProjectionOptions {
  /**
   * Compile projections; `false` runs graphql-js `execute` for every event
   * (a baseline for measurements and tests).
   * @default true
   */
  readonly compile?: boolean | undefined;
  /** Called once per subscription event turned into a result (metrics, tests). */
  readonly onExecution?: ((path: ExecutionPath) => void) | undefined;
}

type Result = ExecutionResult;

/**
 * A source error as yoga's executor (@graphql-tools/executor) reports it:
 * a GraphQLError located at the operation, the original as its cause. The
 * gateway's clients saw that before this plugin; they still do.
 */
function sourceError(error: unknown, operation: OperationDefinitionNode | null | undefined): GraphQLError {
  const original = error instanceof Error ? error : new Error(String(error));
  return new GraphQLError(original.message, { originalError: original, ...(operation ? { nodes: [operation] } : {}) });
}

/**
 * graphql-js `mapAsyncIterator`, which graphql does not export: `map` runs
 * once per source event; `return()` goes to the source at once.
 */
function mapEvents(
  source: AsyncIterable<unknown>,
  map: (event: unknown) => Result | Promise<Result>,
  operation: OperationDefinitionNode | null | undefined,
): AsyncIterableIterator<Result> {
  const iterator = source[Symbol.asyncIterator]();
  const close = async () => {
    await iterator.return?.();
  };
  return {
    async next(): Promise<IteratorResult<Result>> {
      let step: IteratorResult<unknown>;
      try {
        step = await iterator.next();
      } catch (error) {
        throw sourceError(error, operation);
      }
      if (step.done) return { value: undefined, done: true };
      try {
        return { value: await map(step.value), done: false };
      } catch (error) {
        // As graphql-js: a failed mapping ends the source, then surfaces.
        await close().catch(() => {});
        throw error;
      }
    },
    async return(): Promise<IteratorResult<Result>> {
      await close();
      return { value: undefined, done: true };
    },
    async throw(error?: unknown): Promise<IteratorResult<Result>> {
      await close();
      throw error;
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}

/** Subscribes like graphql-js `subscribe`, with a compiled projection per event when one compiles. */
export async function subscribeCompiled(
  args: ExecutionArgs,
  { compile = true, onExecution }: CompiledProjectionOptions = {},
): Promise<AsyncIterableIterator<Result> | Result> {
  const source = await createSourceEventStream(args);
  if (!isAsyncIterable(source)) return source;
  const projection: Projection | undefined = compile
    ? compileProjection({
        schema: args.schema,
        document: args.document,
        operationName: args.operationName,
        variableValues: args.variableValues,
      })
    : undefined;
  return mapEvents(source, (event) => {
    const compiled = projection?.(event);
    if (compiled !== undefined) {
      onExecution?.('compiled');
      return compiled;
    }
    onExecution?.('executed');
    return execute({ ...args, rootValue: event });
  }, getOperationAST(args.document, args.operationName ?? undefined));
}

export function useCompiledProjection(options: CompiledProjectionOptions = {}): Plugin {
  return {
    onSubscribe({ setSubscribeFn }) {
      setSubscribeFn((args) => subscribeCompiled(args, options));
    },
  };
}
