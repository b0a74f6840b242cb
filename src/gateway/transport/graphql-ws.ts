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
import type { IncomingMessage, Server as HttpServer } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Socket } from 'node:net';
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
  /**
   * Decides whether an upgrade request may become a WebSocket (e.g. its
   * `Origin` and `Host`); a refusal is answered with its HTTP status and a
   * JSON body `{ errors: [{ message, extensions: { code } }] }`.
   * @default every upgrade to {@link path} is accepted
   */
  readonly verifyUpgrade?: ((request: IncomingMessage) => UpgradeRefusal | undefined) | undefined;
  /**
   * Largest message accepted, in bytes; a larger one closes the socket with
   * 1009. 0 = ws's own default (100 MiB).
   * @default 0
   */
  readonly maxPayloadBytes?: number | undefined;
  /**
   * Turns a `subscribe` payload into the document to run (persisted
   * documents: the payload may carry an id and an empty `query`), or refuses
   * it. Called with the operation's initial context.
   * @default the payload's `query`
   */
  readonly resolveDocument?:
    | ((payload: Readonly<Record<string, unknown>>, context: Record<string, unknown>) => { readonly query: string } | GraphQLError)
    | undefined;
}

/** Why an upgrade request is refused. */
export interface UpgradeRefusal {
  readonly status: number;
  readonly code: string;
  readonly message: string;
}

const STATUS_TEXT: Readonly<Record<number, string>> = { 400: 'Bad Request', 403: 'Forbidden', 503: 'Service Unavailable' };

function refuseUpgrade(socket: Duplex, refusal: UpgradeRefusal): void {
  const body = JSON.stringify({ errors: [{ message: refusal.message, extensions: { code: refusal.code } }] });
  socket.end(
    `HTTP/1.1 ${refusal.status} ${STATUS_TEXT[refusal.status] ?? 'Error'}\r\n` +
      'Connection: close\r\n' +
      'Content-Type: application/json; charset=utf-8\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      '\r\n' +
      body,
  );
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

/** Bytes buffered on a socket beyond which a send waits for 'drain'. */
const SEND_HIGH_WATER_MARK = 64 * 1024;

/**
 * Coalesces the frames a socket sends within one macrotask into one write:
 * the TCP socket is corked at the first send and uncorked by setImmediate.
 * graphql-ws awaits every send's callback before it pulls the next event; the
 * callback is called at once while less than SEND_HIGH_WATER_MARK bytes are
 * buffered, else on 'drain' (or close), so backpressure still reaches the
 * subscription (and from there the upstream /query socket).
 *
 * Without this, a push query costs one write(2) per row (and one wake-up of
 * the client per row).
 */
function batchSends(ws: WebSocket): void {
  const raw = (ws as unknown as { _socket?: Socket })._socket;
  if (!raw) return;
  type Callback = (err?: Error) => void;
  const send = ws.send.bind(ws) as (data: unknown, options: object, cb?: Callback) => void;
  let corked = false;
  const uncork = () => {
    corked = false;
    raw.uncork();
  };
  // Callbacks waiting for the socket to drain (one per subscription at most,
  // as graphql-ws awaits each send), released together by one listener pair
  // instead of a 'drain' listener per send.
  let waiting: Callback[] = [];
  const settled = new WeakSet<Callback>();
  const settle = (cb: Callback, err?: Error) => {
    if (settled.has(cb)) return;
    settled.add(cb);
    cb(err);
  };
  const release = () => {
    const callbacks = waiting;
    waiting = [];
    for (const cb of callbacks) settle(cb);
  };
  raw.on('drain', release);
  raw.on('close', release);
  const batched = (data: unknown, optionsOrCb?: object | Callback, maybeCb?: Callback) => {
    const cb = typeof optionsOrCb === 'function' ? (optionsOrCb as Callback) : maybeCb;
    const options = typeof optionsOrCb === 'object' ? optionsOrCb : {};
    if (!corked && !raw.destroyed) {
      corked = true;
      raw.cork();
      setImmediate(uncork);
    }
    // ws calls this once the frame is written (or failed, e.g. on a closed
    // socket): it settles a callback still waiting. A write error after the
    // callback was called is not lost: write errors also close the socket,
    // and graphql-ws learns of them through 'close'.
    send(data, options, (err) => {
      if (cb) settle(cb, err);
    });
    if (!cb || raw.destroyed) return;
    // While corked, writableLength counts the frames held back too.
    if (raw.writableLength < SEND_HIGH_WATER_MARK) settle(cb);
    else waiting.push(cb);
  };
  (ws as unknown as { send: typeof batched }).send = batched;
}

export function useGraphQLWs(options: GraphQLWsOptions): GraphQLWsTransport {
  const {
    server,
    yoga,
    path = yoga.graphqlEndpoint,
    keepAliveMs = 12_000,
    connectionInitWaitTimeoutMs = 3_000,
    formatError = (error: GraphQLError) => error.toJSON(),
    verifyUpgrade,
    maxPayloadBytes = 0,
    resolveDocument,
  } = options;

  // noServer + handleUpgrade (ws's recommended way to authorise an upgrade):
  // the upgrade is checked before any WebSocket exists.
  const wss = new WebSocketServer({ noServer: true, ...(maxPayloadBytes > 0 ? { maxPayload: maxPayloadBytes } : {}) });
  const onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    let pathname: string;
    try {
      pathname = new URL(request.url ?? '/', 'http://localhost').pathname;
    } catch {
      pathname = '';
    }
    if (pathname !== path) {
      refuseUpgrade(socket, { status: 400, code: 'BAD_REQUEST', message: `WebSockets are served on ${path} only.` });
      return;
    }
    const refusal = verifyUpgrade?.(request);
    if (refusal) {
      refuseUpgrade(socket, refusal);
      return;
    }
    wss.handleUpgrade(request, socket, head, (ws) => wss.emit('connection', ws, request));
  };
  server.on('upgrade', onUpgrade);
  // Registered before graphql-ws's own listener, so it sees the wrapped send.
  wss.on('connection', (socket: WebSocket) => batchSends(socket));
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
        const initialContext = {
          req: ctx.extra.request,
          socket: ctx.extra.socket,
          params: payload,
          connectionParams: ctx.connectionParams,
          signal: socketSignal(signals, ctx.extra.socket),
        };
        const resolved = resolveDocument ? resolveDocument(payload as unknown as Record<string, unknown>, initialContext) : payload;
        if (resolved instanceof GraphQLError) return [resolved];
        const envelope = yoga.getEnveloped(initialContext);
        let document: ExecutionArgs['document'];
        try {
          document = envelope.parse(resolved.query);
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
      server.off('upgrade', onUpgrade);
      await disposable.dispose();
    },
  };
}
