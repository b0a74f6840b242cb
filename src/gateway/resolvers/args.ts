/**
 * Argument checks shared by the resolvers.
 *
 * @module
 */
import { badUserInput } from '../errors/index.js';

/** A `JSON` argument that must be an object (properties, variables); null/absent → undefined. */
export function objectArgument(value: unknown, name: string): Record<string, unknown> | undefined {
  if (value === undefined || value === null) return undefined;
  const proto: unknown = typeof value === 'object' ? Object.getPrototypeOf(value) : undefined;
  if (proto !== Object.prototype && proto !== null) {
    throw badUserInput(`Argument "${name}" must be a JSON object.`, name);
  }
  return value as Record<string, unknown>;
}
