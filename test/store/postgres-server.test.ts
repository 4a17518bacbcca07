import { Pool } from 'pg';
import { createPostgresStore } from '../../src/postgres';
import { startPostgres } from '../../scripts/postgres-server';
import { describeStoreConformance } from './conformance';

// A real PostgreSQL server (scripts/postgres-server.ts), several connections: the contract under true concurrency.
describeStoreConformance('PostgreSQL server', async () => {
  const server = await startPostgres();
  const pool = new Pool({ connectionString: server.url, max: 8 });
  let n = 0;
  return {
    async make(options) {
      const store = createPostgresStore(pool, { schema: `conformance_${process.pid}_${++n}`, now: options.now, channels: options.channels });
      await store.migrate();
      return store;
    },
    async stop() {
      await pool.end();
      await server.stop();
    },
  };
});
