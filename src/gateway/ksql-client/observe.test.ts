/**
 * statementKind names statements by their leading keywords only: never an
 * identifier, a literal or a stray word.
 */
import { describe, expect, it } from 'vitest';
import { statementKind } from './observe.js';

describe('statementKind', () => {
  it.each([
    ["CREATE STREAM S (V INT) WITH (kafka_topic='s', value_format='JSON');", 'CREATE STREAM'],
    ['create or replace table T as select * from S;', 'CREATE OR REPLACE'],
    ['CREATE SOURCE TABLE T (K INT PRIMARY KEY) WITH (...);', 'CREATE SOURCE TABLE'],
    ['INSERT INTO S (V) VALUES (1); SHOW STREAMS;', 'INSERT;SHOW STREAMS'],
    ['SELECT * FROM S EMIT CHANGES;', 'SELECT'],
    ['TERMINATE ALL;', 'TERMINATE ALL'],
    ["-- SHOW TABLES;\n/* DROP TABLE T; */ LIST TOPICS;", 'LIST TOPICS'],
  ])('%j → %s', (sql, kind) => {
    expect(statementKind(sql)).toBe(kind);
  });

  it.each([
    ['DESCRIBE users_secret;', 'DESCRIBE'],
    ['TERMINATE CSAS_PAYROLL_1;', 'TERMINATE'],
    ['PAUSE q_1; RESUME q_1;', 'PAUSE;RESUME'],
    ['CREATE hunter2 TABLE', 'CREATE'],
    ['CREATE SOURCE hunter TABLE', 'CREATE SOURCE'],
    ['mypassword', 'OTHER'],
    ["'quoted secret' STREAM;", 'OTHER'],
    ['hunter2; SELECT 1;', 'OTHER;SELECT'],
  ])('leaves identifiers and stray words out: %j → %s', (sql, kind) => {
    expect(statementKind(sql)).toBe(kind);
  });

  it('keeps at most five statements', () => {
    expect(statementKind('SELECT 1;'.repeat(7))).toBe('SELECT;SELECT;SELECT;SELECT;SELECT');
  });
});
