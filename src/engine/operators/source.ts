/**
 * Source operator: stored records in, rows out. Deserializes key and value
 * with the source's formats, appends the pseudo columns, and skips records
 * that cannot be read (ksqlDB logs them to the processing log and moves on)
 * and, for streams, records with a null value.
 *
 * @module
 */
import type { SourceScanNode } from '../plan/index.js';
import type { StoredRecord } from '../storage/index.js';
import { keySerde, makeStruct, valueSerde, SerdeError, type KeySerde, type Value, type ValueSerde } from '../types/index.js';
import { unwrapWindowedKey } from './keys.js';
import type { Downstream, OperatorContext, Row, RowWindow } from './operator.js';

const encoder = new TextEncoder();

class SourceOperator implements Downstream<StoredRecord> {
  readonly #node: SourceScanNode;
  readonly #key: KeySerde;
  readonly #value: ValueSerde;
  readonly #downstream: Downstream<Row>;
  readonly #onError: ((err: unknown) => void) | undefined;

  constructor(node: SourceScanNode, downstream: Downstream<Row>, ctx: OperatorContext) {
    this.#node = node;
    this.#key = keySerde(node.key.format, node.key.columns, { wrapSingle: node.key.wrapSingle, delimiter: node.key.delimiter });
    this.#value = valueSerde(node.value.format, node.value.columns, {
      wrapSingle: node.value.wrapSingle,
      delimiter: node.value.delimiter,
    });
    this.#downstream = downstream;
    this.#onError = ctx.onError;
  }

  push(record: StoredRecord): void {
    let key: Value[];
    let value: Value[] | null;
    let keyText = record.key;
    let window: RowWindow | undefined;
    if (this.#node.windowed === true) {
      const w = unwrapWindowedKey(record.key);
      if (w === undefined) {
        this.#onError?.(new SerdeError('Expected a windowed key'));
        return;
      }
      keyText = w.key;
      window = w.window;
    }
    try {
      key = this.#key.deserialize(keyText);
      value = this.#value.deserialize(record.value);
    } catch (err) {
      if (!(err instanceof SerdeError)) throw err;
      this.#onError?.(err);
      return;
    }
    let tombstone = false;
    // Table rows need a key: records with a null key are dropped.
    if (
      (this.#node.sourceType === 'TABLE' || this.#node.dropNullKeys === true) &&
      this.#node.key.columns.length > 0 &&
      key.every((k) => k === null)
    ) {
      return;
    }
    if (value === null) {
      // Streams have no tombstones: a null value is not a row.
      if (this.#node.sourceType === 'STREAM') return;
      tombstone = true;
      value = this.#node.value.columns.map(() => null);
    }
    const values: Value[] = [...key, ...value];
    for (const h of this.#node.headers) {
      if (h.headerKey !== undefined) {
        const found = [...record.headers].reverse().find((x) => x.key === h.headerKey);
        values.push(found === undefined || found.value === null ? null : encoder.encode(found.value));
      } else {
        values.push(
          record.headers.map((x) => makeStruct([['KEY', x.key], ['VALUE', x.value === null ? null : encoder.encode(x.value)]])),
        );
      }
    }
    let timestamp = record.timestamp;
    const ts = this.#node.timestampColumn;
    if (ts !== undefined) {
      const v = values[ts.index] ?? null;
      if (typeof v === 'bigint') timestamp = Number(v);
      else if (typeof v === 'number') timestamp = v;
    }
    values.push(BigInt(timestamp), record.partition, BigInt(record.offset));
    if (this.#node.windowed === true) values.push(BigInt(window?.start ?? 0), BigInt(window?.end ?? 0));
    const row: Row =
      window === undefined
        ? { values, timestamp, partition: record.partition, offset: record.offset }
        : { values, timestamp, partition: record.partition, offset: record.offset, window };
    this.#downstream.push(tombstone ? { ...row, tombstone: true } : row);
  }
}

export function createSourceOperator(
  node: SourceScanNode,
  downstream: Downstream<Row>,
  ctx: OperatorContext,
): Downstream<StoredRecord> {
  return new SourceOperator(node, downstream, ctx);
}
