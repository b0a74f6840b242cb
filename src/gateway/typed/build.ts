/**
 * The typed schema: one GraphQL type per ksqlDB stream or table, with
 *
 * - `Query.<table>(<key args>, where, limit, windowStart, windowEnd)`: a pull
 *   query, on materialized tables only; key arguments are required when the
 *   server runs no table scans (`ksql.query.pull.table.scan.enabled=false`);
 * - `Subscription.<source>(where, limit, fromBeginning)`: a push query that
 *   asks ksqlDB only for the columns the operation selects; unbounded ones
 *   (no `limit`, not `fromBeginning`) go through the shared push-query hub;
 * - `Mutation.insert<Type>(row)`: `INSERT INTO ... VALUES`, on sources no
 *   persistent query writes to, returning the row written;
 * - `Mutation.insert<Type>s(rows)`: several rows in order, over
 *   `/inserts-stream` when ksqlDB offers it (see insert-rows.ts), one
 *   `InsertRowResult` (or error) per row.
 *
 * Every statement is built by sql.ts from typed values; identifiers come
 * from the catalog only. The part is returned as SDL (root fields as
 * `extend type`) plus resolvers, so that it merges with the generic API and
 * the federation layer can add directives to it.
 *
 * @module
 */
import {
  GraphQLBoolean,
  GraphQLEnumType,
  GraphQLInputObjectType,
  GraphQLInt,
  GraphQLString,
  GraphQLList,
  GraphQLNonNull,
  GraphQLObjectType,
  GraphQLSchema,
  Kind,
  parse,
  printSchema,
  type DocumentNode,
  type GraphQLArgumentConfig,
  type GraphQLFieldConfig,
  type GraphQLFieldConfigMap,
  type GraphQLResolveInfo,
} from 'graphql';
import { getResolversFromSchema } from '@graphql-tools/utils';
import type { GatewayContext } from '../context.js';
import { callOptions } from '../context.js';
import { badUserInput } from '../errors/index.js';
import type { KsqlClient } from '../ksql-client/types.js';
import { ROW_CURSOR_FIELD, createRowShape, selectedFieldNames, type ResolverMap, type SchemaPart } from '../schema/index.js';
import { KSQL_SCALARS, TimestampScalar, buildSourcesTypes, type ColumnSpec, type SourceTypes } from '../schema/ksql-types.js';
import { DEFAULT_RESERVED_TYPE_NAMES, NameRegistry, NameScope, claimOrder, toFieldName } from '../schema/naming.js';
import { typeDefs as genericTypeDefs } from '../schema/type-defs.js';
import type { Catalog, CatalogSource } from './catalog.js';
import { COMPARISON_TYPE_NAMES, buildFilterType } from './filters.js';
import { insertRows } from './insert-rows.js';
import { quoteIdentifier } from '../../protocol/index.js';
import { buildInsert, buildSelect, comparisonLiteral } from './sql.js';
import { typedRow, type SourceSubscriptions, type TypedRowSource } from './subscriptions.js';
import { CLOCK_SLACK_MS, POSITION_COLUMNS, RESUME_COLUMNS, cursorFingerprint, resumeCondition, type ResumePosition } from '../resume/index.js';
import { noteUpstream, parentOnly, shareableWhen } from '../../shared/resolver-traits.js';
import {
  BATCH_MAX_BYTES,
  BATCH_MAX_DELAY_MS_LIMIT,
  BATCH_MAX_ROWS_LIMIT,
  DEFAULT_BATCH_MAX_DELAY_MS,
  DEFAULT_BATCH_MAX_ROWS,
  approximateJsonBytes,
  batchArguments,
  batchEvents,
  shareKey,
  type BatchEvent,
} from '../resolvers/index.js';

/** Type names the typed schema defines itself, whatever the catalog. */
export const TYPED_FIXED_TYPE_NAMES: readonly string[] = [...COMPARISON_TYPE_NAMES, 'WindowBoundComparison', 'InsertRowResult', 'InsertRowStatus'];

