/**
 * A compiled projection of subscription events: for one subscription
 * operation (document, operation name, variable values) over one schema,
 * a function `event → ExecutionResult` that builds the result object
 * directly, instead of running graphql-js `execute` per event.
 *
 * What compiles: a root field whose `resolve` is declared
 * {@link parentOnly} (or is the default resolver), and below it fields
 * read by the default resolver or by a `parentOnly` resolver, `__typename`,
 * aliases, inline fragments and fragment spreads (on object, interface and
 * union types, abstract types resolved by a `parentOnly` `resolveType`),
 * and `@include`/`@skip` evaluated once with the operation's variables.
 * Anything else (another directive, arguments on a non-root field, a
 * resolver of unknown behaviour, `isTypeOf`) does not compile:
 * {@link compileProjection} returns `undefined` and the caller runs the
 * general executor for every event.
 *
 * The compiled path handles the happy path only. Whenever an event meets
 * anything that graphql-js would report as an error, or would handle in a
 * way the compiled code does not mirror (a throwing resolver or
 * `serialize`, a null in a non-null position, a leaf serializing to null,
 * a promise, a non-array list, an unknown runtime type), the projection
 * returns `undefined` for that event and the caller executes that event
 * with graphql-js. Errors therefore look exactly as graphql-js makes them,
 * because graphql-js makes them; the compiled path never builds an error.
 *
 * Leaf values go through each leaf type's own `serialize`, and result
 * objects are made with a null prototype in field order, as graphql-js
 * makes them, so that both paths give the same JSON (compile-projection.test.ts).
 *
 * @module
 */
import {
  getDirectiveValues,
  getOperationAST,
  getVariableValues,
  GraphQLIncludeDirective,
  GraphQLSkipDirective,
  isAbstractType,
  isLeafType,
  isListType,
  isNonNullType,
  isObjectType,
  Kind,
  OperationTypeNode,
  typeFromAST,
  type DocumentNode,
  type ExecutionResult,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLAbstractType,
  type GraphQLObjectType,
  type GraphQLOutputType,
  type GraphQLSchema,
  type SelectionSetNode,
} from 'graphql';
import { isParentOnly } from '../../shared/resolver-traits.js';

/**
 * One event's result, or `undefined` when this event must go through the
 * general executor (see the module comment).
 */
export type Projection = (event: unknown) => ExecutionResult | undefined;

export interface CompileProjectionOptions {
  readonly schema: GraphQLSchema;
  readonly document: DocumentNode;
  /** @default the document's only operation */
  readonly operationName?: string | null | undefined;
  /** The raw variable values, as the request carries them. */
  readonly variableValues?: Readonly<Record<string, unknown>> | null | undefined;
}

/** Thrown while compiling: the document uses something the compiled path does not cover. */
class NotCompilable extends Error {}

/** Returned by a completer: this event needs the general executor. */
const FALLBACK: unique symbol = Symbol('fallback');
/** Completes one value: the completed value, or FALLBACK (`unknown` covers both). */
type Completer = (value: unknown) => unknown;

type FieldGroups = Map<string, FieldNode[]>;

interface Context {
  readonly schema: GraphQLSchema;
  readonly fragments: Readonly<Record<string, FragmentDefinitionNode>>;
  readonly variables: Readonly<Record<string, unknown>>;
}

