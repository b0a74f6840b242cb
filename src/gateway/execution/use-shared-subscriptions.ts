/**
 * One execution per selection set: subscriptions with the same operation
 * share one event stream, one execution and one result object per event.
 *
 * - Key: the printed document (normalised: whitespace, comments and the
 *   order of nothing else), the operation name, the variables as JSON with
 *   sorted keys, a SHA-256 of the caller's `Authorization` (the credential
 *   upstream calls are made with), and the schema (a typed-schema swap
 *   starts new executions). The admin policy needs no place in the key:
 *   it refuses an operation before the subscribe function runs, so every
 *   subscriber that reaches it has the same outcome, "allowed".
 * - Only what the root field's subscribe function declares shareable
 *   (`shareableWhen` in shared/resolver-traits.ts) is shared: the same
 *   streams the push-query hub shares upstream (an unbounded `EMIT CHANGES`
 *   query; a typed field without `limit`, `fromBeginning` or `snapshot`).
 *   Everything else, LIMIT queries included, runs one execution per
 *   subscriber, as before.
 * - The first subscriber starts the execution (the subscribe function
 *   below this plugin, with a context whose `signal` belongs to the
 *   execution, so that the first subscriber leaving does not end the
 *   others); later ones attach to it and see the events from their join on,
 *   as a push query does, after the first event when the field declares
 *   `replayFirst` (a push query's header).
 * - Every subscriber gets the same frozen `ExecutionResult` object per
 *   event: encoders may cache by identity.
 * - Fan-out is a {@link FanoutLog}: bounded in bytes per execution, not
 *   per subscriber (each result is estimated once). A subscriber a whole
 *   log behind ends with `SUBSCRIBER_TOO_SLOW` while the others go on; the
 *   source is pulled only while some subscriber has room.
 * - The last subscriber leaving returns the source, which closes the
 *   upstream query.
 *
 * Per-subscriber plugins (caps, shutdown, metrics, the operation log,
 * error translation) wrap each subscriber's stream as before: register
 * this plugin before them (its subscribe function must be the inner one).
 *
 * @module
 */
import { createHash } from 'node:crypto';
import {
  getArgumentValues,
  getOperationAST,
  getVariableValues,
  Kind,
  OperationTypeNode,
  print,
  type DocumentNode,
  type ExecutionArgs,
  type ExecutionResult,
  type GraphQLSchema,
} from 'graphql';
import { isAsyncIterable, type Plugin } from 'graphql-yoga';
import { subscriberTooSlow } from '../errors/index.js';
import { FanoutLog, type LogCursor } from '../../shared/fanout-log.js';
import { stableJson } from '../../shared/json.js';
import { listeningUpstream, sharingOf, type Sharing } from '../../shared/resolver-traits.js';

export interface SharedSubscriptionsOptions {
  /**
   * Bytes of results one execution may hold for its subscribers (estimated
   * once per result) before the subscribers a whole log behind are ended.
   * @default 8388608 (bytes)
   */
  readonly maxBytes?: number | undefined;
  /** Called once per subscriber ended with `SUBSCRIBER_TOO_SLOW` (metrics). */
  readonly onSubscriberTooSlow?: (() => void) | undefined;
}

export interface SharedSubscriptions {
  readonly plugin: Plugin;
  /** Executions running now. */
  readonly executions: number;
  /** Subscribers of each execution running now. */
  subscriberCounts(): number[];
  /**
   * The push-hub subscriber counts `counts` (one per upstream query; see
   * `PushQueryHub.subscriberCounts`) with each shared execution counted as
   * its subscribers rather than as one: what subscriber metrics report.
   * `countOf` is the hub's count of the query with a key.
   */
  withSubscribers(counts: readonly number[], countOf: (key: string) => number): number[];
}

/** The default of {@link SharedSubscriptionsOptions.maxBytes}. */
export const DEFAULT_SHARED_EXECUTION_MAX_BYTES = 8 * 1024 * 1024;

type Result = ExecutionResult;
type Subscribed = AsyncIterableIterator<Result> | Result;
type SubscribeFn = (args: ExecutionArgs) => Subscribed | Promise<Subscribed>;

// ------------------------------------------------------------ keying

/** yoga caches parsed documents, so a document is printed once, not per subscriber. */
const printed = new WeakMap<DocumentNode, string>();
const schemaIds = new WeakMap<GraphQLSchema, number>();
let nextSchemaId = 1;

function printedOf(document: DocumentNode): string {
  let text = printed.get(document);
  if (text === undefined) {
    text = print(document);
    printed.set(document, text);
  }
  return text;
}

