import { describe, expect, it } from 'vitest';
import { parseDurationText, parseSourceProperties, type WithProperty } from './with-properties.js';

const s = (name: string, value: string): WithProperty => ({ name, value: { kind: 'string', value } });
const n = (name: string, text: string): WithProperty => ({ name, value: { kind: 'number', text, integral: true } });

describe('parseSourceProperties', () => {
  it('reads the common properties, case-insensitively', () => {
    const p = parseSourceProperties([
      s('kafka_topic', 't'),
      s('Value_Format', 'json'),
      n('PARTITIONS', '3'),
      n('replicas', '1'),
      s('TIMESTAMP', 'ts'),
      { name: 'WRAP_SINGLE_VALUE', value: { kind: 'boolean', value: false } },
    ]);
    expect(p).toMatchObject({
      kafkaTopic: 't',
      valueFormat: 'JSON',
      partitions: 3,
      replicas: 1,
      timestampColumn: 'TS',
      wrapSingleValue: false,
    });
    expect(parseSourceProperties([s('KAFKA_TOPIC', 't'), s('TIMESTAMP', '`ts`')]).timestampColumn).toBe('ts');
  });

  it('lets FORMAT set both formats but not alongside KEY_FORMAT/VALUE_FORMAT', () => {
    expect(parseSourceProperties([s('KAFKA_TOPIC', 't'), s('FORMAT', 'json')])).toMatchObject({ keyFormat: 'JSON', valueFormat: 'JSON' });
    expect(() => parseSourceProperties([s('KAFKA_TOPIC', 't'), s('FORMAT', 'json'), s('KEY_FORMAT', 'kafka')])).toThrow(
      "Cannot supply both 'KEY_FORMAT' and 'FORMAT' properties, as 'FORMAT' sets both key and value formats. Either use just 'FORMAT', or use 'KEY_FORMAT' and 'VALUE_FORMAT'.",
    );
  });

  it('validates like a Kafka ConfigDef', () => {
    expect(() => parseSourceProperties([s('VALUE_FORMAT', 'JSON')])).toThrow('Missing required property "KAFKA_TOPIC" which has no default value.');
    expect(parseSourceProperties([s('VALUE_FORMAT', 'JSON')], 'createAs').kafkaTopic).toBeUndefined();
    expect(() => parseSourceProperties([s('KAFKA_TOPIC', 't'), s('PARTITIONS', 'x')])).toThrow(
      'Invalid value x for property PARTITIONS: Not a number of type INT',
    );
    expect(parseSourceProperties([s('KAFKA_TOPIC', 't'), s('PARTITIONS', '4')]).partitions).toBe(4);
    expect(() => parseSourceProperties([n('KAFKA_TOPIC', '1')])).toThrow(
      'Invalid value 1 for property KAFKA_TOPIC: Expected value to be a string, but it was a java.lang.Integer',
    );
    expect(() => parseSourceProperties([s('KAFKA_TOPIC', 't'), s('BOGUS', 'x'), s('OTHER', 'y')])).toThrow(
      'Invalid config variable(s) in the WITH clause: BOGUS,OTHER',
    );
    expect(() => parseSourceProperties([s('KAFKA_TOPIC', '')])).toThrow('Invalid value  for property KAFKA_TOPIC: String must be non-empty');
  });

  it('validates window properties', () => {
    expect(parseSourceProperties([s('KAFKA_TOPIC', 't'), s('WINDOW_TYPE', 'tumbling'), s('WINDOW_SIZE', '10 SECONDS')])).toMatchObject({
      windowType: 'TUMBLING',
      windowSizeMs: 10_000,
    });
    expect(() => parseSourceProperties([s('KAFKA_TOPIC', 't'), s('WINDOW_TYPE', 'HOPPING')])).toThrow(
      "HOPPING windows require 'WINDOW_SIZE' to be provided in the WITH clause. For example: 'WINDOW_SIZE'='10 SECONDS'",
    );
    expect(() => parseSourceProperties([s('KAFKA_TOPIC', 't'), s('WINDOW_TYPE', 'SESSION'), s('WINDOW_SIZE', '1 SECOND')])).toThrow(
      "'WINDOW_SIZE' should not be set for SESSION windows.",
    );
    expect(parseDurationText('2 HOURS')).toBe(7_200_000);
  });
});
