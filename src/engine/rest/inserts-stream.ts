/**
 * `POST /inserts-stream` (ksqlDB's `InsertsStreamHandler`): a newline-delimited request body, the
 * `{"target":…}` line, then one JSON object per row; the response acks each
 * row (`{"seq":n,"status":"ok"}`) as soon as it is inserted, while the client
 * may still be sending. The first failing row gets an `InsertError` and ends
 * the response, as in ksqlDB.
 *
 * Each row goes through the engine's own `INSERT INTO … VALUES` (the facade's
 * `execute`), so it is checked, coerced and produced exactly like a statement
 * sent to `/ksql`. JSON maps onto SQL literals: strings, numbers (exact
 * text), booleans, null, arrays as `ARRAY[…]`, objects as `STRUCT(…)`. A MAP
 * column cannot be told from a STRUCT in JSON, so it is not supported here.
 *
 * Bounds: one line of the request body at most `maxLineBytes`; rows are read
 * only when the response is read (the ack stream pulls them), so a client
 * that does not read its acks stops being read too.
 *
 * @module
 */
import {
  ContentType,
  ErrorCode,
  isJsonNumber,
  parseJson,
  stringifyJson,
  type InsertError,
  type JsonValue,
} from '../../protocol/index.js';
import type { Logger } from '../../shared/logger.js';
import { isEngineError, type Engine } from '../index.js';

export interface InsertsStreamOptions {
  readonly engine: Engine;
  /** `application/vnd.ksqlapi.delimited.v1` (one ack per line) or `application/json` (an array). */
  readonly format: 'delimited' | 'json';
  /**
   * Longest line of the request body.
   * @default 16777216 (bytes, 16 MiB)
   */
  readonly maxLineBytes?: number | undefined;
  readonly logger?: Logger | undefined;
}

/** A bad first line or target: answered with a 400 before any ack. */
export class InsertsStreamRequestError extends Error {
  readonly errorCode: number;
  constructor(errorCode: number, message: string) {
    super(message);
    this.errorCode = errorCode;
  }
}

