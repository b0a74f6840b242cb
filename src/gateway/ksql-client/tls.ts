/**
 * TLS towards ksqlDB when the client owns its undici `Agent`: a custom CA, a
 * client certificate (mutual TLS), and insecure mode, all applied through
 * undici's own connector (`buildConnector`, the `connect` option of `Agent`).
 *
 * It also keeps the real cause of a refused client certificate. In TLS 1.3
 * the client's handshake is over before the server has checked the client's
 * certificate: the server's alert (`certificate_required`, `bad_certificate`,
 * ...) arrives as an error on a socket undici already uses, right before the
 * socket ends, and undici reports the end ("other side closed",
 * `UND_ERR_SOCKET`) instead. {@link TlsAlerts} remembers such alerts per
 * connection and an interceptor hands the alert, not the `SocketError`, to
 * the caller, exactly as undici does for alerts during the handshake (TLS
 * 1.2). The connection is matched by the `socket` address info undici puts
 * on every `SocketError`.
 *
 * @module
 */
import { X509Certificate } from 'node:crypto';
import type { Duplex } from 'node:stream';
import { createSecureContext, type SecureContext } from 'node:tls';
import { buildConnector, type Dispatcher } from 'undici';
import { KsqlClientConfigError } from './errors.js';

/** PEM text or its bytes. */
export type Pem = string | Buffer;

export interface KsqlTlsOptions {
  /**
   * Certificate authorities (PEM) trusted for ksqlDB's certificate, instead
   * of Node's bundled root certificates.
   * @default Node's root certificates (plus `NODE_EXTRA_CA_CERTS`)
   */
  readonly ca?: Pem | readonly Pem[] | undefined;
  /**
   * Client certificate (PEM, optionally followed by its intermediates) for a
   * ksqlDB that requires one (`ssl.client.authentication=REQUIRED`); needs `key`.
   * @default none
   */
  readonly cert?: Pem | undefined;
  /**
   * Private key (PEM, unencrypted) of `cert`.
   * @default none
   */
  readonly key?: Pem | undefined;
  /**
   * Verify ksqlDB's certificate: its chain up to a trusted CA, and that it
   * names the host. `false` accepts any certificate, so anyone on the path
   * can impersonate ksqlDB and read the credentials sent to it: development
   * only.
   * @default true
   */
  readonly rejectUnauthorized?: boolean | undefined;
  /**
   * Host name sent in SNI and checked against the certificate, when it is
   * not the URL's host (e.g. a URL with an IP address, or a tunnel).
   * @default the URL's host name
   */
  readonly servername?: string | undefined;
}

/**
 * The `connect` options for undici: ca/cert/key are loaded once into a
 * SecureContext, so bad PEM or a key that does not match its certificate is
 * a configuration error now, not a failure of every connection later.
 */
export function tlsConnectOptions(options: KsqlTlsOptions): buildConnector.BuildOptions {
  const { ca, cert, key, rejectUnauthorized = true, servername } = options;
  if ((cert === undefined) !== (key === undefined)) {
    throw new KsqlClientConfigError('tls.cert and tls.key go together');
  }
  if (typeof rejectUnauthorized !== 'boolean') {
    throw new KsqlClientConfigError('tls.rejectUnauthorized must be a boolean');
  }
  const cas = ca === undefined ? [] : Array.isArray(ca) ? (ca as readonly Pem[]) : [ca as Pem];
  if (ca !== undefined) checkCertificates(cas);
  let secureContext: SecureContext | undefined;
  if (ca !== undefined || cert !== undefined) {
    try {
      secureContext = createSecureContext({
        ...(ca === undefined ? {} : { ca: [...cas] }),
        ...(cert === undefined ? {} : { cert }),
        ...(key === undefined ? {} : { key }),
      });
    } catch (cause) {
      // The message names the OpenSSL reason only: never the PEM text.
      const code = (cause as { code?: unknown }).code;
      throw new KsqlClientConfigError(
        `tls: the ${cert === undefined ? 'CA certificates are' : 'CA certificates, client certificate or key are'} not usable${typeof code === 'string' ? ` (${code})` : ''}`,
        { cause },
      );
    }
  }
  return {
    rejectUnauthorized,
    ...(servername === undefined ? {} : { servername }),
    ...(secureContext === undefined ? {} : { secureContext }),
  };
}

/**
 * OpenSSL skips whatever in `ca` is not a readable certificate, so a wrong
 * file would silently trust nothing: every block must parse, and there must
 * be one.
 */
function checkCertificates(cas: readonly Pem[]): void {
  const blocks = cas.flatMap((pem) => String(pem).match(/-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g) ?? []);
  if (blocks.length === 0) throw new KsqlClientConfigError('tls.ca holds no PEM certificate');
  for (const block of blocks) {
    try {
      new X509Certificate(block);
    } catch (cause) {
      const code = (cause as { code?: unknown }).code;
      throw new KsqlClientConfigError(`tls.ca holds a certificate that does not parse${typeof code === 'string' ? ` (${code})` : ''}`, { cause });
    }
  }
}

