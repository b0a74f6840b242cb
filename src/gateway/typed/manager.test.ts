import { describe, expect, it } from 'vitest';
import type { KsqlEntity, KsqlRequest, SourceDescription } from '../../protocol/index.js';
import { silentLogger } from '../../shared/logger.js';
import { KsqlProtocolError, KsqlTransportError } from '../ksql-client/errors.js';
import { persistentQuery, propertiesEntity, sourceDescription, sourceDescriptionsEntity } from '../testing/catalog.js';
import { createFakeKsqlClient } from '../testing/fake-ksql-client.js';
import { ENTITY_FIXTURES } from '../testing/entities.js';
import type { Logger } from '../../shared/logger.js';
import { catalogFrom, checkPropertiesListing, checkSourceListing, readCatalog, sourceFilter } from './catalog.js';
import type { SchemaChange } from '../resolvers/index.js';
import { TypedSchemaManager } from './manager.js';

const description = sourceDescription;
const entities = (descs: SourceDescription[]): KsqlEntity[] => [sourceDescriptionsEntity(descs)];
const running = persistentQuery;

describe('catalogFrom', () => {
  it('classifies sources: materialized tables, insertable sources, window columns', () => {
    const catalog = catalogFrom(
      entities([
        description('S'),
        description('CTAS_T', { type: 'TABLE', writeQueries: [running('CTAS_CTAS_T_1', 'CTAS_T')] }),
        description('PLAIN_T', { type: 'TABLE' }),
        description('SRC_T', { type: 'TABLE', statement: 'CREATE SOURCE TABLE SRC_T (ID STRING PRIMARY KEY) WITH (...);' }),
        description('WIN', { type: 'TABLE', windowType: 'TUMBLING', writeQueries: [running('CTAS_WIN_2', 'WIN')] }),
        description('SINK', { writeQueries: [running('CSAS_SINK_3', 'SINK')] }),
      ]),
      [],
    );
    const by = Object.fromEntries(catalog.sources.map((s) => [s.name, s]));
    expect(catalog.sources.map((s) => s.name)).toEqual(['CTAS_T', 'PLAIN_T', 'S', 'SINK', 'SRC_T', 'WIN']);
    expect([by.S?.materialized, by.S?.insertable]).toEqual([false, true]);
    expect([by.CTAS_T?.materialized, by.CTAS_T?.insertable]).toEqual([true, false]);
    expect([by.PLAIN_T?.materialized, by.PLAIN_T?.insertable]).toEqual([false, true]);
    expect([by.SRC_T?.materialized, by.SRC_T?.insertable]).toEqual([true, false]);
    expect([by.SINK?.materialized, by.SINK?.insertable]).toEqual([false, false]);
    expect(by.WIN?.columns.map((c) => c.name)).toEqual(['ID', 'WINDOWSTART', 'WINDOWEND', 'V']);
    expect(by.WIN?.insertable).toBe(false);
    expect(catalog.tableScanEnabled).toBe(true);
  });

  it('reads ksql.query.pull.table.scan.enabled and fingerprints independently of catalog order', () => {
    const props = [propertiesEntity({ 'ksql.query.pull.table.scan.enabled': 'false' })];
    const a = catalogFrom(entities([description('A'), description('B')]), props);
    const b = catalogFrom(entities([description('B'), description('A')]), props);
    expect(a.tableScanEnabled).toBe(false);
    expect(a.fingerprint).toBe(b.fingerprint);
    expect(catalogFrom(entities([description('A')]), props).fingerprint).not.toBe(a.fingerprint);
  });
});

