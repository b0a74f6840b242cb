/**
 * Builds the {@link GatewayContext} of every operation: the ksqlDB client,
 * the caller's `Authorization` (to forward) and the signal that fires when
 * the caller goes away.
 *
 * - HTTP (including SSE): the `Authorization` header and `request.signal`.
 * - graphql-ws: the `Authorization`/`authorization` connection parameter,
 *   else the upgrade request's header; the socket's lifetime signal, which
 *   the transport puts in the initial context.
 *
 * @module
 */
import type { Plugin } from 'graphql-yoga';
import type { GatewayContext } from '../context.js';
import type { KsqlClient } from '../ksql-client/types.js';

export interface KsqlContextOptions {
  /** The client every resolver calls. */
  readonly client: KsqlClient;
}

/** The parts of yoga's and our graphql-ws transport's initial context that are read here. */
interface InitialContext {
  readonly request?: { readonly headers: { get(name: string): string | null }; readonly signal?: AbortSignal } | undefined;
  readonly connectionParams?: Readonly<Record<string, unknown>> | undefined;
  readonly req?: { readonly headers?: Readonly<Record<string, string | string[] | undefined>> } | undefined;
  readonly signal?: AbortSignal | undefined;
}

function fromConnectionParams(params: Readonly<Record<string, unknown>> | undefined): string | undefined {
  if (!params) return undefined;
  const headers = params['headers'];
  for (const source of [params, typeof headers === 'object' && headers !== null ? (headers as Record<string, unknown>) : {}]) {
    const value = source['Authorization'] ?? source['authorization'];
    if (typeof value === 'string') return value;
  }
  return undefined;
}

export function authorizationOf(context: InitialContext): string | undefined {
  const fromRequest = context.request?.headers.get('authorization');
  if (fromRequest) return fromRequest;
  const fromParams = fromConnectionParams(context.connectionParams);
  if (fromParams) return fromParams;
  const header = context.req?.headers?.['authorization'];
  return typeof header === 'string' ? header : undefined;
}

export function useKsqlContext({ client }: KsqlContextOptions): Plugin {
  return {
    onContextBuilding({ context, extendContext }) {
      const initial = context as InitialContext;
      const extension: GatewayContext = {
        ksqlClient: client,
        authorization: authorizationOf(initial),
        signal: initial.signal ?? initial.request?.signal,
      };
      extendContext(extension as unknown as Partial<typeof context>);
    },
  };
}
