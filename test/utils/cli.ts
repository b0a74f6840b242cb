/**
 * The real binary (`bin/ksqldb-gateway.js`) in child processes: output
 * collected from the start, the URL line, JSON log lines, exit codes, and a
 * registry that kills what a test left running.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

export const BIN = fileURLToPath(new URL('../../bin/ksqldb-gateway.js', import.meta.url));
const running = new Set<ChildProcessWithoutNullStreams>();

export interface CliProcess {
  readonly child: ChildProcessWithoutNullStreams;
  /** Everything written to stdout / stderr so far. */
  stdout(): string;
  stderr(): string;
  /** The first stdout line (the URL); rejects with stderr if the process ends first. */
  url(): Promise<string>;
  /** stderr's lines parsed as JSON (lines that are not JSON are skipped). */
  logLines(): Array<Record<string, unknown>>;
  /** The exit code (null when killed by a signal). */
  exit(): Promise<number | null>;
}

/**
 * Spawns the binary. The environment is the test's, plus in-memory storage
 * (tests run in parallel and must not share ./ksql-data), plus `env`.
 */
export function spawnCli(args: readonly string[], env: Record<string, string> = {}): CliProcess {
  const child = spawn(process.execPath, [BIN, ...args], {
    env: { ...process.env, KSQLDB_GATEWAY_IN_MEMORY: 'true', KSQLDB_GATEWAY_LOG_LEVEL: 'warn', ...env },
  });
  running.add(child);
  child.once('exit', () => running.delete(child));
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    async url() {
      for (;;) {
        const nl = out.indexOf('\n');
        if (nl !== -1) return out.slice(0, nl);
        if (child.exitCode !== null || child.signalCode !== null) {
          throw new Error(`process ended before printing its URL; stderr: ${err}`);
        }
        await Promise.race([once(child.stdout, 'data'), exited]);
      }
    },
    logLines() {
      const lines: Array<Record<string, unknown>> = [];
      for (const line of err.split('\n')) {
        if (!line.startsWith('{')) continue;
        try {
          lines.push(JSON.parse(line) as Record<string, unknown>);
        } catch {
          // a line still being written
        }
      }
      return lines;
    },
    exit: () => exited,
  };
}

/** Kills every child a test left running (call in afterEach). */
export function killAll(): void {
  for (const child of running) child.kill('SIGKILL');
  running.clear();
}
