/**
 * Runs one RQTT case against a fresh embedded engine over HTTP only, as
 * ksqlDB's `RestTestExecutor.buildAndExecuteQuery` does:
 * topics, one `/ksql` request for the statements before the first SELECT,
 * inputs, a wait for persistent queries, each SELECT on `/query`, then the
 * output topics and the responses.
 *
 * @module
 */
import { startEngineServer } from '../../src/engine/rest/server.js';
import { rewriteTestTopic, type Case, type CaseRecord } from './cases.js';
import { getJson, postJson, runQuery, type HttpResult } from './http.js';
import { asText, isObject, Num, stringify, type Json } from './json.js';
import {
  formatMismatch,
  matchError,
  matchResponses,
  matchTopicOutput,
  type ActualRecord,
  type ActualResponse,
  type Mismatch,
} from './match.js';

/** The suite's server settings (RestQueryTranslationTest.createTestApp). */
export const SERVER_PROPERTIES: Readonly<Record<string, string>> = {
  'ksql.query.pull.table.scan.enabled': 'true',
  'ksql.query.push.v2.enabled': 'true',
  'ksql.streams.auto.offset.reset': 'earliest',
  'ksql.query.pull.interpreter.enabled': 'true',
  'ksql.headers.columns.enabled': 'true',
  'ksql.schema.registry.url': 'set',
  'ksql.streams.commit.interval.ms': '2000',
  'ksql.streams.num.stream.threads': '1',
};

export interface CaseResult {
  readonly id: string;
  readonly file: string;
  readonly tier: string;
  readonly pass: boolean;
  /** One line: what failed first. */
  readonly reason: string;
  /** The readable diff for the console. */
  readonly diff?: string | undefined;
  /** Where the failure was found: topics, ksql, query, outputs, responses, error, timeout, runner. */
  readonly phase?: string | undefined;
  readonly ms: number;
}

class CaseFailure extends Error {
  readonly phase: string;
  readonly diff: string | undefined;
  constructor(phase: string, reason: string, diff?: string) {
    super(reason);
    this.phase = phase;
    this.diff = diff;
  }
}

function failWith(phase: string, m: Mismatch): never {
  throw new CaseFailure(phase, `${m.path}: ${m.message}`, formatMismatch(m));
}

function errorSummary(r: HttpResult): string {
  const b = r.body;
  if (isObject(b) && typeof b['message'] === 'string') return `${r.status} ${asText(b['@type'] ?? '')} ${b['message'].split('\n')[0]}`.trim();
  return `${r.status} ${r.text.slice(0, 200)}`;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

// ---------------------------------------------------------------------------
// topics

interface TopicPlan {
  readonly name: string;
  readonly partitions: number;
}

const CREATE_SOURCE = /^\s*CREATE\s+(?:OR\s+REPLACE\s+)?(?:SOURCE\s+)?(?:STREAM|TABLE)\b/i;
const AS_SELECT = /\bAS\s+SELECT\b/i;

function withProperty(statement: string, name: string): string | undefined {
  const m = new RegExp(`\\b${name}\\s*=\\s*(?:'((?:[^']|'')*)'|(\\d+))`, 'i').exec(statement);
  if (m === null) return undefined;
  return m[1] !== undefined ? m[1].replaceAll("''", "'") : m[2];
}

/**
 * Topics the harness creates before the statements run (TestCaseBuilderUtil):
 * the `topics` entries, the topics of CREATE STREAM/TABLE (not AS SELECT),
 * and the topics of inputs and outputs. A CREATE that sets PARTITIONS makes
 * its own topic; everything else gets DEFAULT_PARTITIONS unless `topics` says.
 */
/**
 * Partitions of a topic the harness creates. Four reproduces ksqlDB's own
 * results where they depend on partitioning (a LIMITed table scan reads
 * partition by partition: `windowed - single column from multi-column key`).
 */
export const DEFAULT_PARTITIONS = 4;

export function plannedTopics(c: Case): TopicPlan[] {
  const out = new Map<string, TopicPlan>();
  for (const t of c.topics) if (t.name !== '') out.set(t.name, { name: t.name, partitions: t.partitions ?? DEFAULT_PARTITIONS });
  const ownPartitions = new Set<string>();
  for (const s of c.statements) {
    if (!CREATE_SOURCE.test(s) || AS_SELECT.test(s)) continue;
    const topic = withProperty(s, 'KAFKA_TOPIC');
    if (topic === undefined) continue;
    if (withProperty(s, 'PARTITIONS') !== undefined) ownPartitions.add(topic);
    else if (!out.has(topic)) out.set(topic, { name: topic, partitions: DEFAULT_PARTITIONS });
  }
  for (const r of [...c.inputs, ...c.outputs]) {
    if (!out.has(r.topic) && !ownPartitions.has(r.topic)) out.set(r.topic, { name: r.topic, partitions: DEFAULT_PARTITIONS });
  }
  for (const t of ownPartitions) if (!c.topics.some((x) => x.name === t)) out.delete(t);
  return [...out.values()];
}

/** Sink topics of CREATE ... AS SELECT and INSERT INTO ... SELECT, for the settle wait (best effort). */
function sinkTopics(statements: readonly string[]): string[] {
  const out: string[] = [];
  for (const s of statements) {
    const csas = /^\s*CREATE\s+(?:OR\s+REPLACE\s+)?(?:STREAM|TABLE)\s+(`[^`]+`|"[^"]+"|[\w]+)/i.exec(s);
    if (csas !== null && AS_SELECT.test(s)) {
      const name = csas[1] as string;
      out.push(withProperty(s.slice(0, s.search(AS_SELECT)), 'KAFKA_TOPIC') ?? (/^[`"]/.test(name) ? name.slice(1, -1) : name.toUpperCase()));
    }
    const insert = /^\s*INSERT\s+INTO\s+(`[^`]+`|"[^"]+"|[\w]+)\s+(?:WITH\s*\([^)]*\)\s*)?SELECT\b/i.exec(s);
    if (insert !== null) {
      const name = insert[1] as string;
      out.push(/^[`"]/.test(name) ? name.slice(1, -1) : name.toUpperCase());
    }
  }
  return out;
}

