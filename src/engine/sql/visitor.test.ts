import { describe, expect, it } from 'vitest';

import type * as ast from './ast.js';
import { KITCHEN_SINK } from './kitchen-sink.test-helper.js';
import { parse, parseExpression, parseStatement } from './parser.js';
import { print } from './printer.js';
import { BREAK, VisitorKeys, childNodes, visit } from './visitor.js';

/** Every node reachable by walking all properties (not just the visitor keys). */
function allNodes(value: unknown, out: ast.AstNode[] = []): ast.AstNode[] {
  if (Array.isArray(value)) {
    for (const item of value) allNodes(item, out);
  } else if (typeof value === 'object' && value !== null) {
    if (typeof (value as { kind?: unknown }).kind === 'string') out.push(value as ast.AstNode);
    for (const [key, child] of Object.entries(value)) if (key !== 'loc') allNodes(child, out);
  }
  return out;
}

describe('visit', () => {
  it('reaches every node of the kitchen sink through VisitorKeys', () => {
    for (const statement of parse(KITCHEN_SINK)) {
      const visited: ast.AstNode[] = [];
      visit(statement, { enter: (node) => void visited.push(node) });
      expect(visited).toEqual(allNodes(statement));
    }
  });

  it('has a keys entry for every kind it meets', () => {
    const kinds = new Set(parse(KITCHEN_SINK).flatMap((s) => allNodes(s)).map((n) => n.kind));
    for (const kind of kinds) expect(VisitorKeys).toHaveProperty(kind);
  });

  it('calls enter and leave in depth-first order, with kind-specific visitors', () => {
    const events: string[] = [];
    visit(parseExpression('a + f(b)'), {
      enter: (node) => void events.push(`enter ${node.kind}`),
      leave: (node) => void events.push(`leave ${node.kind}`),
      Identifier: (node) => void events.push(`id ${node.value}`),
      FunctionCall: { leave: (node) => void events.push(`leave call ${node.name.value}`) },
    });
    // A kind-specific entry replaces the generic enter/leave for that kind (graphql-js semantics).
    expect(events).toEqual([
      'enter ArithmeticBinary',
      'enter ColumnRef',
      'id A',
      'leave ColumnRef',
      'id F',
      'enter ColumnRef',
      'id B',
      'leave ColumnRef',
      'leave call F',
      'leave ArithmeticBinary',
    ]);
  });

  it('passes key, parent, path and ancestors', () => {
    const seen: unknown[] = [];
    const root = parseStatement('SELECT x FROM s;');
    visit(root, {
      ColumnRef: (_node, key, parent, path, ancestors) =>
        void seen.push(key, (parent as ast.AstNode).kind, [...path], ancestors.length),
    });
    expect(seen).toEqual(['expression', 'SingleColumn', ['query', 'select', 0, 'expression'], 4]);
  });

  it('skips a subtree when enter returns false, and stops on BREAK', () => {
    const names: string[] = [];
    visit(parseExpression('f(a) + b + c'), {
      FunctionCall: () => false,
      ColumnRef: (node) => {
        names.push(node.name.value);
        return node.name.value === 'B' ? BREAK : undefined;
      },
    });
    expect(names).toEqual(['B']);
  });

  it('edits without mutating: replace, delete from arrays, delete optional fields', () => {
    const original = parseStatement("SELECT a, b, c FROM s WHERE a = 'x' EMIT CHANGES;");
    const before = JSON.stringify(original);
    const edited = visit(original, {
      ColumnRef: (node) =>
        node.name.value === 'A' ? { ...node, name: { kind: 'Identifier', value: 'RENAMED' } } : undefined,
      SingleColumn: {
        leave: (node) => (node.expression.kind === 'ColumnRef' && node.expression.name.value === 'B' ? null : undefined),
      },
      Comparison: { leave: () => null },
    });
    expect(JSON.stringify(original)).toBe(before);
    expect(print(edited)).toBe('SELECT RENAMED, C FROM S EMIT CHANGES;');
    expect(edited.kind === 'QueryStatement' && 'where' in edited.query).toBe(false);
  });

  it('returns the same object when nothing changes', () => {
    const root = parseStatement('SELECT a FROM s;');
    expect(visit(root, { enter: () => undefined })).toBe(root);
  });

  it('lists direct children', () => {
    expect(childNodes(parseExpression('a BETWEEN 1 AND b')).map((n) => n.kind)).toEqual([
      'ColumnRef',
      'IntegerLiteral',
      'ColumnRef',
    ]);
  });
});
