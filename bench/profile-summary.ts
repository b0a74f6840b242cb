/**
 * Summarises a V8 `.cpuprofile` (from `node --cpu-prof`): self time per
 * function, inclusive time per function, and self time per module group
 * (an npm package and its sub-folder, or a file of src/).
 *
 * Used by bench/gateway.ts after its profiling phase; also runnable alone:
 *
 *   npx tsx bench/profile-summary.ts PROFILE.cpuprofile [--top 30] [--per-row N] [--stages] [--match REGEX]
 *
 * `--match` prints the inclusive time of every function matching REGEX
 * instead (e.g. `--match 'stringify|parseJson|execute '`).
 *
 * @module
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export interface Entry {
  readonly name: string;
  /** Microseconds. */
  readonly us: number;
  /** Share of the busy (non-idle) time, 0..1. */
  readonly share: number;
}

export interface ProfileSummary {
  /** Profile duration, µs. */
  readonly totalUs: number;
  /** Non-idle sampled time, µs. */
  readonly busyUs: number;
  readonly gcUs: number;
  /** Self time in socket write syscalls (a wall-clock profile also counts preemption there). */
  readonly socketWriteUs: number;
  readonly self: Entry[];
  readonly inclusive: Entry[];
  readonly groups: Entry[];
  readonly stages: Entry[];
}

const IDLE = '(idle)';
/** Native functions that are socket write system calls. */
const SOCKET_WRITES = new Set(['writev', 'writeBuffer', 'writeUtf8String', 'writeLatin1String', 'writeAsciiString', 'writeUcs2String']);
export const SOCKET_WRITE_GROUP = '(socket write syscalls)';

function shortUrl(url: string): string {
  if (url === '') return '';
  let path = url;
  if (path.startsWith('file://')) {
    try {
      path = fileURLToPath(path);
    } catch {
      // keep as is
    }
  }
  const nm = path.lastIndexOf('/node_modules/');
  if (nm !== -1) return path.slice(nm + '/node_modules/'.length);
  const src = path.lastIndexOf('/src/');
  if (src !== -1) return path.slice(src + 1);
  const dist = path.lastIndexOf('/dist/');
  if (dist !== -1) return path.slice(dist + 1);
  const bench = path.lastIndexOf('/bench/');
  if (bench !== -1) return path.slice(bench + 1);
  return path;
}

/** The module group of a frame: `graphql/execution`, `ws/lib`, `src/gateway/resolvers/push-query.ts`, `node:internal/streams`, ... */
export function groupOf(frame: CallFrame): string {
  const url = shortUrl(frame.url);
  if (url === '') {
    const fn = frame.functionName;
    if (fn.startsWith('(')) return fn; // (garbage collector), (program), (idle), (root)
    return '(native/builtin)';
  }
  if (url.startsWith('node:')) return url;
  if (url.startsWith('src/') || url.startsWith('dist/') || url.startsWith('bench/')) return url;
  // package[/first folder]
  const parts = url.split('/');
  const scoped = parts[0]?.startsWith('@') ?? false;
  const pkgLen = scoped ? 2 : 1;
  const pkg = parts.slice(0, pkgLen).join('/');
  const rest = parts.slice(pkgLen);
  // skip "dist", "lib", "cjs", "esm" style folders to the first meaningful one
  const folders = rest.slice(0, -1).filter((p) => !['dist', 'cjs', 'esm', 'typings'].includes(p));
  return folders.length > 0 ? `${pkg}/${folders[0]}` : `${pkg}/${rest[rest.length - 1] ?? ''}`;
}

