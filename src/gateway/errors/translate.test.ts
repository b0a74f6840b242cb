import { GraphQLError } from 'graphql';
import { describe, expect, it } from 'vitest';
import { JsonNumber } from '../../protocol/index.js';
import {
  KsqlAbortError,
  KsqlClientConfigError,
  KsqlProtocolError,
  KsqlResponseTooLargeError,
  KsqlServerError,
  KsqlTimeoutError,
  KsqlTransportError,
} from '../ksql-client/errors.js';
import { ERROR_CODES, codeForKsqlError, maskError, translateError } from './index.js';

function serverError(errorCode: number, httpStatus: number, extra: Partial<ConstructorParameters<typeof KsqlServerError>[1]> = {}) {
  return new KsqlServerError(`error ${errorCode}`, { errorCode, httpStatus, ...extra });
}

describe('codeForKsqlError', () => {
  it.each([
    [40000, 'KSQL_BAD_REQUEST'],
    [40001, 'KSQL_BAD_STATEMENT'],
    [40002, 'KSQL_QUERY_ENDPOINT'],
    [40003, 'KSQL_TOO_MANY_PUSH_QUERIES'],
    [40004, 'KSQL_ERROR'],
    [40100, 'KSQL_UNAUTHORIZED'],
    [40300, 'KSQL_FORBIDDEN'],
    [40301, 'KSQL_FORBIDDEN'],
    [40400, 'KSQL_NOT_FOUND'],
    [41700, 'KSQL_ASSERTION_FAILED'],
    [40900, 'KSQL_ERROR'],
    [42100, 'KSQL_ERROR'],
    [42801, 'KSQL_ERROR'],
    [42900, 'KSQL_RATE_LIMITED'],
    [50000, 'KSQL_SERVER_ERROR'],
    [50301, 'KSQL_NOT_READY'],
    [50302, 'KSQL_NOT_READY'],
    [50303, 'KSQL_NOT_READY'],
    [50304, 'KSQL_NOT_READY'],
  ])('maps %i to %s', (code, expected) => {
    expect(codeForKsqlError(code)).toBe(expected);
  });

  it('falls back to the HTTP status', () => {
    expect(codeForKsqlError(undefined, 503)).toBe('KSQL_NOT_READY');
    expect(codeForKsqlError(undefined, 401)).toBe('KSQL_UNAUTHORIZED');
    expect(codeForKsqlError(undefined, 400)).toBe('KSQL_ERROR');
    expect(codeForKsqlError(undefined, 500)).toBe('KSQL_SERVER_ERROR');
  });

  it('documents every code it produces', () => {
    const documented = new Set(ERROR_CODES.map((e) => e.code));
    const produced = new Set<string>();
    for (let code = 40000; code < 60000; code += 1) produced.add(codeForKsqlError(code));
    for (const code of produced) expect(documented).toContain(code);
  });
});

