/**
 * The Docker image without a container engine: the Dockerfile's runtime stage
 * is replayed into a temporary root (its COPY, RUN and WORKDIR instructions,
 * with the ownership they give), then its ENTRYPOINT + CMD runs as the
 * image's USER with only the image's environment. This is where a root-owned
 * /app with a relative data directory failed (EACCES on the first start); the
 * negative control keeps proving the test can see that failure.
 *
 * Needs root (chown and setuid), which CI has; skipped otherwise.
 */
import { execFile, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import { chmod, chown, cp, lstat, mkdir, mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  commandForm,
  copyArgs,
  DockerfileError,
  envPairs,
  healthcheckCommand,
  parseDockerfile,
  shellWords,
  volumePaths,
  type Stage,
} from './dockerfile.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const DOCKERFILE = join(REPO, 'Dockerfile');
const isRoot = process.getuid?.() === 0;
const execFileAsync = promisify(execFile);

/** The accounts of the official node images (their /etc/passwd); `node` is what USER names. */
const IMAGE_USERS: Readonly<Record<string, { uid: number; gid: number }>> = {
  root: { uid: 0, gid: 0 },
  node: { uid: 1000, gid: 1000 },
};

function imageUser(spec: string, line?: number): { uid: number; gid: number } {
  const [user = '', group] = spec.split(':');
  const resolve = (name: string, field: 'uid' | 'gid'): number => {
    if (/^\d+$/.test(name)) return Number(name);
    const known = IMAGE_USERS[name];
    if (!known) {
      throw new DockerfileError(
        `unknown user or group "${name}": the layout test knows ${Object.keys(IMAGE_USERS).join(', ')} (numeric ids work too)`,
        line,
      );
    }
    return known[field];
  };
  const uid = resolve(user, 'uid');
  return { uid, gid: group === undefined ? (/^\d+$/.test(user) ? uid : resolve(user, 'gid')) : resolve(group, 'gid') };
}

/** What `docker run` needs from the runtime stage, with image paths already mapped into the layout. */
interface RuntimeImage {
  readonly stage: Stage;
  /** The layout's `/`. */
  readonly root: string;
  /** ENV as written in the Dockerfile (image paths). */
  readonly env: ReadonlyMap<string, string>;
  readonly workdir: string;
  readonly user: { uid: number; gid: number };
  readonly volumes: readonly string[];
  readonly exposed: readonly string[];
  readonly healthcheck: readonly string[] | undefined;
  /** ENTRYPOINT + CMD. */
  readonly argv: readonly string[];
  /** Image directories whose paths are remapped when they appear in ENV values. */
  readonly imageDirs: readonly string[];
}

/** Maps an absolute image path into the layout. */
function hostPath(root: string, imagePath: string): string {
  if (!imagePath.startsWith('/')) throw new Error(`expected an absolute image path, found "${imagePath}"`);
  return join(root, imagePath);
}

async function chownTree(path: string, uid: number, gid: number): Promise<void> {
  await chown(path, uid, gid);
  if ((await lstat(path)).isDirectory()) {
    for (const entry of await readdir(path)) await chownTree(join(path, entry), uid, gid);
  }
}

/** Every path under `dir`, relative to it (directories end with `/`). */
async function listTree(dir: string, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const rel = prefix + entry.name;
    if (entry.isDirectory()) out.push(rel + '/', ...(await listTree(join(dir, entry.name), rel + '/')));
    else out.push(rel);
  }
  return out;
}

/**
 * The build environment of `npm ci`: ours, minus what `npm test` adds for its
 * script (a local prefix pointing at this repository, package metadata),
 * which a fresh `docker build` does not have.
 */
function npmEnv(stageEnv: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^(npm_lifecycle_|npm_package_|npm_config_local_prefix$|INIT_CWD$)/.test(k)) continue;
    env[k] = v;
  }
  return { ...env, ...stageEnv };
}

/**
 * RUN, for the commands the runtime stage uses. Anything else is refused:
 * silently skipping a RUN would model a different image than Docker builds.
 */
