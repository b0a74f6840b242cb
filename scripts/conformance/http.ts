/**
 * The runner's HTTP client: `/ksql`, `/query` (StreamedRow lines, parsed the
 * way ksqlDB's Java client does), and the embedded engine's topic
 * extensions (`POST /topics/{t}`, `GET /topics/{t}/records`).
 *
 * @module
 */
import { isObject, parseJsonText, type Json } from './json.js';

export interface HttpResult {
  readonly status: number;
  readonly body: Json;
  readonly text: string;
}

function parseBody(text: string): Json {
  try {
    return text.trim() === '' ? null : parseJsonText(text);
  } catch {
    return text;
  }
}

export async function postJson(url: string, body: unknown, signal: AbortSignal, accept = 'application/json'): Promise<HttpResult> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept },
    body: JSON.stringify(body),
    signal,
  });
  const text = await res.text();
  return { status: res.status, body: parseBody(text), text };
}

export async function getJson(url: string, signal: AbortSignal): Promise<HttpResult> {
  const res = await fetch(url, { headers: { accept: 'application/json' }, signal });
  const text = await res.text();
  return { status: res.status, body: parseBody(text), text };
}

/**
 * One line of a `/query` body as `KsqlTargetUtil.toRows` reads it: strip a
 * leading `[`, a trailing `]`, then a trailing `,`; blank lines are skipped.
 */
export function parseStreamedLine(line: string): Json | undefined {
  let s = line.trim();
  if (s.startsWith('[')) s = s.slice(1);
  if (s.endsWith(']')) s = s.slice(0, -1);
  if (s.endsWith(',')) s = s.slice(0, -1);
  s = s.trim();
  if (s === '') return undefined;
  return parseJsonText(s);
}

export function parseStreamedRows(text: string): Json[] {
  const rows: Json[] = [];
  for (const line of text.split('\n')) {
    const row = parseStreamedLine(line);
    if (row !== undefined) rows.push(row);
  }
  return rows;
}

/** A StreamedRow that ends the stream for the harness's streamed subscriber. */
export function isTerminalRow(row: Json): boolean {
  return isObject(row) && (row['finalMessage'] !== undefined || row['errorMessage'] !== undefined);
}

export function isHeaderRow(row: Json): boolean {
  return isObject(row) && row['header'] !== undefined;
}

export type QueryOutcome =
  | { readonly ok: true; readonly rows: Json[]; readonly timedOut: boolean }
  | { readonly ok: false; readonly error: HttpResult };

/**
 * `POST /query` with `Accept: application/json`. Reads until the body ends,
 * or, when `afterHeader` is given, runs it once the header arrives and reads
 * until a terminal row (finalMessage / errorMessage) or the end. A body still
 * open when `signal` fires gives the rows so far with `timedOut`.
 */
export async function runQuery(
  baseUrl: string,
  sql: string,
  properties: Readonly<Record<string, Json>>,
  signal: AbortSignal,
  afterHeader?: () => Promise<void>,
): Promise<QueryOutcome> {
  const local = new AbortController();
  const onAbort = () => local.abort();
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    const res = await fetch(`${baseUrl}/query`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ ksql: sql, streamsProperties: properties }),
      signal: local.signal,
    });
    if (res.status !== 200) {
      const text = await res.text();
      return { ok: false, error: { status: res.status, body: parseBody(text), text } };
    }
    const rows: Json[] = [];
    if (res.body === null) return { ok: true, rows, timedOut: false };
    const reader = res.body.getReader();
    const decoder = new TextDecoder();
    let buffered = '';
    let headerSeen = false;
    let timedOut = false;
    const take = (line: string): boolean => {
      const row = parseStreamedLine(line);
      if (row === undefined) return false;
      rows.push(row);
      return afterHeader !== undefined && isTerminalRow(row);
    };
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        buffered += decoder.decode(value, { stream: true });
        let nl: number;
        let stop = false;
        while ((nl = buffered.indexOf('\n')) >= 0) {
          const line = buffered.slice(0, nl);
          buffered = buffered.slice(nl + 1);
          if (take(line)) stop = true;
        }
        // The header line ends without a newline until the next item arrives.
        if (afterHeader !== undefined && !headerSeen) {
          const pending = buffered.trim();
          if (rows.some(isHeaderRow) || (pending.startsWith('[{"header"') && pending.endsWith('}}'))) {
            if (!rows.some(isHeaderRow)) {
              take(buffered);
              buffered = '';
            }
            headerSeen = true;
            await afterHeader();
          }
        }
        if (stop) break;
      }
      take(buffered);
    } catch (err) {
      if (!signal.aborted) throw err;
      timedOut = true;
    } finally {
      local.abort();
    }
    return { ok: true, rows, timedOut };
  } catch (err) {
    if (signal.aborted) return { ok: true, rows: [], timedOut: true };
    throw err;
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}
