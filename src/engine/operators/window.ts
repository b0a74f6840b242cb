/**
 * Window assignment: TUMBLING and HOPPING windows (Kafka Streams'
 * `TimeWindows.windowsFor`) and SESSION window merging (Kafka Streams'
 * `KStreamSessionWindowAggregate`).
 *
 * @module
 */
import type { WindowSpec } from '../plan/index.js';
import type { RowWindow } from './operator.js';

export function windowsFor(spec: WindowSpec, timestamp: number): RowWindow[] {
  const { sizeMs, advanceMs } = spec;
  if (spec.type === 'SESSION') throw new Error('Invariant violated: session windows are merged, not assigned');
  if (!(sizeMs > 0 && advanceMs > 0)) throw new Error(`Invariant violated: window size ${sizeMs}, advance ${advanceMs}`);
  if (spec.type === 'TUMBLING') {
    const start = timestamp - (((timestamp % sizeMs) + sizeMs) % sizeMs);
    return [{ start, end: start + sizeMs }];
  }
  const out: RowWindow[] = [];
  let start = Math.floor(Math.max(0, timestamp - sizeMs + advanceMs) / advanceMs) * advanceMs;
  for (; start <= timestamp; start += advanceMs) out.push({ start, end: start + sizeMs });
  return out;
}

/**
 * The sessions a record at `timestamp` joins, and the session they merge into.
 *
 * A session is `[first record, last record]` (both inclusive; ksqlDB's WINDOWEND is the
 * last record's time, not plus the gap). A record joins every session that ends no more
 * than `gapMs` before it and starts no more than `gapMs` after it
 * (`SessionStore.findSessions(key, t - gap, t + gap)`); the merged session spans them all
 * and the record.
 */
export function mergeSessions<S extends { readonly window: RowWindow }>(
  sessions: readonly S[],
  timestamp: number,
  gapMs: number,
): { readonly merged: RowWindow; readonly overlapping: readonly S[] } {
  if (!(gapMs >= 0)) throw new Error(`Invariant violated: session gap ${gapMs}`);
  let start = timestamp;
  let end = timestamp;
  const overlapping = sessions.filter((s) => s.window.end >= timestamp - gapMs && s.window.start <= timestamp + gapMs);
  for (const s of overlapping) {
    start = Math.min(start, s.window.start);
    end = Math.max(end, s.window.end);
  }
  return { merged: { start, end }, overlapping };
}
