/**
 * Child processes and /proc readings shared by the benchmarks: start a CLI
 * child, wait for the URL line it prints, stop it, and read its CPU time,
 * syscalls and memory. Every child is killed when the driver exits.
 *
 * @module
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';

export interface Child {
  readonly name: string;
  readonly proc: ChildProcess;
  readonly pid: number;
  readonly url: string;
  /** Last lines of stderr (and of stdout after the URL), for error reports. */
  readonly log: string[];
  /** The DevTools WebSocket URL when the child runs with `--inspect` (node prints it on stderr). */
  readonly inspectorUrl: () => string | undefined;
  stop(): Promise<void>;
}

export interface StartChildOptions {
  /** Prefix of echoed log lines and error messages. */
  readonly name: string;
  /** Arguments to `node`: node flags, the entry file, then the CLI's own. */
  readonly argv: readonly string[];
  readonly cwd: string;
  /** Echo the child's output to stderr. @default false */
  readonly verbose?: boolean | undefined;
  /** Grace between SIGTERM and SIGKILL in stop(). @default 15000 (ms) */
  readonly stopTimeoutMs?: number | undefined;
}

const children = new Set<ChildProcess>();

export function killAll(signal: NodeJS.Signals = 'SIGKILL'): void {
  for (const c of children) {
    if (c.exitCode === null && c.signalCode === null) c.kill(signal);
  }
}
process.on('exit', () => killAll('SIGKILL'));

/** Spawns `node argv…` and resolves once the child printed its URL line. */
export async function startChild({ name, argv, cwd, verbose = false, stopTimeoutMs = 15_000 }: StartChildOptions): Promise<Child> {
  const proc = spawn(process.execPath, [...argv], {
    cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, NODE_ENV: 'production' },
  });
  children.add(proc);
  const log: string[] = [];
  let inspectorUrl: string | undefined;
  const keep = (stream: string) => (line: string) => {
    inspectorUrl ??= /^Debugger listening on (ws:\/\/\S+)/.exec(line)?.[1];
    log.push(line);
    if (log.length > 50) log.shift();
    if (verbose) process.stderr.write(`[${name}${stream}] ${line}\n`);
  };
  createInterface({ input: proc.stderr }).on('line', keep(''));
  const exited = new Promise<void>((res) => proc.once('exit', () => res()));
  const url = await new Promise<string>((res, rej) => {
    const timer = setTimeout(() => rej(new Error(`${name}: no URL on stdout within 60 s\n${log.join('\n')}`)), 60_000);
    // The URL is the first such line the CLI prints; node flags such as
    // --trace-gc may print before it (and after it: kept in the log).
    let found = false;
    const keepStdout = keep(':stdout');
    createInterface({ input: proc.stdout }).on('line', (line) => {
      if (!found && /^https?:\/\//.test(line.trim())) {
        found = true;
        clearTimeout(timer);
        res(line.trim());
      } else keepStdout(line);
    });
    proc.once('exit', (code, signal) => {
      clearTimeout(timer);
      rej(new Error(`${name} exited (${code ?? signal}) before printing its URL\n${log.join('\n')}`));
    });
  });
  return {
    name,
    proc,
    pid: proc.pid!,
    url,
    log,
    inspectorUrl: () => inspectorUrl,
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) {
        proc.kill('SIGTERM');
        const timer = setTimeout(() => proc.kill('SIGKILL'), stopTimeoutMs);
        await exited;
        clearTimeout(timer);
      }
      children.delete(proc);
    },
  };
}

const CLK_TCK = 100; // getconf CLK_TCK on Linux

/** User and system CPU time of a process (all threads) in ms; NaN when unreadable. */
export function cpuTimes(pid: number): { user: number; sys: number } {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // after "pid (comm) ": state is field 3 → index 0; utime 14 → 11, stime 15 → 12
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { user: (Number(fields[11]) * 1000) / CLK_TCK, sys: (Number(fields[12]) * 1000) / CLK_TCK };
  } catch {
    return { user: NaN, sys: NaN };
  }
}

/** user+system CPU time of a process in ms. */
export function cpuMs(pid: number): number {
  const t = cpuTimes(pid);
  return t.user + t.sys;
}

/** Read and write syscalls of a process so far (/proc/<pid>/io). */
export function syscalls(pid: number): { reads: number; writes: number } {
  try {
    const io = readFileSync(`/proc/${pid}/io`, 'utf8');
    return { reads: Number(/^syscr:\s+(\d+)/m.exec(io)?.[1] ?? NaN), writes: Number(/^syscw:\s+(\d+)/m.exec(io)?.[1] ?? NaN) };
  } catch {
    return { reads: NaN, writes: NaN };
  }
}

/** A `kB` line of /proc/<pid>/status (VmHWM: peak RSS, VmRSS: current); NaN when unreadable. */
export function statusKb(pid: number, key: 'VmHWM' | 'VmRSS'): number {
  try {
    const m = new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : NaN;
  } catch {
    return NaN;
  }
}

/** Resets VmHWM to the current RSS (Linux ≥ 4.0); false if not permitted. */
export function resetPeak(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}
