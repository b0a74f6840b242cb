import { describe, expect, it } from 'vitest';
import { rewriteTestTopic, type Case } from './cases.js';
import { parseStreamedRows } from './http.js';
import { jsonEquals, parseJsonText as j, type Json } from './json.js';
import {
  dropEmpty,
  matchAdminResponse,
  matchError,
  matchQueryResponse,
  matchResponses,
  matchTopicOutput,
  recordValueMatches,
} from './match.js';
import { javaHashMapOrder, plannedTopics } from './run-case.js';

const rows = (text: string) => j(text) as Json[];

describe('numbers (Jackson BigDecimal equality)', () => {
  it('keeps 1 and 1.0 apart, and scale matters', () => {
    expect(jsonEquals(j('1'), j('1'))).toBe(true);
    expect(jsonEquals(j('1'), j('1.0'))).toBe(false);
    expect(jsonEquals(j('1.5'), j('1.50'))).toBe(false);
    expect(jsonEquals(j('12.30'), j('12.30'))).toBe(true);
    expect(jsonEquals(j('9007199254740993'), j('9007199254740993'))).toBe(true);
    expect(jsonEquals(j('9007199254740993'), j('9007199254740992'))).toBe(false);
  });
});

describe('dropEmpty (Include.NON_EMPTY on the actual side)', () => {
  it('drops null, "", [] and {} properties at any depth but keeps row cells', () => {
    const v = dropEmpty(j('{"a":null,"b":"","c":[],"d":{},"e":{"f":null,"g":1},"row":{"columns":[null,"",[]]}}'));
    expect(jsonEquals(v, j('{"e":{"g":1},"row":{"columns":[null,"",[]]}}'))).toBe(true);
  });
});

describe('matchAdminResponse', () => {
  const statements = ['CREATE STREAM S (ID INT) WITH (kafka_topic=\'t\', value_format=\'JSON\');'];
  it('is a subset match', () => {
    expect(matchAdminResponse(j('{"@type":"currentStatus","commandId":"x","warnings":[]}'), j('{"@type":"currentStatus"}'), statements, 0)).toBeNull();
  });
  it('reports a missing key with its path', () => {
    const m = matchAdminResponse(j('{"@type":"currentStatus"}'), j('{"@type":"currentStatus","commandStatus":{"status":"SUCCESS"}}'), statements, 0);
    expect(m?.path).toBe('responses[0]->admin');
    expect(m?.message).toContain("key 'commandStatus' missing");
  });
  it('an expected empty list never matches (the actual side dropped it)', () => {
    expect(matchAdminResponse(j('{"warnings":[]}'), j('{"warnings":[]}'), statements, 0)?.message).toContain('missing');
  });
  it('supports |starts_with and {STATEMENT}', () => {
    const actual = j(`{"statementText":${JSON.stringify(statements[0])},"queryId":"CSAS_OUT_1"}`);
    expect(matchAdminResponse(actual, j('{"statementText":"{STATEMENT}","queryId|starts_with":"CSAS_"}'), statements, 0)).toBeNull();
    expect(matchAdminResponse(actual, j('{"queryId|STARTS_WITH":"CTAS_"}'), statements, 0)?.path).toBe('responses[0]->admin->queryId');
  });
  it('compares nested objects recursively', () => {
    const m = matchAdminResponse(j('{"a":{"b":{"c":1}}}'), j('{"a":{"b":{"c":2}}}'), [], 0);
    expect(m?.path).toBe('responses[0]->admin->a->b->c');
    expect(m?.expected).toBe('2');
    expect(m?.actual).toBe('1');
  });
});

