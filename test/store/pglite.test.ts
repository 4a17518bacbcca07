import { PGlite } from '@electric-sql/pglite';
import { createPostgresStore } from '../../src/postgres';
import { describeStoreConformance } from './conformance';

// One PGlite for the file (starting one takes seconds); each store in its own schema.
describeStoreConformance('PGlite', async () => {
  const db = new PGlite();
  let n = 0;
  return {
    async make(options) {
      const store = createPostgresStore(db, { schema: `conformance_${++n}`, now: options.now, channels: options.channels });
      await store.migrate();
      return store;
    },
    stop: () => db.close(),
  };
});
