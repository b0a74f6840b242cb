/**
 * `Mutation` resolvers: statements over `/ksql` and `/ksql/terminate`. The
 * entities are returned as they are; `StatementResult` resolves their kind.
 *
 * @module
 */
import type { KsqlEntity } from '../../protocol/index.js';
import { callOptions, type GatewayContext } from '../context.js';
import { objectArgument } from './args.js';

export interface MutationOptions {
  /**
   * Awaited after statements that ran a command (`currentStatus`: CREATE,
   * DROP, ALTER, TERMINATE, ...) before the result is returned, so that the
   * next operation sees the refreshed typed schema. Must not throw.
   */
  readonly afterCommand?: ((entities: readonly KsqlEntity[]) => Promise<void>) | undefined;
}

interface ExecuteArgs {
  ksql: string;
  streamsProperties?: unknown;
  sessionVariables?: unknown;
  commandSequenceNumber?: number | null;
}

export function createMutationResolvers(options: MutationOptions = {}) {
  return {
    Mutation: {
      async execute(_root: unknown, args: ExecuteArgs, context: GatewayContext) {
        const entities = await context.ksqlClient.ksql(
          {
            ksql: args.ksql,
            streamsProperties: objectArgument(args.streamsProperties, 'streamsProperties'),
            sessionVariables: objectArgument(args.sessionVariables, 'sessionVariables'),
            commandSequenceNumber: args.commandSequenceNumber ?? undefined,
          },
          callOptions(context),
        );
        if (options.afterCommand && entities.some((e) => e['@type'] === 'currentStatus')) await options.afterCommand(entities);
        return entities;
      },

      terminateCluster(_root: unknown, args: { deleteTopicList?: string[] | null }, context: GatewayContext) {
        return context.ksqlClient.terminateCluster(args.deleteTopicList ?? undefined, callOptions(context));
      },
    },
  };
}
