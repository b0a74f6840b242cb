/**
 * The command log: every distributed statement (CREATE, DROP, TERMINATE of
 * a persistent query, ...) with its commandId, sequence number and status,
 * as ksqlDB's command topic. The in-memory store is here; the durable one,
 * replayed at start, is `FileCommandStore` in file.ts.
 *
 * @module
 */

import type { CommandStatusType } from '../../protocol/rest-types.js';

// The wire contract's status names are the log's.
export type { CommandStatusType };

export interface CommandStatusRecord {
  readonly status: CommandStatusType;
  readonly message: string;
  readonly queryId: string | null;
}

export interface CommandRecord {
  /** `type/entity/action`, e.g. ``stream/`S`/create``. */
  readonly commandId: string;
  readonly statementText: string;
  /** Offset in the command log. */
  readonly sequenceNumber: number;
  readonly status: CommandStatusRecord;
  /**
   * Request properties in force when the statement ran (`streamsProperties`,
   * SET), by canonical name; replay plans the statement with them.
   */
  readonly properties?: Readonly<Record<string, string>> | undefined;
}

export interface CommandStore {
  /** Appends a command with its final status; returns it with its sequence number. */
  append(
    commandId: string,
    statementText: string,
    status: CommandStatusRecord,
    properties?: Readonly<Record<string, string>>  ,
  ): CommandRecord;
  /** The latest command with this id. */
  get(commandId: string): CommandRecord | undefined;
  /** Latest status per commandId, in first-seen order. */
  statuses(): ReadonlyMap<string, CommandStatusType>;
  /** Every command, in order. */
  list(): readonly CommandRecord[];
  /** Sequence number the next command will get. */
  readonly nextSequenceNumber: number;
}

export function createMemoryCommandStore(): CommandStore {
  const log: CommandRecord[] = [];
  const latest = new Map<string, CommandRecord>();
  return {
    append(commandId, statementText, status, properties) {
      const rec: CommandRecord = { commandId, statementText, sequenceNumber: log.length, status, ...(properties === undefined ? {} : { properties }) };
      log.push(rec);
      latest.set(commandId, rec);
      return rec;
    },
    get: (commandId) => latest.get(commandId),
    statuses: () => new Map([...latest].map(([id, r]) => [id, r.status.status])),
    list: () => log,
    get nextSequenceNumber() {
      return log.length;
    },
  };
}
