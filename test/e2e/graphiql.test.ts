/**
 * GraphiQL in a real browser (Debian's Chromium through playwright-core):
 * served by the gateway with no CDN, a subscription typed into the URL shows
 * rows as they are inserted.
 */
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, haveChromium, launchChromium } from '../utils/browser.js';
import { eventually, gql, pushQueryCount, startStack, type Stack } from '../utils/stack.js';

describe.skipIf(!haveChromium)(`GraphiQL in Chromium (needs ${CHROMIUM}; .ci/run installs it)`, () => {
  let stack: Stack;
  let browser: Browser;

  beforeAll(async () => {
    stack = await startStack();
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    // Each is unassigned if beforeAll failed before assigning it.
    await (browser as Browser | undefined)?.close();
    await (stack as Stack | undefined)?.close();
  });

  it('runs a subscription and shows inserted rows, loading nothing from outside', async () => {
    const created = await gql(stack, `mutation { execute(ksql: "CREATE STREAM GQL_UI (ID STRING KEY, MSG STRING) WITH (kafka_topic='gql_ui', value_format='JSON', partitions=1);") { type } }`);
    expect(created.errors).toBeUndefined();

    const page = await browser.newPage();
    const external: string[] = [];
    const origin = new URL(stack.url).origin;
    page.on('request', (req) => {
      const u = req.url();
      if (!u.startsWith(origin) && !u.startsWith('data:') && !u.startsWith('blob:')) external.push(u);
    });
    const query = 'subscription { pushQuery(sql: "SELECT * FROM GQL_UI EMIT CHANGES;") { ... on QueryRow { row } } }';
    await page.goto(`${stack.graphqlUrl}?query=${encodeURIComponent(query)}`);
    await page.locator('.graphiql-execute-button').click({ timeout: 20_000 });
    await eventually(() => pushQueryCount(stack), (n) => n === 1, { timeoutMs: 15_000 });

    const inserted = await gql(stack, `mutation { execute(ksql: "INSERT INTO GQL_UI (ID, MSG) VALUES ('k1', 'hello-from-graphiql');") { type } }`);
    expect(inserted.errors).toBeUndefined();
    await expect
      .poll(async () => page.locator('.graphiql-response').innerText(), { timeout: 15_000 })
      .toContain('hello-from-graphiql');

    await page.close();
    await eventually(() => pushQueryCount(stack), (n) => n === 0, { timeoutMs: 10_000 });
    expect(external).toEqual([]);
  }, 90_000);
});
