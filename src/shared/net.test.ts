import { describe, expect, it } from 'vitest';
import { hostHeaderName, hostMatches, isLoopbackHost, LOOPBACK_HOST_NAMES } from './net.js';

describe('isLoopbackHost', () => {
  it('knows loopback listen addresses from the rest', () => {
    for (const h of ['127.0.0.1', '127.1.2.3', 'localhost', 'LocalHost', '::1', '[::1]', '::ffff:127.0.0.1', 'app.localhost']) {
      expect(isLoopbackHost(h), h).toBe(true);
    }
    for (const h of ['0.0.0.0', '::', '10.0.0.1', '192.168.1.2', 'example.com', '128.0.0.1', 'localhost.example.com', '']) {
      expect(isLoopbackHost(h), h).toBe(false);
    }
  });
});

describe('hostHeaderName', () => {
  it('takes the name out of a Host header value', () => {
    expect(hostHeaderName('Example.COM:4000')).toBe('example.com');
    expect(hostHeaderName('example.com')).toBe('example.com');
    expect(hostHeaderName('[::1]:4000')).toBe('::1');
    expect(hostHeaderName('[::1]')).toBe('::1');
    expect(hostHeaderName('127.0.0.1:80')).toBe('127.0.0.1');
    for (const bad of [undefined, null, '', '[::1', '::1', 'a:b', 'host:12x', '[::1]x']) expect(hostHeaderName(bad), String(bad)).toBeUndefined();
  });
});

describe('hostMatches', () => {
  it('matches exact names, *.sub-domains and *', () => {
    expect(hostMatches('gw.example.com', ['gw.example.com'])).toBe(true);
    expect(hostMatches('GW.example.com', ['gw.EXAMPLE.com'])).toBe(true);
    expect(hostMatches('a.b.example.com', ['*.example.com'])).toBe(true);
    expect(hostMatches('example.com', ['*.example.com'])).toBe(false);
    expect(hostMatches('evilexample.com', ['*.example.com'])).toBe(false);
    expect(hostMatches('anything', ['*'])).toBe(true);
    expect(hostMatches('::1', ['[::1]'])).toBe(true);
  });

  it('lets loopback names through the loopback default, and nothing else', () => {
    for (const h of ['localhost', 'app.localhost', '127.0.0.1', '::1']) expect(hostMatches(h, LOOPBACK_HOST_NAMES), h).toBe(true);
    for (const h of ['evil.example', '127.0.0.1.nip.io', '127.0.0.2', 'localhost.evil.example']) {
      expect(hostMatches(h, LOOPBACK_HOST_NAMES), h).toBe(false);
    }
  });
});
