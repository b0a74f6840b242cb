/**
 * Functions outside the string, math, date/time and collection families:
 * GEO_DISTANCE (ksqlDB's `GeoDistance` UDF) and AS_VALUE.
 *
 * @module
 */
import type { SqlType } from '../types/index.js';
import { D, define, FunctionError, S } from './define.js';
import type { FunctionRegistry, ScalarFunction } from './registry.js';

const EARTH_RADIUS_KM = 6371;
const EARTH_RADIUS_MILES = 3959;

function earthRadius(units: string): number {
  const u = units.toLowerCase();
  if (u === 'km' || u.startsWith('kilomet')) return EARTH_RADIUS_KM;
  if (u === 'mi' || u.startsWith('mile')) return EARTH_RADIUS_MILES;
  throw new FunctionError(
    'GeoDistance function units parameter must be one of: km, kilometers, kilometres, mi, miles. Values are case-insensitive.',
  );
}

const toRadians = (deg: number) => (deg / 180) * Math.PI;

/** Great-circle distance by the haversine formula, as `GeoDistance.geoDistance` computes it. */
export function geoDistance(lat1: number, lon1: number, lat2: number, lon2: number, units = 'KM'): number {
  if (lat1 < -90 || lat1 > 90 || lat2 < -90 || lat2 > 90) {
    throw new FunctionError(
      `valid latitude values for GeoDistance function are in the range of -90 to 90 decimal degrees, this query has ${lat1}, ${lat2}`,
    );
  }
  if (lon1 < -180 || lon1 > 180 || lon2 < -180 || lon2 > 180) {
    throw new FunctionError(
      `valid longitude values for GeoDistance function are in the range of -180 to +180 decimal degrees, this query has ${lon1}, ${lon2}`,
    );
  }
  const radius = earthRadius(units);
  const deltaLat = toRadians(lat2 - lat1);
  const deltaLon = toRadians(lon2 - lon1);
  const a =
    Math.sin(deltaLat / 2) * Math.sin(deltaLat / 2) +
    Math.sin(deltaLon / 2) * Math.sin(deltaLon / 2) * Math.cos(toRadians(lat1)) * Math.cos(toRadians(lat2));
  const c = 2 * Math.atan2(Math.sqrt(a), Math.sqrt(1 - a));
  return c * radius;
}

const asValue: ScalarFunction = {
  name: 'AS_VALUE',
  category: 'OTHER',
  description:
    'Used exclusively in the projection of a query to allow a key column to be copied into the value schema. Has no effect if used anywhere else.',
  signatures: ['AS_VALUE(T)'],
  resolve: (argTypes: readonly (SqlType | null)[]) => {
    if (argTypes.length !== 1) return undefined;
    const t = argTypes[0];
    return t === null || t === undefined ? undefined : { returnType: t };
  },
  evaluate: (args) => args[0] ?? null,
};

export function registerMiscFunctions(registry: FunctionRegistry): FunctionRegistry {
  registry.register(
    define(
      'GEO_DISTANCE',
      'MATHEMATICAL',
      'Compute the distance between two points on the surface of the earth, according to the Haversine formula for "great circle distance". ' +
        'The 2 input points should be specified as (lat, lon) pairs, measured in decimal degrees. ' +
        'An optional fifth parameter allows to specify either "MI" (miles) or "KM" (kilometers) as the desired unit for the output measurement. Default is KM.',
      [
        { args: [D, D, D, D], returns: D },
        { args: [D, D, D, D, S], returns: D },
      ],
      (a) => geoDistance(a[0] as number, a[1] as number, a[2] as number, a[3] as number, (a[4] as string | undefined) ?? 'KM'),
    ),
  );
  registry.register(asValue);
  return registry;
}