/** A value rejected later: handled now, so that it never counts as unhandled before graphql-js awaits it. */
function rejected(error: unknown): Promise<never> {
  const p = Promise.reject(error instanceof Error ? error : new Error(String(error)));
  p.catch(() => {});
  return p;
}

/** An entity for federation: a materialized, unwindowed table with a key. */
export interface EntitySpec {
  readonly typeName: string;
  readonly source: string;
  /** GraphQL field names of the key columns, in key order. */
  readonly keyFields: readonly string[];
}

export interface TypedPart extends SchemaPart {
  readonly typeDefs: DocumentNode;
  readonly resolvers: ResolverMap;
  readonly entities: readonly EntitySpec[];
  /** Source name → GraphQL type name. */
  readonly typeNames: ReadonlyMap<string, string>;
}

export interface BuildTypedOptions {
  /** Starts typed subscriptions (shared or not) and ends them when their source is dropped. */
  readonly subscriptions: SourceSubscriptions;
  /**
   * Leave out the insert mutations (`--read-only`).
   * @default false
   */
  readonly readOnly?: boolean | undefined;
}

/** Root field names of the generic API, per root type. */
function genericRootFields(): Record<'Query' | 'Mutation' | 'Subscription', string[]> {
  const out: Record<'Query' | 'Mutation' | 'Subscription', string[]> = { Query: [], Mutation: [], Subscription: [] };
  for (const def of parse(genericTypeDefs).definitions) {
    if ((def.kind === Kind.OBJECT_TYPE_DEFINITION || def.kind === Kind.OBJECT_TYPE_EXTENSION) && def.name.value in out) {
      out[def.name.value as keyof typeof out].push(...(def.fields ?? []).map((f) => f.name.value));
    }
  }
  return out;
}

const GENERIC_ROOT_FIELDS = genericRootFields();

/** The row-type fields an operation selects (fragments followed), as ksqlDB column names. */
export function selectedColumns(info: GraphQLResolveInfo, types: SourceTypes): string[] {
  const out = new Set<string>();
  for (const name of selectedFieldNames(info)) {
    const column = types.fields.ksqlName(name);
    if (column !== undefined) out.add(column);
  }
  // In column order, so equal selections make equal statements (and share).
  return types.columns.map((c) => c.name).filter((n) => out.has(n));
}

function projection(info: GraphQLResolveInfo, types: SourceTypes, source: CatalogSource): string[] {
  const cols = selectedColumns(info, types);
  // `{ __typename }` alone still needs one column.
  return cols.length > 0 ? cols : [source.keyColumns[0] ?? (source.columns[0] as ColumnSpec).name];
}

function positiveInt(value: unknown, name: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    throw badUserInput(`\`${name}\` must be a positive integer.`, name);
  }
  return value;
}

/** The arguments a `...Batches` twin adds to its field's (batch-events.ts). */
const BATCH_ARGS: Record<string, GraphQLArgumentConfig> = {
  maxRows: {
    type: GraphQLInt,
    description: `Rows per batch at most, from 1 to ${BATCH_MAX_ROWS_LIMIT} (default ${DEFAULT_BATCH_MAX_ROWS}).`,
  },
  maxDelayMs: {
    type: GraphQLInt,
    description:
      'Milliseconds a batch waits after its first row before it is sent, full or not, ' +
      `from 0 to ${BATCH_MAX_DELAY_MS_LIMIT} (default ${DEFAULT_BATCH_MAX_DELAY_MS}).`,
  },
};

/**
 * `<field>Batches`: the typed subscription `field` with its rows in batches.
 * It runs the plain field's own `subscribe` (same arguments, same upstream
 * query, shared alike) and batches its rows on the way out.
 */