function isThenable(value: unknown): boolean {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

/** graphql-js `shouldIncludeNode`, refusing every other directive. */
function shouldInclude(ctx: Context, node: FieldNode | SelectionSetNode['selections'][number]): boolean {
  for (const directive of node.directives ?? []) {
    const name = directive.name.value;
    if (name !== GraphQLSkipDirective.name && name !== GraphQLIncludeDirective.name) throw new NotCompilable(`@${name}`);
  }
  const skip = getDirectiveValues(GraphQLSkipDirective, node, ctx.variables);
  if (skip?.['if'] === true) return false;
  const include = getDirectiveValues(GraphQLIncludeDirective, node, ctx.variables);
  return include?.['if'] !== false;
}

function conditionMatches(
  ctx: Context,
  typeCondition: { readonly name: { readonly value: string } } | undefined,
  type: GraphQLObjectType,
): boolean {
  if (!typeCondition) return true;
  const conditional = typeFromAST(ctx.schema, { kind: Kind.NAMED_TYPE, name: { kind: Kind.NAME, value: typeCondition.name.value } });
  if (conditional === type) return true;
  if (conditional !== undefined && isAbstractType(conditional)) return ctx.schema.isSubType(conditional, type);
  return false;
}

/** graphql-js `collectFields`: response keys in order of first appearance. */
function collect(ctx: Context, type: GraphQLObjectType, set: SelectionSetNode, fields: FieldGroups, visited: Set<string>): void {
  for (const selection of set.selections) {
    switch (selection.kind) {
      case Kind.FIELD: {
        if (!shouldInclude(ctx, selection)) continue;
        const key = selection.alias?.value ?? selection.name.value;
        const group = fields.get(key);
        if (group) group.push(selection);
        else fields.set(key, [selection]);
        break;
      }
      case Kind.INLINE_FRAGMENT:
        if (!shouldInclude(ctx, selection) || !conditionMatches(ctx, selection.typeCondition, type)) continue;
        collect(ctx, type, selection.selectionSet, fields, visited);
        break;
      case Kind.FRAGMENT_SPREAD: {
        const name = selection.name.value;
        if (visited.has(name) || !shouldInclude(ctx, selection)) continue;
        visited.add(name);
        const fragment = ctx.fragments[name];
        if (!fragment) throw new NotCompilable(`fragment ${name}`);
        for (const directive of fragment.directives ?? []) throw new NotCompilable(`@${directive.name.value} on a fragment`);
        if (!conditionMatches(ctx, fragment.typeCondition, type)) continue;
        collect(ctx, type, fragment.selectionSet, fields, visited);
        break;
      }
    }
  }
}

function subfields(ctx: Context, type: GraphQLObjectType, nodes: readonly FieldNode[]): FieldGroups {
  const fields: FieldGroups = new Map();
  const visited = new Set<string>();
  for (const node of nodes) if (node.selectionSet) collect(ctx, type, node.selectionSet, fields, visited);
  return fields;
}

/** How a field's value is read from its parent. */
function reader(type: GraphQLObjectType, name: string): (parent: unknown) => unknown {
  const field = type.getFields()[name];
  if (!field) throw new NotCompilable(`${type.name}.${name}`);
  const resolve = field.resolve;
  if (resolve === undefined) {
    // graphql-js defaultFieldResolver, minus its method call (a function-valued property falls back).
    return (parent) => {
      if ((typeof parent !== 'object' || parent === null) && typeof parent !== 'function') return undefined;
      const value = (parent as Record<string, unknown>)[name];
      return typeof value === 'function' ? FALLBACK : value;
    };
  }
  if (!isParentOnly(resolve)) throw new NotCompilable(`${type.name}.${name} has a resolver`);
  return resolve as (parent: unknown) => unknown;
}

function objectCompleter(ctx: Context, type: GraphQLObjectType, nodes: readonly FieldNode[]): Completer {
  if (type.isTypeOf) throw new NotCompilable(`${type.name}.isTypeOf`);
  const plan: Array<{ key: string; read: (parent: unknown) => unknown; complete: Completer } | { key: string; typename: string }> = [];
  for (const [key, group] of subfields(ctx, type, nodes)) {
    const first = group[0] as FieldNode;
    const name = first.name.value;
    if (name === '__typename') {
      plan.push({ key, typename: type.name });
      continue;
    }
    for (const node of group) if (node.arguments?.length) throw new NotCompilable(`arguments on ${type.name}.${name}`);
    const field = type.getFields()[name];
    if (!field) throw new NotCompilable(`${type.name}.${name}`);
    plan.push({ key, read: reader(type, name), complete: completer(ctx, field.type, group) });
  }
  return (parent) => {
    const out: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
    for (const step of plan) {
      if ('typename' in step) {
        out[step.key] = step.typename;
        continue;
      }
      const value = step.read(parent);
      if (value === FALLBACK || isThenable(value)) return FALLBACK;
      const completed = step.complete(value);
      if (completed === FALLBACK) return FALLBACK;
      out[step.key] = completed;
    }
    return out;
  };
}

function abstractCompleter(ctx: Context, type: GraphQLAbstractType, nodes: readonly FieldNode[]): Completer {
  const resolveType = type.resolveType;
  if (!isParentOnly(resolveType)) throw new NotCompilable(`${type.name}.resolveType`);
  const byName = new Map<string, Completer>();
  for (const possible of ctx.schema.getPossibleTypes(type)) byName.set(possible.name, objectCompleter(ctx, possible, nodes));
  const resolve = resolveType as unknown as (value: unknown) => unknown;
  return (value) => {
    const name = resolve(value);
    if (typeof name !== 'string') return FALLBACK;
    const complete = byName.get(name);
    return complete === undefined ? FALLBACK : complete(value);
  };
}

/** graphql-js `completeValue`, for values it would complete without an error. */
function completer(ctx: Context, type: GraphQLOutputType, nodes: readonly FieldNode[]): Completer {
  if (isNonNullType(type)) {
    const inner = completer(ctx, type.ofType, nodes);
    return (value) => {
      if (value === null || value === undefined) return FALLBACK;
      const completed = inner(value);
      return completed === null ? FALLBACK : completed;
    };
  }
  let complete: Completer;
  if (isListType(type)) {
    const item = completer(ctx, type.ofType, nodes);
    complete = (value) => {
      if (!Array.isArray(value)) return FALLBACK;
      const out = new Array<unknown>(value.length);
      for (let i = 0; i < value.length; i++) {
        const element: unknown = value[i];
        if (isThenable(element)) return FALLBACK;
        const completed = item(element);
        if (completed === FALLBACK) return FALLBACK;
        out[i] = completed;
      }
      return out;
    };
  } else if (isLeafType(type)) {
    complete = (value) => {
      const serialized = type.serialize(value);
      return serialized === null || serialized === undefined ? FALLBACK : serialized;
    };
  } else if (isObjectType(type)) {
    complete = objectCompleter(ctx, type, nodes);
  } else {
    complete = abstractCompleter(ctx, type, nodes);
  }
  return (value) => {
    if (value instanceof Error) return FALLBACK;
    if (value === null || value === undefined) return null;
    return complete(value);
  };
}

/**
 * Compiles the projection of `document`'s subscription operation, or returns
 * `undefined` when the document uses anything the compiled path does not
 * cover (then run graphql-js `execute` per event).
 */
export function compileProjection({ schema, document, operationName, variableValues }: CompileProjectionOptions): Projection | undefined {
  const operation = getOperationAST(document, operationName ?? undefined);
  if (!operation || operation.operation !== OperationTypeNode.SUBSCRIPTION || operation.directives?.length) return undefined;
  const rootType = schema.getSubscriptionType();
  if (!rootType) return undefined;
  const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], variableValues ?? {}, { maxErrors: 1 });
  if (coerced.errors) return undefined;
  const fragments: Record<string, FragmentDefinitionNode> = Object.create(null) as Record<string, FragmentDefinitionNode>;
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments[definition.name.value] = definition;
  }
  const ctx: Context = { schema, fragments, variables: coerced.coerced };
  try {
    const roots: FieldGroups = new Map();
    collect(ctx, rootType, operation.selectionSet, roots, new Set());
    if (roots.size !== 1) return undefined;
    const [[key, group]] = [...roots] as [[string, FieldNode[]]];
    const name = (group[0] as FieldNode).name.value;
    const field = rootType.getFields()[name];
    if (!field) return undefined;
    // Root arguments are fine: a parent-only resolver does not read them.
    const read = reader(rootType, name);
    const complete = completer(ctx, field.type, group);
    return (event) => {
      try {
        const value = read(event);
        if (value === FALLBACK || isThenable(value)) return undefined;
        const completed = complete(value);
        if (completed === FALLBACK) return undefined;
        const data: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
        data[key] = completed;
        return { data };
      } catch {
        // graphql-js reports it (a resolver or serialize threw): let it.
        return undefined;
      }
    };
  } catch (error) {
    if (error instanceof NotCompilable) return undefined;
    throw error;
  }
}
