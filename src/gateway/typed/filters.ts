/**
 * The `where` argument of the typed schema: one comparison input type per
 * scalar, shared by every source, and one filter input type per source
 * with a field per filterable column, `and`, `or` and `not`. `compile`
 * turns a parsed `where` value into a fully parenthesised ksqlDB condition
 * built by sql.ts.
 *
 * ```graphql
 * pageviews(where: { userId: { in: ["u1", "u2"] }, or: [{ viewtime: { gt: "100" } }, { page: { startsWith: "50%_" } }] })
 * ```
 * ```sql
 * ((`USER_ID` IN ('u1', 'u2')) AND ((`VIEWTIME` > 100) OR (INSTR(`PAGE`, '50%_') = 1)))
 * ```
 *
 * Semantics, the same on ksqlDB and the embedded engine:
 * - Operators of one comparison, and fields of one filter, are ANDed.
 * - Every operator but `isNull` is false on a NULL value, and `not` negates:
 *   `not: { name: { eq: "x" } }` matches rows whose NAME is NULL. That is how
 *   ksqlDB evaluates conditions (a comparison with NULL is false, NOT is
 *   Java's `!`); the engine follows SQL's three-valued logic, so leaves under
 *   a `not` get an explicit `IS NOT NULL` guard and both agree.
 * - An explicit `null` (`eq: null`, `name: null`, `and: null`) is rejected:
 *   it would silently match nothing or everything; `isNull` says it.
 * - `in: []` matches nothing (`FALSE`), `notIn: []` everything; `and: []`
 *   and `{}` match everything, `or: []` nothing, `not: {}` nothing.
 * - `startsWith`/`endsWith`/`contains` match the value literally, `%` and
 *   `_` included: they compile to `INSTR`/`SUBSTRING`, not to LIKE, because
 *   ksqlDB's LIKE never matches a value containing a line break (its `%`
 *   becomes a Java regex `.*`). `like` takes a raw ksqlDB LIKE pattern.
 *
 * Columns of ARRAY and MAP types are not filterable; STRUCT columns get a
 * nested filter (`address: { city: { eq: "x" } }` → `` `ADDRESS`->`CITY` = 'x' ``)
 * over their filterable fields.
 *
 * @module
 */
import {
  GraphQLBoolean,
  GraphQLFloat,
  GraphQLInputObjectType,
  GraphQLInt,
  GraphQLList,
  GraphQLNonNull,
  GraphQLString,
  type GraphQLInputFieldConfigMap,
  type GraphQLScalarType,
} from 'graphql';
import { quoteIdentifier, type WireType } from '../../protocol/index.js';
import { KSQL_SCALARS } from '../schema/ksql-types.js';
import { FieldNameMap, NameScope, toTypeName, type NameRegistry } from '../schema/naming.js';
import { InvalidValueError, comparisonLiteral, quoteString, type ColumnType } from './sql.js';

// --------------------------------------------------------- comparison types

/** The shared comparison input types, by name. Reserve them in the NameRegistry. */
export const COMPARISON_TYPE_NAMES = [
  'StringComparison',
  'IntComparison',
  'FloatComparison',
  'BigIntComparison',
  'DecimalComparison',
  'BooleanComparison',
  'DateComparison',
  'TimeComparison',
  'TimestampComparison',
  'BytesComparison',
] as const;

type ScalarKind = 'String' | 'Int' | 'Float' | 'BigInt' | 'Decimal' | 'Boolean' | 'Date' | 'Time' | 'Timestamp' | 'Bytes';

function scalarKind(type: WireType): ScalarKind | undefined {
  switch (type.type) {
    case 'STRING':
      return 'String';
    case 'INTEGER':
      return 'Int';
    case 'DOUBLE':
      return 'Float';
    case 'BIGINT':
      return 'BigInt';
    case 'DECIMAL':
      return 'Decimal';
    case 'BOOLEAN':
      return 'Boolean';
    case 'DATE':
      return 'Date';
    case 'TIME':
      return 'Time';
    case 'TIMESTAMP':
      return 'Timestamp';
    case 'BYTES':
      return 'Bytes';
    default:
      return undefined;
  }
}

function scalarOf(kind: ScalarKind): GraphQLScalarType {
  switch (kind) {
    case 'String':
      return GraphQLString;
    case 'Int':
      return GraphQLInt;
    case 'Float':
      return GraphQLFloat;
    case 'Boolean':
      return GraphQLBoolean;
    default:
      return KSQL_SCALARS[kind] as GraphQLScalarType;
  }
}

