/**
 * Why a connection to ksqlDB failed, in a few plain words a GraphQL client
 * may see (`extensions.reason` of `KSQL_UNAVAILABLE`).
 *
 * The reason is derived from error *codes* only, never from messages: codes
 * are stable identifiers (node's `ECONNREFUSED`, OpenSSL's
 * `SELF_SIGNED_CERT_IN_CHAIN`, undici's `UND_ERR_SOCKET`), while messages
 * carry host names, addresses and file paths. undici hands node's socket and
 * TLS errors through as they are, or wraps them (`cause`, `AggregateError`
 * for happy-eyeballs connects), so the whole chain is searched.
 *
 * @module
 */

/** Certificate verification failures: the chain does not lead to a trusted CA. */
const UNTRUSTED = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_DECRYPT_CERT_SIGNATURE',
  'UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY',
  'CERT_SIGNATURE_FAILURE',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'CERT_CHAIN_TOO_LONG',
  'INVALID_CA',
  'INVALID_PURPOSE',
  'PATH_LENGTH_EXCEEDED',
]);

/** TLS alerts a server sends when it does not accept the client certificate it was given. */
const CLIENT_CERT_REFUSED = new Set([
  'ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE',
  'ERR_SSL_SSLV3_ALERT_CERTIFICATE_UNKNOWN',
  'ERR_SSL_SSLV3_ALERT_CERTIFICATE_EXPIRED',
  'ERR_SSL_SSLV3_ALERT_CERTIFICATE_REVOKED',
  'ERR_SSL_SSLV3_ALERT_UNSUPPORTED_CERTIFICATE',
  'ERR_SSL_TLSV1_ALERT_UNKNOWN_CA',
  'ERR_SSL_TLSV1_ALERT_ACCESS_DENIED',
]);

/** Codes with a fixed reason. */
const EXACT = new Map<string, string>([
  ['ERR_TLS_CERT_ALTNAME_INVALID', "ksqlDB's certificate does not match the host"],
  ['CERT_HAS_EXPIRED', "ksqlDB's certificate has expired (CERT_HAS_EXPIRED)"],
  ['CERT_NOT_YET_VALID', "ksqlDB's certificate is not valid yet (CERT_NOT_YET_VALID)"],
  ['CERT_REVOKED', "ksqlDB's certificate has been revoked (CERT_REVOKED)"],
  // TLS 1.3: the server asked for a client certificate and got none.
  ['ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED', 'ksqlDB requires a client certificate'],
  // An https: URL answered by a plain-HTTP server.
  ['ERR_SSL_WRONG_VERSION_NUMBER', 'ksqlDB did not answer with TLS (is the URL meant to be http://?)'],
  ['ECONNREFUSED', 'connection refused'],
  ['ECONNRESET', 'connection reset'],
  ['EPIPE', 'connection reset'],
  ['ENOTFOUND', 'host name not found'],
  ['EAI_AGAIN', 'host name lookup failed (EAI_AGAIN)'],
  ['EHOSTUNREACH', 'host unreachable'],
  ['EHOSTDOWN', 'host unreachable'],
  ['ENETUNREACH', 'network unreachable'],
  ['ETIMEDOUT', 'connection timed out'],
  ['UND_ERR_CONNECT_TIMEOUT', 'connection timed out'],
  ['UND_ERR_HEADERS_TIMEOUT', 'no response in time'],
  ['UND_ERR_BODY_TIMEOUT', 'the response stalled'],
  ['UND_ERR_SOCKET', 'ksqlDB closed the connection'],
  ['UND_ERR_RES_CONTENT_LENGTH_MISMATCH', 'the response was cut short'],
  // undici refused the request before sending it (e.g. a header value with a line break).
  ['UND_ERR_INVALID_ARG', 'the request could not be sent (UND_ERR_INVALID_ARG)'],
  ['UND_ERR_CLOSED', 'connection closed'],
  ['UND_ERR_DESTROYED', 'connection closed'],
]);

/** The reason when nothing in the chain is known. */
export const UNKNOWN_TRANSPORT_REASON = 'connection failed';

/** Only identifier-shaped codes are ever echoed (never free text). */
const CODE_SHAPE = /^[A-Z][A-Z0-9_]{1,63}$/;

function specificReason(code: string): string | undefined {
  const exact = EXACT.get(code);
  if (exact !== undefined) return exact;
  if (UNTRUSTED.has(code)) return `ksqlDB's certificate is not trusted (${code})`;
  if (CLIENT_CERT_REFUSED.has(code)) return `ksqlDB did not accept the client certificate (${code})`;
  if (code.startsWith('ERR_SSL_') || code.startsWith('ERR_TLS_') || code === 'EPROTO') {
    return `the TLS handshake with ksqlDB failed (${code})`;
  }
  return undefined;
}

/**
 * The `code`s of an error chain, outermost first: the error, its
 * `AggregateError` members, then its `cause`s (breadth first, bounded).
 */
export function errorCodes(err: unknown): string[] {
  const codes: string[] = [];
  const queue: unknown[] = [err];
  const seen = new Set<unknown>();
  while (queue.length > 0 && seen.size < 16) {
    const current = queue.shift();
    if (typeof current !== 'object' || current === null || seen.has(current)) continue;
    seen.add(current);
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && CODE_SHAPE.test(code) && !codes.includes(code)) codes.push(code);
    if (current instanceof AggregateError) queue.push(...(current.errors as unknown[]));
    queue.push((current as { cause?: unknown }).cause);
  }
  return codes;
}

/**
 * A short, stable reason for a failed connection, from the codes of `err`'s
 * chain (extra codes, e.g. a recorded `causeCode`, may be given after it).
 * The first code with a known meaning wins; otherwise the first code is
 * named (`connection failed (EXAMPLE)`); with no code at all,
 * {@link UNKNOWN_TRANSPORT_REASON}.
 *
 * @example
 * transportReason(Object.assign(new Error('self-signed certificate in certificate chain'), { code: 'SELF_SIGNED_CERT_IN_CHAIN' }));
 * // => "ksqlDB's certificate is not trusted (SELF_SIGNED_CERT_IN_CHAIN)"
 */
export function transportReason(err: unknown, ...extraCodes: ReadonlyArray<string | undefined>): string {
  const codes = errorCodes(err);
  for (const code of extraCodes) if (code !== undefined && CODE_SHAPE.test(code) && !codes.includes(code)) codes.push(code);
  // The most specific code wins wherever it sits: undici's own code
  // (UND_ERR_SOCKET) is often outermost, with node's real cause beneath.
  const specific = codes.filter((code) => !code.startsWith('UND_ERR_')).map(specificReason).find((r) => r !== undefined);
  if (specific !== undefined) return specific;
  const undici = codes.map(specificReason).find((r) => r !== undefined);
  if (undici !== undefined) return undici;
  const [first] = codes;
  return first === undefined ? UNKNOWN_TRANSPORT_REASON : `${UNKNOWN_TRANSPORT_REASON} (${first})`;
}