function batchTwin(
  field: string,
  plain: GraphQLFieldConfig<unknown, GatewayContext>,
): { readonly name: string; readonly config: GraphQLFieldConfig<unknown, GatewayContext> } {
  const subscribe = plain.subscribe;
  if (subscribe === undefined) throw new Error(`Invariant violated: subscription field ${field} has no subscribe`);
  return {
    name: `${field}Batches`,
    config: {
      type: new GraphQLNonNull(new GraphQLList(plain.type)),
      description:
        `\`${field}\` with its rows in batches: one event per batch, sent when it holds \`maxRows\` rows ` +
        'or `maxDelayMs` after its first row, whichever comes first. Every row arrives once, in order; ' +
        'the rows read before the end, or before an error, are sent first.',
      args: { ...plain.args, ...BATCH_ARGS },
      subscribe: (root, a: Record<string, unknown>, context, info) => {
        // Checked before the upstream query starts.
        const batching = batchArguments(a);
        const rows = subscribe(root, a, context, info) as AsyncIterator<Record<string, unknown>>;
        return batchEvents(rows, { ...batching, maxBytes: BATCH_MAX_BYTES, sizeOf: approximateJsonBytes });
      },
      resolve: (event: unknown) => {
        const e = event as BatchEvent<Record<string, unknown>>;
        return e.kind === 'batch' ? e.items : [e.item];
      },
    },
  };
}

const WINDOW_OPS: ReadonlyArray<[string, string]> = [
  ['eq', '='],
  ['gt', '>'],
  ['gte', '>='],
  ['lt', '<'],
  ['lte', '<='],
];

