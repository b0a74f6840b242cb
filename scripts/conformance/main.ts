/**
 * `npm run conformance -- [--cases FILE] [--tier T1,T2] [--only TEXT]
 *   [--json OUT] [--markdown OUT] [--floor FILE] [--timeout MS] [--quiet]`
 *
 * Runs ksqlDB's REST functional cases (RQTT) against fresh embedded engines
 * and prints PASS/FAIL per case, a diff per failure, and finally the line
 * `N passed, N failed`. Exit codes: 0 all ran (and the floor holds, with
 * --floor), 1 failures below the floor (or any failure without --floor when
 * --strict), 2 usage error or no case file.
 *
 * @module
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadCases, type Case } from './cases.js';
import { classify, renderMarkdown, spliceGenerated } from './report.js';
import { runCase, type CaseResult } from './run-case.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const DEFAULT_CASES = resolve(ROOT, '..', 'shared', 'conformance', 'rqtt', 'cases.jsonl');

interface Args {
  cases: string;
  tiers: string[] | undefined;
  only: string | undefined;
  json: string | undefined;
  markdown: string | undefined;
  floor: string | undefined;
  timeoutMs: number;
  quiet: boolean;
  strict: boolean;
}

function usage(message?: string): never {
  if (message !== undefined) process.stderr.write(`conformance: ${message}\n`);
  process.stderr.write(
    'usage: npm run conformance -- [--cases FILE] [--tier T1,T2] [--only TEXT] [--json OUT] [--markdown OUT]\n' +
      '                              [--floor FILE] [--timeout MS] [--quiet] [--strict]\n',
  );
  process.exit(2);
}

function parseArgs(argv: readonly string[]): Args {
  const args: Args = {
    cases: DEFAULT_CASES,
    tiers: undefined,
    only: undefined,
    json: undefined,
    markdown: undefined,
    floor: undefined,
    timeoutMs: 30_000,
    quiet: false,
    strict: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    const [flag, inline] = a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined) usage(`${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case '--cases':
        args.cases = resolve(process.cwd(), value());
        break;
      case '--tier':
      case '--tiers':
        args.tiers = value().split(',').map((t) => t.trim().toUpperCase()).filter((t) => t !== '');
        break;
      case '--only':
        args.only = value();
        break;
      case '--json':
        args.json = resolve(process.cwd(), value());
        break;
      case '--markdown':
        args.markdown = resolve(process.cwd(), value());
        break;
      case '--floor':
        args.floor = resolve(process.cwd(), value());
        break;
      case '--timeout': {
        const n = Number(value());
        if (!Number.isFinite(n) || n <= 0) usage('--timeout takes milliseconds');
        args.timeoutMs = n;
        break;
      }
      case '--quiet':
        args.quiet = true;
        break;
      case '--strict':
        args.strict = true;
        break;
      case '--help':
      case '-h':
        usage();
        break;
      default:
        usage(`unknown option ${a}`);
    }
  }
  return args;
}

function selectCases(all: readonly Case[], args: Args): Case[] {
  return all.filter(
    (c) =>
      c.enabled &&
      (args.tiers === undefined || args.tiers.includes(c.tier)) &&
      (args.only === undefined || c.id.toLowerCase().includes(args.only.toLowerCase())),
  );
}

/** Pass counts for the floor keys: "all", or a comma list of tiers ("T1,T2"). */
export function passesFor(key: string, results: readonly CaseResult[]): number {
  if (key === 'all') return results.filter((r) => r.pass).length;
  const tiers = key.split(',').map((t) => t.trim().toUpperCase());
  return results.filter((r) => r.pass && tiers.includes(r.tier)).length;
}

