/**
 * Reads what the typed schema is built from, over the same REST API any
 * client uses: `LIST STREAMS EXTENDED; LIST TABLES EXTENDED;` (one `/ksql`
 * round trip: every source with its columns, key, window type and the
 * persistent queries writing to it) and `SHOW PROPERTIES;` (whether the
 * server runs pull-query table scans).
 *
 * The result is a plain, sorted value with a fingerprint, so that a refresh
 * that finds nothing changed swaps nothing.
 *
 * Both answers are checked for shape before anything is built from them: a
 * `/ksql` answer that is not what those statements give (a `currentStatus`
 * entity, a listing without its descriptions, a proxy's idea of JSON) fails
 * the read with a KsqlProtocolError instead of reading as "no sources",
 * which would empty the typed schema until the next refresh.
 *
 * @module
 */
import { createHash } from 'node:crypto';
import type { KsqlEntity, PropertiesListEntity, SourceDescription, SourceDescriptionListEntity, WireType } from '../../protocol/index.js';
import { KsqlProtocolError } from '../ksql-client/errors.js';
import type { CallOptions, KsqlClient } from '../ksql-client/types.js';
import { columnsOfSource, type ColumnSpec } from '../schema/ksql-types.js';

/** One stream or table as the typed schema sees it. */
export interface CatalogSource {
  /** The ksqlDB name, exactly (quoted names keep their case). */
  readonly name: string;
  readonly kind: 'STREAM' | 'TABLE';
  /**
   * The columns a `SELECT *` returns, in order: key columns, then (windowed
   * tables) `WINDOWSTART` and `WINDOWEND`, then value columns.
   */
  readonly columns: readonly ColumnSpec[];
  /** Key column names, in order (primary key of a table, KEY of a stream). */
  readonly keyColumns: readonly string[];
  readonly windowType: 'SESSION' | 'HOPPING' | 'TUMBLING' | null;
  /**
   * Pull queries work: a table materialized by a persistent query (a CTAS
   * sink or a `CREATE SOURCE TABLE`).
   */
  readonly materialized: boolean;
  /**
   * `INSERT INTO ... VALUES` is offered: no persistent query writes to it,
   * it is not a read-only source table and not windowed.
   */
  readonly insertable: boolean;
}

export interface Catalog {
  /** Sorted by name. */
  readonly sources: readonly CatalogSource[];
  /** `ksql.query.pull.table.scan.enabled` on the server (ksqlDB's default: true). */
  readonly tableScanEnabled: boolean;
  /** A hash of everything above: equal fingerprints build equal schemas. */
  readonly fingerprint: string;
}

export interface ReadCatalogOptions extends CallOptions {
  /** Keeps a source when true (include/exclude patterns). */
  readonly filter?: ((name: string) => boolean) | undefined;
}

const BIGINT: WireType = { type: 'BIGINT' };

/**
 * A source description as checkSourceListing accepts it: older ksqlDB
 * versions send no `statement`, and `windowType` may be missing.
 */
type CheckedDescription = Omit<SourceDescription, 'statement' | 'windowType'> & {
  readonly statement?: string | null | undefined;
  readonly windowType?: SourceDescription['windowType'] | undefined;
};

/** A property as checkPropertiesListing accepts it: its name is checked, its value is not. */
interface CheckedProperty {
  readonly name: string;
  readonly value?: unknown;
}

function isSourceTable(d: CheckedDescription): boolean {
  return /^\s*CREATE\s+(?:OR\s+REPLACE\s+)?SOURCE\s+TABLE\b/i.test(d.statement ?? '') || d.writeQueries.some((q) => q.id.startsWith('CST_'));
}

