/**
 * Registered queries: every live query, persistent or transient, with what
 * SHOW QUERIES and DESCRIBE need. The runtime owns the running handles; the
 * registry only knows how to ask one to stop.
 *
 * @module
 */
export type QueryType = 'PERSISTENT' | 'PUSH' | 'PULL';
export type QueryState = 'RUNNING' | 'ERROR' | 'PAUSED' | 'UNRESPONSIVE';

export interface RegisteredQuery {
  readonly id: string;
  readonly queryType: QueryType;
  readonly statementText: string;
  /** Source names read. */
  readonly sources: readonly string[];
  /** Sink source names written (empty for transient queries). */
  readonly sinks: readonly string[];
  readonly sinkTopics: readonly string[];
  readonly state: QueryState;
  /** Stops the query; idempotent. */
  terminate(): void;
}

export class QueryRegistry {
  readonly #queries = new Map<string, RegisteredQuery>();

  register(query: RegisteredQuery): void {
    if (this.#queries.has(query.id)) throw new Error(`Invariant violated: query ${query.id} registered twice`);
    this.#queries.set(query.id, query);
  }

  /** A copy for validating a request: registering in it leaves this registry unchanged. */
  clone(): QueryRegistry {
    const copy = new QueryRegistry();
    for (const q of this.#queries.values()) copy.register(q);
    return copy;
  }

  deregister(id: string): boolean {
    return this.#queries.delete(id);
  }

  get(id: string): RegisteredQuery | undefined {
    return this.#queries.get(id);
  }

  has(id: string): boolean {
    return this.#queries.has(id);
  }

  list(): RegisteredQuery[] {
    return [...this.#queries.values()];
  }

  count(type?: QueryType): number {
    if (type === undefined) return this.#queries.size;
    let n = 0;
    for (const q of this.#queries.values()) if (q.queryType === type) n++;
    return n;
  }

  /** Queries reading or writing a source. */
  readersOf(source: string): RegisteredQuery[] {
    return this.list().filter((q) => q.sources.includes(source));
  }

  writersOf(source: string): RegisteredQuery[] {
    return this.list().filter((q) => q.sinks.includes(source));
  }
}
