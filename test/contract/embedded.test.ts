/**
 * The backend contract against the embedded engine, started in process on a
 * loopback port, exactly as the CLI starts it. Runs on every test run.
 */
import { startEngineServer } from '../../src/engine/rest/server.js';
import { silentLogger } from '../../src/shared/logger.js';
import { runKsqlBackendContract } from './ksql-backend.case.js';

runKsqlBackendContract({
  name: 'ksqlDB backend contract: embedded engine',
  start: async () => {
    const server = await startEngineServer({ host: '127.0.0.1', port: 0, logger: silentLogger });
    return { url: server.url, close: () => server.close() };
  },
});