const ORDERING = ['gt', 'gte', 'lt', 'lte'] as const;
const STRING_OPERATORS = ['like', 'startsWith', 'endsWith', 'contains'] as const;
const COMPARISON_SQL: Readonly<Record<string, string>> = { eq: '=', neq: '<>', gt: '>', gte: '>=', lt: '<', lte: '<=' };

function isOrdered(kind: ScalarKind): boolean {
  return kind !== 'Boolean' && kind !== 'Bytes';
}

const comparisonCache = new Map<string, GraphQLInputObjectType>();

/**
 * The comparison input type of a scalar kind. One instance per name, so that
 * every source's filter shares it; `stringOperators: false` gives a
 * `StringComparison` without `like`/`startsWith`/`endsWith`/`contains`
 * (use one setting per schema: two types of one name do not merge).
 */
function comparisonType(kind: ScalarKind, stringOperators: boolean): GraphQLInputObjectType {
  const withText = kind === 'String' && stringOperators;
  const key = `${kind}:${withText}`;
  const cached = comparisonCache.get(key);
  if (cached !== undefined) return cached;
  const scalar = scalarOf(kind);
  const list = new GraphQLList(new GraphQLNonNull(scalar));
  const fields: GraphQLInputFieldConfigMap = {
    eq: { type: scalar, description: 'Equal to.' },
    neq: { type: scalar, description: 'Not equal to (false on NULL).' },
  };
  if (isOrdered(kind)) {
    fields['gt'] = { type: scalar, description: 'Greater than.' };
    fields['gte'] = { type: scalar, description: 'Greater than or equal to.' };
    fields['lt'] = { type: scalar, description: 'Less than.' };
    fields['lte'] = { type: scalar, description: 'Less than or equal to.' };
  }
  fields['in'] = { type: list, description: 'Equal to one of these (an empty list matches nothing).' };
  fields['notIn'] = { type: list, description: 'Equal to none of these (false on NULL; an empty list matches everything).' };
  fields['isNull'] = { type: GraphQLBoolean, description: 'true: the value is NULL; false: it is not.' };
  if (withText) {
    fields['like'] = { type: GraphQLString, description: "A ksqlDB LIKE pattern, as is: '%' any run of characters, '_' one character." };
    fields['startsWith'] = { type: GraphQLString, description: 'Starts with this text, taken literally (% and _ included).' };
    fields['endsWith'] = { type: GraphQLString, description: 'Ends with this text, taken literally.' };
    fields['contains'] = { type: GraphQLString, description: 'Contains this text, taken literally.' };
  }
  const type = new GraphQLInputObjectType({
    name: `${kind}Comparison`,
    description: `Conditions on a ${scalar.name} value, ANDed. Explicit nulls are rejected: use isNull.`,
    fields,
  });
  comparisonCache.set(key, type);
  return type;
}

/** The shared comparison input type for a column type; undefined for ARRAY, MAP and STRUCT. */
export function comparisonTypeOf(
  type: WireType,
  options: { readonly stringOperators?: boolean | undefined } = {},
): GraphQLInputObjectType | undefined {
  const kind = scalarKind(type);
  return kind === undefined ? undefined : comparisonType(kind, options.stringOperators ?? true);
}

// ------------------------------------------------------------- filter types

/** The combinator fields of a source filter. */
export const FILTER_LOGIC_FIELDS = ['and', 'or', 'not'] as const;

export interface FilterOptions {
  /**
   * Offer `like`, `startsWith`, `endsWith` and `contains` on STRING columns.
   * Use one value for a whole schema.
   * @default true
   */
  readonly stringOperators?: boolean | undefined;
  /**
   * The ksqlDB source: names nested struct filters after the source's type
   * (`Pageviews_AddressFilter`) and shares them between the filters of one
   * source built with the same registry.
   * @default nested filters are named after `typeName` less a `Filter` suffix, and not shared
   */
  readonly source?: string | undefined;
}

export interface FilterType {
  /** The filter input type (`PageviewsFilter`). */
  readonly input: GraphQLInputObjectType;
  /**
   * A parsed `where` value → a fully parenthesised ksqlDB condition, or
   * undefined when it matches every row.
   *
   * @throws {InvalidValueError} on explicit nulls, unknown fields or operators, and values not of their column's type.
   */
  compile(where: Readonly<Record<string, unknown>>): string | undefined;
}

