/**
 * Route paths. commandIds contain backticks (``stream/`FOO`/create``) and the
 * server splits them on the first two `/`, so each segment is encoded on its
 * own and the separators are kept.
 *
 * @module
 */
export const Paths = {
  INFO: '/info',
  HEALTHCHECK: '/healthcheck',
  CLUSTER_STATUS: '/clusterStatus',
  KSQL: '/ksql',
  KSQL_TERMINATE: '/ksql/terminate',
  QUERY: '/query',
  QUERY_STREAM: '/query-stream',
  CLOSE_QUERY: '/close-query',
  /** HTTP/2 only in ksqlDB (400, error code 40004, over HTTP/1.1). */
  INSERTS_STREAM: '/inserts-stream',
  STATUS: '/status',
  IS_VALID_PROPERTY: '/is_valid_property',
  /** Embedded-engine extension: Kafka REST Proxy v2 style produce. */
  TOPICS: '/topics',
} as const;

/** `/status/{type}/{entity}/{action}` with each segment percent-encoded. */
export function statusPath(commandId: string): string {
  const first = commandId.indexOf('/');
  const second = first === -1 ? -1 : commandId.indexOf('/', first + 1);
  if (first === -1 || second === -1) return `${Paths.STATUS}/${encodeURIComponent(commandId)}`;
  const parts = [commandId.slice(0, first), commandId.slice(first + 1, second), commandId.slice(second + 1)];
  return `${Paths.STATUS}/${parts.map(encodeURIComponent).join('/')}`;
}

/** Inverse of {@link statusPath} for the server side. */
export function commandIdFromStatusPath(pathname: string): string | undefined {
  if (!pathname.startsWith(`${Paths.STATUS}/`)) return undefined;
  const rest = pathname.slice(Paths.STATUS.length + 1).replace(/\/$/, '');
  const parts = rest.split('/');
  if (parts.length !== 3) return undefined;
  try {
    return parts.map(decodeURIComponent).join('/');
  } catch {
    return undefined;
  }
}
