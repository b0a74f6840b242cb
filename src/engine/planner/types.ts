/**
 * AST types → engine SQL types, resolving custom types against the catalog.
 *
 * @module
 */
import { AnalysisError } from '../errors.js';
import type * as ast from '../sql/ast.js';
import { SqlTypes, SqlTypeError, type SqlType } from '../types/index.js';

export type TypeLookup = (name: string) => SqlType | undefined;

export function resolveType(t: ast.SqlType, lookup: TypeLookup): SqlType {
  switch (t.kind) {
    case 'PrimitiveType':
      return SqlTypes[t.name];
    case 'DecimalType':
      try {
        return SqlTypes.decimal(t.precision, t.scale);
      } catch (err) {
        if (err instanceof SqlTypeError) throw new AnalysisError(err.message, { cause: err });
        throw err;
      }
    case 'ArrayType':
      return SqlTypes.array(resolveType(t.elementType, lookup));
    case 'MapType': {
      const key = resolveType(t.keyType, lookup);
      return SqlTypes.map(key, resolveType(t.valueType, lookup));
    }
    case 'StructType': {
      const seen = new Set<string>();
      return SqlTypes.struct(
        t.fields.map((f) => {
          if (seen.has(f.name.value)) {
            throw new AnalysisError(`Duplicate field names found in STRUCT: '${f.name.value}' and '${f.name.value}'`);
          }
          seen.add(f.name.value);
          return { name: f.name.value, type: resolveType(f.type, lookup) };
        }),
      );
    }
    case 'CustomType': {
      const found = lookup(t.name.value);
      if (found === undefined) throw new AnalysisError(`Cannot resolve unknown type: ${t.name.value}`);
      return found;
    }
  }
}
