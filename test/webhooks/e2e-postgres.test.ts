/**
 * End to end over a real PostgreSQL server: two service instances (two
 * node:http servers, each with its own connection pool and store) share the
 * database and a PostgreSQL replay cache; callbacks go to either instance.
 */
import { Pool } from 'pg';
import { startPostgres, type PostgresServer } from '../../scripts/postgres-server';
import { createPostgresReplayCache, createPostgresStore } from '../../src/postgres';
import { answerProblems, storeProblems } from '../support/webhook-e2e';
import { callbacks, flaky, forgeries, listener, plan, postAll, secrets, startServer } from '../support/webhook-scenario';
import { rng, shuffle } from '../support/postgres';

let server: PostgresServer;
const pools: Pool[] = [];
const schema = `wh_${process.pid}_${Date.now() % 100000}`;

beforeAll(async () => {
  server = await startPostgres();
  for (let i = 0; i < 2; i++) pools.push(new Pool({ connectionString: server.url, max: 8 }));
  await createPostgresStore(pools[0], { schema }).migrate();
  await createPostgresReplayCache(pools[0], { schema }).migrate();
}, 120_000);

afterAll(async () => {
  await pools[0]?.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => undefined);
  await Promise.all(pools.map((p) => p.end()));
  await server?.stop();
}, 60_000);

test('the replay cache is atomic across connections: 32 concurrent seen of one key, one false', async () => {
  const caches = Array.from({ length: 32 }, (_, i) => createPostgresReplayCache(pools[i % 2], { schema }));
  const answers = await Promise.all(caches.map((c) => c.seen('race:pg', 60_000)));
  expect(answers.filter((a) => !a)).toHaveLength(1);
});

test('two instances, 400 messages: every genuine callback counted once, forged ones refused, 503s retried on either instance', async () => {
  const s = secrets();
  const planned = plan('pg', 400, 20261202);
  const failing = pools.map((pool, i) => flaky(createPostgresStore(pool, { schema }), 100 + i));
  const instances = await Promise.all(failing.map((store, i) => startServer(listener(store, s, createPostgresReplayCache(pools[i], { schema })))));
  try {
    const outgoing = shuffle([...callbacks(planned, s, 21), ...forgeries(planned, s)], rng(5));
    const outcomes = await postAll(
      instances.map((i) => i.url),
      outgoing,
      16,
    );
    expect(answerProblems(outcomes)).toEqual([]);
    expect(failing.every((f) => f.before > 0 && f.after > 0)).toBe(true);
    // A replay is refused by both instances, whichever processed the original: the cache is shared.
    const accepted = outcomes.filter((o) => o.outgoing.path === '/twilio' && o.statuses[o.statuses.length - 1] === 200).slice(0, 10);
    expect(accepted).toHaveLength(10);
    const again = await postAll(
      instances.map((i) => i.url),
      [...accepted, ...accepted].map((o) => o.outgoing),
      4,
    );
    expect(again.map((o) => o.statuses)).toEqual(Array.from({ length: 20 }, () => [401]));
    expect(await storeProblems(createPostgresStore(pools[0], { schema }), planned)).toEqual([]);
  } finally {
    await Promise.all(instances.map((i) => i.close()));
  }
}, 180_000);
