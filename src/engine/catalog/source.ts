/**
 * Data sources (streams and tables) and custom types as the catalog keeps them.
 *
 * @module
 */
import type { FormatName, SqlType } from '../types/index.js';
import type { LogicalSchema } from './schema.js';

export type SourceType = 'STREAM' | 'TABLE';

export interface FormatInfo {
  readonly format: FormatName;
  /** Format properties, e.g. `delimiter`, `fullSchemaName`, `schemaId`. */
  readonly properties: Readonly<Record<string, string>>;
}

export interface TimestampColumn {
  readonly column: string;
  readonly format?: string | undefined;
}

export type WindowType = 'SESSION' | 'HOPPING' | 'TUMBLING';

export interface WindowInfo {
  readonly type: WindowType;
  /** Window size in ms; absent for SESSION. */
  readonly sizeMs?: number | undefined;
}

export interface DataSource {
  readonly sourceType: SourceType;
  /** Name as stored (upper-cased unless it was quoted). */
  readonly name: string;
  readonly schema: LogicalSchema;
  readonly topic: string;
  readonly keyFormat: FormatInfo;
  readonly valueFormat: FormatInfo;
  /** WRAP_SINGLE_VALUE as given; undefined when not set. */
  readonly wrapSingleValue?: boolean | undefined;
  readonly timestampColumn?: TimestampColumn | undefined;
  readonly windowInfo?: WindowInfo | undefined;
  /** The statement that created it (DESCRIBE EXTENDED `statement`). */
  readonly sqlExpression: string;
  /** `CREATE SOURCE STREAM|TABLE`: read-only. */
  readonly isSource: boolean;
  /** Created by CREATE ... AS SELECT. */
  readonly isSink: boolean;
}

export interface CustomType {
  readonly name: string;
  readonly type: SqlType;
}
