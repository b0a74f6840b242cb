/**
 * AST traversal driven by a visitor-keys table (graphql-js `visitor.ts` style).
 *
 * `VisitorKeys` lists, for every node kind, the fields holding child nodes, in
 * source order. It is checked at compile time against `ast.ts`: a key that
 * does not hold nodes, or a node-holding field that is missing, is a type
 * error.
 *
 * @example
 * ```ts
 * // Collect every column reference.
 * const columns: ColumnRef[] = [];
 * visit(statement, { ColumnRef(node) { columns.push(node); } });
 *
 * // Rewrite: upper-case every string literal.
 * const edited = visit(expr, {
 *   StringLiteral: { leave: (node) => ({ ...node, value: node.value.toUpperCase() }) },
 * });
 * ```
 *
 * @module
 */
import type { AstKind, AstNode, NodeOfKind } from './ast.js';

/** Fields of `T` whose values are nodes or arrays of nodes. */
type NodeKeys<T> = {
  [P in keyof T]-?: P extends 'loc'
    ? never
    : NonNullable<T[P]> extends AstNode | readonly AstNode[]
      ? P
      : never;
}[keyof T] &
  string;

const visitorKeys = {
  Identifier: [],
  PrimitiveType: [],
  DecimalType: [],
  ArrayType: ['elementType'],
  MapType: ['keyType', 'valueType'],
  StructTypeField: ['name', 'type'],
  StructType: ['fields'],
  CustomType: ['name'],

  NullLiteral: [],
  BooleanLiteral: [],
  StringLiteral: [],
  IntegerLiteral: [],
  BigIntLiteral: [],
  DecimalLiteral: [],
  DoubleLiteral: [],
  ColumnRef: ['source', 'name'],
  Dereference: ['base', 'field'],
  Subscript: ['base', 'index'],
  ArithmeticUnary: ['operand'],
  ArithmeticBinary: ['left', 'right'],
  Concat: ['left', 'right'],
  Comparison: ['left', 'right'],
  LogicalBinary: ['left', 'right'],
  Not: ['operand'],
  IsNull: ['operand'],
  Between: ['operand', 'low', 'high'],
  InList: ['operand', 'values'],
  Like: ['operand', 'pattern'],
  Cast: ['operand', 'type'],
  WhenClause: ['condition', 'result'],
  SearchedCase: ['whens', 'else'],
  SimpleCase: ['operand', 'whens', 'else'],
  FunctionCall: ['name', 'args'],
  Lambda: ['params', 'body'],
  IntervalUnit: [],
  ArrayConstructor: ['elements'],
  MapEntry: ['key', 'value'],
  MapConstructor: ['entries'],
  StructField: ['name', 'value'],
  StructConstructor: ['fields'],

  Duration: [],
  AllColumns: ['source'],
  StructAll: ['base'],
  SingleColumn: ['expression', 'alias'],
  SourceRef: ['name', 'alias'],
  WithinExpression: ['before', 'after', 'grace'],
  JoinedSource: ['source', 'within', 'on'],
  Join: ['left', 'joins'],
  TumblingWindow: ['size', 'retention', 'grace'],
  HoppingWindow: ['size', 'advance', 'retention', 'grace'],
  SessionWindow: ['gap', 'retention', 'grace'],
  Query: ['select', 'from', 'window', 'where', 'groupBy', 'partitionBy', 'having'],

  Property: ['value'],
  TableElement: ['name', 'type'],
  AlterColumn: ['name', 'type'],
  QueryStatement: ['query'],
  CreateSource: ['name', 'elements', 'properties'],
  CreateSourceAs: ['name', 'properties', 'query'],
  InsertInto: ['target', 'properties', 'query'],
  InsertValues: ['target', 'columns', 'values'],
  DropSource: ['name'],
  CreateType: ['name', 'type'],
  DropType: ['name'],
  AlterSource: ['name', 'columns'],
  Show: [],
  Describe: ['name'],
  DescribeSources: [],
  DescribeFunction: ['name'],
  Explain: ['queryId', 'statement'],
  Terminate: ['queryId'],
  Pause: ['queryId'],
  Resume: ['queryId'],
  SetProperty: [],
  UnsetProperty: [],
  AlterSystemProperty: [],
  DefineVariable: [],
  UndefineVariable: [],
  PrintTopic: ['topic'],
  AssertTopic: ['topic', 'properties', 'timeout'],
  AssertSchema: ['subject', 'id', 'timeout'],
} as const satisfies { readonly [K in AstKind]: readonly NodeKeys<NodeOfKind<K>>[] };

/** Compile-time check that no node-holding field is missing from the table. */
type MissingKeys = {
  [K in AstKind]: Exclude<NodeKeys<NodeOfKind<K>>, (typeof visitorKeys)[K][number]>;
}[AstKind];
const complete: [MissingKeys] extends [never] ? true : MissingKeys = true;
void complete;

/** For every node kind, the fields holding child nodes, in source order. */
export const VisitorKeys: { readonly [K in AstKind]: readonly NodeKeys<NodeOfKind<K>>[] } = visitorKeys;

/** Return from a visit function to stop the whole traversal. */
export const BREAK: unique symbol = Symbol('BREAK');

