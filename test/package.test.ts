/**
 * What `npm pack` would publish: the built code and the files package.json
 * names, and nothing of the tests. Test helpers follow one convention, so
 * that tsconfig.build.json can leave them out: `*.test-helper.ts` beside the
 * code they help test, or a `testing/` directory.
 *
 * Needs dist/: `npm test` runs `npm run build` before vitest.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));

interface PackageJson {
  readonly main?: string;
  readonly types?: string;
  readonly exports?: unknown;
  readonly bin?: string | Readonly<Record<string, string>>;
  readonly files?: readonly string[];
}

const pkg = JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as PackageJson;

/** A source file that exists only for the tests: never compiled into dist/. */
function isTestSource(path: string): boolean {
  return /\.test\.ts$|\.test-helper\.ts$/.test(path) || /(^|\/)testing\//.test(path);
}

/** Names that say "test" in any of the usual spellings. */
const TEST_LIKE = /\.test\.|\.spec\.|test-helper|test-util|fixture|(^|\/)(tests?|testing|__tests__|__mocks__)\//i;

/** The paths package.json's main, types, exports and bin point at, without a leading `./`. */
function entryPoints(): string[] {
  const targets: string[] = [];
  const collect = (value: unknown): void => {
    if (typeof value === 'string') targets.push(value);
    else if (value !== null && typeof value === 'object') Object.values(value).forEach(collect);
  };
  collect(pkg.main);
  collect(pkg.types);
  collect(pkg.exports);
  collect(pkg.bin);
  return targets.map((target) => target.replace(/^\.\//, ''));
}

let files: string[] = [];

beforeAll(async () => {
  if (!existsSync(`${root}dist`)) {
    throw new Error('dist/ is missing: run `npm run build` first (`npm test` does it before vitest)');
  }
  const { stdout } = await promisify(execFile)('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
    cwd: root,
    maxBuffer: 64 * 1024 * 1024,
  });
  const [packed] = JSON.parse(stdout) as Array<{ files: Array<{ path: string }> }>;
  files = (packed?.files ?? []).map((file) => file.path).sort();
}, 60_000);

describe('npm pack', () => {
  it('has no test files, test helpers or fixtures', () => {
    expect(files.length).toBeGreaterThan(0);
    expect(files.filter((file) => TEST_LIKE.test(file))).toEqual([]);
  });

  it('has in dist/ exactly the compiled non-test sources (no stale output of renamed or deleted files)', () => {
    const sources = readdirSync(`${root}src`, { recursive: true, encoding: 'utf8' })
      .map((path) => path.replaceAll('\\', '/'))
      .filter((path) => path.endsWith('.ts') && !path.endsWith('.d.ts') && !isTestSource(path));
    const expected = sources.flatMap((path) => {
      const base = `dist/${path.slice(0, -'.ts'.length)}`;
      return [`${base}.js`, `${base}.js.map`, `${base}.d.ts`];
    });
    const packedDist = files.filter((file) => file.startsWith('dist/'));
    const message = 'dist/ differs from src/: run `npm run build` (it empties dist/ first)';
    expect(packedDist.filter((file) => !expected.includes(file)), message).toEqual([]);
    expect(expected.filter((file) => !packedDist.includes(file)), message).toEqual([]);
  });

  it('has what package.json names: entry points, the files it lists, README and LICENSE', () => {
    const required = ['package.json', 'README.md', ...entryPoints()];
    for (const license of ['LICENSE', 'LICENSE.md', 'LICENSE.txt']) {
      if (existsSync(`${root}${license}`)) required.push(license);
    }
    expect(required.filter((file) => !files.includes(file))).toEqual([]);
    for (const entry of pkg.files ?? []) {
      expect(
        files.some((file) => file === entry || file.startsWith(`${entry.replace(/\/$/, '')}/`)),
        `package.json files entry ${entry}`,
      ).toBe(true);
    }
  });

  it('has the compiled modules the bin launchers import', () => {
    const bins = typeof pkg.bin === 'string' ? [pkg.bin] : Object.values(pkg.bin ?? {});
    const imported = bins.flatMap((bin) => {
      const text = readFileSync(`${root}${bin}`, 'utf8');
      return [...text.matchAll(/from '\.\.\/(dist\/[^']+)'/g)].map((match) => match[1] ?? '');
    });
    expect(imported.length).toBeGreaterThan(0);
    expect(imported.filter((file) => !files.includes(file))).toEqual([]);
  });
});
