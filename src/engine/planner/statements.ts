/**
 * One entry point: an AST statement → its plan.
 *
 * @module
 */
import { assertNever } from '../../shared/errors.js';
import { AnalysisError, CatalogError, UnsupportedStatementError } from '../errors.js';
import type * as ast from '../sql/ast.js';
import type { PlannerContext } from './context.js';
import { planCreateSource, planCreateType, planDropSource, planDropType } from './ddl.js';
import { planInsertValues } from './insert.js';
import type { StatementPlan } from './plans.js';
import { planCreateAsSelect, planInsertSelect, planSourceTableMaterialization } from './persistent.js';
import { planQuery } from './query.js';

export function planStatement(stmt: ast.Statement, ctx: PlannerContext): StatementPlan {
  switch (stmt.kind) {
    case 'CreateSource': {
      const plan = planCreateSource(stmt, ctx);
      if (stmt.isSource && stmt.sourceType === 'TABLE' && plan.existsWarning === undefined) {
        return { ...plan, materialization: planSourceTableMaterialization(plan.source) };
      }
      return plan;
    }
    case 'DropSource':
      return planDropSource(stmt, ctx);
    case 'InsertValues':
      return planInsertValues(stmt, ctx);
    case 'CreateType':
      return planCreateType(stmt, ctx);
    case 'DropType':
      return planDropType(stmt, ctx);
    case 'QueryStatement':
      return planQuery(stmt, ctx);
    case 'Show':
      return { kind: 'Show', statementText: stmt.text, subject: stmt.subject, extended: stmt.extended, all: stmt.all };
    case 'Describe': {
      const source = ctx.catalog.getSource(stmt.name.value);
      if (source === undefined) throw new CatalogError(`Could not find STREAM/TABLE '${stmt.name.value}' in the Metastore`);
      return { kind: 'DescribeSource', statementText: stmt.text, source, extended: stmt.extended };
    }
    case 'DescribeSources':
      return { kind: 'DescribeSources', statementText: stmt.text, sourceType: stmt.sourceType, extended: stmt.extended };
    case 'DescribeFunction': {
      const name = stmt.name.value.toUpperCase();
      if (!ctx.functions.has(name)) throw new CatalogError(`Can't find any functions with the name '${name}'`);
      return { kind: 'DescribeFunction', statementText: stmt.text, name };
    }
    case 'SetProperty':
      return { kind: 'SetProperty', statementText: stmt.text, name: stmt.name, value: stmt.value };
    case 'UnsetProperty':
      return { kind: 'UnsetProperty', statementText: stmt.text, name: stmt.name };
    case 'DefineVariable':
      return { kind: 'DefineVariable', statementText: stmt.text, name: stmt.name, value: stmt.value };
    case 'UndefineVariable':
      return { kind: 'UndefineVariable', statementText: stmt.text, name: stmt.name };
    case 'Terminate': {
      if (stmt.all) return { kind: 'Terminate', statementText: stmt.text };
      const id = stmt.queryId?.value ?? '';
      const found = ctx.queries.get(id) ?? ctx.queries.list().find((q) => q.id.toUpperCase() === id.toUpperCase());
      if (found === undefined) throw new AnalysisError(`Unknown queryId: ${id}`);
      return { kind: 'Terminate', statementText: stmt.text, queryId: found.id };
    }
    case 'CreateSourceAs':
      return planCreateAsSelect(stmt, ctx);
    case 'InsertInto':
      return planInsertSelect(stmt, ctx);
    case 'Explain': {
      if (stmt.queryId === undefined) throw new UnsupportedStatementError('EXPLAIN of a statement is not supported by the embedded engine yet.');
      const id = stmt.queryId.value;
      const found = ctx.queries.get(id) ?? ctx.queries.list().find((q) => q.id.toUpperCase() === id.toUpperCase());
      if (found === undefined) throw new AnalysisError(`Query with id:${id} does not exist, use SHOW QUERIES to view the full set of queries.`);
      return { kind: 'Explain', statementText: stmt.text, queryId: found.id };
    }
    case 'AlterSource':
    case 'Pause':
    case 'Resume':
    case 'AlterSystemProperty':
    case 'PrintTopic':
    case 'AssertTopic':
    case 'AssertSchema':
      throw new UnsupportedStatementError(`${statementName(stmt)} is not supported by the embedded engine yet.`);
    default:
      return assertNever(stmt, 'statement');
  }
}

function statementName(stmt: ast.Statement): string {
  switch (stmt.kind) {
    case 'AlterSource':
      return `ALTER ${stmt.sourceType}`;
    case 'Explain':
      return 'EXPLAIN';
    case 'Pause':
      return 'PAUSE';
    case 'Resume':
      return 'RESUME';
    case 'AlterSystemProperty':
      return 'ALTER SYSTEM';
    case 'PrintTopic':
      return 'PRINT';
    case 'AssertTopic':
      return 'ASSERT TOPIC';
    case 'AssertSchema':
      return 'ASSERT SCHEMA';
    default:
      return stmt.kind;
  }
}
