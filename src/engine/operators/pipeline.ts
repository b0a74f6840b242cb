/**
 * Builds the operator chain for a plan: one operator per node, wired from
 * the root down to the source, which receives stored records.
 *
 * @module
 */
import { assertNever } from '../../shared/errors.js';
import { planTopics, type PlanNode } from '../plan/index.js';
import type { StoredRecord } from '../storage/index.js';
import { createAggregateOperator } from './aggregate.js';
import { createFilterOperator } from './filter.js';
import { createJoinOperator } from './join.js';
import type { Downstream, OperatorContext, Row } from './operator.js';
import { createProjectOperator } from './project.js';
import { createSourceOperator } from './source.js';

export function buildPipeline(node: PlanNode, downstream: Downstream<Row>, ctx: OperatorContext): Downstream<StoredRecord> {
  switch (node.kind) {
    case 'SourceScan':
      return createSourceOperator(node, downstream, ctx);
    case 'Filter':
      return buildPipeline(node.input, createFilterOperator(node, downstream, ctx), ctx);
    case 'Project':
      return buildPipeline(node.input, createProjectOperator(node, downstream, ctx), ctx);
    case 'Aggregate':
      return buildPipeline(node.input, createAggregateOperator(node, downstream, ctx), ctx);
    case 'Join': {
      // Records are routed to each side by topic (both sides when a topic is joined with itself).
      const join = createJoinOperator(node, downstream, ctx);
      const left = buildPipeline(node.left, join.left, ctx);
      const right = buildPipeline(node.right, join.right, ctx);
      const leftTopics = new Set(planTopics(node.left));
      const rightTopics = new Set(planTopics(node.right));
      return {
        push(record) {
          if (leftTopics.has(record.topic)) left.push(record);
          if (rightTopics.has(record.topic)) right.push(record);
        },
      };
    }
    default:
      return assertNever(node, 'plan node');
  }
}
