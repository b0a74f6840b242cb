import { describe, expect, it } from 'vitest';
import { KsqlTimeoutError, KsqlTransportError, toKsqlClientError } from './errors.js';
import { UNKNOWN_TRANSPORT_REASON, errorCodes, transportReason } from './transport-reason.js';

/** An error as node or undici makes them: a message with internals, a code. */
function coded(code: string, message = `${code} at 10.0.0.1:8088 reading /etc/ksqldb/ca.pem`, cause?: unknown): Error {
  return Object.assign(new Error(message, cause === undefined ? undefined : { cause }), { code });
}

describe('transportReason', () => {
  it.each([
    ['SELF_SIGNED_CERT_IN_CHAIN', "ksqlDB's certificate is not trusted (SELF_SIGNED_CERT_IN_CHAIN)"],
    ['DEPTH_ZERO_SELF_SIGNED_CERT', "ksqlDB's certificate is not trusted (DEPTH_ZERO_SELF_SIGNED_CERT)"],
    ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', "ksqlDB's certificate is not trusted (UNABLE_TO_VERIFY_LEAF_SIGNATURE)"],
    ['UNABLE_TO_GET_ISSUER_CERT_LOCALLY', "ksqlDB's certificate is not trusted (UNABLE_TO_GET_ISSUER_CERT_LOCALLY)"],
    ['CERT_HAS_EXPIRED', "ksqlDB's certificate has expired (CERT_HAS_EXPIRED)"],
    ['CERT_NOT_YET_VALID', "ksqlDB's certificate is not valid yet (CERT_NOT_YET_VALID)"],
    ['ERR_TLS_CERT_ALTNAME_INVALID', "ksqlDB's certificate does not match the host"],
    ['ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED', 'ksqlDB requires a client certificate'],
    ['ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE', 'ksqlDB did not accept the client certificate (ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE)'],
    ['ERR_SSL_TLSV1_ALERT_UNKNOWN_CA', 'ksqlDB did not accept the client certificate (ERR_SSL_TLSV1_ALERT_UNKNOWN_CA)'],
    ['ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE', 'the TLS handshake with ksqlDB failed (ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE)'],
    ['ERR_SSL_WRONG_VERSION_NUMBER', 'ksqlDB did not answer with TLS (is the URL meant to be http://?)'],
    ['EPROTO', 'the TLS handshake with ksqlDB failed (EPROTO)'],
    ['ECONNREFUSED', 'connection refused'],
    ['ECONNRESET', 'connection reset'],
    ['ENOTFOUND', 'host name not found'],
    ['EHOSTUNREACH', 'host unreachable'],
    ['UND_ERR_SOCKET', 'ksqlDB closed the connection'],
    ['UND_ERR_INVALID_ARG', 'the request could not be sent (UND_ERR_INVALID_ARG)'],
    ['EWHATEVER', 'connection failed (EWHATEVER)'],
  ])('%s → %s', (code, reason) => {
    const text = transportReason(coded(code));
    expect(text).toBe(reason);
    // Codes only: nothing of the message (address, port, path) is ever used.
    expect(text).not.toMatch(/10\.0\.0\.1|8088|\/etc|\.pem/);
  });

  it('finds node’s code beneath undici’s, and in happy-eyeballs AggregateErrors', () => {
    const socket = coded('UND_ERR_SOCKET', 'other side closed', coded('ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED'));
    expect(transportReason(socket)).toBe('ksqlDB requires a client certificate');
    const aggregate = new AggregateError([coded('ECONNREFUSED'), coded('ECONNREFUSED')], '');
    expect(transportReason(aggregate)).toBe('connection refused');
    const wrapped = new TypeError('fetch failed', { cause: coded('UNABLE_TO_VERIFY_LEAF_SIGNATURE') });
    expect(transportReason(wrapped)).toBe("ksqlDB's certificate is not trusted (UNABLE_TO_VERIFY_LEAF_SIGNATURE)");
  });

  it('echoes only identifier-shaped codes, and says little when there is none', () => {
    expect(transportReason(coded('connect to 10.0.0.1 failed'))).toBe(UNKNOWN_TRANSPORT_REASON);
    expect(transportReason(new Error('boom'))).toBe('connection failed');
    expect(transportReason(undefined, 'ECONNREFUSED')).toBe('connection refused');
    expect(transportReason('a string')).toBe('connection failed');
  });

  it('survives cycles and deep chains', () => {
    const a = coded('EA');
    const b = coded('EB', 'b', a);
    (a as { cause?: unknown }).cause = b;
    expect(errorCodes(a)).toEqual(['EA', 'EB']);
    let deep: unknown = coded('ECONNREFUSED');
    for (let i = 0; i < 100; i++) deep = new Error(`level ${i}`, { cause: deep });
    expect(transportReason(deep)).toBe('connection failed');
  });
});

describe('KsqlTransportError.reason', () => {
  it('is set by toKsqlClientError from the cause chain, and derived when constructed directly', () => {
    const err = toKsqlClientError(coded('SELF_SIGNED_CERT_IN_CHAIN'), { method: 'GET', path: '/info', origin: 'https://ksqldb:8088' });
    expect(err).toMatchObject({ code: 'KSQL_TRANSPORT', reason: "ksqlDB's certificate is not trusted (SELF_SIGNED_CERT_IN_CHAIN)" });
    expect(new KsqlTransportError('x', { causeCode: 'ECONNREFUSED' }).reason).toBe('connection refused');
    expect(new KsqlTransportError('x', { reason: 'given' }).reason).toBe('given');
  });

  it('of a timeout says which kind', () => {
    expect(new KsqlTimeoutError('x', { timeoutMs: 5, cause: new DOMException('timeout', 'TimeoutError') }).reason).toBe('no answer in time');
    expect(new KsqlTimeoutError('x', { causeCode: 'UND_ERR_CONNECT_TIMEOUT' }).reason).toBe('connection timed out');
  });
});
