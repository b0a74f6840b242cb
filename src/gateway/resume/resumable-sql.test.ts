import { describe, expect, it } from 'vitest';
import { positionedStatement, resumableSelect } from './resumable-sql.js';

describe('resumableSelect', () => {
  it.each([
    ['SELECT * FROM PAGEVIEWS EMIT CHANGES;', { projection: '*', from: 'PAGEVIEWS', source: 'PAGEVIEWS', where: undefined, limit: undefined }],
    ['select id, upper(name) as n from `Mixed Case` v where v.id > 3 and name = \'a  FROM b\' emit changes limit 5', {
      projection: 'id, upper(name) as n',
      from: '`Mixed Case` v',
      source: 'Mixed Case',
      where: "v.id > 3 and name = 'a  FROM b'",
      limit: 5,
    }],
    ['SELECT /* c */ A FROM s AS x -- note\n EMIT CHANGES ;', { projection: 'A', from: 's AS x', source: 'S', where: undefined, limit: undefined }],
  ])('takes apart %j', (sql, parts) => {
    expect(resumableSelect(sql)).toMatchObject(parts);
  });

  it.each([
    'SELECT * FROM A JOIN B ON A.ID = B.ID EMIT CHANGES;',
    'SELECT ID, COUNT(*) FROM S GROUP BY ID EMIT CHANGES;',
    'SELECT ID, COUNT(*) FROM S WHERE X > 1 GROUP BY ID EMIT CHANGES;',
    'SELECT ID, COUNT(*) FROM S WINDOW TUMBLING (SIZE 1 MINUTE) GROUP BY ID EMIT CHANGES;',
    'SELECT * FROM S PARTITION BY X EMIT CHANGES;',
    'SELECT ID, EXPLODE(ITEMS) FROM S EMIT CHANGES;',
    'SELECT ID, ROWOFFSET FROM S EMIT CHANGES;',
    'SELECT * FROM S EMIT FINAL;',
    'SELECT * FROM T WHERE K = 1;',
    'SELECT * FROM S EMIT CHANGES; SELECT * FROM S EMIT CHANGES;',
    "SELECT * FROM S WHERE X = 'unterminated EMIT CHANGES;",
    'SELECT * FROM S EMIT CHANGES LIMIT 0;',
    'SELECT * FROM S, T EMIT CHANGES;',
    'CREATE STREAM X AS SELECT * FROM S EMIT CHANGES;',
  ])('leaves %j alone', (sql) => {
    expect(resumableSelect(sql)).toBeUndefined();
  });

  it('keys conditions that differ only in spacing and comments alike, and literals apart', () => {
    const key = (sql: string) => resumableSelect(sql)?.whereKey;
    expect(key('SELECT * FROM S WHERE a=1  AND b = \'x\' EMIT CHANGES;')).toBe(key('SELECT * FROM S WHERE A = 1 /* c */ and B=\'x\' EMIT CHANGES;'));
    expect(key("SELECT * FROM S WHERE B = 'x' EMIT CHANGES;")).not.toBe(key("SELECT * FROM S WHERE B = 'X' EMIT CHANGES;"));
  });

  it('appends the position columns, adds a condition and sets the limit', () => {
    const select = resumableSelect('SELECT ID, V FROM S x WHERE V > 1 EMIT CHANGES LIMIT 3;');
    if (select === undefined) throw new Error('not resumable');
    expect(positionedStatement(select, undefined, 3)).toBe('SELECT ID, V, ROWPARTITION, ROWOFFSET FROM S x WHERE V > 1 EMIT CHANGES LIMIT 3;');
    expect(positionedStatement(select, 'ROWOFFSET >= 4', undefined)).toBe(
      'SELECT ID, V, ROWPARTITION, ROWOFFSET FROM S x WHERE (V > 1) AND (ROWOFFSET >= 4) EMIT CHANGES;',
    );
    const plain = resumableSelect('SELECT * FROM S EMIT CHANGES;');
    if (plain === undefined) throw new Error('not resumable');
    expect(positionedStatement(plain, 'C', undefined)).toBe('SELECT *, ROWPARTITION, ROWOFFSET FROM S WHERE C EMIT CHANGES;');
  });
});
