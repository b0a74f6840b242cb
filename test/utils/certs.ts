/**
 * Test certificates, made at test time with the `openssl` CLI in a temporary
 * directory (nothing secret is checked in, nothing expires in the repo):
 *
 * - `ca`: a CA, and `server` signed by it for 127.0.0.1 and localhost (SAN);
 * - `otherCa`: an unrelated CA (a gateway trusting only it must refuse `server`);
 * - `wrongHost`: signed by `ca` but for `ksqldb.example` only;
 * - `selfSigned`: a self-signed server certificate for 127.0.0.1/localhost;
 * - `clientCa`: the CA of client certificates, and `client` signed by it.
 *
 * Every entry has the paths of its PEM files (`certFile`, `keyFile`) and
 * their contents (`cert`, `key`).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Pem {
  readonly certFile: string;
  readonly keyFile: string;
  readonly cert: Buffer;
  readonly key: Buffer;
}

export interface TestCerts {
  readonly dir: string;
  readonly ca: Pem;
  readonly otherCa: Pem;
  readonly server: Pem;
  readonly wrongHost: Pem;
  readonly selfSigned: Pem;
  readonly clientCa: Pem;
  readonly client: Pem;
  /** Removes the directory. */
  dispose(): void;
}

/** Why TLS tests cannot run here, or undefined when `openssl` is available. */
export function opensslMissing(): string | undefined {
  const probe = spawnSync('openssl', ['version'], { encoding: 'utf8' });
  if (probe.error !== undefined || probe.status !== 0) {
    return `the openssl CLI is not available (${probe.error?.message ?? `exit ${probe.status}`}); it makes the test certificates`;
  }
  return undefined;
}

// P-256 keys: as good as RSA here, and much faster to make.
const NEW_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1'];
const CA_EXTENSIONS = ['-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'];

export function makeTestCerts(): TestCerts {
  const dir = mkdtempSync(join(tmpdir(), 'ksqldb-gateway-tls-'));
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  const pem = (name: string): Pem => ({
    certFile: join(dir, `${name}.pem`),
    keyFile: join(dir, `${name}.key`),
    cert: readFileSync(join(dir, `${name}.pem`)),
    key: readFileSync(join(dir, `${name}.key`)),
  });
  const selfSigned = (name: string, subject: string, extensions: string[]) =>
    openssl('req', '-x509', ...NEW_KEY, '-nodes', '-keyout', `${name}.key`, '-out', `${name}.pem`, '-days', '2', '-subj', subject, ...extensions);
  const signed = (name: string, subject: string, ca: string, extensions: string) => {
    openssl('req', ...NEW_KEY, '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subject);
    writeFileSync(join(dir, `${name}.ext`), extensions);
    openssl('x509', '-req', '-in', `${name}.csr`, '-CA', `${ca}.pem`, '-CAkey', `${ca}.key`, '-CAcreateserial', '-out', `${name}.pem`, '-days', '2', '-extfile', `${name}.ext`);
  };
  try {
    selfSigned('ca', '/CN=ksqldb-gateway test CA', CA_EXTENSIONS);
    selfSigned('other-ca', '/CN=ksqldb-gateway unrelated CA', CA_EXTENSIONS);
    selfSigned('client-ca', '/CN=ksqldb-gateway client CA', CA_EXTENSIONS);
    signed('server', '/CN=localhost', 'ca', 'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n');
    signed('wrong-host', '/CN=ksqldb.example', 'ca', 'subjectAltName=DNS:ksqldb.example\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n');
    signed('client', '/CN=gateway', 'client-ca', 'basicConstraints=CA:FALSE\nextendedKeyUsage=clientAuth\n');
    selfSigned('self-signed', '/CN=localhost', ['-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost']);
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    dir,
    ca: pem('ca'),
    otherCa: pem('other-ca'),
    server: pem('server'),
    wrongHost: pem('wrong-host'),
    selfSigned: pem('self-signed'),
    clientCa: pem('client-ca'),
    client: pem('client'),
    dispose: () => rmSync(dir, { recursive: true, force: true }),
  };
}
