import { describe, expect, it } from 'vitest';
import { base64ToBytes, bytesToBase64, formatDate, formatTime, formatTimestamp, parseDate, parseTime, parseTimestamp } from './value.js';

describe('temporal formatting (ksqlDB ApiJsonMapper)', () => {
  it('prints DATE as yyyy-MM-dd', () => {
    expect(formatDate(0)).toBe('1970-01-01');
    expect(formatDate(18262)).toBe('2020-01-01');
    expect(formatDate(-1)).toBe('1969-12-31');
  });

  it('prints TIME as LocalTime.toString, dropping zero seconds', () => {
    expect(formatTime(0)).toBe('00:00');
    expect(formatTime((10 * 3600 + 15 * 60 + 30) * 1000)).toBe('10:15:30');
    expect(formatTime((10 * 3600 + 15 * 60 + 30) * 1000 + 123)).toBe('10:15:30.123');
    expect(formatTime((10 * 3600 + 15 * 60) * 1000 + 120)).toBe('10:15:00.120');
    expect(formatTime(10 * 3600 * 1000)).toBe('10:00');
  });

  it('prints TIMESTAMP in UTC with milliseconds and no zone', () => {
    expect(formatTimestamp(Date.UTC(2020, 0, 1, 4, 40, 34, 789))).toBe('2020-01-01T04:40:34.789');
    expect(formatTimestamp(0)).toBe('1970-01-01T00:00:00.000');
  });

  it('parses what it prints', () => {
    expect(parseDate('2020-01-01')).toBe(18262);
    expect(parseDate('2020-02-30')).toBeUndefined();
    expect(parseTime('10:15:30.123')).toBe((10 * 3600 + 15 * 60 + 30) * 1000 + 123);
    expect(parseTime('25:00')).toBeUndefined();
    expect(parseTimestamp('2020-01-01T04:40:34.789')).toBe(Date.UTC(2020, 0, 1, 4, 40, 34, 789));
    expect(parseTimestamp('2020-01-01T04:40:34.789Z')).toBe(Date.UTC(2020, 0, 1, 4, 40, 34, 789));
    expect(parseTimestamp('2020-01-01T05:40:34+01:00')).toBe(Date.UTC(2020, 0, 1, 4, 40, 34));
    expect(parseTimestamp('2020-01-01')).toBe(Date.UTC(2020, 0, 1));
    expect(parseTimestamp('yesterday')).toBeUndefined();
  });

  it('parses years 0000-0099 as written, not as 19xx', () => {
    expect(formatDate(parseDate('0001-01-01') as number)).toBe('0001-01-01');
    expect(formatDate(parseDate('0000-02-29') as number)).toBe('0000-02-29');
    expect(parseDate('0099-12-31')).toBe(parseDate('0100-01-01')! - 1);
    expect(formatTimestamp(parseTimestamp('0012-03-04T05:06:07.089') as number)).toBe('0012-03-04T05:06:07.089');
  });
});

describe('base64', () => {
  it('round-trips bytes', () => {
    const b = new Uint8Array([0, 1, 254, 255]);
    expect(bytesToBase64(b)).toBe('AAH+/w==');
    expect(base64ToBytes('AAH+/w==')).toEqual(b);
    expect(base64ToBytes('not base64!')).toBeUndefined();
  });
});
