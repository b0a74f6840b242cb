/**
 * ksqlDB variable substitution (`DEFINE name = 'value'`, then `${name}`),
 * done on the text before parsing, as ksqlDB does.
 *
 * @module
 */

const VARIABLE = /\$\{([A-Za-z_][A-Za-z0-9_@]*)\}/g;

/**
 * Replaces each `${name}` whose name is defined in `variables` (names compare
 * case-insensitively, as in ksqlDB) with its value; undefined references are
 * left in place, and the parser then reports them.
 *
 * @example
 * ```ts
 * substituteVariables("SELECT * FROM ${src} WHERE x = '${v}';", { SRC: 'orders', v: 'a' });
 * // "SELECT * FROM orders WHERE x = 'a';"
 * ```
 */
export function substituteVariables(
  sql: string,
  variables: ReadonlyMap<string, string> | Readonly<Record<string, string>>,
): string {
  const byName = new Map<string, string>();
  const entries = isMap(variables) ? variables.entries() : Object.entries(variables);
  for (const [name, value] of entries) byName.set(name.toUpperCase(), value);
  if (byName.size === 0) return sql;
  return sql.replace(VARIABLE, (match, name: string) => byName.get(name.toUpperCase()) ?? match);
}

// A guard, as `instanceof Map` alone forgets a ReadonlyMap's element types.
function isMap(v: ReadonlyMap<string, string> | Readonly<Record<string, string>>): v is ReadonlyMap<string, string> {
  return v instanceof Map;
}
