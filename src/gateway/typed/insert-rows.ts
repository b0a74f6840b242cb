/**
 * Several rows into one source, in order, for the plural typed insert
 * mutation: over ksqlDB's `/inserts-stream` (one HTTP/2 request, one
 * acknowledgement per row) when the client and the server offer it, else
 * one `INSERT INTO … VALUES` statement per row over `/ksql`, as the
 * single-row mutation does. Either way the rows stop at the first one
 * refused, as ksqlDB's `/inserts-stream` does: the rows after it are
 * `skipped` (never written), so both paths leave the same rows behind.
 *
 * `/inserts-stream` takes rows as JSON, which ksqlDB coerces to the column
 * types itself; only columns whose JSON form is exact (STRING, INTEGER,
 * DOUBLE, BOOLEAN) go that way. A row with BIGINT, DECIMAL, temporal, BYTES
 * or nested columns is sent as statements, whose literals sql.ts builds
 * exactly (no JSON number rounding, no server-side string coercion).
 *
 * @module
 */
import type { CallOptions, KsqlClient } from '../ksql-client/types.js';
import type { ColumnType } from './sql.js';

export type InsertOutcome =
  | { readonly seq: number; readonly status: 'ok' }
  | { readonly seq: number; readonly status: 'error'; readonly error: unknown }
  | { readonly seq: number; readonly status: 'skipped' };

const JSON_EXACT: Readonly<Record<string, string>> = { STRING: 'string', INTEGER: 'number', DOUBLE: 'number', BOOLEAN: 'boolean' };

/** Every value set is of a column type whose JSON form ksqlDB reads back exactly. */
function jsonExact(columns: readonly ColumnType[], rows: readonly Readonly<Record<string, unknown>>[]): boolean {
  const types = new Map(columns.map((c) => [c.name, c.type.type]));
  return rows.every((row) =>
    Object.entries(row).every(([name, value]) => {
      if (name.includes('`')) return false;
      const jsType = JSON_EXACT[types.get(name) ?? ''];
      return jsType !== undefined && (value === null || value === undefined || typeof value === jsType);
    }),
  );
}

/** Column names backtick-quoted: `/inserts-stream` uppercases unquoted keys. */
function quotedKeys(row: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(row)) if (value !== undefined) out[`\`${name}\``] = value;
  return out;
}

/**
 * Writes `rows` (keyed by ksqlDB column names) to `source`; `statements`
 * are their `INSERT` statements (built, and so validated, by the caller
 * before anything is sent). One outcome per row, in order.
 */
export async function insertRows(
  client: KsqlClient,
  source: string,
  columns: readonly ColumnType[],
  rows: readonly Readonly<Record<string, unknown>>[],
  statements: readonly string[],
  options: CallOptions,
): Promise<InsertOutcome[]> {
  if (rows.length === 0) return [];
  if (client.insertsStream !== undefined && jsonExact(columns, rows)) {
    const acked = await client.insertsStream(source, rows.map(quotedKeys), options);
    if (acked !== null) return acked;
  }
  const out: InsertOutcome[] = [];
  let failed = false;
  for (const [seq, ksql] of statements.entries()) {
    if (failed) {
      out.push({ seq, status: 'skipped' });
      continue;
    }
    try {
      await client.ksql({ ksql }, options);
      out.push({ seq, status: 'ok' });
    } catch (error) {
      out.push({ seq, status: 'error', error });
      failed = true;
    }
  }
  return out;
}
