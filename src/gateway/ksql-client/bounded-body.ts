/**
 * Reads a response body whole, but never more than a bound in bytes: a
 * declared `Content-Length` over the bound fails before anything is read,
 * and a body without one fails at the first chunk past the bound. Either
 * way the body is destroyed (which aborts the HTTP request and closes its
 * connection) instead of being read to its end, so a misbehaving server
 * costs at most `maxBytes` of memory and the time to send them.
 *
 * @module
 */

/** A response body: undici's `BodyReadable`, or any readable stream of bytes. */
export interface DestroyableBody extends AsyncIterable<Uint8Array> {
  /** Stops reading; for undici's body this aborts the request. */
  destroy(): unknown;
}

export interface ReadBoundedOptions {
  /** Largest body read, in bytes. */
  readonly maxBytes: number;
  /**
   * The `Content-Length` the response declared, if any; over `maxBytes`,
   * nothing is read.
   * @default undefined (not declared)
   */
  readonly declaredBytes?: number | undefined;
  /** Makes the error thrown when the body is longer. */
  readonly tooLarge: () => Error;
}

/** `Content-Length` as a number, when there is exactly one well-formed value. */
export function declaredLength(value: string | string[] | undefined): number | undefined {
  if (typeof value !== 'string' || !/^\d+$/.test(value.trim())) return undefined;
  const n = Number(value.trim());
  return Number.isSafeInteger(n) ? n : undefined;
}

/**
 * The body decoded as UTF-8 (as undici's `body.text()`: a BOM is dropped,
 * malformed sequences become U+FFFD), or a rejection with `tooLarge()`
 * once it passes `maxBytes`.
 */
export async function readBoundedText(body: DestroyableBody, options: ReadBoundedOptions): Promise<string> {
  const { maxBytes, declaredBytes, tooLarge } = options;
  if (declaredBytes !== undefined && declaredBytes > maxBytes) {
    // Destroyed without an error: a stream nobody listens to would report
    // one as uncaught, and undici aborts the request either way.
    body.destroy();
    throw tooLarge();
  }
  // Decoded chunk by chunk, so no chunk is held after it has been read.
  const decoder = new TextDecoder('utf-8');
  let text = '';
  let received = 0;
  for await (const chunk of body) {
    received += chunk.length;
    if (received > maxBytes) {
      body.destroy();
      throw tooLarge();
    }
    text += decoder.decode(chunk, { stream: true });
  }
  return text + decoder.decode();
}
