import { describe, expect, it } from 'vitest';
import { Decimal } from './decimal.js';

describe('Decimal', () => {
  it('parses and prints plain text, keeping the written scale', () => {
    expect(Decimal.parse('1.10').toString()).toBe('1.10');
    expect(Decimal.parse('-0.05').toString()).toBe('-0.05');
    expect(Decimal.parse('.5').toString()).toBe('0.5');
    expect(Decimal.parse('12').toString()).toBe('12');
    expect(Decimal.parse('1e3').toString()).toBe('1000');
    expect(Decimal.parse('1.5E-3').toString()).toBe('0.0015');
    expect(Decimal.parse('123456789012345678901234567890.123').toString()).toBe('123456789012345678901234567890.123');
  });

  it('rejects malformed text', () => {
    expect(() => Decimal.parse('abc')).toThrow(/Invalid decimal/);
    expect(() => Decimal.parse('.')).toThrow(/Invalid decimal/);
  });

  it('rescales with HALF_UP rounding', () => {
    expect(Decimal.parse('1.005').setScale(2).toString()).toBe('1.01');
    expect(Decimal.parse('-1.005').setScale(2).toString()).toBe('-1.01');
    expect(Decimal.parse('1.004').setScale(2).toString()).toBe('1.00');
    expect(Decimal.parse('2.5').setScale(0).toString()).toBe('3');
    expect(Decimal.parse('1.5').setScale(3).toString()).toBe('1.500');
  });

  it('does exact arithmetic', () => {
    const a = Decimal.parse('0.1');
    const b = Decimal.parse('0.2');
    expect(a.add(b).toString()).toBe('0.3');
    expect(b.subtract(a).toString()).toBe('0.1');
    expect(Decimal.parse('1.5').multiply(Decimal.parse('2.25')).toString()).toBe('3.375');
    expect(Decimal.parse('1').divide(Decimal.parse('3'), 6).toString()).toBe('0.333333');
    expect(Decimal.parse('2').divide(Decimal.parse('3'), 2).toString()).toBe('0.67');
    expect(Decimal.parse('7.5').remainder(Decimal.parse('2')).toString()).toBe('1.5');
    expect(() => a.divide(Decimal.parse('0'), 2)).toThrow(/Division by zero/);
  });

  it('compares by value regardless of scale', () => {
    expect(Decimal.parse('1.50').compare(Decimal.parse('1.5'))).toBe(0);
    expect(Decimal.parse('-2').compare(Decimal.parse('1'))).toBe(-1);
    expect(Decimal.parse('10.01').compare(Decimal.parse('10'))).toBe(1);
  });

  it('reports precision and fit', () => {
    expect(Decimal.parse('12.34').precision).toBe(4);
    expect(Decimal.parse('0.01').precision).toBe(1);
    expect(Decimal.parse('12.34').fits(4, 2)).toBe(true);
    expect(Decimal.parse('123.4').fits(4, 2)).toBe(false);
    expect(Decimal.parse('99.999').fits(4, 2)).toBe(false);
  });
});
