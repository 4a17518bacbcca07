/**
 * Reports per second through the Redis store on a real Redis Cluster (3
 * masters + 3 replicas, AOF everysec: scripts/redis-cluster.ts) under 16
 * concurrent clients, in the same run as the PostgreSQL store's `apply` (a
 * throwaway server with default durability: scripts/postgres-server.ts) and
 * a bare Redis `SET` of each report's status on the same cluster (the
 * ceiling: no check, no history). Also the Redis store with `waitReplicas:
 * 1` (each write acknowledged by a replica), the cost docs/redis.md states,
 * and with `scripting: 'eval'` (EVALSHA of a script that builds the decision
 * tables on every run, instead of the function library), and the store and
 * SET through one client shared by the 16 workers with ioredis's
 * auto-pipelining (how one service instance would run it; informational,
 * the goals are measured with one client per worker). Then the memory a
 * stored message takes (used_memory of the masters before and after one
 * round's messages, divided by their number), for docs/redis.md's arithmetic.
 * Contenders take turns slice by slice, so the shared machine's load hits
 * them alike; every store contender must end at the same statuses.
 * Prints the table; writes docs/benchmarks-redis.md unless `--no-write`.
 *
 * npm run bench:redis [-- --smoke] [-- --no-write]
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Cluster } from 'ioredis';
import { Client } from 'pg';
import { createPostgresStore, type PostgresStore } from '../src/postgres';
import { createRedisStore, type RedisStore } from '../src/redis';
import { startPostgres } from '../scripts/postgres-server';
import { startRedisCluster } from '../scripts/redis-cluster';
import { FLOOR_LIBRARY, floorArgs } from './redis-floor';
import { streamClock, workload, type Item } from './workload';

const CLIENTS = 16;
const SMOKE = process.argv.includes('--smoke');
const MESSAGES = SMOKE ? 100 : 6000;
const ROUNDS = SMOKE ? 1 : Number(process.env.BENCH_ROUNDS ?? 3);
const SLICE = 3000;
const WARMUP = 2000;


/** Runs `work` over the items from 16 workers pulling from one queue; returns items per second. */
async function measure(items: readonly Item[], work: (worker: number, item: Item) => Promise<unknown>): Promise<number> {
  let next = 0;
  const started = process.hrtime.bigint();
  await Promise.all(
    Array.from({ length: CLIENTS }, async (_, worker) => {
      while (next < items.length) await work(worker, items[next++]);
    }),
  );
  return items.length / (Number(process.hrtime.bigint() - started) / 1e9);
}