interface AddressInfoLike {
  readonly localAddress?: string | undefined;
  readonly localPort?: number | undefined;
  readonly remoteAddress?: string | undefined;
  readonly remotePort?: number | undefined;
}

/** One connection's four addresses; unique among open connections. */
function connectionKey(info: AddressInfoLike): string | undefined {
  const { localAddress, localPort, remoteAddress, remotePort } = info;
  if (localAddress === undefined || localPort === undefined || remoteAddress === undefined || remotePort === undefined) {
    return undefined;
  }
  return `${localAddress}|${localPort}|${remoteAddress}|${remotePort}`;
}

function isTlsError(err: unknown): err is Error {
  const code = (err as { code?: unknown } | null)?.code;
  return (
    err instanceof Error &&
    typeof code === 'string' &&
    (code.startsWith('ERR_SSL_') || code.startsWith('ERR_TLS_') || code === 'EPROTO')
  );
}

export interface TlsAlertsOptions {
  /**
   * Alerts kept for connections whose request has not failed yet; the
   * oldest go first.
   * @default 64
   */
  readonly maxEntries?: number | undefined;
}

/** See the module comment: TLS errors reported after the handshake, by connection. */
export class TlsAlerts {
  readonly #alerts = new Map<string, Error>();
  readonly #maxEntries: number;

  constructor(options: TlsAlertsOptions = {}) {
    const { maxEntries = 64 } = options;
    this.#maxEntries = maxEntries;
  }

  /** undici's connector for `options`, watching every connection it opens. */
  connector(options: buildConnector.BuildOptions): buildConnector.connector {
    const connect = buildConnector(options);
    return (opts, callback) => {
      connect(opts, (...args) => {
        const [err, socket] = args;
        // undici calls back with the error alone when the connect fails.
        if (err === null) {
          const key = connectionKey(socket);
          if (key !== undefined) {
            // A new connection may reuse the addresses of a closed one: its alert is stale.
            this.#alerts.delete(key);
            socket.on('error', (error: unknown) => {
              if (isTlsError(error)) this.#remember(key, error);
            });
          }
        }
        callback(...args);
      });
    };
  }

  /** `dispatcher.compose(alerts.interceptor())`: a request failing with a connection's end gets its TLS alert instead. */
  interceptor(): Dispatcher.DispatcherComposeInterceptor {
    return (dispatch) => (opts, handler) => dispatch(opts, new TlsAlertHandler(handler, this));
  }

  /** The TLS alert behind an `UND_ERR_SOCKET`, if one was seen on that connection; else `err`. */
  explain(err: Error): Error {
    const { code, socket } = err as { code?: unknown; socket?: AddressInfoLike | null };
    if (code !== 'UND_ERR_SOCKET' || typeof socket !== 'object' || socket === null) return err;
    const key = connectionKey(socket);
    const alert = key === undefined ? undefined : this.#alerts.get(key);
    if (alert === undefined || key === undefined) return err;
    this.#alerts.delete(key);
    return alert;
  }

  #remember(key: string, error: Error): void {
    this.#alerts.delete(key);
    this.#alerts.set(key, error);
    for (const oldest of this.#alerts.keys()) {
      if (this.#alerts.size <= this.#maxEntries) break;
      this.#alerts.delete(oldest);
    }
  }
}

type Controller = Dispatcher.DispatchController;
type Headers = Record<string, string | string[] | undefined>;

class TlsAlertHandler implements Dispatcher.DispatchHandler {
  readonly #handler: Dispatcher.DispatchHandler;
  readonly #alerts: TlsAlerts;

  constructor(handler: Dispatcher.DispatchHandler, alerts: TlsAlerts) {
    this.#handler = handler;
    this.#alerts = alerts;
  }

  onRequestStart(controller: Controller, context: unknown): void {
    this.#handler.onRequestStart?.(controller, context);
  }

  onRequestUpgrade(controller: Controller, statusCode: number, headers: Headers, socket: Duplex): void {
    this.#handler.onRequestUpgrade?.(controller, statusCode, headers, socket);
  }

  onResponseStart(controller: Controller, statusCode: number, headers: Headers, statusMessage?: string): void {
    this.#handler.onResponseStart?.(controller, statusCode, headers, statusMessage);
  }

  onResponseData(controller: Controller, chunk: Buffer): void {
    this.#handler.onResponseData?.(controller, chunk);
  }

  onResponseEnd(controller: Controller, trailers: Headers): void {
    this.#handler.onResponseEnd?.(controller, trailers);
  }

  onResponseError(controller: Controller, err: Error): void {
    this.#handler.onResponseError?.(controller, this.#alerts.explain(err));
  }
}
