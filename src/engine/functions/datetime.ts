/**
 * Date and time functions: TIMESTAMPTOSTRING, STRINGTOTIMESTAMP,
 * DATETOSTRING, STRINGTODATE (deprecated BIGINT/INTEGER forms), FROM_UNIXTIME,
 * UNIX_TIMESTAMP, UNIX_DATE, FROM_DAYS, PARSE_/FORMAT_ TIMESTAMP, DATE and
 * TIME, CONVERT_TZ, and the interval arithmetic DATEADD, DATESUB, TIMEADD,
 * TIMESUB, TIMESTAMPADD, TIMESTAMPSUB.
 *
 * Time zones: the deprecated BIGINT functions default to the JVM's (here the
 * process's) zone, the TIMESTAMP functions to UTC, as in ksqlDB.
 *
 * The interval functions take the unit as their first argument. ksqlDB
 * writes it as a bare keyword (`TIMESTAMPADD(SECONDS, 5, ts)`); the registry
 * declares it as STRING, so the planner passes an `IntervalUnit` argument as
 * a STRING literal of the unit's name.
 *
 * @module
 */
import { DATE, define, FunctionError, I, L, S, TIME, TS } from './define.js';
import { formatTemporal, parseTemporal, parseToInstant, systemZone, UTC_ZONE, zoneOf, type Zone } from './datetime-format.js';
import type { FunctionRegistry } from './registry.js';
import type { Value } from '../types/index.js';

const MS_PER_DAY = 86_400_000;

const UNIT_MS: Record<string, number> = {
  MILLISECOND: 1,
  MILLISECONDS: 1,
  SECOND: 1000,
  SECONDS: 1000,
  MINUTE: 60_000,
  MINUTES: 60_000,
  HOUR: 3_600_000,
  HOURS: 3_600_000,
  DAY: MS_PER_DAY,
  DAYS: MS_PER_DAY,
};

function unitMs(unit: Value): number {
  const ms = UNIT_MS[(unit as string).toUpperCase()];
  if (ms === undefined) throw new FunctionError(`Unknown time unit: ${unit as string}`);
  return ms;
}

function zoneArg(a: readonly Value[], i: number, dflt: () => Zone): Zone {
  return a.length > i ? zoneOf(a[i] as string) : dflt();
}

function failFormat(what: string, value: Value, pattern: string, err: unknown): never {
  // A TIMESTAMP, DATE or TIME (a number), or the BIGINT of TIMESTAMPTOSTRING.
  const shown = value === null ? 'null' : (value as number | bigint).toString();
  throw new FunctionError(`Failed to format ${what} ${shown} with formatter '${pattern}': ${(err as Error).message}`, {
    cause: err,
  });
}

function failParse(what: string, text: string, pattern: string, err: unknown): never {
  throw new FunctionError(`Failed to parse ${what} '${text}' with formatter '${pattern}': ${(err as Error).message}`, {
    cause: err,
  });
}

function mod(a: number, b: number): number {
  return ((a % b) + b) % b;
}

