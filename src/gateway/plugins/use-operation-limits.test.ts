/**
 * Document limits in process: every refusal carries its own code and comes
 * before any resolver (the fake ksqlDB client records no call); the README's
 * operations and GraphiQL's introspection query go through the defaults.
 */
import { getIntrospectionQuery } from 'graphql';
import { describe, expect, it } from 'vitest';
import type { Gateway } from '../server.js';
import { gatewayFactory } from '../testing/gateways.js';
import { errorCodes, request } from '../testing/http.js';

const URL_ = 'http://gateway.test/graphql';

const setup = gatewayFactory({ adminApi: 'open' });

const post = (gateway: Gateway, query: string, variables?: Record<string, unknown>) =>
  request(gateway.fetch, URL_, { body: { query, variables } });

describe('operation limits', () => {
  it('lets GraphiQL introspection and the README operations through the defaults', async () => {
    const { gateway } = setup();
    const introspection = getIntrospectionQuery({
      descriptions: true,
      specifiedByUrl: true,
      directiveIsRepeatable: true,
      schemaDescription: true,
      inputValueDeprecation: true,
      oneOf: true,
    });
    const res = await post(gateway, introspection);
    expect(res.status).toBe(200);
    expect(res.body?.errors).toBeUndefined();
    for (const query of [
      `mutation CreateStream { execute(ksql: "CREATE STREAM s (id STRING KEY) WITH (kafka_topic='s', value_format='JSON', partitions=1);") {
         type statementText ... on CommandStatusResult { commandId commandStatus { status message } } } }`,
      `query Info { info { version kafkaClusterId ksqlServiceId serverStatus } healthcheck { isHealthy } }`,
      `mutation Streams { execute(ksql: "SHOW STREAMS;") { type raw ... on StreamsResult { streams { name topic keyFormat valueFormat } } } }`,
    ]) {
      const r = await post(gateway, query);
      expect(errorCodes(r)).toEqual([]);
    }
  });

  it('stops parsing at the token limit (a 10 MB document costs no more than the limit)', async () => {
    const { client, gateway } = setup({ limits: { maxRequestBytes: 0 } });
    const huge = `{ ${'__typename '.repeat(1_000_000)} }`;
    const res = await post(gateway, huge);
    expect(res.status).toBe(400);
    expect(errorCodes(res)).toEqual(['TOKEN_LIMIT_EXCEEDED']);
    expect(res.body?.errors?.[0]?.message).toContain('--max-tokens');
    expect(client.calls).toEqual([]);
  });

  it('refuses too many aliases before any call to ksqlDB (3,000 aliases of info)', async () => {
    const { client, gateway } = setup({ limits: { maxTokens: 0 } });
    const query = `{ ${Array.from({ length: 3000 }, (_, i) => `a${i}: info { version }`).join(' ')} }`;
    const res = await post(gateway, query);
    expect(res.status).toBe(400);
    expect(errorCodes(res)).toContain('ALIAS_LIMIT_EXCEEDED');
    expect(client.calls).toEqual([]);
  });

  it('counts aliases against the limit exactly', async () => {
    const { client, gateway } = setup({ limits: { maxAliases: 3, maxUpstreamCalls: 0 } });
    const aliases = (n: number) => `{ ${Array.from({ length: n }, (_, i) => `a${i}: info { version }`).join(' ')} }`;
    expect(errorCodes(await post(gateway, aliases(3)))).toEqual([]);
    expect(client.callsOf('info')).toHaveLength(3);
    const res = await post(gateway, aliases(4));
    expect(errorCodes(res)).toEqual(['ALIAS_LIMIT_EXCEEDED']);
    expect(res.body?.errors?.[0]?.message).toBe('Aliases limit of 3 exceeded, found 4. (--max-aliases)');
    expect(client.callsOf('info')).toHaveLength(3);
  });

  it('refuses deep operations (fragments flattened), and not introspection', async () => {
    const { client, gateway } = setup({ limits: { maxDepth: 2 } });
    expect(errorCodes(await post(gateway, '{ info { version } }'))).toEqual([]);
    const deep = await post(
      gateway,
      'mutation { execute(ksql: "SHOW STREAMS;") { ... on StreamsResult { streams { name } } } }',
    );
    expect(errorCodes(deep)).toEqual(['DEPTH_LIMIT_EXCEEDED']);
    expect(client.callsOf('ksql')).toHaveLength(0);
    expect(errorCodes(await post(gateway, '{ __schema { types { fields { type { ofType { name } } } } } }'))).toEqual([]);
  });

  it('refuses too many directives', async () => {
    const { gateway } = setup({ limits: { maxDirectives: 2 } });
    const res = await post(gateway, '{ info @include(if: true) @skip(if: false) { version @include(if: true) } }');
    expect(errorCodes(res)).toEqual(['DIRECTIVE_LIMIT_EXCEEDED']);
  });

  it('refuses costly operations', async () => {
    const { client, gateway } = setup({ limits: { maxCost: 20 } });
    const res = await post(gateway, '{ clusterStatus { hosts { host hostAlive lastStatusUpdateMs activeStandbyPerQuery hostStoreLags } } info { version kafkaClusterId ksqlServiceId serverStatus } }');
    expect(errorCodes(res)).toEqual(['COST_LIMIT_EXCEEDED']);
    expect(res.body?.errors?.[0]?.message).toMatch(/^Query Cost limit of 20 exceeded, found [\d.]+\. \(--max-cost\)$/);
    expect(client.calls).toEqual([]);
  });

  it('turns each limit off with 0', async () => {
    const { gateway } = setup({ limits: { maxAliases: 0, maxTokens: 0, maxCost: 0, maxUpstreamCalls: 0 } });
    const query = `{ ${Array.from({ length: 200 }, (_, i) => `a${i}: info { version }`).join(' ')} }`;
    expect(errorCodes(await post(gateway, query))).toEqual([]);
  });
});
