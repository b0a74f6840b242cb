/**
 * Keeping credentials out of text that leaves the process (errors sent to
 * clients, log lines): the exact secret strings the process knows, every
 * form they may be echoed in, and anything shaped like an `Authorization`
 * value.
 *
 * @module
 */

export const REDACTED = '[REDACTED]';

/** Very short fragments would redact ordinary words; a real secret is longer. */
const MIN_SECRET_LENGTH = 4;

/**
 * The strings that must never appear, derived from a secret or an
 * `Authorization` value: the value, its credential part, for Basic the
 * decoded `user:password`, the password, and the password's base64 (a
 * server may echo it encoded on its own), longest first.
 */
export function secretsOf(value: string | undefined): string[] {
  if (!value) return [];
  const secrets = [value];
  const space = value.indexOf(' ');
  const scheme = space === -1 ? '' : value.slice(0, space).toLowerCase();
  const credential = space === -1 ? '' : value.slice(space + 1).trim();
  if (credential && (scheme === 'basic' || scheme === 'bearer')) secrets.push(credential);
  if (credential && scheme === 'basic') {
    const decoded = Buffer.from(credential, 'base64').toString('utf8');
    secrets.push(decoded);
    const colon = decoded.indexOf(':');
    if (colon !== -1) {
      const password = decoded.slice(colon + 1);
      secrets.push(password, ...encodings(password));
    }
  } else if (!scheme) {
    secrets.push(...encodings(value));
  }
  return [...new Set(secrets.filter((s) => s.length >= MIN_SECRET_LENGTH))].sort((a, b) => b.length - a.length);
}

/** Forms a secret may be echoed in: base64 (with and without padding), URL-encoded. */
function encodings(secret: string): string[] {
  const base64 = Buffer.from(secret, 'utf8').toString('base64');
  return [base64, base64.replace(/=+$/, ''), encodeURIComponent(secret)];
}

/** Replaces every occurrence of each secret by `[REDACTED]`. */
export function redactSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) if (out.includes(s)) out = out.split(s).join(REDACTED);
  return out;
}

/** `Basic xxx`, `Bearer xxx` and friends: the credential after the scheme. */
const AUTHORIZATION_VALUE = /\b(Basic|Bearer|Digest|Negotiate|ApiKey|Token)\s+[A-Za-z0-9._~+/=-]{4,}/gi;

/** Redacts anything shaped like an `Authorization` header value, whoever's it is. */
export function redactAuthorizationValues(text: string): string {
  return text.replace(AUTHORIZATION_VALUE, (_m, scheme: string) => `${scheme} ${REDACTED}`);
}
