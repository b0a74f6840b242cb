/**
 * Test helpers of the transport tests: write(2) counts of this process, a
 * schema-only yoga stand-in for the graphql-ws adapter, and a raw
 * graphql-transport-ws client that queues every message.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { buildSchema, execute, parse, validate, type ExecutionArgs, type ExecutionResult } from 'graphql';
import WebSocket from 'ws';
import { messageText } from '../testing/ws-message.js';
import type { EnvelopedServer } from './graphql-ws.js';

/**
 * Write-class syscalls (write, writev) this process has made so far, from
 * /proc/self/io: what a corked socket saves is exactly these. The client
 * side of a test only reads, so a delta over a burst counts the server's
 * socket writes (plus the odd IPC write of the test runner).
 */
export function writeSyscalls(): number {
  const match = /^syscw:\s*(\d+)$/m.exec(readFileSync('/proc/self/io', 'utf8'));
  if (!match) throw new Error('no syscw in /proc/self/io');
  return Number(match[1]);
}

export const SCHEMA = buildSchema('type Query { x: Int } type Subscription { tick: Int }');

/** A yoga stand-in whose subscriptions are whatever `subscribe` returns. */
export function fakeYoga(subscribe: (args: ExecutionArgs) => AsyncIterable<ExecutionResult>): EnvelopedServer {
  return {
    graphqlEndpoint: '/graphql',
    getEnveloped: () => ({
      schema: SCHEMA,
      parse: (source) => parse(source),
      validate: (schema, document) => validate(schema, document),
      contextFactory: () => ({}),
      execute: (args) => execute(args),
      subscribe: (args) => subscribe(args),
    }),
  };
}

export async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `ws://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
}

export function httpServer(): Server {
  return createServer((_req, res) => res.writeHead(404).end());
}

export interface Message {
  readonly type: string;
  readonly id?: string;
  readonly payload?: unknown;
}

/** A raw graphql-transport-ws client, acknowledged. */
export interface RawClient {
  readonly socket: WebSocket;
  readonly messages: Message[];
  subscribe(id: string, query?: string): void;
  /** Resolves once `count` messages have arrived. */
  received(count: number): Promise<void>;
}

export async function rawClient(url: string, protocol = 'graphql-transport-ws'): Promise<RawClient> {
  const socket = new WebSocket(url, protocol);
  const messages: Message[] = [];
  let waiter: { count: number; resolve: () => void } | undefined;
  socket.on('message', (data) => {
    messages.push(JSON.parse(messageText(data)) as Message);
    if (waiter && messages.length >= waiter.count) {
      waiter.resolve();
      waiter = undefined;
    }
  });
  const received = (count: number) =>
    messages.length >= count
      ? Promise.resolve()
      : new Promise<void>((resolve, reject) => {
          waiter = { count, resolve };
          socket.once('close', () => reject(new Error(`closed after ${messages.length} of ${count} messages`)));
        });
  await new Promise<void>((resolve, reject) => {
    socket.once('open', resolve);
    socket.once('error', reject);
  });
  socket.send(JSON.stringify({ type: 'connection_init' }));
  await received(1);
  return {
    socket,
    messages,
    received,
    subscribe: (id, query = 'subscription { tick }') => socket.send(JSON.stringify({ id, type: 'subscribe', payload: { query } })),
  };
}
