/**
 * Server and request properties: defaults (what SHOW PROPERTIES lists),
 * name validation for SET and `streamsProperties`, and typed accessors.
 *
 * @module
 */
import { stringifyJson } from '../../shared/json.js';
import { AnalysisError } from '../errors.js';

/** Server defaults, as a fresh ksqlDB server reports them (a useful subset). */
export const DEFAULT_SERVER_PROPERTIES: Readonly<Record<string, string>> = Object.freeze({
  'ksql.service.id': 'default_',
  'ksql.streams.auto.offset.reset': 'latest',
  'ksql.streams.bootstrap.servers': 'embedded',
  'ksql.streams.commit.interval.ms': '2000',
  'ksql.streams.cache.max.bytes.buffering': '10000000',
  'ksql.streams.num.stream.threads': '4',
  'ksql.max.push.queries': '100',
  'ksql.query.pull.table.scan.enabled': 'true',
  'ksql.query.pull.range.scan.enabled': 'true',
  'ksql.query.pull.max.allowed.offset.lag': '9223372036854775807',
  'ksql.persistence.default.format.key': 'KAFKA',
  'ksql.insert.into.values.enabled': 'true',
  'ksql.variable.substitution.enable': 'true',
  'ksql.endpoint.migrate.query': 'true',
  'ksql.extension.dir': 'ext',
  'ksql.output.topic.name.prefix': '',
  'ksql.schema.registry.url': '',
  'ksql.sink.window.change.log.additional.retention': '1000000',
  'ksql.timestamp.throw.on.invalid': 'false',
  'ksql.query.push.v2.enabled': 'false',
  'ksql.heartbeat.enable': 'false',
  'ksql.lag.reporting.enable': 'false',
});

/** Properties a request may not override (level SERVER). */
const SERVER_ONLY = new Set(['ksql.service.id', 'ksql.max.push.queries', 'ksql.streams.bootstrap.servers', 'ksql.extension.dir']);

/** Kafka Streams, consumer and producer settings accepted bare or with a `ksql.streams.` prefix. */
const KAFKA_PROPERTIES = new Set([
  'auto.offset.reset',
  'commit.interval.ms',
  'cache.max.bytes.buffering',
  'statestore.cache.max.bytes',
  'num.stream.threads',
  'num.standby.replicas',
  'processing.guarantee',
  'buffered.records.per.partition',
  'max.task.idle.ms',
  'replication.factor',
  'topology.optimization',
  'max.poll.records',
  'max.poll.interval.ms',
  'fetch.min.bytes',
  'fetch.max.wait.ms',
  'session.timeout.ms',
  'heartbeat.interval.ms',
  'request.timeout.ms',
  'isolation.level',
  'acks',
  'linger.ms',
  'batch.size',
  'buffer.memory',
  'compression.type',
  'max.request.size',
  'retries',
  'enable.idempotence',
  'client.id',
  'bootstrap.servers',
]);

const PREFIXES = ['ksql.streams.', 'consumer.', 'producer.', 'main.consumer.', 'restore.consumer.', 'global.consumer.'];

export class UnknownPropertyError extends AnalysisError {
  readonly property: string;
  constructor(property: string) {
    super(`Not recognizable as ksql, streams, consumer, or producer property: '${property}'`, {}, 'ENGINE_UNKNOWN_PROPERTY');
    this.property = property;
  }
}

/** The canonical name of a property, or undefined when it is not recognized. */
export function canonicalPropertyName(name: string): string | undefined {
  const n = name.trim();
  if (KAFKA_PROPERTIES.has(n)) return `ksql.streams.${n}`;
  for (const p of PREFIXES) {
    if (n.startsWith(p) && KAFKA_PROPERTIES.has(n.slice(p.length))) return p === 'ksql.streams.' ? n : `ksql.streams.${n}`;
  }
  if (n.startsWith('ksql.')) return n;
  return undefined;
}

/** Validates a request-level override; returns its canonical name. */
export function validateOverride(name: string, value?: unknown): string {
  const canonical = canonicalPropertyName(name);
  if (canonical === undefined) throw new UnknownPropertyError(name);
  if (canonical === 'ksql.streams.auto.offset.reset' && value !== undefined) {
    const v = valueText(value).trim().toLowerCase();
    if (v !== 'earliest' && v !== 'latest' && v !== 'none') {
      throw new AnalysisError(
        `Invalid value ${valueText(value)} for configuration auto.offset.reset: String must be one of: latest, earliest, none`,
      );
    }
  }
  return canonical;
}

export function isServerOnly(name: string): boolean {
  return SERVER_ONLY.has(name);
}

export function propertyString(value: unknown): string {
  if (value === null || value === undefined) return '';
  return valueText(value);
}

/** A property value as text: a scalar as `String` writes it, a list or an object (from JSON) as JSON. */
function valueText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean' || value === undefined) return String(value);
  return value === null ? 'null' : stringifyJson(value);
}

/** Reads an integer property; `fallback` when absent or malformed. */
export function intProperty(config: ReadonlyMap<string, string>, name: string, fallback: number): number {
  const v = config.get(name);
  if (v === undefined) return fallback;
  const n = Number(v);
  return Number.isInteger(n) ? n : fallback;
}

export function boolProperty(config: ReadonlyMap<string, string>, name: string, fallback: boolean): boolean {
  const v = config.get(name);
  if (v === undefined) return fallback;
  return v.trim().toLowerCase() === 'true';
}

/** `earliest` or `latest` for a push query. */
export function offsetReset(config: ReadonlyMap<string, string>): 'earliest' | 'latest' {
  const v = (config.get('ksql.streams.auto.offset.reset') ?? 'latest').trim().toLowerCase();
  return v === 'earliest' ? 'earliest' : 'latest';
}
