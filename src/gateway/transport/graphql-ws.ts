/**
 * The graphql-ws (`graphql-transport-ws` protocol) binding: our own adapter
 * over graphql-ws's transport-agnostic `makeServer`, on a ws
 * `WebSocketServer({ noServer: true })` that shares the HTTP server and path
 * with yoga. Every operation executes through `yoga.getEnveloped`, so that
 * the same plugins (context, error translation, masking, schema swaps) apply
 * as over HTTP and SSE.
 *
 * The initial context of each operation carries `req` (the upgrade request),
 * `socket`, `params`, `connectionParams` and `signal`, which aborts when the
 * socket closes.
 *
 * Why our own adapter rather than `graphql-ws/use/ws`: it keeps the TCP
 * socket the `upgrade` event hands over (a public API) to batch the frames
 * of one macrotask into one write, lets a send wait for the socket to drain
 * so that backpressure reaches the subscription, and writes each result's
 * cached JSON (./encode.ts) instead of having graphql-ws stringify it again
 * for every subscriber. Close codes, pings and protocol negotiation are
 * those of `useServer`.
 *
 * @see https://the-guild.dev/graphql/yoga-server/docs/features/subscriptions (graphql-ws recipe)
 * @module
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, Server as HttpServer } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { GraphQLError, type ExecutionArgs, type FormattedExecutionResult, type GraphQLFormattedError } from 'graphql';
import { CloseCode, handleProtocols, makeServer } from 'graphql-ws';
import { WebSocketServer, type WebSocket } from 'ws';
import { drainOrClose } from '../../shared/drain.js';
import { encodeResult, type ResultEncoder } from './encode.js';

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
  /**
   * Bytes a connection's TCP socket may hold unsent before a send waits for
   * it to drain (and with it the subscription's next event, and so the
   * upstream query).
   * @default 65536 (bytes)
   */
  readonly sendHighWaterMarkBytes?: number | undefined;
  /**
   * Encodes each `next` payload; the default shares its cache with the SSE
   * transport, so a result sent both ways is encoded once.
   * @default the process-wide encoder of ./encode.ts
   */
  readonly encoder?: ResultEncoder | undefined;
  /**
   * Told of internal errors: an error event of the ws server or of a socket,
   * or a message handler that threw. The socket (or every socket) is closed
   * with 1011 either way.
   * @default ignored
   */
  readonly onInternalError?: ((error: unknown) => void) | undefined;
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

/**
 * The key of the placeholder payload `onNext` hands graphql-ws in place of a
 * result (see {@link Connection.placeholder}). It holds 128 random bits drawn
 * at start-up, so no client can forge it; and graphql-ws puts the payload
 * last in a `next` message, after the operation id, so nothing a client
 * sends can end a message the way a placeholder does.
 *
 * Why a placeholder rather than `jsonMessageReplacer`: a replacer returns
 * values for JSON.stringify to serialise, never JSON text (Node 20 has no
 * `JSON.rawJSON`), so the payload would still be stringified per subscriber,
 * and the replacer would be called for every key of it besides.
 */
const PLACEHOLDER_KEY = `ksqlgw:payload:${randomBytes(16).toString('hex')}`;
const PLACEHOLDER_MARK = `"payload":{${JSON.stringify(PLACEHOLDER_KEY)}:`;

/** What graphql-ws's context carries for each connection. */
interface Extra {
  readonly socket: WebSocket;
  readonly request: IncomingMessage;
  readonly connection: Connection;
}

/**
 * One WebSocket connection's sending side, over the TCP socket the `upgrade`
 * event handed us:
 * - the frames of one macrotask go out in one write: the socket is corked at
 *   the first send and uncorked by setImmediate (without it a push query
 *   costs one write(2), and one wake-up of the client, per row);
 * - `send` resolves at once while the socket holds less than the high-water
 *   mark, else on 'drain' or 'close'. graphql-ws awaits it before it pulls
 *   the subscription's next event, so a client that stops reading stalls the
 *   subscription and, through it, the upstream query;
 * - a `next` message is written with the cached JSON of its result.
 */
class Connection {
  readonly #ws: WebSocket;
  readonly #tcp: Socket;
  readonly #highWaterMark: number;
  #corked = false;
  /** One wait shared by every subscription of the connection, instead of a listener pair per send. */
  #drained: Promise<void> | undefined;
  /** Encoded payloads between `onNext` and the `send` of their message, by sequence number. */
  readonly #payloads = new Map<number, string>();
  #sequence = 0;

  constructor(ws: WebSocket, tcp: Socket, highWaterMark: number) {
    this.#ws = ws;
    this.#tcp = tcp;
    this.#highWaterMark = highWaterMark;
  }

  /**
   * A stand-in for the payload graphql-ws would build and stringify; `send`
   * swaps it for `json`. A sequence number rather than one slot, because
   * graphql-ws awaits between `onNext` and `send`, so the `onNext` of
   * another operation on this connection may come in between.
   */
  placeholder(json: string): FormattedExecutionResult {
    const sequence = this.#sequence++;
    this.#payloads.set(sequence, json);
    return { [PLACEHOLDER_KEY]: sequence };
  }

