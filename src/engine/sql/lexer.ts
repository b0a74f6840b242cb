/**
 * The ksqlDB SQL lexer: turns a {@link Source} into {@link Token}s on demand,
 * following the lexer rules of ksqlDB's `SqlBase.g4` (longest match, ties go
 * to the rule defined first). Whitespace, `--` line comments (including
 * `--@` directives) and `/* *\/` block comments are skipped.
 *
 * @module
 */
import { type Source } from './source.js';
import { syntaxError } from './syntax-error.js';
import { TokenKind } from './token-kind.js';

export interface Token {
  readonly kind: TokenKind;
  /** Offset of the first character. */
  readonly start: number;
  /** Offset just past the last character. */
  readonly end: number;
  /** 1-based. */
  readonly line: number;
  /** 1-based. */
  readonly column: number;
  /**
   * IDENTIFIER / DIGIT_IDENTIFIER: the upper-cased text. QUOTED_IDENTIFIER and
   * STRING: the unescaped content. VARIABLE: the name. Numbers: the exact text.
   * Punctuators: the text. EOF: `''`.
   */
  readonly value: string;
}

const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;
const isLetter = (c: number): boolean => (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
const isIdentStart = (c: number): boolean => isLetter(c) || c === 0x5f; // _
const isIdentPart = (c: number): boolean => isIdentStart(c) || isDigit(c) || c === 0x40; // @

export class Lexer {
  readonly source: Source;
  #pos = 0;
  #line = 1;
  #lineStart = 0;

  constructor(source: Source) {
    this.source = source;
  }

  /** Lexes and returns the next token; returns EOF tokens forever at the end. */
  next(): Token {
    this.#skipIgnored();
    const body = this.source.body;
    const start = this.#pos;
    if (start >= body.length) return this.#token(TokenKind.EOF, start, start, '');
    const c = body.charCodeAt(start);

    if (isIdentStart(c)) {
      let end = start + 1;
      while (end < body.length && isIdentPart(body.charCodeAt(end))) end++;
      return this.#token(TokenKind.IDENTIFIER, start, end, body.slice(start, end).toUpperCase());
    }
    if (isDigit(c) || (c === 0x2e && isDigit(body.charCodeAt(start + 1)))) return this.#readNumber(start);

    switch (c) {
      case 0x27: // '
        return this.#readQuoted(start, "'", TokenKind.STRING, 'string literal');
      case 0x60: // `
        return this.#readQuoted(start, '`', TokenKind.QUOTED_IDENTIFIER, 'quoted identifier');
      case 0x22: // "
        return this.#readQuoted(start, '"', TokenKind.QUOTED_IDENTIFIER, 'quoted identifier');
      case 0x24: {
        // ${name}
        if (body.charCodeAt(start + 1) === 0x7b && isIdentStart(body.charCodeAt(start + 2))) {
          let end = start + 3;
          while (end < body.length && isIdentPart(body.charCodeAt(end))) end++;
          if (body.charCodeAt(end) === 0x7d) {
            return this.#token(TokenKind.VARIABLE, start, end + 1, body.slice(start + 2, end));
          }
        }
        break;
      }
      case 0x28:
        return this.#punct(TokenKind.PAREN_L, start, 1);
      case 0x29:
        return this.#punct(TokenKind.PAREN_R, start, 1);
      case 0x5b:
        return this.#punct(TokenKind.BRACKET_L, start, 1);
      case 0x5d:
        return this.#punct(TokenKind.BRACKET_R, start, 1);
      case 0x2c:
        return this.#punct(TokenKind.COMMA, start, 1);
      case 0x2e:
        return this.#punct(TokenKind.DOT, start, 1);
      case 0x3b:
        return this.#punct(TokenKind.SEMICOLON, start, 1);
      case 0x2a:
        return this.#punct(TokenKind.ASTERISK, start, 1);
      case 0x2b:
        return this.#punct(TokenKind.PLUS, start, 1);
      case 0x2d: // - (comments were skipped already)
        return body.charCodeAt(start + 1) === 0x3e
          ? this.#punct(TokenKind.ARROW, start, 2)
          : this.#punct(TokenKind.MINUS, start, 1);
      case 0x2f:
        return this.#punct(TokenKind.SLASH, start, 1);
      case 0x25:
        return this.#punct(TokenKind.PERCENT, start, 1);
      case 0x7c:
        if (body.charCodeAt(start + 1) === 0x7c) return this.#punct(TokenKind.CONCAT, start, 2);
        break;
      case 0x3d: // = =>
        return body.charCodeAt(start + 1) === 0x3e
          ? this.#punct(TokenKind.LAMBDA, start, 2)
          : this.#punct(TokenKind.EQ, start, 1);
      case 0x3c: {
        const n = body.charCodeAt(start + 1);
        if (n === 0x3d) return this.#punct(TokenKind.LTE, start, 2);
        if (n === 0x3e) return this.#token(TokenKind.NEQ, start, start + 2, '<>');
        return this.#punct(TokenKind.LT, start, 1);
      }
      case 0x3e:
        return body.charCodeAt(start + 1) === 0x3d
          ? this.#punct(TokenKind.GTE, start, 2)
          : this.#punct(TokenKind.GT, start, 1);
      case 0x21: // !=
        if (body.charCodeAt(start + 1) === 0x3d) return this.#token(TokenKind.NEQ, start, start + 2, '!=');
        break;
      case 0x3a: // :=
        if (body.charCodeAt(start + 1) === 0x3d) return this.#punct(TokenKind.ASSIGN, start, 2);
        break;
      default:
        break;
    }
    throw syntaxError(this.source, start, `Unexpected character ${describeChar(body, start)}`);
  }

  #token(kind: TokenKind, start: number, end: number, value: string): Token {
    this.#pos = end;
    return { kind, start, end, line: this.#line, column: start - this.#lineStart + 1, value };
  }

  #punct(kind: TokenKind, start: number, length: number): Token {
    return this.#token(kind, start, start + length, kind);
  }

  #newline(at: number): void {
    this.#line++;
    this.#lineStart = at;
  }

  #skipIgnored(): void {
    const body = this.source.body;
    let pos = this.#pos;
    while (pos < body.length) {
      const c = body.charCodeAt(pos);
      if (c === 0x20 || c === 0x09) {
        pos++;
      } else if (c === 0x0a) {
        pos++;
        this.#newline(pos);
      } else if (c === 0x0d) {
        pos += body.charCodeAt(pos + 1) === 0x0a ? 2 : 1;
        this.#newline(pos);
      } else if (c === 0x2d && body.charCodeAt(pos + 1) === 0x2d) {
        // -- line comment (and --@ directive): to the end of the line
        pos += 2;
        while (pos < body.length && body.charCodeAt(pos) !== 0x0a && body.charCodeAt(pos) !== 0x0d) pos++;
      } else if (c === 0x2f && body.charCodeAt(pos + 1) === 0x2a) {
        const close = body.indexOf('*/', pos + 2);
        if (close === -1) throw syntaxError(this.source, pos, 'Unterminated comment');
        for (let i = pos + 2; i < close; i++) {
          const ch = body.charCodeAt(i);
          if (ch === 0x0a) this.#newline(i + 1);
          else if (ch === 0x0d) {
            if (body.charCodeAt(i + 1) === 0x0a) i++;
            this.#newline(i + 1);
          }
        }
        pos = close + 2;
      } else {
        break;
      }
    }
    this.#pos = pos;
  }

  /**
   * INTEGER_VALUE `DIGIT+`, DECIMAL_VALUE `DIGIT+ '.' DIGIT* | '.' DIGIT+`,
   * FLOATING_POINT_VALUE `... EXPONENT`, and DIGIT_IDENTIFIER
   * `DIGIT (LETTER | DIGIT | '_' | '@')+` when that match is longer.
   */
  #readNumber(start: number): Token {
    const body = this.source.body;
    let end = start;
    let kind: TokenKind = TokenKind.INTEGER;
    while (isDigit(body.charCodeAt(end))) end++;
    if (body.charCodeAt(end) === 0x2e) {
      kind = TokenKind.DECIMAL;
      end++;
      while (isDigit(body.charCodeAt(end))) end++;
    }
    const e = body.charCodeAt(end);
    if (e === 0x45 || e === 0x65) {
      let exp = end + 1;
      const sign = body.charCodeAt(exp);
      if (sign === 0x2b || sign === 0x2d) exp++;
      if (isDigit(body.charCodeAt(exp))) {
        while (isDigit(body.charCodeAt(exp))) exp++;
        kind = TokenKind.FLOAT;
        end = exp;
      }
    }
    if (isDigit(body.charCodeAt(start))) {
      let identEnd = start + 1;
      while (identEnd < body.length && isIdentPart(body.charCodeAt(identEnd))) identEnd++;
      if (identEnd > end) {
        return this.#token(TokenKind.DIGIT_IDENTIFIER, start, identEnd, body.slice(start, identEnd).toUpperCase());
      }
    }
    return this.#token(kind, start, end, body.slice(start, end));
  }

  /** `'...'` / `` `...` `` / `"..."`, where a doubled quote escapes the quote. */
  #readQuoted(start: number, quote: string, kind: TokenKind, what: string): Token {
    const body = this.source.body;
    let pos = start + 1;
    let value = '';
    let chunkStart = pos;
    const line = this.#line;
    const column = start - this.#lineStart + 1;
    for (;;) {
      const close = body.indexOf(quote, pos);
      if (close === -1) throw syntaxError(this.source, start, `Unterminated ${what}`);
      // Keep line tracking right for quoted text spanning lines.
      for (let i = pos; i < close; i++) {
        const ch = body.charCodeAt(i);
        if (ch === 0x0a) this.#newline(i + 1);
        else if (ch === 0x0d) {
          if (body.charCodeAt(i + 1) === 0x0a) i++;
          this.#newline(i + 1);
        }
      }
      if (body[close + 1] === quote) {
        value += body.slice(chunkStart, close + 1);
        pos = close + 2;
        chunkStart = pos;
        continue;
      }
      value += body.slice(chunkStart, close);
      this.#pos = close + 1;
      return { kind, start, end: close + 1, line, column, value };
    }
  }
}

function describeChar(body: string, offset: number): string {
  const code = body.codePointAt(offset) ?? 0;
  if (code < 0x20 || code === 0x7f) return `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
  return `'${String.fromCodePoint(code)}'`;
}

/** Lexes the whole source (used by tests and tools). */
export function tokenize(source: Source): Token[] {
  const lexer = new Lexer(source);
  const tokens: Token[] = [];
  for (;;) {
    const token = lexer.next();
    tokens.push(token);
    if (token.kind === TokenKind.EOF) return tokens;
  }
}
