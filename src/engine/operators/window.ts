/**
 * Window assignment for TUMBLING and HOPPING windows (Kafka Streams'
 * `TimeWindows.windowsFor`).
 *
 * @module
 */
import type { WindowSpec } from '../plan/index.js';
import type { RowWindow } from './operator.js';

export function windowsFor(spec: WindowSpec, timestamp: number): RowWindow[] {
  const { sizeMs, advanceMs } = spec;
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