async function main(): Promise<void> {
  const server = await startPostgres({ durable: true });
  const cluster = await startRedisCluster();
  const pgClients = Array.from({ length: CLIENTS }, () => new Client({ connectionString: server.url }));
  await Promise.all(pgClients.map((c) => c.connect()));
  // One cluster client per worker, as 16 service instances would have.
  const redis = Array.from({ length: CLIENTS }, () => new Cluster(cluster.nodes.map(({ host, port }) => ({ host, port }))));
  // And one client shared by all 16 workers, as one service instance would share it, with ioredis's auto-pipelining
  // (commands issued in the same tick go to a node in one write): rows for docs/redis.md's advice, not the goal.
  const shared = new Cluster(cluster.nodes.map(({ host, port }) => ({ host, port })), { enableAutoPipelining: true });
  const rates: Record<string, number[]> = { set: [], floorCall: [], floorWrites: [], redis: [], redisEval: [], redisWait: [], setShared: [], redisShared: [], pg: [] };
  // Connected first: a cluster client lists its masters only once it has read the slots.
  await Promise.all([...redis, shared].map((c) => c.ping()));
  const masters = redis[0].nodes('master');
  if (masters.length !== cluster.nodes.length / 2) throw new Error(`expected ${cluster.nodes.length / 2} masters, the client lists ${masters.length}`);
  await Promise.all(masters.map((node) => node.call('FUNCTION', 'LOAD', 'REPLACE', FLOOR_LIBRARY)));
  const floorOf = (round: number, item: Item): string[] => floorArgs(`f${round}:{${item.messageId}}`, item.messageId, String(item.channel), item.event.id, streamClock());
  const memory = { bytesPerMessage: 0 };
  try {
    for (let round = 0; round < ROUNDS; round++) {
      const schema = `bench_redis_${round}`;
      await pgClients[0].query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await createPostgresStore(pgClients[0], { schema }).migrate();
      const pg: PostgresStore[] = pgClients.map((c) => createPostgresStore(c, { schema, now: streamClock }));
      const rs: RedisStore[] = redis.map((c) => createRedisStore(c, { prefix: `b${round}:`, now: streamClock }));
      const rp = createRedisStore(shared, { prefix: `p${round}:`, now: streamClock });
      const rw: RedisStore[] = redis.map((c) => createRedisStore(c, { prefix: `w${round}:`, now: streamClock, waitReplicas: 1 }));
      const re: RedisStore[] = redis.map((c) => createRedisStore(c, { prefix: `e${round}:`, now: streamClock, scripting: 'eval' }));
      const contenders: Record<string, (worker: number, item: Item) => Promise<unknown>> = {
        set: (w, item) => redis[w].set(`set${round}:{${item.messageId}}`, item.event.status as string),
        floorCall: (w, item) => redis[w].fcall('floor_call', 3, ...floorOf(round, item)),
        floorWrites: (w, item) => redis[w].fcall('floor_writes', 3, ...floorOf(round, item)),
        redis: (w, item) => rs[w].apply(item.messageId, item.channel, item.event),
        redisEval: (w, item) => re[w].apply(item.messageId, item.channel, item.event),
        redisWait: (w, item) => rw[w].apply(item.messageId, item.channel, item.event),
        setShared: (_, item) => shared.set(`ss${round}:{${item.messageId}}`, item.event.status as string),
        redisShared: (_, item) => rp.apply(item.messageId, item.channel, item.event),
        pg: (w, item) => pg[w].apply(item.messageId, item.channel, item.event),
      };
      const items = workload(`r${round}`, 3000 + round, MESSAGES);
      const warmup = workload(`x${round}`, 4000 + round, MESSAGES).slice(0, WARMUP);
      for (const work of Object.values(contenders)) await measure(warmup, work);
      const seconds: Record<string, number> = Object.fromEntries(Object.keys(contenders).map((k) => [k, 0]));
      for (let at = 0; at < items.length; at += SLICE) {
        const slice = items.slice(at, at + SLICE);
        for (const [name, work] of Object.entries(contenders)) seconds[name] += slice.length / (await measure(slice, work));
      }
      for (const name of Object.keys(contenders)) rates[name].push(items.length / seconds[name]);
      // The stores must agree, or the comparison means nothing.
      const ids = [...new Set(items.map((i) => i.messageId))];
      let differ = 0;
      for (const id of ids) {
        const [a, ...others] = await Promise.all([pg[0].get(id), rs[0].get(id), rw[0].get(id), re[0].get(id), rp.get(id)]);
        if (others.some((o) => o?.status !== a?.status)) differ++;
      }
      if (differ > 0) throw new Error(`the stores disagree on ${differ} messages`);
      process.stdout.write(`round ${round + 1}/${ROUNDS}: ${items.length} reports\n`);
    }
    // Memory: one round's messages into a fresh prefix, nothing else writing.
    const used = async () => {
      const infos = await Promise.all(redis[0].nodes('master').map((n) => n.info('memory')));
      return infos.reduce((sum, text) => sum + Number(/used_memory:(\d+)/.exec(text)?.[1] ?? 0), 0);
    };
    const mem = redis.map((c) => createRedisStore(c, { prefix: 'mem:', now: streamClock }));
    const items = workload('mem', 5000, MESSAGES);
    const before = await used();
    await measure(items, (w, item) => mem[w].apply(item.messageId, item.channel, item.event));
    memory.bytesPerMessage = ((await used()) - before) / new Set(items.map((i) => i.messageId)).size;
  } finally {
    await Promise.all(pgClients.map((c) => c.end()));
    await Promise.all([...redis, shared].map((c) => c.quit()));
    await server.stop();
    await cluster.stop();
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const pgRate = median(rates.pg);
  const setRate = median(rates.set);
  const rows = [
    ['bare Redis SET of the status (no check, no history)', setRate],
    ["floor: the store's FCALL (same keys and arguments) to a function that does nothing", median(rates.floorCall)],
    ["reference: the same FCALL doing an applied report's reads and writes for every report, no decision", median(rates.floorWrites)],
    ['Redis store apply (one function call per report)', median(rates.redis)],
    ["Redis store apply, scripting: 'eval' (EVALSHA, tables built per run)", median(rates.redisEval)],
    ['Redis store apply, waitReplicas: 1 (WAIT for a replica)', median(rates.redisWait)],
    ['bare SET, one client shared by the 16 workers, enableAutoPipelining', median(rates.setShared)],
    ['Redis store apply, one client shared by the 16 workers, enableAutoPipelining', median(rates.redisShared)],
    ['PostgreSQL store apply (server, fsync on)', pgRate],
  ] as const;
  const table = [
    '| contender | reports/s | × PostgreSQL apply | × bare SET |',
    '|---|---:|---:|---:|',
    ...rows.map(([name, rate]) => `| ${name} | ${Math.round(rate)} | ${(rate / pgRate).toFixed(2)} | ${(rate / setRate).toFixed(2)} |`),
  ].join('\n');
  process.stdout.write(`\n${table}\n`);
  const vsPg = median(rates.redis) / pgRate;
  const vsSet = median(rates.redis) / setRate;
  process.stdout.write(`\nRedis store / PostgreSQL store = ${vsPg.toFixed(2)} (goal ≥ 3): ${vsPg >= 3 ? 'met' : 'NOT met'}\n`);
  process.stdout.write(`Redis store / bare SET = ${vsSet.toFixed(2)} (goal ≥ 0.5): ${vsSet >= 0.5 ? 'met' : 'NOT met'}\n`);
  // What bounds the store here: the call's shape alone, and the call with an applied report's writes.
  const floorLine = `Floor, the store's FCALL doing nothing: ${(median(rates.floorCall) / pgRate).toFixed(2)}× the PostgreSQL store, ${(median(rates.floorCall) / setRate).toFixed(2)}× a bare SET. With an applied report's reads and writes for every report (no decision): ${(median(rates.floorWrites) / pgRate).toFixed(2)}× and ${(median(rates.floorWrites) / setRate).toFixed(2)}×. The store writes only for reports that apply, so it can pass the second; no store can pass the first.`;
  process.stdout.write(`${floorLine}\n`);
  const sharedLine = `One client shared by the 16 workers with enableAutoPipelining (commands of the same tick to a node go in one write): the store ${Math.round(median(rates.redisShared))}/s, ${(median(rates.redisShared) / median(rates.redis)).toFixed(2)}× the store with a client per worker and ${(median(rates.redisShared) / pgRate).toFixed(2)}× the PostgreSQL store; a bare SET ${(median(rates.setShared) / setRate).toFixed(2)}× its own rate with a client per worker.`;
  process.stdout.write(`${sharedLine}\n`);
  const memoryLine = `Memory: ${Math.round(memory.bytesPerMessage)} bytes per stored message (used_memory of the masters, ${MESSAGES} messages of the workload, keys, history, event ids and bucket entries; replicas hold as much again).`;
  process.stdout.write(`${memoryLine}\n`);
  if (!SMOKE && !process.argv.includes('--no-write')) {
    writeFileSync(
      join(__dirname, '..', 'docs', 'benchmarks-redis.md'),
      `# Redis store benchmark

Generated by \`npm run bench:redis\` on ${new Date().toISOString().slice(0, 10)}: a Redis Cluster of 3 masters and 3
replicas (Debian's redis-server, AOF with appendfsync everysec) and a PostgreSQL server (default durability) on
the same loopback, ${CLIENTS} concurrent clients (one cluster client each), ${MESSAGES} messages per round (SMS and
e-mail alternating), each message's legal report stream shuffled with about a third repeated; median of
${ROUNDS} rounds, after an unmeasured warm-up of ${WARMUP} reports per contender. Contenders take turns slice by
slice; the bench checks that the stores end at the same statuses. The machine is shared (2 cores): read the
ratios, not the absolute rates.

${table}

Redis store / PostgreSQL store apply: ${vsPg.toFixed(2)} (goal ≥ 3). Redis store / bare SET: ${vsSet.toFixed(2)} (goal ≥ 0.5).

${sharedLine}

${floorLine} On one 2-core machine the client process, the six Redis servers and PostgreSQL share
the cores, so these ratios measure CPU per report (client and servers together) rather than how the
cluster scales with masters.

${memoryLine}
`,
    );
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
