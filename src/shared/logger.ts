/**
 * A minimal levelled logger that writes to stderr, so stdout stays free for
 * the one machine-readable line the CLI prints (its URL). Shape-compatible
 * with yoga's `logging` option.
 *
 * @module
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

export interface Logger {
  debug(...args: unknown[]): void;
  info(...args: unknown[]): void;
  warn(...args: unknown[]): void;
  error(...args: unknown[]): void;
}

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

export function createLogger(
  level: LogLevel = 'info',
  name = 'ksqldb-gateway',
  write: (line: string) => void = (line) => process.stderr.write(line + '\n'),
): Logger {
  const threshold = ORDER[level];
  const emit = (lvl: Exclude<LogLevel, 'silent'>, args: unknown[]) => {
    if (ORDER[lvl] < threshold) return;
    const text = args
      .map((a) => (a instanceof Error ? (a.stack ?? a.message) : typeof a === 'string' ? a : JSON.stringify(a)))
      .join(' ');
    write(`${new Date().toISOString()} ${lvl.toUpperCase().padEnd(5)} [${name}] ${text}`);
  };
  return {
    debug: (...a) => emit('debug', a),
    info: (...a) => emit('info', a),
    warn: (...a) => emit('warn', a),
    error: (...a) => emit('error', a),
  };
}

export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };
