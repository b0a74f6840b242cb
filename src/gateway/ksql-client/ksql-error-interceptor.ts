/**
 * "Throw on non-2xx" as an undici interceptor: a response whose status is 300
 * or more never reaches the caller's handler as a response. Its body is read
 * (up to `maxBodyBytes`) and delivered as a {@link KsqlServerError} through
 * `onResponseError`, so `dispatcher.request()` rejects with it and a
 * streaming handler sees it before any data. A body longer than
 * `maxBodyBytes` is not read on: the request is aborted there (a ksqlDB
 * error body is a few hundred bytes; a longer one is a proxy's page or
 * worse, and reading it to its end could take as long as it likes).
 *
 * ksqlDB error bodies are parsed whatever their Content-Type (FailureHandler
 * sends none); plain-text, HTML and empty bodies are synthesised (see
 * {@link serverErrorFromResponse}). Text that echoes the request's
 * `Authorization` value is redacted.
 *
 * @module
 */
import type { Duplex } from 'node:stream';
import type { Dispatcher } from 'undici';
import { secretsOf, serverErrorFromResponse } from './errors.js';

export interface KsqlErrorInterceptorOptions {
  /**
   * Error-body bytes kept for parsing; at the first byte past them the
   * request is aborted and the error built from what was kept.
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
  #contentType: string | undefined;
  #chunks: Buffer[] = [];
  #bytes = 0;
  /** The error delivered by aborting the request at `maxBodyBytes`. */
  #cutShort: Error | undefined;

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
    this.#contentType = undefined;
    this.#chunks = [];
    this.#bytes = 0;
    this.#cutShort = undefined;
    this.#handler.onRequestStart?.(controller, context);
  }

  onRequestUpgrade(controller: Controller, statusCode: number, headers: Record<string, string | string[] | undefined>, socket: Duplex): void {
    this.#handler.onRequestUpgrade?.(controller, statusCode, headers, socket);
  }

  onResponseStart(
    controller: Controller,
    statusCode: number,
    headers: Record<string, string | string[] | undefined>,
    statusMessage?: string,
  ): void {
    this.#status = statusCode;
    const contentType = headers['content-type'];
    this.#contentType = Array.isArray(contentType) ? contentType[0] : contentType;
    if (statusCode < 300) this.#handler.onResponseStart?.(controller, statusCode, headers, statusMessage);
  }

  onResponseData(controller: Controller, chunk: Buffer): void {
    if (!this.#isError()) {
      this.#handler.onResponseData?.(controller, chunk);
      return;
    }
    if (this.#cutShort !== undefined) return;
    const room = this.#maxBodyBytes - this.#bytes;
    const kept = chunk.length > room ? chunk.subarray(0, room) : chunk;
    if (kept.length > 0) {
      this.#chunks.push(kept);
      this.#bytes += kept.length;
    }
    if (chunk.length > room) {
      // Past the bound: stop reading; undici reports the abort through
      // onResponseError, which delivers this error instead of its reason.
      this.#cutShort = this.#serverError();
      controller.abort(this.#cutShort);
    }
  }

  onResponseEnd(controller: Controller, trailers: Record<string, string | string[] | undefined>): void {
    if (!this.#isError()) {
      this.#handler.onResponseEnd?.(controller, trailers);
      return;
    }
    this.#handler.onResponseError?.(controller, this.#serverError());
  }

  onResponseError(controller: Controller, err: Error): void {
    this.#chunks = [];
    this.#handler.onResponseError?.(controller, this.#cutShort ?? err);
  }

  /** The error the kept body makes; the kept chunks are released. */
  #serverError(): Error {
    // A TextDecoder on the whole buffer: a cut inside a UTF-8 sequence becomes U+FFFD.
    const text = new TextDecoder('utf-8').decode(Buffer.concat(this.#chunks));
    this.#chunks = [];
    return serverErrorFromResponse(text, {
      httpStatus: this.#status,
      contentType: this.#contentType,
      method: this.#opts.method,
      path: this.#opts.path,
      secrets: secretsOf(authorizationOf(this.#opts.headers)),
    });
  }
}

/** `dispatcher.compose(ksqlErrorInterceptor())`. */
export function ksqlErrorInterceptor(
  options: KsqlErrorInterceptorOptions = {},
): Dispatcher.DispatcherComposeInterceptor {
  const { maxBodyBytes = 64 * 1024 } = options;
  return (dispatch) => (opts, handler) => dispatch(opts, new KsqlErrorHandler(opts, handler, maxBodyBytes));
}
