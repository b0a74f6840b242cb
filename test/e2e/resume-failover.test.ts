/**
 * Resuming through failures, with docs/resume.md's client recipe on
 * graphql-ws's client while a producer writes continuously:
 * - two gateway processes (the real binary) on one engine, the one serving
 *   the client SIGKILLed 50 times and started again, the client switching to
 *   the other each time: every row received exactly once, in order per key;
 * - two engines with the same rows behind one gateway, the one running the
 *   query closed: the subscription ends with KSQL_CONNECTION_LOST, and the
 *   client resumes on the other engine without loss or duplicate (the two
 *   hold the same offsets because every row is written to both, in order).
 */
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { subscribeResumable } from '../../docs/examples/resumable-subscription.js';
import { startEngineServer, type EngineServer } from '../../src/engine/rest/server.js';
import { killAll, spawnCli, type CliProcess } from '../utils/cli.js';
import { eventually, gql, ksql, pushQueries, startStack, type Stack } from '../utils/stack.js';

const SECRET = 'failover-test-secret-0123456789';

interface Row {
  id: string;
  v: number;
  _cursor: string;
}

function expectExactlyOnceInOrder(got: readonly Row[], written: number): void {
  expect(got.map((r) => r.v).sort((a, b) => a - b)).toEqual(Array.from({ length: written }, (_, i) => i));
  const last = new Map<string, number>();
  for (const row of got) {
    expect(row.v).toBeGreaterThan(last.get(row.id) ?? -1);
    last.set(row.id, row.v);
  }
}

/** Writes rows 0, 1, 2, ... (5 keys) until stopped, through `write`. */
function producer(write: (v: number) => Promise<void>) {
  let written = 0;
  let running = true as boolean; // set false by stop()
  const done = (async () => {
    while (running) {
      await write(written);
      written++;
    }
  })();
  return {
    get written() {
      return written;
    },
    async stop() {
      running = false;
      await done;
    },
  };
}

/** Stops the producer, then waits until the client has every row written: exactly once, in order per key. */
/** The docs' recipe on `field`: every row it delivers, and its error if it ends with one. */
function resumeRows(client: Client, field: string) {
  const got: Row[] = [];
  let failed: unknown;
  const stop = subscribeResumable<Record<string, Row>>(
    client,
    { query: `subscription($after: String) { ${field}(after: $after) { id v _cursor } }`, cursorOf: (data) => data[field]?._cursor },
    { next: (data) => void got.push(data[field] as Row), error: (e) => void (failed = e), complete: () => {} },
  );
  return { got, failed: () => failed, stop };
}

async function expectEveryRowOnce(rows: ReturnType<typeof producer>, got: readonly Row[], failed: () => unknown): Promise<void> {
  await rows.stop();
  await eventually(async () => got.length, (n) => n >= rows.written, { timeoutMs: 15_000 });
  expect(failed()).toBeUndefined();
  expectExactlyOnceInOrder(got, rows.written);
}

const insertRow = (name: string, v: number) => `INSERT INTO ${name} (ID, V) VALUES ('k${v % 5}', ${v});`;

afterEach(() => killAll());

