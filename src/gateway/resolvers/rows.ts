/**
 * The parent objects of `QueryHeader` and `QueryRow`, shared by pull queries
 * and push-query events. A row carries its encoded values and the header's
 * column-name array (one array per header, shared by every row); its `row`
 * object is built only when the field is selected.
 *
 * @module
 */
import type { QueryHeader, QueryRow } from '../ksql-client/types.js';
import { createRowShape, rowCursor, rowObject, type ColumnView, type RowShape } from '../schema/index.js';
import { parentOnly } from '../../shared/resolver-traits.js';

export interface HeaderView {
  readonly kind: 'header';
  readonly queryId: string;
  readonly schema: string;
  readonly columns: readonly ColumnView[];
}

export interface RowView {
  readonly kind: 'row';
  /** Encoded values, in header order. */
  readonly columns: readonly unknown[];
  /** The header's column names (shared). */
  readonly names: readonly string[];
  readonly tombstone: boolean;
}

export type QueryEventView = HeaderView | RowView;

export function headerView(header: QueryHeader, shape: RowShape): HeaderView {
  return { kind: 'header', queryId: header.queryId, schema: header.schema, columns: shape.columns };
}

export function rowView(row: QueryRow, shape: RowShape): RowView {
  return { kind: 'row', columns: shape.encode(row.columns), names: shape.names, tombstone: row.tombstone };
}

export { createRowShape };

export const rowResolvers = {
  PushQueryEvent: {
    // Parent-only: the compiled projection (gateway/execution) calls these directly.
    __resolveType: parentOnly((event: QueryEventView) => (event.kind === 'header' ? 'QueryHeader' : 'QueryRow')),
  },
  PushQueryBatchEvent: {
    __resolveType: (event: { readonly kind: 'header' | 'batch' }) => (event.kind === 'header' ? 'QueryHeader' : 'QueryRowBatch'),
  },
  QueryRow: {
    // `{ resolve }`, not a bare function: graphql-tools binds bare functions,
    // which would lose the parentOnly mark.
    row: { resolve: parentOnly((row: RowView) => rowObject(row.names, row.columns)) },
    cursor: { resolve: parentOnly((row: RowView) => rowCursor(row)) },
  },
};