/** Java's HashMap iteration order for a few String keys (Collectors.groupingBy), which decides produce order by topic. */
export function javaHashMapOrder(keys: readonly string[]): string[] {
  const hash = (s: string) => {
    let h = 0;
    for (let i = 0; i < s.length; i++) h = (Math.imul(31, h) + s.charCodeAt(i)) | 0;
    return h;
  };
  let capacity = 16;
  while (keys.length > capacity * 0.75) capacity *= 2;
  const buckets = new Map<number, string[]>();
  for (const k of keys) {
    const h = hash(k);
    const b = (h ^ (h >>> 16)) & (capacity - 1);
    buckets.set(b, [...(buckets.get(b) ?? []), k]);
  }
  return [...buckets.entries()].sort((a, b) => a[0] - b[0]).flatMap(([, ks]) => ks);
}

function groupByTopic(records: readonly CaseRecord[]): Map<string, CaseRecord[]> {
  const grouped = new Map<string, CaseRecord[]>();
  for (const r of records) grouped.set(r.topic, [...(grouped.get(r.topic) ?? []), r]);
  const ordered = new Map<string, CaseRecord[]>();
  for (const t of javaHashMapOrder([...grouped.keys()])) ordered.set(t, grouped.get(t) as CaseRecord[]);
  return ordered;
}

/** A produce-body record: key and value as JSON, header values (base64 in the cases) as text. */
function toProduceRecord(r: CaseRecord): unknown {
  const headers = Array.isArray(r.headers)
    ? r.headers.map((h) => {
        const o = isObject(h) ? h : {};
        const key = o['KEY'] ?? o['key'] ?? '';
        const value = o['VALUE'] ?? o['value'] ?? null;
        return { key: asText(key), value: typeof value === 'string' ? Buffer.from(value, 'base64').toString('utf8') : null };
      })
    : undefined;
  const raw = (v: Json | undefined) => (v === undefined ? null : JSON.parse(stringify(v)) as unknown);
  return {
    key: raw(r.key),
    value: raw(r.value),
    // RestTestExecutor.produceInputs: `record.timestamp().orElse(0L)`.
    timestamp: r.timestamp instanceof Num ? Number(r.timestamp.text) : 0,
    ...(headers !== undefined ? { headers } : {}),
    // Windowed keys: the engine's produce extension reads `window` ({start, end, type}) once it supports windowed sources.
    ...(r.window !== undefined && r.window !== null ? { window: JSON.parse(stringify(r.window)) as unknown } : {}),
  };
}

// ---------------------------------------------------------------------------
// the case

export interface RunOptions {
  /** Per-case time bound. @default 30000 */
  readonly timeoutMs?: number | undefined;
}

