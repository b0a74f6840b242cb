/**
 * SQL type names as ksqlDB prints them, for GraphQL fields that show a type.
 *
 * @module
 */
import { formatSqlType, fromSchemaInfo, type SchemaInfo } from '../../protocol/index.js';

/** The SQL type of a DESCRIBE SchemaInfo (`STRUCT<\`A\` INTEGER>`); its bare `type` if unreadable. */
export function sqlTypeOfSchemaInfo(schema: { readonly type: string }): string {
  try {
    return formatSqlType(fromSchemaInfo(schema as SchemaInfo));
  } catch {
    return schema.type;
  }
}
