/**
 * The ksqlDB SQL abstract syntax tree.
 *
 * Every node is a `readonly` plain object with a string `kind` discriminant and
 * an optional `loc` (absent on nodes built by hand). Nodes hold no types, no
 * catalog knowledge and no resolved names: that is the planner's job.
 *
 * Normalisations performed by the parser (so consumers never see the variants):
 * - unquoted identifiers are upper-cased; quoted ones (backticks or double
 *   quotes) keep their case (`Identifier.value` is the resolved name);
 * - `INT` becomes `INTEGER`, `VARCHAR` becomes `STRING`;
 * - `!=` becomes `<>`;
 * - window/duration units become plural (`SECOND` -> `SECONDS`);
 * - `LIST ...` becomes a `Show` node, `SHOW COLUMNS FROM x` a `Describe` node;
 * - a `-` directly in front of a numeric literal is folded into the literal.
 *
 * The child keys that a traversal follows are listed in `visitor.ts`
 * (`VisitorKeys`), which is checked against these interfaces at compile time.
 *
 * @module
 */

/** Position of a node in the parsed source. Offsets are UTF-16 code units. */
export interface Location {
  /** Offset of the node's first character. */
  readonly start: number;
  /** Offset just past the node's last character. */
  readonly end: number;
  /** 1-based line of `start`. */
  readonly line: number;
  /** 1-based column of `start` (ksqlDB reports columns 1-based as well). */
  readonly column: number;
}

interface NodeBase {
  readonly loc?: Location | undefined;
}

// ---------------------------------------------------------------------------
// Names
// ---------------------------------------------------------------------------

/**
 * A name: source, column, alias, function, type, field, query id...
 * `value` is already case-normalised (upper-cased unless it was quoted).
 */
export interface Identifier extends NodeBase {
  readonly kind: 'Identifier';
  readonly value: string;
}

// ---------------------------------------------------------------------------
// Types
// ---------------------------------------------------------------------------

export type PrimitiveTypeName =
  | 'BOOLEAN'
  | 'INTEGER'
  | 'BIGINT'
  | 'DOUBLE'
  | 'STRING'
  | 'BYTES'
  | 'DATE'
  | 'TIME'
  | 'TIMESTAMP';

/** `BOOLEAN`, `INT`/`INTEGER`, `BIGINT`, `DOUBLE`, `STRING`/`VARCHAR`, `BYTES`, `DATE`, `TIME`, `TIMESTAMP`. */
export interface PrimitiveType extends NodeBase {
  readonly kind: 'PrimitiveType';
  readonly name: PrimitiveTypeName;
}

/** `DECIMAL(precision, scale)`. */
export interface DecimalType extends NodeBase {
  readonly kind: 'DecimalType';
  readonly precision: number;
  readonly scale: number;
}

/** `ARRAY<T>`. */
export interface ArrayType extends NodeBase {
  readonly kind: 'ArrayType';
  readonly elementType: SqlType;
}

/** `MAP<K, V>`. */
export interface MapType extends NodeBase {
  readonly kind: 'MapType';
  readonly keyType: SqlType;
  readonly valueType: SqlType;
}

/** One `name T` inside `STRUCT<...>`. */
export interface StructTypeField extends NodeBase {
  readonly kind: 'StructTypeField';
  readonly name: Identifier;
  readonly type: SqlType;
}

/** `STRUCT<name T, ...>` (may be empty: `STRUCT<>`). */
export interface StructType extends NodeBase {
  readonly kind: 'StructType';
  readonly fields: readonly StructTypeField[];
}

/** A name registered with `CREATE TYPE`. */
export interface CustomType extends NodeBase {
  readonly kind: 'CustomType';
  readonly name: Identifier;
}

export type SqlType = PrimitiveType | DecimalType | ArrayType | MapType | StructType | CustomType;

// ---------------------------------------------------------------------------
// Expressions
// ---------------------------------------------------------------------------

/** `NULL`. */
export interface NullLiteral extends NodeBase {
  readonly kind: 'NullLiteral';
}

