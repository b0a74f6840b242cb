/**
 * Resume cursors of typed subscriptions (docs/resume.md).
 *
 * A cursor says where in a source a subscriber is: for each partition it has
 * seen, the offset of the last row it got (`ROWPARTITION`, `ROWOFFSET`), and
 * since when it has been reading (for the partitions it has not seen a row
 * of yet). It also names what it is a position in: a fingerprint of the
 * source and the filter, so that a cursor of another subscription is refused
 * rather than run.
 *
 * Text form: `v1.<payload>.<mac>`, both base64url. The payload is
 * `[fingerprint, since, p0, o0, p1, o1, ...]` as JSON (offsets as strings:
 * they are BIGINTs). The mac is HMAC-SHA256 of `v1.<payload>` under the
 * cursor key, cut to 16 bytes: any gateway instance holding the same key
 * (`--cursor-secret`) accepts the cursors of the others; a changed byte is
 * refused as forged.
 *
 * Nothing is stored: a cursor carries all the gateway needs.
 *
 * @module
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { cursorError } from '../errors/index.js';

const VERSION = 'v1';
/**
 * The key when no `--cursor-secret` is set: public, so it proves nothing
 * against a client that reads this file, but it catches cursors that were
 * cut or edited, and it is the same on every instance and every restart.
 */
export const BUILT_IN_CURSOR_KEY = 'ksqldb-graphql-gateway resume cursor v1';
const MAC_BYTES = 16;
/** Longer cursors are refused before any parsing (a source has at most a few thousand partitions). */
export const MAX_CURSOR_CHARS = 64 * 1024;

/** A subscriber's position: per partition, the offset of the last row it got. */
export interface ResumePosition {
  /** Unix ms since which the subscriber has been reading: rows of partitions not in `offsets` from then on are new to it. */
  readonly since: number;
  /** Partition → offset of the last row delivered (BIGINT, kept as decimal text). */
  readonly offsets: ReadonlyMap<number, bigint>;
}

export interface CursorCodec {
  /** The cursor of `position` in the subscription of `fingerprint`. */
  encode(fingerprint: string, position: ResumePosition): string;
  /**
   * The position `cursor` names, if it was made by a gateway with this key
   * for a subscription of `fingerprint`.
   *
   * @throws a GraphQL error with code `CURSOR_MALFORMED`, `CURSOR_FORGED` or `CURSOR_FOREIGN`.
   */
  decode(fingerprint: string, cursor: string): ResumePosition;
}

/**
 * What a cursor is a position in: the source and the filter (the rows a
 * subscription can see). Columns, limits and aliases do not matter: a
 * client may change its selection and resume.
 */
export function cursorFingerprint(source: string, where: string | undefined): string {
  return createHash('sha256')
    .update(JSON.stringify([source, where ?? '']))
    .digest('base64url')
    .slice(0, 16);
}

export function createCursorCodec(key: string | Uint8Array): CursorCodec {
  const mac = (text: string): Buffer => createHmac('sha256', key).update(text).digest().subarray(0, MAC_BYTES);
  return {
    encode(fingerprint, { since, offsets }) {
      const fields: Array<string | number> = [fingerprint, since];
      for (const [partition, offset] of offsets) fields.push(partition, offset.toString());
      const signed = `${VERSION}.${Buffer.from(JSON.stringify(fields)).toString('base64url')}`;
      return `${signed}.${mac(signed).toString('base64url')}`;
    },
    decode(fingerprint, cursor) {
      if (typeof cursor !== 'string' || cursor.length > MAX_CURSOR_CHARS) throw malformed('it is too long');
      const parts = cursor.split('.');
      if (parts.length !== 3 || parts[0] !== VERSION) throw malformed(`it is not of the form ${VERSION}.<payload>.<mac>`);
      const [, payload = '', sent = ''] = parts;
      const expected = mac(`${VERSION}.${payload}`);
      const got = Buffer.from(sent, 'base64url');
      if (got.length !== expected.length || !timingSafeEqual(got, expected)) {
        throw cursorError(
          'CURSOR_FORGED',
          'The cursor was not made by this gateway (or by one sharing its --cursor-secret), or was changed.',
        );
      }
      const fields = parseFields(payload);
      if (fields[0] !== fingerprint) {
        throw cursorError('CURSOR_FOREIGN', 'The cursor belongs to another subscription (another source or filter).');
      }
      return positionOf(fields);
    },
  };
}

