/**
 * One consumer over the topics a plan reads. A join reads several topics;
 * their records are merged in global append order (the broker's `sequence`),
 * so a query sees the same interleaving on every run, after a restart too.
 *
 * @module
 */
import { planTopics, type PlanNode } from '../plan/index.js';
import type { Broker, Consumer, ConsumerOptions, StoredRecord } from '../storage/index.js';

class MergedConsumer implements Consumer {
  readonly #consumers: readonly Consumer[];
  readonly #buffers: StoredRecord[][];

  constructor(consumers: readonly Consumer[]) {
    this.#consumers = consumers;
    this.#buffers = consumers.map(() => []);
  }

  poll(max: number): StoredRecord[] {
    const out: StoredRecord[] = [];
    while (out.length < max) {
      // Every consumer either has a head buffered or has nothing available: the smallest head is next.
      let best = -1;
      for (let i = 0; i < this.#consumers.length; i++) {
        const buffer = this.#buffers[i] as StoredRecord[];
        if (buffer.length === 0) buffer.push(...(this.#consumers[i] as Consumer).poll(max));
        const head = buffer[0];
        if (head !== undefined && (best < 0 || head.sequence < (this.#buffers[best] as StoredRecord[])[0]!.sequence)) best = i;
      }
      if (best < 0) break;
      out.push((this.#buffers[best] as StoredRecord[]).shift() as StoredRecord);
    }
    return out;
  }

  async waitForRecords(signal?: AbortSignal): Promise<void> {
    if (this.#buffers.some((b) => b.length > 0)) return;
    const inner = new AbortController();
    const abort = () => inner.abort();
    signal?.addEventListener('abort', abort, { once: true });
    try {
      await Promise.race(this.#consumers.map((c) => c.waitForRecords(inner.signal)));
    } finally {
      signal?.removeEventListener('abort', abort);
      inner.abort();
    }
  }

  positions(): ReadonlyMap<number, number> {
    return this.#consumers[0]?.positions() ?? new Map();
  }

  get closed(): boolean {
    return this.#consumers.some((c) => c.closed);
  }

  close(): void {
    for (const c of this.#consumers) c.close();
  }
}

/** A consumer of every topic `root` reads (one topic: the broker's own consumer). */
export function planConsumer(broker: Broker, root: PlanNode, options: ConsumerOptions): Consumer {
  const topics = planTopics(root);
  if (topics.length === 1) return broker.consumer(topics[0] as string, options);
  return new MergedConsumer(topics.map((t) => broker.consumer(t, options)));
}