function schemaIdOf(schema: GraphQLSchema): number {
  let id = schemaIds.get(schema);
  if (id === undefined) {
    id = nextSchemaId++;
    schemaIds.set(schema, id);
  }
  return id;
}

/** The root field's declared sharing when its rule allows this operation, else undefined. */
function sharingFor(args: ExecutionArgs): Sharing | undefined {
  const operation = getOperationAST(args.document, args.operationName ?? undefined);
  if (!operation || operation.operation !== OperationTypeNode.SUBSCRIPTION) return undefined;
  // A plain root field only: fragments or directives at the root are left unshared.
  const [root, ...rest] = operation.selectionSet.selections;
  if (!root || rest.length > 0 || root.kind !== Kind.FIELD || root.directives?.length) return undefined;
  const field = args.schema.getSubscriptionType()?.getFields()[root.name.value];
  const sharing = sharingOf(field?.subscribe);
  if (!field || !sharing) return undefined;
  const variables = getVariableValues(args.schema, operation.variableDefinitions ?? [], args.variableValues ?? {}, { maxErrors: 1 });
  if (variables.errors) return undefined;
  try {
    return sharing.rule(getArgumentValues(field, root, variables.coerced)) ? sharing : undefined;
  } catch {
    return undefined; // invalid arguments: the execution reports them
  }
}

function credentialOf(context: unknown): string {
  const authorization = (context as { authorization?: unknown } | null)?.authorization;
  if (typeof authorization !== 'string' || authorization === '') return '-';
  return createHash('sha256').update(authorization).digest('base64url');
}

function keyOf(args: ExecutionArgs): string {
  return JSON.stringify([
    schemaIdOf(args.schema),
    printedOf(args.document),
    args.operationName ?? null,
    stableJson(args.variableValues ?? {}),
    credentialOf(args.contextValue),
  ]);
}

// ------------------------------------------------------------ sizes

/**
 * A rough size of a result in bytes (UTF-16 strings, 8-byte numbers, a
 * fixed cost per object and array), computed once per result. It bounds
 * memory, so it errs on the large side and never recurses without end.
 */
export function estimateBytes(value: unknown, depth = 0): number {
  switch (typeof value) {
    case 'string':
      return 16 + 2 * value.length;
    case 'number':
    case 'boolean':
    case 'bigint':
      return 8;
    case 'object': {
      if (value === null) return 8;
      if (depth > 64) return 64;
      let bytes = 32;
      if (Array.isArray(value)) {
        for (const item of value) bytes += 8 + estimateBytes(item, depth + 1);
        return bytes;
      }
      for (const key in value) bytes += 16 + 2 * key.length + estimateBytes((value as Record<string, unknown>)[key], depth + 1);
      return bytes;
    }
    default:
      return 8;
  }
}

function freeze(result: Result): Result {
  if (result.data && typeof result.data === 'object') Object.freeze(result.data);
  return Object.freeze(result);
}

// ------------------------------------------------------------ one execution

class SharedExecution {
  readonly log: FanoutLog<Result>;
  readonly #replayFirst: boolean;
  readonly #controller = new AbortController();
  readonly #onClosed: () => void;
  /** Settles with the subscribe function's outcome. */
  readonly started: Promise<Subscribed>;
  #source: AsyncIterator<Result> | undefined;
  /** The shared push query it reads (its hub key), once the subscribe function said. */
  upstream: string | undefined;
  #first: Result | undefined;
  #closed = false;

