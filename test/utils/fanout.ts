/**
 * Many graphql-ws subscribers of one subscription, multiplexed over a few
 * sockets, each checked to get every row exactly once and in order, without
 * keeping the events (10,000 subscribers x 100 rows would otherwise be a
 * million objects in the test process).
 */
import type { Client } from 'graphql-ws';
import { expect } from 'vitest';
import { eventually, gql, ksql, pushQueryCount, wsClient, type Stack } from './stack.js';

export interface FanOutOptions {
  readonly sockets: number;
  readonly subscribers: number;
  /** Rows each subscriber must get: values 0 .. rows-1, in order. */
  readonly rows: number;
  readonly query: string;
  /** The row number an event's data carries, or 'header'. */
  readonly value: (data: unknown) => number | 'header';
  /** The subscription sends no header event (typed fields): `joined` resolves at once. */
  readonly headerless?: boolean | undefined;
  /**
   * A late joiner: its first row may be any (rows still on their way when it
   * joined reach it); from there on, every row up to `rows - 1`, in order.
   */
  readonly anyFirstRow?: boolean | undefined;
}

export interface FanOutResult {
  /** The first few mismatches, errors or early completions. */
  readonly failures: string[];
  /** Subscribers that got every row. */
  readonly complete: number;
}

export interface FanOut {
  /** Every subscriber got its header (it has joined the upstream query). */
  readonly joined: Promise<void>;
  /** Every subscriber got every row, or one failed. */
  readonly done: Promise<FanOutResult>;
  close(): Promise<void>;
}

const MAX_FAILURES = 10;

export function fanOut(stack: Stack, options: FanOutOptions): FanOut {
  const { sockets, subscribers, rows, query, value, headerless = false, anyFirstRow = false } = options;
  const clients: Client[] = Array.from({ length: sockets }, () => wsClient(stack));
  const failures: string[] = [];
  let complete = 0;
  let joinedCount = 0;
  let settle!: () => void;
  let joinedResolve!: () => void;
  const done = new Promise<FanOutResult>((resolve) => (settle = () => resolve({ failures, complete })));
  const joined = new Promise<void>((resolve) => (joinedResolve = resolve));
  const fail = (message: string) => {
    if (failures.length < MAX_FAILURES) failures.push(message);
    settle();
  };
  const unsubscribes: Array<() => void> = [];
  for (let s = 0; s < subscribers; s++) {
    const client = clients[s % sockets] as Client;
    let header = headerless;
    let next: number | undefined = anyFirstRow ? undefined : 0;
    unsubscribes.push(
      client.subscribe(
        { query },
        {
          next: (result) => {
            if (result.errors) return fail(`subscriber ${s}: ${JSON.stringify(result.errors)}`);
            const got = value(result.data);
            if (got === 'header') {
              if (header) return fail(`subscriber ${s}: a second header`);
              header = true;
              if (++joinedCount === subscribers) joinedResolve();
              return;
            }
            if (!header) return fail(`subscriber ${s}: a row before the header`);
            next ??= Number(got);
            if (String(got) !== String(next)) return fail(`subscriber ${s}: got row ${String(got)}, expected ${next}`);
            next++;
            if (next === rows && ++complete === subscribers) settle();
            if (next > rows) fail(`subscriber ${s}: more than ${rows} rows`);
          },
          error: (err) => fail(`subscriber ${s}: error ${JSON.stringify(err)}`),
          complete: () => {
            if ((next ?? 0) < rows) fail(`subscriber ${s}: completed before row ${next ?? 0}`);
          },
        },
      ),
    );
  }
  if (headerless) joinedResolve();
  return {
    joined,
    done,
    async close() {
      for (const unsubscribe of unsubscribes) unsubscribe();
      await Promise.all(clients.map(async (c) => c.dispose()));
    },
  };
}

/** Inserts `n` rows into `stream` directly through the engine, 500 statements a request. */
export async function insertRows(
  stack: Stack,
  stream: string,
  n: number,
  values: (i: number) => string,
  columns: string,
): Promise<void> {
  for (let from = 0; from < n; from += 500) {
    const statements: string[] = [];
    for (let i = from; i < Math.min(n, from + 500); i++) statements.push(`INSERT INTO ${stream} ${columns} VALUES ${values(i)};`);
    await ksql(stack, statements.join('\n'));
  }
}

/**
 * The generic `pushQuery` fan-out check of the e2e tests: a new stream,
 * `subscribers` graphql-ws subscribers over `sockets` sockets, `rows` rows
 * inserted once all have their header; every subscriber must get every row
 * exactly once, in order, from one upstream push query, and the query must
 * close once they leave.
 */
export async function expectPushQueryFanOut(
  stack: Stack,
  opts: { readonly prefix: string; readonly sockets: number; readonly subscribers: number; readonly rows: number },
): Promise<void> {
  const name = `${opts.prefix}_${Date.now()}`;
  const created = await gql(stack, `mutation($k: String!) { execute(ksql: $k) { type } }`, {
    k: `CREATE STREAM ${name} (ID STRING KEY, V INT) WITH (kafka_topic='${name.toLowerCase()}', value_format='JSON', partitions=1);`,
  });
  expect(created.errors).toBeUndefined();
  const run = fanOut(stack, {
    sockets: opts.sockets,
    subscribers: opts.subscribers,
    rows: opts.rows,
    query: `subscription { pushQuery(sql: "SELECT ID, V FROM ${name} EMIT CHANGES;") { __typename ... on QueryRow { columns } } }`,
    value: (data) => {
      const event = (data as { pushQuery: { __typename: string; columns?: unknown[] } }).pushQuery;
      return event.__typename === 'QueryHeader' ? 'header' : (event.columns?.[1] as number);
    },
  });
  try {
    await run.joined;
    expect(await pushQueryCount(stack)).toBe(1);
    await insertRows(stack, name, opts.rows, (i) => `('k${i}', ${i})`, '(ID, V)');
    const result = await run.done;
    expect(result.failures).toEqual([]);
    expect(result.complete).toBe(opts.subscribers);
    expect(await pushQueryCount(stack)).toBe(1);
  } finally {
    await run.close();
  }
  await eventually(() => pushQueryCount(stack), (n) => n === 0, { timeoutMs: 30_000 });
}
