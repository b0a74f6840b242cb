/**
 * AST WITH properties → the catalog's plain property values.
 *
 * @module
 */
import type { PropertyLiteral, WithProperty } from '../catalog/index.js';
import type * as ast from '../sql/ast.js';

export function toPropertyLiteral(v: ast.Literal): PropertyLiteral {
  switch (v.kind) {
    case 'NullLiteral':
      return { kind: 'null' };
    case 'BooleanLiteral':
      return { kind: 'boolean', value: v.value };
    case 'StringLiteral':
      return { kind: 'string', value: v.value };
    case 'IntegerLiteral':
    case 'BigIntLiteral':
      return { kind: 'number', text: v.text, integral: true };
    default:
      return { kind: 'number', text: v.text, integral: false };
  }
}

export function toWithProperties(props: readonly ast.Property[]): WithProperty[] {
  return props.map((p) => ({ name: p.name, value: toPropertyLiteral(p.value) }));
}