function timestampMillis(text: string, argument: string): number {
  // The Timestamp scalar has validated the form; a missing zone means UTC.
  const zoned = /(?:Z|[+-]\d{2}:?\d{2})$/.test(text) ? text : `${text}Z`;
  const ms = Date.parse(zoned.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
  if (!Number.isFinite(ms)) throw badUserInput(`\`${argument}\` is not a valid timestamp: ${text}`, argument);
  return ms;
}

function windowCondition(column: 'WINDOWSTART' | 'WINDOWEND', bound: unknown, argument: string): string[] {
  if (bound === undefined || bound === null) return [];
  const out: string[] = [];
  for (const [op, sqlOp] of WINDOW_OPS) {
    const v = (bound as Record<string, unknown>)[op];
    if (v === undefined) continue;
    if (v === null) throw badUserInput(`\`${argument}.${op}\` must not be null.`, argument);
    out.push(`(${quoteIdentifier(column)} ${sqlOp} ${timestampMillis(v as string, argument)})`);
  }
  return out;
}

function and(conditions: readonly string[]): string | undefined {
  return conditions.length === 0 ? undefined : conditions.length === 1 ? conditions[0] : conditions.join(' AND ');
}

/** Upstream rows (encoded values, header names) → objects keyed by ksqlDB column names. */
function rowsOf(result: Awaited<ReturnType<KsqlClient['pullQuery']>>): Array<Record<string, unknown>> {
  const shape = createRowShape(result.header.columns);
  return result.rows.map((row) => typedRow(shape.names, shape.encode(row.columns)));
}

/**
 * Builds the typed part for `catalog`. Pure apart from the resolvers it
 * creates; names depend only on the catalog's contents.
 */
export function buildTypedPart(catalog: Catalog, options: BuildTypedOptions): TypedPart {
  const registry = new NameRegistry({ reserved: [...DEFAULT_RESERVED_TYPE_NAMES, ...TYPED_FIXED_TYPE_NAMES] });
  const sources = catalog.sources;
  const byName = new Map(sources.map((s) => [s.name, s]));
  const types = buildSourcesTypes(
    sources.map((s) => ({ name: s.name, columns: s.columns })),
    registry,
    { inputColumn: (c) => c.namespace !== 'HEADERS' && c.namespace !== 'HEADER' },
  );

  const windowBound = new GraphQLInputObjectType({
    name: 'WindowBoundComparison',
    description: 'Bounds on a window start or end of a windowed table (epoch milliseconds upstream).',
    fields: Object.fromEntries(WINDOW_OPS.map(([op]) => [op, { type: TimestampScalar }])),
  });

  const insertRowStatus = new GraphQLEnumType({
    name: 'InsertRowStatus',
    values: {
      OK: { description: 'Written (acknowledged by ksqlDB).' },
      SKIPPED: { description: 'Not written: an earlier row was refused, and ksqlDB stops there.' },
    },
  });
  const insertRowResult = new GraphQLObjectType({
    name: 'InsertRowResult',
    description: 'One row of a plural insert mutation. A refused row is null in the list, with its error at its index.',
    fields: {
      seq: { type: new GraphQLNonNull(GraphQLInt), description: 'The index of the row in `rows`.' },
      status: { type: new GraphQLNonNull(insertRowStatus) },
    },
  });

  const queryScope = new NameScope(GENERIC_ROOT_FIELDS.Query);
  const subscriptionScope = new NameScope(GENERIC_ROOT_FIELDS.Subscription);
  const mutationScope = new NameScope(GENERIC_ROOT_FIELDS.Mutation);
  const queryFields: GraphQLFieldConfigMap<unknown, GatewayContext> = {};
  const subscriptionFields: GraphQLFieldConfigMap<unknown, GatewayContext> = {};
  const mutationFields: GraphQLFieldConfigMap<unknown, GatewayContext> = {};
  const entities: EntitySpec[] = [];
  const typeNames = new Map<string, string>();
  const extraResolvers: ResolverMap = {};
  const batchTwins: Array<{ readonly name: string; readonly config: GraphQLFieldConfig<unknown, GatewayContext> }> = [];

  for (const name of claimOrder(byName.keys(), toFieldName)) {
    const source = byName.get(name) as CatalogSource;
    const t = types.get(name) as SourceTypes;
    const typeName = t.output.name;
    typeNames.set(name, typeName);
    const fieldName = (column: string) => t.fields.graphqlName(column) as string;
    const isWindowColumn = (c: ColumnSpec) =>
      source.windowType !== null && c.namespace === 'KEY' && (c.name === 'WINDOWSTART' || c.name === 'WINDOWEND');
    const rowType = new GraphQLNonNull(t.output);

    // ---------------------------------------------------------- filters
    const filterColumns = source.columns.filter((c) => !isWindowColumn(c));
    const subscriptionFilter = buildFilterType(registry, `${typeName}Filter`, filterColumns, t.fields, {
      stringOperators: true,
      source: name,
    });
    // Without table scans ksqlDB filters only on top of a full key lookup:
    // the key comes from the key arguments, the filter covers value columns.
    const pullFilter = catalog.tableScanEnabled
      ? subscriptionFilter
      : buildFilterType(
          registry,
          `${typeName}ValueFilter`,
          filterColumns.filter((c) => c.namespace !== 'KEY'),
          t.fields,
          { stringOperators: true, source: name },
        );

    // ---------------------------------------------------------- Query (pull)
    if (source.materialized) {
      const argScope = new NameScope(['where', 'limit', 'windowStart', 'windowEnd']);
      const keyArgs: Array<[string, ColumnSpec]> = [];
      const args: Record<string, GraphQLArgumentConfig> = {};
      for (const key of source.keyColumns) {
        const col = source.columns.find((c) => c.name === key) as ColumnSpec;
        const inputType = (t.input?.getFields()[fieldName(key)]?.type ?? null);
        if (inputType === null) continue;
        const arg = argScope.claim(fieldName(key));
        keyArgs.push([arg, col]);
        args[arg] = {
          type: catalog.tableScanEnabled ? inputType : new GraphQLNonNull(inputType),
          description: `Key lookup: rows whose \`${key.replaceAll('`', '``')}\` equals this.`,
        };
      }
      if (Object.keys(pullFilter.input.getFields()).length > 0) {
        args.where = { type: pullFilter.input, description: 'Row filter (ANDed with the key arguments).' };
      }
      args.limit = { type: GraphQLInt, description: 'At most this many rows.' };
      if (source.windowType !== null) {
        args.windowStart = { type: windowBound, description: 'Bounds on WINDOWSTART.' };
        args.windowEnd = { type: windowBound, description: 'Bounds on WINDOWEND.' };
      }
      const lookupColumns = keyArgs.map(([, col]) => col);
      const queryField = queryScope.claim(toFieldName(name));
      queryFields[queryField] = {
        type: new GraphQLNonNull(new GraphQLList(rowType)),
        description:
          `Pull query on table \`${name.replaceAll('`', '``')}\`` +
          (catalog.tableScanEnabled ? ' (key lookup, or a table scan when no key is given).' : ' (key lookup).'),
        args,
        resolve: async (_root, a: Record<string, unknown>, context, info) => {
          const conditions: string[] = [];
          for (const [arg, col] of keyArgs) {
            const v = a[arg];
            if (v === undefined || v === null) continue;
            const value = t.rowFromInput({ [fieldName(col.name)]: v })[col.name];
            conditions.push(`(${keyEquals(col, value)})`);
          }
          const filter = a.where === undefined || a.where === null ? undefined : pullFilter.compile(a.where as Record<string, unknown>);
          if (filter !== undefined) conditions.push(filter);
          conditions.push(...windowCondition('WINDOWSTART', a.windowStart, 'windowStart'));
          conditions.push(...windowCondition('WINDOWEND', a.windowEnd, 'windowEnd'));
          const ksql = buildSelect({
            source: name,
            columns: projection(info, t, source),
            where: and(conditions),
            limit: positiveInt(a.limit, 'limit'),
          });
          return rowsOf(await context.ksqlClient.pullQuery({ ksql }, callOptions(context)));
        },
      };
      if (source.windowType === null && lookupColumns.length > 0 && lookupColumns.length === source.keyColumns.length) {
        entities.push({ typeName, source: name, keyFields: source.keyColumns.map(fieldName) });
        extraResolvers[typeName] = {
          __resolveReference: (reference: Record<string, unknown>, context: GatewayContext) =>
            resolveReference(name, t, lookupColumns, reference, context),
        };
      }
    }

    // ---------------------------------------------------------- Subscription (push)
    const subscriptionField = subscriptionScope.claim(toFieldName(name));
    const rowSource: TypedRowSource = { source: name };
    // "Snapshot, then changes" needs a pull query that takes the same filter
    // without a key: a materialized table on a server that runs table scans.
    const offersSnapshot = source.materialized && catalog.tableScanEnabled;
    subscriptionFields[subscriptionField] = {
      type: rowType,
      description:
        `Push query on ${source.kind === 'TABLE' ? 'table' : 'stream'} \`${name.replaceAll('`', '``')}\`: ` +
        'one event per row (a table sends its changes); only the selected columns are requested from ksqlDB.',
      args: {
        where: { type: subscriptionFilter.input, description: 'Row filter.' },
        limit: { type: GraphQLInt, description: 'End after this many rows.' },
        fromBeginning: {
          type: GraphQLBoolean,
          defaultValue: false,
          description: 'Start from the earliest record (`auto.offset.reset=earliest`) instead of new records only.',
        },
        after: {
          type: GraphQLString,
          description:
            'Continue right after the event whose `_cursor` this is: every row that followed it in the source, in order ' +
            'per partition, then live rows; none twice (docs/resume.md). Same source and filter as the subscription that ' +
            'gave it; other arguments and the selection may change.',
        },
        ...(offersSnapshot
          ? {
              snapshot: {
                type: GraphQLBoolean,
                defaultValue: false,
                description:
                  "First the table's current rows (a pull query with the same filter), then its changes. " +
                  'The push query starts first, so no change is lost; one made while the snapshot is read may arrive twice. ' +
                  '`limit` counts snapshot rows too.',
              },
            }
          : {}),
      },
      // Shared execution (gateway/execution) only where every subscriber sees
      // the same events: no limit, no history, no snapshot of its own.
      subscribe: shareableWhen((_root, a: Record<string, unknown>, context, info) => {
        const filter = a.where === undefined || a.where === null ? undefined : subscriptionFilter.compile(a.where as Record<string, unknown>);
        const limit = positiveInt(a.limit, 'limit');
        const fromBeginning = a.fromBeginning === true;
        const snapshot = a.snapshot === true;
        if (snapshot && fromBeginning) {
          throw badUserInput('`snapshot` and `fromBeginning` exclude each other: the snapshot already holds the current rows.', 'snapshot');
        }
        const after = (a.after as string | null | undefined) ?? undefined; // a GraphQLString argument
        if (after !== undefined && (snapshot || fromBeginning)) {
          throw badUserInput('`after` says where to start: it excludes `snapshot` and `fromBeginning`.', 'after');
        }
        const fingerprint = cursorFingerprint(name, filter);
        // Read (and refused) before any query starts.
        const from: ResumePosition | undefined =
          after === undefined ? undefined : options.subscriptions.cursors.decode(fingerprint, after);
        const positions =
          from !== undefined || selectedFieldNames(info).has(ROW_CURSOR_FIELD)
            ? { fingerprint, from: from ?? { since: fromBeginning ? 0 : Math.max(0, Date.now() - CLOCK_SLACK_MS), offsets: new Map() } }
            : undefined;
        const columns = projection(info, t, source);
        const withFilter = (condition: string) => (filter === undefined ? condition : `(${filter}) AND (${condition})`);
        const earliest = { 'ksql.streams.auto.offset.reset': 'earliest' };
        if (from !== undefined && limit === undefined) {
          // Away briefly: the live query of this selection may still hold
          // every row after the cursor in its replay window (docs/resume.md).
          const live = { ksql: buildSelect({ source: name, columns, where: filter, emitChanges: true, pseudoColumns: POSITION_COLUMNS }) };
          const liveKey = shareKey(live, context.authorization);
          const fromWindow =
            liveKey === undefined
              ? undefined
              : options.subscriptions.resumeFromWindow(rowSource, liveKey, { request: live, context, positions: { fingerprint, from } });
          if (fromWindow !== undefined) {
            noteUpstream(context, liveKey as string);
            return fromWindow;
          }
          // A reconnect storm must not mean one upstream query per client:
          // resumers of the same statement gather into one query (docs/resume.md).
          const base = shareKey(
            { ksql: buildSelect({ source: name, columns, where: filter, emitChanges: true, pseudoColumns: RESUME_COLUMNS }), streamsProperties: earliest },
            context.authorization,
          );
          const gathered = base === undefined ? undefined : options.subscriptions.gather(base, from);
          if (gathered !== undefined) {
            return gathered.then(({ key, condition }) =>
              options.subscriptions.subscribe(rowSource, {
                request: {
                  ksql: buildSelect({ source: name, columns, where: withFilter(condition), emitChanges: true, pseudoColumns: RESUME_COLUMNS }),
                  streamsProperties: earliest,
                },
                shareable: true,
                key,
                limited: false,
                context,
                positions: { fingerprint, from },
                skipToPosition: true,
              }),
            );
          }
        }
        const where = from === undefined ? filter : withFilter(resumeCondition(from));
        // With a snapshot the gateway counts the limit (snapshot rows included),
        // and the push query stays unbounded so that it can be shared. A
        // resume's query also returns the cursor's own row of each partition
        // it has seen (skipped): ksqlDB's LIMIT counts those, the gateway does not.
        const upstreamLimit = snapshot || limit === undefined ? undefined : limit + (from?.offsets.size ?? 0);
        const ksql = buildSelect({
          source: name,
          columns,
          where,
          limit: upstreamLimit,
          emitChanges: true,
          ...(positions ? { pseudoColumns: POSITION_COLUMNS } : {}),
        });
        const request = {
          ksql,
          ...(fromBeginning || from !== undefined ? { streamsProperties: earliest } : {}),
        };
        // A late joiner of a from-the-beginning (or resumed) query would miss history.
        const shareable = (snapshot || limit === undefined) && !fromBeginning && from === undefined;
        // The hub key the subscription joins (when a hub runs), for a shared execution's metrics.
        const upstream = shareable ? shareKey(request, context.authorization) : undefined;
        if (upstream !== undefined) noteUpstream(context, upstream);
        return options.subscriptions.subscribe(rowSource, {
          request,
          shareable,
          limited: !snapshot && limit !== undefined,
          context,
          positions,
          ...(from !== undefined ? { skipToPosition: true, maxRows: limit } : {}),
          ...(snapshot
            ? {
                snapshot: async () =>
                  rowsOf(await context.ksqlClient.pullQuery({ ksql: buildSelect({ source: name, columns, where: filter }) }, callOptions(context))),
                maxRows: limit,
              }
            : {}),
        });
      }, (a) => (a['limit'] === undefined || a['limit'] === null) && a['fromBeginning'] !== true && a['snapshot'] !== true && (a['after'] === undefined || a['after'] === null)),
      resolve: parentOnly((row: unknown) => row),
    };
    batchTwins.push(batchTwin(subscriptionField, subscriptionFields[subscriptionField] as GraphQLFieldConfig<unknown, GatewayContext>));

    // ---------------------------------------------------------- Mutation (insert)
    if (!options.readOnly && source.insertable && t.input !== undefined) {
      const input = t.input;
      const mutationField = mutationScope.claim(`insert${typeName}`);
      const writable = source.columns.filter((c) => input.getFields()[fieldName(c.name)] !== undefined);
      mutationFields[mutationField] = {
        type: rowType,
        description: `INSERT INTO \`${name.replaceAll('`', '``')}\` ... VALUES: writes one row and returns it as written.`,
        args: { row: { type: new GraphQLNonNull(input), description: 'The values; absent columns are not written (NULL).' } },
        resolve: async (_root, a: { row: Record<string, unknown> }, context) => {
          const row = t.rowFromInput(a.row);
          if (Object.keys(row).length === 0) throw badUserInput('`row` sets no column.', 'row');
          await context.ksqlClient.ksql({ ksql: buildInsert(name, writable, row) }, callOptions(context));
          return row;
        },
      };
      const pluralField = mutationScope.claim(`insert${typeName}s`);
      mutationFields[pluralField] = {
        type: new GraphQLNonNull(new GraphQLList(insertRowResult)),
        description:
          `Writes rows to \`${name.replaceAll('`', '``')}\` in order: over ksqlDB's /inserts-stream (HTTP/2, one acknowledgement per row) ` +
          'when it is offered, else one INSERT INTO ... VALUES per row. Writing stops at the first row refused: its item is null with ' +
          'the error at its index, and the rows after it are SKIPPED.',
        args: { rows: { type: new GraphQLNonNull(new GraphQLList(new GraphQLNonNull(input))), description: 'The rows; absent columns are not written (NULL).' } },
        resolve: async (_root, a: { rows: Array<Record<string, unknown>> }, context) => {
          const rows = a.rows.map((input, i) => {
            const row = t.rowFromInput(input);
            if (Object.keys(row).length === 0) throw badUserInput(`\`rows[${i}]\` sets no column.`, 'rows');
            return row;
          });
          // Every value is checked before any row is sent.
          const statements = rows.map((row) => buildInsert(name, writable, row));
          const outcomes = await insertRows(context.ksqlClient, name, writable, rows, statements, callOptions(context));
          return outcomes.map((o) => (o.status === 'error' ? rejected(o.error) : { seq: o.seq, status: o.status === 'ok' ? 'OK' : 'SKIPPED' }));
        },
      };
    }
  }

  // The twins claim their names after every source's own field, so that a
  // source named like another's twin keeps its plain name.
  for (const twin of batchTwins) subscriptionFields[subscriptionScope.claim(twin.name)] = twin.config;

  const roots = {
    Query: new GraphQLObjectType({ name: 'Query', fields: queryFields }),
    Subscription: new GraphQLObjectType({ name: 'Subscription', fields: subscriptionFields }),
    Mutation: new GraphQLObjectType({ name: 'Mutation', fields: mutationFields }),
  };
  const present = (o: GraphQLObjectType) => Object.keys(o.getFields()).length > 0;
  const schema = new GraphQLSchema({
    query: present(roots.Query) ? roots.Query : null,
    subscription: present(roots.Subscription) ? roots.Subscription : null,
    mutation: present(roots.Mutation) ? roots.Mutation : null,
    // Every source type, also those reachable from no root field.
    types: [...types.values()].flatMap((x) => (x.input ? [x.output, x.input] : [x.output])),
  });
  const sdl = printSchema(schema)
    .replace(/^type (Query|Subscription|Mutation) \{/gm, 'extend type $1 {');
  const resolvers = getResolversFromSchema(schema) as ResolverMap;
  for (const [typeName, extra] of Object.entries(extraResolvers)) {
    resolvers[typeName] = { ...(resolvers[typeName] ?? {}), ...extra };
  }
  for (const scalar of Object.keys(KSQL_SCALARS)) {
    if (schema.getType(scalar) === undefined) delete resolvers[scalar];
  }
  return { typeDefs: parse(sdl), resolvers, entities, typeNames };
}

