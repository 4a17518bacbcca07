/**
 * CPU per report of the Redis store on a real Redis Cluster (3 masters + 3
 * replicas, AOF everysec), against a bare SET and the floor functions of
 * bench/redis-floor.ts, each with a client per worker, and the store and SET
 * through one shared auto-pipelined client: the servers' CPU (utime + stime
 * of every redis-server, read from /proc) and the client's
 * (process.cpuUsage) divided by the reports, the masters' own time per call
 * (usec_per_call) and their command counts per report (INFO commandstats).
 * CPU per report moves less with the machine's load than a rate does (it
 * still moves: compare contenders of the same round), so this is the tool
 * for seeing where a report's cost goes; bench:redis stays the measure of
 * the goals. Writes nothing.
 *
 * npm run bench:redis-cpu [-- --messages N]  (ROUNDS=n, ONLY=set,store,… to pick)
 */
import { readFileSync } from 'node:fs';
import { Cluster } from 'ioredis';
import { createRedisStore } from '../src/redis';
import { startRedisCluster } from '../scripts/redis-cluster';
import { FLOOR_LIBRARY, floorArgs } from './redis-floor';
import { streamClock, workload, type Item } from './workload';

const CLIENTS = 16;
const at = process.argv.indexOf('--messages');
const MESSAGES = at > 0 ? Number(process.argv[at + 1]) : 4000;
const TICKS = 100; // clock ticks per second (getconf CLK_TCK on Linux)


const cpuOf = (pid: number): number => {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS; // utime, stime in seconds
};

async function main(): Promise<void> {
  const cluster = await startRedisCluster();
  const redis = Array.from({ length: CLIENTS }, () => new Cluster(cluster.nodes.map(({ host, port }) => ({ host, port }))));
  // One client for all 16 workers, as one service instance would share it, with ioredis's auto-pipelining.
  const shared = new Cluster(cluster.nodes.map(({ host, port }) => ({ host, port })), { enableAutoPipelining: true });
  try {
    await Promise.all([...redis, shared].map((c) => c.ping()));
    const masters = redis[0].nodes('master');
    await Promise.all(masters.map((node) => node.call('FUNCTION', 'LOAD', 'REPLACE', FLOOR_LIBRARY)));
    const floorOf = (item: Item): string[] => floorArgs(`f:{${item.messageId}}`, item.messageId, String(item.channel), item.event.id, streamClock());
    const contenders: Record<string, (w: number, item: Item, round: number) => Promise<unknown>> = {
      set: (w, item, round) => redis[w].set(`set${round}:{${item.messageId}}`, item.event.status as string),
      floorCall: (w, item) => redis[w].fcall('floor_call', 3, ...floorOf(item)),
      floorWrites: (w, item, round) => redis[w].fcall('floor_writes', 3, ...floorOf({ ...item, messageId: `${round}-${item.messageId}` })),
      store: (w, item, round) => stores(round)[w].apply(item.messageId, item.channel, item.event),
      setShared: (w, item, round) => shared.set(`ss${round}:{${item.messageId}}`, item.event.status as string),
      storeShared: (w, item, round) => sharedStores(round).apply(item.messageId, item.channel, item.event),
    };
    const cache = new Map<number, ReturnType<typeof createRedisStore>[]>();
    const sharedCache = new Map<number, ReturnType<typeof createRedisStore>>();
    const sharedStores = (round: number) => {
      let s = sharedCache.get(round);
      if (s === undefined) sharedCache.set(round, (s = createRedisStore(shared, { prefix: `p${round}:`, now: streamClock })));
      return s;
    };
    const stores = (round: number) => {
      let s = cache.get(round);
      if (s === undefined) cache.set(round, (s = redis.map((c) => createRedisStore(c, { prefix: `s${round}:`, now: streamClock }))));
      return s;
    };
    const ROUNDS = Number(process.env.ROUNDS ?? 3);
    for (let round = 0; round < ROUNDS; round++) {
      const items = workload(`r${round}`, 3000 + round, MESSAGES);
      for (const [name, work] of Object.entries(contenders).filter(([n]) => (process.env.ONLY ?? n).split(',').includes(n))) {
        await Promise.all(masters.map((n) => n.call('CONFIG', 'RESETSTAT')));
        const server0 = cluster.nodes.reduce((s, n) => s + cpuOf(n.pid), 0);
        const client0 = process.cpuUsage();
        let next = 0;
        await Promise.all(
          Array.from({ length: CLIENTS }, async (_, w) => {
            while (next < items.length) await work(w, items[next++], round);
          }),
        );
        const client = process.cpuUsage(client0);
        const server = cluster.nodes.reduce((s, n) => s + cpuOf(n.pid), 0) - server0;
        const stats = await Promise.all(masters.map((n) => n.info('commandstats')));
        const calls = new Map<string, number>();
        let usec = 0;
        for (const text of stats) {
          for (const m of text.matchAll(/cmdstat_([a-z|]+):calls=(\d+),usec=(\d+)/g)) {
            calls.set(m[1], (calls.get(m[1]) ?? 0) + Number(m[2]));
            if (m[1] === 'fcall' || m[1] === 'set') usec += Number(m[3]);
          }
        }
        const per = (x: number) => ((x * 1e6) / items.length).toFixed(0);
        const cmds = [...calls].filter(([k]) => !/info|config|cluster|ping|function/.test(k)).map(([k, v]) => `${k} ${(v / items.length).toFixed(2)}`).join(', ');
        process.stdout.write(`round ${round} ${name.padEnd(12)} call ${(usec / items.length).toFixed(1).padStart(5)} µs  servers ${per(server).padStart(4)} µs  client ${per((client.user + client.system) / 1e6).padStart(4)} µs  per report; ${cmds}\n`);
      }
    }
  } finally {
    await Promise.all([...redis, shared].map((c) => c.quit()));
    await cluster.stop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