describe('translateError', () => {
  it('gives a 40001 statement error its exact extensions', () => {
    const cause = serverError(40001, 400, {
      ksqlType: 'statement_error',
      statementText: 'CREATE STREM oops;',
      entities: [],
    });
    const error = translateError(new GraphQLError(cause.message, { originalError: cause, path: ['execute'] }));
    expect(error).toBeInstanceOf(GraphQLError);
    expect(error?.message).toBe('error 40001');
    expect(error?.path).toEqual(['execute']);
    expect(error?.toJSON()).toEqual({
      message: 'error 40001',
      path: ['execute'],
      extensions: {
        code: 'KSQL_BAD_STATEMENT',
        ksqlErrorCode: 40001,
        httpStatus: 400,
        statementText: 'CREATE STREM oops;',
        entities: [],
      },
    });
  });

  it('gives a 40002 error its exact extensions (no statementText when ksqlDB sent none)', () => {
    const error = translateError(serverError(40002, 400, { ksqlType: 'generic_error' }));
    expect(error?.extensions).toEqual({ code: 'KSQL_QUERY_ENDPOINT', ksqlErrorCode: 40002, httpStatus: 400 });
  });

  it('keeps exotic upstream codes exactly', () => {
    expect(translateError(serverError(40900, 409))?.extensions).toEqual({
      code: 'KSQL_ERROR',
      ksqlErrorCode: 40900,
      httpStatus: 409,
    });
  });

  it('serialises entities with big numbers exactly', () => {
    const entities = [{ '@type': 'x', statementText: 's', warnings: [], n: new JsonNumber('9007199254740993') }];
    const error = translateError(serverError(40001, 400, { entities: entities }));
    expect(JSON.stringify(error?.toJSON())).toContain('"n":"9007199254740993"');
  });

  it('turns transport failures and timeouts into KSQL_UNAVAILABLE without internals', () => {
    const refused = new KsqlTransportError('GET http://10.0.0.1:8088/info failed: connect ECONNREFUSED', {
      causeCode: 'ECONNREFUSED',
    });
    const timeout = new KsqlTimeoutError('GET http://10.0.0.1:8088/info timed out after 10 ms', { timeoutMs: 10 });
    expect(translateError(refused)?.extensions).toEqual({ code: 'KSQL_UNAVAILABLE', reason: 'connection refused' });
    expect(translateError(timeout)?.extensions).toEqual({ code: 'KSQL_UNAVAILABLE' });
    for (const cause of [refused, timeout]) {
      expect(JSON.stringify(translateError(cause)?.toJSON())).not.toMatch(/10\.0\.0\.1|ECONNREFUSED|8088/);
    }
  });

  it('says why ksqlDB could not be reached over TLS, from the cause chain, without internals', () => {
    const tlsFailure = (code: string) =>
      new KsqlTransportError('GET https://10.0.0.1:8088/info failed: /etc/ksqldb/ca.pem rejected', {
        cause: Object.assign(new Error('other side closed'), {
          code: 'UND_ERR_SOCKET',
          cause: Object.assign(new Error(`${code} from 10.0.0.1`), { code }),
        }),
      });
    const cases: Array<[string, string]> = [
      ['SELF_SIGNED_CERT_IN_CHAIN', "ksqlDB's certificate is not trusted (SELF_SIGNED_CERT_IN_CHAIN)"],
      ['ERR_TLS_CERT_ALTNAME_INVALID', "ksqlDB's certificate does not match the host"],
      ['ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED', 'ksqlDB requires a client certificate'],
    ];
    for (const [code, reason] of cases) {
      const error = translateError(new GraphQLError('wrapped', { originalError: tlsFailure(code) }));
      expect(error?.message).toBe('ksqlDB is unavailable.');
      expect(error?.extensions).toEqual({ code: 'KSQL_UNAVAILABLE', reason });
      expect(JSON.stringify(error?.toJSON())).not.toMatch(/10\.0\.0\.1|8088|\/etc|\.pem/);
    }
  });

  it('maps protocol and abort errors', () => {
    expect(translateError(new KsqlProtocolError('bad JSON at offset 3'))?.extensions).toEqual({ code: 'KSQL_BAD_RESPONSE' });
    expect(translateError(new KsqlAbortError('aborted'))?.extensions).toEqual({ code: 'KSQL_CANCELLED' });
  });

  it('says which bound a too-large response passed and which flag sets it, without internals', () => {
    const line = new KsqlResponseTooLargeError('POST /query: a /query line (one row) is longer than 1024 bytes (maxLineBytes)', {
      method: 'POST',
      path: '/query',
      limit: 'maxLineBytes',
      limitBytes: 1024,
    });
    const lineError = translateError(new GraphQLError('wrapped', { originalError: line }));
    expect(lineError?.message).toBe('ksqlDB sent a /query line (one row) longer than 1024 bytes (--ksql-max-line-bytes); the request was aborted.');
    expect(lineError?.extensions).toEqual({ code: 'KSQL_RESPONSE_TOO_LARGE', limit: 'maxLineBytes', limitBytes: 1024 });
    const body = new KsqlResponseTooLargeError('POST /ksql: ...', { limit: 'maxBodyBytes', limitBytes: 2048 });
    expect(translateError(body)?.message).toBe('ksqlDB sent a response body larger than 2048 bytes (--ksql-max-body-bytes); the request was aborted.');
    expect(translateError(body)?.extensions).toEqual({ code: 'KSQL_RESPONSE_TOO_LARGE', limit: 'maxBodyBytes', limitBytes: 2048 });
    expect(maskError(body).message).toMatch(/^ksqlDB sent a response body larger than 2048 bytes/);
  });

  it('leaves other errors alone', () => {
    expect(translateError(new Error('boom'))).toBeUndefined();
    expect(translateError(new GraphQLError('Cannot query field "x"'))).toBeUndefined();
    expect(translateError(new KsqlClientConfigError('bad baseUrl'))).toBeUndefined();
  });

  it('is idempotent', () => {
    const once = translateError(serverError(40001, 400));
    expect(translateError(once)).toBe(once);
  });
});

