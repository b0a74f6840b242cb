/**
 * Raw HTTP helpers for the backend contract suite: requests whose bytes and
 * headers are asserted exactly, and a streaming body reader for `/query` and
 * `/query-stream` responses. Deliberately independent of `src/protocol` and
 * of the gateway's client, so that the wire is checked by something that
 * shares no code with either side.
 *
 * @module
 */
import http from 'node:http';

export interface RawResponse {
  readonly status: number;
  readonly headers: Headers;
  /** The whole body, decoded as UTF-8. */
  readonly text: string;
}

export interface RawInit {
  readonly method?: 'GET' | 'POST' | 'PUT' | 'DELETE' | undefined;
  readonly headers?: Readonly<Record<string, string>> | undefined;
  readonly body?: string | undefined;
}

/** One request through `fetch`, body read to the end, redirects not followed. */
export async function request(base: string, path: string, init: RawInit = {}): Promise<RawResponse> {
  const res = await fetch(base + path, {
    method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
    headers: init.headers ?? {},
    ...(init.body === undefined ? {} : { body: init.body }),
    redirect: 'manual',
    signal: AbortSignal.timeout(20_000),
  });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

export interface NodeResponse {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly text: string;
}

/**
 * One request through `node:http`, which (unlike `fetch`) can send no
 * `Accept` header at all.
 */
export function nodeRequest(
  base: string,
  path: string,
  init: { method: string; headers: Record<string, string>; body?: string | undefined },
): Promise<NodeResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request(new URL(path, base), { method: init.method, headers: init.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }),
      );
      res.on('error', reject);
    });
    req.setTimeout(20_000, () => req.destroy(new Error(`${init.method} ${path}: no response in 20 s`)));
    req.on('error', reject);
    req.end(init.body);
  });
}

/** The media type of a Content-Type value, without parameters, lower-cased; null when absent. */
export function mediaType(value: string | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  return value.split(';')[0]!.trim().toLowerCase();
}

/**
 * A response body read as it arrives. `until` waits for a condition on the
 * text received so far; `end` waits for the body to finish; `close` aborts
 * the request (on HTTP/1.1 that closes the socket, which is how a client
 * ends a push query).
 */
export class StreamingBody {
  #text = '';
  #ended = false;
  #failure: Error | undefined;
  readonly #wake = new Set<() => void>();
  readonly #controller: AbortController;

  constructor(body: ReadableStream<Uint8Array> | null, controller: AbortController) {
    this.#controller = controller;
    void this.#pump(body);
  }

  /** Everything received so far. */
  get text(): string {
    return this.#text;
  }

  get ended(): boolean {
    return this.#ended;
  }

  async #pump(body: ReadableStream<Uint8Array> | null): Promise<void> {
    if (body === null) {
      this.#finish();
      return;
    }
    const decoder = new TextDecoder();
    const reader = body.getReader();
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        this.#text += decoder.decode(value, { stream: true });
        this.#notify();
      }
      this.#text += decoder.decode();
    } catch (err) {
      if (!this.#controller.signal.aborted) this.#failure = err instanceof Error ? err : new Error(String(err));
    } finally {
      this.#finish();
    }
  }

  #finish(): void {
    this.#ended = true;
    this.#notify();
  }

  #notify(): void {
    for (const wake of [...this.#wake]) wake();
  }

  /**
   * Resolves with the text so far once `done(text)` holds. Rejects when the
   * body ends first, or after `timeoutMs`; the message shows what arrived.
   */
  until(done: (text: string) => boolean, what: string, timeoutMs = 15_000): Promise<string> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        if (done(this.#text)) {
          resolve(this.#text);
          return true;
        }
        if (this.#ended) {
          const why = this.#failure === undefined ? 'ended' : `failed (${String(this.#failure)})`;
          reject(new Error(`The body ${why} before ${what}; received: ${JSON.stringify(this.#text)}`));
          return true;
        }
        return false;
      };
      if (check()) return;
      const timer = setTimeout(() => {
        this.#wake.delete(wake);
        reject(new Error(`No ${what} within ${timeoutMs} ms; received: ${JSON.stringify(this.#text)}`));
      }, timeoutMs);
      const wake = (): void => {
        if (check()) {
          clearTimeout(timer);
          this.#wake.delete(wake);
        }
      };
      this.#wake.add(wake);
    });
  }

  /** Resolves with the whole body once it has ended (rejects after `timeoutMs`). */
  end(timeoutMs = 15_000): Promise<string> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        if (!this.#ended) return false;
        if (this.#failure !== undefined) reject(new Error(`The body failed: ${String(this.#failure)}`));
        else resolve(this.#text);
        return true;
      };
      if (check()) return;
      const timer = setTimeout(() => {
        this.#wake.delete(wake);
        reject(new Error(`The body did not end within ${timeoutMs} ms; received: ${JSON.stringify(this.#text)}`));
      }, timeoutMs);
      const wake = (): void => {
        if (check()) {
          clearTimeout(timer);
          this.#wake.delete(wake);
        }
      };
      this.#wake.add(wake);
    });
  }

  /** Aborts the request; safe to call more than once. */
  close(): void {
    this.#controller.abort();
  }
}

export interface OpenStream {
  readonly status: number;
  readonly headers: Headers;
  readonly body: StreamingBody;
}

/** Starts a streaming POST; resolves once the response headers have arrived. */
export async function openStream(
  base: string,
  path: string,
  headers: Readonly<Record<string, string>>,
  body: string,
): Promise<OpenStream> {
  const controller = new AbortController();
  const headerTimeout = setTimeout(() => controller.abort(new Error(`POST ${path}: no response headers in 20 s`)), 20_000);
  try {
    const res = await fetch(base + path, { method: 'POST', headers, body, signal: controller.signal });
    return { status: res.status, headers: res.headers, body: new StreamingBody(res.body, controller) };
  } finally {
    clearTimeout(headerTimeout);
  }
}

/**
 * The elements of a `/query` StreamedRow array, split the way ksqlDB's own
 * Java client does (KsqlTargetUtil.toRows): per line, strip a leading `[`, a
 * trailing `]`, then a trailing `,`; skip empty lines. Numbers go through
 * `JSON.parse` (lossy above 2^53: assert big numbers on the bytes).
 */
export function streamedElements(text: string): Array<Record<string, unknown>> {
  const out: Array<Record<string, unknown>> = [];
  for (const raw of text.split('\n')) {
    let line = raw.trim();
    if (line.startsWith('[')) line = line.slice(1);
    if (line.endsWith(']')) line = line.slice(0, -1);
    if (line.endsWith(',')) line = line.slice(0, -1);
    if (line.trim() === '') continue;
    out.push(JSON.parse(line) as Record<string, unknown>);
  }
  return out;
}

/** Polls `probe` until `check` passes; throws with the last value after `timeoutMs`. */
export async function eventually<T>(
  probe: () => Promise<T>,
  check: (value: T) => boolean,
  what: string,
  { timeoutMs = 15_000, intervalMs = 100 }: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (check(value)) return value;
    if (Date.now() > deadline) {
      throw new Error(`${what}: not true within ${timeoutMs} ms; last value: ${JSON.stringify(value)}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
