import { readFileSync } from 'node:fs';
import { isObjectType, printSchema, type GraphQLObjectType } from 'graphql';
import { describe, expect, it } from 'vitest';
import { ENTITY_TYPES } from '../../protocol/index.js';
import { buildGateway } from '../server.js';
import { createFakeKsqlClient } from '../testing/fake-ksql-client.js';
import { STATEMENT_RESULT_TYPES, UNKNOWN_STATEMENT_RESULT } from './index.js';

const SCHEMA_FILE = new URL('../../../schema.graphql', import.meta.url);

function gateway() {
  return buildGateway({ client: createFakeKsqlClient(), logger: false });
}

describe('schema', () => {
  it('serves exactly schema.graphql', () => {
    // After editing type-defs.ts, `npm run docs:generate` rewrites schema.graphql.
    expect(printSchema(gateway().schema) + '\n', 'schema.graphql is out of date: run `npm run docs:generate`').toBe(
      readFileSync(SCHEMA_FILE, 'utf8'),
    );
  });

  it('has a StatementResult implementation for every entity @type, and one for unknown kinds', () => {
    const schema = gateway().schema;
    const statementResult = schema.getType('StatementResult');
    for (const entityType of ENTITY_TYPES) {
      const typeName = STATEMENT_RESULT_TYPES[entityType];
      const type = schema.getType(typeName);
      expect(type, `${entityType} → ${typeName}`).toBeDefined();
      expect(isObjectType(type) && (type as GraphQLObjectType).getInterfaces()).toContain(statementResult);
    }
    expect(schema.getType(UNKNOWN_STATEMENT_RESULT)).toBeDefined();
    expect(new Set(Object.values(STATEMENT_RESULT_TYPES)).size).toBe(ENTITY_TYPES.length);
  });

  it('documents every type, field and argument', () => {
    const schema = gateway().schema;
    const missing: string[] = [];
    for (const type of Object.values(schema.getTypeMap())) {
      if (type.name.startsWith('__') || ['String', 'Int', 'Float', 'Boolean', 'ID'].includes(type.name)) continue;
      if (!type.description) missing.push(type.name);
      if ('getFields' in type) {
        for (const field of Object.values(type.getFields())) {
          if (!field.description) missing.push(`${type.name}.${field.name}`);
          for (const arg of 'args' in field ? field.args : []) {
            if (!arg.description) missing.push(`${type.name}.${field.name}(${arg.name})`);
          }
        }
      }
      if ('getValues' in type) {
        for (const value of type.getValues()) if (!value.description) missing.push(`${type.name}.${value.name}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('swaps in a schema part atomically, and keeps the old schema when the part is invalid', async () => {
    // Without a typed schema: unknown root fields are never SCHEMA_NOT_READY here.
    const gw = buildGateway({ client: createFakeKsqlClient(), logger: false, typedSchema: false });
    const before = gw.schema;
    const ask = async (query: string) =>
      (await (
        await gw.fetch('http://localhost/graphql', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ query }),
        })
      ).json()) as { data?: unknown; errors?: Array<{ message: string }> };

    expect((await ask('{ hello }')).errors?.[0]?.message).toMatch(/Cannot query field "hello"/);
    gw.setSchemaParts([
      { typeDefs: 'extend type Query { "Greets." hello: String! }', resolvers: { Query: { hello: () => 'hi' } } },
    ]);
    expect(gw.schema).not.toBe(before);
    expect(await ask('{ hello }')).toEqual({ data: { hello: 'hi' } });
    expect((await ask('{ info { version } }')).data).toEqual({ info: { version: '0.29.0' } });

    const current = gw.schema;
    expect(() => gw.setSchemaParts([{ typeDefs: 'extend type Query { broken: NoSuchType }' }])).toThrow();
    expect(gw.schema).toBe(current);
    expect(await ask('{ hello }')).toEqual({ data: { hello: 'hi' } });
    await gw.close();
  });
});
