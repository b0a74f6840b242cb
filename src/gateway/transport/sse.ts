/**
 * GraphQL over SSE (distinct connections mode: a `GET` or `POST` with
 * `Accept: text/event-stream`, as GraphiQL and graphql-sse use it) with the
 * events of one macrotask written as one chunk, through yoga's public
 * `onResultProcess` hook instead of a patched `res.write`.
 *
 * yoga's own SSE processor enqueues two chunks per event and pulls one event
 * per `pull`, so yoga's node adapter makes a write(2) (and wakes the client)
 * per row. Ours takes every event that arrives before the macrotask ends
 * (setImmediate), up to a byte bound, and enqueues them as ONE chunk; the
 * adapter writes each chunk once. The wire format is yoga's: a `:` comment
 * first and every keep-alive interval, `event: next` / `data: <json>` per
 * result, and `event: complete` / `data:` at the end.
 *
 * Backpressure: events are read from the source only in `pull`, which the
 * stream calls only while its queue has room; the adapter stops reading it
 * while the socket does not drain, so a client that stops reading stalls
 * the subscription and the upstream query.
 *
 * @module
 */
import type { Plugin } from 'graphql-yoga';
import { encodeResult, type EncodableResult, type ResultEncoder } from './encode.js';

export interface BatchedSseOptions {
  /**
   * Interval of the `:` keep-alive comments (as yoga's).
   * @default 12000 (ms)
   */
  readonly keepAliveMs?: number | undefined;
  /**
   * Bytes of events gathered into one chunk before it is handed on, even
   * within one macrotask.
   * @default 65536 (bytes)
   */
  readonly maxChunkBytes?: number | undefined;
  /**
   * Encodes each result; the default shares its cache with graphql-ws.
   * @default the process-wide encoder of ./encode.ts
   */
  readonly encoder?: ResultEncoder | undefined;
}

/** What a result processor gets from yoga for building its response. */
interface FetchApi {
  readonly Response: typeof Response;
  readonly ReadableStream: typeof ReadableStream;
  readonly TextEncoder: typeof TextEncoder;
}

const SSE_MEDIA_TYPE = 'text/event-stream';

/** yoga's headers for an SSE response. */
const SSE_HEADERS: Readonly<Record<string, string>> = {
  'Content-Type': SSE_MEDIA_TYPE,
  Connection: 'keep-alive',
  'Cache-Control': 'no-cache',
  'Content-Encoding': 'none',
};

const KEEP_ALIVE = ':\n\n';
const COMPLETE = 'event: complete\ndata:\n\n';
/** Bytes of `event: next\ndata: ` and `\n\n`. */
const NEXT_FRAMING_BYTES = 20;

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return value !== null && typeof value === 'object' && Symbol.asyncIterator in value;
}

/**
 * Whether the request accepts SSE, as yoga decides it: some listed media type
 * (utf-8 only; none listed means `*\/*`) matches `text/event-stream`.
 */
function acceptsEventStream(request: Request): boolean {
  const accept = request.headers.get('accept') ?? '*/*';
  for (const entry of accept.replace(/\s/g, '').toLowerCase().split(',')) {
    const [type = '', ...params] = entry.split(';');
    const charset = params.find((param) => param.startsWith('charset='));
    if (charset !== undefined && charset !== 'charset=utf-8') continue;
    const [pre, suf] = type.split('/');
    if ((pre === '*' || pre === 'text') && (suf === '*' || suf === 'event-stream')) return true;
  }
  return false;
}

/**
 * Replaces yoga's SSE processor for streamed results (subscriptions) by
 * {@link streamEvents}. It runs after yoga's own `onResultProcess` (user
 * plugins always do), and takes over only where yoga chose a processor, so
 * the content negotiation (and its 406) stays yoga's. Single results keep
 * yoga's processor: one event needs no batching.
 */
export function useBatchedSse(options: BatchedSseOptions = {}): Plugin {
  return {
    onResultProcess(payload) {
      const { request, result, resultProcessor } = payload;
      if (resultProcessor === undefined || !isAsyncIterable(result) || !acceptsEventStream(request)) return;
      payload.setResultProcessor(
        (processed, fetchAPI) => streamEvents(processed as AsyncIterable<EncodableResult>, fetchAPI, request.signal, options),
        SSE_MEDIA_TYPE,
      );
    },
  };
}

