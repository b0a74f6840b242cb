/**
 * Which raw push queries the generic `pushQuery` can give cursors to and
 * resume (docs/resume.md), and the statements it runs for them.
 *
 * Resumable: one source read row by row, each result row being one record
 * of the source at one position (`ROWPARTITION`, `ROWOFFSET`):
 *
 * ```sql
 * SELECT <projection> FROM <source> [[AS] <alias>] [WHERE <condition>] EMIT CHANGES [LIMIT <n>] [;]
 * ```
 *
 * Not resumable (their rows are not records of one source at one position,
 * or several rows share one): joins, `GROUP BY` / `WINDOW` / `PARTITION BY`
 * / `HAVING`, `EMIT FINAL`, table functions (`EXPLODE`, `CUBE_EXPLODE`; a
 * user-defined table function of a ksqlDB cluster is not recognised), and
 * projections that already select `ROWPARTITION` or `ROWOFFSET`.
 *
 * The recogniser reads tokens (literals, quoted identifiers and comments
 * skipped as units) and never guesses: anything else is not resumable, and
 * the statement runs as written without cursors.
 *
 * @module
 */
import { POSITION_COLUMNS } from './positions.js';

interface Token {
  /** Upper-cased for bare words; the text as written otherwise. */
  readonly word: string;
  readonly kind: 'word' | 'quoted' | 'string' | 'number' | 'symbol';
  readonly start: number;
  readonly end: number;
  /** Parenthesis depth the token is at. */
  readonly depth: number;
}

function tokenize(sql: string): Token[] | undefined {
  const tokens: Token[] = [];
  let depth = 0;
  let i = 0;
  const n = sql.length;
  while (i < n) {
    const c = sql[i] as string;
    if (/\s/.test(c)) {
      i++;
    } else if (c === '-' && sql[i + 1] === '-') {
      const end = sql.indexOf('\n', i);
      i = end === -1 ? n : end + 1;
    } else if (c === '/' && sql[i + 1] === '*') {
      const end = sql.indexOf('*/', i + 2);
      if (end === -1) return undefined;
      i = end + 2;
    } else if (c === "'" || c === '`' || c === '"') {
      let j = i + 1;
      for (;;) {
        if (j >= n) return undefined; // unterminated
        if (sql[j] === c) {
          if (sql[j + 1] === c) {
            j += 2;
            continue;
          }
          break;
        }
        j++;
      }
      const text = sql.slice(i + 1, j).replaceAll(c + c, c);
      tokens.push({ word: text, kind: c === "'" ? 'string' : 'quoted', start: i, end: j + 1, depth });
      i = j + 1;
    } else if (/[A-Za-z_]/.test(c)) {
      let j = i + 1;
      while (j < n && /[A-Za-z0-9_@$]/.test(sql[j] as string)) j++;
      tokens.push({ word: sql.slice(i, j).toUpperCase(), kind: 'word', start: i, end: j, depth });
      i = j;
    } else if (/[0-9]/.test(c)) {
      let j = i + 1;
      while (j < n && /[0-9.eE]/.test(sql[j] as string)) j++;
      tokens.push({ word: sql.slice(i, j), kind: 'number', start: i, end: j, depth });
      i = j;
    } else {
      if (c === ')') depth--;
      if (depth < 0) return undefined;
      tokens.push({ word: c, kind: 'symbol', start: i, end: i + 1, depth });
      if (c === '(') depth++;
      i++;
    }
  }
  return depth === 0 ? tokens : undefined;
}

/** A resumable push query, taken apart. */
export interface ResumableSelect {
  /** The projection as written. */
  readonly projection: string;
  /** The FROM clause as written (the source and its alias). */
  readonly from: string;
  /** The source's name as ksqlDB resolves it (bare names upper-cased). */
  readonly source: string;
  /** The WHERE condition as written, if any. */
  readonly where: string | undefined;
  /** The condition's tokens joined by single spaces: equal for conditions that differ only in spacing and comments. */
  readonly whereKey: string;
  readonly limit: number | undefined;
}

const TABLE_FUNCTIONS = new Set(['EXPLODE', 'CUBE_EXPLODE']);
const NOT_ROW_BY_ROW = new Set(['GROUP', 'WINDOW', 'PARTITION', 'HAVING', 'JOIN']);
const POSITION_NAMES = new Set<string>(POSITION_COLUMNS);