function toSource(d: CheckedDescription): CatalogSource {
  const described = columnsOfSource(d);
  const keys = described.filter((c) => c.namespace === 'KEY');
  const values = described.filter((c) => c.namespace !== 'KEY');
  // Pull and push queries on windowed tables return the window bounds right
  // after the key, as BIGINT epoch milliseconds; DESCRIBE does not list them.
  const windowColumns: ColumnSpec[] =
    d.windowType === null || d.windowType === undefined
      ? []
      : [
          { name: 'WINDOWSTART', type: BIGINT, namespace: 'KEY' },
          { name: 'WINDOWEND', type: BIGINT, namespace: 'KEY' },
        ];
  const sourceTable = d.type === 'TABLE' && isSourceTable(d);
  const materialized =
    d.type === 'TABLE' && (sourceTable || d.writeQueries.some((q) => q.id.startsWith('CTAS_') && q.sinks.includes(d.name)));
  return {
    name: d.name,
    kind: d.type,
    columns: [...keys, ...windowColumns, ...values],
    keyColumns: keys.map((k) => k.name),
    windowType: d.windowType ?? null,
    materialized,
    insertable: d.writeQueries.length === 0 && !sourceTable && (d.windowType ?? null) === null,
  };
}

function descriptionsOf(entities: readonly KsqlEntity[]): CheckedDescription[] {
  const out: CheckedDescription[] = [];
  for (const e of entities) {
    if (e['@type'] === 'source_descriptions') out.push(...(e as SourceDescriptionListEntity).sourceDescriptions);
  }
  return out;
}

function tableScanFlag(entities: readonly KsqlEntity[]): boolean {
  for (const e of entities) {
    if (e['@type'] !== 'properties') continue;
    const properties: readonly CheckedProperty[] = (e as PropertiesListEntity).properties;
    const p = properties.find((x) => x.name === 'ksql.query.pull.table.scan.enabled');
    if (p === undefined || p.value === null || p.value === undefined) continue;
    // eslint-disable-next-line @typescript-eslint/no-base-to-string -- an unchecked wire value (a string from ksqlDB); TS narrowed unknown to {}
    return String(p.value).trim().toLowerCase() === 'true';
  }
  return true;
}

/** Builds a catalog value from already-fetched entities (pure). */
export function catalogFrom(
  sourceEntities: readonly KsqlEntity[],
  propertyEntities: readonly KsqlEntity[],
  filter: (name: string) => boolean = () => true,
): Catalog {
  const seen = new Set<string>();
  const sources: CatalogSource[] = [];
  for (const d of descriptionsOf(sourceEntities)) {
    if (seen.has(d.name) || !filter(d.name)) continue;
    seen.add(d.name);
    sources.push(toSource(d));
  }
  sources.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const tableScanEnabled = tableScanFlag(propertyEntities);
  const fingerprint = createHash('sha256').update(JSON.stringify({ sources, tableScanEnabled })).digest('hex');
  return { sources, tableScanEnabled, fingerprint };
}

const LIST_SOURCES = 'LIST STREAMS EXTENDED; LIST TABLES EXTENDED;';
const SHOW_PROPERTIES = 'SHOW PROPERTIES;';

type Json = Record<string, unknown>;