/** `TRUE` / `FALSE`. */
export interface BooleanLiteral extends NodeBase {
  readonly kind: 'BooleanLiteral';
  readonly value: boolean;
}

/** A `'...'` string; `value` has the `''` escapes resolved. */
export interface StringLiteral extends NodeBase {
  readonly kind: 'StringLiteral';
  readonly value: string;
}

/** An integer literal that fits a signed 32-bit INT. `text` is the exact source (with a folded `-`). */
export interface IntegerLiteral extends NodeBase {
  readonly kind: 'IntegerLiteral';
  readonly text: string;
  readonly value: number;
}

/** An integer literal outside INT range but inside BIGINT range. Never goes through a JS number. */
export interface BigIntLiteral extends NodeBase {
  readonly kind: 'BigIntLiteral';
  readonly text: string;
  readonly value: bigint;
}

/**
 * A literal such as `1.50` or `.5`: ksqlDB types it `DECIMAL(precision, scale)`.
 * `text` is the exact source; `precision`/`scale` follow Java's BigDecimal.
 */
export interface DecimalLiteral extends NodeBase {
  readonly kind: 'DecimalLiteral';
  readonly text: string;
  readonly precision: number;
  readonly scale: number;
}

/** A literal with an exponent (`1.5E3`): ksqlDB types it `DOUBLE`. */
export interface DoubleLiteral extends NodeBase {
  readonly kind: 'DoubleLiteral';
  readonly text: string;
  readonly value: number;
}

export type NumericLiteral = IntegerLiteral | BigIntLiteral | DecimalLiteral | DoubleLiteral;
export type Literal = NullLiteral | BooleanLiteral | StringLiteral | NumericLiteral;

/** `col` or `source.col`. Inside a lambda body, lambda parameters also appear as `ColumnRef`. */
export interface ColumnRef extends NodeBase {
  readonly kind: 'ColumnRef';
  /** The qualifier in `source.col` (a source name or alias). */
  readonly source?: Identifier | undefined;
  readonly name: Identifier;
}

/** `base->field`. */
export interface Dereference extends NodeBase {
  readonly kind: 'Dereference';
  readonly base: Expression;
  readonly field: Identifier;
}

/** `base[index]` (arrays are 1-based in ksqlDB; negative indexes count from the end). */
export interface Subscript extends NodeBase {
  readonly kind: 'Subscript';
  readonly base: Expression;
  readonly index: Expression;
}

export type ArithmeticOperator = '+' | '-' | '*' | '/' | '%';

/** `-x`, `+x` (a `-` directly before a numeric literal is folded into the literal instead). */
export interface ArithmeticUnary extends NodeBase {
  readonly kind: 'ArithmeticUnary';
  readonly operator: '+' | '-';
  readonly operand: Expression;
}

/** `a + b`, `a - b`, `a * b`, `a / b`, `a % b`. */
export interface ArithmeticBinary extends NodeBase {
  readonly kind: 'ArithmeticBinary';
  readonly operator: ArithmeticOperator;
  readonly left: Expression;
  readonly right: Expression;
}

/** `a || b` (ksqlDB's CONCAT token; binds looser than `+`/`-`). */
export interface Concat extends NodeBase {
  readonly kind: 'Concat';
  readonly left: Expression;
  readonly right: Expression;
}

export type ComparisonOperator =
  | '='
  | '<>'
  | '<'
  | '<='
  | '>'
  | '>='
  | 'IS DISTINCT FROM'
  | 'IS NOT DISTINCT FROM';

/** `a = b`, ..., `a IS [NOT] DISTINCT FROM b` (`!=` is normalised to `<>`). */
export interface Comparison extends NodeBase {
  readonly kind: 'Comparison';
  readonly operator: ComparisonOperator;
  readonly left: Expression;
  readonly right: Expression;
}

/** `a AND b`, `a OR b`. */
export interface LogicalBinary extends NodeBase {
  readonly kind: 'LogicalBinary';
  readonly operator: 'AND' | 'OR';
  readonly left: Expression;
  readonly right: Expression;
}