type Field =
  | { readonly kind: 'scalar'; readonly ref: string; readonly type: WireType; readonly scalar: ScalarKind }
  | { readonly kind: 'struct'; readonly fields: ReadonlyMap<string, Field> };

/** Nested struct filters per registry, shared by the filters of one source. */
const structFilters = new WeakMap<NameRegistry, Map<string, GraphQLInputObjectType>>();

class FilterBuilder {
  constructor(
    readonly registry: NameRegistry,
    readonly source: string,
    readonly stringOperators: boolean,
    readonly shared: boolean,
  ) {}

  /** Whether a value of this type can be filtered on. */
  filterable(type: WireType): boolean {
    if (scalarKind(type) !== undefined) return true;
    return type.type === 'STRUCT' && type.fields.some((f) => this.filterable(f.type));
  }

  /**
   * The filter input of a STRUCT value at `path`, named `<base>Filter`; its
   * fields carry the struct's GraphQL field names (as ksql-types gives them).
   */
  structInput(type: Extract<WireType, { type: 'STRUCT' }>, base: string, path: readonly string[]): GraphQLInputObjectType {
    const cacheKey = JSON.stringify([this.source, path, this.stringOperators, type]);
    let cache = structFilters.get(this.registry);
    if (this.shared) {
      const hit = cache?.get(cacheKey);
      if (hit !== undefined) return hit;
    }
    const name = this.registry.claim(`${base}Filter`, { kind: 'other', input: true, source: this.source, path });
    const names = FieldNameMap.build(type.fields.map((f) => f.name));
    const fields: GraphQLInputFieldConfigMap = {};
    for (const f of type.fields) {
      const fieldName = names.graphqlName(f.name) as string;
      if (fields[fieldName] !== undefined || !this.filterable(f.type)) continue;
      fields[fieldName] = {
        type: this.inputOf(f.type, `${base}_${toTypeName(f.name)}`, [...path, f.name]),
        description: `Conditions on field ${quoteIdentifier(f.name)}.`,
      };
    }
    const input = new GraphQLInputObjectType({
      name,
      description: `Conditions on the struct ${[this.source, ...path].join('.')}, ANDed.`,
      fields,
    });
    if (this.shared) {
      if (cache === undefined) structFilters.set(this.registry, (cache = new Map<string, GraphQLInputObjectType>()));
      cache.set(cacheKey, input);
    }
    return input;
  }

  inputOf(type: WireType, base: string, path: readonly string[]): GraphQLInputObjectType {
    const kind = scalarKind(type);
    if (kind !== undefined) return comparisonType(kind, this.stringOperators);
    if (type.type !== 'STRUCT') throw new Error(`Invariant violated: ${type.type} is not filterable`);
    return this.structInput(type, base, path);
  }

  /** The compile-time view of a value at `ref`. */
  field(type: WireType, ref: string): Field {
    const kind = scalarKind(type);
    if (kind !== undefined) return { kind: 'scalar', ref, type, scalar: kind };
    if (type.type !== 'STRUCT') throw new Error(`Invariant violated: ${type.type} is not filterable`);
    const names = FieldNameMap.build(type.fields.map((f) => f.name));
    const fields = new Map<string, Field>();
    for (const f of type.fields) {
      const fieldName = names.graphqlName(f.name) as string;
      if (fields.has(fieldName) || !this.filterable(f.type)) continue;
      fields.set(fieldName, this.field(f.type, `${ref}->${quoteIdentifier(f.name)}`));
    }
    return { kind: 'struct', fields };
  }
}

/**
 * The filter input type of one source and its compiler. `typeName` (e.g.
 * `PageviewsFilter`) is claimed in `registry`, and so are nested struct
 * filters (`Pageviews_AddressFilter`). Each filterable column of `columns`
 * gets a field with its name in `fields` (the row type's names); a column
 * whose name is `and`, `or` or `not` gets the first free `_N` variant.
 * ARRAY and MAP columns, and structs without filterable fields, are left out.
 *
 * @example
 * const filter = buildFilterType(registry, 'PageviewsFilter', columns, types.fields, { source: 'PAGEVIEWS' });
 * filter.compile({ page: { eq: "O'Brien" } }); // (`PAGE` = 'O''Brien')
 */
