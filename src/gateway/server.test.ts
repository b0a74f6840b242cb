/**
 * The gateway in process (`gateway.fetch`, no socket) against a fake client.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ENTITY_TYPES, JsonNumber, type KsqlEntity } from '../protocol/index.js';
import { KsqlServerError, KsqlTimeoutError, KsqlTransportError } from './ksql-client/errors.js';
import type { KsqlClient } from './ksql-client/types.js';
import { buildGateway, type Gateway } from './server.js';
import type { Logger } from '../shared/logger.js';
import { ENTITY_FIXTURES, UNKNOWN_ENTITY } from './testing/entities.js';
import { createFakeKsqlClient } from './testing/fake-ksql-client.js';
import { readSse, type GraphQLResponse } from './testing/http.js';
import { selectAll } from './testing/select-all.js';

const URL_ = 'http://gateway.test/graphql';
const gateways: Gateway[] = [];

afterEach(async () => {
  await Promise.all(gateways.splice(0).map((g) => g.close()));
});

function setup(overrides: Partial<KsqlClient> = {}, options: Partial<Parameters<typeof buildGateway>[0]> = {}) {
  const client = createFakeKsqlClient(overrides);
  const gateway = buildGateway({ client, logger: false, typedSchema: false, adminApi: 'open', ...options });
  gateways.push(gateway);
  return { client, gateway };
}

async function post(
  gateway: Gateway,
  query: string,
  variables?: Record<string, unknown>,
  headers: Record<string, string> = {},
): Promise<{ status: number; text: string; body: GraphQLResponse }> {
  const res = await gateway.fetch(URL_, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', ...headers },
    body: JSON.stringify({ query, variables }),
  });
  const text = await res.text();
  return { status: res.status, text, body: JSON.parse(text) as GraphQLResponse };
}

function sse(gateway: Gateway, query: string, variables?: Record<string, unknown>) {
  return readSse(
    gateway.fetch(URL_, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({ query, variables }),
    }),
  );
}

describe('small endpoints', () => {
  it('serves info, healthcheck, clusterStatus and status, forwarding Authorization', async () => {
    const { client, gateway } = setup();
    const { body } = await post(
      gateway,
      `{ info { version kafkaClusterId ksqlServiceId serverStatus }
         healthcheck { isHealthy serverState details { name isHealthy } }
         clusterStatus { hosts { host hostAlive lastStatusUpdateMs activeStandbyPerQuery hostStoreLags } }
         status(commandId: "stream/\`S1\`/create") { status message queryId } }`,
      undefined,
      { authorization: 'Bearer t0ken' },
    );
    expect(body).toEqual({
      data: {
        info: { version: '0.29.0', kafkaClusterId: 'kafka-1', ksqlServiceId: 'default_', serverStatus: 'RUNNING' },
        healthcheck: {
          isHealthy: true,
          serverState: 'READY',
          details: [
            { name: 'metastore', isHealthy: true },
            { name: 'kafka', isHealthy: true },
            { name: 'commandRunner', isHealthy: true },
          ],
        },
        clusterStatus: {
          hosts: [
            {
              host: 'localhost:8088',
              hostAlive: true,
              lastStatusUpdateMs: 1_700_000_000_000,
              activeStandbyPerQuery: {},
              hostStoreLags: {},
            },
          ],
        },
        status: { status: 'SUCCESS', message: 'Stream created', queryId: null },
      },
    });
    expect(client.callsOf('status')[0]?.args).toEqual(['stream/`S1`/create']);
    for (const call of client.calls) {
      expect(call.options?.authorization).toBe('Bearer t0ken');
      expect(call.options?.signal).toBeInstanceOf(AbortSignal);
    }
  });
});

describe('Mutation.execute', () => {
  it('returns every result kind, typed, in one operation, and keeps unknown kinds', async () => {
    const entities: KsqlEntity[] = [...ENTITY_TYPES.map((t) => ENTITY_FIXTURES[t]), UNKNOWN_ENTITY];
    const { client, gateway } = setup({ ksql: async () => entities });
    const selection = selectAll(gateway.schema, gateway.schema.getType('StatementResult')!);
    const { body } = await post(gateway, `mutation { execute(ksql: "many;") ${selection} }`);
    expect(body.errors).toBeUndefined();
    const results = (body.data as { execute: Array<Record<string, unknown>> }).execute;
    expect(results.map((r) => r['__typename'])).toEqual([
      'CommandStatusResult',
      'PropertiesResult',
      'QueriesResult',
      'QueryDescriptionsResult',
      'QueryDescriptionResult',
      'SourceDescriptionResult',
      'SourceDescriptionsResult',
      'StreamsResult',
      'TablesResult',
      'TopicsResult',
      'TopicsExtendedResult',
      'FunctionsResult',
      'FunctionDescriptionResult',
      'TypesResult',
      'WarningResult',
      'VariablesResult',
      'TerminateQueryResult',
      'ConnectorInfoResult',
      'DropConnectorResult',
      'ConnectorListResult',
      'ConnectorPluginsResult',
      'ConnectorDescriptionResult',
      'AssertTopicResult',
      'AssertSchemaResult',
      'TopicDescriptionResult',
      'ExecutionPlanResult',
      'UnknownStatementResult',
    ]);
    results.forEach((r, i) => {
      const entity = entities[i] as KsqlEntity;
      expect(r['type']).toBe(entity['@type']);
      expect(r['statementText']).toBe(entity.statementText);
      expect(r['raw']).toEqual(JSON.parse(JSON.stringify(entity)));
    });
    const byType = new Map(results.map((r) => [r['type'] as string, r]));
    expect(byType.get('currentStatus')).toMatchObject({
      commandId: 'stream/`S1`/create',
      commandStatus: { status: 'SUCCESS', message: 'Stream created', queryId: null },
      commandSequenceNumber: 2,
    });
    expect(byType.get('sourceDescription')).toMatchObject({
      sourceDescription: {
        fields: [
          { name: 'ID', type: 'STRING', namespace: 'KEY', headerKey: null },
          { name: 'V', type: 'BIGINT', namespace: 'VALUE' },
          { name: 'AMOUNT', type: 'DECIMAL(4, 2)', namespace: 'VALUE' },
          { name: 'S', type: 'STRUCT<`A` INTEGER>', namespace: 'VALUE' },
        ],
        readQueries: [{ id: 'CSAS_S2_1', statusCount: { RUNNING: 1 } }],
      },
    });
    expect(byType.get('describe_function')).toMatchObject({ functionType: 'SCALAR', name: 'UCASE' });
    expect(byType.get('connector_plugins_list')).toMatchObject({
      connectorPlugins: [{ className: 'X', type: 'source', version: '1.0' }],
    });
    expect(byType.get('connector_description')).toMatchObject({ topicNames: ['s1'] });
    expect(byType.get('connector_list')).toMatchObject({
      connectors: [{ name: 'C', type: 'source' }, { name: 'D', type: null, className: null, state: null }],
    });
    expect(byType.get('type_list')).toMatchObject({
      types: [{ name: 'ADDRESS', type: 'STRUCT<`STREET` STRING>' }],
    });
    expect(byType.get('executionPlan')).toMatchObject({ warnings: [{ message: 'registered but never produced' }] });
    expect(byType.get('shiny_new_thing')).toEqual({
      __typename: 'UnknownStatementResult',
      type: 'shiny_new_thing',
      statementText: 'SHOW SHINY THINGS;',
      warnings: [{ __typename: 'StatementWarning', message: 'experimental' }],
      raw: UNKNOWN_ENTITY,
    });
    expect(client.callsOf('ksql')[0]?.args).toEqual([
      { ksql: 'many;', streamsProperties: undefined, sessionVariables: undefined, commandSequenceNumber: undefined },
    ]);
  });

  it('passes properties, variables and the sequence number to /ksql', async () => {
    const { client, gateway } = setup({ ksql: async () => [ENTITY_FIXTURES.currentStatus] });
    const { body } = await post(
      gateway,
      `mutation($p: JSON) { execute(ksql: "CREATE ...;", streamsProperties: $p, sessionVariables: { topic: "orders", n: 12345678901234567890 }, commandSequenceNumber: 7) { type } }`,
      { p: { 'ksql.streams.auto.offset.reset': 'earliest' } },
    );
    expect(body).toEqual({ data: { execute: [{ type: 'currentStatus' }] } });
    expect(client.callsOf('ksql')[0]?.args).toEqual([
      {
        ksql: 'CREATE ...;',
        streamsProperties: { 'ksql.streams.auto.offset.reset': 'earliest' },
        sessionVariables: { topic: 'orders', n: new JsonNumber('12345678901234567890') },
        commandSequenceNumber: 7,
      },
    ]);
  });

  it('refuses properties that are not a JSON object', async () => {
    const { client, gateway } = setup();
    const { body } = await post(gateway, `mutation { execute(ksql: "x;", streamsProperties: [1, 2]) { type } }`);
    expect(body.errors?.[0]).toMatchObject({
      message: 'Argument "streamsProperties" must be a JSON object.',
      path: ['execute'],
      extensions: { code: 'BAD_USER_INPUT', argumentName: 'streamsProperties' },
    });
    expect(client.callsOf('ksql')).toEqual([]);
  });

  it('terminates the cluster with a topic list', async () => {
    const terminated = { ...ENTITY_FIXTURES.currentStatus, statementText: 'TERMINATE CLUSTER;' };
    const { client, gateway } = setup({ terminateCluster: async () => [terminated] });
    const { body } = await post(
      gateway,
      `mutation { terminateCluster(deleteTopicList: ["ORDERS", "audit.*"]) { type statementText } }`,
    );
    expect(body).toEqual({ data: { terminateCluster: [{ type: 'currentStatus', statementText: 'TERMINATE CLUSTER;' }] } });
    expect(client.callsOf('terminateCluster')[0]?.args).toEqual([['ORDERS', 'audit.*']]);
  });
});

describe('errors', () => {
  it('translates a 40001 statement error with exact extensions', async () => {
    const { gateway } = setup({
      ksql: async () => {
        throw new KsqlServerError("line 1:8: Syntax Error: Unknown statement 'STREM'", {
          httpStatus: 400,
          errorCode: 40001,
          ksqlType: 'statement_error',
          statementText: 'CREATE STREM oops;',
          entities: [],
        });
      },
    });
    const { status, body } = await post(gateway, `mutation { execute(ksql: "CREATE STREM oops;") { type } }`);
    expect(status).toBe(200);
    expect(body).toEqual({
      data: null,
      errors: [
        {
          message: "line 1:8: Syntax Error: Unknown statement 'STREM'",
          locations: [{ line: 1, column: 12 }],
          path: ['execute'],
          extensions: {
            code: 'KSQL_BAD_STATEMENT',
            ksqlErrorCode: 40001,
            httpStatus: 400,
            statementText: 'CREATE STREM oops;',
            entities: [],
          },
        },
      ],
    });
  });

  it('translates a 40002 error with exact extensions', async () => {
    const message =
      "The following statement types should be issued to the websocket endpoint '/query':\n\t* PRINT\n\t* SELECT";
    const { gateway } = setup({
      ksql: async () => {
        throw new KsqlServerError(message, {
          httpStatus: 400,
          errorCode: 40002,
          ksqlType: 'statement_error',
          statementText: 'SELECT * FROM S EMIT CHANGES;',
          entities: [],
        });
      },
    });
    const { body } = await post(gateway, `mutation { execute(ksql: "SELECT * FROM S EMIT CHANGES;") { type } }`);
    expect(body.errors).toEqual([
      {
        message,
        locations: [{ line: 1, column: 12 }],
        path: ['execute'],
        extensions: {
          code: 'KSQL_QUERY_ENDPOINT',
          ksqlErrorCode: 40002,
          httpStatus: 400,
          statementText: 'SELECT * FROM S EMIT CHANGES;',
          entities: [],
        },
      },
    ]);
  });

  it('reports KSQL_UNAVAILABLE for transport failures and timeouts, without internals', async () => {
    const { gateway } = setup({
      info: async () => {
        throw new KsqlTransportError('GET http://10.1.2.3:8088/info failed: connect ECONNREFUSED 10.1.2.3:8088', {
          causeCode: 'ECONNREFUSED',
          cause: new Error('connect ECONNREFUSED'),
        });
      },
      healthcheck: async () => {
        throw new KsqlTimeoutError('GET http://10.1.2.3:8088/healthcheck timed out after 5 ms', { timeoutMs: 5 });
      },
    });
    const { text, body } = await post(gateway, `{ info { version } }`);
    expect(body.errors).toEqual([
      {
        message: 'ksqlDB is unavailable.',
        locations: [{ line: 1, column: 3 }],
        path: ['info'],
        extensions: { code: 'KSQL_UNAVAILABLE', reason: 'connection refused' },
      },
    ]);
    expect(text).not.toMatch(/10\.1\.2\.3|ECONNREFUSED|stack/);
    const timeout = await post(gateway, `{ healthcheck { isHealthy } }`);
    expect(timeout.body.errors?.[0]).toMatchObject({
      message: 'ksqlDB did not answer in time.',
      extensions: { code: 'KSQL_UNAVAILABLE' },
    });
  });

  it('maps a 404 from /status to KSQL_NOT_FOUND', async () => {
    const { gateway } = setup({
      status: async () => {
        throw new KsqlServerError('Command not found', { httpStatus: 404, errorCode: 40400, ksqlType: 'generic_error' });
      },
    });
    const { body } = await post(gateway, `{ status(commandId: "stream/X/create") { status } }`);
    expect(body.errors?.[0]?.extensions).toEqual({ code: 'KSQL_NOT_FOUND', ksqlErrorCode: 40400, httpStatus: 404 });
  });

  it('masks unexpected errors: "Unexpected error.", INTERNAL_SERVER_ERROR, no stack or message', async () => {
    const logged: unknown[] = [];
    const logger: Logger = { debug() {}, info() {}, warn() {}, error: (...a: unknown[]) => logged.push(...a), child: () => logger };
    const { gateway } = setup(
      {
        info: async () => {
          throw new TypeError('Cannot read properties of undefined (reading "password=hunter2")');
        },
      },
      { logger },
    );
    const { text, body } = await post(gateway, `{ info { version } }`);
    expect(body).toEqual({
      data: null,
      errors: [
        {
          message: 'Unexpected error.',
          locations: [{ line: 1, column: 3 }],
          path: ['info'],
          extensions: { code: 'INTERNAL_SERVER_ERROR' },
        },
      ],
    });
    expect(text).not.toMatch(/hunter2|TypeError|stack|\.ts/);
    expect(logged.some((e) => String(e).includes('hunter2'))).toBe(true);
  });

  it('masks an unexpected error a subscription stream throws over SSE, and logs it once', async () => {
    const logged: unknown[] = [];
    const logger: Logger = { debug() {}, info() {}, warn() {}, error: (...a: unknown[]) => logged.push(...a), child: () => logger };
    const { client, gateway } = setup({}, { logger });
    const events = sse(gateway, 'subscription { pushQuery(sql: "SELECT * FROM S EMIT CHANGES;") { __typename } }');
    const stream = await client.nextStream();
    stream.sendHeader('`ID` STRING');
    stream.fail(new TypeError('internal detail /srv/secret.ts:12'));
    const got = await events.all();
    expect(JSON.stringify(got)).not.toContain('secret');
    expect(got.at(-1)).toEqual({
      errors: [{ message: 'Unexpected error.', locations: [{ line: 1, column: 1 }], extensions: { code: 'INTERNAL_SERVER_ERROR' } }],
    });
    expect(logged.filter((e) => String(e).includes('secret'))).toHaveLength(1);
  });

  it('masks an error thrown outside execution (by a plugin)', async () => {
    const plugin = {
      onParams() {
        throw new Error('plugin internals: token=abc123');
      },
    };
    const masked = await post(setup({}, { plugins: [plugin] }).gateway, '{ info { version } }');
    expect(masked.text).not.toContain('abc123');
    expect(masked.body.errors).toEqual([{ message: 'Unexpected error.', extensions: { code: 'INTERNAL_SERVER_ERROR' } }]);
    // Turned off (while developing), the message reaches the client.
    const open = await post(setup({}, { plugins: [plugin], maskedErrors: false }).gateway, '{ info { version } }');
    expect(open.body.errors?.[0]?.message).toBe('plugin internals: token=abc123');
  });

  it('keeps GraphQL validation errors as they are', async () => {
    const { body } = await post(setup().gateway, `{ nope }`);
    expect(body.errors?.[0]?.message).toBe('Cannot query field "nope" on type "Query".');
  });
});

describe('Query.pullQuery', () => {
  const schema =
    '`ID` STRING KEY, `V` BIGINT, `AMOUNT` DECIMAL(4, 2), `D` DOUBLE, `N` INTEGER, ' +
    '`BIGS` ARRAY<BIGINT>, `M` MAP<STRING, DECIMAL(10, 1)>, `S` STRUCT<`X` BIGINT, `Y` STRING>';

  it('delivers BIGINT and DECIMAL as exact strings, others as JSON numbers', async () => {
    const { client, gateway } = setup({
      pullQuery: async () => ({
        header: { queryId: 'query_1', schema, columns: (await import('../protocol/index.js')).parseSchemaString(schema) },
        rows: [
          {
            columns: [
              'a',
              new JsonNumber('9007199254740993'),
              new JsonNumber('1.10'),
              new JsonNumber('0.1000000000000001'),
              7,
              [1, new JsonNumber('9223372036854775807')],
              { k: new JsonNumber('12345678901234567.0') },
              { X: 5, Y: 'y' },
            ],
            tombstone: false,
          },
          { columns: ['b', null, null, null, null, null, null, null], tombstone: true },
        ],
        finalMessage: 'Query Completed',
      }),
    });
    const { text, body } = await post(
      gateway,
      `query($p: JSON) { pullQuery(sql: "SELECT * FROM T;", properties: $p) {
         header { queryId schema columns { name type namespace headerKey } }
         rows { columns row tombstone } finalMessage } }`,
      { p: { 'ksql.query.pull.table.scan.enabled': true } },
    );
    expect(body.errors).toBeUndefined();
    const result = (body.data as { pullQuery: Record<string, unknown> }).pullQuery;
    expect(result['header']).toEqual({
      queryId: 'query_1',
      schema,
      columns: [
        { name: 'ID', type: 'STRING', namespace: 'KEY', headerKey: null },
        { name: 'V', type: 'BIGINT', namespace: 'VALUE', headerKey: null },
        { name: 'AMOUNT', type: 'DECIMAL(4, 2)', namespace: 'VALUE', headerKey: null },
        { name: 'D', type: 'DOUBLE', namespace: 'VALUE', headerKey: null },
        { name: 'N', type: 'INTEGER', namespace: 'VALUE', headerKey: null },
        { name: 'BIGS', type: 'ARRAY<BIGINT>', namespace: 'VALUE', headerKey: null },
        { name: 'M', type: 'MAP<STRING, DECIMAL(10, 1)>', namespace: 'VALUE', headerKey: null },
        { name: 'S', type: 'STRUCT<`X` BIGINT, `Y` STRING>', namespace: 'VALUE', headerKey: null },
      ],
    });
    const values = ['a', '9007199254740993', '1.10', 0.1000000000000001, 7, ['1', '9223372036854775807'], { k: '12345678901234567.0' }, { X: '5', Y: 'y' }];
    expect(result['rows']).toEqual([
      {
        columns: values,
        row: { ID: 'a', V: '9007199254740993', AMOUNT: '1.10', D: 0.1000000000000001, N: 7, BIGS: ['1', '9223372036854775807'], M: { k: '12345678901234567.0' }, S: { X: '5', Y: 'y' } },
        tombstone: false,
      },
      {
        columns: ['b', null, null, null, null, null, null, null],
        row: { ID: 'b', V: null, AMOUNT: null, D: null, N: null, BIGS: null, M: null, S: null },
        tombstone: true,
      },
    ]);
    expect(result['finalMessage']).toBe('Query Completed');
    // On the wire: the exact digits, never a rounded double.
    expect(text).toContain('"9007199254740993"');
    expect(text).not.toContain('9007199254740992');
    expect(client.callsOf('pullQuery')[0]?.args).toEqual([
      { ksql: 'SELECT * FROM T;', streamsProperties: { 'ksql.query.pull.table.scan.enabled': true } },
    ]);
  });
});

describe('HTTP surface', () => {
  it('serves GraphiQL at GET /graphql, with every asset inline', async () => {
    const { gateway } = setup();
    const res = await gateway.fetch(URL_, { headers: { accept: 'text/html' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
    const html = await res.text();
    expect(html).toContain('ksqlDB GraphQL gateway');
    expect(html).toContain('renderYogaGraphiQL');
    expect(html).not.toMatch(/<script[^>]*\bsrc\s*=\s*["']?(https?:)?\/\//i);
    expect(html).not.toMatch(/<link[^>]*\bhref\s*=\s*["']?(https?:)?\/\//i);
    expect(html).not.toMatch(/@import\s+(url\()?["']?(https?:)?\/\//i);
    expect(html).not.toMatch(/url\(\s*["']?https?:\/\//i);
  });

  it('serves no GraphiQL when turned off', async () => {
    const { gateway } = setup({}, { graphiql: false });
    const res = await gateway.fetch(URL_, { headers: { accept: 'text/html' } });
    expect(await res.text()).not.toContain('renderYogaGraphiQL');
  });

  it('answers /health always and /readiness from ksqlDB', async () => {
    let healthy = true;
    let reachable = true;
    const { gateway } = setup({
      healthcheck: async () => {
        if (!reachable) throw new KsqlTransportError('down');
        return { isHealthy: healthy, details: {}, serverState: 'READY' };
      },
    });
    expect((await gateway.fetch('http://gateway.test/health')).status).toBe(200);
    const ready = await gateway.fetch('http://gateway.test/readiness');
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ ready: true });
    healthy = false;
    expect((await gateway.fetch('http://gateway.test/readiness')).status).toBe(503);
    reachable = false;
    const down = await gateway.fetch('http://gateway.test/readiness');
    expect(down.status).toBe(503);
    expect(await down.json()).toEqual({ ready: false, reason: 'ksqlDB is unavailable.' });
    expect((await gateway.fetch('http://gateway.test/health')).status).toBe(200);
  });
});

const PUSH = `subscription($sql: String!, $p: JSON) { pushQuery(sql: $sql, properties: $p) {
  __typename
  ... on QueryHeader { queryId schema headerColumns: columns { name type } }
  ... on QueryRow { columns row tombstone } } }`;

describe('Subscription.pushQuery over SSE (in process)', () => {
  it('yields the header then rows and completes on the final message', async () => {
    const { client, gateway } = setup();
    const events = sse(gateway, PUSH, { sql: 'SELECT * FROM S EMIT CHANGES LIMIT 2;', p: { 'auto.offset.reset': 'earliest' } });
    const stream = await client.nextStream();
    expect(stream.request).toEqual({
      ksql: 'SELECT * FROM S EMIT CHANGES LIMIT 2;',
      streamsProperties: { 'auto.offset.reset': 'earliest' },
    });
    stream.sendHeader('`ID` STRING, `V` BIGINT', 'transient_S_42');
    stream.sendRow(['a', new JsonNumber('9007199254740993')]);
    stream.sendRow(['b', 2], true);
    stream.finish('Limit Reached');
    const got = await events.all();
    expect(got).toEqual([
      {
        data: {
          pushQuery: {
            __typename: 'QueryHeader',
            queryId: 'transient_S_42',
            schema: '`ID` STRING, `V` BIGINT',
            headerColumns: [
              { name: 'ID', type: 'STRING' },
              { name: 'V', type: 'BIGINT' },
            ],
          },
        },
      },
      {
        data: {
          pushQuery: {
            __typename: 'QueryRow',
            columns: ['a', '9007199254740993'],
            row: { ID: 'a', V: '9007199254740993' },
            tombstone: false,
          },
        },
      },
      { data: { pushQuery: { __typename: 'QueryRow', columns: ['b', '2'], row: { ID: 'b', V: '2' }, tombstone: true } } },
    ]);
    expect(events.completed()).toBe(true);
    expect(client.callsOf('closeQuery')).toEqual([]);
  });

  it('delivers an upstream error mid-stream as a GraphQL error, then completes', async () => {
    const { client, gateway } = setup();
    const events = sse(gateway, PUSH, { sql: 'SELECT * FROM S EMIT CHANGES;' });
    const stream = await client.nextStream();
    stream.sendHeader('`ID` STRING');
    stream.sendRow(['a']);
    stream.fail(
      new KsqlServerError('Query failed: division by zero', {
        httpStatus: 200,
        errorCode: 50000,
        ksqlType: 'generic_error',
        inStream: true,
      }),
    );
    const got = await events.all();
    expect(got).toHaveLength(3);
    expect(got[2]).toMatchObject({
      errors: [
        {
          message: 'Query failed: division by zero',
          extensions: { code: 'KSQL_SERVER_ERROR', ksqlErrorCode: 50000, httpStatus: 200 },
        },
      ],
    });
    expect(events.completed()).toBe(true);
  });

  it('delivers an error before the header (bad statement) as a GraphQL error', async () => {
    const { client, gateway } = setup();
    const events = sse(gateway, PUSH, { sql: 'SELECT * FROM NOPE EMIT CHANGES;' });
    const stream = await client.nextStream();
    stream.fail(
      new KsqlServerError("SELECT * FROM NOPE EMIT CHANGES;: NOPE does not exist.", {
        httpStatus: 400,
        errorCode: 40001,
        ksqlType: 'statement_error',
        statementText: 'SELECT * FROM NOPE EMIT CHANGES;',
        entities: [],
      }),
    );
    const got = await events.all();
    expect(got).toEqual([
      {
        errors: [
          {
            message: 'SELECT * FROM NOPE EMIT CHANGES;: NOPE does not exist.',
            locations: [{ line: 1, column: 1 }],
            extensions: {
              code: 'KSQL_BAD_STATEMENT',
              ksqlErrorCode: 40001,
              httpStatus: 400,
              statementText: 'SELECT * FROM NOPE EMIT CHANGES;',
              entities: [],
            },
          },
        ],
      },
    ]);
  });

  it('closes the upstream query at once when the client cancels while no rows flow', async () => {
    const { client, gateway } = setup();
    const events = sse(gateway, PUSH, { sql: 'SELECT * FROM S EMIT CHANGES;' });
    const stream = await client.nextStream();
    stream.sendHeader('`ID` STRING', 'transient_S_7');
    expect((await events.next())?.data).toMatchObject({ pushQuery: { __typename: 'QueryHeader' } });
    // No rows: the subscription is waiting inside stream.next().
    await events.cancel();
    await stream.returned;
    expect(stream.returnCalls).toBeGreaterThanOrEqual(1);
    expect(stream.options?.signal?.aborted).toBe(true);
    await expect.poll(() => client.callsOf('closeQuery').map((c) => c.args)).toEqual([['transient_S_7']]);
  });

  it('ends running subscriptions with SHUTTING_DOWN when the gateway closes, and refuses new ones', async () => {
    const { client, gateway } = setup();
    const events = sse(gateway, PUSH, { sql: 'SELECT * FROM S EMIT CHANGES;' });
    const stream = await client.nextStream();
    stream.sendHeader('`ID` STRING', 'transient_S_8');
    await events.next();
    await gateway.close();
    await stream.returned;
    const shuttingDown = { code: 'SHUTTING_DOWN', retryable: true };
    expect((await events.all()).map((e) => e.errors?.[0]?.extensions)).toEqual([shuttingDown]);
    expect(events.completed()).toBe(true);
    expect(client.callsOf('closeQuery').map((c) => c.args)).toEqual([['transient_S_8']]);
    // No new subscriptions or operations after close.
    const late = await sse(gateway, PUSH, { sql: 'SELECT 1;' }).all();
    expect(late[0]?.errors?.[0]?.extensions).toEqual(shuttingDown);
    const query = await post(gateway, '{ info { version } }');
    expect(query.body.errors?.[0]?.extensions).toEqual(shuttingDown);
    expect(client.callsOf('info')).toHaveLength(0);
    const readiness = await gateway.fetch('http://gateway.test/readiness');
    expect(readiness.status).toBe(503);
  });
});
