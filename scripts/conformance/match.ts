/**
 * The comparison rules of ksqlDB's REST test harness (RQTT), as its
 * `RestTestExecutor` (ksqldb-functional-tests, confluentinc/ksql) applies them:
 *
 * - an expected object is a subset of the actual one (`matchResponseFields`),
 *   `key|starts_with` compares strings by prefix, `{STATEMENT}` in expected
 *   strings is the statement at the response's index;
 * - the actual side first drops null, `[]`, `{}` and `""` properties
 *   (Jackson `Include.NON_EMPTY`; row `columns` contents are kept);
 * - a query response has exactly as many elements as expected; row `columns`
 *   form a multiset unless `verifyOrder`, everything else is positional;
 * - output records are compared per topic, in order, on key, value and
 *   timestamp (`ExpectedRecordComparator`).
 *
 * Every check returns the first {@link Mismatch} (the harness stops at its
 * first failed assertion) or `null`.
 *
 * @module
 */
import { isObject, jsonEquals, Num, numbersEqualByValue, stringify, type Json, type JsonObject } from './json.js';

export interface Mismatch {
  /** Where: `responses[2]->query[1]->row->columns`, `outputs[OUT][0].value`, ... */
  readonly path: string;
  readonly message: string;
  readonly expected?: string | undefined;
  readonly actual?: string | undefined;
}

function mismatch(path: string, message: string, expected?: Json | string, actual?: Json | string): Mismatch {
  const show = (v: Json | string | undefined) => (v === undefined ? undefined : typeof v === 'string' ? v : stringify(v));
  return { path, message, expected: show(expected), actual: show(actual) };
}

/** Renders a mismatch as a few indented lines for the console. */
export function formatMismatch(m: Mismatch): string {
  const lines = [`at ${m.path}: ${m.message}`];
  if (m.expected !== undefined) lines.push(`  expected: ${truncate(m.expected, 600)}`);
  if (m.actual !== undefined) lines.push(`  actual:   ${truncate(m.actual, 600)}`);
  return lines.join('\n');
}

function truncate(s: string, n: number): string {
  return s.length <= n ? s : s.slice(0, n) + `… (${s.length} chars)`;
}

// ---------------------------------------------------------------------------
// NON_EMPTY

function isEmptyValue(v: Json): boolean {
  return v === null || v === '' || (Array.isArray(v) && v.length === 0) || (isObject(v) && Object.keys(v).length === 0);
}

/**
 * The actual side as `TestJsonMapper` (Include.NON_EMPTY) re-serialises it:
 * object properties that are null, `""`, `[]` or `{}` disappear, at every
 * depth except inside row `columns` (cell values are list elements).
 */
export function dropEmpty(v: Json): Json {
  if (Array.isArray(v)) return v.map(dropEmpty);
  if (!isObject(v)) return v;
  const out: JsonObject = {};
  for (const [k, x] of Object.entries(v)) {
    if (isEmptyValue(x)) continue;
    out[k] = k === 'columns' ? x : dropEmpty(x);
  }
  return out;
}

// ---------------------------------------------------------------------------
// matchResponseFields

interface MatchContext {
  readonly statements: readonly string[];
  /** Index of the response: `{STATEMENT}` is `statements[idx]`. */
  readonly idx: number;
  /** When set, `row` → `columns` values are collected here instead of compared. */
  readonly columns?: { readonly expected: Json[]; readonly actual: Json[] } | undefined;
}

function replaceMacros(v: Json, ctx: MatchContext): Json {
  if (typeof v !== 'string') return v;
  const statement = ctx.statements[ctx.idx];
  return statement === undefined ? v : v.replaceAll('{STATEMENT}', statement);
}

