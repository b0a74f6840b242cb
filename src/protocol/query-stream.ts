/**
 * The `/query` StreamedRow array framing (ksqlDB's `JsonStreamedRowResponseWriter`), both directions.
 *
 * Server side: `[` HEADER ( `,\n` ITEM )* `]`, no trailing newline, no
 * keep-alives. Client side: an incremental parser that accepts a chunk
 * boundary at any byte (UTF-8 sequences included: it splits bytes at
 * newlines and decodes whole lines), holds at most one partial line bounded
 * in bytes, and copes with every ending ksqlDB produces: `]`, `,\n]` after
 * an error, and the legacy `]\n` / keep-alive blank lines. Lines are cleaned
 * as ksqlDB's own Java client does (KsqlTargetUtil.toRows): strip a leading
 * `[`, a trailing `]`, then a trailing `,`, skip empty lines.
 *
 * @module
 */
import { BaseError } from '../shared/errors.js';
import { parseJson, stringifyJson } from './json.js';
import type { KsqlErrorMessage, StreamedRow } from './rest-types.js';
import { rowLineDecoder, type RowLineDecoder } from './typed-rows.js';

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

/** A framed line without its framing (KsqlTargetUtil.toRows); '' when it holds no element. */
function cleanLine(rawLine: string): string {
  let line = rawLine.trim();
  if (line.startsWith('[')) line = line.slice(1).trimStart();
  if (line.endsWith(']')) line = line.slice(0, -1).trimEnd();
  if (line.endsWith(',')) line = line.slice(0, -1).trimEnd();
  return line;
}

/** Parses one framed line; returns undefined for a line with no element. */
export function parseStreamedRowLine(rawLine: string): StreamedRow | undefined {
  return parseCleanLine(cleanLine(rawLine), undefined);
}

/** `decodeRow`: the typed decoder for row elements (typed-rows.ts), when the header allowed one. */
function parseCleanLine(line: string, decodeRow: RowLineDecoder | undefined): StreamedRow | undefined {
  if (line === '') return undefined;
  let parsed: unknown;
  try {
    parsed = (decodeRow !== undefined && line.startsWith('{"row"') ? decodeRow(line) : undefined) ?? parseJson(line);
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

/** The default of {@link StreamedRowParserOptions.maxLineBytes}. */
export const DEFAULT_MAX_LINE_BYTES = 16 * 1024 * 1024;

/**
 * A line longer than `maxLineBytes`: thrown as soon as that many bytes of it
 * have arrived, not when (if ever) its newline does.
 */
export class LineTooLongError extends FramingError {
  override readonly code = 'KSQL_LINE_TOO_LONG';
  /** The limit that was exceeded, in bytes. */
  readonly maxLineBytes: number;
  constructor(maxLineBytes: number, start: string) {
    super(`A /query element exceeded ${maxLineBytes} bytes`, start);
    this.maxLineBytes = maxLineBytes;
  }
}

export interface StreamedRowParserOptions {
  /**
   * Longest element (one line, without its newline) accepted, in bytes of
   * UTF-8. The partial line is all the parser holds, so this bounds its
   * memory: a line that never ends throws {@link LineTooLongError} once it
   * is this long.
   * @default 16777216 (bytes, 16 MiB)
   */
  readonly maxLineBytes?: number | undefined;
}

const NEWLINE = 0x0a;
const EMPTY = new Uint8Array(0);

/**
 * Incremental parser: feed bytes in any split, get whole elements out.
 *
 * It works on bytes and decodes one whole line at a time: a newline byte
 * never occurs inside a multi-byte UTF-8 sequence, so a chunk boundary
 * anywhere is safe, and each byte is scanned and copied a bounded number of
 * times (a string parser that re-joins and re-scans its partial line on
 * every chunk is quadratic in the length of a long line).
 */
export class StreamedRowParser {
  readonly #decoder = new TextDecoder('utf-8');
  readonly #encoder = new TextEncoder();
  readonly #maxLineBytes: number;
  /** The start of the line not ended yet (copies, not views of the caller's chunks). */
  #partial: Uint8Array[] = [];
  #partialBytes = 0;
  #decodeRow: RowLineDecoder | undefined;

  constructor(options: StreamedRowParserOptions = {}) {
    const { maxLineBytes = DEFAULT_MAX_LINE_BYTES } = options;
    if (!Number.isSafeInteger(maxLineBytes) || maxLineBytes < 1) {
      throw new RangeError(`maxLineBytes must be an integer >= 1, got ${maxLineBytes}`);
    }
    this.#maxLineBytes = maxLineBytes;
  }

  /** Bytes of the line not ended yet. */
  get partialBytes(): number {
    return this.#partialBytes;
  }

  /**
   * Feeds a chunk; returns the elements it completed, in order. A chunk with
   * no newline may be kept by reference until its line ends: do not reuse
   * its memory.
   */
  push(chunk: Uint8Array | string): StreamedRow[] {
    const bytes = typeof chunk === 'string' ? this.#encoder.encode(chunk) : chunk;
    const out: StreamedRow[] = [];
    let start = 0;
    for (let nl = bytes.indexOf(NEWLINE, start); nl !== -1; nl = bytes.indexOf(NEWLINE, start)) {
      this.#checkLength(this.#partialBytes + (nl - start), bytes.subarray(start, nl));
      this.#parseLine(this.#takeLine(bytes.subarray(start, nl)), out);
      start = nl + 1;
    }
    if (start < bytes.length) {
      const rest = bytes.subarray(start);
      this.#checkLength(this.#partialBytes + rest.length, rest);
      // A chunk wholly inside a line is kept as it is (a long line costs no
      // copy per chunk); the tail of a chunk is copied, so that a few bytes
      // do not keep a whole socket chunk alive. (Buffer#slice is a view.)
      this.#partial.push(start === 0 ? bytes : Uint8Array.prototype.slice.call(rest));
      this.#partialBytes += rest.length;
    }
    return out;
  }

  /** Flushes the last line (a body need not end with a newline). */
  end(): StreamedRow[] {
    const out: StreamedRow[] = [];
    this.#parseLine(this.#takeLine(EMPTY), out);
    return out;
  }

  #checkLength(length: number, tail: Uint8Array): void {
    if (length <= this.#maxLineBytes) return;
    const head = this.#partial[0] ?? tail;
    // Nothing more of this line is kept: the parser is unusable after this anyway.
    this.#partial = [];
    this.#partialBytes = 0;
    throw new LineTooLongError(this.#maxLineBytes, this.#decoder.decode(head.subarray(0, 200)));
  }

  /** The whole line: the partial start joined with `tail`; the partial is reset. */
  #takeLine(tail: Uint8Array): Uint8Array {
    if (this.#partialBytes === 0) return tail;
    const line = new Uint8Array(this.#partialBytes + tail.length);
    let offset = 0;
    for (const piece of this.#partial) {
      line.set(piece, offset);
      offset += piece.length;
    }
    line.set(tail, offset);
    this.#partial = [];
    this.#partialBytes = 0;
    return line;
  }

  #parseLine(line: Uint8Array, out: StreamedRow[]): void {
    if (line.length === 0) return;
    const row = parseCleanLine(cleanLine(this.#decoder.decode(line)), this.#decodeRow);
    if (row === undefined) return;
    // The rows that follow are decoded with the header's column types (typed-rows.ts).
    if ('header' in row && typeof row.header.schema === 'string') this.#decodeRow = rowLineDecoder(row.header.schema);
    out.push(row);
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