export function buildFilterType(
  registry: NameRegistry,
  typeName: string,
  columns: readonly ColumnType[],
  fields: FieldNameMap,
  options: FilterOptions = {},
): FilterType {
  const { stringOperators = true, source } = options;
  const base = source !== undefined ? registry.sourceTypeName(source) : typeName.replace(/(.)Filter$/, '$1');
  const builder = new FilterBuilder(registry, source ?? registry.sourceOf(base) ?? base, stringOperators, source !== undefined);
  const name = registry.claim(typeName, { kind: 'other', input: true, source: builder.source, path: [] });

  const filterable: Array<{ column: ColumnType; fieldName: string }> = [];
  const seen = new Set<string>();
  for (const column of columns) {
    if (seen.has(column.name) || !builder.filterable(column.type)) continue;
    seen.add(column.name);
    const fieldName = fields.graphqlName(column.name);
    if (fieldName === undefined) throw new Error(`buildFilterType: no field name for column ${quoteIdentifier(column.name)}`);
    filterable.push({ column, fieldName });
  }
  // The combinators keep their names; a column that would take one moves aside.
  const scope = new NameScope([...FILTER_LOGIC_FIELDS, ...filterable.map((f) => f.fieldName).filter((n) => !isLogic(n))]);
  const byField = new Map<string, Field>();
  const inputFields: Array<[string, ColumnType]> = [];
  for (const { column, fieldName } of filterable) {
    const actual = isLogic(fieldName) ? scope.claim(fieldName) : fieldName;
    byField.set(actual, builder.field(column.type, quoteIdentifier(column.name)));
    inputFields.push([actual, column]);
  }

  const input: GraphQLInputObjectType = new GraphQLInputObjectType({
    name,
    description: `Conditions on rows of ${builder.source}: fields are ANDed; and, or and not combine filters.`,
    fields: () => {
      const out: GraphQLInputFieldConfigMap = {};
      for (const [fieldName, column] of inputFields) {
        out[fieldName] = {
          type: builder.inputOf(column.type, `${base}_${toTypeName(column.name)}`, [column.name]),
          description: `Conditions on column ${quoteIdentifier(column.name)}.`,
        };
      }
      out['and'] = { type: new GraphQLList(new GraphQLNonNull(input)), description: 'All of these filters (an empty list: no condition).' };
      out['or'] = { type: new GraphQLList(new GraphQLNonNull(input)), description: 'Any of these filters (an empty list matches nothing).' };
      out['not'] = { type: input, description: 'Not this filter (operators are false on NULL, so this matches NULLs).' };
      return out;
    },
  });
  // Claim nested names now, in column order, rather than whenever the schema first reads the fields.
  input.getFields();

  return {
    input,
    compile: (where) => compileFilter(where, byField, 'where', false, true, stringOperators),
  };
}

function isLogic(name: string): boolean {
  return (FILTER_LOGIC_FIELDS as readonly string[]).includes(name);
}

// ---------------------------------------------------------------- compiling

function isObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

function and(parts: readonly string[]): string | undefined {
  if (parts.length === 0) return undefined;
  return parts.length === 1 ? parts[0] : `(${parts.join(' AND ')})`;
}

function nullRejected(at: string): never {
  throw new InvalidValueError(`${at}: null is not a filter; leave it out, or use { isNull: true } to match NULL values.`);
}

/** `undefined` stands for TRUE (no condition). */
function compileFilter(
  where: unknown,
  fields: ReadonlyMap<string, Field>,
  at: string,
  underNot: boolean,
  logic: boolean,
  text: boolean,
): string | undefined {
  if (!isObject(where)) throw new InvalidValueError(`${at}: expected an input object.`);
  const parts: string[] = [];
  for (const [key, value] of Object.entries(where)) {
    if (value === undefined) continue;
    const here = `${at}.${key}`;
    if (value === null) nullRejected(here);
    const field = fields.get(key);
    if (field !== undefined) {
      const part =
        field.kind === 'scalar'
          ? compileComparison(field, value, here, underNot, text)
          : compileFilter(value, field.fields, here, underNot, false, text);
      if (part !== undefined) parts.push(part);
      continue;
    }
    if (!logic || !isLogic(key)) throw new InvalidValueError(`${here}: no such filter field.`);
    if (key === 'not') {
      const inner = compileFilter(value, fields, here, true, true, text);
      parts.push(inner === undefined ? 'FALSE' : `(NOT ${inner})`);
      continue;
    }
    if (!Array.isArray(value)) throw new InvalidValueError(`${here}: expected a list of filters.`);
    const items = value.map((item, i) => {
      if (item === null || item === undefined) nullRejected(`${here}[${i}]`);
      return compileFilter(item, fields, `${here}[${i}]`, underNot, true, text);
    });
    if (key === 'and') {
      parts.push(...items.filter((x): x is string => x !== undefined));
    } else if (items.length === 0) {
      parts.push('FALSE');
    } else if (items.every((x) => x !== undefined)) {
      parts.push(items.length === 1 ? (items[0] as string) : `(${items.join(' OR ')})`);
    }
    // An OR with a member that matches everything matches everything: no condition.
  }
  return and(parts);
}