  send(data: string): Promise<void> | undefined {
    const message = this.#fill(data);
    // As useServer: a message for a socket that is closing is dropped.
    if (this.#ws.readyState !== this.#ws.OPEN) return undefined;
    const tcp = this.#tcp;
    if (!this.#corked && !tcp.destroyed) {
      this.#corked = true;
      tcp.cork();
      setImmediate(this.#uncork);
    }
    // No callback: a write error also closes the socket, and graphql-ws
    // learns of it through 'close' (which also ends the wait below).
    this.#ws.send(message);
    // While corked, writableLength counts the frames held back too.
    if (tcp.destroyed || tcp.writableLength < this.#highWaterMark) return undefined;
    this.#drained ??= drainOrClose(tcp).finally(() => {
      this.#drained = undefined;
    });
    return this.#drained;
  }

  readonly #uncork = (): void => {
    this.#corked = false;
    this.#tcp.uncork();
  };

  /** `data` with a placeholder payload replaced by its JSON; other messages unchanged. */
  #fill(data: string): string {
    if (this.#payloads.size === 0 || !data.endsWith('}}')) return data;
    const at = data.lastIndexOf(PLACEHOLDER_MARK);
    if (at < 0) return data;
    const sequence = Number(data.slice(at + PLACEHOLDER_MARK.length, -2));
    const json = this.#payloads.get(sequence);
    if (json === undefined) return data;
    this.#payloads.delete(sequence);
    return `${data.slice(0, at)}"payload":${json}}`;
  }
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
    sendHighWaterMarkBytes = 64 * 1024,
    encoder = { encode: encodeResult },
    onInternalError = () => {},
  } = options;

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

  const graphqlWs = makeServer<Record<string, unknown> | undefined, Extra>({
    connectionInitWaitTimeout: connectionInitWaitTimeoutMs,
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
    // Encoded once per result object, however many subscribers it goes to.
    onNext: (ctx, _id, _payload, _args, result) => ctx.extra.connection.placeholder(encoder.encode(result)),
    onError: (_ctx, _id, _payload, errors) => errors.map(formatError),
    // Called before graphql-ws writes the `complete` message, in the same tick.
    onComplete: (ctx, id) => finished(ctx, id),
    onClose: (ctx) => finished(ctx),
  });

  const internalError = (socket: WebSocket, err: unknown) => {
    onInternalError(err);
    // As useServer with isProd: the reason says nothing of the error.
    socket.close(CloseCode.InternalServerError, 'Internal server error');
  };

  /** As useServer's 'connection' listener, over our {@link Connection}. */
  const opened = (socket: WebSocket, request: IncomingMessage, tcp: Socket) => {
    socket.on('error', (err) => internalError(socket, err));
    // Keep-alive: a ping every keepAliveMs; a peer that does not pong within
    // the same time is dropped.
    let pongWait: NodeJS.Timeout | undefined;
    const pingInterval =
      keepAliveMs > 0 && Number.isFinite(keepAliveMs)
        ? setInterval(() => {
            if (socket.readyState !== socket.OPEN) return;
            pongWait = setTimeout(() => socket.terminate(), keepAliveMs);
            socket.once('pong', () => {
              clearTimeout(pongWait);
              pongWait = undefined;
            });
            socket.ping();
          }, keepAliveMs)
        : undefined;
    const connection = new Connection(socket, tcp, sendHighWaterMarkBytes);
    const closed = graphqlWs.opened(
      {
        protocol: socket.protocol,
        send: (data) => connection.send(data),
        close: (code, reason) => socket.close(code, reason),
        onMessage: (cb) =>
          socket.on('message', (data) => {
            // ws hands a Buffer (binaryType 'nodebuffer', its default; text frames included); graphql-ws parses strings.
            cb((data as Buffer).toString()).catch((err: unknown) => internalError(socket, err));
          }),
      },
      { socket, request, connection },
    );
    socket.once('close', (code, reason) => {
      clearTimeout(pongWait);
      clearInterval(pingInterval);
      closed(code, String(reason)).catch(onInternalError);
    });
  };

  // noServer + handleUpgrade (ws's recommended way to authorise an upgrade):
  // the upgrade is checked before any WebSocket exists. handleProtocols picks
  // graphql-transport-ws; other subprotocols get a socket that makeServer
  // closes with 4406, as with useServer.
  const wss = new WebSocketServer({
    noServer: true,
    handleProtocols,
    ...(maxPayloadBytes > 0 ? { maxPayload: maxPayloadBytes } : {}),
  });
  wss.on('error', (err) => {
    for (const client of wss.clients) internalError(client, err);
  });
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
    wss.handleUpgrade(request, socket, head, (ws) => {
      // An http(s) server's upgrade socket is a net.Socket (or a TLSSocket, which is one).
      opened(ws, request, socket as Socket);
      wss.emit('connection', ws, request);
    });
  };
  server.on('upgrade', onUpgrade);

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
      for (const client of wss.clients) client.close(1001, 'Going away');
      wss.removeAllListeners();
      await new Promise<void>((resolve, reject) => wss.close((err) => (err ? reject(err) : resolve())));
    },
  };
}
