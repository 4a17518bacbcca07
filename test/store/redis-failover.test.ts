/**
 * Failover: 16 clients apply shuffled streams (with repeats) to a real Redis
 * Cluster while one master is killed with SIGKILL by its PID; the clients
 * retry through the failover. Afterwards every message's history is checked
 * against the xstate oracle (no provider event twice), the acknowledged
 * writes that the failover lost are counted, the provider's retry (every
 * report delivered once more) repairs them, and every message ends at the
 * last status of its legal path, as the tolerant fold must. The counts and
 * the stall are printed, never judged by time.
 */
import { execFileSync } from 'node:child_process';
import { Cluster } from 'ioredis';
import type { ChannelRef, StatusReport } from '../../src';
import { createRedisStore, type RedisStore } from '../../src/redis';
import { startRedisCluster, type RedisCluster } from '../../scripts/redis-cluster';
import { checkMessage, deliveredStream, legalPath, rng, shuffle } from '../support/postgres';

const CLIENTS = 16;
const MESSAGES = 600;

let cluster: RedisCluster;
const clients: Cluster[] = [];

beforeAll(async () => {
  cluster = await startRedisCluster({ nodeTimeoutMs: 1000 });
}, 120_000);

afterAll(async () => {
  await Promise.all(clients.map((c) => c.quit().catch(() => undefined)));
  for (const c of clients) c.disconnect();
  await cluster?.stop();
}, 60_000);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

test('a master killed mid-stream: every message ends at its path’s last status, no event applied twice, lost acknowledged writes counted', async () => {
  const random = rng(2026);
  const messages = Array.from({ length: MESSAGES }, (_, i) => {
    const channel: ChannelRef = i % 2 === 0 ? 'sms' : 'email';
    const id = `f${i}`;
    const path = legalPath(channel, random);
    return { id, channel, path, events: deliveredStream(id, path, random) };
  });
  const all = shuffle(
    messages.flatMap((m) => m.events.map((event) => ({ messageId: m.id, channel: m.channel, event }))),
    random,
  );
  const stores: RedisStore[] = [];
  for (let i = 0; i < CLIENTS; i++) {
    const client = new Cluster(cluster.nodes.map(({ host, port }) => ({ host, port })), {
      clusterRetryStrategy: () => 100,
      retryDelayOnFailover: 100,
      retryDelayOnClusterDown: 100,
      redisOptions: { maxRetriesPerRequest: 2, connectTimeout: 500, commandTimeout: 2000 },
    });
    client.on('error', () => undefined);
    clients.push(client);
    // The streams' reports carry times from 1_700_000_000_000 on; the clock stands an hour later, so no SMS validity runs out.
    stores.push(createRedisStore(client, { prefix: 'fo:', buckets: 64, now: () => 1_700_000_000_000 + 3_600_000 }));
  }

  // The master to kill: the one serving the most buckets' slots is as good as any; take the first master.
  const roles = cluster.nodes.map((n) => ({ n, role: execFileSync('redis-cli', ['-p', String(n.port), 'role'], { encoding: 'utf8' }).split('\n')[0] }));
  const victim = roles.find((r) => r.role === 'master')!.n;

  const acknowledged: { messageId: string; id: string }[] = [];
  let done = 0;
  let longest = 0;
  let killedAt = 0;
  let retries = 0;
  const applyRetrying = async (store: RedisStore, item: (typeof all)[number]) => {
    const started = Date.now();
    for (;;) {
      try {
        const result = await store.apply(item.messageId, item.channel, item.event);
        longest = Math.max(longest, Date.now() - started);
        return result;
      } catch {
        retries++;
        await sleep(50);
      }
    }
  };
  await Promise.all(
    stores.map(async (store, w) => {
      for (let i = w; i < all.length; i += CLIENTS) {
        const result = await applyRetrying(store, all[i]);
        if (result.outcome === 'applied') acknowledged.push({ messageId: all[i].messageId, id: (all[i].event as StatusReport).id as string });
        if (++done === Math.floor(all.length / 3)) {
          killedAt = Date.now();
          process.kill(victim.pid, 'SIGKILL');
        }
      }
    }),
  );
  expect(killedAt).toBeGreaterThan(0);
  const reader = stores[0];
  // Acknowledged writes the failover lost: applied, answered, and not in the history afterwards.
  const histories = new Map<string, Set<string>>();
  for (const m of messages) histories.set(m.id, new Set((await reader.history(m.id)).flatMap((h) => (h.id === undefined ? [] : [h.id]))));
  const lost = acknowledged.filter((a) => !histories.get(a.messageId)!.has(a.id)).length;
  // The provider's retry: every report delivered once more (duplicates are ignored by id).
  for (const item of all) await applyRetrying(reader, item);
  const problems: string[] = [];
  for (const m of messages) {
    const row = await reader.get(m.id);
    const last = m.path[m.path.length - 1];
    if ((row?.status ?? m.path[0]) !== last) problems.push(`${m.id}: ${row?.status} instead of ${last}`);
    problems.push(...(await checkMessage(reader, m.id)));
  }
  expect(problems).toEqual([]);
  // The failover happened: the killed node is gone and a replica took its slots over (three masters still serve).
  const alive = cluster.nodes.filter((n) => n.pid !== victim.pid);
  const masters = alive.filter((n) => execFileSync('redis-cli', ['-p', String(n.port), 'role'], { encoding: 'utf8' }).startsWith('master'));
  expect(masters).toHaveLength(3);
  process.stdout.write(
    `redis failover: ${all.length} reports by ${CLIENTS} clients, master :${victim.port} (pid ${victim.pid}) killed after ${Math.floor(all.length / 3)}; ` +
      `acknowledged writes lost: ${lost} of ${acknowledged.length}; failed attempts retried: ${retries}; longest apply incl. retries (stall): ${longest} ms\n`,
  );
}, 180_000);
