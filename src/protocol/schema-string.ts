/**
 * ksqlDB's printed SQL types and column lists: the `schema` string of a
 * `/query` header (`` `ID` STRING KEY, `COUNT` BIGINT ``), `columnTypes` of
 * `/query-stream`, and `SchemaInfo` objects of DESCRIBE. The engine prints
 * with {@link formatSqlType}/{@link formatColumns}; the gateway parses with
 * {@link parseSchemaString}. Byte-for-byte format: struct fields quoted with
 * backticks, `DECIMAL(4, 2)`, `MAP<STRING, INTEGER>`, `, ` between items.
 *
 * @module
 */
import { BaseError } from '../shared/errors.js';
import type { FieldInfo, SchemaInfo } from './rest-types.js';

export type PrimitiveTypeName =
  | 'BOOLEAN'
  | 'INTEGER'
  | 'BIGINT'
  | 'DOUBLE'
  | 'STRING'
  | 'BYTES'
  | 'DATE'
  | 'TIME'
  | 'TIMESTAMP';

export type WireType =
  | { readonly type: PrimitiveTypeName }
  | { readonly type: 'DECIMAL'; readonly precision: number; readonly scale: number }
  | { readonly type: 'ARRAY'; readonly item: WireType }
  | { readonly type: 'MAP'; readonly key: WireType; readonly value: WireType }
  | { readonly type: 'STRUCT'; readonly fields: readonly WireField[] };

export interface WireField {
  readonly name: string;
  readonly type: WireType;
}

export type ColumnNamespace = 'KEY' | 'VALUE' | 'HEADERS' | 'HEADER';

export interface WireColumn {
  readonly name: string;
  readonly type: WireType;
  /** KEY only appears in pull-query headers and DESCRIBE; push headers list value columns. */
  readonly namespace: ColumnNamespace;
  /** For `HEADER('k')` columns. */
  readonly headerKey?: string | undefined;
}

const PRIMITIVES = new Set<string>([
  'BOOLEAN',
  'INTEGER',
  'BIGINT',
  'DOUBLE',
  'STRING',
  'BYTES',
  'DATE',
  'TIME',
  'TIMESTAMP',
]);

export class SchemaStringError extends BaseError {
  constructor(message: string) {
    super('KSQL_SCHEMA_STRING', message);
  }
}

// ------------------------------------------------------------- printing

export function quoteIdentifier(name: string): string {
  return '`' + name.replaceAll('`', '``') + '`';
}

export function formatSqlType(t: WireType): string {
  switch (t.type) {
    case 'DECIMAL':
      return `DECIMAL(${t.precision}, ${t.scale})`;
    case 'ARRAY':
      return `ARRAY<${formatSqlType(t.item)}>`;
    case 'MAP':
      return `MAP<${formatSqlType(t.key)}, ${formatSqlType(t.value)}>`;
    case 'STRUCT':
      return `STRUCT<${t.fields.map((f) => `${quoteIdentifier(f.name)} ${formatSqlType(f.type)}`).join(', ')}>`;
    default:
      return t.type;
  }
}

export function formatColumn(c: WireColumn): string {
  let s = `${quoteIdentifier(c.name)} ${formatSqlType(c.type)}`;
  if (c.namespace === 'KEY') s += ' KEY';
  else if (c.namespace === 'HEADERS') s += ' HEADERS';
  else if (c.namespace === 'HEADER') s += ` HEADER('${(c.headerKey ?? '').replaceAll("'", "''")}')`;
  return s;
}

export function formatColumns(columns: readonly WireColumn[]): string {
  return columns.map(formatColumn).join(', ');
}

// -------------------------------------------------------------- parsing

class Reader {
  pos = 0;
  constructor(readonly src: string) {}
  ws(): void {
    while (this.pos < this.src.length && /\s/.test(this.src[this.pos] as string)) this.pos++;
  }
  peek(): string {
    this.ws();
    return this.src[this.pos] ?? '';
  }
  eat(ch: string): boolean {
    if (this.peek() === ch) {
      this.pos++;
      return true;
    }
    return false;
  }
  expect(ch: string): void {
    if (!this.eat(ch)) this.fail(`Expected "${ch}"`);
  }
  word(): string {
    this.ws();
    const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(this.src.slice(this.pos));
    if (!m) this.fail('Expected a word');
    this.pos += m[0].length;
    return m[0];
  }
  int(): number {
    this.ws();
    const m = /^\d+/.exec(this.src.slice(this.pos));
    if (!m) this.fail('Expected a number');
    this.pos += m[0].length;
    return Number(m[0]);
  }
  identifier(): string {
    this.ws();
    if (this.src[this.pos] !== '`') return this.word();
    let out = '';
    this.pos++;
    for (;;) {
      const ch = this.src[this.pos];
      if (ch === undefined) this.fail('Unterminated quoted identifier');
      this.pos++;
      if (ch === '`') {
        if (this.src[this.pos] === '`') {
          out += '`';
          this.pos++;
          continue;
        }
        return out;
      }
      out += ch;
    }
  }
  quotedString(): string {
    this.expect("'");
    let out = '';
    for (;;) {
      const ch = this.src[this.pos];
      if (ch === undefined) this.fail('Unterminated string');
      this.pos++;
      if (ch === "'") {
        if (this.src[this.pos] === "'") {
          out += "'";
          this.pos++;
          continue;
        }
        return out;
      }
      out += ch;
    }
  }
  fail(message: string): never {
    throw new SchemaStringError(`${message} at offset ${this.pos} in schema "${this.src}"`);
  }
}

