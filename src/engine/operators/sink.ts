/**
 * Sink operator: rows out of a persistent query → records for its sink topic
 * (key and value serialized with the sink's formats; a tombstone row becomes
 * a null value; windowed keys carry the row's window).
 *
 * @module
 */
import type { SinkSpec } from '../plan/index.js';
import { keySerde, SerdeError, valueSerde, type KeySerde, type ValueSerde } from '../types/index.js';
import { wrapWindowedKey } from './keys.js';
import type { Downstream, OperatorContext, Row } from './operator.js';

export interface SinkRecord {
  readonly key: string | null;
  readonly value: string | null;
  readonly timestamp: number;
  /** The row the record was made from. */
  readonly row: Row;
}

class SinkOperator implements Downstream<Row> {
  readonly #spec: SinkSpec;
  readonly #key: KeySerde;
  readonly #value: ValueSerde;
  readonly #emit: (record: SinkRecord) => void;
  readonly #onError: ((err: unknown) => void) | undefined;

  constructor(spec: SinkSpec, emit: (record: SinkRecord) => void, ctx: OperatorContext) {
    this.#spec = spec;
    this.#key = keySerde(spec.key.format, spec.key.columns, { wrapSingle: spec.key.wrapSingle, delimiter: spec.key.delimiter });
    this.#value = valueSerde(spec.value.format, spec.value.columns, {
      wrapSingle: spec.value.wrapSingle,
      delimiter: spec.value.delimiter,
    });
    this.#emit = emit;
    this.#onError = ctx.onError;
  }

  push(row: Row): void {
    const n = this.#spec.keyCount;
    let key: string | null;
    let value: string | null;
    try {
      key = this.#key.serialize(row.values.slice(0, n));
      value = row.tombstone === true ? null : this.#value.serialize(row.values.slice(n));
    } catch (err) {
      if (!(err instanceof SerdeError)) throw err;
      this.#onError?.(err);
      return;
    }
    if (this.#spec.windowed && row.window !== undefined) key = wrapWindowedKey(key, row.window);
    this.#emit({ key, value, timestamp: row.timestamp, row });
  }
}

export function createSinkOperator(spec: SinkSpec, emit: (record: SinkRecord) => void, ctx: OperatorContext): Downstream<Row> {
  return new SinkOperator(spec, emit, ctx);
}