describe('catalog answers of the wrong shape', () => {
  const currentStatus = ENTITY_FIXTURES.currentStatus;

  it('a listing is one or more source_descriptions entities with usable descriptions', () => {
    expect(() => checkSourceListing([sourceDescriptionsEntity([description('A')])])).not.toThrow();
    expect(() => checkSourceListing([sourceDescriptionsEntity([]), sourceDescriptionsEntity([])])).not.toThrow();
    const cases: Array<[unknown[], RegExp]> = [
      [[currentStatus], /a currentStatus entity where source_descriptions were expected/],
      [[], /no entity/],
      [[sourceDescriptionsEntity([]), currentStatus], /currentStatus/],
      [[{ '@type': 'source_descriptions' }], /without sourceDescriptions/],
      [[{ '@type': 'source_descriptions', sourceDescriptions: [{ name: 'A', type: 'VIEW' }] }], /"A" is neither a STREAM nor a TABLE/],
      [[sourceDescriptionsEntity([{ ...description('A'), fields: null } as never])], /"A" has no well-formed fields/],
      [[sourceDescriptionsEntity([{ ...description('A'), writeQueries: [{}] } as never])], /"A" has no well-formed writeQueries/],
      [[sourceDescriptionsEntity([{ ...description('A'), windowType: 'SLIDING' } as never])], /"A" has an unknown windowType/],
      [['<html>'], /something that is not an entity/],
    ];
    for (const [answer, message] of cases) {
      let error: unknown;
      try {
        checkSourceListing(answer);
      } catch (err) {
        error = err;
      }
      expect(error, JSON.stringify(answer)).toBeInstanceOf(KsqlProtocolError);
      expect((error as KsqlProtocolError).code).toBe('KSQL_PROTOCOL');
      expect((error as Error).message).toMatch(message);
      expect((error as Error).message).toMatch(/^POST \/ksql: the answer to "LIST STREAMS EXTENDED; LIST TABLES EXTENDED;" has the wrong shape: /);
    }
  });

  it('properties are properties entities; no entity at all leaves the defaults', () => {
    expect(() => checkPropertiesListing([propertiesEntity({ a: 'b' })])).not.toThrow();
    expect(() => checkPropertiesListing([])).not.toThrow();
    expect(() => checkPropertiesListing([currentStatus])).toThrow(/SHOW PROPERTIES;.*a currentStatus entity where properties were expected/);
    expect(() => checkPropertiesListing([{ '@type': 'properties', properties: [1] }])).toThrow(KsqlProtocolError);
  });

  it('readCatalog fails instead of reading a currentStatus as "no sources"', async () => {
    const client = createFakeKsqlClient({ ksql: async () => [currentStatus] });
    await expect(readCatalog(client)).rejects.toThrow(/wrong shape: a currentStatus entity/);
  });
});

describe('sourceFilter', () => {
  it('matches whole names with * and ?, case-sensitively; exclude wins', () => {
    const f = sourceFilter(['ORDERS*', 'A?C', 'x.y'], ['*_TMP']);
    expect(['ORDERS', 'ORDERS_EU', 'ABC', 'x.y'].map(f)).toEqual([true, true, true, true]);
    expect(['orders', 'ORDERS_TMP', 'AC', 'xzy', 'MY_ORDERS'].map(f)).toEqual([false, false, false, false, false]);
    const all = sourceFilter([], ['KSQL_PROCESSING_LOG']);
    expect([all('PAGEVIEWS'), all('KSQL_PROCESSING_LOG'), all('ksql_processing_log')]).toEqual([true, false, true]);
  });
});

function scriptedClient(state: { sources: SourceDescription[]; down: boolean; reads: number }) {
  return createFakeKsqlClient({
    ksql: async (request: KsqlRequest) => {
      if (state.down) throw new KsqlTransportError('connect ECONNREFUSED', { method: 'POST', path: '/ksql' });
      if (request.ksql.startsWith('LIST')) {
        state.reads++;
        const sources = state.sources;
        await new Promise((r) => setTimeout(r, 5));
        return entities(sources);
      }
      return [];
    },
  });
}

/** Polls `check` (every 5 ms, up to 5 s). */
async function eventually(check: () => boolean): Promise<void> {
  for (let i = 0; i < 1000 && !check(); i++) await new Promise((r) => setTimeout(r, 5));
  if (!check()) throw new Error('condition not met in 5 s');
}

