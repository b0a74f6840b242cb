/**
 * The text being parsed, with a name used in error excerpts.
 *
 * @module
 */

/** A 1-based line and column. */
export interface SourcePosition {
  readonly line: number;
  readonly column: number;
}

export class Source {
  readonly body: string;
  /** Shown in caret excerpts, e.g. `request.sql:1:9`. */
  readonly name: string;

  constructor(body: string, name = 'SQL') {
    this.body = body;
    this.name = name;
  }

  get [Symbol.toStringTag](): string {
    return 'Source';
  }
}

/** Accepts a `Source` or a plain string. */
export function toSource(source: string | Source): Source {
  return typeof source === 'string' ? new Source(source) : source;
}

/**
 * The 1-based line and column of `offset` in `source`. `\r\n`, `\n` and `\r`
 * all end a line.
 */
export function getLocation(source: Source | string, offset: number): SourcePosition {
  const body = typeof source === 'string' ? source : source.body;
  let line = 1;
  let lineStart = 0;
  const end = Math.min(offset, body.length);
  for (let i = 0; i < end; i++) {
    const c = body.charCodeAt(i);
    if (c === 0x0a) {
      line++;
      lineStart = i + 1;
    } else if (c === 0x0d) {
      if (body.charCodeAt(i + 1) === 0x0a) i++;
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}