/** Recursive subset match of `expected` in `actual` (RestTestExecutor.matchResponseFields). */
export function matchResponseFields(actual: JsonObject, expected: JsonObject, ctx: MatchContext, path: string): Mismatch | null {
  for (const [rawKey, rawExpected] of Object.entries(expected)) {
    const bar = rawKey.indexOf('|');
    const key = bar < 0 ? rawKey : rawKey.slice(0, bar);
    const operator = bar < 0 ? 'EQUALS' : rawKey.slice(bar + 1).toUpperCase();
    if (operator !== 'EQUALS' && operator !== 'STARTS_WITH') {
      return mismatch(path, `unknown match operator '${rawKey.slice(bar + 1)}' in expected key '${rawKey}'`);
    }
    const expectedValue = replaceMacros(rawExpected, ctx);
    if (!Object.hasOwn(actual, key)) {
      return mismatch(path, `key '${key}' missing`, expected, actual);
    }
    const actualValue = actual[key] as Json;
    const newPath = `${path}->${key}`;
    if (ctx.columns !== undefined && key === 'columns' && /->row$/.test(path)) {
      ctx.columns.expected.push(expectedValue);
      ctx.columns.actual.push(actualValue);
      continue;
    }
    if (isObject(expectedValue)) {
      if (!isObject(actualValue)) return mismatch(newPath, 'expected an object', expectedValue, actualValue);
      const m = matchResponseFields(actualValue, expectedValue, ctx, newPath);
      if (m !== null) return m;
    } else if (operator === 'STARTS_WITH') {
      if (typeof actualValue !== 'string' || typeof expectedValue !== 'string') {
        return mismatch(newPath, 'starts_with needs strings on both sides', expectedValue, actualValue);
      }
      if (!actualValue.startsWith(expectedValue)) {
        return mismatch(newPath, 'does not start with the expected prefix', expectedValue, actualValue);
      }
    } else if (!jsonEquals(actualValue, expectedValue)) {
      return mismatch(newPath, 'values differ', expectedValue, actualValue);
    }
  }
  return null;
}

// ---------------------------------------------------------------------------
// responses

/** One actual response: a `/ksql` entity or a whole `/query` response (its StreamedRows). */
export type ActualResponse = { readonly kind: 'admin'; readonly entity: Json } | { readonly kind: 'query'; readonly rows: readonly Json[] };

function multisetCount(list: readonly Json[], v: Json): number {
  let n = 0;
  for (const x of list) if (jsonEquals(x, v)) n++;
  return n;
}

/** Differences between two multisets: expected items not matched, actual items not matched. */
export function multisetDiff(expected: readonly Json[], actual: readonly Json[]): { missing: Json[]; unexpected: Json[] } {
  const left = [...expected];
  const unexpected: Json[] = [];
  for (const a of actual) {
    const i = left.findIndex((e) => jsonEquals(e, a));
    if (i < 0) unexpected.push(a);
    else left.splice(i, 1);
  }
  return { missing: left, unexpected };
}

export function matchQueryResponse(
  rows: readonly Json[],
  expectedRows: readonly Json[],
  statements: readonly string[],
  idx: number,
  verifyOrder: boolean,
): Mismatch | null {
  const path = `responses[${idx}]->query`;
  if (rows.length !== expectedRows.length) {
    return mismatch(
      path,
      `row count mismatch: expected ${expectedRows.length} elements, got ${rows.length}`,
      expectedRows.map(stringify).join('\n            '),
      rows.map((r) => stringify(dropEmpty(r))).join('\n            '),
    );
  }
  const columns = verifyOrder ? undefined : { expected: [] as Json[], actual: [] as Json[] };
  for (let i = 0; i < rows.length; i++) {
    const expected = expectedRows[i] as Json;
    if (!isObject(expected)) return mismatch(`${path}[${i}]`, 'each expected row should be a JSON object', expected);
    const actual = dropEmpty(rows[i] as Json);
    if (!isObject(actual)) return mismatch(`${path}[${i}]`, 'actual row is not a JSON object', expected, actual);
    const m = matchResponseFields(actual, expected, { statements, idx, columns }, `${path}[${i}]`);
    if (m !== null) return m;
  }
  if (columns !== undefined) {
    for (const a of columns.actual) {
      if (multisetCount(columns.actual, a) !== multisetCount(columns.expected, a)) {
        const { missing, unexpected } = multisetDiff(columns.expected, columns.actual);
        return mismatch(
          `${path}[*]->row->columns`,
          `rows differ (compared as a multiset): ${missing.length} expected row(s) not found, ${unexpected.length} unexpected`,
          missing.map(stringify).join('\n            ') || '(all found)',
          unexpected.map(stringify).join('\n            ') || '(none unexpected)',
        );
      }
    }
  }
  return null;
}

