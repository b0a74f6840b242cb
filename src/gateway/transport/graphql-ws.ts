/**
 * The graphql-ws (`graphql-transport-ws` protocol) binding: a ws
 * `WebSocketServer` on the same HTTP server and path as yoga, executing every
 * operation through `yoga.getEnveloped` so that the same plugins (context,
 * error translation, masking, schema swaps) apply as over HTTP and SSE.
 *
 * The initial context of each operation carries `req` (the upgrade request),
 * `socket`, `params`, `connectionParams` and `signal`, which aborts when the
 * socket closes.
 *
 * @see https://the-guild.dev/graphql/yoga-server/docs/features/subscriptions (graphql-ws recipe)
 * @module
 */
import type { Server as HttpServer } from 'node:http';
import { GraphQLError, type ExecutionArgs, type GraphQLFormattedError } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer, type WebSocket } from 'ws';

/** What the binding needs from a yoga instance. */
export interface EnvelopedServer {
  readonly graphqlEndpoint: string;
  getEnveloped(initialContext: Record<string, unknown>): Envelope;
}

/** The functions `getEnveloped` returns (typed loosely: they are yoga's). */
export interface Envelope {
  readonly schema: ExecutionArgs['schema'];
  parse(source: string): ExecutionArgs['document'];
  validate(schema: ExecutionArgs['schema'], document: ExecutionArgs['document']): readonly GraphQLError[];
  contextFactory(): unknown;
  execute(args: ExecutionArgs): unknown;
  subscribe(args: ExecutionArgs): unknown;
}

export interface GraphQLWsOptions {
  /** The HTTP server yoga is served on; upgrades to {@link path} are taken. */
  readonly server: HttpServer;
  readonly yoga: EnvelopedServer;
  /**
   * The WebSocket path.
   * @default yoga.graphqlEndpoint
   */
  readonly path?: string | undefined;
  /**
   * Interval of WebSocket pings; a peer that does not pong within the same
   * time is dropped. 0 disables.
   * @default 12000 (ms)
   */
  readonly keepAliveMs?: number | undefined;
  /**
   * How long a client may take to send `connection_init`.
   * @default 3000 (ms)
   */
  readonly connectionInitWaitTimeoutMs?: number | undefined;
  /**
   * Formats errors graphql-ws sends in `error` messages (validation errors,
   * or a stream that throws). Should apply the same masking as yoga.
   * @default error.toJSON()
   */
  readonly formatError?: ((error: GraphQLError) => GraphQLFormattedError) | undefined;
}

export interface GraphQLWsTransport {
  readonly wss: WebSocketServer;
  /** Operations running now (subscriptions, and queries in flight). */
  readonly activeOperations: number;
  /**
   * Waits up to `drainMs` for running operations to send their `complete`
   * (end them first, e.g. with their iterators' `return()`), then closes
   * every socket with 1001 "Going away" and the ws server.
   */
  dispose(drainMs?: number): Promise<void>;
}

function socketSignal(signals: WeakMap<WebSocket, AbortController>, socket: WebSocket): AbortSignal {
  let controller = signals.get(socket);
  if (!controller) {
    const created = new AbortController();
    controller = created;
    signals.set(socket, created);
    if (socket.readyState === socket.CLOSING || socket.readyState === socket.CLOSED) created.abort();
    else socket.once('close', () => created.abort());
  }
  return controller.signal;
}

export function useGraphQLWs(options: GraphQLWsOptions): GraphQLWsTransport {
  const {
    server,
    yoga,
    path = yoga.graphqlEndpoint,
    keepAliveMs = 12_000,
    connectionInitWaitTimeoutMs = 3_000,
    formatError = (error: GraphQLError) => error.toJSON(),
  } = options;

  const wss = new WebSocketServer({ server, path });
  const envelopes = new WeakMap<object, Envelope>();
  const signals = new WeakMap<WebSocket, AbortController>();
  // Operations that got execution args and have not completed yet, per socket.
  const running = new Map<object, Set<string>>();
  let runningCount = 0;
  let drained: (() => void) | undefined;
  const settle = () => {
    if (runningCount === 0 && drained) {
      drained();
      drained = undefined;
    }
  };
  const started = (ctx: object, id: string) => {
    let ids = running.get(ctx);
    if (!ids) running.set(ctx, (ids = new Set()));
    if (!ids.has(id)) runningCount++;
    ids.add(id);
  };
  const finished = (ctx: object, id?: string) => {
    const ids = running.get(ctx);
    if (!ids) return;
    for (const done of id === undefined ? [...ids] : ids.has(id) ? [id] : []) {
      ids.delete(done);
      runningCount--;
    }
    if (ids.size === 0) running.delete(ctx);
    settle();
  };

  const envelopeOf = (args: ExecutionArgs): Envelope => {
    const envelope = envelopes.get(args);
    if (!envelope) throw new Error('Invariant violated: operation without an envelope');
    return envelope;
  };

  const disposable = useServer(
    {
      connectionInitWaitTimeout: connectionInitWaitTimeoutMs,
      isProd: true,
      execute: (args) => envelopeOf(args).execute(args) as never,
      subscribe: (args) => envelopeOf(args).subscribe(args) as never,
      async onSubscribe(ctx, id, payload) {
        const envelope = yoga.getEnveloped({
          req: ctx.extra.request,
          socket: ctx.extra.socket,
          params: payload,
          connectionParams: ctx.connectionParams,
          signal: socketSignal(signals, ctx.extra.socket),
        });
        let document: ExecutionArgs['document'];
        try {
          document = envelope.parse(payload.query);
        } catch (err) {
          if (err instanceof GraphQLError) return [err];
          throw err;
        }
        const errors = envelope.validate(envelope.schema, document);
        if (errors.length > 0) return errors;
        let contextValue: unknown;
        try {
          contextValue = await envelope.contextFactory();
        } catch (err) {
          if (err instanceof GraphQLError) return [err];
          throw err;
        }
        const args: ExecutionArgs = {
          schema: envelope.schema,
          document,
          operationName: payload.operationName ?? null,
          variableValues: payload.variables ?? null,
          contextValue,
        };
        envelopes.set(args, envelope);
        started(ctx, id);
        return args;
      },
      onError: (_ctx, _id, _payload, errors) => errors.map(formatError),
      // Called before graphql-ws writes the `complete` message, in the same tick.
      onComplete: (ctx, id) => finished(ctx, id),
      onClose: (ctx) => finished(ctx),
    },
    wss,
    keepAliveMs,
  );

  return {
    wss,
    get activeOperations() {
      return runningCount;
    },
    async dispose(drainMs = 1_000) {
      if (runningCount > 0) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, drainMs);
          timer.unref();
          drained = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
      // Let the last `complete` messages reach the sockets before the close frames.
      await new Promise((resolve) => setImmediate(resolve));
      await disposable.dispose();
    },
  };
}
