/**
 * "Throw on non-2xx" as an undici interceptor: a response whose status is 300
 * or more never reaches the caller's handler as a response. Its body is read
 * (up to `maxBodyBytes`) and delivered as a {@link KsqlServerError} through
 * `onResponseError`, so `dispatcher.request()` rejects with it and a
 * streaming handler sees it before any data.
 *
 * ksqlDB error bodies are parsed whatever their Content-Type (FailureHandler
 * sends none); plain-text and empty bodies are synthesised (see
 * {@link serverErrorFromResponse}). Text that echoes the request's
 * `Authorization` value is redacted.
 *
 * @module
 */
import type { Dispatcher } from 'undici';
import { secretsOf, serverErrorFromResponse } from './errors.js';

export interface KsqlErrorInterceptorOptions {
  /**
   * Error-body bytes kept for parsing; the rest is read and discarded so the
   * connection can be reused.
   * @default 65536 (bytes)
   */
  readonly maxBodyBytes?: number | undefined;
}

type Controller = Dispatcher.DispatchController;

function authorizationOf(headers: Dispatcher.DispatchOptions['headers']): string | undefined {
  if (headers === null || headers === undefined || Array.isArray(headers) || typeof headers !== 'object') {
    return undefined;
  }
  for (const [key, value] of Object.entries(headers as Record<string, unknown>)) {
    if (key.toLowerCase() === 'authorization' && typeof value === 'string') return value;
  }
  return undefined;
}

class KsqlErrorHandler implements Dispatcher.DispatchHandler {
  readonly #handler: Dispatcher.DispatchHandler;
  readonly #opts: Dispatcher.DispatchOptions;
  readonly #maxBodyBytes: number;
  #status = 0;
  #chunks: Buffer[] = [];
  #bytes = 0;

  constructor(opts: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler, maxBodyBytes: number) {
    this.#opts = opts;
    this.#handler = handler;
    this.#maxBodyBytes = maxBodyBytes;
  }

  #isError(): boolean {
    return this.#status >= 300;
  }

  onRequestStart(controller: Controller, context: unknown): void {
    this.#status = 0;
    this.#chunks = [];
    this.#bytes = 0;
    this.#handler.onRequestStart?.(controller, context);
  }

  onRequestUpgrade(controller: Controller, statusCode: number, headers: Record<string, string | string[] | undefined>, socket: import('node:stream').Duplex): void {
    this.#handler.onRequestUpgrade?.(controller, statusCode, headers, socket);
  }

  onResponseStart(
    controller: Controller,
    statusCode: number,
    headers: Record<string, string | string[] | undefined>,
    statusMessage?: string,
  ): void {
    this.#status = statusCode;
    if (statusCode < 300) this.#handler.onResponseStart?.(controller, statusCode, headers, statusMessage);
  }

  onResponseData(controller: Controller, chunk: Buffer): void {
    if (!this.#isError()) {
      this.#handler.onResponseData?.(controller, chunk);
      return;
    }
    const room = this.#maxBodyBytes - this.#bytes;
    if (room > 0) {
      const kept = chunk.length > room ? chunk.subarray(0, room) : chunk;
      this.#chunks.push(kept);
      this.#bytes += kept.length;
    }
  }

  onResponseEnd(controller: Controller, trailers: Record<string, string | string[] | undefined>): void {
    if (!this.#isError()) {
      this.#handler.onResponseEnd?.(controller, trailers);
      return;
    }
    // A TextDecoder on the whole buffer: a cut inside a UTF-8 sequence becomes U+FFFD.
    const text = new TextDecoder('utf-8').decode(Buffer.concat(this.#chunks));
    this.#chunks = [];
    const err = serverErrorFromResponse(text, {
      httpStatus: this.#status,
      method: this.#opts.method,
      path: this.#opts.path,
      secrets: secretsOf(authorizationOf(this.#opts.headers)),
    });
    this.#handler.onResponseError?.(controller, err);
  }

  onResponseError(controller: Controller, err: Error): void {
    this.#chunks = [];
    this.#handler.onResponseError?.(controller, err);
  }
}

/** `dispatcher.compose(ksqlErrorInterceptor())`. */
export function ksqlErrorInterceptor(
  options: KsqlErrorInterceptorOptions = {},
): Dispatcher.DispatcherComposeInterceptor {
  const { maxBodyBytes = 64 * 1024 } = options;
  return (dispatch) => (opts, handler) => dispatch(opts, new KsqlErrorHandler(opts, handler, maxBodyBytes));
}