function readType(r: Reader): WireType {
  const name = r.word().toUpperCase();
  switch (name) {
    case 'INT':
      return { type: 'INTEGER' };
    case 'VARCHAR':
      return { type: 'STRING' };
    case 'DECIMAL': {
      r.expect('(');
      const precision = r.int();
      r.expect(',');
      const scale = r.int();
      r.expect(')');
      return { type: 'DECIMAL', precision, scale };
    }
    case 'ARRAY': {
      r.expect('<');
      const item = readType(r);
      r.expect('>');
      return { type: 'ARRAY', item };
    }
    case 'MAP': {
      r.expect('<');
      const key = readType(r);
      r.expect(',');
      const value = readType(r);
      r.expect('>');
      return { type: 'MAP', key, value };
    }
    case 'STRUCT': {
      r.expect('<');
      const fields: WireField[] = [];
      if (!r.eat('>')) {
        do {
          const fname = r.identifier();
          fields.push({ name: fname, type: readType(r) });
        } while (r.eat(','));
        r.expect('>');
      }
      return { type: 'STRUCT', fields };
    }
    default:
      if (PRIMITIVES.has(name)) return { type: name as PrimitiveTypeName };
      return r.fail(`Unknown type ${name}`);
  }
}

/** Parses a single printed type (`columnTypes` entries, `DECIMAL(4, 2)`, ...). */
export function parseSqlType(text: string): WireType {
  const r = new Reader(text);
  const t = readType(r);
  if (r.peek() !== '') r.fail('Unexpected trailing text');
  return t;
}

/** Parses a `/query` header schema string into columns. */
export function parseSchemaString(schema: string): WireColumn[] {
  const r = new Reader(schema);
  const columns: WireColumn[] = [];
  if (r.peek() === '') return columns;
  do {
    const name = r.identifier();
    const type = readType(r);
    let namespace: ColumnNamespace = 'VALUE';
    let headerKey: string | undefined;
    const save = r.pos;
    r.ws();
    if (/^[A-Za-z]/.test(r.src[r.pos] ?? '')) {
      const kw = r.word().toUpperCase();
      if (kw === 'KEY') namespace = 'KEY';
      else if (kw === 'HEADERS') namespace = 'HEADERS';
      else if (kw === 'HEADER') {
        namespace = 'HEADER';
        r.expect('(');
        headerKey = r.quotedString();
        r.expect(')');
      } else {
        r.pos = save;
        r.fail(`Unexpected "${kw}"`);
      }
    }
    columns.push(headerKey === undefined ? { name, type, namespace } : { name, type, namespace, headerKey });
  } while (r.eat(','));
  if (r.peek() !== '') r.fail('Unexpected trailing text');
  return columns;
}

// ------------------------------------------------------ SchemaInfo (DESCRIBE)

export function toSchemaInfo(t: WireType): SchemaInfo {
  switch (t.type) {
    case 'ARRAY':
      return { type: 'ARRAY', fields: null, memberSchema: toSchemaInfo(t.item) };
    case 'MAP':
      return { type: 'MAP', fields: null, memberSchema: toSchemaInfo(t.value) };
    case 'STRUCT':
      return {
        type: 'STRUCT',
        fields: t.fields.map((f) => ({ name: f.name, schema: toSchemaInfo(f.type) })),
        memberSchema: null,
      };
    case 'DECIMAL':
      return {
        type: 'DECIMAL',
        fields: null,
        memberSchema: null,
        parameters: { precision: t.precision, scale: t.scale },
      };
    default:
      return { type: t.type, fields: null, memberSchema: null };
  }
}

/** SchemaInfo → WireType. MAP keys are always STRING in ksqlDB's SchemaInfo. */
export function fromSchemaInfo(s: SchemaInfo): WireType {
  switch (s.type) {
    case 'ARRAY':
      if (!s.memberSchema) throw new SchemaStringError('ARRAY SchemaInfo without memberSchema');
      return { type: 'ARRAY', item: fromSchemaInfo(s.memberSchema) };
    case 'MAP':
      if (!s.memberSchema) throw new SchemaStringError('MAP SchemaInfo without memberSchema');
      return { type: 'MAP', key: { type: 'STRING' }, value: fromSchemaInfo(s.memberSchema) };
    case 'STRUCT':
      return {
        type: 'STRUCT',
        fields: (s.fields ?? []).map((f) => ({ name: f.name, type: fromSchemaInfo(f.schema) })),
      };
    case 'DECIMAL': {
      const p = s.parameters ?? {};
      return {
        type: 'DECIMAL',
        precision: Number(p['precision'] ?? 0),
        scale: Number(p['scale'] ?? 0),
      };
    }
    default:
      if (PRIMITIVES.has(s.type)) return { type: s.type as PrimitiveTypeName };
      throw new SchemaStringError(`Unknown SchemaInfo type ${s.type}`);
  }
}

export function toFieldInfo(c: WireColumn): FieldInfo {
  const info: FieldInfo = { name: c.name, schema: toSchemaInfo(c.type) };
  if (c.namespace === 'KEY') info.type = 'KEY';
  else if (c.namespace === 'HEADERS' || c.namespace === 'HEADER') {
    info.type = 'HEADER';
    if (c.headerKey !== undefined) info.headerKey = c.headerKey;
  }
  return info;
}
