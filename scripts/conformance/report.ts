/**
 * Failure grouping and the generated part of docs/conformance.md.
 *
 * @module
 */
import type { CaseResult } from './run-case.js';

export interface FailureGroup {
  readonly title: string;
  readonly results: CaseResult[];
}

/** A failure reason with its variable parts (names, numbers, quoted text) blanked, to group alike failures. */
export function normalizeReason(reason: string): string {
  return reason
    .replace(/responses\[\d+\]/g, 'responses[i]')
    .replace(/query\[\d+\]/g, 'query[j]')
    .replace(/outputs\[[^\]]*\]/g, 'outputs[topic]')
    .replace(/'[^']*'/g, "'…'")
    .replace(/`[^`]*`/g, '`…`')
    .replace(/"[^"]*"/g, '"…"')
    .replace(/\b\d+\b/g, 'N')
    .slice(0, 160);
}

/**
 * Known causes, first match wins; tested against the reason and the diff.
 * Anything else is grouped by its normalised reason.
 */
const CAUSES: readonly { readonly test: RegExp; readonly title: string }[] = [
  { test: /AS SELECT \(persistent queries\) is not supported/, title: 'engine: CREATE STREAM/TABLE AS SELECT (persistent queries) not supported yet' },
  { test: /Windowed aggregations are not supported/, title: 'engine: windowed aggregations not supported yet' },
  { test: /GROUP BY aggregations are not supported|Aggregate functions are not supported/, title: 'engine: aggregations not supported yet' },
  { test: /table isn't queryable/, title: 'engine: pull queries on source tables (CREATE SOURCE TABLE / materialized CT) not supported yet' },
  { test: /`WINDOWSTART` BIGINT, `WINDOWEND` BIGINT/, title: 'engine: windowed sources (WINDOW_TYPE, WINDOWSTART/WINDOWEND columns) not supported yet' },
  { test: /The statement does not define any columns/, title: 'engine: schema inference from Schema Registry (topics with registered AVRO/PROTOBUF schemas) not supported' },
  { test: /queryProto/, title: 'engine/runner: protobuf query output (testPullWithProtoFormat, /query-stream protobuf) not supported' },
  { test: /line \d+:\d+: Syntax Error\)/, title: 'engine (parser): a syntax error where ksqlDB parses the statement and rejects it later' },
];

export function classify(results: readonly CaseResult[]): FailureGroup[] {
  const groups = new Map<string, CaseResult[]>();
  for (const r of results) {
    if (r.pass) continue;
    const text = `${r.reason}\n${r.diff ?? ''}`;
    const title = CAUSES.find((c) => c.test.test(text))?.title ?? normalizeReason(r.reason);
    groups.set(title, [...(groups.get(title) ?? []), r]);
  }
  return [...groups.entries()]
    .map(([title, rs]) => ({ title, results: rs }))
    .sort((a, b) => b.results.length - a.results.length || a.title.localeCompare(b.title));
}

const BEGIN = '<!-- conformance:generated:begin -->';
const END = '<!-- conformance:generated:end -->';

export function renderMarkdown(
  results: readonly CaseResult[],
  groups: readonly FailureGroup[],
  meta: { readonly command: string; readonly date: string },
): string {
  const passed = results.filter((r) => r.pass).length;
  const lines: string[] = [];
  lines.push(BEGIN);
  lines.push('');
  lines.push(`Generated on ${meta.date} by \`${meta.command}\`.`);
  lines.push('');
  lines.push('| Tier | Passed | Cases |');
  lines.push('|---|---:|---:|');
  for (const tier of [...new Set(results.map((r) => r.tier))].sort()) {
    const of = results.filter((r) => r.tier === tier);
    lines.push(`| ${tier} | ${of.filter((r) => r.pass).length} | ${of.length} |`);
  }
  lines.push(`| **all** | **${passed}** | **${results.length}** |`);
  lines.push('');
  lines.push(`### Failing cases (${results.length - passed}), grouped by reason`);
  lines.push('');
  for (const g of groups) {
    lines.push(`#### ${g.title.replaceAll('|', '\\|')} (${g.results.length})`);
    lines.push('');
    for (const r of g.results) lines.push(`- ${r.tier} \`${r.id}\``);
    lines.push('');
  }
  lines.push(END);
  return lines.join('\n') + '\n';
}

/** Replaces the generated section of an existing document, or returns the section alone. */
export function spliceGenerated(existing: string | undefined, section: string): string {
  if (existing === undefined) return section;
  const a = existing.indexOf(BEGIN);
  const b = existing.indexOf(END);
  if (a < 0 || b < a) return existing.trimEnd() + '\n\n' + section;
  return existing.slice(0, a) + section.trimEnd() + existing.slice(b + END.length);
}