/** Pipeline stages of the gateway, matched in order against module groups. */
const STAGES: ReadonlyArray<readonly [string, RegExp]> = [
  ['kernel: socket writes', /^\(socket write syscalls\)$/],
  ['GC', /^\(garbage collector\)$/],
  ['startup: module loading, schema build', /^node:internal\/(modules|bootstrap|fs|source_map|url)|^node:(fs|path|module)$|^tsx\/|^graphql\/(language|validation|utilities)|^@graphql-tools\/(schema|merge)/],
  ['upstream /query: HTTP, framing, JSON parse', /^undici\/|^wasm:|protocol\/(json|query-stream|schema-string)|ksql-client\/|^lossless-json\/|^node:internal\/encoding|^node:internal\/deps\/undici|shared\/async-queue/],
  ['row encoding (value-encoding, rows, JSON scalar)', /schema\/(value-encoding|json-scalar)|resolvers\/rows/],
  ['push-query generator', /resolvers\/(push-query|subscription)|shared\/abort/],
  ['GraphQL execution (graphql-tools, envelop, yoga plugins)', /^@graphql-tools\/|^graphql\/|^@envelop\/|^@whatwg-node\/promise-helpers|gateway\/plugins\/|^graphql-yoga\/(?!plugins\/result-processor)/],
  ['transport: graphql-ws, ws, Node streams', /^graphql-ws\/|^ws\/|^node:net$|^node:internal\/(streams|stream_base_commons)|^node:buffer$|^node:internal\/buffer/],
  ['transport: SSE (yoga result processor, whatwg-node, http)', /^graphql-yoga\/plugins\/result-processor|^@whatwg-node\/(server|node-fetch|fetch)|^node:_http/],
  ['event loop, ticks, microtasks', /^node:internal\/(process|timers)|^node:timers|^node:events$|^\(program\)$/],
];

export function stageOf(group: string): string {
  for (const [stage, re] of STAGES) if (re.test(group)) return stage;
  return 'other';
}

function frameKey(frame: CallFrame): string {
  const fn = frame.functionName || '(anonymous)';
  const url = shortUrl(frame.url);
  if (url === '') return fn;
  return `${fn} ${url}:${frame.lineNumber + 1}`;
}

function top(map: Map<string, number>, busyUs: number, n: number): Entry[] {
  return [...map.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([name, us]) => ({ name, us, share: busyUs > 0 ? us / busyUs : 0 }));
}

/**
 * Inclusive time of every function whose key (`name file:line`) matches
 * `pattern`, each sample counted once per function.
 */
export function inclusiveMatching(profile: CpuProfile, pattern: RegExp): Entry[] {
  return summarizeProfile(profile, Number.MAX_SAFE_INTEGER).inclusive.filter((e) => pattern.test(e.name));
}

export function summarizeProfile(profile: CpuProfile, n = 30): ProfileSummary {
  const byId = new Map<number, ProfileNode>();
  const parent = new Map<number, number>();
  for (const node of profile.nodes) {
    byId.set(node.id, node);
    for (const c of node.children ?? []) parent.set(c, node.id);
  }
  const selfUs = new Map<number, number>();
  for (let i = 0; i < profile.samples.length; i++) {
    // timeDeltas[i] is the time *before* sample i; attribute the next delta to this sample.
    const dt = profile.timeDeltas[i + 1] ?? 0;
    const id = profile.samples[i] as number;
    selfUs.set(id, (selfUs.get(id) ?? 0) + Math.max(0, dt));
  }
  const self = new Map<string, number>();
  const groups = new Map<string, number>();
  const inclusive = new Map<string, number>();
  let busyUs = 0;
  let gcUs = 0;
  let socketWriteUs = 0;
  /** Group of a frame; a native frame takes its nearest JS caller's group ("+native"). */
  const attributedGroup = (id: number): string => {
    const frame = byId.get(id)?.callFrame;
    if (!frame) return '?';
    if (frame.url !== '' || frame.functionName.startsWith('(')) return groupOf(frame);
    if (SOCKET_WRITES.has(frame.functionName)) return SOCKET_WRITE_GROUP;
    for (let cur = parent.get(id); cur !== undefined; cur = parent.get(cur)) {
      const f = byId.get(cur)?.callFrame;
      if (f && f.url !== '') return groupOf(f);
    }
    return groupOf(frame);
  };
  for (const [id, us] of selfUs) {
    const node = byId.get(id);
    if (!node) continue;
    const frame = node.callFrame;
    if (frame.functionName === IDLE) continue;
    busyUs += us;
    if (frame.functionName === '(garbage collector)') gcUs += us;
    if (frame.url === '' && SOCKET_WRITES.has(frame.functionName)) socketWriteUs += us;
    const key = frameKey(frame);
    self.set(key, (self.get(key) ?? 0) + us);
    const g = attributedGroup(id);
    groups.set(g, (groups.get(g) ?? 0) + us);
    // inclusive: every distinct function on the stack gets the sample once
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const f = byId.get(cur)?.callFrame;
      if (!f || f.functionName === '(root)') continue;
      const k = frameKey(f);
      if (seen.has(k)) continue;
      seen.add(k);
      inclusive.set(k, (inclusive.get(k) ?? 0) + us);
    }
  }
  const stages = new Map<string, number>();
  for (const [g, us] of groups) {
    const st = stageOf(g);
    stages.set(st, (stages.get(st) ?? 0) + us);
  }
  return {
    totalUs: profile.endTime - profile.startTime,
    stages: top(stages, busyUs, 50),
    busyUs,
    gcUs,
    socketWriteUs,
    self: top(self, busyUs, n),
    inclusive: top(inclusive, busyUs, n),
    groups: top(groups, busyUs, n),
  };
}

