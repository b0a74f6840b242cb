/**
 * The metastore: streams, tables and custom types by name. Cheap to clone,
 * so a request can be validated against a sandbox copy before anything runs.
 *
 * @module
 */
import { CatalogError } from '../errors.js';
import type { SqlType } from '../types/index.js';
import type { CustomType, DataSource, SourceType } from './source.js';

export class Catalog {
  readonly #sources: Map<string, DataSource>;
  readonly #types: Map<string, SqlType>;

  constructor(sources?: Map<string, DataSource>, types?: Map<string, SqlType>) {
    this.#sources = sources ?? new Map<string, DataSource>();
    this.#types = types ?? new Map<string, SqlType>();
  }

  /** An independent copy (sources and types are immutable values). */
  clone(): Catalog {
    return new Catalog(new Map(this.#sources), new Map(this.#types));
  }

  getSource(name: string): DataSource | undefined {
    return this.#sources.get(name);
  }

  /** Sources in creation order, optionally of one type. */
  listSources(type?: SourceType): DataSource[] {
    const all = [...this.#sources.values()];
    return type === undefined ? all : all.filter((s) => s.sourceType === type);
  }

  /**
   * Adds (or, with `orReplace`, replaces) a source. Throws ksqlDB's
   * "Cannot add stream 'X': A table with the same name already exists".
   */
  putSource(source: DataSource, options: { orReplace?: boolean } = {}): void {
    const existing = this.#sources.get(source.name);
    if (existing !== undefined) {
      if (!options.orReplace) {
        throw new CatalogError(
          `Cannot add ${source.sourceType.toLowerCase()} '${source.name}': A ${existing.sourceType.toLowerCase()} with the same name already exists`,
        );
      }
      if (existing.sourceType !== source.sourceType) {
        throw new CatalogError(
          `Cannot add ${source.sourceType.toLowerCase()} '${source.name}': A ${existing.sourceType.toLowerCase()} with the same name already exists`,
        );
      }
    }
    this.#sources.set(source.name, source);
  }

  dropSource(name: string): DataSource | undefined {
    const s = this.#sources.get(name);
    this.#sources.delete(name);
    return s;
  }

  /** Sources whose topic is `topic`. */
  sourcesOnTopic(topic: string): DataSource[] {
    return [...this.#sources.values()].filter((s) => s.topic === topic);
  }

  getType(name: string): SqlType | undefined {
    return this.#types.get(name);
  }

  listTypes(): CustomType[] {
    return [...this.#types].map(([name, type]) => ({ name, type }));
  }

  putType(name: string, type: SqlType): void {
    this.#types.set(name, type);
  }

  dropType(name: string): boolean {
    return this.#types.delete(name);
  }
}
