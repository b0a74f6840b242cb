/**
 * Reading what the caller sent, the same way over every transport. The
 * initial context of an operation is yoga's for HTTP and SSE (`request`, a
 * WHATWG Request, plus the Node `req` of the server adapter) and our
 * graphql-ws transport's for WebSockets (`req`, the upgrade request;
 * `connectionParams`, the `connection_init` payload; `socket`; `signal`).
 *
 * @module
 */

/** The parts of the initial context read by the gateway's plugins. */
export interface InitialContext {
  readonly request?: { readonly headers: { get(name: string): string | null }; readonly signal?: AbortSignal } | undefined;
  readonly connectionParams?: Readonly<Record<string, unknown>> | undefined;
  readonly req?:
    | { readonly headers?: Readonly<Record<string, string | string[] | undefined>>; readonly socket?: object | undefined }
    | undefined;
  /** The graphql-ws socket (WebSocket transport only). */
  readonly socket?: object | undefined;
  readonly signal?: AbortSignal | undefined;
}

function fromParams(params: Readonly<Record<string, unknown>>, name: string): string | undefined {
  for (const [key, value] of Object.entries(params)) {
    if (typeof value === 'string' && key.toLowerCase() === name) return value;
  }
  return undefined;
}

/**
 * A header the caller sent: the HTTP request's header; over graphql-ws, the
 * `connection_init` payload's key of that name (any case) or its `headers`
 * object's, else the upgrade request's header. `name` is lower case.
 */
export function callerHeader(context: InitialContext, name: string): string | undefined {
  const fromRequest = context.request?.headers.get(name);
  if (fromRequest) return fromRequest;
  const params = context.connectionParams;
  if (params) {
    const direct = fromParams(params, name);
    if (direct) return direct;
    const headers = params['headers'];
    if (typeof headers === 'object' && headers !== null) {
      const nested = fromParams(headers as Record<string, unknown>, name);
      if (nested) return nested;
    }
  }
  const header = context.req?.headers?.[name];
  return typeof header === 'string' && header !== '' ? header : undefined;
}

/**
 * The connection an operation arrives on: the graphql-ws socket, or the TCP
 * socket of an HTTP request (one SSE stream at a time on HTTP/1.1); undefined
 * in process (`gateway.fetch`).
 */
export function connectionOf(context: InitialContext): object | undefined {
  return context.socket ?? context.req?.socket;
}