describe('resuming through gateway kills', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack(['--schema-refresh-ms', '0']);
  });
  afterAll(async () => {
    // Unassigned if beforeAll failed before assigning it.
    await (stack as Stack | undefined)?.close();
  });

  it('SIGKILL of the serving gateway 50 times under a producer, alternating two instances: every row once, in order', async () => {
    const name = 'KILLED';
    await ksql(stack, `CREATE STREAM ${name} (ID STRING KEY, V INT) WITH (kafka_topic='killed', value_format='JSON', partitions=3);`);
    const spawnGateway = async (): Promise<{ proc: CliProcess; wsUrl: string }> => {
      const proc = spawnCli(['serve', '--port', '0', '--ksql-url', stack.ksqlUrl, '--cursor-secret', SECRET], { KSQLDB_GATEWAY_LOG_LEVEL: 'error' });
      const url = await proc.url();
      // The binary prints its base URL; GraphQL (and graphql-ws) is at /graphql.
      return { proc, wsUrl: `${url.replace(/^http/, 'ws')}/graphql` };
    };
    // Each slot: a gateway process, or the promise of its restart.
    const gateways: Array<Promise<{ proc: CliProcess; wsUrl: string }>> = [spawnGateway(), spawnGateway()];
    let serving = 0;
    const client = createClient({
      url: async () => (await (gateways[serving] as Promise<{ wsUrl: string }>)).wsUrl,
      webSocketImpl: WebSocket,
      retryAttempts: Infinity,
      retryWait: () => new Promise((resolve) => setTimeout(resolve, 20)),
    });
    const { got, failed, stop } = resumeRows(client, 'killed');
    await eventually(async () => (await pushQueries(stack)).length, (n) => n === 1, { timeoutMs: 10_000 });
    const rows = producer((v) => ksql(stack, insertRow(name, v)).then(() => undefined));
    try {
      for (let kill = 0; kill < 50; kill++) {
        const before = got.length;
        await eventually(async () => got.length, (n) => n >= before + 2, { timeoutMs: 15_000 });
        const victim = serving;
        // The other one, restarted a round ago, is up before the client needs it.
        await gateways[1 - victim];
        serving = 1 - serving;
        const old = await (gateways[victim] as Promise<{ proc: CliProcess }>);
        old.proc.child.kill('SIGKILL');
        gateways[victim] = old.proc.exit().then(spawnGateway);
      }
      await expectEveryRowOnce(rows, got, failed);
    } finally {
      await rows.stop();
      stop();
      await client.dispose();
      // A restart still under way ends here, not in afterEach's kill (which would fail its start).
      for (const slot of await Promise.allSettled(gateways)) if (slot.status === 'fulfilled') slot.value.proc.child.kill('SIGKILL');
    }
  }, 180_000);
});

describe('resuming on another ksqlDB server', () => {
  const engines: EngineServer[] = [];
  let stack: Stack;
  afterAll(async () => {
    // Unassigned if the test failed before assigning it.
    await (stack as Stack | undefined)?.close();
    await Promise.all(engines.map((e) => e.close().catch(() => undefined)));
  });

  it('the engine running the query goes away: the client resumes on the other without loss or duplicate', async () => {
    const name = 'FAILOVER';
    for (let i = 0; i < 2; i++) {
      const engine = await startEngineServer({ engineOptions: { inMemory: true } });
      await ksql({ ksqlUrl: engine.url }, `CREATE STREAM ${name} (ID STRING KEY, V INT) WITH (kafka_topic='failover', value_format='JSON', partitions=3);`);
      engines.push(engine);
    }
    stack = await startStack(['--ksql-url', engines.map((e) => e.url).join(','), '--cursor-secret', SECRET, '--schema-refresh-ms', '100']);
    await eventually(
      () => gql(stack, '{ __type(name: "Subscription") { fields { name } } }'),
      (r) => JSON.stringify(r).includes('"failover"'),
      { timeoutMs: 10_000 },
    );
    const alive = new Set(engines);
    const client = createClient({ url: stack.wsUrl, webSocketImpl: WebSocket, retryAttempts: 5 });
    const { got, failed, stop } = resumeRows(client, 'failover');
    const running = async () => {
      for (const engine of alive) if ((await pushQueries({ ksqlUrl: engine.url })).length > 0) return engine;
      return undefined;
    };
    const first = await eventually(running, (e) => e !== undefined, { timeoutMs: 10_000 });
    // Every row to both engines, in the same order: the same partitions and offsets on each.
    const rows = producer(async (v) => {
      for (const engine of [...alive]) {
        try {
          await ksql({ ksqlUrl: engine.url }, insertRow(name, v));
        } catch (err) {
          // Closed by the test while this row was on its way to it: the other engine has it.
          if (alive.has(engine)) throw err;
        }
      }
    });
    try {
      await eventually(async () => got.length, (n) => n >= 10, { timeoutMs: 10_000 });
      alive.delete(first as EngineServer);
      await (first as EngineServer).close();
      const second = await eventually(running, (e) => e !== undefined && e !== first, { timeoutMs: 15_000 });
      expect(second).not.toBe(first);
      const resumedAt = got.length;
      await eventually(async () => got.length, (n) => n >= resumedAt + 10, { timeoutMs: 15_000 });
      await expectEveryRowOnce(rows, got, failed);
    } finally {
      await rows.stop();
      stop();
      await client.dispose();
    }
  }, 60_000);
});