function keyEquals(column: ColumnSpec, value: unknown): string {
  return `${quoteIdentifier(column.name)} = ${comparisonLiteral(column.type, value)}`;
}

/**
 * Federation `__resolveReference`: the representation's key fields → one
 * pull-query key lookup. References of one operation are batched per table
 * into one `WHERE k IN (...)`/OR query.
 */
async function resolveReference(
  name: string,
  t: SourceTypes,
  keyCols: readonly ColumnSpec[],
  reference: Record<string, unknown>,
  context: GatewayContext,
): Promise<Record<string, unknown> | null> {
  const input: Record<string, unknown> = {};
  for (const c of keyCols) {
    const field = t.fields.graphqlName(c.name) as string;
    const raw = reference[field];
    if (raw === undefined || raw === null) return null;
    const type = t.input?.getFields()[field]?.type;
    const named = type && 'parseValue' in type ? (type as { parseValue(v: unknown): unknown }) : undefined;
    input[field] = named ? named.parseValue(raw) : raw;
  }
  const keyRow = t.rowFromInput(input);
  const batch = referenceBatch(context, name, keyCols);
  return batch.load(keyRow);
}

interface Batch {
  load(keyRow: Record<string, unknown>): Promise<Record<string, unknown> | null>;
}

const batches = new WeakMap<object, Map<string, Batch>>();

