/**
 * The browser edge of the HTTP endpoint (docs/security.md), before any
 * GraphQL work:
 *
 * - **Host**: the `Host` header must name an allowed host, so that a page
 *   served from an attacker's domain re-bound by DNS to the gateway's address
 *   (DNS rebinding, which makes the attack same-origin and so beyond CORS)
 *   gets `HOST_NOT_ALLOWED` (403). On a loopback listener only loopback names
 *   are allowed by default. yoga's built-in pages (GraphiQL's static page,
 *   `/health`) answer before this plugin; they carry no data.
 * - **Content types**: a POST body must be one of `contentTypes` (default
 *   `application/json`, GraphQL over HTTP's own), else
 *   `UNSUPPORTED_CONTENT_TYPE` (415). A plain HTML form can send none of
 *   `application/json`, so cross-site forms never run an operation.
 * - **CSRF**: yoga's `useCSRFPrevention`: a request a browser may send
 *   cross-site without a preflight (GET, or a form or text content type) must
 *   carry one of {@link CSRF_HEADERS}, which no page can set cross-site without
 *   passing CORS first; else `CSRF_HEADER_REQUIRED` (403). GET never runs a
 *   mutation (yoga answers 405).
 *
 * - **Unservable streams**: a subscription whose request accepts no
 *   streaming media type (e.g. `Accept: application/json` only) gets yoga's
 *   406, after it has started; its event stream is closed at once, so that
 *   it frees its subscription slot and its ksqlDB push query.
 *
 * CORS itself is yoga's `cors` option ({@link corsOptionsFor}): foreign
 * origins get no CORS headers unless listed, and only listed ones get
 * `Access-Control-Allow-Credentials`.
 *
 * @module
 */
import { useCSRFPrevention } from '@graphql-yoga/plugin-csrf-prevention';
import { GraphQLError } from 'graphql';
import { isAsyncIterable, type Plugin } from 'graphql-yoga';
import { hostHeaderName, hostMatches } from '../../shared/net.js';
import { refusal } from '../errors/index.js';

/** Headers that mark a request as not forgeable cross-site (yoga's and Apollo's names). */
export const CSRF_HEADERS: readonly string[] = Object.freeze([
  'x-graphql-yoga-csrf',
  'apollo-require-preflight',
  'x-apollo-operation-name',
]);

export interface HttpEdgeOptions {
  /** Allowed Host names (patterns, see shared/net.ts), or 'any'; read per request. */
  readonly allowedHosts: () => readonly string[] | 'any';
  /** Accepted POST body content types (media types, lower case). */
  readonly contentTypes: readonly string[];
}

/** The host name a request was addressed to: its Host header, else its URL's host. */
export function requestHostName(request: Request): string | undefined {
  const header = request.headers.get('host');
  if (header !== null) return hostHeaderName(header);
  try {
    return hostHeaderName(new URL(request.url).host);
  } catch {
    return undefined;
  }
}

/** True when the request's host is allowed. */
export function hostAllowed(request: Request, allowed: readonly string[] | 'any'): boolean {
  if (allowed === 'any') return true;
  const name = requestHostName(request);
  return name !== undefined && hostMatches(name, allowed);
}

function mediaType(contentType: string | null): string | undefined {
  if (contentType === null) return undefined;
  return contentType.split(';', 1)[0]?.trim().toLowerCase();
}

function errorResponse(fetchAPI: { Response: typeof Response }, status: number, error: GraphQLError): Response {
  const extensions: Record<string, unknown> = { ...error.extensions };
  delete extensions['http'];
  return new fetchAPI.Response(JSON.stringify({ errors: [{ message: error.message, extensions }] }), {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' },
  });
}

export function useHttpEdge({ allowedHosts, contentTypes }: HttpEdgeOptions): Plugin {
  const csrf = useCSRFPrevention({ requestHeaders: [...CSRF_HEADERS] });
  const csrfCheck = csrf.onRequestParse as NonNullable<Plugin['onRequestParse']>;
  return {
    onRequest(payload) {
      const { request, fetchAPI } = payload;
      if (hostAllowed(request, allowedHosts())) return;
      const host = requestHostName(request) ?? '(none)';
      payload.endResponse(
        errorResponse(
          fetchAPI,
          403,
          refusal(
            'HOST_NOT_ALLOWED',
            `Host ${JSON.stringify(host)} is not allowed (--allowed-hosts); this protects the gateway against DNS rebinding.`,
          ),
        ),
      );
    },
    onRequestParse(payload) {
      const { request } = payload;
      if (request.method === 'POST') {
        const type = mediaType(request.headers.get('content-type'));
        if (type === undefined || !contentTypes.includes(type)) {
          throw refusal(
            'UNSUPPORTED_CONTENT_TYPE',
            `Content type ${type === undefined ? '(none)' : JSON.stringify(type)} is not accepted; send ${contentTypes.join(' or ')} (--request-content-types).`,
            { httpStatus: 415 },
          );
        }
      }
      try {
        return csrfCheck(payload);
      } catch (error) {
        if (!(error instanceof GraphQLError)) throw error;
        throw refusal(
          'CSRF_HEADER_REQUIRED',
          `This request could be forged by another site: send it as a POST with content-type application/json, or add one of the headers ${CSRF_HEADERS.join(', ')}.`,
          { httpStatus: 403 },
        );
      }
    },
    // Runs after yoga's own result processors (user plugins come after them):
    // none chosen means the 406 that follows would leave the stream running.
    onResultProcess({ result, resultProcessor }) {
      if (resultProcessor === undefined && isAsyncIterable(result)) {
        void result[Symbol.asyncIterator]().return?.();
      }
    },
  };
}

/**
 * yoga's `cors` option: a request from a listed origin gets CORS headers
 * with credentials; any other origin gets none, so browsers keep its
 * page from reading responses and from sending preflighted requests.
 */
export function corsOptionsFor(origins: readonly string[]) {
  const allowed = new Set(origins);
  return (request: Request) => {
    const origin = request.headers.get('origin');
    if (origin === null || !allowed.has(origin)) return false as const;
    // The whole list (not the one origin): with several, the library adds `Vary: Origin`.
    return { origin: [...allowed], credentials: true, methods: ['GET', 'POST'], maxAge: 600 };
  };
}
