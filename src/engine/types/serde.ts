/**
 * Key and value formats: how a row's key columns and value columns become a
 * record's key and value, and back.
 *
 * Storage holds every record key and value as JSON text (or null), whatever
 * the declared format: the embedded engine has no Schema Registry, so AVRO,
 * PROTOBUF and JSON_SR are accepted by name and stored with the JSON shape
 * ksqlDB would give them logically. KAFKA keys/values are the bare primitive
 * (`"abc"`, `10`); DELIMITED values are one JSON string holding the
 * delimited text.
 *
 * @module
 */
import { BaseError } from '../../shared/errors.js';
import { CoercionError, fromJson, structFromJsonObject, valueToString } from './coerce.js';
import { encodeJson, isJsonObject, parseJsonTree, stringifyJsonTree, type JsonTree } from './json.js';
import { formatType, quoteIdentifier, type SqlType } from './sql-type.js';
import type { Value } from './value.js';

export const FORMAT_NAMES = [
  'KAFKA',
  'JSON',
  'JSON_SR',
  'AVRO',
  'PROTOBUF',
  'PROTOBUF_NOSR',
  'DELIMITED',
  'NONE',
] as const;
export type FormatName = (typeof FORMAT_NAMES)[number];

export function isFormatName(name: string): name is FormatName {
  return (FORMAT_NAMES as readonly string[]).includes(name);
}

export interface SerdeColumn {
  readonly name: string;
  readonly type: SqlType;
}

export class SerdeError extends BaseError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('ENGINE_SERDE', message, options);
  }
}

export interface SerdeOptions {
  /**
   * WRAP_SINGLE_VALUE: whether a single column is written inside an object.
   * @default true for values in formats that support wrapping; keys are never wrapped when single
   */
  readonly wrapSingle?: boolean | undefined;
  /** DELIMITED separator. @default ',' */
  readonly delimiter?: string | undefined;
}

export interface KeySerde {
  /** Key column values → stored key text (null when there are no key columns or all are null). */
  serialize(values: readonly Value[]): string | null;
  /** Stored key text → key column values; throws {@link SerdeError}. */
  deserialize(text: string | null): Value[];
}

export interface ValueSerde {
  serialize(values: readonly Value[] | null): string | null;
  /** Stored value text → value column values, or null for a tombstone; throws {@link SerdeError}. */
  deserialize(text: string | null): Value[] | null;
}

const KAFKA_TYPES = new Set(['INTEGER', 'BIGINT', 'DOUBLE', 'STRING', 'BYTES']);
const DELIMITED_TYPES = new Set(['BOOLEAN', 'INTEGER', 'BIGINT', 'DOUBLE', 'DECIMAL', 'STRING', 'BYTES', 'DATE', 'TIME', 'TIMESTAMP']);

/** Whether a format can carry a single column without a wrapping record (PROTOBUF cannot). */
export function supportsUnwrapping(format: FormatName): boolean {
  return format !== 'NONE' && format !== 'PROTOBUF' && format !== 'PROTOBUF_NOSR';
}

/**
 * Checks that a format can hold these columns; returns the ksqlDB message
 * when it cannot.
 */
export function validateFormatColumns(
  format: FormatName,
  columns: readonly SerdeColumn[],
  which: 'key' | 'value',
): string | undefined {
  if (format === 'NONE') {
    if (columns.length > 0) {
      return `The 'NONE' format can only be used when no columns are defined. Got: [${columns
        .map((c) => `${quoteIdentifier(c.name)} ${formatType(c.type)}${which === 'key' ? ' KEY' : ''}`)
        .join(', ')}]`;
    }
    return undefined;
  }
  if (format === 'KAFKA') {
    if (columns.length > 1) {
      return `The 'KAFKA' format only supports a single field. Got: [${columns
        .map((c) => `${quoteIdentifier(c.name)} ${formatType(c.type)}${which === 'key' ? ' KEY' : ''}`)
        .join(', ')}]`;
    }
    for (const c of columns) {
      if (!KAFKA_TYPES.has(c.type.type)) {
        return `The 'KAFKA' format does not support type '${c.type.type}'`;
      }
    }
  }
  if (format === 'DELIMITED') {
    for (const c of columns) {
      if (!DELIMITED_TYPES.has(c.type.type)) {
        return `The 'DELIMITED' format does not support type '${c.type.type}', column: ${quoteIdentifier(c.name)}`;
      }
    }
  }
  return undefined;
}

function parse(text: string, what: string): JsonTree {
  try {
    return parseJsonTree(text);
  } catch (err) {
    throw new SerdeError(`Failed to deserialize ${what}: invalid JSON`, { cause: err });
  }
}

function convert(tree: JsonTree, type: SqlType, what: string): Value {
  try {
    return fromJson(tree, type);
  } catch (err) {
    if (err instanceof CoercionError) throw new SerdeError(`Failed to deserialize ${what}: ${err.message}`, { cause: err });
    throw err;
  }
}

function encodeObject(columns: readonly SerdeColumn[], values: readonly Value[]): string {
  let out = '{';
  for (let i = 0; i < columns.length; i++) {
    const c = columns[i] as SerdeColumn;
    if (i > 0) out += ',';
    out += JSON.stringify(c.name) + ':' + encodeJson(values[i] ?? null, c.type, 'serde');
  }
  return out + '}';
}

