/**
 * Syntax errors that know where they are.
 *
 * The message's first line follows ksqlDB's `ParsingException`
 * (`line L:C: ...`, columns 1-based), then the description in the
 * "Expected X, found Y" pattern:
 *
 * ```text
 * line 1:12: Syntax Error
 * Expected ';', found <EOF>
 * ```
 *
 * `toString()` (and {@link printSourceLocation}) adds a caret excerpt:
 *
 * ```text
 * SQL:1:12
 * 1 | SHOW TOPICS
 *   |            ^
 * ```
 *
 * @module
 */
import { BaseError } from '../../shared/errors.js';
import { type Source, type SourcePosition, getLocation, toSource } from './source.js';

export const SQL_SYNTAX_ERROR = 'SQL_SYNTAX_ERROR';

export interface SqlSyntaxErrorOptions {
  readonly cause?: unknown;
}

export class SqlSyntaxError extends BaseError {
  declare readonly code: typeof SQL_SYNTAX_ERROR;
  readonly source: Source;
  /** Offset (UTF-16 code units) of the offending character or token. */
  readonly offset: number;
  /** 1-based. */
  readonly line: number;
  /** 1-based (ksqlDB reports `charPositionInLine + 1`). */
  readonly column: number;
  /** The message without the `line L:C: Syntax Error` header. */
  readonly description: string;

  constructor(
    source: Source | string,
    offset: number,
    description: string,
    options: SqlSyntaxErrorOptions = {},
  ) {
    const src = toSource(source);
    const { line, column } = getLocation(src, offset);
    super(SQL_SYNTAX_ERROR, `line ${line}:${column}: Syntax Error\n${description}`, options);
    this.source = src;
    this.offset = offset;
    this.line = line;
    this.column = column;
    this.description = description;
  }

  /** The message followed by a caret excerpt of the source. */
  override toString(): string {
    return `${this.name}: ${this.message}\n\n${printSourceLocation(this.source, this)}`;
  }
}

/** Shorthand used by the lexer and the parser. */
export function syntaxError(source: Source, offset: number, description: string): SqlSyntaxError {
  return new SqlSyntaxError(source, offset, description);
}

/**
 * Renders the source around a position with a caret under the column, in the
 * style of graphql-js `printSourceLocation`: the previous line, the line
 * itself, a caret line, and the next line.
 */
export function printSourceLocation(source: Source | string, position: SourcePosition): string {
  const src = toSource(source);
  const lines = src.body.split(/\r\n|[\n\r]/g);
  const { line, column } = position;
  const lineIndex = line - 1;
  const header = `${src.name}:${line}:${column}\n`;

  const rows: [string, string | undefined][] = [
    [`${line - 1}`, lineIndex > 0 ? lines[lineIndex - 1] : undefined],
    [`${line}`, lines[lineIndex] ?? ''],
    ['', ' '.repeat(Math.max(0, column - 1)) + '^'],
    [`${line + 1}`, lines[lineIndex + 1]],
  ];
  const present = rows.filter(
    (row): row is [string, string] => row[1] !== undefined && (row[0] === `${line}` || row[0] === '' || row[1] !== ''),
  );
  const width = Math.max(...present.map(([prefix]) => prefix.length));
  return (
    header +
    present
      .map(([prefix, text]) => `${prefix.padStart(width)} |${text === '' ? '' : ` ${text}`}`)
      .join('\n')
  );
}