describe('matchQueryResponse', () => {
  const header = '{"header":{"queryId":"q1","schema":"`ID` INTEGER"}}';
  it('needs the exact element count', () => {
    const m = matchQueryResponse(rows(`[${header},{"row":{"columns":[1]}}]`), rows('[{"header":{"schema":"`ID` INTEGER"}}]'), [], 1, false);
    expect(m?.message).toContain('row count mismatch: expected 1 elements, got 2');
  });
  it('compares row columns as a multiset unless verifyOrder', () => {
    const actual = rows(`[${header},{"row":{"columns":[2]}},{"row":{"columns":[1]}},{"finalMessage":"Limit Reached"}]`);
    const expected = rows('[{"header":{"schema":"`ID` INTEGER"}},{"row":{"columns":[1]}},{"row":{"columns":[2]}},{"finalMessage":"Limit Reached"}]');
    expect(matchQueryResponse(actual, expected, [], 0, false)).toBeNull();
    expect(matchQueryResponse(actual, expected, [], 0, true)?.path).toBe('responses[0]->query[1]->row->columns');
  });
  it('counts duplicates in the multiset', () => {
    const actual = rows(`[${header},{"row":{"columns":[1]}},{"row":{"columns":[1]}}]`);
    const expected = rows('[{"header":{"schema":"`ID` INTEGER"}},{"row":{"columns":[1]}},{"row":{"columns":[2]}}]');
    const m = matchQueryResponse(actual, expected, [], 0, false);
    expect(m?.message).toContain('1 expected row(s) not found, 1 unexpected');
    expect(m?.expected).toBe('[2]');
    expect(m?.actual).toBe('[1]');
  });
  it('keeps finalMessage and tombstone positional', () => {
    const actual = rows(`[${header},{"finalMessage":"Query Completed"}]`);
    const expected = rows('[{"header":{"schema":"`ID` INTEGER"}},{"finalMessage":"Limit Reached"}]');
    expect(matchQueryResponse(actual, expected, [], 0, false)?.path).toBe('responses[0]->query[1]->finalMessage');
    const t = rows(`[${header},{"row":{"columns":[1,null],"tombstone":true}}]`);
    expect(matchQueryResponse(t, rows('[{"header":{"schema":"`ID` INTEGER"}},{"row":{"columns":[1,null],"tombstone":true}}]'), [], 0, false)).toBeNull();
  });
  it('types in cells matter: 1 is not "1", 1.0 is not 1', () => {
    const expected = rows('[{"header":{"schema":"`ID` INTEGER"}},{"row":{"columns":[1.0]}}]');
    expect(matchQueryResponse(rows(`[${header},{"row":{"columns":[1]}}]`), expected, [], 0, false)).not.toBeNull();
    expect(matchQueryResponse(rows(`[${header},{"row":{"columns":[1.0]}}]`), expected, [], 0, false)).toBeNull();
  });
});

describe('matchResponses', () => {
  it('needs at least as many actual responses and matching kinds', () => {
    expect(matchResponses([], [j('{"admin":{}}')], [], false)?.message).toContain('not enough responses');
    expect(matchResponses([{ kind: 'admin', entity: j('{}') }], [j('{"query":[]}')], [], false)?.message).toContain('expected a query response');
    expect(matchResponses([{ kind: 'admin', entity: j('{"@type":"currentStatus"}') }, { kind: 'admin', entity: j('{}') }], [j('{"admin":{"@type":"currentStatus"}}')], [], false)).toBeNull();
  });
});

describe('matchError', () => {
  const body = j('{"@type":"statement_error","error_code":40001,"message":"Pull queries don\'t support LIMIT clauses.","statementText":"SELECT * FROM T LIMIT -1;","entities":[]}');
  it('matches type, message substring and status', () => {
    expect(
      matchError({ status: 400, body }, { type: 'io.confluent.ksql.rest.entity.KsqlStatementErrorMessage', message: "don't support", status: 400 }, 'SELECT * FROM T LIMIT -1;'),
    ).toBeNull();
    expect(matchError({ status: 400, body }, { type: 'io.confluent.ksql.rest.entity.KsqlErrorMessage' }, 'x')).toBeNull();
  });
  it('KsqlStatementErrorMessage needs the last statement in statementText', () => {
    expect(matchError({ status: 400, body }, { type: 'io.confluent.ksql.rest.entity.KsqlStatementErrorMessage' }, 'SELECT 1;')?.message).toContain('statementText');
    const generic = j('{"@type":"generic_error","error_code":50000,"message":"boom"}');
    expect(matchError({ status: 500, body: generic }, { type: 'io.confluent.ksql.rest.entity.KsqlStatementErrorMessage' }, 'x')).not.toBeNull();
  });
  it('reports message and status differences', () => {
    expect(matchError({ status: 400, body }, { message: 'nope' }, 'x')?.path).toBe('expectedError.message');
    expect(matchError({ status: 400, body }, { status: 500 }, 'x')?.path).toBe('expectedError.status');
  });
});

