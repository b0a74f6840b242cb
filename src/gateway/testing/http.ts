/**
 * Test helpers for GraphQL over HTTP and over SSE (distinct connections
 * mode): a reader that parses `event: next` / `event: complete` blocks from a
 * response body, incrementally.
 *
 * @module
 */

export interface GraphQLResponse {
  data?: Record<string, unknown> | null;
  errors?: Array<{
    message: string;
    locations?: unknown;
    path?: unknown[];
    extensions?: Record<string, unknown>;
  }>;
}

export interface SseReader {
  /** The next `next` payload, or undefined once the stream completed or ended. */
  next(): Promise<GraphQLResponse | undefined>;
  /** Every remaining payload until the stream ends. */
  all(): Promise<GraphQLResponse[]>;
  /** True once `event: complete` was read. */
  completed(): boolean;
  /** Cancels the response body (the client goes away). */
  cancel(): Promise<void>;
}

export function readSse(response: Promise<Response>): SseReader {
  let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  const decoder = new TextDecoder();
  let buffer = '';
  let done = false;
  let complete = false;

  const open = async () => {
    if (reader) return reader;
    const res = await response;
    if (!res.body) throw new Error(`no body (status ${res.status})`);
    const contentType = res.headers.get('content-type') ?? '';
    if (!contentType.includes('text/event-stream')) {
      throw new Error(`not an event stream: ${res.status} ${contentType} ${await res.text()}`);
    }
    reader = res.body.getReader();
    return reader;
  };

  const next = async (): Promise<GraphQLResponse | undefined> => {
    const r = await open();
    for (;;) {
      let sep: number;
      while ((sep = buffer.indexOf('\n\n')) !== -1) {
        const block = buffer.slice(0, sep);
        buffer = buffer.slice(sep + 2);
        let event = 'message';
        const data: string[] = [];
        for (const line of block.split('\n')) {
          if (line.startsWith('event:')) event = line.slice(6).trim();
          else if (line.startsWith('data:')) data.push(line.slice(5).trimStart());
        }
        if (event === 'complete') {
          complete = true;
          done = true;
          return undefined;
        }
        if (event === 'next' && data.length > 0) return JSON.parse(data.join('\n')) as GraphQLResponse;
      }
      if (done) return undefined;
      const chunk = await r.read();
      if (chunk.done) {
        done = true;
        return undefined;
      }
      buffer += decoder.decode(chunk.value, { stream: true });
    }
  };

  return {
    next,
    async all() {
      const out: GraphQLResponse[] = [];
      for (let ev = await next(); ev !== undefined; ev = await next()) out.push(ev);
      return out;
    },
    completed: () => complete,
    async cancel() {
      const r = await open();
      done = true;
      await r.cancel();
    },
  };
}

/** What {@link request} answers: status, headers and the body parsed as JSON when it is JSON. */
export interface TestResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  readonly body: GraphQLResponse | undefined;
}

/**
 * One HTTP request through a fetch handler (`gateway.fetch` in process, or
 * the global fetch against a socket). JSON bodies are stringified and sent as
 * `application/json` unless `headers` says otherwise.
 */
export async function request(
  fetchFn: (input: string, init?: RequestInit) => Promise<Response>,
  url: string,
  init: { method?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<TestResponse> {
  const { method = init.body === undefined ? 'GET' : 'POST', headers = {} } = init;
  const body = init.body === undefined ? undefined : typeof init.body === 'string' ? init.body : JSON.stringify(init.body);
  const res = await fetchFn(url, {
    method,
    headers: {
      ...(init.body !== undefined && typeof init.body !== 'string' ? { 'content-type': 'application/json' } : {}),
      accept: 'application/graphql-response+json, application/json',
      ...headers,
    },
    ...(body === undefined ? {} : { body }),
  });
  const text = await res.text();
  let parsed: GraphQLResponse | undefined;
  try {
    parsed = JSON.parse(text) as GraphQLResponse;
  } catch {
    parsed = undefined;
  }
  return { status: res.status, headers: res.headers, text, body: parsed };
}

/** The `extensions.code` of each error of a response. */
export function errorCodes(response: { readonly body?: GraphQLResponse | undefined }): unknown[] {
  return (response.body?.errors ?? []).map((e) => e.extensions?.['code']);
}