/** `NOT x`. */
export interface Not extends NodeBase {
  readonly kind: 'Not';
  readonly operand: Expression;
}

/** `x IS [NOT] NULL`. */
export interface IsNull extends NodeBase {
  readonly kind: 'IsNull';
  readonly operand: Expression;
  readonly negated: boolean;
}

/** `x [NOT] BETWEEN low AND high`. */
export interface Between extends NodeBase {
  readonly kind: 'Between';
  readonly operand: Expression;
  readonly low: Expression;
  readonly high: Expression;
  readonly negated: boolean;
}

/** `x [NOT] IN (v, ...)`. */
export interface InList extends NodeBase {
  readonly kind: 'InList';
  readonly operand: Expression;
  readonly values: readonly Expression[];
  readonly negated: boolean;
}

/** `x [NOT] LIKE pattern [ESCAPE 'c']`. */
export interface Like extends NodeBase {
  readonly kind: 'Like';
  readonly operand: Expression;
  readonly pattern: Expression;
  /** The escape character (the string literal's value). */
  readonly escape?: string | undefined;
  readonly negated: boolean;
}

/** `CAST(x AS type)`. */
export interface Cast extends NodeBase {
  readonly kind: 'Cast';
  readonly operand: Expression;
  readonly type: SqlType;
}

/** `WHEN condition THEN result` (for a simple CASE, `condition` is the value compared with the operand). */
export interface WhenClause extends NodeBase {
  readonly kind: 'WhenClause';
  readonly condition: Expression;
  readonly result: Expression;
}

/** `CASE WHEN c THEN r ... [ELSE e] END`. */
export interface SearchedCase extends NodeBase {
  readonly kind: 'SearchedCase';
  readonly whens: readonly WhenClause[];
  readonly else?: Expression | undefined;
}

/** `CASE x WHEN v THEN r ... [ELSE e] END`. */
export interface SimpleCase extends NodeBase {
  readonly kind: 'SimpleCase';
  readonly operand: Expression;
  readonly whens: readonly WhenClause[];
  readonly else?: Expression | undefined;
}

/**
 * `name(args...)`; `COUNT(*)` has `star: true` and no args.
 * Lambdas and interval units only appear as arguments.
 */
export interface FunctionCall extends NodeBase {
  readonly kind: 'FunctionCall';
  readonly name: Identifier;
  readonly args: readonly FunctionArgument[];
  readonly star: boolean;
}

/** `x => body` or `(x, y) => body` (only as a function argument). */
export interface Lambda extends NodeBase {
  readonly kind: 'Lambda';
  readonly params: readonly Identifier[];
  readonly body: Expression;
}

export type TimeUnit = 'MILLISECONDS' | 'SECONDS' | 'MINUTES' | 'HOURS' | 'DAYS';

/**
 * A bare time unit passed as a function argument, e.g. `TIMESTAMPADD(SECONDS, 5, ts)`.
 * Only the reserved forms (plural, and MILLISECOND) parse as units; `DAY`, `HOUR`,
 * `MINUTE` and `SECOND` are non-reserved and parse as column references there, as in ksqlDB.
 */
export interface IntervalUnit extends NodeBase {
  readonly kind: 'IntervalUnit';
  readonly unit: TimeUnit;
}

/** `ARRAY[e, ...]`. */
export interface ArrayConstructor extends NodeBase {
  readonly kind: 'ArrayConstructor';
  readonly elements: readonly Expression[];
}

/** One `key := value` in `MAP(...)`. */
export interface MapEntry extends NodeBase {
  readonly kind: 'MapEntry';
  readonly key: Expression;
  readonly value: Expression;
}

/** `MAP(k := v, ...)`. */
export interface MapConstructor extends NodeBase {
  readonly kind: 'MapConstructor';
  readonly entries: readonly MapEntry[];
}

/** One `name := value` in `STRUCT(...)`. */
export interface StructField extends NodeBase {
  readonly kind: 'StructField';
  readonly name: Identifier;
  readonly value: Expression;
}

