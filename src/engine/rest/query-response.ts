/**
 * Streams a transient query as an HTTP body, in the three formats ksqlDB
 * serves:
 *
 * - `streamedRows` (`/query`, and `/query-stream` with v1+json): `[` header,
 *   then every element followed at once by `,\n`, and `]` after a final
 *   message (`…,\n{"finalMessage":"Limit Reached"}]`). A line-based client
 *   sees each element as soon as it is written.
 * - `delimited`: the metadata object and one JSON array per row, each on its
 *   own line; no final message.
 * - `jsonArray` (`/query-stream` with application/json): `[metadata,[row],…]`.
 *
 * Cancelling the body (the client went away) returns the query's iterator,
 * which stops and deregisters the query at once.
 *
 * @module
 */
import {
  encodeStreamedRow,
  formatColumns,
  formatSqlType,
  QueryFraming,
  stringifyJson,
  type QueryResponseMetadata,
  type WireColumn,
} from '../../protocol/index.js';
import type { Logger } from '../../shared/logger.js';
import { encodeRowJson, type QueryEvent, type TransientQueryHandle } from '../index.js';
import { streamErrorMessage } from './errors.js';

export type QueryFormat = 'streamedRows' | 'delimited' | 'jsonArray';

const encoder = new TextEncoder();

interface Framing {
  open(): string;
  /** Returns '' to drop the row (tombstones in the delimited and JSON formats). */
  row(columnsJson: string, tombstone: boolean): string;
  final(message: string): string;
  end(): string;
  error(errorJson: string): string;
}

/**
 * A table pull query's header: columns in select order, KEY marked; when it passes source header
 * columns through (`SELECT *`), the source's schema: keys, then header columns, then values.
 */
function tablePullColumns(schema: TransientQueryHandle['schema']): WireColumn[] {
  const rank = (c: WireColumn) => (c.namespace === 'KEY' ? 0 : c.namespace === 'VALUE' ? 2 : 1);
  const sourceOrder = schema.some((c) => c.header !== undefined);
  return schema
    .map((c): WireColumn => {
      if (c.isKey === true) return { name: c.name, type: c.type, namespace: 'KEY' };
      if (c.header === undefined) return { name: c.name, type: c.type, namespace: 'VALUE' };
      return c.header.key === undefined
        ? { name: c.name, type: c.type, namespace: 'HEADERS' }
        : { name: c.name, type: c.type, namespace: 'HEADER', headerKey: c.header.key };
    })
    .map((c, i) => ({ c, i }))
    .sort((a, b) => (sourceOrder ? rank(a.c) - rank(b.c) : 0) || a.i - b.i)
    .map((x) => x.c);
}

function framing(format: QueryFormat, handle: TransientQueryHandle): Framing {
  const schema = handle.schema;
  switch (format) {
    case 'streamedRows': {
      const tablePull = handle.mode === 'tablePull';
      const header = encodeStreamedRow({
        header: {
          queryId: handle.queryId,
          schema: formatColumns(tablePull ? tablePullColumns(schema) : schema.map((c) => ({ name: c.name, type: c.type, namespace: 'VALUE' as const }))),
        },
      });
      const sep = QueryFraming.SEPARATOR;
      if (tablePull) {
        // Buffered in ksqlDB: each element is preceded (not followed) by the separator; no final message.
        return {
          open: () => QueryFraming.OPEN + header,
          row: (cols) => sep + `{"row":{"columns":${cols}}}`,
          final: () => QueryFraming.CLOSE,
          end: () => QueryFraming.CLOSE,
          error: (e) => sep + `{"errorMessage":${e}}` + QueryFraming.CLOSE,
        };
      }
      return {
        open: () => QueryFraming.OPEN + header + sep,
        row: (cols, tombstone) => (tombstone ? `{"row":{"columns":${cols},"tombstone":true}}` : `{"row":{"columns":${cols}}}`) + sep,
        final: (message) => encodeStreamedRow({ finalMessage: message }) + QueryFraming.CLOSE,
        end: () => QueryFraming.CLOSE,
        error: (e) => `{"errorMessage":${e}}` + sep + QueryFraming.CLOSE,
      };
    }
    case 'delimited':
    case 'jsonArray': {
      const metadata: QueryResponseMetadata = {
        queryId: handle.queryId,
        columnNames: schema.map((c) => c.name),
        columnTypes: schema.map((c) => formatSqlType(c.type)),
      };
      if (format === 'delimited') {
        return {
          open: () => stringifyJson(metadata) + '\n',
          row: (cols, tombstone) => (tombstone ? '' : cols + '\n'),
          final: () => '',
          end: () => '',
          error: (e) => e + '\n',
        };
      }
      return {
        open: () => '[' + stringifyJson(metadata),
        row: (cols, tombstone) => (tombstone ? '' : ',' + cols),
        final: () => ']',
        end: () => ']',
        error: (e) => ',' + e + ']',
      };
    }
  }
}

/** The response body of a running query. */
export function queryBody(handle: TransientQueryHandle, format: QueryFormat, logger?: Logger): ReadableStream<Uint8Array> {
  const f = framing(format, handle);
  const types = handle.schema.map((c) => c.type);
  const iterator = handle[Symbol.asyncIterator]();
  let opened = false;
  let finished = false;

  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        if (finished) return;
        if (!opened) {
          opened = true;
          controller.enqueue(encoder.encode(f.open()));
          return;
        }
        // Loop until something is written: a dropped row (tombstone) must not leave the read pending.
        for (;;) {
          let result: IteratorResult<QueryEvent>;
          try {
            result = await iterator.next();
          } catch (err) {
            // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- cancel() can run during the await; TS keeps the narrowing from before it
            if (finished) return;
            finished = true;
            controller.enqueue(encoder.encode(f.error(stringifyJson(streamErrorMessage(err, logger)))));
            controller.close();
            return;
          }
          // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- as above
          if (finished) return;
          if (result.done) {
            finished = true;
            const tail = f.end();
            if (tail) controller.enqueue(encoder.encode(tail));
            controller.close();
            return;
          }
          const event = result.value;
          if (event.kind === 'row') {
            const chunk = f.row(encodeRowJson(event.values, types), event.tombstone === true);
            if (!chunk) continue;
            controller.enqueue(encoder.encode(chunk));
            return;
          }
          finished = true;
          const tail = f.final(event.message);
          if (tail) controller.enqueue(encoder.encode(tail));
          controller.close();
          void iterator.return?.();
          return;
        }
      },
      async cancel() {
        finished = true;
        await iterator.return?.();
      },
    },
    { highWaterMark: 0 },
  );
}