export function matchAdminResponse(entity: Json, expected: Json, statements: readonly string[], idx: number): Mismatch | null {
  const path = `responses[${idx}]->admin`;
  if (!isObject(expected)) return mismatch(path, 'admin payload should be a JSON object', expected);
  const actual = dropEmpty(entity);
  if (!isObject(actual)) return mismatch(path, 'actual entity is not a JSON object', expected, actual);
  return matchResponseFields(actual, expected, { statements, idx }, path);
}

/** Expected responses against actual ones, in order (RestTestExecutor.verifyResponses). */
export function matchResponses(
  actual: readonly ActualResponse[],
  expected: readonly Json[],
  statements: readonly string[],
  verifyOrder: boolean,
): Mismatch | null {
  if (actual.length < expected.length) {
    return mismatch(
      'responses',
      `not enough responses: expected at least ${expected.length}, got ${actual.length}`,
      expected.map((e) => (isObject(e) ? Object.keys(e).join(',') : '?')).join(' '),
      actual.map((a) => a.kind).join(' '),
    );
  }
  for (let idx = 0; idx < expected.length; idx++) {
    const e = expected[idx] as Json;
    if (!isObject(e) || Object.keys(e).length !== 1) {
      return mismatch(`responses[${idx}]`, 'each expected response must have exactly one key', e);
    }
    const [type, payload] = Object.entries(e)[0] as [string, Json];
    const a = actual[idx] as ActualResponse;
    if (type === 'admin') {
      if (a.kind !== 'admin') return mismatch(`responses[${idx}]`, 'expected an admin response, got a query response', e, { query: [...a.rows] });
      const m = matchAdminResponse(a.entity, payload, statements, idx);
      if (m !== null) return m;
    } else if (type === 'query') {
      if (a.kind !== 'query') return mismatch(`responses[${idx}]`, 'expected a query response, got an admin response', e, a.entity);
      if (!Array.isArray(payload)) return mismatch(`responses[${idx}]`, 'query response should be an array', payload);
      const m = matchQueryResponse(a.rows, payload, statements, idx, verifyOrder);
      if (m !== null) return m;
    } else {
      return mismatch(`responses[${idx}]`, `expected response kind '${type}' is not supported by this runner`);
    }
  }
  return null;
}

// ---------------------------------------------------------------------------
// expectedError

export interface ExpectedError {
  readonly type?: string | null | undefined;
  readonly message?: string | null | undefined;
  readonly status?: number | Num | null | undefined;
}

export interface ErrorResponse {
  readonly status: number;
  readonly body: Json;
}

/** ExpectedErrorNode: type (instanceOf), message (contains), status. */
export function matchError(resp: ErrorResponse, expected: ExpectedError, lastStatement: string): Mismatch | null {
  const body = isObject(resp.body) ? resp.body : {};
  const atType = body['@type'];
  if (expected.type !== undefined && expected.type !== null) {
    const cls = expected.type.slice(expected.type.lastIndexOf('.') + 1);
    const isError = typeof body['message'] === 'string' || atType === 'generic_error' || atType === 'statement_error';
    if (cls === 'KsqlStatementErrorMessage') {
      if (atType !== 'statement_error') {
        return mismatch('expectedError.type', 'expected a statement_error (KsqlStatementErrorMessage)', expected.type, resp.body);
      }
      const text = body['statementText'];
      if (typeof text !== 'string' || !text.includes(lastStatement)) {
        return mismatch('expectedError.type', 'statementText does not contain the last statement', lastStatement, typeof text === 'string' ? text : resp.body);
      }
    } else if (cls === 'KsqlErrorMessage') {
      if (!isError) return mismatch('expectedError.type', 'expected an error message body', expected.type, resp.body);
    } else {
      return mismatch('expectedError.type', `unknown error type ${expected.type}`);
    }
  }
  if (expected.message !== undefined && expected.message !== null) {
    const message = body['message'];
    if (typeof message !== 'string' || !message.includes(expected.message)) {
      return mismatch('expectedError.message', 'message does not contain the expected text', expected.message, typeof message === 'string' ? message : resp.body);
    }
  }
  if (expected.status !== undefined && expected.status !== null) {
    const want = expected.status instanceof Num ? Number(expected.status.text) : expected.status;
    if (resp.status !== want) return mismatch('expectedError.status', 'HTTP status differs', String(want), String(resp.status));
  }
  return null;
}

