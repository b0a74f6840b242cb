/**
 * Builds a selection set that selects every field reachable from a type
 * (inline fragments for every implementation of an interface and every
 * member of a union), to check that all result kinds can be asked for in one
 * operation and that every field resolves.
 *
 * @module
 */
import {
  getNamedType,
  isInterfaceType,
  isLeafType,
  isObjectType,
  isUnionType,
  type GraphQLNamedType,
  type GraphQLSchema,
} from 'graphql';

export function selectAll(schema: GraphQLSchema, type: GraphQLNamedType, depth = 8): string {
  if (isLeafType(type)) return '';
  if (depth === 0) return '{ __typename }';
  const parts: string[] = ['__typename'];
  if (isObjectType(type) || isInterfaceType(type)) {
    for (const field of Object.values(type.getFields())) {
      if (field.args.some((a) => a.type.toString().endsWith('!'))) continue;
      const named = getNamedType(field.type);
      parts.push(isLeafType(named) ? field.name : `${field.name} ${selectAll(schema, named, depth - 1)}`);
    }
  }
  if (isInterfaceType(type) || isUnionType(type)) {
    for (const impl of schema.getPossibleTypes(type)) {
      parts.push(`... on ${impl.name} ${selectAll(schema, impl, depth - 1)}`);
    }
  }
  return `{ ${parts.join(' ')} }`;
}
