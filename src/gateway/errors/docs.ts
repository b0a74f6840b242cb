/** docs/errors.md's table, generated from {@link ERROR_CODES}. */
import { ERROR_CODES } from './translate.js';

export function errorTable(): string {
  return [
    '| `extensions.code` | ksqlDB `error_code` | meaning |',
    '|---|---|---|',
    ...ERROR_CODES.map((e) => `| \`${e.code}\` | ${e.ksqlErrorCodes} | ${e.meaning.replaceAll('|', '\\|')} |`),
  ].join('\n');
}
