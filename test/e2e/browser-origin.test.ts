/**
 * The browser edge in a real browser (Debian's Chromium): a page on another
 * origin cannot call the gateway, neither with fetch (the CORS preflight
 * fails, so the request is never sent), nor with a request that needs no
 * preflight (the content type is refused), nor with a plain HTML form, nor
 * over a WebSocket. A page on an origin in --cors-origins can do all of it,
 * with credentials. The gateway listens on loopback, so its admin API is
 * open: exactly what a malicious page would aim for on a laptop.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, haveChromium, launchChromium } from '../utils/browser.js';
import { ksql, startStack, type Stack } from '../utils/stack.js';

/** A blank page on its own origin (a port of its own). */
async function pageServer(): Promise<{ server: Server; origin: string }> {
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end('<!doctype html><title>page</title><body></body>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

const createStream = (name: string) =>
  `mutation { execute(ksql: "CREATE STREAM ${name} (V INT) WITH (kafka_topic='${name.toLowerCase()}', value_format='JSON', partitions=1);") { type } }`;

async function streamNames(stack: Stack): Promise<string[]> {
  const [entity] = (await ksql(stack, 'SHOW STREAMS;')) as Array<{ streams: Array<{ name: string }> }>;
  return (entity?.streams ?? []).map((s) => s.name);
}

/** In the page: a credentialed JSON POST; its status and body, or how it failed. */
function postFromPage(page: Page, url: string, query: string): Promise<string> {
  return page.evaluate(
    async ([u, q]) => {
      try {
        const res = await fetch(u as string, {
          method: 'POST',
          credentials: 'include',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ query: q }),
        });
        return `${res.status} ${await res.text()}`;
      } catch (error) {
        return `failed: ${String(error)}`;
      }
    },
    [url, query],
  );
}

/** In the page: a graphql-transport-ws handshake and one query; what happened. */
function wsFromPage(page: Page, url: string): Promise<string> {
  return page.evaluate(
    (u) =>
      new Promise<string>((resolve) => {
        const socket = new WebSocket(u, 'graphql-transport-ws');
        const timer = setTimeout(() => resolve('timeout'), 10_000);
        socket.onopen = () => socket.send(JSON.stringify({ type: 'connection_init' }));
        socket.onmessage = (event) => {
          const message = JSON.parse(String(event.data)) as { type: string; payload?: unknown };
          if (message.type === 'connection_ack') {
            socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: '{ info { version } }' } }));
          } else if (message.type === 'next') {
            clearTimeout(timer);
            socket.close();
            resolve(`next ${JSON.stringify(message.payload)}`);
          }
        };
        socket.onclose = (event) => {
          clearTimeout(timer);
          resolve(`closed ${event.code}`);
        };
      }),
    url,
  );
}

describe.skipIf(!haveChromium)(`browser origins in Chromium (needs ${CHROMIUM})`, () => {
  let browser: Browser;
  let stack: Stack;
  let evil: { server: Server; origin: string };
  let allowed: { server: Server; origin: string };

  beforeAll(async () => {
    evil = await pageServer();
    allowed = await pageServer();
    stack = await startStack(['--cors-origins', allowed.origin]);
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    // Each is unassigned if beforeAll failed before assigning it.
    await (browser as Browser | undefined)?.close();
    await (stack as Stack | undefined)?.close();
    (evil as typeof evil | undefined)?.server.close();
    (allowed as typeof allowed | undefined)?.server.close();
  });

  it('a page on a foreign origin cannot run an operation, by fetch, by form or over a WebSocket', async () => {
    const page = await browser.newPage();
    try {
      await page.goto(evil.origin);

      // fetch with JSON: the preflight gets no CORS headers, so the POST is never sent.
      expect(await postFromPage(page, stack.graphqlUrl, createStream('EVIL_FETCH'))).toMatch(/^failed: TypeError/);

      // A request that needs no preflight: sent, but refused for its content type.
      const noCors = await page.evaluate(async ([u, q]) => {
        const res = await fetch(u as string, { method: 'POST', mode: 'no-cors', credentials: 'include', headers: { 'content-type': 'text/plain' }, body: JSON.stringify({ query: q }) });
        return res.type;
      }, [stack.graphqlUrl, createStream('EVIL_NO_CORS')]);
      expect(noCors).toBe('opaque');

      // A plain HTML form, submitted the way a malicious page would.
      const navigation = page.waitForNavigation();
      await page.evaluate(([u, q]) => {
        const form = document.createElement('form');
        form.method = 'POST';
        form.action = u as string;
        const input = document.createElement('input');
        input.name = 'query';
        input.value = q as string;
        form.appendChild(input);
        document.body.appendChild(form);
        form.submit();
      }, [stack.graphqlUrl, createStream('EVIL_FORM')]);
      const response = await navigation;
      expect(response?.status()).toBe(415);

      await page.goto(evil.origin);
      expect(await wsFromPage(page, stack.wsUrl)).toBe('closed 1006');

      expect((await streamNames(stack)).filter((n) => n.startsWith('EVIL_'))).toEqual([]);
    } finally {
      await page.close();
    }
  }, 60_000);

  it('a page on an origin in --cors-origins can call it, with credentials, and over a WebSocket', async () => {
    const page = await browser.newPage();
    try {
      await page.goto(allowed.origin);
      const result = await postFromPage(page, stack.graphqlUrl, createStream('ALLOWED_FETCH'));
      expect(result).toBe('200 {"data":{"execute":[{"type":"currentStatus"}]}}');
      expect(await streamNames(stack)).toContain('ALLOWED_FETCH');
      expect(await wsFromPage(page, stack.wsUrl)).toMatch(/^next \{"data":\{"info":\{"version":"[^"]+"\}\}\}$/);
    } finally {
      await page.close();
    }
  }, 60_000);
});