export interface FormatOptions {
  /** Print the gateway pipeline-stage table (the stages are the gateway's). @default false */
  readonly stages?: boolean | undefined;
}

export function formatSummary(summary: ProfileSummary, title: string, rows?: number, options: FormatOptions = {}): string {
  const ms = (us: number) => (us / 1000).toFixed(1).padStart(9);
  const pct = (s: number) => `${(s * 100).toFixed(1)}%`.padStart(6);
  const perRow = (us: number) => (rows ? `${((us / rows) * 1000).toFixed(0).padStart(6)} ns/row` : '');
  const lines: string[] = [];
  lines.push(`== ${title}`);
  lines.push(
    `profile ${(summary.totalUs / 1e6).toFixed(2)} s, busy ${(summary.busyUs / 1e6).toFixed(2)} s` +
      (rows ? ` (${((summary.busyUs / rows)).toFixed(2)} µs/row over ${rows} rows)` : '') +
      `, GC ${((summary.gcUs / Math.max(1, summary.busyUs)) * 100).toFixed(1)}% of busy`,
  );
  lines.push(
    `socket write syscalls ${((summary.socketWriteUs / Math.max(1, summary.busyUs)) * 100).toFixed(1)}% of busy; busy without them ` +
      `${((summary.busyUs - summary.socketWriteUs) / 1e6).toFixed(2)} s` +
      (rows ? ` (${((summary.busyUs - summary.socketWriteUs) / rows).toFixed(2)} µs/row)` : '') +
      ' [--cpu-prof samples wall time: on a busy 2-core box, preemption inside the write syscall (which wakes the reader) lands there]',
  );
  const section = (name: string, entries: Entry[]) => {
    lines.push(`-- ${name}          ms   share`);
    for (const e of entries) lines.push(`${ms(e.us)} ${pct(e.share)} ${perRow(e.us)}  ${e.name}`);
  };
  if (options.stages) section('self time by gateway pipeline stage (heuristic, from module groups)', summary.stages);
  section('self time by module group (native code counted in its JS caller\'s group)', summary.groups);
  section('self time by function', summary.self);
  section('inclusive time by function', summary.inclusive);
  return lines.join('\n');
}

export function loadProfile(path: string): CpuProfile {
  return JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const args = process.argv.slice(2);
  const file = args.find((a) => !a.startsWith('--'));
  if (!file) {
    console.error('usage: tsx bench/profile-summary.ts PROFILE.cpuprofile [--top N] [--per-row ROWS]');
    process.exit(2);
  }
  const flag = (name: string): number | undefined => {
    const i = args.indexOf(name);
    return i === -1 ? undefined : Number(args[i + 1]);
  };
  const profile = loadProfile(file);
  const matchAt = args.indexOf('--match');
  if (matchAt !== -1) {
    const rows = flag('--per-row');
    for (const e of inclusiveMatching(profile, new RegExp(args[matchAt + 1] ?? '.'))) {
      const perRow = rows ? `${((e.us / rows) * 1000).toFixed(0).padStart(6)} ns/row` : '';
      console.log(`${(e.us / 1000).toFixed(1).padStart(9)} ${(e.share * 100).toFixed(1).padStart(5)}% ${perRow}  ${e.name}`);
    }
  } else {
    console.log(
      formatSummary(summarizeProfile(profile, flag('--top') ?? 30), file, flag('--per-row'), { stages: args.includes('--stages') }),
    );
  }
}