/** One read from the source, settled either way (a pending read must never reject unobserved). */
type Step = { readonly done: false; readonly value: EncodableResult | null | undefined } | { readonly done: true } | { readonly error: unknown };

const MACROTASK_END = Symbol('macrotask end');

/**
 * The SSE response of a streamed result. `signal` is the request's: when the
 * client goes away the source's `return()` is called even if the stream is
 * never cancelled (yoga's node adapter does not cancel a body it is waiting
 * to write).
 */
export function streamEvents(
  source: AsyncIterable<EncodableResult>,
  fetchAPI: FetchApi,
  signal: AbortSignal | undefined,
  options: BatchedSseOptions = {},
): Response {
  const { keepAliveMs = 12_000, maxChunkBytes = 64 * 1024, encoder = { encode: encodeResult } } = options;
  const iterator = source[Symbol.asyncIterator]();
  const text = new fetchAPI.TextEncoder();
  let pingInterval: ReturnType<typeof setInterval> | undefined;
  let finished = false;
  /** A read started by the last pull that the macrotask's end overtook: the next pull's first event. */
  let ahead: Promise<Step> | undefined;

  const read = (): Promise<Step> =>
    iterator.next().then(
      (result): Step => (result.done ? { done: true } : { done: false, value: result.value }),
      (error: unknown): Step => ({ error }),
    );
  const finish = () => {
    finished = true;
    clearInterval(pingInterval);
    signal?.removeEventListener('abort', onAbort);
  };
  /** The consumer left: end the source (cleanup flows up as `return()`). */
  function stop(): Promise<void> | undefined {
    if (finished) return undefined;
    finish();
    return Promise.resolve(iterator.return?.())
      .then(() => undefined)
      .catch(() => undefined);
  }
  /** The request's abort listener: stop() never rejects. */
  function onAbort(): void {
    void stop();
  }

  const body = new fetchAPI.ReadableStream<Uint8Array>({
    start(controller) {
      // yoga's: some browsers hold the response until the first bytes arrive.
      controller.enqueue(text.encode(KEEP_ALIVE));
      if (keepAliveMs > 0 && Number.isFinite(keepAliveMs)) {
        pingInterval = setInterval(() => {
          // null: errored; 0: full (backpressure) or closed. A ping is only worth sending into room.
          if (controller.desiredSize === null) clearInterval(pingInterval);
          else if (controller.desiredSize > 0) controller.enqueue(text.encode(KEEP_ALIVE));
        }, keepAliveMs);
      }
      if (signal?.aborted) void stop();
      else signal?.addEventListener('abort', onAbort, { once: true });
    },
    async pull(controller) {
      let chunk = '';
      let bytes = 0;
      // Set at the chunk's first event: the chunk ends with the macrotask
      // that event arrived in. Until then the pull waits for an event, as a
      // pull that enqueues nothing may never be called again.
      let macrotaskEnd: Promise<typeof MACROTASK_END> | undefined;
      let pending = ahead ?? read();
      ahead = undefined;
      for (;;) {
        const step = macrotaskEnd ? await Promise.race([pending, macrotaskEnd]) : await pending;
        // Cancelled (or the request aborted) meanwhile: the stream takes nothing more.
        if (finished) return;
        if (step === MACROTASK_END) {
          ahead = pending;
          break;
        }
        if ('error' in step) {
          if (chunk !== '') controller.enqueue(text.encode(chunk));
          finish();
          controller.error(step.error);
          return;
        }
        if (step.done) {
          controller.enqueue(text.encode(chunk + COMPLETE));
          finish();
          controller.close();
          return;
        }
        if (step.value != null) {
          const json = encoder.encode(step.value);
          chunk += `event: next\ndata: ${json}\n\n`;
          bytes += Buffer.byteLength(json) + NEXT_FRAMING_BYTES;
          macrotaskEnd ??= new Promise((resolve) => setImmediate(resolve, MACROTASK_END));
        }
        if (bytes >= maxChunkBytes) break;
        pending = read();
      }
      controller.enqueue(text.encode(chunk));
    },
    cancel: () => stop(),
  });
  return new fetchAPI.Response(body, { status: 200, headers: SSE_HEADERS });
}