export function registerDateTimeFunctions(registry: FunctionRegistry): FunctionRegistry {
  registry.register(
    define(
      'TIMESTAMPTOSTRING',
      'DATE / TIME',
      'Formats a BIGINT millisecond timestamp with a java.time pattern, in the given zone (default: the server zone).',
      [
        { args: [L, S], returns: S },
        { args: [L, S, S], returns: S },
      ],
      (a) => {
        const ms = Number(a[0]);
        const pattern = a[1] as string;
        try {
          return formatTemporal(ms, pattern, zoneArg(a, 2, systemZone));
        } catch (err) {
          return failFormat('timestamp', a[0] ?? null, pattern, err);
        }
      },
    ),
  );
  registry.register(
    define(
      'STRINGTOTIMESTAMP',
      'DATE / TIME',
      'Parses a string with a java.time pattern into a BIGINT millisecond timestamp (default zone: the server zone).',
      [
        { args: [S, S], returns: L },
        { args: [S, S, S], returns: L },
      ],
      (a) => {
        const text = a[0] as string;
        const pattern = a[1] as string;
        try {
          return BigInt(parseToInstant(text, pattern, zoneArg(a, 2, systemZone)));
        } catch (err) {
          return failParse('timestamp', text, pattern, err);
        }
      },
    ),
  );
  registry.register(
    define(
      'DATETOSTRING',
      'DATE / TIME',
      'Formats an INTEGER number of days since the epoch with a java.time pattern.',
      [{ args: [I, S], returns: S }],
      (a) => {
        const pattern = a[1] as string;
        try {
          return formatTemporal((a[0] as number) * MS_PER_DAY, pattern, UTC_ZONE, 'date');
        } catch (err) {
          return failFormat('date', a[0] ?? null, pattern, err);
        }
      },
    ),
  );
  registry.register(
    define(
      'STRINGTODATE',
      'DATE / TIME',
      'Parses a string with a java.time pattern into an INTEGER number of days since the epoch.',
      [{ args: [S, S], returns: I }],
      (a) => {
        const text = a[0] as string;
        const pattern = a[1] as string;
        try {
          return Math.floor(parseTemporal(text, pattern).localMs / MS_PER_DAY);
        } catch (err) {
          return failParse('date', text, pattern, err);
        }
      },
    ),
  );

  registry.register(
    define('FROM_UNIXTIME', 'DATE / TIME', 'Converts a BIGINT millisecond timestamp to a TIMESTAMP.', [{ args: [L], returns: TS }], (a) =>
      Number(a[0]),
    ),
  );
  registry.register(
    define(
      'UNIX_TIMESTAMP',
      'DATE / TIME',
      'Returns the TIMESTAMP (default: now) as BIGINT milliseconds since the epoch.',
      [
        { args: [], returns: L },
        { args: [TS], returns: L },
      ],
      (a) => BigInt(a.length === 0 ? Date.now() : (a[0] as number)),
    ),
  );
  registry.register(
    define(
      'UNIX_DATE',
      'DATE / TIME',
      'Returns the DATE (default: today, in the server zone) as INTEGER days since 1970-01-01.',
      [
        { args: [], returns: I },
        { args: [DATE], returns: I },
      ],
      (a) => {
        if (a.length > 0) return a[0] ?? null;
        const now = Date.now();
        return Math.floor((now + systemZone().offsetAt(now)) / MS_PER_DAY);
      },
    ),
  );
  registry.register(
    define('FROM_DAYS', 'DATE / TIME', 'Converts an INTEGER number of days since the epoch to a DATE.', [{ args: [I], returns: DATE }], (a) =>
      a[0] ?? null,
    ),
  );

  registry.register(
    define(
      'FORMAT_TIMESTAMP',
      'DATE / TIME',
      'Formats a TIMESTAMP with a java.time pattern, in the given zone (default UTC).',
      [
        { args: [TS, S], returns: S },
        { args: [TS, S, S], returns: S },
      ],
      (a) => {
        const pattern = a[1] as string;
        try {
          return formatTemporal(a[0] as number, pattern, zoneArg(a, 2, () => UTC_ZONE));
        } catch (err) {
          return failFormat('timestamp', a[0] ?? null, pattern, err);
        }
      },
    ),
  );
  registry.register(
    define(
      'PARSE_TIMESTAMP',
      'DATE / TIME',
      'Parses a string with a java.time pattern into a TIMESTAMP, in the given zone (default UTC).',
      [
        { args: [S, S], returns: TS },
        { args: [S, S, S], returns: TS },
      ],
      (a) => {
        const text = a[0] as string;
        const pattern = a[1] as string;
        try {
          return parseToInstant(text, pattern, zoneArg(a, 2, () => UTC_ZONE));
        } catch (err) {
          return failParse('timestamp', text, pattern, err);
        }
      },
    ),
  );
  registry.register(
    define('FORMAT_DATE', 'DATE / TIME', 'Formats a DATE with a java.time pattern.', [{ args: [DATE, S], returns: S }], (a) => {
      const pattern = a[1] as string;
      try {
        return formatTemporal((a[0] as number) * MS_PER_DAY, pattern, UTC_ZONE, 'date');
      } catch (err) {
        return failFormat('date', a[0] ?? null, pattern, err);
      }
    }),
  );
  registry.register(
    define('PARSE_DATE', 'DATE / TIME', 'Parses a string with a java.time pattern into a DATE.', [{ args: [S, S], returns: DATE }], (a) => {
      const text = a[0] as string;
      const pattern = a[1] as string;
      try {
        return Math.floor(parseTemporal(text, pattern).localMs / MS_PER_DAY);
      } catch (err) {
        return failParse('date', text, pattern, err);
      }
    }),
  );
  registry.register(
    define('FORMAT_TIME', 'DATE / TIME', 'Formats a TIME with a java.time pattern.', [{ args: [TIME, S], returns: S }], (a) => {
      const pattern = a[1] as string;
      try {
        return formatTemporal(a[0] as number, pattern, UTC_ZONE, 'time');
      } catch (err) {
        return failFormat('time', a[0] ?? null, pattern, err);
      }
    }),
  );
  registry.register(
    define('PARSE_TIME', 'DATE / TIME', 'Parses a string with a java.time pattern into a TIME.', [{ args: [S, S], returns: TIME }], (a) => {
      const text = a[0] as string;
      const pattern = a[1] as string;
      try {
        return mod(parseTemporal(text, pattern).localMs, MS_PER_DAY);
      } catch (err) {
        return failParse('time', text, pattern, err);
      }
    }),
  );
  registry.register(
    define(
      'CONVERT_TZ',
      'DATE / TIME',
      'Converts a TIMESTAMP from one time zone to another (shifts the wall-clock value).',
      [{ args: [TS, S, S], returns: TS }],
      (a) => {
        const ts = a[0] as number;
        const from = zoneOf(a[1] as string);
        const to = zoneOf(a[2] as string);
        return ts + to.offsetAt(ts) - from.offsetAt(ts);
      },
    ),
  );

  const shift = (name: string, target: 'DATE' | 'TIME' | 'TIMESTAMP', sign: 1 | -1) => {
    const type = target === 'DATE' ? DATE : target === 'TIME' ? TIME : TS;
    return define(
      name,
      'DATE / TIME',
      `${sign > 0 ? 'Adds' : 'Subtracts'} an interval (unit, integer count) ${sign > 0 ? 'to' : 'from'} a ${target}.`,
      [{ args: [S, I, type], returns: type }],
      (a) => {
        const unit = a[0] ?? null;
        const n = a[1] ?? null;
        const v = a[2] ?? null;
        if (unit === null || n === null || v === null) return null;
        const delta = sign * unitMs(unit) * (n as number);
        if (target === 'TIMESTAMP') return (v as number) + delta;
        if (target === 'TIME') return mod((v as number) + delta, MS_PER_DAY);
        return Math.trunc(((v as number) * MS_PER_DAY + delta) / MS_PER_DAY);
      },
      { handlesNulls: true },
    );
  };
  registry.register(shift('DATEADD', 'DATE', 1));
  registry.register(shift('DATESUB', 'DATE', -1));
  registry.register(shift('TIMEADD', 'TIME', 1));
  registry.register(shift('TIMESUB', 'TIME', -1));
  registry.register(shift('TIMESTAMPADD', 'TIMESTAMP', 1));
  registry.register(shift('TIMESTAMPSUB', 'TIMESTAMP', -1));
  return registry;
}
