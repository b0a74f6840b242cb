/**
 * Row lines decoded with their query's header (the `/query` StreamedRow array): the header's
 * schema says which columns hold BIGINT or DECIMAL values, the only ones
 * whose exact text matters. Every other value is read by the native
 * `JSON.parse`, whatever its digits: a DOUBLE with 17 significant digits or
 * an exponent is a double either way, and the lossless parser (which
 * `parseJson` falls back to for such lines) is several times slower.
 *
 * - no BIGINT or DECIMAL column: `JSON.parse` of the line;
 * - BIGINT or DECIMAL columns at the top level: `JSON.parse`, then the text
 *   of those columns is cut out of the line and read as a plain number when
 *   a double reproduces the text, else a `JsonNumber`;
 * - BIGINT or DECIMAL inside an ARRAY, MAP or STRUCT: no typed decoder, the
 *   line goes through `parseJson` as before.
 *
 * The exact columns are read by `parseJsonNumber`, which keeps the text of
 * `-0` and `0.0000001` where `parseJson`'s native fast path gives a double
 * whose `String` differs (`0`, `1e-7`). For the other columns a number may be
 * a plain double where `parseJson` kept a `JsonNumber` (`0.1000000000000001`,
 * `1e400`), which the gateway turns into the same double anyway.
 *
 * @module
 */
import { parseJsonNumber, type JsonValue } from './json.js';
import { parseSchemaString, type WireType } from './schema-string.js';

/** Decodes one cleaned row line (no framing `[`, `]` or `,`): the parsed element. */
export type RowLineDecoder = (line: string) => unknown;

function holdsExact(type: WireType): boolean {
  switch (type.type) {
    case 'BIGINT':
    case 'DECIMAL':
      return true;
    case 'ARRAY':
      return holdsExact(type.item);
    case 'MAP':
      return holdsExact(type.key) || holdsExact(type.value);
    case 'STRUCT':
      return type.fields.some((f) => holdsExact(f.type));
    default:
      return false;
  }
}

/**
 * The decoder for the rows of a query whose header carries `schema`;
 * undefined when the schema cannot be read or nests BIGINT/DECIMAL values
 * (the caller then keeps `parseJson`).
 */
export function rowLineDecoder(schema: string): RowLineDecoder | undefined {
  let types: WireType[];
  try {
    types = parseSchemaString(schema).map((c) => c.type);
  } catch {
    return undefined;
  }
  // By column index: whether its text is read exactly (an array, not a Set: this runs per value).
  const wanted: boolean[] = [];
  let last = -1;
  for (let i = 0; i < types.length; i++) {
    const type = types[i] as WireType;
    wanted.push(type.type === 'BIGINT' || type.type === 'DECIMAL');
    if (wanted[i] === true) last = i;
    else if (holdsExact(type)) return undefined;
  }
  if (last < 0) return (line) => JSON.parse(line) as unknown;
  return (line) => {
    const element = JSON.parse(line) as { row?: { columns?: JsonValue[] } };
    const columns = element.row?.columns;
    if (!Array.isArray(columns)) return element;
    // The line parsed, so it is JSON; a shape the scan does not know keeps parseJson's reading.
    return readExactColumns(line, wanted, last, columns) ? element : undefined;
  };
}

/**
 * Short decimals that a double reproduces digit for digit: at most 15
 * characters (so at most 15 digits), no exponent, no trailing fractional
 * zero, not `-0`, and not below 1e-6 (where `String` switches to exponents).
 * For these `Number` alone gives what `parseJsonNumber` would, without its
 * `String(n)` check, the costly part.
 */
const SHORT_EXACT = /^(?:-?[1-9]\d*(?:\.\d*[1-9])?|-?0\.0{0,5}[1-9](?:\d*[1-9])?|0)$/;

function exactValue(text: string): JsonValue {
  if (text === 'null') return null;
  if (text.length <= 15 && SHORT_EXACT.test(text)) return Number(text);
  return parseJsonNumber(text);
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;
const COMMA = 0x2c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

/** The index after the string that starts at `start` (a quote). */
function skipString(text: string, start: number): number {
  let quote = text.indexOf('"', start + 1);
  for (;;) {
    if (quote < 0) return text.length;
    // Escaped when an odd number of backslashes precede it.
    let backslashes = 0;
    while (text.charCodeAt(quote - 1 - backslashes) === BACKSLASH) backslashes++;
    if (backslashes % 2 === 0) return quote + 1;
    quote = text.indexOf('"', quote + 1);
  }
}

/** What ksqlDB writes before the values of a row. */
const ROW_PREFIX = '{"row":{"columns":[';

/** Where the values of `row.columns` start in the valid JSON `line`; -1 when it has none. */
function columnsStart(line: string): number {
  if (line.startsWith(ROW_PREFIX)) return ROW_PREFIX.length;
  // Any other spelling: find `"columns"` as a key of the object at depth 2.
  let depth = 0;
  let i = 0;
  while (i < line.length) {
    const c = line.charCodeAt(i);
    if (c === QUOTE) {
      const end = skipString(line, i);
      if (depth === 2 && line.slice(i, end) === '"columns"') {
        let j = end;
        while (isSpace(line.charCodeAt(j))) j++;
        if (line.charCodeAt(j) === COLON) {
          j++;
          while (isSpace(line.charCodeAt(j))) j++;
          if (line.charCodeAt(j) === OPEN_BRACKET) return j + 1;
        }
      }
      i = end;
      continue;
    }
    if (c === OPEN_BRACE || c === OPEN_BRACKET) depth++;
    else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) depth--;
    i++;
  }
  return -1;
}

/**
 * Replaces the wanted elements of `columns` (up to index `last`) by the exact
 * reading of their text, found by a scan of the valid JSON `line` that only
 * follows strings and nesting; false when `row.columns` is not where a row
 * puts it.
 */
function readExactColumns(line: string, wanted: readonly boolean[], last: number, columns: JsonValue[]): boolean {
  const arrayStart = columnsStart(line);
  if (arrayStart < 0) return false;
  // Split the array's elements at its own commas.
  let index = 0;
  let start = arrayStart;
  let nested = 0;
  let i = arrayStart;
  while (i < line.length) {
    const c = line.charCodeAt(i);
    if (c === QUOTE) {
      i = skipString(line, i);
      continue;
    }
    if (c === OPEN_BRACE || c === OPEN_BRACKET) nested++;
    else if ((c === CLOSE_BRACE || c === CLOSE_BRACKET) && nested > 0) nested--;
    else if (nested === 0 && (c === COMMA || c === CLOSE_BRACKET)) {
      if (wanted[index] === true && index < columns.length) {
        const text = line.slice(start, i).trim();
        if (text !== '') columns[index] = exactValue(text);
      }
      if (index === last || c === CLOSE_BRACKET) return true;
      index++;
      start = i + 1;
    }
    i++;
  }
  return false;
}
