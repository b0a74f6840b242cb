/**
 * Hand-written recursive-descent parser for ksqlDB SQL,
 * following the productions of ksqlDB's `SqlBase.g4`. Each method's doc
 * comment gives the production it parses.
 *
 * Tokens are lexed on demand into a buffer, so the parser can look ahead a few
 * tokens and, in the two places where the grammar is ambiguous for LL(k)
 * (`GROUP BY (a, b)` and `PARTITION BY (...)`), backtrack.
 *
 * @example
 * ```ts
 * const [stmt] = parse("SELECT * FROM orders EMIT CHANGES;");
 * stmt.kind; // 'QueryStatement'
 * stmt.text; // "SELECT * FROM orders EMIT CHANGES;"
 * ```
 *
 * @module
 */
import type * as ast from './ast.js';
import { isKeyword, isReservedKeyword } from './keywords.js';
import { Lexer, type Token } from './lexer.js';
import type { Source} from './source.js';
import { toSource } from './source.js';
import { SqlSyntaxError, syntaxError } from './syntax-error.js';
import { TokenKind } from './token-kind.js';

export interface ParseOptions {
  /**
   * Upper bound on the number of tokens in the input, to bound the work done
   * on hostile input. Exceeding it throws a `SqlSyntaxError`.
   * @default undefined (no limit)
   */
  readonly maxTokens?: number | undefined;
  /**
   * Omit `loc` from every node (smaller trees, e.g. for snapshots).
   * @default false
   */
  readonly noLocation?: boolean | undefined;
}

/**
 * Parses a request holding zero or more statements, each terminated by `;`.
 * Each statement carries its exact source `text` (up to and including `;`).
 */
export function parse(source: string | Source, options?: ParseOptions): ast.Statement[] {
  return new Parser(source, options).parseStatements();
}

/** Parses exactly one statement; the trailing `;` is optional. */
export function parseStatement(source: string | Source, options?: ParseOptions): ast.Statement {
  return new Parser(source, options).parseSingleStatement();
}

/** Parses a standalone expression (`singleExpression`). */
export function parseExpression(source: string | Source, options?: ParseOptions): ast.Expression {
  return new Parser(source, options).parseSingleExpression();
}

/** Parses a standalone type, e.g. `STRUCT<A INT, B ARRAY<STRING>>`. */
export function parseType(source: string | Source, options?: ParseOptions): ast.SqlType {
  return new Parser(source, options).parseSingleType();
}

type Fields<T> = Omit<T, 'kind' | 'loc'>;
type StatementFields<T> = Omit<T, 'kind' | 'loc' | 'text'>;

const TIME_UNITS: Readonly<Record<string, ast.TimeUnit>> = {
  MILLISECOND: 'MILLISECONDS',
  MILLISECONDS: 'MILLISECONDS',
  SECOND: 'SECONDS',
  SECONDS: 'SECONDS',
  MINUTE: 'MINUTES',
  MINUTES: 'MINUTES',
  HOUR: 'HOURS',
  HOURS: 'HOURS',
  DAY: 'DAYS',
  DAYS: 'DAYS',
};

/** Units accepted as a bare function argument (the reserved ones only, see `IntervalUnit`). */
const ARGUMENT_UNITS: ReadonlySet<string> = new Set([
  'MILLISECOND',
  'MILLISECONDS',
  'SECONDS',
  'MINUTES',
  'HOURS',
  'DAYS',
]);

const PRIMITIVE_TYPES: Readonly<Record<string, ast.PrimitiveTypeName>> = {
  BOOLEAN: 'BOOLEAN',
  INT: 'INTEGER',
  INTEGER: 'INTEGER',
  BIGINT: 'BIGINT',
  DOUBLE: 'DOUBLE',
  STRING: 'STRING',
  VARCHAR: 'STRING',
  BYTES: 'BYTES',
  DATE: 'DATE',
  TIME: 'TIME',
  TIMESTAMP: 'TIMESTAMP',
};

const COMPARISON_OPERATORS: Readonly<Partial<Record<TokenKind, ast.ComparisonOperator>>> = {
  [TokenKind.EQ]: '=',
  [TokenKind.NEQ]: '<>',
  [TokenKind.LT]: '<',
  [TokenKind.LTE]: '<=',
  [TokenKind.GT]: '>',
  [TokenKind.GTE]: '>=',
};

/** Maximum nesting of expressions and types. */
const MAX_NESTING = 256;

const INT_MIN = -(2n ** 31n);
const INT_MAX = 2n ** 31n - 1n;
const LONG_MIN = -(2n ** 63n);
const LONG_MAX = 2n ** 63n - 1n;

const SHOW_SUBJECTS: Readonly<Record<string, ast.ShowSubject>> = {
  STREAMS: 'STREAMS',
  TABLES: 'TABLES',
  QUERIES: 'QUERIES',
  TOPICS: 'TOPICS',
  PROPERTIES: 'PROPERTIES',
  FUNCTIONS: 'FUNCTIONS',
  TYPES: 'TYPES',
  VARIABLES: 'VARIABLES',
};
const EXTENDABLE_SUBJECTS: ReadonlySet<ast.ShowSubject> = new Set(['STREAMS', 'TABLES', 'QUERIES', 'TOPICS']);

export class Parser {
  readonly #source: Source;
  readonly #lexer: Lexer;
  readonly #maxTokens: number | undefined;
  readonly #noLocation: boolean;
  readonly #tokens: Token[] = [];
  #pos = 0;
  #depth = 0;
  /** End offset of the last consumed token. */
  #lastEnd = 0;

  constructor(source: string | Source, options: ParseOptions = {}) {
    const { maxTokens, noLocation = false } = options;
    this.#source = toSource(source);
    this.#lexer = new Lexer(this.#source);
    this.#maxTokens = maxTokens;
    this.#noLocation = noLocation;
  }

  // -------------------------------------------------------------------------
  // Entry points
  // -------------------------------------------------------------------------

  /** statements : (statement ';')* EOF */
  parseStatements(): ast.Statement[] {
    const statements: ast.Statement[] = [];
    while (!this.#at(TokenKind.EOF)) {
      const start = this.#peek();
      const statement = this.#parseStatement();
      this.#expect(TokenKind.SEMICOLON, "';'");
      statements.push(this.#withText(statement, start));
    }
    return statements;
  }

  /** statement ';'? EOF */
  parseSingleStatement(): ast.Statement {
    const start = this.#peek();
    let statement = this.#parseStatement();
    if (this.#eat(TokenKind.SEMICOLON)) statement = this.#withText(statement, start);
    this.#expect(TokenKind.EOF, '<EOF>');
    return statement;
  }

  /** expression EOF */
  parseSingleExpression(): ast.Expression {
    const expression = this.#parseExpression();
    this.#expect(TokenKind.EOF, '<EOF>');
    return expression;
  }

  /** type EOF */
  parseSingleType(): ast.SqlType {
    const type = this.#parseType();
    this.#expect(TokenKind.EOF, '<EOF>');
    return type;
  }

  // -------------------------------------------------------------------------
  // Token helpers
  // -------------------------------------------------------------------------

  #peek(k = 0): Token {
    const index = this.#pos + k;
    while (this.#tokens.length <= index) {
      const last = this.#tokens[this.#tokens.length - 1];
      if (last !== undefined && last.kind === TokenKind.EOF) return last;
      const token = this.#lexer.next();
      if (
        this.#maxTokens !== undefined &&
        token.kind !== TokenKind.EOF &&
        this.#tokens.length >= this.#maxTokens
      ) {
        throw syntaxError(
          this.#source,
          token.start,
          `SQL text contains more than ${this.#maxTokens} tokens. Parsing aborted.`,
        );
      }
      this.#tokens.push(token);
    }
    return this.#tokens[index] as Token;
  }

  #advance(): Token {
    const token = this.#peek();
    if (token.kind !== TokenKind.EOF) this.#pos++;
    this.#lastEnd = token.end;
    return token;
  }

