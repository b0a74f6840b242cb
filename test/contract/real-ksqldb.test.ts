/**
 * The backend contract against a real ksqlDB server at `KSQLDB_URL`
 * (e.g. `KSQLDB_URL=http://localhost:8088 npx vitest run test/contract`).
 * Skipped, with the reason, when the variable is unset.
 *
 * The server must be one nobody minds the suite writing to: every case
 * creates its own streams, tables and topics (named `CT_<run>_<n>_*`) and
 * drops them with DELETE TOPIC at the end; nothing cluster-wide is run.
 *
 * The cases pin current ksqlDB (master, 8.x). Servers older than the
 * catch-all 404 route answer unknown paths, wrong methods and unsupported
 * Accept headers differently; those cases are skipped for them, with the
 * reason, from the version `/info` reports.
 */
import { describe, it } from 'vitest';
import { EXTENSIONS_GROUP, runKsqlBackendContract } from './ksql-backend.case.js';

const KSQLDB_URL = process.env['KSQLDB_URL']?.trim().replace(/\/+$/, '') || undefined;

/** Cases that need the catch-all `router.route().last()` (commit 9ed94b84668). */
const CATCH_ALL_CASES = [
  'routing and negotiation > an unknown path is 404 with the plain body "Not Found" and no Content-Type',
  'routing and negotiation > a known path with the wrong method is 404 "Not Found"',
  'routing and negotiation > an Accept header the route does not produce is 404 "Not Found"',
  'POST /query-stream > an unsupported Accept is 404 "Not Found"',
];

/**
 * Whether a ksqlDB version has the catch-all 404 route: 8.0.4+, 8.1.2+,
 * 8.2.0+ and master do; 7.x, 8.0.0-8.0.3, 8.1.0-8.1.1 and the standalone
 * 0.x line do not.
 */
function hasCatchAll(version: string): boolean {
  const match = /^(\d+)\.(\d+)\.(\d+)/.exec(version);
  if (match === null) return true;
  const [major, minor, patch] = match.slice(1).map(Number) as [number, number, number];
  if (major !== 8) return major > 8;
  if (minor === 0) return patch >= 4;
  if (minor === 1) return patch >= 2;
  return true;
}

async function serverVersion(url: string): Promise<string | undefined> {
  try {
    const res = await fetch(`${url}/info`, {
      headers: { accept: 'application/vnd.ksql.v1+json' },
      signal: AbortSignal.timeout(10_000),
    });
    const body = (await res.json()) as { KsqlServerInfo?: { version?: unknown } };
    const version = body.KsqlServerInfo?.version;
    return typeof version === 'string' ? version : undefined;
  } catch {
    // Unreachable: the cases themselves will say so.
    return undefined;
  }
}

if (KSQLDB_URL === undefined) {
  describe.skip('ksqlDB backend contract: real ksqlDB (skipped: KSQLDB_URL is not set; set it to a ksqlDB base URL to run)', () => {
    it('runs the contract against KSQLDB_URL', () => {});
  });
} else {
  const url = KSQLDB_URL;
  const version = await serverVersion(url);
  const skip: Record<string, string> = {
    [EXTENSIONS_GROUP]:
      'POST /topics/{topic} and GET /topics/{topic}/records are embedded-engine extensions; ksqlDB has no such routes',
  };
  if (version !== undefined && !hasCatchAll(version)) {
    for (const name of CATCH_ALL_CASES) {
      skip[name] =
        `ksqlDB ${version} predates the catch-all route (8.0.4, 8.1.2, 8.2.0): it answers 406 with an empty body, ` +
        '405, or an HTML 404 instead of 404 "Not Found"';
    }
  }
  runKsqlBackendContract({
    name: `ksqlDB backend contract: real ksqlDB at ${url}${version === undefined ? '' : ` (${version})`}`,
    start: () => Promise.resolve({ url, close: () => Promise.resolve() }),
    skip,
  });
}