describe('output records (ExpectedRecordComparator)', () => {
  it('compares numbers by value and struct fields case-insensitively by upper-casing', () => {
    expect(recordValueMatches(j('10.0'), j('10'))).toBe(true);
    expect(recordValueMatches(j('{"ID":10}'), j('{"id":10}'))).toBe(true);
    expect(recordValueMatches(j('{"ID":10,"X":1}'), j('{"ID":10}'))).toBe(false);
    expect(recordValueMatches(j('null'), j('null'))).toBe(true);
    expect(recordValueMatches(j('"a"'), j('1'))).toBe(false);
  });
  it('checks count, order, key, value and timestamp (absent expected timestamp matches any)', () => {
    const actual = [
      { key: j('"k"'), value: j('{"ID":1}'), timestamp: 5 },
      { key: j('"k"'), value: j('{"ID":2}'), timestamp: 6 },
    ];
    const e = (id: number, ts?: number) => ({ topic: 't', key: j('"k"'), value: j(`{"ID":${id}}`), timestamp: ts === undefined ? undefined : j(String(ts)) });
    expect(matchTopicOutput('t', actual, [e(1, 5), e(2)])).toBeNull();
    expect(matchTopicOutput('t', actual, [e(2), e(1)])?.path).toBe('outputs[t][0]');
    expect(matchTopicOutput('t', actual, [e(1, 4), e(2)])?.path).toBe('outputs[t][0]');
    expect(matchTopicOutput('t', actual, [e(1)])?.message).toContain('expected 1 record(s), topic has 2');
  });
});

describe('StreamedRow parsing (KsqlTargetUtil.toRows)', () => {
  it('handles the compat array framing, including the trailing ",\\n]" of scalable push', () => {
    const text = '[{"header":{"queryId":"q","schema":"`A` INTEGER"}},\n{"row":{"columns":[1]}},\n]';
    expect(parseStreamedRows(text).length).toBe(2);
    expect(parseStreamedRows('[{"header":{"queryId":"q","schema":"x"}}]').length).toBe(1);
  });
});

describe('case preparation', () => {
  const base: Case = {
    id: 'x', file: 'f', name: 'n', tier: 'T1', enabled: true,
    statements: ["CREATE STREAM S (ID INT) WITH (kafka_topic='test_topic', value_format='JSON');", "CREATE STREAM T (ID INT) WITH (kafka_topic='other', value_format='JSON', partitions=2);", 'CREATE STREAM O AS SELECT * FROM S;'],
    inputs: [{ topic: 'test_topic', key: null, value: null }],
    outputs: [{ topic: 'O', key: null, value: null }],
    topics: [], responses: [], expectedError: null, properties: {},
    waitForActivePushQuery: false, verifyOrder: false, testPullWithProtoFormat: false,
  };
  it('rewrites test_topic per case', () => {
    const c = rewriteTestTopic(base, 'abcdef01');
    expect(c.statements[0]).toContain("kafka_topic='test_topic_abcdef01'");
    expect(c.inputs[0]?.topic).toBe('test_topic_abcdef01');
  });
  it('plans topics from statements (not CSAS, not with PARTITIONS), inputs and outputs', () => {
    expect(plannedTopics(base).map((t) => t.name).sort()).toEqual(['O', 'test_topic']);
  });
  it('orders topics as a Java HashMap iterates them', () => {
    // "a".hashCode() = 97 (bucket 1), "b" = 98 (bucket 2), "q" = 113 (bucket 1, after "a" when inserted later).
    expect(javaHashMapOrder(['c', 'b', 'a'])).toEqual(['a', 'b', 'c']);
    expect(javaHashMapOrder(['b', 'q'])).toEqual(['q', 'b']);
    expect(javaHashMapOrder(['q', 'a'])).toEqual(['q', 'a']);
  });
});