function malformed(why: string): Error {
  return cursorError('CURSOR_MALFORMED', `The cursor is malformed: ${why}.`);
}

function parseFields(payload: string): unknown[] {
  let fields: unknown;
  try {
    fields = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    throw malformed('its payload is not JSON');
  }
  if (!Array.isArray(fields) || fields.length < 2 || fields.length % 2 !== 0) throw malformed('its payload has the wrong shape');
  return fields;
}

const OFFSET = /^(0|[1-9]\d{0,18})$/;
const MAX_OFFSET = 2n ** 63n - 1n;

function positionOf(fields: unknown[]): ResumePosition {
  const since = fields[1];
  if (typeof since !== 'number' || !Number.isSafeInteger(since) || since < 0) throw malformed('its time is not a Unix time');
  const offsets = new Map<number, bigint>();
  for (let i = 2; i < fields.length; i += 2) {
    const partition = fields[i];
    const offset = fields[i + 1];
    if (typeof partition !== 'number' || !Number.isSafeInteger(partition) || partition < 0 || partition > 0x7fffffff) {
      throw malformed('a partition is not a partition number');
    }
    if (typeof offset !== 'string' || !OFFSET.test(offset) || BigInt(offset) > MAX_OFFSET) throw malformed('an offset is not an offset');
    if (offsets.has(partition)) throw malformed('a partition appears twice');
    offsets.set(partition, BigInt(offset));
  }
  return { since, offsets };
}

/**
 * The WHERE condition that selects the rows from any of `positions` on (one:
 * from it; several: what a group of resumers needs together): in a
 * partition a position has seen, the rows from its offset on, the row at
 * that offset included (the subscriber had it: it is skipped, but its
 * presence shows the rows after it are all still there, see
 * {@link firstRowShowsGap}); in any other, those since its time.
 */
export function resumeCondition(...positions: readonly ResumePosition[]): string {
  if (positions.length === 0) throw new Error('resumeCondition needs a position');
  const minSince = (of: readonly ResumePosition[]) => Math.min(...of.map((p) => p.since));
  const partitions = [...new Set(positions.flatMap((p) => [...p.offsets.keys()]))].sort((a, b) => a - b);
  const clauses = partitions.map((partition) => {
    const seen = positions.filter((p) => p.offsets.has(partition));
    const unseen = positions.filter((p) => !p.offsets.has(partition));
    let offset = seen[0]?.offsets.get(partition) as bigint;
    for (const p of seen) if ((p.offsets.get(partition) as bigint) < offset) offset = p.offsets.get(partition) as bigint;
    const after = `ROWOFFSET >= ${offset}`;
    return unseen.length === 0
      ? `(ROWPARTITION = ${partition} AND ${after})`
      : `(ROWPARTITION = ${partition} AND (${after} OR ROWTIME >= ${minSince(unseen)}))`;
  });
  const others = partitions.length === 0 ? '' : `ROWPARTITION NOT IN (${partitions.join(', ')}) AND `;
  return [...clauses, `(${others}ROWTIME >= ${minSince(positions)})`].join(' OR ');
}

/** Whether a row (partition, offset, time) comes at or before `position`: a resumer that asked for the rows after it skips it. */
export function isAtOrBefore(position: ResumePosition, partition: number, offset: bigint, rowtime: number): boolean {
  const seen = position.offsets.get(partition);
  return seen === undefined ? rowtime < position.since : offset <= seen;
}

/**
 * Whether the first row a resumed query returns in a partition the cursor
 * has seen shows that rows after the cursor are gone: the query asked for
 * the cursor's own row on (`ROWOFFSET >= offset`), which the subscriber got,
 * so it matches the filter; when neither it nor the row right after it comes
 * first, the topic no longer holds it (retention deleted it, or compaction
 * replaced it), and the rows between may be gone too.
 */
export function firstRowShowsGap(seen: bigint, first: bigint): boolean {
  return first > seen + 1n;
}
