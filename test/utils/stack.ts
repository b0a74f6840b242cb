/**
 * End-to-end harness: the gateway and the embedded engine composed exactly as
 * the CLI composes them (`startServe`), over real loopback sockets on port 0.
 */
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { startServe, type Running } from '../../src/cli/main.js';
import { loadConfig, parseArgs, type ServeConfig } from '../../src/gateway/config/index.js';
import { silentLogger } from '../../src/shared/logger.js';

export interface Stack {
  readonly url: string;
  readonly graphqlUrl: string;
  readonly wsUrl: string;
  /** The embedded engine's (or given ksqlDB's) REST base URL. */
  readonly ksqlUrl: string;
  close(): Promise<void>;
}

export async function startStack(args: string[] = []): Promise<Stack> {
  const config = loadConfig(parseArgs(['serve', '--port', '0', '--in-memory', ...args]), {}) as ServeConfig;
  const running: Running = await startServe(config, silentLogger);
  // A gateway bound to every interface is reached through loopback.
  const url = running.url.replace('//0.0.0.0:', '//127.0.0.1:').replace('//[::]:', '//[::1]:');
  const graphqlUrl = `${url}${config.graphqlPath}`;
  return {
    url,
    graphqlUrl,
    wsUrl: graphqlUrl.replace(/^http/, 'ws'),
    ksqlUrl: running.ksqlUrl ?? '',
    close: () => running.close(),
  };
}

export interface GraphQLResponse<T = Record<string, unknown>> {
  data?: T | null;
  errors?: Array<{ message: string; path?: unknown[]; extensions?: Record<string, unknown> }>;
}

export async function gql<T = Record<string, unknown>>(
  stack: Pick<Stack, 'graphqlUrl'>,
  query: string,
  variables?: Record<string, unknown>,
  headers: Record<string, string> = {},
): Promise<GraphQLResponse<T>> {
  const res = await fetch(stack.graphqlUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', ...headers },
    body: JSON.stringify({ query, variables }),
  });
  return (await res.json()) as GraphQLResponse<T>;
}

export function wsClient(stack: Pick<Stack, 'wsUrl'>): Client {
  return createClient({ url: stack.wsUrl, webSocketImpl: WebSocket, lazy: true, retryAttempts: 0 });
}

/** Reads SSE `next` payloads from a GraphQL-over-SSE (distinct connections) response. */
export async function* sseEvents(
  stack: Pick<Stack, 'graphqlUrl'>,
  query: string,
  signal: AbortSignal,
): AsyncGenerator<GraphQLResponse> {
  const res = await fetch(stack.graphqlUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
    body: JSON.stringify({ query }),
    signal,
  });
  if (!res.ok || !res.body) throw new Error(`SSE request failed: ${res.status}`);
  const decoder = new TextDecoder();
  let buf = '';
  const reader = res.body.getReader();
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buf += decoder.decode(value, { stream: true });
      let sep: number;
      while ((sep = buf.indexOf('\n\n')) !== -1) {
        const block = buf.slice(0, sep);
        buf = buf.slice(sep + 2);
        let event = 'message';
        const data: string[] = [];
        for (const line of block.split('\n')) {
          if (line.startsWith('event:')) event = line.slice(6).trim();
          else if (line.startsWith('data:')) data.push(line.slice(5).trimStart());
        }
        if (event === 'complete') return;
        if (event === 'next' && data.length > 0) yield JSON.parse(data.join('\n')) as GraphQLResponse;
      }
    }
  } finally {
    reader.cancel().catch(() => {});
  }
}

/** Runs a statement on the ksqlDB REST API directly (bypassing the gateway). */
export async function ksql(stack: Pick<Stack, 'ksqlUrl'>, statement: string): Promise<unknown[]> {
  const res = await fetch(`${stack.ksqlUrl}/ksql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/vnd.ksql.v1+json' },
    body: JSON.stringify({ ksql: statement }),
  });
  const body = (await res.json()) as unknown;
  if (!res.ok) throw new Error(`ksql failed (${res.status}): ${JSON.stringify(body)}`);
  return body as unknown[];
}

/** The SQL of the push queries the engine reports running in SHOW QUERIES. */
export async function pushQueries(stack: Pick<Stack, 'ksqlUrl'>): Promise<string[]> {
  const [entity] = (await ksql(stack, 'SHOW QUERIES;')) as Array<{ queries: Array<{ queryType: string; queryString: string }> }>;
  return (entity?.queries ?? []).filter((q) => q.queryType === 'PUSH').map((q) => q.queryString);
}

/** How many push queries the engine reports running in SHOW QUERIES. */
export async function pushQueryCount(stack: Pick<Stack, 'ksqlUrl'>): Promise<number> {
  return (await pushQueries(stack)).length;
}

/** Polls until `check` returns true or the time runs out (then throws with the last value). */
export async function eventually<T>(
  probe: () => Promise<T>,
  check: (value: T) => boolean,
  { timeoutMs = 5000, intervalMs = 25 } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T = await probe();
  while (!check(last)) {
    if (Date.now() > deadline) throw new Error(`condition not met in ${timeoutMs} ms; last value: ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, intervalMs));
    last = await probe();
  }
  return last;
}