const isWord = (t: Token | undefined, word: string) => t !== undefined && t.kind === 'word' && t.word === word && t.depth === 0;

/** The parts of `sql` when it is a resumable push query, else undefined (see the module comment). */
export function resumableSelect(sql: string): ResumableSelect | undefined {
  const tokens = tokenize(sql);
  if (tokens === undefined) return undefined;
  // One statement: a `;` only at the end.
  while (tokens.at(-1)?.word === ';' && tokens.at(-1)?.kind === 'symbol') tokens.pop();
  if (tokens.some((t) => t.kind === 'symbol' && t.word === ';')) return undefined;

  if (!isWord(tokens[0], 'SELECT')) return undefined;
  const fromAt = tokens.findIndex((t) => isWord(t, 'FROM'));
  if (fromAt < 2) return undefined;
  const projection = tokens.slice(1, fromAt);
  for (let i = 0; i < projection.length; i++) {
    const t = projection[i] as Token;
    if (t.kind === 'word' && TABLE_FUNCTIONS.has(t.word) && projection[i + 1]?.word === '(') return undefined;
    if ((t.kind === 'word' || t.kind === 'quoted') && POSITION_NAMES.has(t.word)) return undefined;
    if (t.kind === 'word' && t.depth === 0 && t.word === 'DISTINCT') return undefined;
  }

  // FROM <source> [[AS] <alias>]
  let i = fromAt + 1;
  const sourceToken = tokens[i];
  if (sourceToken === undefined || (sourceToken.kind !== 'word' && sourceToken.kind !== 'quoted')) return undefined;
  i++;
  if (isWord(tokens[i], 'AS')) i++;
  const maybeAlias = tokens[i];
  if (maybeAlias !== undefined && (maybeAlias.kind === 'quoted' || (maybeAlias.kind === 'word' && !['WHERE', 'EMIT'].includes(maybeAlias.word)))) i++;
  const fromEnd = (tokens[i - 1] as Token).end;

  let where: { start: number; end: number } | undefined;
  let whereTokens: Token[] = [];
  if (isWord(tokens[i], 'WHERE')) {
    const emitAt = tokens.findIndex((t, k) => k > i && isWord(t, 'EMIT'));
    if (emitAt <= i + 1) return undefined;
    whereTokens = tokens.slice(i + 1, emitAt);
    if (whereTokens.some((t) => t.kind === 'word' && t.depth === 0 && NOT_ROW_BY_ROW.has(t.word))) return undefined;
    where = { start: (whereTokens[0] as Token).start, end: (whereTokens.at(-1) as Token).end };
    i = emitAt;
  }
  if (!isWord(tokens[i], 'EMIT') || !isWord(tokens[i + 1], 'CHANGES')) return undefined;
  i += 2;
  let limit: number | undefined;
  if (isWord(tokens[i], 'LIMIT')) {
    const n = tokens[i + 1];
    if (n === undefined || n.kind !== 'number' || !/^[0-9]+$/.test(n.word)) return undefined;
    limit = Number(n.word);
    if (!Number.isSafeInteger(limit) || limit < 1) return undefined;
    i += 2;
  }
  if (i !== tokens.length) return undefined;

  return {
    projection: sql.slice((projection[0] as Token).start, (projection.at(-1) as Token).end),
    from: sql.slice(sourceToken.start, fromEnd),
    source: sourceToken.word,
    where: where && sql.slice(where.start, where.end),
    whereKey: whereTokens.map((t) => `${t.kind}:${t.word}`).join(' '),
    limit,
  };
}

/**
 * The statement that runs `select` with `columns` (the position columns, and
 * `ROWTIME` for a resume group) appended to its projection (the gateway hides
 * them again), `condition` (a resume's) added to its filter, and `limit` in
 * place of its own.
 */
export function positionedStatement(
  select: ResumableSelect,
  condition: string | undefined,
  limit: number | undefined,
  columns: readonly string[] = POSITION_COLUMNS,
): string {
  const where = [select.where, condition].filter((c): c is string => c !== undefined);
  const filter = where.length === 0 ? '' : ` WHERE ${where.length === 1 ? where[0] : where.map((c) => `(${c})`).join(' AND ')}`;
  return (
    `SELECT ${select.projection}, ${columns.join(', ')} FROM ${select.from}${filter} EMIT CHANGES` +
    `${limit === undefined ? '' : ` LIMIT ${limit}`};`
  );
}