async function replayRun(
  command: readonly string[],
  root: string,
  workdir: string,
  stageEnv: Record<string, string>,
  created: string[],
  line: number,
): Promise<void> {
  const [program, ...args] = command;
  const unsupported = (): never => {
    throw new DockerfileError(
      `RUN "${command.join(' ')}" is not modelled by test/docker/image-layout.test.ts (it knows npm ci, npm cache clean, mkdir, chown)`,
      line,
    );
  };
  if (program === 'npm' && args[0] === 'ci') {
    // --prefer-offline: CI's own `npm ci` has just filled the cache with the
    // same lockfile; the registry is still used for anything missing.
    try {
      await execFileAsync('npm', [...args, '--prefer-offline'], {
        cwd: hostPath(root, workdir),
        env: npmEnv(stageEnv),
        maxBuffer: 16 * 1024 * 1024,
      });
    } catch (cause) {
      const e = cause as { stderr?: string };
      throw new Error(`npm ${args.join(' ')} failed in the layout: ${e.stderr ?? String(cause)}`, { cause });
    }
    return;
  }
  // The cache is outside the layout; cleaning it changes nothing the runtime sees.
  if (program === 'npm' && args[0] === 'cache' && args[1] === 'clean') return;
  if (program === 'mkdir') {
    const parents = args.includes('-p');
    const paths = args.filter((a) => !a.startsWith('-'));
    if (paths.length === 0 || args.some((a) => a.startsWith('-') && a !== '-p')) unsupported();
    for (const p of paths) {
      const imagePath = posix.resolve(workdir, p);
      await mkdir(hostPath(root, imagePath), { recursive: parents, mode: 0o755 });
      created.push(imagePath);
    }
    return;
  }
  if (program === 'chown') {
    const recursive = args.includes('-R');
    if (args.some((a) => a.startsWith('-') && a !== '-R')) unsupported();
    const [owner, ...paths] = args.filter((a) => !a.startsWith('-'));
    if (owner === undefined || paths.length === 0) unsupported();
    const { uid, gid } = imageUser(owner!, line);
    for (const p of paths) {
      const target = hostPath(root, posix.resolve(workdir, p));
      if (recursive) await chownTree(target, uid, gid);
      else await chown(target, uid, gid);
    }
    return;
  }
  unsupported();
}

