/**
 * Address and Host-header helpers used to pick safe defaults: a server bound
 * to loopback only is reachable from this machine alone, anything else may be
 * reached from the network.
 *
 * @module
 */
import { isIP } from 'node:net';

/**
 * True when `host` (a `listen()` address or name) accepts connections from
 * this machine only: `localhost`, `127.0.0.0/8`, `::1` (and `::ffff:127.x`).
 * `0.0.0.0`, `::` and every other address are not loopback.
 */
export function isLoopbackHost(host: string): boolean {
  const h = unbracket(host.trim().toLowerCase());
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (h === '::1' || h === '0:0:0:0:0:0:0:1') return true;
  const v4 = h.startsWith('::ffff:') ? h.slice(7) : h;
  return isIP(v4) === 4 && v4.startsWith('127.');
}

/** The names a browser uses for a loopback server; the Host header must be one of them. */
export const LOOPBACK_HOST_NAMES: readonly string[] = Object.freeze(['localhost', '*.localhost', '127.0.0.1', '::1']);

function unbracket(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

/**
 * The host name of a `Host` header value, lower-cased, without the port and
 * without IPv6 brackets; undefined for an empty or malformed value.
 */
export function hostHeaderName(value: string | null | undefined): string | undefined {
  if (!value) return undefined;
  const v = value.trim().toLowerCase();
  if (v.startsWith('[')) {
    const end = v.indexOf(']');
    if (end === -1) return undefined;
    const rest = v.slice(end + 1);
    if (rest !== '' && !/^:\d+$/.test(rest)) return undefined;
    return v.slice(1, end);
  }
  const colon = v.indexOf(':');
  if (colon !== -1 && v.indexOf(':', colon + 1) !== -1) return undefined; // a bare IPv6 address is not a valid Host
  const name = colon === -1 ? v : v.slice(0, colon);
  if (colon !== -1 && !/^\d+$/.test(v.slice(colon + 1))) return undefined;
  return name === '' ? undefined : name;
}

/**
 * Matches a host name against patterns: exact names (case-insensitive), or
 * `*.example.com` for any sub-domain of example.com; `*` matches any name.
 */
export function hostMatches(name: string, patterns: readonly string[]): boolean {
  const n = name.toLowerCase();
  for (const raw of patterns) {
    const p = unbracket(raw.trim().toLowerCase());
    if (p === '*' || p === n) return true;
    if (p.startsWith('*.') && n.endsWith(p.slice(1)) && n.length > p.length - 1) return true;
  }
  return false;
}
