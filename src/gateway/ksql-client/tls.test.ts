import { Agent } from 'undici';
import { describe, expect, it } from 'vitest';
import { createKsqlClient } from './client.js';
import { KsqlClientConfigError } from './errors.js';
import { TlsAlerts, tlsConnectOptions } from './tls.js';

const BROKEN_CERT = '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n';

describe('tlsConnectOptions', () => {
  it('verifies by default, and passes servername and insecure mode through', () => {
    expect(tlsConnectOptions({})).toEqual({ rejectUnauthorized: true });
    expect(tlsConnectOptions({ rejectUnauthorized: false, servername: 'ksqldb.internal' })).toEqual({
      rejectUnauthorized: false,
      servername: 'ksqldb.internal',
    });
  });

  it('refuses what would fail every connection later, without echoing the PEM', () => {
    const refusals: Array<[Parameters<typeof tlsConnectOptions>[0], RegExp]> = [
      [{ cert: BROKEN_CERT }, /tls\.cert and tls\.key go together/],
      [{ key: 'secret-key-text' }, /tls\.cert and tls\.key go together/],
      [{ ca: 'not a certificate at all' }, /tls\.ca holds no PEM certificate/],
      [{ ca: [] }, /tls\.ca holds no PEM certificate/],
      [{ ca: BROKEN_CERT }, /tls\.ca holds a certificate that does not parse/],
      [{ cert: BROKEN_CERT, key: 'secret-key-text' }, /are not usable \(ERR_OSSL_/],
      [{ rejectUnauthorized: 'no' as unknown as boolean }, /rejectUnauthorized must be a boolean/],
    ];
    for (const [options, message] of refusals) {
      let error: unknown;
      try {
        tlsConnectOptions(options);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(KsqlClientConfigError);
      expect((error as Error).message).toMatch(message);
      expect((error as Error).message).not.toMatch(/secret-key-text|AAAA/);
    }
  });
});

describe('createKsqlClient({ tls })', () => {
  it('refuses tls with a dispatcher of your own: that dispatcher carries its own TLS', async () => {
    const dispatcher = new Agent();
    try {
      expect(() => createKsqlClient({ baseUrl: 'https://ksqldb:8088', dispatcher, tls: { rejectUnauthorized: false } })).toThrow(
        /give your dispatcher its own TLS options/,
      );
    } finally {
      await dispatcher.close();
    }
  });

  it('checks tls when it is created', () => {
    expect(() => createKsqlClient({ baseUrl: 'https://ksqldb:8088', tls: { ca: 'nope' } })).toThrow(KsqlClientConfigError);
  });
});

describe('TlsAlerts.explain', () => {
  it('leaves errors alone unless a TLS alert was seen on that very connection', () => {
    const alerts = new TlsAlerts();
    const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    expect(alerts.explain(refused)).toBe(refused);
    const closed = Object.assign(new Error('other side closed'), {
      code: 'UND_ERR_SOCKET',
      socket: { localAddress: '127.0.0.1', localPort: 50000, remoteAddress: '127.0.0.1', remotePort: 8088 },
    });
    expect(alerts.explain(closed)).toBe(closed);
    const noInfo = Object.assign(new Error('closed'), { code: 'UND_ERR_SOCKET', socket: null });
    expect(alerts.explain(noInfo)).toBe(noInfo);
  });
});
