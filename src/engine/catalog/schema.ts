/**
 * Logical schemas: a source's key, value and header columns, plus the
 * system (pseudo) columns every source has.
 *
 * @module
 */
import { SqlTypes, type SqlType } from '../types/index.js';

export type ColumnNamespace = 'KEY' | 'VALUE' | 'HEADERS' | 'HEADER';

export interface Column {
  readonly name: string;
  readonly type: SqlType;
  readonly namespace: ColumnNamespace;
  /** For `HEADER('key')` columns. */
  readonly headerKey?: string | undefined;
}

/** Key columns first, then value and header columns in declaration order (ksqlDB's order). */
export interface LogicalSchema {
  readonly key: readonly Column[];
  /** Value and header columns, as declared. */
  readonly value: readonly Column[];
}

export const SystemColumns = {
  ROWTIME: 'ROWTIME',
  ROWPARTITION: 'ROWPARTITION',
  ROWOFFSET: 'ROWOFFSET',
  WINDOWSTART: 'WINDOWSTART',
  WINDOWEND: 'WINDOWEND',
} as const;

/** Pseudo columns readable on every source (WINDOWSTART/END only when windowed). */
export const PSEUDO_COLUMNS: readonly { readonly name: string; readonly type: SqlType }[] = [
  { name: SystemColumns.ROWTIME, type: SqlTypes.BIGINT },
  { name: SystemColumns.ROWPARTITION, type: SqlTypes.INTEGER },
  { name: SystemColumns.ROWOFFSET, type: SqlTypes.BIGINT },
];

export const WINDOW_BOUNDS: readonly { readonly name: string; readonly type: SqlType }[] = [
  { name: SystemColumns.WINDOWSTART, type: SqlTypes.BIGINT },
  { name: SystemColumns.WINDOWEND, type: SqlTypes.BIGINT },
];

const SYSTEM_NAMES = new Set<string>(Object.values(SystemColumns));

/** ksqlDB's `SystemColumns.isSystemColumn`: names no user column may take. */
export function isSystemColumn(name: string): boolean {
  return SYSTEM_NAMES.has(name);
}

export function allColumns(schema: LogicalSchema): Column[] {
  return [...schema.key, ...schema.value];
}

/** Value columns that are stored in the record value (not headers). */
export function valueColumns(schema: LogicalSchema): Column[] {
  return schema.value.filter((c) => c.namespace === 'VALUE');
}

export function headerColumns(schema: LogicalSchema): Column[] {
  return schema.value.filter((c) => c.namespace === 'HEADER' || c.namespace === 'HEADERS');
}