/**
 * A visit function. Return:
 * - `undefined`: continue;
 * - `false` (from `enter`): skip this node's children;
 * - `BREAK`: stop the traversal;
 * - `null`: delete the node (removed from arrays; optional fields become absent);
 * - a node: replace it (on `enter`, the replacement's children are visited).
 */
export type VisitFn<N extends AstNode = AstNode> = (
  node: N,
  key: string | number | undefined,
  parent: AstNode | readonly AstNode[] | undefined,
  path: readonly (string | number)[],
  ancestors: readonly (AstNode | readonly AstNode[])[],
) => unknown;

export interface EnterLeave<N extends AstNode = AstNode> {
  readonly enter?: VisitFn<N> | undefined;
  readonly leave?: VisitFn<N> | undefined;
}

export type Visitor = EnterLeave & {
  readonly [K in AstKind]?: VisitFn<NodeOfKind<K>> | EnterLeave<NodeOfKind<K>> | undefined;
};

/** As in graphql-js: a kind-specific entry, when present, replaces the generic `enter`/`leave`. */
function getVisitFn(visitor: Visitor, kind: AstKind, leaving: boolean): VisitFn | undefined {
  const forKind = visitor[kind] as VisitFn | EnterLeave | undefined;
  if (typeof forKind === 'function') return leaving ? undefined : forKind;
  if (forKind !== undefined) return leaving ? forKind.leave : forKind.enter;
  return leaving ? visitor.leave : visitor.enter;
}

function isNode(value: unknown): value is AstNode {
  return typeof value === 'object' && value !== null && typeof (value as { kind?: unknown }).kind === 'string';
}

const REMOVE: unique symbol = Symbol('REMOVE');

/**
 * Depth-first traversal of `root`, calling `enter` before and `leave` after a
 * node's children. Returns the (possibly edited) root; nodes are never mutated,
 * edited ancestors are copied.
 */
export function visit<N extends AstNode>(root: N, visitor: Visitor): N {
  let broken = false;
  const path: (string | number)[] = [];
  const ancestors: (AstNode | readonly AstNode[])[] = [];

  function visitNode(
    node: AstNode,
    key: string | number | undefined,
    parent: AstNode | readonly AstNode[] | undefined,
  ): AstNode | typeof REMOVE {
    let current = node;
    const enter = getVisitFn(visitor, current.kind, false);
    if (enter !== undefined) {
      const result = enter(current, key, parent, path, ancestors);
      if (result === BREAK) {
        broken = true;
        return current;
      }
      if (result === null) return REMOVE;
      if (result === false) return current;
      if (isNode(result)) current = result;
    }

    current = visitChildren(current);
    if (broken) return current;

    const leave = getVisitFn(visitor, current.kind, true);
    if (leave !== undefined) {
      const result = leave(current, key, parent, path, ancestors);
      if (result === BREAK) {
        broken = true;
        return current;
      }
      if (result === null) return REMOVE;
      if (isNode(result)) current = result;
    }
    return current;
  }

  function visitChildren(node: AstNode): AstNode {
    const keys = VisitorKeys[node.kind] as readonly string[];
    let edits: Record<string, unknown> | undefined;
    ancestors.push(node);
    try {
      for (const key of keys) {
        if (broken) break;
        const value = (node as unknown as Record<string, unknown>)[key];
        path.push(key);
        try {
          if (Array.isArray(value)) {
            const edited = visitArray(value as readonly AstNode[]);
            if (edited !== value) (edits ??= {})[key] = edited;
          } else if (isNode(value)) {
            const edited = visitNode(value, key, node);
            if (edited !== value) (edits ??= {})[key] = edited === REMOVE ? undefined : edited;
          }
        } finally {
          path.pop();
        }
      }
    } finally {
      ancestors.pop();
    }
    if (edits === undefined) return node;
    const copy: Record<string, unknown> = { ...node };
    for (const [key, value] of Object.entries(edits)) {
      if (value === undefined) delete copy[key];
      else copy[key] = value;
    }
    return copy as unknown as AstNode;
  }

  function visitArray(array: readonly AstNode[]): readonly AstNode[] {
    let result: AstNode[] | undefined;
    ancestors.push(array);
    try {
      for (let i = 0; i < array.length; i++) {
        const item = array[i] as AstNode;
        if (broken) {
          result?.push(item);
          continue;
        }
        path.push(i);
        let edited: AstNode | typeof REMOVE;
        try {
          edited = visitNode(item, i, array);
        } finally {
          path.pop();
        }
        if (edited !== item && result === undefined) result = array.slice(0, i);
        if (result !== undefined && edited !== REMOVE) result.push(edited);
      }
    } finally {
      ancestors.pop();
    }
    return result ?? array;
  }

  const edited = visitNode(root, undefined, undefined);
  return (edited === REMOVE ? root : edited) as N;
}

/** The direct child nodes of `node`, in source order. */
export function childNodes(node: AstNode): AstNode[] {
  const children: AstNode[] = [];
  for (const key of VisitorKeys[node.kind] as readonly string[]) {
    const value = (node as unknown as Record<string, unknown>)[key];
    if (Array.isArray(value)) children.push(...(value as AstNode[]));
    else if (isNode(value)) children.push(value);
  }
  return children;
}