  #at(kind: TokenKind, k = 0): boolean {
    return this.#peek(k).kind === kind;
  }

  #eat(kind: TokenKind): boolean {
    if (!this.#at(kind)) return false;
    this.#advance();
    return true;
  }

  #expect(kind: TokenKind, description: string): Token {
    if (!this.#at(kind)) throw this.#unexpected(description);
    return this.#advance();
  }

  /** Is the k-th token the (unquoted) keyword `word`? */
  #atKeyword(word: string, k = 0): boolean {
    const token = this.#peek(k);
    return token.kind === TokenKind.IDENTIFIER && token.value === word;
  }

  #atAnyKeyword(words: readonly string[], k = 0): boolean {
    const token = this.#peek(k);
    return token.kind === TokenKind.IDENTIFIER && words.includes(token.value);
  }

  #eatKeyword(word: string): boolean {
    if (!this.#atKeyword(word)) return false;
    this.#advance();
    return true;
  }

  #expectKeyword(word: string): Token {
    if (!this.#atKeyword(word)) throw this.#unexpected(`'${word}'`);
    return this.#advance();
  }

  /** Can the k-th token be read as an `identifier`? */
  #atIdentifier(k = 0): boolean {
    const token = this.#peek(k);
    switch (token.kind) {
      case TokenKind.IDENTIFIER:
        return !isReservedKeyword(token.value);
      case TokenKind.QUOTED_IDENTIFIER:
      case TokenKind.DIGIT_IDENTIFIER:
        return true;
      default:
        return false;
    }
  }

  /** "Expected X, found Y" at the current token. */
  #unexpected(expected: string, token: Token = this.#peek()): SqlSyntaxError {
    let found = this.#describe(token);
    if (token.kind === TokenKind.IDENTIFIER && isReservedKeyword(token.value) && expected.includes('identifier')) {
      found = `reserved keyword '${this.#text(token)}' (to use it as an identifier, quote it: \`${token.value}\`)`;
    } else if (token.kind === TokenKind.VARIABLE) {
      found = `variable '${this.#text(token)}' (variables are substituted before parsing)`;
    }
    return syntaxError(this.#source, token.start, `Expected ${expected}, found ${found}`);
  }

  #describe(token: Token): string {
    if (token.kind === TokenKind.EOF) return '<EOF>';
    return `'${this.#text(token)}'`;
  }

  #text(token: Token): string {
    return this.#source.body.slice(token.start, token.end);
  }

  #loc(start: Token): ast.Location {
    return {
      start: start.start,
      end: Math.max(this.#lastEnd, start.start),
      line: start.line,
      column: start.column,
    };
  }

  /** Builds a node whose location runs from `start` to the last consumed token. */
  #node<T extends ast.AstNode>(start: Token, kind: T['kind'], fields: Fields<T>): T {
    const node: Record<string, unknown> = { kind };
    const source = fields as Record<string, unknown>;
    // Absent optional fields are left out rather than set to `undefined`.
    for (const key in source) {
      const value = source[key];
      if (value !== undefined) node[key] = value;
    }
    if (!this.#noLocation) node['loc'] = this.#loc(start);
    return node as unknown as T;
  }

  /** Builds a statement node; its `text` runs from `start` to the last consumed token. */
  #statement<T extends ast.Statement>(start: Token, kind: T['kind'], fields: StatementFields<T>): T {
    const text = this.#source.body.slice(start.start, this.#lastEnd);
    return this.#node<T>(start, kind, { ...fields, text } as unknown as Fields<T>);
  }

  /** Re-slices a statement's text and location to include the `;` just consumed. */
  #withText(statement: ast.Statement, start: Token): ast.Statement {
    const text = this.#source.body.slice(start.start, this.#lastEnd);
    return this.#noLocation ? { ...statement, text } : { ...statement, text, loc: this.#loc(start) };
  }

  /** item (',' item)* */
  #commaSeparated<T>(parseItem: () => T): T[] {
    const items = [parseItem()];
    while (this.#eat(TokenKind.COMMA)) items.push(parseItem());
    return items;
  }

  /** '(' item (',' item)* ')' ; with `allowEmpty`, '(' ')' too. */
  #parenthesized<T>(parseItem: () => T, allowEmpty = false): T[] {
    this.#expect(TokenKind.PAREN_L, "'('");
    if (allowEmpty && this.#eat(TokenKind.PAREN_R)) return [];
    const items = this.#commaSeparated(parseItem);
    this.#expect(TokenKind.PAREN_R, "',' or ')'");
    return items;
  }

  // -------------------------------------------------------------------------
  // Statements
  // -------------------------------------------------------------------------

  /**
   * statement
   *   : query | (SHOW|LIST) ... | DESCRIBE ... | PRINT ... | TERMINATE ... | PAUSE ... | RESUME ...
   *   | SET ... | UNSET ... | ALTER ... | DEFINE ... | UNDEFINE ... | CREATE ... | INSERT ...
   *   | DROP ... | EXPLAIN ... | ASSERT ...
   */
  #parseStatement(): ast.Statement {
    const start = this.#peek();
    if (start.kind === TokenKind.IDENTIFIER) {
      switch (start.value) {
        case 'SELECT':
          return this.#statement<ast.QueryStatement>(start, 'QueryStatement', { query: this.#parseQuery() });
        case 'SHOW':
        case 'LIST':
          return this.#parseShow();
        case 'DESCRIBE':
          return this.#parseDescribe();
        case 'PRINT':
          return this.#parsePrint();
        case 'TERMINATE':
          return this.#parseQueryControl<ast.Terminate>('Terminate');
        case 'PAUSE':
          return this.#parseQueryControl<ast.Pause>('Pause');
        case 'RESUME':
          return this.#parseQueryControl<ast.Resume>('Resume');
        case 'SET':
          return this.#parseSet();
        case 'UNSET':
          return this.#parseUnset();
        case 'ALTER':
          return this.#parseAlter();
        case 'DEFINE':
          return this.#parseDefine();
        case 'UNDEFINE':
          return this.#parseUndefine();
        case 'CREATE':
          return this.#parseCreate();
        case 'INSERT':
          return this.#parseInsert();
        case 'DROP':
          return this.#parseDrop();
        case 'EXPLAIN':
          return this.#parseExplain();
        case 'ASSERT':
          return this.#parseAssert();
        default:
          break;
      }
    }
    throw this.#unexpected('statement');
  }

  /**
   * (SHOW | LIST) ( PROPERTIES | ALL? TOPICS EXTENDED? | STREAMS EXTENDED? | TABLES EXTENDED?
   *   | FUNCTIONS | TYPES | VARIABLES | QUERIES EXTENDED? | COLUMNS FROM sourceName )
   */
  #parseShow(): ast.Show | ast.Describe {
    const start = this.#advance();
    if (this.#atKeyword('COLUMNS') && this.#atKeyword('FROM', 1)) {
      this.#advance();
      this.#advance();
      const name = this.#parseIdentifier();
      const extended = this.#eatKeyword('EXTENDED');
      return this.#statement<ast.Describe>(start, 'Describe', { name, extended });
    }
    const all = this.#eatKeyword('ALL');
    const token = this.#peek();
    const subject = token.kind === TokenKind.IDENTIFIER ? SHOW_SUBJECTS[token.value] : undefined;
    if (subject === undefined || (all && subject !== 'TOPICS')) {
      throw this.#unexpected(
        all
          ? "'TOPICS'"
          : "'STREAMS', 'TABLES', 'QUERIES', 'TOPICS', 'PROPERTIES', 'FUNCTIONS', 'TYPES', 'VARIABLES' or 'COLUMNS'",
      );
    }
    this.#advance();
    const extended = EXTENDABLE_SUBJECTS.has(subject) && this.#eatKeyword('EXTENDED');
    return this.#statement<ast.Show>(start, 'Show', { subject, extended, all });
  }

  /**
   * DESCRIBE (STREAMS | TABLES) EXTENDED?
   * | DESCRIBE FUNCTION identifier
   * | DESCRIBE sourceName EXTENDED?
   */
  #parseDescribe(): ast.Describe | ast.DescribeSources | ast.DescribeFunction {
    const start = this.#advance();
    const endsHere = (k: number): boolean =>
      this.#atKeyword('EXTENDED', k) || this.#at(TokenKind.SEMICOLON, k) || this.#at(TokenKind.EOF, k);
    if (this.#atKeyword('STREAMS') || (this.#atKeyword('TABLES') && endsHere(1))) {
      const sourceType: ast.SourceType = this.#advance().value === 'STREAMS' ? 'STREAM' : 'TABLE';
      const extended = this.#eatKeyword('EXTENDED');
      return this.#statement<ast.DescribeSources>(start, 'DescribeSources', { sourceType, extended });
    }
    if (this.#atKeyword('FUNCTION') && this.#atIdentifier(1)) {
      this.#advance();
      const name = this.#parseIdentifier();
      return this.#statement<ast.DescribeFunction>(start, 'DescribeFunction', { name });
    }
    const name = this.#parseIdentifier('source name');
    const extended = this.#eatKeyword('EXTENDED');
    return this.#statement<ast.Describe>(start, 'Describe', { name, extended });
  }

  /** PRINT resourceName (FROM BEGINNING)? ((INTERVAL | SAMPLE) number)? (LIMIT number)? */
  #parsePrint(): ast.PrintTopic {
    const start = this.#advance();
    const topic = this.#parseResourceName('topic name');
    let fromBeginning = false;
    if (this.#eatKeyword('FROM')) {
      this.#expectKeyword('BEGINNING');
      fromBeginning = true;
    }
    let interval: number | undefined;
    if (this.#atKeyword('INTERVAL') || this.#atKeyword('SAMPLE')) {
      this.#advance();
      interval = this.#parseSafeInteger();
    }
    let limit: number | undefined;
    if (this.#eatKeyword('LIMIT')) limit = this.#parseSafeInteger();
    return this.#statement<ast.PrintTopic>(start, 'PrintTopic', { topic, fromBeginning, interval, limit });
  }

  /** (TERMINATE | PAUSE | RESUME) (identifier | ALL) */
  #parseQueryControl<T extends ast.Terminate | ast.Pause | ast.Resume>(kind: T['kind']): T {
    const start = this.#advance();
    if (this.#eatKeyword('ALL')) {
      return this.#statement<ast.Terminate | ast.Pause | ast.Resume>(start, kind, { all: true }) as T;
    }
    if (!this.#atIdentifier()) throw this.#unexpected("query id or 'ALL'");
    const queryId = this.#parseIdentifier();
    return this.#statement<ast.Terminate | ast.Pause | ast.Resume>(start, kind, { all: false, queryId }) as T;
  }

  /** SET STRING EQ STRING */
  #parseSet(): ast.SetProperty {
    const start = this.#advance();
    const name = this.#parseStringValue('property name');
    this.#expect(TokenKind.EQ, "'='");
    const value = this.#parseStringValue('property value');
    return this.#statement<ast.SetProperty>(start, 'SetProperty', { name, value });
  }

  /** UNSET STRING */
  #parseUnset(): ast.UnsetProperty {
    const start = this.#advance();
    const name = this.#parseStringValue('property name');
    return this.#statement<ast.UnsetProperty>(start, 'UnsetProperty', { name });
  }

  /**
   * ALTER SYSTEM STRING EQ STRING
   * | ALTER (STREAM | TABLE) sourceName alterOption (',' alterOption)*
   */
  #parseAlter(): ast.AlterSystemProperty | ast.AlterSource {
    const start = this.#advance();
    if (this.#eatKeyword('SYSTEM')) {
      const name = this.#parseStringValue('property name');
      this.#expect(TokenKind.EQ, "'='");
      const value = this.#parseStringValue('property value');
      return this.#statement<ast.AlterSystemProperty>(start, 'AlterSystemProperty', { name, value });
    }
    const sourceType = this.#parseSourceType("'STREAM', 'TABLE' or 'SYSTEM'");
    const name = this.#parseIdentifier('source name');
    const columns = this.#commaSeparated(() => this.#parseAlterColumn());
    return this.#statement<ast.AlterSource>(start, 'AlterSource', { sourceType, name, columns });
  }

  /** alterOption : ADD COLUMN? identifier type */
  #parseAlterColumn(): ast.AlterColumn {
    const start = this.#expectKeyword('ADD');
    // `ADD COLUMN x INT` vs a column named COLUMN: `ADD COLUMN INT`.
    if (this.#atKeyword('COLUMN') && this.#atIdentifier(1) && !this.#atAny([TokenKind.COMMA, TokenKind.SEMICOLON, TokenKind.EOF, TokenKind.LT], 2)) {
      this.#advance();
    }
    const name = this.#parseIdentifier('column name');
    const type = this.#parseType();
    return this.#node<ast.AlterColumn>(start, 'AlterColumn', { name, type });
  }

  #atAny(kinds: readonly TokenKind[], k = 0): boolean {
    return kinds.includes(this.#peek(k).kind);
  }

  /** DEFINE variableName EQ STRING */
  #parseDefine(): ast.DefineVariable {
    const start = this.#advance();
    const name = this.#parseVariableName();
    this.#expect(TokenKind.EQ, "'='");
    const value = this.#parseStringValue('variable value');
    return this.#statement<ast.DefineVariable>(start, 'DefineVariable', { name, value });
  }

  /** UNDEFINE variableName */
  #parseUndefine(): ast.UndefineVariable {
    const start = this.#advance();
    const name = this.#parseVariableName();
    return this.#statement<ast.UndefineVariable>(start, 'UndefineVariable', { name });
  }

  /** variableName : IDENTIFIER (a plain word that is not a keyword; case kept) */
  #parseVariableName(): string {
    const token = this.#peek();
    if (token.kind !== TokenKind.IDENTIFIER || isKeyword(token.value)) {
      throw this.#unexpected('variable name (a non-keyword identifier)');
    }
    this.#advance();
    return this.#text(token);
  }

  /**
   * CREATE TYPE (IF NOT EXISTS)? identifier AS type
   * | CREATE (OR REPLACE)? SOURCE? (STREAM | TABLE) (IF NOT EXISTS)? sourceName
   *     tableElements? (WITH tableProperties)?
   * | CREATE (OR REPLACE)? (STREAM | TABLE) (IF NOT EXISTS)? sourceName
   *     (WITH tableProperties)? AS query
   */
  #parseCreate(): ast.CreateType | ast.CreateSource | ast.CreateSourceAs {
    const start = this.#advance();
    if (this.#eatKeyword('TYPE')) {
      const ifNotExists = this.#parseIfNotExists();
      const name = this.#parseIdentifier('type name');
      this.#expectKeyword('AS');
      const type = this.#parseType();
      return this.#statement<ast.CreateType>(start, 'CreateType', { ifNotExists, name, type });
    }
    let orReplace = false;
    if (this.#eatKeyword('OR')) {
      this.#expectKeyword('REPLACE');
      orReplace = true;
    }
    const isSource = this.#atKeyword('SOURCE') && this.#atAnyKeyword(['STREAM', 'TABLE'], 1) && this.#eatKeyword('SOURCE');
    const sourceType = this.#parseSourceType(orReplace || isSource ? "'STREAM' or 'TABLE'" : "'STREAM', 'TABLE' or 'TYPE'");
    const ifNotExists = this.#parseIfNotExists();
    const name = this.#parseIdentifier('source name');
    const elements = this.#at(TokenKind.PAREN_L) ? this.#parenthesized(() => this.#parseTableElement()) : [];
    const properties = this.#parseWithProperties();
    if (!isSource && elements.length === 0 && this.#atKeyword('AS')) {
      this.#advance();
      const query = this.#parseQuery();
      return this.#statement<ast.CreateSourceAs>(start, 'CreateSourceAs', {
        sourceType,
        orReplace,
        ifNotExists,
        name,
        properties,
        query,
      });
    }
    return this.#statement<ast.CreateSource>(start, 'CreateSource', {
      sourceType,
      orReplace,
      isSource,
      ifNotExists,
      name,
      elements,
      properties,
    });
  }

  /** (IF NOT EXISTS)? */
  #parseIfNotExists(): boolean {
    if (this.#atKeyword('IF') && this.#atKeyword('NOT', 1)) {
      this.#advance();
      this.#advance();
      this.#expectKeyword('EXISTS');
      return true;
    }
    return false;
  }

  /** (IF EXISTS)? */
  #parseIfExists(): boolean {
    if (this.#atKeyword('IF') && this.#atKeyword('EXISTS', 1)) {
      this.#advance();
      this.#advance();
      return true;
    }
    return false;
  }

  #parseSourceType(expected: string): ast.SourceType {
    if (this.#eatKeyword('STREAM')) return 'STREAM';
    if (this.#eatKeyword('TABLE')) return 'TABLE';
    throw this.#unexpected(expected);
  }

  /** tableElement : identifier type ((PRIMARY)? KEY | HEADERS | HEADER '(' STRING ')')? */
  #parseTableElement(): ast.TableElement {
    const start = this.#peek();
    const name = this.#parseIdentifier('column name');
    const type = this.#parseType();
    let constraint: ast.ColumnConstraint | undefined;
    let headerKey: string | undefined;
    if (this.#atKeyword('PRIMARY')) {
      this.#advance();
      this.#expectKeyword('KEY');
      constraint = 'PRIMARY KEY';
    } else if (this.#eatKeyword('KEY')) {
      constraint = 'KEY';
    } else if (this.#eatKeyword('HEADERS')) {
      constraint = 'HEADERS';
    } else if (this.#eatKeyword('HEADER')) {
      this.#expect(TokenKind.PAREN_L, "'('");
      headerKey = this.#parseStringValue('header key');
      this.#expect(TokenKind.PAREN_R, "')'");
      constraint = 'HEADER';
    }
    return this.#node<ast.TableElement>(start, 'TableElement', {
      name,
      type,
      ...(constraint === undefined ? {} : { constraint }),
      ...(headerKey === undefined ? {} : { headerKey }),
    });
  }

  /** (WITH '(' tableProperty (',' tableProperty)* ')')? */
  #parseWithProperties(): ast.Property[] {
    if (!this.#eatKeyword('WITH')) return [];
    return this.#parenthesized(() => this.#parseProperty());
  }

  /** tableProperty : (identifier | STRING) EQ literal */
  #parseProperty(): ast.Property {
    const start = this.#peek();
    let name: string;
    if (start.kind === TokenKind.STRING) {
      name = this.#advance().value;
    } else if (this.#atIdentifier()) {
      name = this.#parseIdentifier().value;
    } else {
      throw this.#unexpected('property name');
    }
    this.#expect(TokenKind.EQ, "'='");
    const value = this.#parseLiteral();
    return this.#node<ast.Property>(start, 'Property', { name, value });
  }

  /**
   * INSERT INTO sourceName (WITH tableProperties)? query
   * | INSERT INTO sourceName columns? VALUES values
   */
  #parseInsert(): ast.InsertInto | ast.InsertValues {
    const start = this.#advance();
    this.#expectKeyword('INTO');
    const target = this.#parseIdentifier('source name');
    if (this.#at(TokenKind.PAREN_L) || this.#atKeyword('VALUES')) {
      const columns = this.#at(TokenKind.PAREN_L)
        ? this.#parenthesized(() => this.#parseIdentifier('column name'))
        : undefined;
      this.#expectKeyword('VALUES');
      const values = this.#parenthesized(() => this.#parseValueExpression(), true);
      return this.#statement<ast.InsertValues>(start, 'InsertValues', {
        target,
        ...(columns === undefined ? {} : { columns }),
        values,
      });
    }
    const properties = this.#parseWithProperties();
    if (properties.length === 0 && !this.#atKeyword('SELECT')) throw this.#unexpected("'(', 'VALUES', 'WITH' or 'SELECT'");
    const query = this.#parseQuery();
    return this.#statement<ast.InsertInto>(start, 'InsertInto', { target, properties, query });
  }

  /**
   * DROP (STREAM | TABLE) (IF EXISTS)? sourceName (DELETE TOPIC)?
   * | DROP TYPE (IF EXISTS)? identifier
   */
  #parseDrop(): ast.DropSource | ast.DropType {
    const start = this.#advance();
    if (this.#eatKeyword('TYPE')) {
      const ifExists = this.#parseIfExists();
      const name = this.#parseIdentifier('type name');
      return this.#statement<ast.DropType>(start, 'DropType', { ifExists, name });
    }
    const sourceType = this.#parseSourceType("'STREAM', 'TABLE' or 'TYPE'");
    const ifExists = this.#parseIfExists();
    const name = this.#parseIdentifier('source name');
    let deleteTopic = false;
    if (this.#eatKeyword('DELETE')) {
      this.#expectKeyword('TOPIC');
      deleteTopic = true;
    }
    return this.#statement<ast.DropSource>(start, 'DropSource', { sourceType, ifExists, name, deleteTopic });
  }

  /** EXPLAIN (statement | identifier) */
  #parseExplain(): ast.Explain {
    const start = this.#advance();
    if (this.#atIdentifier() && this.#atAny([TokenKind.SEMICOLON, TokenKind.EOF], 1)) {
      const queryId = this.#parseIdentifier();
      return this.#statement<ast.Explain>(start, 'Explain', { queryId });
    }
    if (!this.#at(TokenKind.IDENTIFIER)) throw this.#unexpected('statement or query id');
    const statement = this.#parseStatement();
    return this.#statement<ast.Explain>(start, 'Explain', { statement });
  }

  /**
   * ASSERT (NOT EXISTS)? TOPIC resourceName (WITH tableProperties)? timeout?
   * | ASSERT (NOT EXISTS)? SCHEMA (SUBJECT resourceName)? (ID literal)? timeout?
   */
  #parseAssert(): ast.AssertTopic | ast.AssertSchema {
    const start = this.#advance();
    let exists = true;
    if (this.#eatKeyword('NOT')) {
      this.#expectKeyword('EXISTS');
      exists = false;
    }
    if (this.#eatKeyword('TOPIC')) {
      const topic = this.#parseResourceName('topic name');
      const properties = this.#parseWithProperties();
      const timeout = this.#parseTimeout();
      return this.#statement<ast.AssertTopic>(start, 'AssertTopic', { exists, topic, properties, timeout });
    }
    if (this.#eatKeyword('SCHEMA')) {
      const subject = this.#eatKeyword('SUBJECT') ? this.#parseResourceName('subject name') : undefined;
      const id = this.#eatKeyword('ID') ? this.#parseLiteral() : undefined;
      const timeout = this.#parseTimeout();
      return this.#statement<ast.AssertSchema>(start, 'AssertSchema', { exists, subject, id, timeout });
    }
    throw this.#unexpected(exists ? "'TOPIC', 'SCHEMA' or 'NOT EXISTS'" : "'TOPIC' or 'SCHEMA'");
  }

  /** timeout : TIMEOUT number windowUnit */
  #parseTimeout(): ast.Duration | undefined {
    return this.#eatKeyword('TIMEOUT') ? this.#parseDuration() : undefined;
  }

  /** resourceName : identifier | STRING (case kept, unlike other identifiers) */
  #parseResourceName(what: string): ast.ResourceName {
    const token = this.#peek();
    if (token.kind === TokenKind.STRING) {
      this.#advance();
      return this.#node<ast.StringLiteral>(token, 'StringLiteral', { value: token.value });
    }
    if (!this.#atIdentifier()) throw this.#unexpected(`${what} (identifier or string)`);
    this.#advance();
    // Topic and subject names are case-sensitive: an unquoted name keeps its case.
    const value = token.kind === TokenKind.QUOTED_IDENTIFIER ? token.value : this.#text(token);
    return this.#node<ast.Identifier>(token, 'Identifier', { value });
  }

  /** A STRING token's value. */
  #parseStringValue(what: string): string {
    const token = this.#peek();
    if (token.kind !== TokenKind.STRING) throw this.#unexpected(`${what} (a string)`);
    this.#advance();
    return token.value;
  }

  // -------------------------------------------------------------------------
  // Queries
  // -------------------------------------------------------------------------

  /**
   * query
   *   : SELECT selectItem (',' selectItem)* FROM relation (WINDOW windowExpression)?
   *     (WHERE booleanExpression)? (GROUP BY groupBy)? (PARTITION BY partitionBy)?
   *     (HAVING booleanExpression)? (EMIT (CHANGES | FINAL))? (LIMIT number)?
   */
  #parseQuery(): ast.Query {
    const start = this.#expectKeyword('SELECT');
    const select = this.#commaSeparated(() => this.#parseSelectItem());
    this.#expectKeyword('FROM');
    const from = this.#parseRelation();
    const window = this.#eatKeyword('WINDOW') ? this.#parseWindow() : undefined;
    const where = this.#eatKeyword('WHERE') ? this.#parseExpression() : undefined;
    let groupBy: ast.Expression[] | undefined;
    if (this.#eatKeyword('GROUP')) {
      this.#expectKeyword('BY');
      groupBy = this.#parseGroupingList();
    }
    let partitionBy: ast.Expression[] | undefined;
    if (this.#atKeyword('PARTITION') && this.#atKeyword('BY', 1)) {
      this.#advance();
      this.#advance();
      partitionBy = this.#parseGroupingList();
    }
    const having = this.#eatKeyword('HAVING') ? this.#parseExpression() : undefined;
    let emit: ast.ResultMaterialization | undefined;
    if (this.#eatKeyword('EMIT')) {
      if (this.#eatKeyword('CHANGES')) emit = 'CHANGES';
      else if (this.#eatKeyword('FINAL')) emit = 'FINAL';
      else throw this.#unexpected("'CHANGES' or 'FINAL'");
    }
    let limit: number | undefined;
    if (this.#eatKeyword('LIMIT')) {
      // A negative or non-integer LIMIT parses; the planner rejects it with ksqlDB's message.
      const negative = this.#eat(TokenKind.MINUS);
      const token = this.#peek();
      if (token.kind === TokenKind.DECIMAL || token.kind === TokenKind.FLOAT) {
        limit = Number(token.value);
        this.#advance();
      } else limit = this.#parseSafeInteger();
      if (negative) limit = -limit;
    }
    return this.#node<ast.Query>(start, 'Query', {
      select,
      from,
      window,
      where,
      groupBy,
      partitionBy,
      having,
      emit,
      limit,
    });
  }

  /**
   * selectItem
   *   : expression (AS? identifier)?
   *   | primaryExpression '->' '*'
   *   | identifier '.' '*'
   *   | '*'
   */
  #parseSelectItem(): ast.SelectItem {
    const start = this.#peek();
    if (this.#eat(TokenKind.ASTERISK)) return this.#node<ast.AllColumns>(start, 'AllColumns', {});
    if (this.#atIdentifier() && this.#at(TokenKind.DOT, 1) && this.#at(TokenKind.ASTERISK, 2)) {
      const source = this.#parseIdentifier();
      this.#advance();
      this.#advance();
      return this.#node<ast.AllColumns>(start, 'AllColumns', { source });
    }
    const expression = this.#parseExpression();
    if (this.#at(TokenKind.ARROW) && this.#at(TokenKind.ASTERISK, 1)) {
      if (!isPrimary(expression)) throw this.#unexpected("',' or 'FROM'");
      this.#advance();
      this.#advance();
      return this.#node<ast.StructAll>(start, 'StructAll', { base: expression });
    }
    let alias: ast.Identifier | undefined;
    if (this.#eatKeyword('AS')) alias = this.#parseIdentifier('alias');
    else if (this.#atIdentifier()) alias = this.#parseIdentifier('alias');
    return this.#node<ast.SingleColumn>(start, 'SingleColumn', { expression, alias });
  }

  /**
   * relation : aliasedRelation joinedSource*
   * joinedSource : joinType JOIN aliasedRelation joinWindow? ON booleanExpression
   * joinType : INNER? | FULL OUTER? | LEFT OUTER? | RIGHT OUTER?
   */
  #parseRelation(): ast.Relation {
    const start = this.#peek();
    const left = this.#parseAliasedRelation();
    const joins: ast.JoinedSource[] = [];
    for (;;) {
      const joinStart = this.#peek();
      let joinType: ast.JoinType;
      if (this.#eatKeyword('JOIN')) joinType = 'INNER';
      else if (this.#atAnyKeyword(['INNER', 'LEFT', 'RIGHT', 'FULL'])) {
        const word = this.#advance().value;
        joinType = word as ast.JoinType;
        if (word !== 'INNER') this.#eatKeyword('OUTER');
        this.#expectKeyword('JOIN');
      } else break;
      const source = this.#parseAliasedRelation();
      const within = this.#atKeyword('WITHIN') ? this.#parseWithin() : undefined;
      this.#expectKeyword('ON');
      const on = this.#parseExpression();
      joins.push(this.#node<ast.JoinedSource>(joinStart, 'JoinedSource', { joinType, source, within, on }));
    }
    if (joins.length === 0) return left;
    return this.#node<ast.Join>(start, 'Join', { left, joins });
  }

  /** aliasedRelation : sourceName (AS? sourceName)? */
  #parseAliasedRelation(): ast.SourceRef {
    const start = this.#peek();
    const name = this.#parseIdentifier('source name');
    let alias: ast.Identifier | undefined;
    if (this.#eatKeyword('AS')) alias = this.#parseIdentifier('alias');
    else if (this.#atIdentifier() && !this.#atClauseKeyword()) alias = this.#parseIdentifier('alias');
    return this.#node<ast.SourceRef>(start, 'SourceRef', { name, alias });
  }

  /** Non-reserved words that start a clause after a relation: `EMIT CHANGES|FINAL`, `PARTITION BY`. */
  #atClauseKeyword(): boolean {
    return (
      (this.#atKeyword('EMIT') && this.#atAnyKeyword(['CHANGES', 'FINAL'], 1)) ||
      (this.#atKeyword('PARTITION') && this.#atKeyword('BY', 1))
    );
  }

  /**
   * joinWindow : WITHIN withinExpression
   * withinExpression
   *   : '(' joinWindowSize ',' joinWindowSize ')' gracePeriodClause?
   *   | joinWindowSize gracePeriodClause?
   * (`WITHIN (n unit)` is accepted as well.)
   */
  #parseWithin(): ast.WithinExpression {
    const start = this.#expectKeyword('WITHIN');
    let before: ast.Duration;
    let after: ast.Duration | undefined;
    if (this.#eat(TokenKind.PAREN_L)) {
      before = this.#parseDuration();
      if (this.#eat(TokenKind.COMMA)) after = this.#parseDuration();
      this.#expect(TokenKind.PAREN_R, after === undefined ? "',' or ')'" : "')'");
    } else {
      before = this.#parseDuration();
    }
    const grace = this.#atKeyword('GRACE') ? this.#parseGracePeriod() : undefined;
    return this.#node<ast.WithinExpression>(start, 'WithinExpression', { before, after, grace });
  }

  /** gracePeriodClause : GRACE PERIOD number windowUnit */
  #parseGracePeriod(): ast.Duration {
    this.#expectKeyword('GRACE');
    this.#expectKeyword('PERIOD');
    return this.#parseDuration();
  }

  /** number windowUnit */
  #parseDuration(): ast.Duration {
    const start = this.#peek();
    const value = this.#parseSafeInteger();
    const unitToken = this.#peek();
    const unit = unitToken.kind === TokenKind.IDENTIFIER ? TIME_UNITS[unitToken.value] : undefined;
    if (unit === undefined) throw this.#unexpected('time unit (MILLISECONDS, SECONDS, MINUTES, HOURS or DAYS)');
    this.#advance();
    return this.#node<ast.Duration>(start, 'Duration', { value, unit });
  }

  /** An INTEGER token as a JS safe integer (sizes, limits). */
  #parseSafeInteger(): number {
    const token = this.#peek();
    if (token.kind !== TokenKind.INTEGER) throw this.#unexpected('integer');
    const value = Number(token.value);
    if (!Number.isSafeInteger(value)) throw syntaxError(this.#source, token.start, `Invalid numeric literal: ${token.value}`);
    this.#advance();
    return value;
  }

  /**
   * windowExpression : IDENTIFIER? (tumbling | hopping | session)
   * tumbling : TUMBLING '(' SIZE number windowUnit (',' retention)? (',' gracePeriod)? ')'
   * hopping  : HOPPING '(' SIZE number windowUnit ',' ADVANCE BY number windowUnit (',' retention)? (',' gracePeriod)? ')'
   * session  : SESSION '(' number windowUnit (',' retention)? (',' gracePeriod)? ')'
   */
  #parseWindow(): ast.WindowExpression {
    const windowTypes = ['TUMBLING', 'HOPPING', 'SESSION'];
    // An optional (ignored) window name.
    if (this.#at(TokenKind.IDENTIFIER) && !isKeyword(this.#peek().value) && this.#atAnyKeyword(windowTypes, 1)) {
      this.#advance();
    }
    const start = this.#peek();
    if (this.#eatKeyword('TUMBLING')) {
      this.#expect(TokenKind.PAREN_L, "'('");
      this.#expectKeyword('SIZE');
      const size = this.#parseDuration();
      const { retention, grace } = this.#parseWindowTail();
      return this.#node<ast.TumblingWindow>(start, 'TumblingWindow', { size, retention, grace });
    }
    if (this.#eatKeyword('HOPPING')) {
      this.#expect(TokenKind.PAREN_L, "'('");
      this.#expectKeyword('SIZE');
      const size = this.#parseDuration();
      this.#expect(TokenKind.COMMA, "','");
      this.#expectKeyword('ADVANCE');
      this.#expectKeyword('BY');
      const advance = this.#parseDuration();
      const { retention, grace } = this.#parseWindowTail();
      return this.#node<ast.HoppingWindow>(start, 'HoppingWindow', { size, advance, retention, grace });
    }
    if (this.#eatKeyword('SESSION')) {
      this.#expect(TokenKind.PAREN_L, "'('");
      const gap = this.#parseDuration();
      const { retention, grace } = this.#parseWindowTail();
      return this.#node<ast.SessionWindow>(start, 'SessionWindow', { gap, retention, grace });
    }
    throw this.#unexpected("'TUMBLING', 'HOPPING' or 'SESSION'");
  }

  /** (',' RETENTION number windowUnit)? (',' GRACE PERIOD number windowUnit)? ')' */
  #parseWindowTail(): { retention: ast.Duration | undefined; grace: ast.Duration | undefined } {
    let retention: ast.Duration | undefined;
    let grace: ast.Duration | undefined;
    while (this.#eat(TokenKind.COMMA)) {
      if (retention === undefined && grace === undefined && this.#eatKeyword('RETENTION')) {
        retention = this.#parseDuration();
      } else if (grace === undefined && this.#atKeyword('GRACE')) {
        grace = this.#parseGracePeriod();
      } else {
        throw this.#unexpected(retention === undefined && grace === undefined ? "'RETENTION' or 'GRACE'" : "'GRACE'");
      }
    }
    this.#expect(TokenKind.PAREN_R, grace === undefined ? "',' or ')'" : "')'");
    return { retention, grace };
  }

  /**
   * groupBy / partitionBy
   *   : valueExpression (',' valueExpression)*
   *   | '(' (valueExpression (',' valueExpression)*)? ')'
   *
   * `(a, b)` is only a parenthesised list if the clause ends right after it;
   * otherwise (e.g. `(a) + 1, b`) the parser backtracks and reads expressions.
   */
  #parseGroupingList(): ast.Expression[] {
    if (this.#at(TokenKind.PAREN_L)) {
      const savedPos = this.#pos;
      const savedEnd = this.#lastEnd;
      try {
        const items = this.#parenthesized(() => this.#parseValueExpression(), true);
        if (this.#atGroupingEnd()) return items;
      } catch (error) {
        if (!(error instanceof SqlSyntaxError)) throw error;
      }
      this.#pos = savedPos;
      this.#lastEnd = savedEnd;
    }
    return this.#commaSeparated(() => this.#parseValueExpression());
  }

  #atGroupingEnd(): boolean {
    return (
      this.#atAny([TokenKind.SEMICOLON, TokenKind.EOF]) ||
      this.#atAnyKeyword(['HAVING', 'EMIT', 'LIMIT']) ||
      (this.#atKeyword('PARTITION') && this.#atKeyword('BY', 1))
    );
  }

  // -------------------------------------------------------------------------
  // Expressions
  // -------------------------------------------------------------------------

  /** expression : booleanExpression */
  #parseExpression(): ast.Expression {
    return this.#nested(() => this.#parseOr());
  }

  /** Bounds recursion so that deeply nested input fails with a syntax error, not a stack overflow. */
  #nested<T>(parse: () => T): T {
    if (this.#depth >= MAX_NESTING) {
      throw syntaxError(this.#source, this.#peek().start, `Nesting exceeds ${MAX_NESTING} levels. Parsing aborted.`);
    }
    this.#depth++;
    try {
      return parse();
    } finally {
      this.#depth--;
    }
  }

  /** booleanExpression OR booleanExpression */
  #parseOr(): ast.Expression {
    const start = this.#peek();
    let left = this.#parseAnd();
    while (this.#eatKeyword('OR')) {
      const right = this.#parseAnd();
      left = this.#node<ast.LogicalBinary>(start, 'LogicalBinary', { operator: 'OR', left, right });
    }
    return left;
  }

  /** booleanExpression AND booleanExpression */
  #parseAnd(): ast.Expression {
    const start = this.#peek();
    let left = this.#parseNot();
    while (this.#eatKeyword('AND')) {
      const right = this.#parseNot();
      left = this.#node<ast.LogicalBinary>(start, 'LogicalBinary', { operator: 'AND', left, right });
    }
    return left;
  }

  /** NOT booleanExpression | predicated */
  #parseNot(): ast.Expression {
    const start = this.#peek();
    if (this.#eatKeyword('NOT')) {
      const operand = this.#nested(() => this.#parseNot());
      return this.#node<ast.Not>(start, 'Not', { operand });
    }
    return this.#parsePredicated();
  }

  /**
   * predicated : valueExpression predicate?
   * predicate
   *   : comparisonOperator valueExpression
   *   | NOT? BETWEEN valueExpression AND valueExpression
   *   | NOT? IN '(' expression (',' expression)* ')'
   *   | NOT? LIKE valueExpression (ESCAPE STRING)?
   *   | IS NOT? NULL
   *   | IS NOT? DISTINCT FROM valueExpression
   */
  #parsePredicated(): ast.Expression {
    const start = this.#peek();
    const operand = this.#parseValueExpression();
    const token = this.#peek();

    const comparison = COMPARISON_OPERATORS[token.kind];
    if (comparison !== undefined) {
      this.#advance();
      const right = this.#parseValueExpression();
      return this.#node<ast.Comparison>(start, 'Comparison', { operator: comparison, left: operand, right });
    }

    if (this.#eatKeyword('IS')) {
      const negated = this.#eatKeyword('NOT');
      if (this.#eatKeyword('NULL')) return this.#node<ast.IsNull>(start, 'IsNull', { operand, negated });
      if (this.#eatKeyword('DISTINCT')) {
        this.#expectKeyword('FROM');
        const right = this.#parseValueExpression();
        const operator = negated ? 'IS NOT DISTINCT FROM' : 'IS DISTINCT FROM';
        return this.#node<ast.Comparison>(start, 'Comparison', { operator, left: operand, right });
      }
      throw this.#unexpected(negated ? "'NULL' or 'DISTINCT'" : "'NOT', 'NULL' or 'DISTINCT'");
    }

    const negated = this.#atKeyword('NOT') && this.#atAnyKeyword(['BETWEEN', 'IN', 'LIKE'], 1);
    if (negated) this.#advance();
    if (this.#eatKeyword('BETWEEN')) {
      const low = this.#parseValueExpression();
      this.#expectKeyword('AND');
      const high = this.#parseValueExpression();
      return this.#node<ast.Between>(start, 'Between', { operand, low, high, negated });
    }
    if (this.#eatKeyword('IN')) {
      const values = this.#parenthesized(() => this.#parseExpression());
      return this.#node<ast.InList>(start, 'InList', { operand, values, negated });
    }
    if (this.#eatKeyword('LIKE')) {
      const pattern = this.#parseValueExpression();
      const escape = this.#eatKeyword('ESCAPE') ? this.#parseStringValue('escape character') : undefined;
      return this.#node<ast.Like>(start, 'Like', {
        operand,
        pattern,
        ...(escape === undefined ? {} : { escape }),
        negated,
      });
    }
    return operand;
  }

  /** valueExpression : valueExpression CONCAT valueExpression | additive */
  #parseValueExpression(): ast.Expression {
    const start = this.#peek();
    let left = this.#parseAdditive();
    while (this.#eat(TokenKind.CONCAT)) {
      const right = this.#parseAdditive();
      left = this.#node<ast.Concat>(start, 'Concat', { left, right });
    }
    return left;
  }

  /** valueExpression (PLUS | MINUS) valueExpression */
  #parseAdditive(): ast.Expression {
    const start = this.#peek();
    let left = this.#parseMultiplicative();
    for (;;) {
      const token = this.#peek();
      if (token.kind !== TokenKind.PLUS && token.kind !== TokenKind.MINUS) return left;
      this.#advance();
      const right = this.#parseMultiplicative();
      left = this.#node<ast.ArithmeticBinary>(start, 'ArithmeticBinary', {
        operator: token.kind,
        left,
        right,
      });
    }
  }

  /** valueExpression (ASTERISK | SLASH | PERCENT) valueExpression */
  #parseMultiplicative(): ast.Expression {
    const start = this.#peek();
    let left = this.#parseUnary();
    for (;;) {
      const token = this.#peek();
      if (token.kind !== TokenKind.ASTERISK && token.kind !== TokenKind.SLASH && token.kind !== TokenKind.PERCENT) {
        return left;
      }
      this.#advance();
      const right = this.#parseUnary();
      left = this.#node<ast.ArithmeticBinary>(start, 'ArithmeticBinary', {
        operator: token.kind,
        left,
        right,
      });
    }
  }

  /** (MINUS | PLUS) valueExpression | primaryExpression */
  #parseUnary(): ast.Expression {
    const start = this.#peek();
    if ((start.kind === TokenKind.MINUS && !this.#atNumber(1)) || start.kind === TokenKind.PLUS) {
      this.#advance();
      const operand = this.#nested(() => this.#parseUnary());
      return this.#node<ast.ArithmeticUnary>(start, 'ArithmeticUnary', { operator: start.kind, operand });
    }
    return this.#parsePrimary();
  }

  #atNumber(k = 0): boolean {
    return this.#atAny([TokenKind.INTEGER, TokenKind.DECIMAL, TokenKind.FLOAT], k);
  }

  /**
   * primaryExpression
   *   : literal | CASE ... END | CAST '(' expression AS type ')'
   *   | ARRAY '[' ... ']' | MAP '(' ... ')' | STRUCT '(' ... ')'
   *   | identifier '(' ... ')' | identifier | identifier '.' identifier
   *   | '(' expression ')'
   *   | primaryExpression '[' valueExpression ']'
   *   | primaryExpression '->' identifier
   */
  #parsePrimary(): ast.Expression {
    const start = this.#peek();
    let expression = this.#parsePrimaryBase();
    for (;;) {
      if (this.#eat(TokenKind.BRACKET_L)) {
        const index = this.#parseValueExpression();
        this.#expect(TokenKind.BRACKET_R, "']'");
        expression = this.#node<ast.Subscript>(start, 'Subscript', { base: expression, index });
      } else if (this.#at(TokenKind.ARROW) && !this.#at(TokenKind.ASTERISK, 1)) {
        this.#advance();
        const field = this.#parseIdentifier('field name');
        expression = this.#node<ast.Dereference>(start, 'Dereference', { base: expression, field });
      } else {
        return expression;
      }
    }
  }

  #parsePrimaryBase(): ast.Expression {
    const start = this.#peek();
    switch (start.kind) {
      case TokenKind.INTEGER:
      case TokenKind.DECIMAL:
      case TokenKind.FLOAT:
        return this.#parseNumber();
      case TokenKind.MINUS:
        if (this.#atNumber(1)) return this.#parseNumber();
        break;
      case TokenKind.STRING:
        this.#advance();
        return this.#node<ast.StringLiteral>(start, 'StringLiteral', { value: start.value });
      case TokenKind.PAREN_L: {
        this.#advance();
        const expression = this.#parseExpression();
        this.#expect(TokenKind.PAREN_R, "')'");
        return expression;
      }
      case TokenKind.IDENTIFIER:
        switch (start.value) {
          case 'NULL':
          case 'TRUE':
          case 'FALSE':
            return this.#parseLiteral();
          case 'CASE':
            return this.#parseCase();
          case 'CAST':
            return this.#parseCast();
          case 'ARRAY':
            if (this.#at(TokenKind.BRACKET_L, 1)) return this.#parseArrayConstructor();
            break;
          case 'MAP':
            if (this.#at(TokenKind.PAREN_L, 1)) return this.#parseMapConstructor();
            break;
          case 'STRUCT':
            if (this.#at(TokenKind.PAREN_L, 1)) return this.#parseStructConstructor();
            break;
          default:
            break;
        }
        break;
      default:
        break;
    }
    if (!this.#atIdentifier()) throw this.#unexpected('expression');
    if (this.#at(TokenKind.PAREN_L, 1)) return this.#parseFunctionCall();
    const first = this.#parseIdentifier();
    if (this.#at(TokenKind.DOT) && this.#atIdentifier(1)) {
      this.#advance();
      const name = this.#parseIdentifier('column name');
      return this.#node<ast.ColumnRef>(start, 'ColumnRef', { source: first, name });
    }
    return this.#node<ast.ColumnRef>(start, 'ColumnRef', { name: first });
  }

  /** number : MINUS? (DECIMAL_VALUE | FLOATING_POINT_VALUE | INTEGER_VALUE) */
  #parseNumber(): ast.NumericLiteral {
    const start = this.#peek();
    const negative = this.#eat(TokenKind.MINUS);
    const token = this.#peek();
    if (!this.#atNumber()) throw this.#unexpected('number');
    this.#advance();
    const text = (negative ? '-' : '') + token.value;
    switch (token.kind) {
      case TokenKind.INTEGER: {
        const value = BigInt(text);
        if (value >= INT_MIN && value <= INT_MAX) {
          return this.#node<ast.IntegerLiteral>(start, 'IntegerLiteral', { text, value: Number(value) });
        }
        if (value >= LONG_MIN && value <= LONG_MAX) {
          return this.#node<ast.BigIntLiteral>(start, 'BigIntLiteral', { text, value });
        }
        throw syntaxError(this.#source, start.start, `Invalid numeric literal: ${text}`);
      }
      case TokenKind.DECIMAL: {
        const { precision, scale } = decimalPrecisionScale(token.value);
        return this.#node<ast.DecimalLiteral>(start, 'DecimalLiteral', { text, precision, scale });
      }
      default: {
        const value = Number(text);
        if (!Number.isFinite(value)) {
          throw syntaxError(this.#source, start.start, `Number overflows DOUBLE: ${text}`);
        }
        return this.#node<ast.DoubleLiteral>(start, 'DoubleLiteral', { text, value });
      }
    }
  }

  /** literal : NULL | number | TRUE | FALSE | STRING */
  #parseLiteral(): ast.Literal {
    const start = this.#peek();
    if (start.kind === TokenKind.STRING) {
      this.#advance();
      return this.#node<ast.StringLiteral>(start, 'StringLiteral', { value: start.value });
    }
    if (this.#atNumber() || (start.kind === TokenKind.MINUS && this.#atNumber(1))) return this.#parseNumber();
    if (this.#eatKeyword('NULL')) return this.#node<ast.NullLiteral>(start, 'NullLiteral', {});
    if (this.#eatKeyword('TRUE')) return this.#node<ast.BooleanLiteral>(start, 'BooleanLiteral', { value: true });
    if (this.#eatKeyword('FALSE')) return this.#node<ast.BooleanLiteral>(start, 'BooleanLiteral', { value: false });
    throw this.#unexpected('literal');
  }

  /**
   * CASE valueExpression whenClause+ (ELSE expression)? END
   * | CASE whenClause+ (ELSE expression)? END
   */
  #parseCase(): ast.SearchedCase | ast.SimpleCase {
    const start = this.#expectKeyword('CASE');
    const operand = this.#atKeyword('WHEN') ? undefined : this.#parseValueExpression();
    const whens: ast.WhenClause[] = [];
    do {
      const whenStart = this.#expectKeyword('WHEN');
      const condition = this.#parseExpression();
      this.#expectKeyword('THEN');
      const result = this.#parseExpression();
      whens.push(this.#node<ast.WhenClause>(whenStart, 'WhenClause', { condition, result }));
    } while (this.#atKeyword('WHEN'));
    const elseResult = this.#eatKeyword('ELSE') ? this.#parseExpression() : undefined;
    if (!this.#atKeyword('END')) throw this.#unexpected(elseResult === undefined ? "'WHEN', 'ELSE' or 'END'" : "'END'");
    this.#advance();
    const tail = elseResult === undefined ? {} : { else: elseResult };
    if (operand === undefined) return this.#node<ast.SearchedCase>(start, 'SearchedCase', { whens, ...tail });
    return this.#node<ast.SimpleCase>(start, 'SimpleCase', { operand, whens, ...tail });
  }

  /** CAST '(' expression AS type ')' */
  #parseCast(): ast.Cast {
    const start = this.#expectKeyword('CAST');
    this.#expect(TokenKind.PAREN_L, "'('");
    const operand = this.#parseExpression();
    this.#expectKeyword('AS');
    const type = this.#parseType();
    this.#expect(TokenKind.PAREN_R, "')'");
    return this.#node<ast.Cast>(start, 'Cast', { operand, type });
  }

  /** ARRAY '[' (expression (',' expression)*)? ']' */
  #parseArrayConstructor(): ast.ArrayConstructor {
    const start = this.#expectKeyword('ARRAY');
    this.#expect(TokenKind.BRACKET_L, "'['");
    const elements = this.#at(TokenKind.BRACKET_R) ? [] : this.#commaSeparated(() => this.#parseExpression());
    this.#expect(TokenKind.BRACKET_R, "',' or ']'");
    return this.#node<ast.ArrayConstructor>(start, 'ArrayConstructor', { elements });
  }

  /** MAP '(' (expression ASSIGN expression (',' expression ASSIGN expression)*)? ')' */
  #parseMapConstructor(): ast.MapConstructor {
    const start = this.#expectKeyword('MAP');
    const entries = this.#parenthesized(() => {
      const entryStart = this.#peek();
      const key = this.#parseExpression();
      this.#expect(TokenKind.ASSIGN, "':='");
      const value = this.#parseExpression();
      return this.#node<ast.MapEntry>(entryStart, 'MapEntry', { key, value });
    }, true);
    return this.#node<ast.MapConstructor>(start, 'MapConstructor', { entries });
  }

  /** STRUCT '(' (identifier ASSIGN expression (',' identifier ASSIGN expression)*)? ')' */
  #parseStructConstructor(): ast.StructConstructor {
    const start = this.#expectKeyword('STRUCT');
    const fields = this.#parenthesized(() => {
      const fieldStart = this.#peek();
      const name = this.#parseIdentifier('field name');
      this.#expect(TokenKind.ASSIGN, "':='");
      const value = this.#parseExpression();
      return this.#node<ast.StructField>(fieldStart, 'StructField', { name, value });
    }, true);
    return this.#node<ast.StructConstructor>(start, 'StructConstructor', { fields });
  }

  /**
   * identifier '(' ASTERISK ')'
   * | identifier '(' (functionArgument (',' functionArgument)* (',' lambdaFunction)*)? ')'
   */
  #parseFunctionCall(): ast.FunctionCall {
    const start = this.#peek();
    const name = this.#parseIdentifier('function name');
    this.#expect(TokenKind.PAREN_L, "'('");
    if (this.#at(TokenKind.ASTERISK) && this.#at(TokenKind.PAREN_R, 1)) {
      this.#advance();
      this.#advance();
      return this.#node<ast.FunctionCall>(start, 'FunctionCall', { name, args: [], star: true });
    }
    const args = this.#at(TokenKind.PAREN_R) ? [] : this.#commaSeparated(() => this.#parseFunctionArgument());
    this.#expect(TokenKind.PAREN_R, "',' or ')'");
    return this.#node<ast.FunctionCall>(start, 'FunctionCall', { name, args, star: false });
  }

  /** functionArgument : expression | windowUnit | lambdaFunction */
  #parseFunctionArgument(): ast.FunctionArgument {
    const start = this.#peek();
    if (this.#atLambda()) return this.#parseLambda();
    if (
      start.kind === TokenKind.IDENTIFIER &&
      ARGUMENT_UNITS.has(start.value) &&
      this.#atAny([TokenKind.COMMA, TokenKind.PAREN_R], 1)
    ) {
      this.#advance();
      const unit = TIME_UNITS[start.value] as ast.TimeUnit;
      return this.#node<ast.IntervalUnit>(start, 'IntervalUnit', { unit });
    }
    return this.#parseExpression();
  }

  #atLambda(): boolean {
    if (this.#atIdentifier() && this.#at(TokenKind.LAMBDA, 1)) return true;
    if (!this.#at(TokenKind.PAREN_L)) return false;
    let k = 1;
    for (;;) {
      if (!this.#atIdentifier(k)) return false;
      k++;
      if (this.#at(TokenKind.COMMA, k)) {
        k++;
        continue;
      }
      return this.#at(TokenKind.PAREN_R, k) && this.#at(TokenKind.LAMBDA, k + 1);
    }
  }

  /** lambdaFunction : identifier '=>' expression | '(' identifier (',' identifier)* ')' '=>' expression */
  #parseLambda(): ast.Lambda {
    const start = this.#peek();
    const params = this.#at(TokenKind.PAREN_L)
      ? this.#parenthesized(() => this.#parseIdentifier('lambda parameter'))
      : [this.#parseIdentifier('lambda parameter')];
    this.#expect(TokenKind.LAMBDA, "'=>'");
    const body = this.#parseExpression();
    return this.#node<ast.Lambda>(start, 'Lambda', { params, body });
  }

  /**
   * identifier
   *   : IDENTIFIER | nonReserved       (upper-cased)
   *   | QUOTED_IDENTIFIER              ("...", case kept)
   *   | BACKQUOTED_IDENTIFIER          (`...`, case kept)
   *   | DIGIT_IDENTIFIER               (upper-cased)
   */
  #parseIdentifier(what = 'identifier'): ast.Identifier {
    const token = this.#peek();
    if (!this.#atIdentifier()) throw this.#unexpected(what.includes('identifier') ? what : `${what} (identifier)`);
    this.#advance();
    return this.#node<ast.Identifier>(token, 'Identifier', { value: token.value });
  }

  // -------------------------------------------------------------------------
  // Types
  // -------------------------------------------------------------------------

  /**
   * type
   *   : ARRAY '<' type '>'
   *   | MAP '<' type ',' type '>'
   *   | STRUCT '<' (identifier type (',' identifier type)*)? '>'
   *   | DECIMAL '(' number ',' number ')'
   *   | baseType
   */
  #parseType(): ast.SqlType {
    return this.#nested(() => this.#parseTypeInner());
  }

  #parseTypeInner(): ast.SqlType {
    const start = this.#peek();
    if (start.kind === TokenKind.IDENTIFIER) {
      switch (start.value) {
        case 'ARRAY':
          if (!this.#at(TokenKind.LT, 1)) break;
          this.#advance();
          this.#advance();
          {
            const elementType = this.#parseType();
            this.#expect(TokenKind.GT, "'>'");
            return this.#node<ast.ArrayType>(start, 'ArrayType', { elementType });
          }
        case 'MAP':
          if (!this.#at(TokenKind.LT, 1)) break;
          this.#advance();
          this.#advance();
          {
            const keyType = this.#parseType();
            this.#expect(TokenKind.COMMA, "','");
            const valueType = this.#parseType();
            this.#expect(TokenKind.GT, "'>'");
            return this.#node<ast.MapType>(start, 'MapType', { keyType, valueType });
          }
        case 'STRUCT':
          // `STRUCT<>` lexes as STRUCT followed by the `<>` operator.
          if (this.#at(TokenKind.NEQ, 1) && this.#peek(1).value === '<>') {
            this.#advance();
            this.#advance();
            return this.#node<ast.StructType>(start, 'StructType', { fields: [] });
          }
          if (!this.#at(TokenKind.LT, 1)) break;
          this.#advance();
          this.#advance();
          {
            const fields: ast.StructTypeField[] = [];
            if (!this.#at(TokenKind.GT)) {
              do {
                const fieldStart = this.#peek();
                const name = this.#parseIdentifier('field name');
                const type = this.#parseType();
                fields.push(this.#node<ast.StructTypeField>(fieldStart, 'StructTypeField', { name, type }));
              } while (this.#eat(TokenKind.COMMA));
            }
            this.#expect(TokenKind.GT, "',' or '>'");
            return this.#node<ast.StructType>(start, 'StructType', { fields });
          }
        case 'DECIMAL': {
          this.#advance();
          this.#expect(TokenKind.PAREN_L, "'('");
          const precision = this.#parseSafeInteger();
          this.#expect(TokenKind.COMMA, "','");
          const scale = this.#parseSafeInteger();
          this.#expect(TokenKind.PAREN_R, "')'");
          return this.#node<ast.DecimalType>(start, 'DecimalType', { precision, scale });
        }
        default:
          break;
      }
    }
    if (!this.#atIdentifier()) throw this.#unexpected('type');
    const name = this.#parseIdentifier();
    const primitive = PRIMITIVE_TYPES[name.value];
    if (primitive !== undefined) return this.#node<ast.PrimitiveType>(start, 'PrimitiveType', { name: primitive });
    return this.#node<ast.CustomType>(start, 'CustomType', { name });
  }
}

/** Kinds that ksqlDB's `primaryExpression` produces (valid bases for `->*`). */
function isPrimary(expression: ast.Expression): boolean {
  switch (expression.kind) {
    case 'ArithmeticUnary':
    case 'ArithmeticBinary':
    case 'Concat':
    case 'Comparison':
    case 'LogicalBinary':
    case 'Not':
    case 'IsNull':
    case 'Between':
    case 'InList':
    case 'Like':
      return false;
    default:
      return true;
  }
}

/**
 * Precision and scale of a DECIMAL_VALUE as Java's `BigDecimal` computes them,
 * with precision raised to at least the scale (so that it is a valid SQL type):
 * `1.50` -> (3, 2), `0.05` -> (2, 2), `.5` -> (1, 1), `10.` -> (2, 0).
 */
export function decimalPrecisionScale(text: string): { precision: number; scale: number } {
  const unsigned = text.startsWith('-') ? text.slice(1) : text;
  const dot = unsigned.indexOf('.');
  const scale = dot === -1 ? 0 : unsigned.length - dot - 1;
  const digits = unsigned.replace('.', '').replace(/^0+/, '');
  const precision = Math.max(digits.length, 1, scale);
  return { precision, scale };
}