function referenceBatch(
  context: GatewayContext,
  name: string,
  keyCols: readonly ColumnSpec[],
): Batch {
  let perContext = batches.get(context);
  if (!perContext) {
    perContext = new Map();
    batches.set(context, perContext);
  }
  const existing = perContext.get(name);
  if (existing) return existing;
  const pending: Array<{ key: Record<string, unknown>; resolve(v: Record<string, unknown> | null): void; reject(e: unknown): void }> = [];
  const keyOf = (row: Record<string, unknown>) => JSON.stringify(keyCols.map((c) => String(row[c.name])));
  const batch: Batch = {
    load(key) {
      return new Promise((resolve, reject) => {
        pending.push({ key, resolve, reject });
        if (pending.length > 1) return;
        queueMicrotask(() => {
          perContext.delete(name);
          const items = pending.splice(0);
          const where = items
            .map((i) => `(${keyCols.map((c) => `(${keyEquals(c, i.key[c.name])})`).join(' AND ')})`)
            .join(' OR ');
          const ksql = buildSelect({ source: name, where });
          context.ksqlClient.pullQuery({ ksql }, callOptions(context)).then(
            (result) => {
              const found = new Map(rowsOf(result).map((r) => [keyOf(r), r]));
              for (const i of items) i.resolve(found.get(keyOf(i.key)) ?? null);
            },
            (err: unknown) => {
              for (const i of items) i.reject(err);
            },
          );
        });
      });
    },
  };
  perContext.set(name, batch);
  return batch;
}