function decodeObject(tree: JsonTree, columns: readonly SerdeColumn[], what: string): Value[] {
  if (!isJsonObject(tree)) {
    throw new SerdeError(`Failed to deserialize ${what}: expected a JSON object`);
  }
  try {
    const s = structFromJsonObject(tree, columns);
    return columns.map((c) => s[c.name] ?? null);
  } catch (err) {
    if (err instanceof CoercionError) throw new SerdeError(`Failed to deserialize ${what}: ${err.message}`, { cause: err });
    throw err;
  }
}

function splitDelimited(text: string, delimiter: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i] as string;
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          cur += '"';
          i++;
        } else quoted = false;
      } else cur += ch;
    } else if (ch === '"' && cur === '') quoted = true;
    else if (ch === delimiter) {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out;
}

function delimitedField(v: Value, type: SqlType, delimiter: string): string {
  if (v === null) return '';
  const s = type.type === 'DATE' || type.type === 'TIME' || type.type === 'TIMESTAMP' ? (v as number).toString() : valueToString(v, type);
  return s.includes(delimiter) || s.includes('"') ? `"${s.replaceAll('"', '""')}"` : s;
}

function delimitedSerde(columns: readonly SerdeColumn[], delimiter: string, what: string): ValueSerde {
  return {
    serialize(values) {
      if (values === null) return null;
      return JSON.stringify(columns.map((c, i) => delimitedField(values[i] ?? null, c.type, delimiter)).join(delimiter));
    },
    deserialize(text) {
      if (text === null) return null;
      const tree = parse(text, what);
      const line = typeof tree === 'string' ? tree : stringifyJsonTree(tree);
      const parts = splitDelimited(line, delimiter);
      if (parts.length !== columns.length) {
        throw new SerdeError(
          `Failed to deserialize ${what}: Unexpected field count, csvFields:${parts.length} schemaFields:${columns.length}`,
        );
      }
      return columns.map((c, i) => {
        const p = parts[i] as string;
        return p === '' && c.type.type !== 'STRING' ? null : convert(p, c.type, what);
      });
    },
  };
}

/** The serde for a source's key columns. */
export function keySerde(format: FormatName, columns: readonly SerdeColumn[], options: SerdeOptions = {}): KeySerde {
  if (columns.length === 0) {
    return { serialize: () => null, deserialize: () => [] };
  }
  if (format === 'DELIMITED') {
    const inner = delimitedSerde(columns, options.delimiter ?? ',', 'key');
    return {
      serialize: (values) => (values.every((v) => v === null) ? null : inner.serialize(values)),
      deserialize: (text) => inner.deserialize(text) ?? columns.map(() => null),
    };
  }
  const single = columns.length === 1 ? (columns[0] as SerdeColumn) : undefined;
  if (single !== undefined && (format === 'KAFKA' || (options.wrapSingle !== true && supportsUnwrapping(format)))) {
    return {
      serialize: (values) => {
        const v = values[0] ?? null;
        return v === null ? null : encodeJson(v, single.type, 'serde');
      },
      deserialize: (text) => (text === null ? [null] : [convert(parse(text, 'key'), single.type, 'key')]),
    };
  }
  return {
    serialize: (values) => (values.every((v) => v === null) ? null : encodeObject(columns, values)),
    deserialize: (text) => (text === null ? columns.map(() => null) : decodeObject(parse(text, 'key'), columns, 'key')),
  };
}

/** The serde for a source's value columns. */
export function valueSerde(format: FormatName, columns: readonly SerdeColumn[], options: SerdeOptions = {}): ValueSerde {
  if (format === 'DELIMITED') return delimitedSerde(columns, options.delimiter ?? ',', 'value');
  const single = columns.length === 1 ? (columns[0] as SerdeColumn) : undefined;
  const unwrapped =
    single !== undefined && (format === 'KAFKA' || (options.wrapSingle === false && supportsUnwrapping(format)));
  if (unwrapped) {
    return {
      serialize: (values) => (values === null ? null : encodeJson(values[0] ?? null, single.type, 'serde')),
      deserialize: (text) => (text === null ? null : [convert(parse(text, 'value'), single.type, 'value')]),
    };
  }
  const proto = format === 'PROTOBUF' || format === 'PROTOBUF_NOSR';
  return {
    serialize: (values) =>
      values === null ? null : encodeObject(columns, proto ? values.map((v, i) => protobufValue(v, (columns[i] as SerdeColumn).type)) : values),
    deserialize: (text) => (text === null ? null : decodeObject(parse(text, 'value'), columns, 'value')),
  };
}

/**
 * PROTOBUF (proto3) has no null scalars: a NULL field is written as its type's
 * default (`''`, `0`, `false`, an empty list or map), as ksqlDB's protobuf serde does.
 */
function protobufValue(v: Value, type: SqlType): Value {
  if (v !== null) return v;
  switch (type.type) {
    case 'STRING':
      return '';
    case 'INTEGER':
    case 'DOUBLE':
      return 0;
    case 'BIGINT':
      return 0n;
    case 'BOOLEAN':
      return false;
    case 'ARRAY':
      return [];
    case 'MAP':
      return new Map();
    default:
      return null;
  }
}