describe('maskError', () => {
  it('masks unexpected errors: fixed message, INTERNAL_SERVER_ERROR, no stack, no internals', () => {
    const cause = new TypeError('Cannot read properties of undefined (reading "secret")');
    const masked = maskError(new GraphQLError(cause.message, { originalError: cause, path: ['info'] }), 'Unexpected error.');
    expect(masked).toBeInstanceOf(GraphQLError);
    expect((masked as GraphQLError).toJSON()).toEqual({
      message: 'Unexpected error.',
      path: ['info'],
      extensions: { code: 'INTERNAL_SERVER_ERROR' },
    });
    expect(maskError(new KsqlClientConfigError('bad'), 'Unexpected error.').message).toBe('Unexpected error.');
  });

  it('lets deliberate GraphQL errors and translated errors through', () => {
    const syntax = new GraphQLError('Syntax Error: Expected Name, found <EOF>.');
    expect(maskError(syntax)).toBe(syntax);
    const translated = translateError(serverError(40001, 400));
    expect(maskError(translated)).toBe(translated);
    const wrapped = new GraphQLError('bad', { originalError: new GraphQLError('bad', { extensions: { code: 'X' } }) });
    expect(maskError(wrapped)).toBe(wrapped);
  });

  it('translates client errors it meets (e.g. thrown while building the context)', () => {
    expect((maskError(serverError(40100, 401)) as GraphQLError).extensions['code']).toBe('KSQL_UNAUTHORIZED');
  });
});

describe('a connection lost after the /query header', () => {
  it('is KSQL_CONNECTION_LOST, retryable, without internals; before the header it stays KSQL_UNAVAILABLE', () => {
    const lost = new KsqlTransportError('POST http://10.0.0.1:8088/query failed: other side closed', {
      causeCode: 'UND_ERR_SOCKET',
      inStream: true,
    });
    const error = translateError(new GraphQLError(lost.message, { originalError: lost, path: ['pushQuery'] }));
    expect(error?.toJSON()).toEqual({
      message: 'The connection to the ksqlDB server running this query broke; subscribe (or run the query) again.',
      path: ['pushQuery'],
      extensions: { code: 'KSQL_CONNECTION_LOST', retryable: true },
    });
    const before = new KsqlTransportError('POST http://10.0.0.1:8088/query failed: other side closed', { causeCode: 'UND_ERR_SOCKET' });
    expect(translateError(before)?.extensions).toEqual({ code: 'KSQL_UNAVAILABLE', reason: 'ksqlDB closed the connection' });
    expect(ERROR_CODES.map((e) => e.code)).toContain('KSQL_CONNECTION_LOST');
  });
});
