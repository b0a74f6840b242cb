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
  // Persistent queries (CTAS) and the table pull queries that need them are
  // the engine's next slice (issue #3); these lines go when it lands.
  skip: {
    'POST /ksql: entities > CREATE TABLE AS SELECT starts a persistent query that SHOW QUERIES lists':
      'the embedded engine has no persistent queries (CTAS) yet: issue #3',
    'POST /query: pull queries > a table pull query marks key columns KEY and ends with ] and no finalMessage':
      'table pull queries need a materialized table (CTAS): issue #3',
    'gateway client (createKsqlClient) > pullQuery() on a table: KEY columns in the header, no final message':
      'table pull queries need a materialized table (CTAS): issue #3',
  },
});
