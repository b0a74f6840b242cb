import { describe, expect, it } from 'vitest';
import { createLogger } from './logger.js';

function capture(options: Parameters<typeof createLogger>[0] & object = {}) {
  const lines: string[] = [];
  const logger = createLogger({ format: 'json', level: 'debug', ...options, destination: { write: (l: string) => lines.push(l) } });
  return { logger, lines, json: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

describe('logger', () => {
  it('writes JSON lines with level, time, name, message, fields and child bindings', () => {
    const { logger, json } = capture();
    logger.child({ component: 'hub' }).info('started', { queries: 2 });
    expect(json()).toEqual([expect.objectContaining({ level: 30, name: 'ksqldb-gateway', component: 'hub', queries: 2, msg: 'started', time: expect.any(Number) })]);
  });

  it("gives a child's component in place of its parent's, each key once per line", () => {
    const { logger, lines } = capture();
    logger.child({ component: 'gateway', instance: 1 }).child({ component: 'typed-schema' }).info('built');
    const [line] = lines;
    expect(line?.match(/"component"/g)).toHaveLength(1);
    expect(JSON.parse(line ?? '')).toMatchObject({ component: 'typed-schema', instance: 1, msg: 'built' });
  });

  it('takes yoga-style arguments: an Error, strings and values, BigInts included', () => {
    const { logger, json } = capture();
    logger.warn('refresh failed:', new Error('boom'));
    logger.error(new TypeError('bad'));
    logger.info('big', 9007199254740993n, { n: 9007199254740993n });
    const [a, b, c] = json();
    expect(a).toMatchObject({ level: 40, msg: 'refresh failed', err: { type: 'Error', message: 'boom' } });
    expect(b).toMatchObject({ level: 50, msg: 'bad', err: { type: 'TypeError' } });
    expect(c?.['msg']).toBe('big 9007199254740993');
  });

  it('respects the level', () => {
    const { logger, lines } = capture({ level: 'warn' });
    logger.debug('x');
    logger.info('x');
    logger.warn('y');
    expect(lines).toHaveLength(1);
    const silent = capture({ level: 'silent' });
    silent.logger.error('z');
    expect(silent.lines).toHaveLength(0);
  });

  it('never writes secrets: censored fields, configured secrets in any encoding, Authorization-shaped values', () => {
    const secret = 'hunter2-hunter2';
    const { logger, lines } = capture({ secrets: [secret, undefined] });
    logger.info('headers', { headers: { authorization: 'Basic abc', cookie: 'sid=1' }, password: 'p', token: 't', adminSecret: 'a' });
    logger.info(`echo ${secret} ${Buffer.from(secret).toString('base64')} ${encodeURIComponent(secret)}`);
    logger.warn('upstream said: Bearer eyJhbGciOi.payload.sig and Basic dXNlcjpwYXNz');
    const all = lines.join('\n');
    for (const leak of [secret, Buffer.from(secret).toString('base64'), 'abc', 'sid=1', '"p"', '"t"', '"a"', 'eyJhbGciOi', 'dXNlcjpwYXNz']) {
      expect(all).not.toContain(leak);
    }
    expect(all).toContain('[REDACTED]');
  });

  it('writes readable lines in pretty format', () => {
    const { logger, lines } = capture({ format: 'pretty' });
    logger.info('hello', { component: 'gateway' });
    expect(lines.join('')).toMatch(/INFO.*hello/);
    expect(lines.join('')).not.toMatch(/^\{/);
  });
});