function indent(text: string, pad = '    '): string {
  return text
    .split('\n')
    .map((l) => pad + l)
    .join('\n');
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  if (!existsSync(args.cases)) {
    process.stderr.write(
      `conformance: no case file at ${args.cases}\n` +
        'The RQTT cases live outside this repository (../shared/conformance/rqtt/cases.jsonl beside the clone);\n' +
        'pass --cases FILE to point at a copy.\n',
    );
    process.exit(2);
  }
  const all = loadCases(args.cases);
  const cases = selectCases(all, args);
  const tierLabel = args.tiers === undefined ? 'all tiers' : args.tiers.join(',');
  process.stdout.write(
    `conformance: ${cases.length} of ${all.length} cases from ${args.cases} (${tierLabel}${args.only === undefined ? '' : `, matching "${args.only}"`})\n`,
  );

  const results: CaseResult[] = [];
  const started = Date.now();
  for (const [i, c] of cases.entries()) {
    const r = await runCase(c, { timeoutMs: args.timeoutMs });
    results.push(r);
    const progress = `[${String(i + 1).padStart(String(cases.length).length)}/${cases.length}]`;
    if (r.pass) {
      if (!args.quiet) process.stdout.write(`${progress} PASS ${c.tier} ${c.id} (${r.ms} ms)\n`);
    } else {
      process.stdout.write(`${progress} FAIL ${c.tier} ${c.id} (${r.ms} ms)\n    ${r.reason}\n`);
      if (r.diff !== undefined && !args.quiet) process.stdout.write(indent(r.diff, '      ') + '\n');
    }
  }
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  const passed = results.filter((r) => r.pass).length;
  const failed = results.length - passed;

  process.stdout.write(`\nby tier (${seconds} s):\n`);
  for (const tier of [...new Set(results.map((r) => r.tier))].sort()) {
    const of = results.filter((r) => r.tier === tier);
    process.stdout.write(`  ${tier}: ${of.filter((r) => r.pass).length}/${of.length}\n`);
  }
  const groups = classify(results);
  if (failed > 0) {
    process.stdout.write('failures by cause:\n');
    for (const g of groups) process.stdout.write(`  ${String(g.results.length).padStart(4)}  ${g.title}\n`);
  }

  if (args.json !== undefined) {
    mkdirSync(dirname(args.json), { recursive: true });
    const byId = new Map(groups.flatMap((g) => g.results.map((r) => [r.id, g.title] as const)));
    writeFileSync(
      args.json,
      JSON.stringify(
        {
          cases: args.cases,
          date: new Date().toISOString(),
          passed,
          failed,
          results: results.map((r) => ({
            id: r.id,
            tier: r.tier,
            pass: r.pass,
            ...(r.pass ? {} : { reason: r.reason, group: byId.get(r.id), phase: r.phase }),
            ms: r.ms,
          })),
        },
        null,
        2,
      ) + '\n',
    );
  }
  if (args.markdown !== undefined) {
    const command = `npm run conformance -- ${process.argv.slice(2).join(' ')}`.trim();
    const section = renderMarkdown(results, groups, { command, date: new Date().toISOString().slice(0, 10) });
    const existing = existsSync(args.markdown) ? readFileSync(args.markdown, 'utf8') : undefined;
    mkdirSync(dirname(args.markdown), { recursive: true });
    writeFileSync(args.markdown, spliceGenerated(existing, section));
  }

  let exit = 0;
  if (args.floor !== undefined) {
    const floor = JSON.parse(readFileSync(args.floor, 'utf8')) as Record<string, unknown>;
    process.stdout.write(`floor (${args.floor}):\n`);
    for (const [key, min] of Object.entries(floor)) {
      if (typeof min !== 'number') continue;
      const keyTiers = key === 'all' ? undefined : key.split(',').map((t) => t.trim().toUpperCase());
      const covered = args.only === undefined && (args.tiers === undefined || (keyTiers !== undefined && keyTiers.every((t) => args.tiers?.includes(t))));
      if (!covered) {
        process.stdout.write(`  ${key}: not checked (this run covers only part of it)\n`);
        continue;
      }
      const got = passesFor(key, results);
      const ok = got >= min;
      process.stdout.write(`  ${key}: ${got} passed, floor ${min} ${ok ? 'ok' : 'BELOW FLOOR'}\n`);
      if (!ok) exit = 1;
    }
  } else if (args.strict && failed > 0) {
    exit = 1;
  }
  process.stdout.write(`${passed} passed, ${failed} failed\n`);
  process.exit(exit);
}

await main();