// ---------------------------------------------------------------------------
// output records

/** ExpectedRecordComparator: the expected JSON against a deserialised actual value. */
export function recordValueMatches(actual: Json | undefined, expected: Json): boolean {
  if (expected === null) return actual === null || actual === undefined;
  if (expected instanceof Num) return actual instanceof Num && numbersEqualByValue(actual, expected);
  if (typeof expected === 'string') {
    if (typeof actual === 'string') return actual === expected;
    // A DECIMAL may be expected as a string.
    return actual instanceof Num && !actual.isInteger && /^-?\d+(\.\d+)?$/.test(expected) && jsonEquals(actual, new Num(expected));
  }
  if (typeof expected === 'boolean') return actual === expected;
  if (Array.isArray(expected)) {
    return Array.isArray(actual) && actual.length === expected.length && expected.every((e, i) => recordValueMatches(actual[i], e));
  }
  if (!isObject(actual) || Object.keys(actual).length !== Object.keys(expected).length) return false;
  return Object.entries(expected).every(([k, e]) => {
    let a: Json | undefined = actual[k];
    if (a === undefined || a === null) a = actual[k.toUpperCase()];
    return recordValueMatches(a, e);
  });
}

export interface ExpectedRecord {
  readonly topic: string;
  readonly key?: Json | undefined;
  readonly value: Json;
  readonly timestamp?: Json | undefined;
}

export interface ActualRecord {
  readonly key: Json;
  readonly value: Json;
  readonly timestamp: number;
}

/** Key equality after the harness's coercion (an Integer expected for a Long key, a BigDecimal for a Double). */
function keyMatches(actual: Json, expected: Json): boolean {
  if (actual === null || expected === null) return actual === expected;
  if (actual instanceof Num && expected instanceof Num) return numbersEqualByValue(actual, expected);
  return recordValueMatches(actual, expected);
}

/** Records of one topic, in order (verifyOutput + compareKeyValueTimestamp). */
export function matchTopicOutput(topic: string, actual: readonly ActualRecord[], expected: readonly ExpectedRecord[]): Mismatch | null {
  const path = `outputs[${topic}]`;
  const show = (r: { key?: Json | undefined; value: Json; timestamp?: Json | number | undefined }) =>
    `<${stringify(r.key ?? null)}, ${stringify(r.value)}> @${r.timestamp === undefined ? '*' : typeof r.timestamp === 'number' ? r.timestamp : stringify(r.timestamp)}`;
  if (actual.length !== expected.length) {
    return mismatch(
      path,
      `expected ${expected.length} record(s), topic has ${actual.length}`,
      expected.map(show).join('\n            '),
      actual.map(show).join('\n            '),
    );
  }
  for (let i = 0; i < expected.length; i++) {
    const e = expected[i] as ExpectedRecord;
    const a = actual[i] as ActualRecord;
    const ts = e.timestamp === undefined || e.timestamp === null ? a.timestamp : Number(stringify(e.timestamp));
    if (!keyMatches(a.key, e.key ?? null) || !recordValueMatches(a.value, e.value) || a.timestamp !== ts) {
      return mismatch(`${path}[${i}]`, 'record differs', show(e), show(a));
    }
  }
  return null;
}