describe('TypedSchemaManager', () => {
  it('retries with backoff while ksqlDB is down, then swaps once and reports the change', async () => {
    const state = { sources: [description('A')], down: true, reads: 0 };
    const applied: number[] = [];
    const manager = new TypedSchemaManager({
      client: scriptedClient(state),
      logger: silentLogger,
      build: (c) => [{ typeDefs: `scalar X${c.sources.length}` }],
      apply: (parts) => applied.push(parts.length),
      retryInitialMs: 10,
      retryMaxMs: 40,
      refreshIntervalMs: 0,
    });
    const changes = manager.changes();
    manager.start();
    expect(manager.ready).toBe(false);
    expect((await changes.next()).value).toMatchObject({ version: 0, ready: false });
    await new Promise((r) => setTimeout(r, 60));
    expect(manager.ready).toBe(false);
    expect(manager.lastError).toBeInstanceOf(KsqlTransportError);
    state.down = false;
    const change = (await changes.next()).value as SchemaChange;
    expect(change).toEqual({ version: 1, ready: true, fingerprint: expect.any(String), sources: ['A'], added: ['A'], removed: [], changed: [] });
    expect(manager.ready).toBe(true);
    expect(applied).toEqual([1]);
    // Same catalog: nothing swapped.
    expect(await manager.refresh()).toBe(false);
    expect(applied).toEqual([1]);
    manager.close();
    expect((await changes.next()).done).toBe(true);
  });

  it('coalesces concurrent refreshes and reads again for callers that came during a read', async () => {
    const state = { sources: [description('A')], down: false, reads: 0 };
    const removed: string[][] = [];
    const manager = new TypedSchemaManager({
      client: scriptedClient(state),
      logger: silentLogger,
      build: () => [],
      apply: () => {},
      onRemoved: (s) => removed.push([...s]),
      refreshIntervalMs: 0,
    });
    await manager.refresh();
    expect(state.reads).toBe(1);
    const first = manager.refresh();
    state.sources = [description('B')];
    const second = manager.refresh();
    const third = manager.refresh();
    expect(await Promise.all([first, second, third])).toEqual([false, true, true]);
    expect(state.reads).toBe(3);
    expect(removed).toEqual([['A']]);
    expect(manager.current).toMatchObject({ version: 2, sources: ['B'], added: ['B'], removed: ['A'] });
    manager.close();
  });

  it('keeps the last good schema when the catalog answer has the wrong shape, and logs why on the interval', async () => {
    let wrong = false;
    let listings = 0;
    const client = createFakeKsqlClient({
      ksql: async (request: KsqlRequest) => {
        if (!request.ksql.startsWith('LIST')) return [];
        listings++;
        return wrong ? [ENTITY_FIXTURES.currentStatus] : entities([description('A')]);
      },
    });
    const warnings: unknown[][] = [];
    const logger: Logger = { ...silentLogger, warn: (...args: unknown[]) => void warnings.push(args), child: () => logger };
    const applied: number[] = [];
    const manager = new TypedSchemaManager({
      client,
      logger,
      build: (catalog) => {
        applied.push(catalog.sources.length);
        return [];
      },
      apply: () => {},
      refreshIntervalMs: 10,
    });
    manager.start();
    await eventually(() => manager.ready);
    wrong = true;
    const before = listings;
    // A refresh asked for directly rejects with the shape error...
    await expect(manager.refresh()).rejects.toBeInstanceOf(KsqlProtocolError);
    // ...and the ones on the interval are logged with it.
    await eventually(() => warnings.length >= 1 && listings >= before + 2);
    manager.close();
    expect(manager.ready).toBe(true);
    expect(manager.catalog?.sources.map((s) => s.name)).toEqual(['A']);
    expect(manager.current).toMatchObject({ version: 1, ready: true, sources: ['A'] });
    expect(manager.lastError).toBeInstanceOf(KsqlProtocolError);
    expect(applied).toEqual([1]); // nothing was built from the wrong answer
    const [message, cause] = warnings[0] as [string, unknown];
    expect(message).toMatch(/^typed schema: refresh failed, keeping typed schema v1 \(POST \/ksql: the answer to .* has the wrong shape: a currentStatus entity/);
    expect(cause).toBeInstanceOf(KsqlProtocolError);
  });

  it('keeps the old schema when a refresh fails', async () => {
    const state = { sources: [description('A')], down: false, reads: 0 };
    const manager = new TypedSchemaManager({
      client: scriptedClient(state),
      logger: silentLogger,
      build: () => [],
      apply: () => {},
      refreshIntervalMs: 0,
    });
    await manager.refresh();
    state.down = true;
    await expect(manager.refresh()).rejects.toBeInstanceOf(KsqlTransportError);
    expect(manager.ready).toBe(true);
    expect(manager.catalog?.sources.map((s) => s.name)).toEqual(['A']);
    manager.close();
  });

  it('tells onRefresh how each refresh ended: changed, unchanged or error', async () => {
    const state = { sources: [description('A')], down: false, reads: 0 };
    const results: string[] = [];
    const manager = new TypedSchemaManager({
      client: scriptedClient(state),
      logger: silentLogger,
      build: () => [],
      apply: () => {},
      refreshIntervalMs: 0,
      onRefresh: (result) => results.push(result),
    });
    await manager.refresh();
    await manager.refresh();
    state.down = true;
    await expect(manager.refresh()).rejects.toBeInstanceOf(KsqlTransportError);
    expect(results).toEqual(['changed', 'unchanged', 'error']);
    manager.close();
  });
});