/** `STRUCT(name := value, ...)`. */
export interface StructConstructor extends NodeBase {
  readonly kind: 'StructConstructor';
  readonly fields: readonly StructField[];
}

export type Expression =
  | Literal
  | ColumnRef
  | Dereference
  | Subscript
  | ArithmeticUnary
  | ArithmeticBinary
  | Concat
  | Comparison
  | LogicalBinary
  | Not
  | IsNull
  | Between
  | InList
  | Like
  | Cast
  | SearchedCase
  | SimpleCase
  | FunctionCall
  | ArrayConstructor
  | MapConstructor
  | StructConstructor;

export type FunctionArgument = Expression | Lambda | IntervalUnit;

// ---------------------------------------------------------------------------
// Queries
// ---------------------------------------------------------------------------

/** `n unit`, e.g. `5 SECONDS`. `value` is a non-negative safe integer. */
export interface Duration extends NodeBase {
  readonly kind: 'Duration';
  readonly value: number;
  readonly unit: TimeUnit;
}

/** `*` or `source.*`. */
export interface AllColumns extends NodeBase {
  readonly kind: 'AllColumns';
  readonly source?: Identifier | undefined;
}

/** `base->*`. */
export interface StructAll extends NodeBase {
  readonly kind: 'StructAll';
  readonly base: Expression;
}

/** `expr [[AS] alias]`. */
export interface SingleColumn extends NodeBase {
  readonly kind: 'SingleColumn';
  readonly expression: Expression;
  readonly alias?: Identifier | undefined;
}

export type SelectItem = AllColumns | StructAll | SingleColumn;

/** A source in FROM/JOIN: `name [[AS] alias]`. */
export interface SourceRef extends NodeBase {
  readonly kind: 'SourceRef';
  readonly name: Identifier;
  readonly alias?: Identifier | undefined;
}

export type JoinType = 'INNER' | 'LEFT' | 'RIGHT' | 'FULL';

/**
 * `WITHIN n unit [GRACE PERIOD ...]` (`after` absent: symmetric) or
 * `WITHIN (before, after) [GRACE PERIOD ...]`.
 */
export interface WithinExpression extends NodeBase {
  readonly kind: 'WithinExpression';
  readonly before: Duration;
  readonly after?: Duration | undefined;
  readonly grace?: Duration | undefined;
}

/** `[INNER|LEFT [OUTER]|RIGHT [OUTER]|FULL [OUTER]] JOIN source [WITHIN ...] ON criteria`. */
export interface JoinedSource extends NodeBase {
  readonly kind: 'JoinedSource';
  readonly joinType: JoinType;
  readonly source: SourceRef;
  readonly within?: WithinExpression | undefined;
  readonly on: Expression;
}

/** `left JOIN ... JOIN ...` (n-way joins are a flat list, as in ksqlDB). */
export interface Join extends NodeBase {
  readonly kind: 'Join';
  readonly left: SourceRef;
  readonly joins: readonly JoinedSource[];
}

export type Relation = SourceRef | Join;

/** `TUMBLING (SIZE n unit [, RETENTION n unit] [, GRACE PERIOD n unit])`. */
export interface TumblingWindow extends NodeBase {
  readonly kind: 'TumblingWindow';
  readonly size: Duration;
  readonly retention?: Duration | undefined;
  readonly grace?: Duration | undefined;
}

/** `HOPPING (SIZE n unit, ADVANCE BY n unit [, RETENTION ...] [, GRACE PERIOD ...])`. */
export interface HoppingWindow extends NodeBase {
  readonly kind: 'HoppingWindow';
  readonly size: Duration;
  readonly advance: Duration;
  readonly retention?: Duration | undefined;
  readonly grace?: Duration | undefined;
}

/** `SESSION (n unit [, RETENTION ...] [, GRACE PERIOD ...])`. */
export interface SessionWindow extends NodeBase {
  readonly kind: 'SessionWindow';
  readonly gap: Duration;
  readonly retention?: Duration | undefined;
  readonly grace?: Duration | undefined;
}

export type WindowExpression = TumblingWindow | HoppingWindow | SessionWindow;

