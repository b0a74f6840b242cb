/**
 * The process-wide subscription cap in process over SSE (the per-connection
 * cap needs sockets: test/e2e/security.test.ts): the subscription past the
 * cap is refused before its upstream query starts, the running ones go on,
 * and an ended one frees its slot.
 */
import { describe, expect, it } from 'vitest';
import type { Gateway } from '../server.js';
import { gatewayFactory } from '../testing/gateways.js';
import { readSse } from '../testing/http.js';

const URL_ = 'http://gateway.test/graphql';
const setup = gatewayFactory({ adminApi: 'open' });

const subscribe = (gateway: Gateway, sql: string) =>
  readSse(
    gateway.fetch(URL_, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({ query: `subscription { pushQuery(sql: ${JSON.stringify(sql)}) { ... on QueryRow { columns } } }` }),
    }),
  );

describe('subscription caps', () => {
  it('refuses the subscription past --max-subscriptions; the others go on, and a freed slot is taken again', async () => {
    const { client, gateway } = setup({ limits: { maxSubscriptions: 2 } });
    // LIMIT queries are not shared: one upstream query each.
    const first = subscribe(gateway, 'SELECT * FROM S EMIT CHANGES LIMIT 5;');
    const a = await client.nextStream();
    const second = subscribe(gateway, 'SELECT * FROM T EMIT CHANGES LIMIT 5;');
    const b = await client.nextStream();
    a.sendHeader('`V` INT');
    b.sendHeader('`V` INT');
    const header = { data: { pushQuery: {} } };
    expect(await first.next()).toEqual(header);
    expect(await second.next()).toEqual(header);
    a.sendRow([1]);
    expect(await first.next()).toEqual({ data: { pushQuery: { columns: [1] } } });
    expect(gateway.activeSubscriptions).toBe(2);

    const third = await subscribe(gateway, 'SELECT * FROM U EMIT CHANGES LIMIT 5;').all();
    expect(third.map((e) => e.errors?.[0]?.extensions)).toEqual([{ code: 'SUBSCRIPTION_LIMIT_EXCEEDED', limit: 2 }]);
    expect(client.streams).toHaveLength(2);

    b.sendRow([2]);
    expect(await second.next()).toEqual({ data: { pushQuery: { columns: [2] } } });
    a.finish('Limit Reached');
    expect(await first.all()).toEqual([]);
    await expect.poll(() => gateway.activeSubscriptions).toBe(1);

    const fourth = subscribe(gateway, 'SELECT * FROM U EMIT CHANGES LIMIT 5;');
    const c = await client.nextStream();
    c.sendHeader('`V` INT');
    expect(await fourth.next()).toEqual(header);
    c.sendRow([3]);
    expect(await fourth.next()).toEqual({ data: { pushQuery: { columns: [3] } } });
    await fourth.cancel();
    await second.cancel();
    await expect.poll(() => gateway.activeSubscriptions).toBe(0);
  });
});
