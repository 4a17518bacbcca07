/**
 * Integration tests against a real PostgreSQL server: a throwaway cluster
 * started from the Debian binaries (or DATABASE_URL). Several connections
 * write at once, which PGlite cannot show.
 */
import { Client } from 'pg';
import { lifecycleOf, reconcile, type ChannelRef, type StatusReport } from '../../src';
import { createPostgresStore, type BatchItem } from '../../src/postgres';
import { startPostgres, type PostgresServer } from '../../scripts/postgres-server';
import { checkMessage, deliveredStream, legalPath, rng, shuffle } from '../support/postgres';

const CONNECTIONS = 16;
let server: PostgresServer;
let admin: Client;
const schema = `it_${process.pid}_${Date.now() % 100000}`;

beforeAll(async () => {
  server = await startPostgres();
  admin = new Client({ connectionString: server.url });
  await admin.connect();
}, 120_000);

afterAll(async () => {
  if (admin !== undefined) {
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => undefined);
    await admin.end();
  }
  await server?.stop();
}, 60_000);

async function connections(n: number): Promise<Client[]> {
  const clients = Array.from({ length: n }, () => new Client({ connectionString: server.url }));
  await Promise.all(clients.map((c) => c.connect()));
  return clients;
}

interface Message {
  readonly id: string;
  readonly channel: ChannelRef;
  readonly path: string[];
  readonly events: StatusReport[];
}

function messages(prefix: string, count: number, seed: number): Message[] {
  const random = rng(seed);
  return Array.from({ length: count }, (_, i) => {
    const channel: ChannelRef = i % 2 === 0 ? 'sms' : 'email';
    const id = `${prefix}-${i}`;
    const path = legalPath(channel, random);
    return { id, channel, path, events: deliveredStream(id, path, random) };
  });
}

/**
 * Interleaves the messages' events so that reports for one message are often
 * in flight on several connections at once: each window of 12 messages is
 * shuffled together.
 */
function arrivals(all: readonly Message[], seed: number): BatchItem[] {
  const random = rng(seed);
  const items: BatchItem[] = [];
  for (let i = 0; i < all.length; i += 12) {
    const window = all.slice(i, i + 12).flatMap((m) => m.events.map((event) => ({ messageId: m.id, channel: m.channel, event })));
    items.push(...shuffle(window, random));
  }
  return items;
}

test('16 connections applying 1,000 shuffled, repeated streams converge, each event recorded at most once', async () => {
  const setupStore = createPostgresStore(admin, { schema });
  await setupStore.migrate();
  const all = messages('conc', 1000, 20261127);
  const queue = arrivals(all, 99);
  const clients = await connections(CONNECTIONS);
  const appliedIds = new Map<string, number>();
  try {
    let next = 0;
    await Promise.all(
      clients.map(async (client, worker) => {
        const store = createPostgresStore(client, { schema });
        while (next < queue.length) {
          // Half the workers send single reports, half small batches.
          const size = worker % 2 === 0 ? 1 : 1 + (next % 5);
          const items = queue.slice(next, next + size);
          next += size;
          const results = size === 1 ? [await store.apply(items[0].messageId, items[0].channel, items[0].event)] : await store.applyMany(items);
          results.forEach((r, i) => {
            const id = (items[i].event as StatusReport).id as string;
            if (r.outcome === 'applied') appliedIds.set(id, (appliedIds.get(id) ?? 0) + 1);
            expect(r.outcome).not.toBe('rejected');
          });
        }
      }),
    );
  } finally {
    await Promise.all(clients.map((c) => c.end()));
  }

  const problems: string[] = [];
  for (const m of all) {
    const last = m.path[m.path.length - 1];
    // The oracle: the pure tolerant fold of the stream in its generated order ends at the path's end too.
    if (reconcile(m.channel, m.events).status !== last) problems.push(`${m.id}: reconcile does not reach ${last}`);
    const row = await setupStore.get(m.id);
    const status = row?.status ?? lifecycleOf(m.channel).statuses[lifecycleOf(m.channel).initial];
    if (status !== last) problems.push(`${m.id}: ended at ${status}, the path ends at ${last}`);
    problems.push(...(await checkMessage(setupStore, m.id)));
    // Every applied report is in the history exactly once, and nothing else is.
    const recorded = (await setupStore.history(m.id)).filter((h) => !h.implied).map((h) => h.id as string);
    const applied = m.events.map((e) => e.id as string).filter((id, i, ids) => ids.indexOf(id) === i && appliedIds.has(id));
    if (JSON.stringify([...recorded].sort()) !== JSON.stringify(applied.sort())) problems.push(`${m.id}: history ids ${recorded} vs applied ${applied}`);
    for (const id of applied) if (appliedIds.get(id) !== 1) problems.push(`${m.id}: event ${id} applied ${appliedIds.get(id)} times`);
  }
  expect(problems).toEqual([]);
  expect(appliedIds.size).toBeGreaterThan(1000);
}, 120_000);

test('killing connections mid-batch leaves every row at a legal status with a legal history', async () => {
  const faultSchema = `${schema}_fault`;
  const setupStore = createPostgresStore(admin, { schema: faultSchema });
  await setupStore.migrate();
  const all = messages('fault', 400, 7);
  const queue = arrivals(all, 8);
  const clients = await connections(CONNECTIONS);
  const KILLS = 4;
  let next = 0;
  let killed = 0;
  let failedBatches = 0;
  // Workers keep sending batches (wrapping around the queue: repeats are harmless) until the
  // killer has terminated KILLS backends in the middle of one, so the test cannot finish too early.
  const workers = clients.map(async (client) => {
    client.on('error', () => undefined);
    const store = createPostgresStore(client, { schema: faultSchema });
    while (killed < KILLS || next < queue.length) {
      const at = next % queue.length;
      next += 40;
      try {
        await store.applyMany(queue.slice(at, at + 40));
      } catch {
        failedBatches++;
        return; // this connection was terminated
      }
    }
  });
  const deadline = Date.now() + 30_000;
  const victims: number[] = [];
  while (killed < KILLS && Date.now() < deadline) {
    const { rows } = await admin.query<{ pid: number; killed: boolean }>(
      `SELECT pid, pg_terminate_backend(pid) AS killed FROM pg_stat_activity
       WHERE state = 'active' AND pid <> pg_backend_pid() AND pid <> ALL ($1::int[]) AND query LIKE 'WITH RECURSIVE%' LIMIT 1`,
      [victims],
    );
    if (rows[0]?.killed) {
      victims.push(rows[0].pid);
      killed++;
    }
  }
  const stopped = killed;
  killed = KILLS; // let the workers finish even if the deadline passed
  await Promise.all(workers);
  await Promise.all(clients.map((c) => c.end().catch(() => undefined)));
  expect(stopped).toBe(KILLS);
  // A backend seen active may finish its statement just before the signal lands; its worker
  // then learns of the dead connection only from its next batch, which may never come once the
  // queue is done. So at least one batch (and at most one per kill) failed mid-flight.
  expect(failedBatches).toBeGreaterThanOrEqual(1);
  expect(failedBatches).toBeLessThanOrEqual(KILLS);

  const problems: string[] = [];
  for (const m of all) problems.push(...(await checkMessage(setupStore, m.id)));
  expect(problems).toEqual([]);
  // No half-applied batch: every recorded report is a whole report of its stream.
  const { rows } = await admin.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${faultSchema}.delivery_transition`);
  expect(rows[0].n).toBeGreaterThan(0);
}, 120_000);
