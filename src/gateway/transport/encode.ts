/**
 * Each execution result encoded once: the JSON text of a result is cached by
 * the result object, so when the subscribers of one shared execution receive
 * the same object per event, it is serialised once however many sockets it is
 * written to. Each transport only adds its framing around the cached text:
 * SSE `event: next\ndata: ${json}\n\n`, graphql-ws
 * `{"id":${JSON.stringify(id)},"type":"next","payload":${json}}`.
 *
 * The text is what yoga's SSE processor sends (`jsonStringifyResultWithoutInternals`):
 * the result without its `http` extension, and errors without their `http`
 * and `unexpected` extensions. graphql-ws would send those internals; leaving
 * them out there too is what lets both transports share one encoding.
 *
 * @module
 */

/** A GraphQL execution result as the transports receive it (errors may be `GraphQLError`s). */
export interface EncodableResult {
  readonly data?: unknown;
  readonly errors?: readonly unknown[] | undefined;
  readonly extensions?: Readonly<Record<string, unknown>> | undefined;
}

export interface ResultEncoderOptions {
  /**
   * Turns the sanitised result into JSON text. A seam for tests, which count
   * its calls; production code keeps the default.
   * @default JSON.stringify
   */
  readonly stringify?: ((value: unknown) => string) | undefined;
}

export interface ResultEncoder {
  /** The JSON text of `result`, computed at most once per result object. */
  encode(result: EncodableResult): string;
}

/** Extensions that are yoga's internals (status codes and headers), never sent to clients. */
const INTERNAL_RESULT_EXTENSIONS = new Set(['http']);
const INTERNAL_ERROR_EXTENSIONS = new Set(['http', 'unexpected']);

function withoutKeys(record: Readonly<Record<string, unknown>>, keys: ReadonlySet<string>): Record<string, unknown> | undefined {
  const kept: Record<string, unknown> = {};
  let any = false;
  for (const [key, value] of Object.entries(record)) {
    if (keys.has(key)) continue;
    kept[key] = value;
    any = true;
  }
  return any ? kept : undefined;
}

function sanitiseError(error: unknown): unknown {
  const json: unknown =
    error !== null && typeof error === 'object' && typeof (error as { toJSON?: unknown }).toJSON === 'function'
      ? (error as { toJSON(): unknown }).toJSON()
      : error;
  if (json === null || typeof json !== 'object') return json;
  const { extensions, ...rest } = json as { extensions?: Readonly<Record<string, unknown>> };
  if (extensions === undefined) return rest;
  const kept = withoutKeys(extensions, INTERNAL_ERROR_EXTENSIONS);
  return kept === undefined ? rest : { ...rest, extensions: kept };
}

/** The result as clients see it; the same object when it carries no internals (the common case of a row). */
function sanitise(result: EncodableResult): unknown {
  const hasErrors = result.errors !== undefined && result.errors.length > 0;
  if (!hasErrors && result.extensions?.['http'] === undefined) return result;
  const copy: Record<string, unknown> = { ...result };
  if (hasErrors) copy['errors'] = (result.errors).map(sanitiseError);
  if (result.extensions !== undefined) copy['extensions'] = withoutKeys(result.extensions, INTERNAL_RESULT_EXTENSIONS);
  return copy;
}

/**
 * Makes an encoder with its own cache. The cache is a `WeakMap`: an entry
 * lives as long as its result object, so it needs no bound of its own (its
 * bytes are those of results some transport still holds).
 */
export function createResultEncoder(options: ResultEncoderOptions = {}): ResultEncoder {
  const { stringify = JSON.stringify } = options;
  const cache = new WeakMap<object, string>();
  return {
    encode(result) {
      let json = cache.get(result);
      if (json === undefined) {
        json = stringify(sanitise(result));
        cache.set(result, json);
      }
      return json;
    },
  };
}

const defaultEncoder = createResultEncoder();

/** {@link ResultEncoder.encode} of the process-wide encoder that both transports share by default. */
export function encodeResult(result: EncodableResult): string {
  return defaultEncoder.encode(result);
}
