/**
 * `Query` resolvers: small endpoints and pull queries.
 *
 * @module
 */
import { callOptions, type GatewayContext } from '../context.js';
import { objectArgument } from './args.js';
import { createRowShape, headerView, rowView, type HeaderView, type RowView } from './rows.js';

export interface PullQueryView {
  readonly header: HeaderView;
  readonly rows: readonly RowView[];
  readonly finalMessage: string | null;
}

export const queryResolvers = {
  Query: {
    async info(_root: unknown, _args: unknown, context: GatewayContext) {
      const info = await context.ksqlClient.info(callOptions(context));
      return { ...info, serverStatus: info.serverStatus ?? null };
    },

    async healthcheck(_root: unknown, _args: unknown, context: GatewayContext) {
      const health = await context.ksqlClient.healthcheck(callOptions(context));
      return {
        isHealthy: health.isHealthy,
        // The client checks isHealthy only (ksql-client): details may be missing.
        details: Object.entries((health as Partial<typeof health>).details ?? {}).map(([name, detail]) => ({
          name,
          isHealthy: detail.isHealthy,
        })),
        serverState: health.serverState ?? null,
      };
    },

    async clusterStatus(_root: unknown, _args: unknown, context: GatewayContext) {
      const status = await context.ksqlClient.clusterStatus(callOptions(context));
      return {
        hosts: Object.entries(status.clusterStatus).map(([host, s]) => ({ host, ...s })),
        raw: status,
      };
    },

    status(_root: unknown, args: { commandId: string }, context: GatewayContext) {
      return context.ksqlClient.status(args.commandId, callOptions(context));
    },

    async pullQuery(
      _root: unknown,
      args: { sql: string; properties?: unknown },
      context: GatewayContext,
    ): Promise<PullQueryView> {
      const result = await context.ksqlClient.pullQuery(
        { ksql: args.sql, streamsProperties: objectArgument(args.properties, 'properties') },
        callOptions(context),
      );
      const shape = createRowShape(result.header.columns);
      return {
        header: headerView(result.header, shape),
        rows: result.rows.map((row) => rowView(row, shape)),
        finalMessage: result.finalMessage,
      };
    },
  },
};