export async function runCase(original: Case, options: RunOptions = {}): Promise<CaseResult> {
  const started = Date.now();
  const timeoutMs = options.timeoutMs ?? 30_000;
  const base = { id: original.id, file: original.file, tier: original.tier };
  const deadline = new AbortController();
  const timer = setTimeout(() => deadline.abort(), timeoutMs);
  const server = await startEngineServer({ host: '127.0.0.1', port: 0, properties: SERVER_PROPERTIES });
  try {
    await execute(rewriteTestTopic(original), server.url, deadline.signal);
    return { ...base, pass: true, reason: '', ms: Date.now() - started };
  } catch (err) {
    const ms = Date.now() - started;
    if (err instanceof CaseFailure) return { ...base, pass: false, reason: err.message, diff: err.diff, phase: err.phase, ms };
    if (deadline.signal.aborted) {
      return { ...base, pass: false, reason: `timed out after ${timeoutMs} ms`, phase: 'timeout', ms };
    }
    const e = err as Error;
    return { ...base, pass: false, reason: `runner error: ${e.message}`, diff: e.stack, phase: 'runner', ms };
  } finally {
    clearTimeout(timer);
    await server.close();
  }
}

async function execute(c: Case, url: string, signal: AbortSignal): Promise<void> {
  const firstQuery = c.statements.findIndex((s) => s.startsWith('SELECT '));
  const split = firstQuery < 0 ? c.statements.length : firstQuery;
  const admin = c.statements.slice(0, split);
  const queries = c.statements.slice(split);
  if (queries.some((q) => !q.startsWith('SELECT '))) {
    throw new CaseFailure('runner', 'invalid test case: a statement follows the queries');
  }
  const expectedResponses = c.responses;
  const nonProto = expectedResponses.filter((r) => !(isObject(r) && 'queryProto' in r));
  if (c.statements.length < nonProto.length) {
    throw new CaseFailure('runner', 'invalid test case: more expected responses than statements');
  }
  const props = c.properties;
  const lastStatement = c.statements[c.statements.length - 1] ?? '';

  /** handleErrorResponse: an error is fine only when expected, and then must match. */
  const handleError = (phase: string, resp: HttpResult): void => {
    if (c.expectedError === null) {
      throw new CaseFailure(phase, `server failed to execute statement: ${errorSummary(resp)}`, `  response: ${resp.text.slice(0, 1500)}`);
    }
    const m = matchError({ status: resp.status, body: resp.body }, c.expectedError, lastStatement);
    if (m !== null) throw new CaseFailure('error', `${m.path}: ${m.message} (actual: ${errorSummary(resp)})`, formatMismatch(m));
  };

  // 1. Topics.
  for (const t of plannedTopics(c)) {
    // The engine's produce extension sizes the topic it creates (`?partitions=N`).
    const r = await postJson(
      `${url}/topics/${encodeURIComponent(t.name)}?partitions=${t.partitions}`,
      { records: [] },
      signal,
    );
    if (r.status !== 200) throw new CaseFailure('topics', `could not create topic ${t.name} (${t.partitions} partitions): ${errorSummary(r)}`);
  }

  // 2. One /ksql request for every statement before the first SELECT.
  const adminResults: ActualResponse[] = [];
  if (admin.length > 0) {
    const send = () => postJson(`${url}/ksql`, { ksql: admin.join('\n'), streamsProperties: props }, signal);
    let resp = await send();
    for (let attempt = 1; attempt < 10 && resp.status !== 200 && resp.text.includes('does not exist'); attempt++) {
      await sleep(20);
      resp = await send();
    }
    if (resp.status !== 200) {
      handleError('ksql', resp);
      return;
    }
    if (!Array.isArray(resp.body)) throw new CaseFailure('ksql', `/ksql answered 200 with a non-array body: ${resp.text.slice(0, 300)}`);
    for (const entity of resp.body) adminResults.push({ kind: 'admin', entity });
  }

  // 3. Inputs, now or once the (single) query's header arrives.
  const produceInputs = async () => {
    for (const [topic, records] of groupByTopic(c.inputs)) {
      const r = await postJson(`${url}/topics/${encodeURIComponent(topic)}`, { records: records.map(toProduceRecord) }, signal);
      if (r.status !== 200) throw new CaseFailure('inputs', `producing to ${topic} failed: ${errorSummary(r)}`);
    }
  };
  if (!c.waitForActivePushQuery) await produceInputs();

  const knownTopics = [...new Set([...c.inputs.map((r) => r.topic), ...c.outputs.map((r) => r.topic), ...sinkTopics(admin)])];
  if (c.expectedError === null && nonProto.length > admin.length) {
    await waitForPersistentQueries(url, knownTopics, signal);
    await sleep(100);
    if (c.waitForActivePushQuery) {
      for (const q of queries) if (q.includes('EMIT CHANGES')) await waitForRunningPush(url, q, props, signal);
    }
  }

  // 4. Queries.
  if (c.waitForActivePushQuery && queries.length > 1) throw new CaseFailure('runner', 'can only have one query when using waitForQueryHeader');
  const queryResults: ActualResponse[] = [];
  for (const q of queries) {
    const outcome = await runQuery(url, q, props, signal, c.waitForActivePushQuery ? produceInputs : undefined);
    if (!outcome.ok) {
      handleError('query', outcome.error);
      continue;
    }
    if (outcome.timedOut) {
      throw new CaseFailure(
        'timeout',
        `query did not complete before the case's time bound: ${q}`,
        `  rows so far: ${outcome.rows.map((r) => stringify(r)).join('\n              ')}`,
      );
    }
    queryResults.push({ kind: 'query', rows: outcome.rows });
  }
  if (queryResults.length > 0 && c.expectedError !== null) {
    throw new CaseFailure('error', 'expected the last statement to return an error, but the queries succeeded');
  }

  // 4b. testPullWithProtoFormat: /query-stream with protobuf output.
  if (c.testPullWithProtoFormat && expectedResponses.some((r) => isObject(r) && 'queryProto' in r)) {
    const r = await postJson(`${url}/query-stream`, { sql: queries[0] ?? '', properties: props }, signal, 'application/vnd.ksql.v1+protobuf');
    throw new CaseFailure(
      'responses',
      r.status === 200
        ? 'queryProto: the runner cannot decode protobufBytes rows yet'
        : `queryProto: /query-stream with Accept application/vnd.ksql.v1+protobuf gave ${errorSummary(r)}`,
    );
  }

  // 5. Outputs, per topic in order.
  const outputs = groupByTopic(c.outputs);
  for (const [topic, expected] of outputs) {
    const actual = await readTopic(url, topic, expected.length, signal);
    const m = matchTopicOutput(topic, actual, expected);
    if (m !== null) failWith('outputs', m);
  }

  // 6. Responses.
  const m = matchResponses([...adminResults, ...queryResults], expectedResponses, c.statements, c.verifyOrder);
  if (m !== null) failWith('responses', m);
}

