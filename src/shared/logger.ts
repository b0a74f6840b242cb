/**
 * Logging on pino: JSON lines (one object per line, for collectors) or
 * readable lines (pino-pretty, for a terminal), on stderr so that stdout
 * stays free for the one machine-readable line the CLI prints (its URL).
 *
 * The {@link Logger} methods take yoga's shape, `(...args)`: a message, an
 * optional object of fields and/or an Error, in any order, e.g.
 * `logger.info('typed schema rebuilt', { version: 3 })`,
 * `logger.warn('refresh failed:', err)`, `logger.error(err)`. Components log
 * through `logger.child({ component: 'push-hub' })` (a child's component
 * replaces its parent's).
 *
 * Nothing secret reaches a line: fields named like credentials are censored
 * (pino's `redact`), and every line is scrubbed before it is written of the
 * secrets the process was given (`secrets`, in every encoding they may be
 * echoed in) and of anything shaped like an `Authorization` value.
 *
 * @module
 */
import { Writable } from 'node:stream';
import { pino, stdSerializers, type DestinationStream, type Logger as Pino } from 'pino';
import pretty from 'pino-pretty';
import { jsonStringify } from './json.js';
import { redactAuthorizationValues, redactSecrets, secretsOf, REDACTED } from './redact.js';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';
export type LogFormat = 'json' | 'pretty';
export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(...args: unknown[]): void;
  info(...args: unknown[]): void;
  warn(...args: unknown[]): void;
  error(...args: unknown[]): void;
  /** A logger whose lines also carry `bindings` (e.g. `{ component: 'engine' }`). */
  child(bindings: LogFields): Logger;
}

export interface LoggerOptions {
  /** @default 'info' */
  readonly level?: LogLevel | undefined;
  /** @default 'pretty' when stderr is a terminal, else 'json' */
  readonly format?: LogFormat | undefined;
  /** The `name` of every line. @default 'ksqldb-gateway' */
  readonly name?: string | undefined;
  /** Values never to write (passwords, tokens, the admin secret): scrubbed from every line. */
  readonly secrets?: readonly (string | undefined)[] | undefined;
  /** Where lines go. @default stderr, written synchronously (nothing is lost at exit) */
  readonly destination?: { write(line: string): unknown } | undefined;
}

/** Field names whose values are never written, at any depth pino's redact reaches. */
const REDACTED_PATHS = [
  'authorization',
  'cookie',
  'password',
  'token',
  'secret',
  'adminSecret',
  'credentials',
  '["x-admin-secret"]',
  '*.authorization',
  '*.Authorization',
  '*.cookie',
  '*.password',
  '*.token',
  '*.secret',
  '*.adminSecret',
  '*.credentials',
  '*["x-admin-secret"]',
  '*.headers.authorization',
  '*.headers.cookie',
  '*.headers["x-admin-secret"]',
];

function isPlainObject(value: unknown): value is LogFields {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Error);
}

function describe(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'bigint') return value.toString();
  try {
    return jsonStringify(value, (_k, v) => (typeof v === 'bigint' ? v.toString() : v)) ?? String(value);
  } catch {
    return String(value);
  }
}

/** `(...args)` in yoga's style → pino's `(fields, message)`. */
function toPino(args: readonly unknown[]): [LogFields, string] {
  const fields: LogFields = {};
  const words: string[] = [];
  for (const arg of args) {
    if (arg instanceof Error) {
      if (fields['err'] === undefined) fields['err'] = arg;
      else words.push(arg.message);
    } else if (isPlainObject(arg)) {
      Object.assign(fields, arg);
    } else {
      words.push(describe(arg));
    }
  }
  let message = words.join(' ').replace(/:$/, '');
  if (message === '' && fields['err'] instanceof Error) message = fields['err'].message;
  return [fields, message];
}

/**
 * `root.child(bindings)` with everything bound so far: pino would repeat a
 * key bound twice in one line (`"component":"gateway","component":"push-hub"`),
 * so a child of a child is made from the root and its bindings win.
 */
function wrap(root: Pino, bound: LogFields = {}): Logger {
  const p = Object.keys(bound).length === 0 ? root : root.child(bound);
  return {
    debug: (...args) => {
      if (p.isLevelEnabled('debug')) p.debug(...toPino(args));
    },
    info: (...args) => {
      if (p.isLevelEnabled('info')) p.info(...toPino(args));
    },
    warn: (...args) => {
      if (p.isLevelEnabled('warn')) p.warn(...toPino(args));
    },
    error: (...args) => {
      if (p.isLevelEnabled('error')) p.error(...toPino(args));
    },
    child: (bindings) => wrap(root, { ...bound, ...bindings }),
  };
}

function stderrIsTerminal(): boolean {
  return process.stderr.isTTY === true;
}

export function createLogger(options: LoggerOptions | LogLevel = {}): Logger {
  const {
    level = 'info',
    format = stderrIsTerminal() ? 'pretty' : 'json',
    name = 'ksqldb-gateway',
    secrets = [],
    destination,
  } = typeof options === 'string' ? { level: options } : options;
  const known = secrets.flatMap((s) => secretsOf(s));
  const scrub = (line: string) => redactAuthorizationValues(redactSecrets(line, known));
  const sink: { write(line: string): unknown } = destination ?? { write: (line: string) => process.stderr.write(line) };
  // pino-pretty renders the JSON line; the scrubbing hook runs before it, on the JSON.
  const stream: DestinationStream =
    format === 'pretty'
      ? pretty({
          destination: new Writable({
            write(chunk: Buffer | string, _encoding, callback) {
              sink.write(chunk.toString());
              callback();
            },
          }),
          sync: true,
          colorize: destination === undefined && stderrIsTerminal(),
          translateTime: 'SYS:HH:MM:ss.l',
          ignore: 'pid,hostname',
        })
      : { write: (line: string) => sink.write(line) };
  const p = pino(
    {
      name,
      level: level === 'silent' ? 'silent' : level,
      base: { name },
      redact: { paths: REDACTED_PATHS, censor: REDACTED },
      serializers: { err: stdSerializers.err },
      hooks: { streamWrite: scrub },
    },
    stream,
  );
  return wrap(p);
}

export const silentLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  child: () => silentLogger,
};