/** Replays the last stage of `dockerfile` into `root` as `docker build` + `docker run -v name:VOLUME` would leave it. */
async function buildRuntimeLayout(dockerfile: string, root: string): Promise<RuntimeImage> {
  const stages = parseDockerfile(await readFile(dockerfile, 'utf8'));
  const stage = stages.at(-1)!;
  const env = new Map<string, string>();
  let workdir = '/';
  let userSpec = 'root';
  const volumes: string[] = [];
  const exposed: string[] = [];
  const imageDirs: string[] = [];
  let healthcheck: string[] | undefined;
  let entrypoint: string[] = [];
  let cmd: string[] = [];
  const mappedEnv = (): Record<string, string> => remapEnv(env, root, imageDirs);

  for (const ins of stage.instructions) {
    switch (ins.keyword) {
      case 'ENV':
        for (const [k, v] of envPairs(ins)) env.set(k, v);
        break;
      case 'WORKDIR':
        workdir = posix.resolve(workdir, ins.args);
        // Docker creates a missing WORKDIR owned by root.
        await mkdir(hostPath(root, workdir), { recursive: true, mode: 0o755 });
        await chmod(hostPath(root, workdir), 0o755);
        imageDirs.push(workdir);
        break;
      case 'COPY': {
        const { from, chown: owner, sources, dest } = copyArgs(ins);
        const destImage = posix.resolve(workdir, dest);
        const intoDir = dest.endsWith('/') || dest === '.' || sources.length > 1;
        for (const src of sources) {
          if (/[*?[]/.test(src)) throw new DockerfileError(`COPY globs are not modelled ("${src}")`, ins.line);
          const from_ = from === undefined ? join(REPO, src) : buildOutput(stages, from, src, ins.line);
          const isDir = (await stat(from_)).isDirectory();
          // A directory's contents go to dest; a file goes to dest, or into it when dest is a directory.
          const target = hostPath(root, isDir || !intoDir ? destImage : posix.join(destImage, posix.basename(src)));
          await cp(from_, target, { recursive: true });
          if (owner !== undefined) {
            const { uid, gid } = imageUser(owner, ins.line);
            await chownTree(target, uid, gid);
          }
        }
        break;
      }
      case 'RUN': {
        if (imageUser(userSpec).uid !== 0) {
          throw new DockerfileError('RUN after USER (as a non-root user) is not modelled by the layout test', ins.line);
        }
        const { argv, exec } = commandForm(ins);
        if (exec) {
          await replayRun(argv, root, workdir, mappedEnv(), imageDirs, ins.line);
          break;
        }
        const script = argv[2]!;
        // Only `a && b` chains: anything shell-clever would need a shell model.
        if (/[;|<>`$]/.test(script.replaceAll('&&', ''))) {
          throw new DockerfileError(`RUN "${script}": only commands joined by && are modelled`, ins.line);
        }
        for (const part of script.split('&&')) {
          await replayRun(shellWords(part), root, workdir, mappedEnv(), imageDirs, ins.line);
        }
        break;
      }
      case 'USER':
        imageUser(ins.args, ins.line);
        userSpec = ins.args;
        break;
      case 'VOLUME':
        for (const v of volumePaths(ins)) {
          volumes.push(posix.resolve(workdir, v));
          imageDirs.push(posix.resolve(workdir, v));
        }
        break;
      case 'EXPOSE':
        exposed.push(...shellWords(ins.args));
        break;
      case 'HEALTHCHECK':
        healthcheck = healthcheckCommand(ins)?.argv;
        break;
      case 'ENTRYPOINT':
        entrypoint = commandForm(ins).argv;
        // Setting ENTRYPOINT resets an inherited CMD.
        cmd = [];
        break;
      case 'CMD':
        cmd = commandForm(ins).argv;
        break;
      case 'LABEL':
      case 'ARG':
        break;
      default:
        throw new DockerfileError(`${ins.keyword} is not modelled by the layout test`, ins.line);
    }
  }
  // A named volume mounted for the first time copies the image's directory,
  // ownership included; one the image lacks is created owned by root.
  for (const v of volumes) {
    const dir = hostPath(root, v);
    const exists = await stat(dir).then(
      () => true,
      () => false,
    );
    if (!exists) await mkdir(dir, { recursive: true, mode: 0o755 });
  }
  const entrypointIns = stage.instructions.findLast((i) => i.keyword === 'ENTRYPOINT');
  // A shell-form ENTRYPOINT ignores CMD.
  const argv = entrypointIns && !commandForm(entrypointIns).exec ? entrypoint : [...entrypoint, ...cmd];
  return { stage, root, env, workdir, user: imageUser(userSpec), volumes, exposed, healthcheck, argv, imageDirs };
}

/**
 * `COPY --from=<stage> <path>`: the build stage runs in this repository's
 * layout (its WORKDIR is the repository root), so `/app/dist` is our `dist/`,
 * which `npm test` builds before vitest runs.
 */
function buildOutput(stages: readonly Stage[], from: string, src: string, line: number): string {
  const stage = /^\d+$/.test(from) ? stages[Number(from)] : stages.find((s) => s.name === from);
  if (!stage) {
    throw new DockerfileError(`COPY --from=${from}: no such stage (an external image cannot be modelled)`, line);
  }
  const workdir = stage.instructions
    .filter((i) => i.keyword === 'WORKDIR')
    .reduce((dir, i) => posix.resolve(dir, i.args), '/');
  const rel = posix.relative(workdir, posix.resolve(workdir, src));
  if (rel.startsWith('..')) {
    throw new DockerfileError(`COPY --from=${from} ${src}: only paths under the stage's WORKDIR (${workdir}) map to the repository`, line);
  }
  return join(REPO, rel);
}

/** ENV values that are image paths under a known directory (WORKDIR, VOLUME, mkdir) point into the layout. */
function remapEnv(env: ReadonlyMap<string, string>, root: string, imageDirs: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of env) {
    const under = imageDirs.some((d) => d !== '/' && (v === d || v.startsWith(d + '/')));
    out[k] = under ? hostPath(root, v) : v;
  }
  return out;
}

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0);
  await once(server, 'listening');
  const address = server.address();
  server.close();
  await once(server, 'close');
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  return address.port;
}

interface Started {
  readonly child: ChildProcessWithoutNullStreams;
  readonly stderr: () => string;
}

const children: ChildProcessWithoutNullStreams[] = [];

/** `docker run`: the image's ENTRYPOINT + CMD as its USER, in its WORKDIR, with exactly `env`. */
function runImage(image: RuntimeImage, env: Record<string, string>): Started {
  const [program, ...args] = image.argv;
  if (program === undefined) throw new Error('the image has neither ENTRYPOINT nor CMD');
  const child = spawn(program, args, {
    cwd: hostPath(image.root, image.workdir),
    env,
    uid: image.user.uid,
    gid: image.user.gid,
  });
  children.push(child);
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return { child, stderr: () => stderr };
}

/** The first stdout line (the URL), or a failure carrying stderr when the process ends or stalls first. */
async function firstLine({ child, stderr }: Started, timeoutMs: number): Promise<string> {
  let out = '';
  const line = (async () => {
    for await (const chunk of child.stdout) {
      out += (chunk as Buffer).toString();
      const nl = out.indexOf('\n');
      if (nl !== -1) return out.slice(0, nl);
    }
    await exitOf(child);
    throw new Error(`exited with ${child.exitCode ?? child.signalCode} before printing its URL; stderr:\n${stderr()}`);
  })();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no URL within ${timeoutMs} ms; stderr:\n${stderr()}`)), timeoutMs);
  });
  try {
    return await Promise.race([line, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

async function exitOf(child: ChildProcessWithoutNullStreams): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
  const [code] = (await once(child, 'exit')) as [number | null];
  return code;
}

/** SIGTERM (what `docker stop` sends), SIGKILL if it lingers. */
async function stop(child: ChildProcessWithoutNullStreams, graceMs = 5_000): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
  const exited = exitOf(child);
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  try {
    return await exited;
  } finally {
    clearTimeout(timer);
  }
}

describe('Dockerfile', () => {
  it('pins every base image to an exact Node release that satisfies package.json engines', async () => {
    const stages = parseDockerfile(await readFile(DOCKERFILE, 'utf8'));
    const pkg = JSON.parse(await readFile(join(REPO, 'package.json'), 'utf8')) as { engines: { node: string } };
    const floor = /^>=(\d+)\.(\d+)\.(\d+)$/.exec(pkg.engines.node);
    expect(floor, `engines.node "${pkg.engines.node}"`).not.toBeNull();
    for (const { image } of stages) {
      const tag = /^node:(\d+)\.(\d+)\.(\d+)(?:-[a-z0-9.-]+)?$/.exec(image);
      expect(tag, `FROM ${image}: pin an exact node:x.y.z tag (not lts/latest/major-only)`).not.toBeNull();
      const version = tag!.slice(1, 4).map(Number);
      const min = floor!.slice(1, 4).map(Number);
      // Node 20: the pinned libraries' newer majors need Node 22+/24.
      expect(version[0], `FROM ${image}`).toBe(20);
      const cmp = version.map((n, i) => n - min[i]!).find((d) => d !== 0) ?? 0;
      expect(cmp, `FROM ${image} is older than engines.node ${pkg.engines.node}`).toBeGreaterThanOrEqual(0);
    }
  });
});

describe.skipIf(!isRoot)('Docker image layout (needs root to chown and setuid; CI runs as root)', () => {
  let tmp: string;
  let image: RuntimeImage;
  let appBefore: string[];

  beforeAll(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'ksqldb-gateway-image-'));
    // mkdtemp makes 0700; the image's user must be able to walk through.
    await chmod(tmp, 0o755);
    await stat(join(REPO, 'dist/cli/main.js')).catch((cause: unknown) => {
      throw new Error('dist/ is missing: run `npm run build` (the build stage output the image copies)', { cause });
    });
    image = await buildRuntimeLayout(DOCKERFILE, tmp);
    appBefore = await listTree(hostPath(tmp, image.workdir));
  }, 180_000);

  afterAll(async () => {
    await Promise.all(children.splice(0).map((c) => stop(c)));
    if (tmp) await rm(tmp, { recursive: true, force: true });
  }, 30_000);

  /** The container's environment: ENV only, plus PATH and the test's port. */
  function containerEnv(port: number, drop: readonly string[] = []): Record<string, string> {
    const env = remapEnv(image.env, tmp, image.imageDirs);
    for (const k of drop) delete env[k];
    return {
      ...env,
      PATH: process.env['PATH'] ?? '/usr/local/bin:/usr/bin:/bin',
      KSQLDB_GATEWAY_PORT: String(port),
      KSQLDB_GATEWAY_LOG_LEVEL: 'warn',
    };
  }

  it('has the shape the runtime needs: a user that is not root, a data volume, port 4000, a health check', () => {
    expect(image.user.uid).not.toBe(0);
    expect(image.volumes.length).toBeGreaterThan(0);
    expect(image.exposed).toContain('4000');
    expect(image.healthcheck).toBeDefined();
    expect(image.argv.slice(0, 2)).toEqual(['node', 'bin/ksqldb-gateway.js']);
  });

  it('starts as the image user, passes its health check on a non-default port, serves GraphQL and writes only to the volume', async () => {
    const port = await freePort();
    const env = containerEnv(port);
    const started = runImage(image, env);
    const url = await firstLine(started, 60_000);
    expect(url).toBe(`http://0.0.0.0:${port}`);

    const [hcProgram, ...hcArgs] = image.healthcheck!;
    const health = await execFileAsync(hcProgram!, hcArgs, {
      cwd: hostPath(tmp, image.workdir),
      env,
      uid: image.user.uid,
      gid: image.user.gid,
    }).then(
      () => 0,
      (e: { code?: number; stderr?: string }) => `exit ${e.code}: ${e.stderr}`,
    );
    expect(health, 'HEALTHCHECK command').toBe(0);

    const res = await fetch(`http://127.0.0.1:${port}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ info { version } }' }),
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { data?: { info?: { version?: unknown } }; errors?: unknown };
    expect(body.errors).toBeUndefined();
    expect(body.data?.info?.version).toEqual(expect.stringMatching(/.+/));

    for (const volume of image.volumes) {
      const entries = await readdir(hostPath(tmp, volume));
      expect(entries.length, `${volume} holds the engine's files`).toBeGreaterThan(0);
      for (const e of entries) expect((await stat(join(hostPath(tmp, volume), e))).uid).toBe(image.user.uid);
    }

    // docker stop: a clean exit on SIGTERM.
    expect(await stop(started.child)).toBe(0);
    expect(await listTree(hostPath(tmp, image.workdir))).toEqual(appBefore);
  }, 180_000);

  it('negative control: without KSQLDB_GATEWAY_DATA_DIR the engine cannot create ./ksql-data in the root-owned app directory', async () => {
    const env = containerEnv(await freePort(), ['KSQLDB_GATEWAY_DATA_DIR']);
    const started = runImage(image, env);
    const outcome = await firstLine(started, 60_000).then(
      (line) => `started: ${line}`,
      (e: unknown) => (e instanceof Error ? e.message : String(e)),
    );
    await stop(started.child);
    expect(outcome).toMatch(/EACCES/);
    expect(started.child.exitCode).not.toBe(0);
    expect(await listTree(hostPath(tmp, image.workdir))).toEqual(appBefore);
    // What the image does differently, so the two tests together isolate it.
    expect(image.env.get('KSQLDB_GATEWAY_DATA_DIR'), 'the image sets its data directory').toBeDefined();
  }, 180_000);
});
