/**
 * The root of every error the gateway throws on purpose: the ksqlDB
 * client's (ksql-client/errors.ts) and the configuration's (ConfigError).
 * A {@link BaseError} with a stable, documented `code` (docs/errors.md):
 * match on the code, not on the class. Its own module so that every gateway
 * layer can import it (config imports only shared and this).
 *
 * @module
 */
import { BaseError } from '../shared/errors.js';

export class GatewayError extends BaseError {}

export function isGatewayError(err: unknown): err is GatewayError {
  return err instanceof GatewayError;
}
