/**
 * The `/query` StreamedRow array framing (spec §5.2), both directions.
 *
 * Server side: `[` HEADER ( `,\n` ITEM )* `]`, no trailing newline, no
 * keep-alives. Client side: an incremental parser that accepts a chunk
 * boundary at any byte (UTF-8 sequences included, through a streaming
 * TextDecoder) and copes with every ending ksqlDB produces: `]`, `,\n]` after
 * an error, and the legacy `]\n` / keep-alive blank lines. Lines are cleaned
 * as ksqlDB's own Java client does (KsqlTargetUtil.toRows): strip a leading
 * `[`, a trailing `]`, then a trailing `,`, skip empty lines.
 *
 * @module
 */
import { BaseError } from '../shared/errors.js';
import { parseJson, stringifyJson } from './json.js';
import type { KsqlErrorMessage, StreamedRow } from './rest-types.js';

export const QueryFraming = {
  OPEN: '[',
  SEPARATOR: ',\n',
  CLOSE: ']',
} as const;

/** One StreamedRow as the server writes it. */
export function encodeStreamedRow(row: StreamedRow): string {
  return stringifyJson(row);
}

export class FramingError extends BaseError {
  readonly line: string;
  constructor(message: string, line: string, cause?: unknown) {
    super('KSQL_FRAMING_ERROR', message, { cause });
    this.line = line;
  }
}

/** Parses one framed line; returns undefined for a line with no element. */
export function parseStreamedRowLine(rawLine: string): StreamedRow | undefined {
  let line = rawLine.trim();
  if (line.startsWith('[')) line = line.slice(1).trimStart();
  if (line.endsWith(']')) line = line.slice(0, -1).trimEnd();
  if (line.endsWith(',')) line = line.slice(0, -1).trimEnd();
  if (line === '') return undefined;
  let parsed: unknown;
  try {
    parsed = parseJson(line);
  } catch (err) {
    throw new FramingError(`Malformed element in /query response: ${truncate(line)}`, line, err);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new FramingError(`Unexpected element in /query response: ${truncate(line)}`, line);
  }
  return parsed as StreamedRow;
}

function truncate(s: string): string {
  return s.length > 200 ? `${s.slice(0, 200)}…` : s;
}

/**
 * Incremental parser: feed bytes in any split, get whole elements out.
 * Holds at most one partial line; `maxLineBytes` bounds it.
 */
export class StreamedRowParser {
  readonly #decoder = new TextDecoder('utf-8');
  readonly #maxLineLength: number;
  #partial = '';

  /** @param maxLineLength longest element accepted, in UTF-16 code units. @default 64 MiB */
  constructor(maxLineLength = 64 * 1024 * 1024) {
    this.#maxLineLength = maxLineLength;
  }

  /** Feeds a chunk; returns the elements it completed, in order. */
  push(chunk: Uint8Array | string): StreamedRow[] {
    const text = typeof chunk === 'string' ? chunk : this.#decoder.decode(chunk, { stream: true });
    return this.#consume(text, false);
  }

  /** Flushes the last line (a body need not end with a newline). */
  end(): StreamedRow[] {
    return this.#consume(this.#decoder.decode(), true);
  }

  #consume(text: string, final: boolean): StreamedRow[] {
    const out: StreamedRow[] = [];
    let buf = this.#partial + text;
    let start = 0;
    for (let nl = buf.indexOf('\n', start); nl !== -1; nl = buf.indexOf('\n', start)) {
      const row = parseStreamedRowLine(buf.slice(start, nl));
      if (row !== undefined) out.push(row);
      start = nl + 1;
    }
    buf = start === 0 ? buf : buf.slice(start);
    if (final) {
      this.#partial = '';
      const row = parseStreamedRowLine(buf);
      if (row !== undefined) out.push(row);
    } else {
      if (buf.length > this.#maxLineLength) {
        throw new FramingError(
          `A /query element exceeded ${this.#maxLineLength} characters`,
          buf.slice(0, 200),
        );
      }
      this.#partial = buf;
    }
    return out;
  }
}

/** Type guards over the StreamedRow union. */
export const StreamedRows = {
  isHeader: (r: StreamedRow): r is Extract<StreamedRow, { header: unknown }> => 'header' in r,
  isRow: (r: StreamedRow): r is Extract<StreamedRow, { row: unknown }> => 'row' in r,
  isFinal: (r: StreamedRow): r is Extract<StreamedRow, { finalMessage: unknown }> =>
    'finalMessage' in r,
  isError: (r: StreamedRow): r is { errorMessage: KsqlErrorMessage } => 'errorMessage' in r,
} as const;
