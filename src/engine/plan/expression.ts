/**
 * The expression IR: typed, with columns resolved to row positions. Plain
 * data (no closures), so plans can be printed, compared and persisted; the
 * operators compile it to closures (operators/evaluate.ts).
 *
 * `type: null` is the type of a bare NULL literal (unknown until context).
 *
 * @module
 */
import type { SqlType, Value } from '../types/index.js';

export type ArithmeticOp = '+' | '-' | '*' | '/' | '%';
export type ComparisonOp = '=' | '<>' | '<' | '<=' | '>' | '>=' | 'IS DISTINCT FROM' | 'IS NOT DISTINCT FROM';

export interface LiteralExpr {
  readonly kind: 'Literal';
  readonly type: SqlType | null;
  readonly value: Value;
}

/** A column of the input row, by position. */
export interface ColumnExpr {
  readonly kind: 'Column';
  readonly index: number;
  readonly name: string;
  readonly type: SqlType;
}

export interface ArithmeticExpr {
  readonly kind: 'Arithmetic';
  readonly op: ArithmeticOp;
  /** Both operands are already cast to `type`. */
  readonly left: Expr;
  readonly right: Expr;
  readonly type: SqlType;
}

export interface NegateExpr {
  readonly kind: 'Negate';
  readonly operand: Expr;
  readonly type: SqlType;
}

export interface ComparisonExpr {
  readonly kind: 'Comparison';
  readonly op: ComparisonOp;
  readonly left: Expr;
  readonly right: Expr;
  readonly type: SqlType;
}

export interface LogicalExpr {
  readonly kind: 'Logical';
  readonly op: 'AND' | 'OR';
  readonly left: Expr;
  readonly right: Expr;
  readonly type: SqlType;
}

export interface NotExpr {
  readonly kind: 'Not';
  readonly operand: Expr;
  readonly type: SqlType;
}

export interface IsNullExpr {
  readonly kind: 'IsNull';
  readonly operand: Expr;
  readonly negated: boolean;
  readonly type: SqlType;
}

export interface BetweenExpr {
  readonly kind: 'Between';
  readonly operand: Expr;
  readonly low: Expr;
  readonly high: Expr;
  readonly negated: boolean;
  readonly type: SqlType;
}

export interface InExpr {
  readonly kind: 'In';
  readonly operand: Expr;
  readonly values: readonly Expr[];
  readonly negated: boolean;
  readonly type: SqlType;
}

export interface LikeExpr {
  readonly kind: 'Like';
  readonly operand: Expr;
  readonly pattern: Expr;
  readonly escape?: string | undefined;
  readonly negated: boolean;
  readonly type: SqlType;
}

export interface CaseExpr {
  readonly kind: 'Case';
  /** Searched form: each `when` is a BOOLEAN condition (simple CASE is lowered to this). */
  readonly whens: readonly { readonly when: Expr; readonly then: Expr }[];
  readonly else?: Expr | undefined;
  readonly type: SqlType | null;
}

export interface CastExpr {
  readonly kind: 'Cast';
  readonly operand: Expr;
  readonly type: SqlType;
}

/** `struct->field`. */
export interface DerefExpr {
  readonly kind: 'Deref';
  readonly operand: Expr;
  readonly field: string;
  readonly type: SqlType;
}

/** `array[i]` (1-based, negative from the end) or `map[key]`. */
export interface SubscriptExpr {
  readonly kind: 'Subscript';
  readonly operand: Expr;
  readonly index: Expr;
  readonly type: SqlType;
}

/** A scalar function call, resolved by name against the function registry. */
export interface CallExpr {
  readonly kind: 'Call';
  readonly name: string;
  readonly args: readonly Expr[];
  /** Types the arguments are coerced to (from the resolved signature). */
  readonly argTypes?: readonly SqlType[] | undefined;
  readonly type: SqlType;
}

export interface ArrayExpr {
  readonly kind: 'Array';
  readonly items: readonly Expr[];
  readonly type: SqlType;
}

export interface MapExpr {
  readonly kind: 'Map';
  readonly entries: readonly { readonly key: Expr; readonly value: Expr }[];
  readonly type: SqlType;
}

export interface StructExpr {
  readonly kind: 'Struct';
  readonly fields: readonly { readonly name: string; readonly value: Expr }[];
  readonly type: SqlType;
}

/** A lambda argument of a lambda function (TRANSFORM, FILTER, REDUCE); typed by its body. */
export interface LambdaExpr {
  readonly kind: 'Lambda';
  readonly params: readonly string[];
  readonly body: Expr;
  readonly type: SqlType | null;
}

/** A parameter of an enclosing lambda, inside its body. */
export interface LambdaVariableExpr {
  readonly kind: 'LambdaVariable';
  readonly name: string;
  readonly type: SqlType;
}

export type Expr =
  | LambdaExpr
  | LambdaVariableExpr
  | LiteralExpr
  | ColumnExpr
  | ArithmeticExpr
  | NegateExpr
  | ComparisonExpr
  | LogicalExpr
  | NotExpr
  | IsNullExpr
  | BetweenExpr
  | InExpr
  | LikeExpr
  | CaseExpr
  | CastExpr
  | DerefExpr
  | SubscriptExpr
  | CallExpr
  | ArrayExpr
  | MapExpr
  | StructExpr;

/** Visits every sub-expression (pre-order). */
export function forEachExpr(e: Expr, visit: (e: Expr) => void): void {
  visit(e);
  switch (e.kind) {
    case 'Literal':
    case 'Column':
      return;
    case 'Arithmetic':
    case 'Comparison':
    case 'Logical':
      forEachExpr(e.left, visit);
      forEachExpr(e.right, visit);
      return;
    case 'Negate':
    case 'Not':
    case 'IsNull':
    case 'Cast':
    case 'Deref':
      forEachExpr(e.operand, visit);
      return;
    case 'Between':
      forEachExpr(e.operand, visit);
      forEachExpr(e.low, visit);
      forEachExpr(e.high, visit);
      return;
    case 'In':
      forEachExpr(e.operand, visit);
      e.values.forEach((v) => forEachExpr(v, visit));
      return;
    case 'Like':
      forEachExpr(e.operand, visit);
      forEachExpr(e.pattern, visit);
      return;
    case 'Case':
      e.whens.forEach((w) => {
        forEachExpr(w.when, visit);
        forEachExpr(w.then, visit);
      });
      if (e.else) forEachExpr(e.else, visit);
      return;
    case 'Subscript':
      forEachExpr(e.operand, visit);
      forEachExpr(e.index, visit);
      return;
    case 'Call':
      e.args.forEach((a) => forEachExpr(a, visit));
      return;
    case 'Array':
      e.items.forEach((a) => forEachExpr(a, visit));
      return;
    case 'Map':
      e.entries.forEach((x) => {
        forEachExpr(x.key, visit);
        forEachExpr(x.value, visit);
      });
      return;
    case 'Struct':
      e.fields.forEach((f) => forEachExpr(f.value, visit));
      return;
    case 'Lambda':
      forEachExpr(e.body, visit);
      return;
  }
}
