/**
 * Key identities and windowed keys.
 *
 * - {@link keyIdentity}: a canonical string for key values (plus window), for
 *   state lookups.
 * - Windowed keys on a topic: the stored key text wraps the key as
 *   `{"@window":{"start":s,"end":e},"key":<key JSON or null>}`, because a record
 *   holds one key text and ksqlDB's windowed key serde appends the window to
 *   the key bytes. The engine's topic REST extension shows `key` and `window`
 *   separately.
 *
 * @module
 */
import { Decimal, parseJsonTree, stringifyJsonTree, type JsonTree, type Value } from '../types/index.js';
import type { RowWindow } from './operator.js';

function replacer(_k: string, v: unknown): unknown {
  if (typeof v === 'bigint') return `${v}n`;
  if (v instanceof Decimal) return `${v.toString()}d`;
  if (v instanceof Map) return [...v.entries()];
  if (v instanceof Uint8Array) return [...v];
  return v;
}

export function keyIdentity(values: readonly Value[], window?: RowWindow  ): string {
  const k = JSON.stringify(values, replacer);
  return window === undefined ? k : `${k}@${window.start}-${window.end}`;
}

const WINDOW_FIELD = '@window';

export function wrapWindowedKey(keyText: string | null, window: RowWindow): string {
  return `{"${WINDOW_FIELD}":{"start":${window.start},"end":${window.end}},"key":${keyText ?? 'null'}}`;
}

/** The key text and window of a windowed key; undefined when `text` is not one. */
export function unwrapWindowedKey(text: string | null): { key: string | null; window: RowWindow } | undefined {
  if (text === null || !text.startsWith(`{"${WINDOW_FIELD}"`)) return undefined;
  let tree;
  try {
    tree = parseJsonTree(text);
  } catch {
    return undefined;
  }
  if (tree === null || typeof tree !== 'object' || Array.isArray(tree)) return undefined;
  const o = tree as Record<string, unknown>;
  const field = o[WINDOW_FIELD];
  if (field === null || typeof field !== 'object') return undefined;
  const w = field as Record<string, unknown>;
  const start = Number(String(w['start']));
  const end = Number(String(w['end']));
  const inner = o['key'];
  return {
    key: inner === null || inner === undefined ? null : stringifyJsonTree(inner as JsonTree),
    window: { start, end },
  };
}
