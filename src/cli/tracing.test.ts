/**
 * When the OTEL_* variables turn traces on, and what they may not ask for.
 * Starting the SDK itself is covered in a child process (test/e2e/traces.test.ts).
 */
import { ProxyTracerProvider, trace } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../gateway/config/index.js';
import { silentLogger } from '../shared/logger.js';
import { startTracing, tracingSettings } from './tracing.js';

describe('tracingSettings', () => {
  it('is off with nothing set, and with only variables that do not ask for traces', () => {
    expect(tracingSettings({})).toMatchObject({ enabled: false, reason: expect.stringContaining('no OTEL_* variable') });
    expect(
      tracingSettings({ OTEL_SERVICE_NAME: 'gw', OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', OTEL_EXPORTER_OTLP_ENDPOINT: ' ' }),
    ).toMatchObject({ enabled: false });
  });

  it('is on with an OTLP endpoint or OTEL_TRACES_EXPORTER=otlp', () => {
    expect(tracingSettings({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' })).toEqual({
      enabled: true,
      protocol: 'http/protobuf',
      endpoint: 'http://collector:4318/v1/traces',
    });
    expect(tracingSettings({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://collector/custom/path' })).toEqual({
      enabled: true,
      protocol: 'http/protobuf',
      endpoint: 'https://collector/custom/path',
    });
    expect(tracingSettings({ OTEL_TRACES_EXPORTER: 'otlp' })).toEqual({
      enabled: true,
      protocol: 'http/protobuf',
      endpoint: 'http://localhost:4318/v1/traces',
    });
  });

  it('takes the traces protocol over the general one', () => {
    const env = { OTEL_TRACES_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc', OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/json' };
    expect(tracingSettings(env)).toMatchObject({ enabled: true, protocol: 'http/json' });
  });

  it('is off when the SDK is disabled or the exporter is none, whatever else is set', () => {
    const endpoint = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' };
    expect(tracingSettings({ ...endpoint, OTEL_SDK_DISABLED: 'TRUE' })).toEqual({ enabled: false, reason: 'OTEL_SDK_DISABLED=true' });
    expect(tracingSettings({ ...endpoint, OTEL_SDK_DISABLED: 'false' })).toMatchObject({ enabled: true });
    expect(tracingSettings({ ...endpoint, OTEL_TRACES_EXPORTER: 'none' })).toEqual({
      enabled: false,
      reason: 'OTEL_TRACES_EXPORTER=none',
    });
  });

  it('refuses what it cannot honour, without echoing an endpoint', () => {
    expect(() => tracingSettings({ OTEL_TRACES_EXPORTER: 'zipkin' })).toThrow(ConfigError);
    expect(() => tracingSettings({ OTEL_TRACES_EXPORTER: 'otlp', OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' })).toThrow(
      'OTEL_EXPORTER_OTLP_PROTOCOL=grpc is not supported: use http/protobuf or http/json',
    );
    expect(() => tracingSettings({ OTEL_EXPORTER_OTLP_ENDPOINT: 'not a url?key=s3cret' })).toThrow(
      /^OTEL_EXPORTER_OTLP_ENDPOINT is not a valid URL$/,
    );
  });

  it('shows the endpoint without credentials or query string', () => {
    expect(tracingSettings({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://user:pw@collector/v1/traces?api-key=s3cret' })).toMatchObject({
      endpoint: 'https://collector/v1/traces',
    });
  });
});

describe('startTracing', () => {
  it('starts nothing and registers nothing when traces are off', async () => {
    expect(await startTracing({}, silentLogger)).toBeUndefined();
    const global = trace.getTracerProvider();
    expect(global).toBeInstanceOf(ProxyTracerProvider);
    expect((global as ProxyTracerProvider).getDelegate().constructor.name).toBe('NoopTracerProvider');
  });
});
