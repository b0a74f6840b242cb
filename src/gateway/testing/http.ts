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