const encoder = new TextEncoder();
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
const QUOTED = /^`([^`]+)`$/;

/** Reads newline-delimited lines from a byte stream, each at most `max` bytes. */
class LineReader {
  readonly #reader: ReadableStreamDefaultReader<Uint8Array>;
  readonly #decoder = new TextDecoder();
  readonly #max: number;
  #buffer = new Uint8Array(0);
  #done = false;

  constructor(body: ReadableStream<Uint8Array>, max: number) {
    this.#reader = body.getReader();
    this.#max = max;
  }

  /** The next non-empty line, or undefined at the end of the body. */
  async next(): Promise<string | undefined> {
    for (;;) {
      const nl = this.#buffer.indexOf(0x0a);
      if (nl !== -1) {
        const line = this.#decoder.decode(this.#buffer.subarray(0, nl)).trim();
        this.#buffer = this.#buffer.slice(nl + 1);
        if (line !== '') return line;
        continue;
      }
      if (this.#buffer.length > this.#max) throw new InsertsStreamRequestError(ErrorCode.BAD_REQUEST, `A line of the inserts stream is longer than ${this.#max} bytes`);
      if (this.#done) {
        const line = this.#decoder.decode(this.#buffer).trim();
        this.#buffer = new Uint8Array(0);
        return line === '' ? undefined : line;
      }
      const { done, value } = await this.#reader.read();
      if (done) {
        this.#done = true;
        continue;
      }
      const joined = new Uint8Array(this.#buffer.length + value.length);
      joined.set(this.#buffer);
      joined.set(value, this.#buffer.length);
      this.#buffer = joined;
    }
  }

  cancel(): void {
    void this.#reader.cancel().catch(() => {});
  }
}

function quoteIdentifier(name: string): string {
  const quoted = QUOTED.exec(name);
  if (quoted !== null) return name;
  if (!IDENTIFIER.test(name)) throw new InsertsStreamRequestError(ErrorCode.BAD_REQUEST, `Invalid column or target name: ${name}`);
  return '`' + name.toUpperCase() + '`';
}

function literal(v: JsonValue): string {
  if (v === null) return 'NULL';
  if (typeof v === 'boolean') return v ? 'TRUE' : 'FALSE';
  if (typeof v === 'number' || typeof v === 'bigint' || isJsonNumber(v)) return stringifyJson(v);
  if (typeof v === 'string') return `'${v.replace(/'/g, "''")}'`;
  if (Array.isArray(v)) return `ARRAY[${v.map(literal).join(', ')}]`;
  return `STRUCT(${Object.entries(v).map(([k, x]) => `${quoteIdentifier(k)} := ${literal(x)}`).join(', ')})`;
}

/** The INSERT statement of one row. */
export function insertStatement(target: string, row: JsonValue): string {
  if (typeof row !== 'object' || row === null || Array.isArray(row) || isJsonNumber(row)) {
    throw new InsertsStreamRequestError(ErrorCode.BAD_REQUEST, 'Invalid JSON in inserts stream');
  }
  const entries = Object.entries(row as Record<string, JsonValue>);
  const columns = entries.map(([k]) => quoteIdentifier(k)).join(', ');
  const values = entries.map(([, v]) => literal(v)).join(', ');
  return `INSERT INTO ${quoteIdentifier(target)} (${columns}) VALUES (${values});`;
}

function parseLine(line: string): JsonValue {
  try {
    return parseJson(line);
  } catch {
    throw new InsertsStreamRequestError(ErrorCode.BAD_REQUEST, 'Invalid JSON in inserts stream');
  }
}

/**
 * Reads the first line and checks the target; throws
 * {@link InsertsStreamRequestError} for the 400 answer. Returns the ack
 * stream, which reads and inserts the rows as it is read.
 */
export async function openInsertsStream(body: ReadableStream<Uint8Array>, options: InsertsStreamOptions): Promise<ReadableStream<Uint8Array>> {
  const { engine, format, maxLineBytes = 16 * 1024 * 1024, logger } = options;
  const lines = new LineReader(body, maxLineBytes);
  let target: string;
  try {
    const first = await lines.next();
    const args = first === undefined ? undefined : parseLine(first);
    const t = typeof args === 'object' && args !== null && !Array.isArray(args) && !isJsonNumber(args) ? (args as Record<string, JsonValue>)['target'] : undefined;
    if (typeof t !== 'string' || t.trim() === '') {
      throw new InsertsStreamRequestError(ErrorCode.BAD_REQUEST, "Invalid JSON in request: Missing required creator property 'target'");
    }
    target = t.trim();
    quoteIdentifier(target);
    // The target must exist before the 200 is committed (ksqlDB answers 400 40001).
    try {
      await engine.execute({ ksql: `DESCRIBE ${quoteIdentifier(target)};` });
    } catch (err) {
      if (isEngineError(err)) throw new InsertsStreamRequestError(ErrorCode.BAD_STATEMENT, `Cannot insert values into an unknown stream/table: ${target}`);
      throw err;
    }
  } catch (err) {
    lines.cancel();
    throw err;
  }

  let seq = 0;
  let acks = 0;
  let finished = false;
  const element = (json: string): Uint8Array =>
    encoder.encode(format === 'delimited' ? json + '\n' : (acks++ === 0 ? '[' : ',') + json);
  const close = (controller: ReadableStreamDefaultController<Uint8Array>) => {
    finished = true;
    if (format === 'json') controller.enqueue(encoder.encode(acks === 0 ? '[]' : ']'));
    controller.close();
  };

  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        if (finished) return;
        let rowSeq = seq;
        try {
          const line = await lines.next();
          if (line === undefined) {
            close(controller);
            return;
          }
          rowSeq = seq++;
          await engine.execute({ ksql: insertStatement(target, parseLine(line)) });
          controller.enqueue(element(stringifyJson({ seq: rowSeq, status: 'ok' })));
        } catch (err) {
          let errorCode: number = ErrorCode.BAD_REQUEST;
          let message: string;
          if (err instanceof InsertsStreamRequestError) {
            errorCode = err.errorCode;
            message = err.message;
          } else if (isEngineError(err)) {
            message = err.message;
          } else {
            logger?.error('inserts stream failed', err);
            errorCode = ErrorCode.SERVER_ERROR;
            message = 'Error in processing inserts. Check server logs for details.';
          }
          const error: InsertError = { '@type': 'InsertError', error_code: errorCode, message, status: 'error', seq: rowSeq };
          controller.enqueue(element(stringifyJson(error)));
          lines.cancel();
          close(controller);
        }
      },
      cancel() {
        finished = true;
        lines.cancel();
      },
    },
    { highWaterMark: 0 },
  );
}

export const INSERTS_STREAM_PRODUCES = [ContentType.DELIMITED, ContentType.JSON];
