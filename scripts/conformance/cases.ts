/**
 * The RQTT case file (`../shared/conformance/rqtt/cases.jsonl` by default, one
 * case per line; see docs/conformance.md). `../shared` is a directory beside
 * the clone, outside this repository, and optional: the cases are read from
 * it at run time, never copied (without it the runner exits with code 2).
 *
 * @module
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { asText, isObject, Num, parseJsonText, type Json, type JsonObject } from './json.js';
import type { ExpectedError } from './match.js';

export interface CaseRecord {
  readonly topic: string;
  readonly key?: Json | undefined;
  readonly value: Json;
  readonly timestamp?: Json | undefined;
  readonly headers?: Json | undefined;
  readonly window?: Json | undefined;
}

export interface CaseTopic {
  readonly name: string;
  readonly partitions?: number | undefined;
  readonly [key: string]: unknown;
}

export interface Case {
  readonly id: string;
  readonly file: string;
  readonly name: string;
  readonly tier: string;
  readonly enabled: boolean;
  readonly statements: readonly string[];
  readonly inputs: readonly CaseRecord[];
  readonly outputs: readonly CaseRecord[];
  readonly topics: readonly CaseTopic[];
  readonly responses: readonly Json[];
  readonly expectedError: ExpectedError | null;
  readonly properties: Readonly<Record<string, Json>>;
  readonly waitForActivePushQuery: boolean;
  readonly verifyOrder: boolean;
  readonly testPullWithProtoFormat: boolean;
}

function str(o: JsonObject, k: string, fallback = ''): string {
  const v = o[k];
  return typeof v === 'string' ? v : fallback;
}

function list(o: JsonObject, k: string): Json[] {
  const v = o[k];
  return Array.isArray(v) ? v : [];
}

function toRecord(v: Json): CaseRecord {
  if (!isObject(v)) throw new Error(`record is not an object: ${JSON.stringify(v)}`);
  return {
    topic: str(v, 'topic'),
    key: v['key'],
    value: v['value'] === undefined ? null : (v['value']),
    timestamp: v['timestamp'],
    headers: v['headers'],
    window: v['window'],
  };
}

function toCase(v: Json, line: number): Case {
  if (!isObject(v)) throw new Error(`line ${line}: not a JSON object`);
  const cond = (k: string, flag: string) => {
    const c = v[k];
    return isObject(c) && c[flag] === true;
  };
  const ee = v['expectedError'];
  const props = v['properties'];
  return {
    id: str(v, 'id', `line ${line}`),
    file: str(v, 'file'),
    name: str(v, 'name'),
    tier: str(v, 'tier', 'T?'),
    enabled: v['enabled'] !== false,
    statements: list(v, 'statements').map(asText),
    inputs: list(v, 'inputs').map(toRecord),
    outputs: list(v, 'outputs').map(toRecord),
    topics: list(v, 'topics').map((t) => {
      const o = isObject(t) ? t : {};
      const p = o['partitions'];
      return { ...o, name: str(o, 'name'), partitions: p instanceof Num ? Number(p.text) : undefined };
    }),
    responses: list(v, 'responses'),
    expectedError: isObject(ee)
      ? {
          type: typeof ee['type'] === 'string' ? ee['type'] : undefined,
          message: typeof ee['message'] === 'string' ? ee['message'] : undefined,
          status: ee['status'] instanceof Num ? Number(ee['status'].text) : undefined,
        }
      : null,
    properties: isObject(props) ? props : {},
    waitForActivePushQuery: cond('inputConditions', 'waitForActivePushQuery'),
    verifyOrder: cond('outputConditions', 'verifyOrder'),
    testPullWithProtoFormat: v['testPullWithProtoFormat'] === true,
  };
}

/** Parses the JSONL file; throws ENOENT when it is absent. */
export function loadCases(path: string): Case[] {
  const text = readFileSync(path, 'utf8');
  const out: Case[] = [];
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    out.push(toCase(parseJsonText(line), i + 1));
  });
  return out;
}

const TEST_TOPIC = /test_topic(?!_[0-9a-f]{8}\b)/g;

/**
 * `test_topic` becomes `test_topic_<8 hex>` in statements, records and topic
 * names, as the harness does per test (names that already carry a suffix are
 * kept).
 */
export function rewriteTestTopic(c: Case, suffix = randomBytes(4).toString('hex')): Case {
  const to = `test_topic_${suffix}`;
  const rec = (r: CaseRecord): CaseRecord => ({ ...r, topic: r.topic.replace(TEST_TOPIC, to) });
  return {
    ...c,
    statements: c.statements.map((s) => s.replace(TEST_TOPIC, to)),
    inputs: c.inputs.map(rec),
    outputs: c.outputs.map(rec),
    topics: c.topics.map((t) => ({ ...t, name: t.name.replace(TEST_TOPIC, to) })),
  };
}