function isRecord(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const WINDOW_TYPES: ReadonlySet<unknown> = new Set([null, undefined, 'SESSION', 'HOPPING', 'TUMBLING']);

/** Why `d` is not a SourceDescription the catalog can use, or undefined. */
function descriptionProblem(d: unknown): string | undefined {
  if (!isRecord(d)) return 'a source description is not an object';
  const name = typeof d['name'] === 'string' ? JSON.stringify(d['name']) : undefined;
  if (name === undefined) return 'a source description has no name';
  if (d['type'] !== 'STREAM' && d['type'] !== 'TABLE') return `source ${name} is neither a STREAM nor a TABLE`;
  if (!WINDOW_TYPES.has(d['windowType'])) return `source ${name} has an unknown windowType`;
  if (d['statement'] !== undefined && d['statement'] !== null && typeof d['statement'] !== 'string') {
    return `source ${name} has a statement that is not a string`;
  }
  const fields = d['fields'];
  if (!Array.isArray(fields) || !fields.every((f) => isRecord(f) && typeof f['name'] === 'string' && isRecord(f['schema']))) {
    return `source ${name} has no well-formed fields`;
  }
  const writers = d['writeQueries'];
  if (!Array.isArray(writers) || !writers.every((q) => isRecord(q) && typeof q['id'] === 'string' && Array.isArray(q['sinks']))) {
    return `source ${name} has no well-formed writeQueries`;
  }
  return undefined;
}

function typeOf(e: unknown): string {
  return isRecord(e) && typeof e['@type'] === 'string' ? `a ${e['@type']} entity` : 'something that is not an entity';
}

function shapeError(statement: string, problem: string): KsqlProtocolError {
  return new KsqlProtocolError(`POST /ksql: the answer to ${JSON.stringify(statement)} has the wrong shape: ${problem}`, {
    method: 'POST',
    path: '/ksql',
  });
}

/**
 * Checks the answer to {@link LIST_SOURCES}: one or more `source_descriptions`
 * entities (ksqlDB sends one per statement), every description usable.
 */
export function checkSourceListing(entities: readonly unknown[]): asserts entities is SourceDescriptionListEntity[] {
  if (entities.length === 0) throw shapeError(LIST_SOURCES, 'no entity');
  for (const e of entities) {
    if (!isRecord(e) || e['@type'] !== 'source_descriptions') {
      throw shapeError(LIST_SOURCES, `${typeOf(e)} where source_descriptions were expected`);
    }
    const list = e['sourceDescriptions'];
    if (!Array.isArray(list)) throw shapeError(LIST_SOURCES, 'a source_descriptions entity without sourceDescriptions');
    for (const d of list) {
      const problem = descriptionProblem(d);
      if (problem !== undefined) throw shapeError(LIST_SOURCES, problem);
    }
  }
}

/**
 * Checks the answer to {@link SHOW_PROPERTIES}: `properties` entities with a
 * `properties` array. No entity at all is accepted (ksqlDB's defaults then
 * apply): nothing was said, which is not the same as something else said.
 */
export function checkPropertiesListing(entities: readonly unknown[]): asserts entities is PropertiesListEntity[] {
  for (const e of entities) {
    if (!isRecord(e) || e['@type'] !== 'properties') throw shapeError(SHOW_PROPERTIES, `${typeOf(e)} where properties were expected`);
    const list = e['properties'];
    if (!Array.isArray(list) || !list.every((p) => isRecord(p) && typeof p['name'] === 'string')) {
      throw shapeError(SHOW_PROPERTIES, 'a properties entity without a well-formed properties list');
    }
  }
}

/**
 * Reads the catalog: two `/ksql` calls. Errors are the client's typed
 * errors; an answer of the wrong shape is a KsqlProtocolError.
 */
export async function readCatalog(client: KsqlClient, options: ReadCatalogOptions = {}): Promise<Catalog> {
  const { filter, ...call } = options;
  const [sources, properties] = await Promise.all([
    client.ksql({ ksql: LIST_SOURCES }, call),
    client.ksql({ ksql: SHOW_PROPERTIES }, call),
  ]);
  checkSourceListing(sources);
  checkPropertiesListing(properties);
  return catalogFrom(sources, properties, filter);
}

/**
 * A name filter from glob patterns (`*` any run, `?` one character, matched
 * against the whole ksqlDB name, case-sensitively): a name is kept when it
 * matches an include pattern (or there are none) and no exclude pattern.
 */
export function sourceFilter(include: readonly string[], exclude: readonly string[]): (name: string) => boolean {
  const toRegExp = (glob: string) =>
    new RegExp(`^${[...glob].map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&'))).join('')}$`, 's');
  const inc = include.map(toRegExp);
  const exc = exclude.map(toRegExp);
  return (name) => (inc.length === 0 || inc.some((r) => r.test(name))) && !exc.some((r) => r.test(name));
}

/** Hidden unless asked for: ksqlDB's own processing log. */
export const DEFAULT_EXCLUDED_SOURCES: readonly string[] = ['KSQL_PROCESSING_LOG'];
