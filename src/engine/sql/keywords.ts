/**
 * ksqlDB keywords, from the lexer rules of `SqlBase.g4`, split into reserved
 * words and the `nonReserved` ones that may also be used as identifiers.
 *
 * @module
 */

/** Keywords usable as identifiers (ksqlDB's `nonReserved` rule). */
export const NON_RESERVED_KEYWORDS: ReadonlySet<string> = new Set([
  'SHOW', 'TABLES', 'COLUMNS', 'COLUMN', 'PARTITIONS', 'FUNCTIONS', 'FUNCTION', 'SESSION',
  'STRUCT', 'MAP', 'ARRAY', 'PARTITION',
  'INTEGER', 'DATE', 'TIME', 'TIMESTAMP', 'INTERVAL', 'ZONE', 'STRING',
  'YEAR', 'MONTH', 'DAY', 'HOUR', 'MINUTE', 'SECOND',
  'EXPLAIN', 'ANALYZE', 'TYPE', 'TYPES',
  'SET', 'RESET',
  'IF',
  'SOURCE', 'SINK',
  'PRIMARY', 'KEY',
  'EMIT',
  'CHANGES',
  'FINAL',
  'ESCAPE',
  'REPLACE',
  'ASSERT',
  'ALTER',
  'ADD',
  'HEADER', 'HEADERS',
  'GRACE', 'PERIOD',
  'DEFINE', 'UNDEFINE', 'VARIABLES',
  'PLUGINS', 'SYSTEM',
  'TIMEOUT', 'SCHEMA', 'SUBJECT', 'ID',
  // Not in SqlBase.g4's token list of older releases; treated as non-reserved
  // so that columns named PAUSE/RESUME keep working.
  'PAUSE', 'RESUME',
]);

/** Keywords that cannot be used as unquoted identifiers. */
export const RESERVED_KEYWORDS: ReadonlySet<string> = new Set([
  'SELECT', 'FROM', 'AS', 'ALL', 'DISTINCT', 'WHERE', 'WITHIN', 'WINDOW', 'GROUP', 'BY',
  'HAVING', 'LIMIT', 'AT', 'OR', 'AND', 'IN', 'NOT', 'EXISTS', 'BETWEEN', 'LIKE', 'IS',
  'NULL', 'TRUE', 'FALSE',
  'MILLISECOND', 'YEARS', 'MONTHS', 'DAYS', 'HOURS', 'MINUTES', 'SECONDS', 'MILLISECONDS',
  'TUMBLING', 'HOPPING', 'SIZE', 'ADVANCE', 'RETENTION',
  'CASE', 'WHEN', 'THEN', 'ELSE', 'END',
  'JOIN', 'FULL', 'OUTER', 'INNER', 'LEFT', 'RIGHT', 'ON',
  'WITH', 'VALUES', 'CREATE', 'TABLE', 'TOPIC', 'STREAM', 'STREAMS', 'INSERT', 'DELETE',
  'INTO', 'DESCRIBE', 'EXTENDED', 'PRINT', 'CAST', 'LIST', 'TOPICS', 'QUERY', 'QUERIES',
  'TERMINATE', 'LOAD', 'DROP', 'TO', 'RENAME', 'SAMPLE', 'EXPORT', 'CATALOG', 'PROPERTIES',
  'BEGINNING', 'UNSET', 'RUN', 'SCRIPT', 'DECIMAL', 'CONNECTOR', 'CONNECTORS', 'NAMESPACE',
  'MATERIALIZED', 'VIEW',
]);

export function isReservedKeyword(upper: string): boolean {
  return RESERVED_KEYWORDS.has(upper);
}

export function isKeyword(upper: string): boolean {
  return RESERVED_KEYWORDS.has(upper) || NON_RESERVED_KEYWORDS.has(upper);
}