export type ResultMaterialization = 'CHANGES' | 'FINAL';

/**
 * `SELECT items FROM relation [WINDOW w] [WHERE e] [GROUP BY es] [PARTITION BY es]
 * [HAVING e] [EMIT CHANGES|FINAL] [LIMIT n]`.
 *
 * `groupBy`/`partitionBy` are absent when the clause is absent; `GROUP BY ()` gives `[]`.
 */
export interface Query extends NodeBase {
  readonly kind: 'Query';
  readonly select: readonly SelectItem[];
  readonly from: Relation;
  readonly window?: WindowExpression | undefined;
  readonly where?: Expression | undefined;
  readonly groupBy?: readonly Expression[] | undefined;
  readonly partitionBy?: readonly Expression[] | undefined;
  readonly having?: Expression | undefined;
  readonly emit?: ResultMaterialization | undefined;
  /** Safe integer; negative only when written so (the planner rejects it). */
  readonly limit?: number | undefined;
}

// ---------------------------------------------------------------------------
// Statements
// ---------------------------------------------------------------------------

interface StatementBase extends NodeBase {
  /**
   * The exact source text of the statement (ksqlDB's `statementText`): from its
   * first token up to and including its `;`. For a statement nested in
   * `EXPLAIN`, up to its last token.
   */
  readonly text: string;
}

export type SourceType = 'STREAM' | 'TABLE';

/** `name = literal` in `WITH (...)`. */
export interface Property extends NodeBase {
  readonly kind: 'Property';
  /**
   * The property name: an identifier's normalised value (upper-cased unless
   * quoted) or a string literal's value. Compare case-insensitively.
   */
  readonly name: string;
  readonly value: Literal;
}

export type ColumnConstraint = 'KEY' | 'PRIMARY KEY' | 'HEADERS' | 'HEADER';

/** `name type [KEY | PRIMARY KEY | HEADERS | HEADER('key')]`. */
export interface TableElement extends NodeBase {
  readonly kind: 'TableElement';
  readonly name: Identifier;
  readonly type: SqlType;
  readonly constraint?: ColumnConstraint | undefined;
  /** The key in `HEADER('key')`; present iff `constraint === 'HEADER'`. */
  readonly headerKey?: string | undefined;
}

/** A SELECT on its own (pull or push query). */
export interface QueryStatement extends StatementBase {
  readonly kind: 'QueryStatement';
  readonly query: Query;
}

/**
 * `CREATE [OR REPLACE] [SOURCE] STREAM|TABLE [IF NOT EXISTS] name [(elements)] [WITH (props)]`.
 * `elements` is `[]` when the element list is absent.
 */
export interface CreateSource extends StatementBase {
  readonly kind: 'CreateSource';
  readonly sourceType: SourceType;
  readonly orReplace: boolean;
  /** `CREATE SOURCE STREAM|TABLE` (read-only source). */
  readonly isSource: boolean;
  readonly ifNotExists: boolean;
  readonly name: Identifier;
  readonly elements: readonly TableElement[];
  readonly properties: readonly Property[];
}

/** `CREATE [OR REPLACE] STREAM|TABLE [IF NOT EXISTS] name [WITH (props)] AS query` (CSAS/CTAS). */
export interface CreateSourceAs extends StatementBase {
  readonly kind: 'CreateSourceAs';
  readonly sourceType: SourceType;
  readonly orReplace: boolean;
  readonly ifNotExists: boolean;
  readonly name: Identifier;
  readonly properties: readonly Property[];
  readonly query: Query;
}

/** `INSERT INTO name [WITH (props)] query`. */
export interface InsertInto extends StatementBase {
  readonly kind: 'InsertInto';
  readonly target: Identifier;
  readonly properties: readonly Property[];
  readonly query: Query;
}

/** `INSERT INTO name [(cols)] VALUES (exprs)`. `columns` is absent when not listed. */
export interface InsertValues extends StatementBase {
  readonly kind: 'InsertValues';
  readonly target: Identifier;
  readonly columns?: readonly Identifier[] | undefined;
  readonly values: readonly Expression[];
}

