/**
 * The `SchemaChange` object of the generic schema's `schemaChanged`
 * subscription. The typed schema's manager (gateway/typed) makes the
 * events; without a typed schema the subscription reports the state
 * before the catalog was read.
 *
 * @module
 */

/** The `SchemaChange` GraphQL object. */
export interface SchemaChange {
  readonly version: number;
  readonly ready: boolean;
  readonly fingerprint: string | null;
  readonly sources: readonly string[];
  readonly added: readonly string[];
  readonly removed: readonly string[];
  readonly changed: readonly string[];
}

/** The state before the catalog was first read (also what a gateway without typed schema reports). */
export const NOT_READY_SCHEMA_CHANGE: SchemaChange = Object.freeze({
  version: 0,
  ready: false,
  fingerprint: null,
  sources: [],
  added: [],
  removed: [],
  changed: [],
});
