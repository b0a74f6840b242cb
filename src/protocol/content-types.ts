/**
 * Content types and `Accept` negotiation as ksqlDB's Vert.x routes do it
 * (ksqlDB's `ksqldb-rest-app`): driven only by `Accept`, q-weights then specificity, wildcards
 * resolve to the route's first declared type, parameters ignored.
 *
 * @module
 */
export const ContentType = {
  KSQL_V1_JSON: 'application/vnd.ksql.v1+json',
  KSQL_V1_PROTOBUF: 'application/vnd.ksql.v1+protobuf',
  JSON: 'application/json',
  DELIMITED: 'application/vnd.ksqlapi.delimited.v1',
} as const;

export type KnownContentType = (typeof ContentType)[keyof typeof ContentType];

/** What our client sends: ksqlDB's own type first, plain JSON as the fallback. */
export const CLIENT_ACCEPT = `${ContentType.KSQL_V1_JSON}, ${ContentType.JSON};q=0.9`;

interface AcceptEntry {
  readonly type: string;
  readonly subtype: string;
  readonly q: number;
  readonly order: number;
}

function parseAccept(header: string): AcceptEntry[] {
  const entries: AcceptEntry[] = [];
  header.split(',').forEach((part, order) => {
    const [mediaRange = '', ...params] = part.trim().split(';');
    const [type = '', subtype = ''] = mediaRange.trim().toLowerCase().split('/');
    if (!type || !subtype) return;
    let q = 1;
    for (const p of params) {
      const [k, v] = p.trim().split('=');
      if (k?.trim().toLowerCase() === 'q' && v !== undefined) {
        const n = Number(v.trim());
        if (Number.isFinite(n)) q = n;
      }
    }
    if (q > 0) entries.push({ type, subtype, q, order });
  });
  const specificity = (e: AcceptEntry) => (e.type === '*' ? 0 : e.subtype === '*' ? 1 : 2);
  return entries.sort((a, b) => b.q - a.q || specificity(b) - specificity(a) || a.order - b.order);
}

/**
 * Picks the response type for a route that declares `produces`.
 * Returns `null` for an absent or empty Accept (matches every route, no
 * preference), the chosen declared type, or `undefined` when nothing matches.
 */
export function negotiate(
  accept: string | null | undefined,
  produces: readonly string[],
): string | null | undefined {
  if (accept === null || accept === undefined || accept.trim() === '') return null;
  for (const entry of parseAccept(accept)) {
    for (const declared of produces) {
      const [t, s] = declared.split('/');
      if (
        (entry.type === '*' || entry.type === t) &&
        (entry.subtype === '*' || entry.subtype === s)
      ) {
        return declared;
      }
    }
  }
  return undefined;
}
