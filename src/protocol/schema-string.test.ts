import { describe, expect, it } from 'vitest';
import { statusPath, commandIdFromStatusPath } from './paths.js';
import { negotiate, ContentType } from './content-types.js';
import {
  formatColumns,
  fromSchemaInfo,
  parseSchemaString,
  parseSqlType,
  toSchemaInfo,
  formatSqlType,
} from './schema-string.js';

describe('schema strings', () => {
  const schema =
    "`ID` STRING KEY, `WINDOWSTART` BIGINT KEY, `COUNT` BIGINT, `D` DECIMAL(4, 2), `S` STRUCT<`A` INTEGER, `b c` ARRAY<MAP<STRING, DOUBLE>>>, `we``ird` BYTES, `H` ARRAY<STRUCT<`KEY` STRING, `VALUE` BYTES>> HEADERS, `X` BYTES HEADER('k''1')";

  it('round-trips byte for byte', () => {
    expect(formatColumns(parseSchemaString(schema))).toBe(schema);
  });

  it('parses names, namespaces and nested types', () => {
    const cols = parseSchemaString(schema);
    expect(cols.map((c) => [c.name, c.namespace])).toEqual([
      ['ID', 'KEY'],
      ['WINDOWSTART', 'KEY'],
      ['COUNT', 'VALUE'],
      ['D', 'VALUE'],
      ['S', 'VALUE'],
      ['we`ird', 'VALUE'],
      ['H', 'HEADERS'],
      ['X', 'HEADER'],
    ]);
    expect(cols[3]?.type).toEqual({ type: 'DECIMAL', precision: 4, scale: 2 });
    expect(cols[7]?.headerKey).toBe("k'1");
  });

  it('parses an empty schema and rejects garbage', () => {
    expect(parseSchemaString('')).toEqual([]);
    expect(() => parseSchemaString('`A` NOPE')).toThrow(/Unknown type NOPE/);
    expect(() => parseSchemaString('`A` STRING KEY extra')).toThrow();
  });

  it('converts to and from SchemaInfo', () => {
    const t = parseSqlType('STRUCT<`A` DECIMAL(10, 3), `B` ARRAY<STRING>, `M` MAP<STRING, BIGINT>>');
    expect(formatSqlType(fromSchemaInfo(toSchemaInfo(t)))).toBe(formatSqlType(t));
    expect(toSchemaInfo({ type: 'STRING' })).toEqual({ type: 'STRING', fields: null, memberSchema: null });
  });
});

describe('status paths', () => {
  it('percent-encodes backticks per segment and inverts', () => {
    expect(statusPath('stream/`FOO`/create')).toBe('/status/stream/%60FOO%60/create');
    expect(commandIdFromStatusPath('/status/stream/%60FOO%60/create')).toBe('stream/`FOO`/create');
    expect(statusPath('stream/FOO/drop')).toBe('/status/stream/FOO/drop');
  });
});

describe('Accept negotiation', () => {
  const produces = [ContentType.KSQL_V1_JSON, ContentType.JSON];
  it('follows q-weights, specificity and wildcards', () => {
    expect(negotiate(undefined, produces)).toBeNull();
    expect(negotiate('', produces)).toBeNull();
    expect(negotiate('application/json', produces)).toBe(ContentType.JSON);
    expect(negotiate('application/json;q=0.5, application/vnd.ksql.v1+json', produces)).toBe(
      ContentType.KSQL_V1_JSON,
    );
    expect(negotiate('*/*', produces)).toBe(ContentType.KSQL_V1_JSON);
    expect(negotiate('text/html', produces)).toBeUndefined();
    expect(negotiate('application/json; charset=utf-8', produces)).toBe(ContentType.JSON);
  });
});