/** `DROP STREAM|TABLE [IF EXISTS] name [DELETE TOPIC]`. */
export interface DropSource extends StatementBase {
  readonly kind: 'DropSource';
  readonly sourceType: SourceType;
  readonly ifExists: boolean;
  readonly name: Identifier;
  readonly deleteTopic: boolean;
}

/** `CREATE TYPE [IF NOT EXISTS] name AS type`. */
export interface CreateType extends StatementBase {
  readonly kind: 'CreateType';
  readonly ifNotExists: boolean;
  readonly name: Identifier;
  readonly type: SqlType;
}

/** `DROP TYPE [IF EXISTS] name`. */
export interface DropType extends StatementBase {
  readonly kind: 'DropType';
  readonly ifExists: boolean;
  readonly name: Identifier;
}

/** One `ADD [COLUMN] name type` of ALTER. */
export interface AlterColumn extends NodeBase {
  readonly kind: 'AlterColumn';
  readonly name: Identifier;
  readonly type: SqlType;
}

/** `ALTER STREAM|TABLE name ADD [COLUMN] col type, ...`. */
export interface AlterSource extends StatementBase {
  readonly kind: 'AlterSource';
  readonly sourceType: SourceType;
  readonly name: Identifier;
  readonly columns: readonly AlterColumn[];
}

export type ShowSubject =
  | 'STREAMS'
  | 'TABLES'
  | 'QUERIES'
  | 'TOPICS'
  | 'PROPERTIES'
  | 'FUNCTIONS'
  | 'TYPES'
  | 'VARIABLES';

/**
 * `SHOW|LIST subject [EXTENDED]`, `SHOW ALL TOPICS [EXTENDED]`.
 * `extended` only for STREAMS, TABLES, QUERIES, TOPICS; `all` only for TOPICS.
 */
export interface Show extends StatementBase {
  readonly kind: 'Show';
  readonly subject: ShowSubject;
  readonly extended: boolean;
  readonly all: boolean;
}

/** `DESCRIBE name [EXTENDED]` (and `SHOW COLUMNS FROM name`). */
export interface Describe extends StatementBase {
  readonly kind: 'Describe';
  readonly name: Identifier;
  readonly extended: boolean;
}

/** `DESCRIBE STREAMS|TABLES [EXTENDED]`. */
export interface DescribeSources extends StatementBase {
  readonly kind: 'DescribeSources';
  readonly sourceType: SourceType;
  readonly extended: boolean;
}

/** `DESCRIBE FUNCTION name`. */
export interface DescribeFunction extends StatementBase {
  readonly kind: 'DescribeFunction';
  readonly name: Identifier;
}

/** `EXPLAIN queryId` or `EXPLAIN statement`: exactly one of the two is present. */
export interface Explain extends StatementBase {
  readonly kind: 'Explain';
  readonly queryId?: Identifier | undefined;
  readonly statement?: Statement | undefined;
}

/** `TERMINATE queryId` / `TERMINATE ALL` (`queryId` absent iff `all`). */
export interface Terminate extends StatementBase {
  readonly kind: 'Terminate';
  readonly all: boolean;
  readonly queryId?: Identifier | undefined;
}

/** `PAUSE queryId|ALL`. */
export interface Pause extends StatementBase {
  readonly kind: 'Pause';
  readonly all: boolean;
  readonly queryId?: Identifier | undefined;
}

/** `RESUME queryId|ALL`. */
export interface Resume extends StatementBase {
  readonly kind: 'Resume';
  readonly all: boolean;
  readonly queryId?: Identifier | undefined;
}

/** `SET 'name' = 'value'`. */
export interface SetProperty extends StatementBase {
  readonly kind: 'SetProperty';
  readonly name: string;
  readonly value: string;
}

/** `UNSET 'name'`. */
export interface UnsetProperty extends StatementBase {
  readonly kind: 'UnsetProperty';
  readonly name: string;
}

/** `ALTER SYSTEM 'name' = 'value'`. */
export interface AlterSystemProperty extends StatementBase {
  readonly kind: 'AlterSystemProperty';
  readonly name: string;
  readonly value: string;
}