async function recordsOf(url: string, topic: string, signal: AbortSignal): Promise<Json[] | undefined> {
  const r = await getJson(`${url}/topics/${encodeURIComponent(topic)}/records`, signal);
  return r.status === 200 && Array.isArray(r.body) ? r.body : undefined;
}

/** Until the known topics stop growing (three polls 25 ms apart), at most 5 s. */
async function waitForPersistentQueries(url: string, topics: readonly string[], signal: AbortSignal): Promise<void> {
  const until = Date.now() + 5_000;
  let last = '';
  let stable = 0;
  while (Date.now() < until && stable < 3) {
    const counts = await Promise.all(topics.map(async (t) => (await recordsOf(url, t, signal))?.length ?? -1));
    const now = counts.join(',');
    stable = now === last ? stable + 1 : 0;
    last = now;
    await sleep(25);
  }
}

/** waitForRunningPush: open the push query until it answers without an error, then close it. */
async function waitForRunningPush(url: string, sql: string, props: Readonly<Record<string, Json>>, signal: AbortSignal): Promise<void> {
  const until = Date.now() + 5_000;
  while (Date.now() < until) {
    const ctl = new AbortController();
    const onAbort = () => ctl.abort();
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      const res = await fetch(`${url}/query`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify({ ksql: sql, streamsProperties: props }),
        signal: ctl.signal,
      });
      ctl.abort();
      if (res.status === 200) return;
    } catch {
      if (signal.aborted) return;
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
    await sleep(10);
  }
}

/** verifyAvailableRecords: poll until the topic holds the expected count (at most 3 s), then take what is there. */
async function readTopic(url: string, topic: string, expected: number, signal: AbortSignal): Promise<ActualRecord[]> {
  const until = Date.now() + 3_000;
  let records: Json[] = [];
  for (;;) {
    records = (await recordsOf(url, topic, signal)) ?? [];
    if (records.length >= expected || Date.now() >= until) break;
    await sleep(25);
  }
  return records.map((r) => {
    const o = isObject(r) ? r : {};
    const ts = o['timestamp'];
    return { key: o['key'] ?? null, value: o['value'] ?? null, timestamp: ts instanceof Num ? Number(ts.text) : 0 };
  });
}
