/**
 * `Mutation` resolvers: statements over `/ksql` and `/ksql/terminate`. The
 * entities are returned as they are; `StatementResult` resolves their kind.
 *
 * @module
 */
import { callOptions, type GatewayContext } from '../context.js';
import { objectArgument } from './args.js';

interface ExecuteArgs {
  ksql: string;
  streamsProperties?: unknown;
  sessionVariables?: unknown;
  commandSequenceNumber?: number | null;
}

export const mutationResolvers = {
  Mutation: {
    execute(_root: unknown, args: ExecuteArgs, context: GatewayContext) {
      return context.ksqlClient.ksql(
        {
          ksql: args.ksql,
          streamsProperties: objectArgument(args.streamsProperties, 'streamsProperties'),
          sessionVariables: objectArgument(args.sessionVariables, 'sessionVariables'),
          commandSequenceNumber: args.commandSequenceNumber ?? undefined,
        },
        callOptions(context),
      );
    },

    terminateCluster(_root: unknown, args: { deleteTopicList?: string[] | null }, context: GatewayContext) {
      return context.ksqlClient.terminateCluster(args.deleteTopicList ?? undefined, callOptions(context));
    },
  },
};
