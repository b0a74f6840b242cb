/**
 * In-process gateways over a fake ksqlDB client for plugin tests, closed
 * after each test.
 *
 * @module
 */
import { afterEach } from 'vitest';
import { buildGateway, type Gateway, type GatewayOptions } from '../server.js';
import { createFakeKsqlClient, type FakeKsqlClient } from './fake-ksql-client.js';

export interface TestGateway {
  readonly client: FakeKsqlClient;
  readonly gateway: Gateway;
}

/**
 * Registers an `afterEach` that closes every gateway made, and returns the
 * factory: `defaults`, then the call's options, on top of a silent gateway
 * with the generic schema only.
 */
export function gatewayFactory(defaults: Partial<GatewayOptions> = {}): (options?: Partial<GatewayOptions>) => TestGateway {
  const open: Gateway[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((g) => g.close()));
  });
  return (options = {}) => {
    const client = createFakeKsqlClient();
    const gateway = buildGateway({ client, logger: false, typedSchema: false, ...defaults, ...options });
    open.push(gateway);
    return { client, gateway };
  };
}