function compileComparison(
  field: Extract<Field, { kind: 'scalar' }>,
  ops: unknown,
  at: string,
  underNot: boolean,
  text: boolean,
): string | undefined {
  if (!isObject(ops)) throw new InvalidValueError(`${at}: expected an input object of operators.`);
  const { ref, type, scalar } = field;
  const lit = (v: unknown, where: string) => comparisonLiteral(type, v, where);
  const parts: string[] = [];
  for (const [op, value] of Object.entries(ops)) {
    if (value === undefined) continue;
    const here = `${at}.${op}`;
    if (value === null) {
      throw new InvalidValueError(
        op === 'isNull'
          ? `${here}: null is not a condition; use isNull: true or isNull: false.`
          : `${here}: null is not a value to compare with (comparisons with NULL match nothing); use { isNull: true } to match NULL values.`,
      );
    }
    const allowed =
      op === 'eq' ||
      op === 'neq' ||
      op === 'in' ||
      op === 'notIn' ||
      op === 'isNull' ||
      ((ORDERING as readonly string[]).includes(op) && isOrdered(scalar)) ||
      ((STRING_OPERATORS as readonly string[]).includes(op) && scalar === 'String' && text);
    if (!allowed) throw new InvalidValueError(`${here}: no such operator on ${scalar} values.`);

    let leaf: string;
    switch (op) {
      case 'isNull':
        if (typeof value !== 'boolean') throw new InvalidValueError(`${here}: expected true or false.`);
        // Never NULL itself: no guard needed under NOT.
        parts.push(`(${ref} ${value ? 'IS NULL' : 'IS NOT NULL'})`);
        continue;
      case 'in':
      case 'notIn': {
        if (!Array.isArray(value)) throw new InvalidValueError(`${here}: expected a list.`);
        if (value.length === 0) {
          if (op === 'in') parts.push('FALSE');
          continue;
        }
        const items = value.map((v, i) => {
          if (v === null || v === undefined) nullRejected(`${here}[${i}]`);
          return lit(v, `${here}[${i}]`);
        });
        leaf = `(${ref} ${op === 'in' ? 'IN' : 'NOT IN'} (${items.join(', ')}))`;
        break;
      }
      case 'like':
      case 'startsWith':
      case 'endsWith':
      case 'contains': {
        if (typeof value !== 'string') throw new InvalidValueError(`${here}: expected a string.`);
        if (op === 'like') {
          leaf = `(${ref} LIKE ${quoteString(value)})`;
        } else if (value === '') {
          // Every string starts with, ends with and contains ''; INSTR would say 0 on ''.
          parts.push(`(${ref} IS NOT NULL)`);
          continue;
        } else if (op === 'contains') {
          leaf = `(INSTR(${ref}, ${quoteString(value)}) > 0)`;
        } else if (op === 'startsWith') {
          // INSTR gives the first occurrence: 1 exactly when the value starts with it.
          leaf = `(INSTR(${ref}, ${quoteString(value)}) = 1)`;
        } else {
          // Both sides count UTF-16 code units, like String.length.
          leaf = `(SUBSTRING(${ref}, -${value.length}) = ${quoteString(value)})`;
        }
        break;
      }
      default:
        leaf = `(${ref} ${COMPARISON_SQL[op] as string} ${lit(value, here)})`;
    }
    parts.push(underNot ? `((${ref} IS NOT NULL) AND ${leaf})` : leaf);
  }
  return and(parts);
}