  constructor(args: ExecutionArgs, subscribe: SubscribeFn, sharing: Sharing, options: { readonly maxBytes: number; readonly onSubscriberTooSlow?: (() => void) | undefined }, onClosed: () => void) {
    this.#replayFirst = sharing.replayFirst;
    this.#onClosed = onClosed;
    this.log = new FanoutLog<Result>({
      maxBytes: options.maxBytes,
      tooSlow: () => subscriberTooSlow(options.maxBytes),
      onTooSlow: options.onSubscriberTooSlow,
      onIdle: () => this.#close(),
    });
    // The execution outlives its first subscriber: its own signal, aborted when the last leaves.
    const contextValue = listeningUpstream(
      { ...(args.contextValue as object), signal: this.#controller.signal },
      (key) => (this.upstream = key),
    );
    this.started = Promise.resolve().then(() => subscribe({ ...args, contextValue }));
    void this.started.then(
      (subscribed) => {
        if (!isAsyncIterable(subscribed)) return this.#close();
        this.#source = subscribed;
        if (this.#closed) return void this.#returnSource();
        void this.#pump(subscribed);
      },
      () => this.#close(),
    );
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** A new subscriber: its stream, or the subscribe function's non-stream result. */
  async join(): Promise<Subscribed> {
    // The cursor exists before the source runs, so that no event can pass before it.
    const cursor = this.log.cursor();
    const replay = this.#replayFirst && cursor.position > 0 ? this.#first : undefined;
    let subscribed: Subscribed;
    try {
      subscribed = await this.started;
    } catch (error) {
      await cursor.return();
      throw error;
    }
    if (!isAsyncIterable(subscribed)) {
      await cursor.return();
      return subscribed; // the same refusal or error for everyone who asked
    }
    return subscriberStream(cursor, replay);
  }

  async #pump(source: AsyncIterator<Result>): Promise<void> {
    try {
      for (;;) {
        await this.log.waitForRoom();
        if (this.#closed) return;
        const step = await source.next();
        // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- close() may run while next() is awaited; TS keeps the narrowing across await
        if (this.#closed) return;
        if (step.done) {
          this.log.end();
          break;
        }
        const result = freeze(step.value);
        if (this.#first === undefined) this.#first = result;
        this.log.append(result, estimateBytes(result));
      }
    } catch (error) {
      if (!this.#closed) this.log.fail(error);
    } finally {
      // Ended on its own (or failed): new subscribers start a new execution.
      this.#detach();
    }
  }

  #detach(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#onClosed();
  }

  /** The last subscriber left, or the subscribe function gave no stream. */
  #close(): void {
    const wasClosed = this.#closed;
    this.#detach();
    if (!wasClosed || this.#source) void this.#returnSource();
  }

  async #returnSource(): Promise<void> {
    const source = this.#source;
    this.#source = undefined;
    try {
      await source?.return?.();
    } catch {
      // The source's own cleanup failed after everyone left: nobody to tell.
    } finally {
      this.#controller.abort();
    }
  }
}

/** One subscriber's stream: the replayed first result, if any, then its cursor. */
function subscriberStream(cursor: LogCursor<Result>, replay: Result | undefined): AsyncIterableIterator<Result> {
  let pending = replay;
  return {
    next(): Promise<IteratorResult<Result>> {
      if (pending !== undefined) {
        const value = pending;
        pending = undefined;
        return Promise.resolve({ value, done: false });
      }
      return cursor.next();
    },
    return(): Promise<IteratorResult<Result>> {
      pending = undefined;
      return cursor.return();
    },
    async throw(error?: unknown): Promise<IteratorResult<Result>> {
      pending = undefined;
      await cursor.return();
      throw error;
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}

// ------------------------------------------------------------ the plugin

export function createSharedSubscriptions(options: SharedSubscriptionsOptions = {}): SharedSubscriptions {
  const { maxBytes = DEFAULT_SHARED_EXECUTION_MAX_BYTES } = options;
  if (!(Number.isInteger(maxBytes) && maxBytes >= 1)) throw new RangeError(`maxBytes must be an integer >= 1, got ${maxBytes}`);
  const executions = new Map<string, SharedExecution>();

  const subscribeShared = (args: ExecutionArgs, subscribe: SubscribeFn): Promise<Subscribed> | Subscribed => {
    const sharing = sharingFor(args);
    if (!sharing) return subscribe(args);
    const key = keyOf(args);
    let execution = executions.get(key);
    if (execution === undefined || execution.closed) {
      const created: SharedExecution = new SharedExecution(args, subscribe, sharing, { maxBytes, onSubscriberTooSlow: options.onSubscriberTooSlow }, () => {
        if (executions.get(key) === created) executions.delete(key);
      });
      execution = created;
      executions.set(key, created);
    }
    return execution.join();
  };

  return {
    get executions() {
      return executions.size;
    },
    subscriberCounts: () => Array.from(executions.values(), (e) => e.log.size),
    withSubscribers(counts, countOf) {
      // Hub key → subscribers beyond the one the hub counts per execution.
      const extra = new Map<string, number>();
      for (const execution of executions.values()) {
        if (execution.upstream === undefined || execution.log.size <= 1) continue;
        extra.set(execution.upstream, (extra.get(execution.upstream) ?? 0) + execution.log.size - 1);
      }
      const adjusted = [...counts];
      const done = new Set<number>();
      for (const [key, more] of extra) {
        // Entries are not keyed, but equal counts are interchangeable for the
        // metrics (count, sum, max): adjust an entry equal to this query's.
        const count = countOf(key);
        const index = counts.findIndex((c, i) => c === count && !done.has(i));
        if (index === -1) continue;
        done.add(index);
        adjusted[index] = count + more;
      }
      return adjusted;
    },
    plugin: {
      onSubscribe({ subscribeFn, setSubscribeFn }) {
        setSubscribeFn((args) => subscribeShared(args, subscribeFn as SubscribeFn));
      },
    },
  };
}
