/**
 * Waiting on a writable that said "not now" (`write()` returned false).
 *
 * @module
 */
import type { EventEmitter } from 'node:events';

/**
 * Resolves at the stream's next `drain` (it can take more) or `close` (it
 * will take nothing more, so a writer must not wait for a drain that never
 * comes). Both listeners are removed either way.
 */
export function drainOrClose(stream: EventEmitter): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      stream.off('drain', done);
      stream.off('close', done);
      resolve();
    };
    stream.on('drain', done);
    stream.on('close', done);
  });
}
