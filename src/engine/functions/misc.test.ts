import { describe, expect, it } from 'vitest';
import { SqlTypes } from '../types/index.js';
import { createDefaultFunctionRegistry } from './builtins.js';
import { geoDistance } from './misc.js';

describe('GEO_DISTANCE', () => {
  it('computes great-circle distances in km (default) and miles', () => {
    // Palo Alto to Oxford, haversine with ksqlDB's radii (6371 km, 3959 mi).
    expect(geoDistance(37.4439, -122.1663, 51.85, -1.2)).toBeCloseTo(8556.6632, 3);
    expect(geoDistance(37.4439, -122.1663, 51.85, -1.2, 'MI')).toBeCloseTo(5317.1919, 3);
    expect(geoDistance(37.4439, -122.1663, 37.4439, -122.1663)).toBe(0);
  });
  it('rejects bad coordinates and units', () => {
    expect(() => geoDistance(91, 0, 0, 0)).toThrow(/latitude/);
    expect(() => geoDistance(0, 181, 0, 0)).toThrow(/longitude/);
    expect(() => geoDistance(0, 0, 0, 0, 'furlongs')).toThrow(/units parameter/);
  });
  it('resolves DOUBLE and DECIMAL arguments to DOUBLE', () => {
    const fn = createDefaultFunctionRegistry().get('GEO_DISTANCE');
    const dec = { type: 'DECIMAL', precision: 6, scale: 4 } as const;
    expect(fn?.resolve([SqlTypes.DOUBLE, SqlTypes.DOUBLE, dec, dec])?.returnType).toEqual(SqlTypes.DOUBLE);
    expect(fn?.resolve([SqlTypes.DOUBLE, SqlTypes.DOUBLE, SqlTypes.DOUBLE, SqlTypes.DOUBLE, SqlTypes.STRING])?.returnType).toEqual(SqlTypes.DOUBLE);
  });
});

describe('AS_VALUE', () => {
  it('returns its argument with its type', () => {
    const fn = createDefaultFunctionRegistry().get('AS_VALUE');
    expect(fn?.resolve([SqlTypes.STRING])?.returnType).toEqual(SqlTypes.STRING);
    expect(fn?.evaluate(['10x'], { argTypes: [SqlTypes.STRING], returnType: SqlTypes.STRING })).toBe('10x');
  });
});
