/**
 * Error translation and masking: the single boundary between client errors
 * and GraphQL errors (see translate.ts).
 *
 * @module
 */
export {
  ERROR_CODES,
  GatewayErrorCode,
  badUserInput,
  codeForKsqlError,
  cursorError,
  gatewayClosing,
  maskError,
  refusal,
  schemaNotReady,
  sourceDropped,
  subscriberTooSlow,
  translateError,
  type ErrorCodeEntry,
} from './translate.js';
