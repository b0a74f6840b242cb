/**
 * Which `Authorization` header a call sends. Kept out of the request code so
 * the precedence is written down once:
 *
 * 1. `forwardAuthorization` is on and the call carries `authorization`
 *    (the incoming request's header): send that, verbatim.
 * 2. Otherwise the configured `credentials`, if any.
 * 3. Otherwise no header.
 *
 * With forwarding on, a call *without* `authorization` falls back to the
 * configured credentials (that is how start-up introspection authenticates).
 * If anonymous GraphQL requests must not inherit the gateway's own
 * credentials, reject them before they reach the client.
 *
 * @module
 */
import { KsqlClientConfigError } from './errors.js';

export type KsqlCredentials =
  | { readonly type: 'basic'; readonly username: string; readonly password: string }
  | { readonly type: 'bearer'; readonly token: string };

/** The header value for configured credentials. */
export function authorizationHeader(credentials: KsqlCredentials): string {
  switch (credentials.type) {
    case 'basic':
      if (credentials.username.includes(':')) {
        // RFC 7617: the user-id cannot contain a colon. The value is not echoed.
        throw new KsqlClientConfigError('Basic credentials: the username must not contain ":"');
      }
      return `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`, 'utf8').toString('base64')}`;
    case 'bearer':
      if (credentials.token === '') throw new KsqlClientConfigError('Bearer credentials: the token is empty');
      return `Bearer ${credentials.token}`;
    default:
      throw new KsqlClientConfigError(
        `Unknown credentials type ${JSON.stringify((credentials as { type?: unknown }).type)}`,
      );
  }
}

export function pickAuthorization(
  configured: string | undefined,
  forwardAuthorization: boolean,
  incoming: string | undefined,
): string | undefined {
  if (forwardAuthorization && incoming !== undefined && incoming !== '') return incoming;
  return configured;
}