/** `DEFINE name = 'value'`. `name` is kept as written (variables are case-insensitive). */
export interface DefineVariable extends StatementBase {
  readonly kind: 'DefineVariable';
  readonly name: string;
  readonly value: string;
}

/** `UNDEFINE name`. */
export interface UndefineVariable extends StatementBase {
  readonly kind: 'UndefineVariable';
  readonly name: string;
}

/**
 * A topic/subject name: an identifier or a string literal. Unlike other
 * identifiers, an unquoted resource name keeps its case (ksqlDB reads it with
 * `getIdentifierText(caseSensitive = true)`): `PRINT pageviews` prints topic
 * `pageviews`.
 */
export type ResourceName = Identifier | StringLiteral;

/** `PRINT topic [FROM BEGINNING] [INTERVAL|SAMPLE n] [LIMIT n]`. */
export interface PrintTopic extends StatementBase {
  readonly kind: 'PrintTopic';
  readonly topic: ResourceName;
  readonly fromBeginning: boolean;
  readonly interval?: number | undefined;
  readonly limit?: number | undefined;
}

/** `ASSERT [NOT EXISTS] TOPIC name [WITH (props)] [TIMEOUT n unit]`. */
export interface AssertTopic extends StatementBase {
  readonly kind: 'AssertTopic';
  /** `false` for `ASSERT NOT EXISTS`. */
  readonly exists: boolean;
  readonly topic: ResourceName;
  readonly properties: readonly Property[];
  readonly timeout?: Duration | undefined;
}

/** `ASSERT [NOT EXISTS] SCHEMA [SUBJECT name] [ID literal] [TIMEOUT n unit]`. */
export interface AssertSchema extends StatementBase {
  readonly kind: 'AssertSchema';
  readonly exists: boolean;
  readonly subject?: ResourceName | undefined;
  readonly id?: Literal | undefined;
  readonly timeout?: Duration | undefined;
}

export type Statement =
  | QueryStatement
  | CreateSource
  | CreateSourceAs
  | InsertInto
  | InsertValues
  | DropSource
  | CreateType
  | DropType
  | AlterSource
  | Show
  | Describe
  | DescribeSources
  | DescribeFunction
  | Explain
  | Terminate
  | Pause
  | Resume
  | SetProperty
  | UnsetProperty
  | AlterSystemProperty
  | DefineVariable
  | UndefineVariable
  | PrintTopic
  | AssertTopic
  | AssertSchema;

// ---------------------------------------------------------------------------
// Unions over everything
// ---------------------------------------------------------------------------

/** Every node kind. */
export type AstNode =
  | Identifier
  | SqlType
  | StructTypeField
  | FunctionArgument
  | WhenClause
  | MapEntry
  | StructField
  | Duration
  | SelectItem
  | SourceRef
  | WithinExpression
  | JoinedSource
  | Join
  | WindowExpression
  | Query
  | Property
  | TableElement
  | AlterColumn
  | Statement;

export type AstKind = AstNode['kind'];

/** The node interface for a kind: `NodeOfKind<'Query'>` is `Query`. */
export type NodeOfKind<K extends AstKind> = Extract<AstNode, { readonly kind: K }>;

export type StatementKind = Statement['kind'];

const STATEMENT_KINDS: ReadonlySet<string> = new Set<StatementKind>([
  'QueryStatement',
  'CreateSource',
  'CreateSourceAs',
  'InsertInto',
  'InsertValues',
  'DropSource',
  'CreateType',
  'DropType',
  'AlterSource',
  'Show',
  'Describe',
  'DescribeSources',
  'DescribeFunction',
  'Explain',
  'Terminate',
  'Pause',
  'Resume',
  'SetProperty',
  'UnsetProperty',
  'AlterSystemProperty',
  'DefineVariable',
  'UndefineVariable',
  'PrintTopic',
  'AssertTopic',
  'AssertSchema',
]);

export function isStatement(node: AstNode): node is Statement {
  return STATEMENT_KINDS.has(node.kind);
}
