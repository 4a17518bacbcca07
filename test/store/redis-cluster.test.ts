import { Cluster } from 'ioredis';
import { createRedisStore } from '../../src/redis';
import { startRedisCluster } from '../../scripts/redis-cluster';
import { describeStoreConformance } from './conformance';

// A real Redis Cluster (3 masters + 3 replicas, scripts/redis-cluster.ts); each store under its own key prefix.
describeStoreConformance('Redis Cluster', async () => {
  const cluster = await startRedisCluster();
  const client = new Cluster(cluster.nodes.map(({ host, port }) => ({ host, port })));
  let n = 0;
  return {
    async make(options) {
      // Few buckets: the sweeps and stats read every bucket, and the tests make many stores.
      return createRedisStore(client, { prefix: `conf${++n}:`, buckets: 16, now: options.now, channels: options.channels });
    },
    async stop() {
      await client.quit();
      await cluster.stop();
    },
  };
});
