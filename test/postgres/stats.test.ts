/**
 * store.stats: the figures of a log applied to the store equal the figures
 * of the log itself (buildReport), sketches bin for bin.
 */
import { PGlite } from '@electric-sql/pglite';
import { createPostgresStore, type PostgresStore } from '../../src/postgres';
import { buildReport, type DeliveryReport } from '../../src/report';
import { messyLog } from '../support/report-oracle';
import { applyLog, wellFormed } from '../support/report-store';

// Before every report's time, so no SMS validity runs out while the log is applied (the log has no timers).
const CLOCK = 1_764_000_000_000;

let db: PGlite;
let store: PostgresStore;

beforeAll(async () => {
  db = new PGlite();
  store = createPostgresStore(db, { now: () => CLOCK });
  await store.migrate();
}, 60_000);

afterAll(async () => {
  await db.close();
});

const channelsOf = (report: DeliveryReport) => report.channels;

test('a messy log applied to the store: stats equal the log report (funnel, transitions, finals, failures, sketches bin for bin)', async () => {
  const lines = messyLog(21, 600);
  const since = Date.now() - 1000;
  await applyLog(store, 'a/', wellFormed(lines));
  const fromLog = await buildReport(lines);
  const fromStore = await store.stats({ since });
  expect(channelsOf(fromStore)).toEqual(channelsOf(fromLog));
  expect(fromStore.source).toBe('store');
  expect(fromStore.messages).toBe(fromLog.messages);
  // The log had timings worth comparing, not only empty sketches.
  expect(fromLog.channels.flatMap((c) => c.timings).filter((t) => t.count > 20).length).toBeGreaterThan(5);
}, 120_000);

test('the channel and time filters select messages', async () => {
  const until = Date.now();
  await new Promise((resolve) => setTimeout(resolve, 20));
  const lines = messyLog(22, 80);
  const later = Date.now();
  await applyLog(store, 'b/', wellFormed(lines));
  const fromLog = await buildReport(lines);
  const onlyNew = await store.stats({ since: later, channel: 'email' });
  expect(onlyNew.channels).toEqual(fromLog.channels.filter((c) => c.channel === 'email'));
  const old = await store.stats({ until });
  expect(old.channels.every((c) => c.started > 0)).toBe(true);
  expect(old.messages).toBeLessThan((await store.stats()).messages);
}, 120_000);

test('history keeps the detail, cut to 200 characters; stats counts failures by it', async () => {
  await store.apply('c/1', 'email', { status: 'DROPPED', detail: 'é'.repeat(300) });
  // Two items: the batch statement (one item takes the function).
  await store.applyMany([
    { messageId: 'c/2', channel: 'email', event: { status: 'REJECTED', detail: 'mailbox full' } },
    { messageId: 'c/4', channel: 'email', event: { status: 'DELIVERED', detail: '250 OK' } },
  ]);
  const [row] = await store.history('c/1');
  expect(row.detail).toBe('é'.repeat(200));
  expect((await store.history('c/2'))[0].detail).toBe('mailbox full');
  expect((await store.history('c/4'))[0].detail).toBe('250 OK');
  await expect(store.apply('c/3', 'email', { status: 'DROPPED', detail: 42 } as never)).rejects.toMatchObject({ code: 'invalid_event' });
});

test('bad stats options are refused', async () => {
  await expect(store.stats({ channel: 'fax' })).rejects.toMatchObject({ code: 'unknown_channel' });
  await expect(store.stats({ since: 'yesterday' })).rejects.toMatchObject({ code: 'invalid_argument' });
  await expect(store.stats({ maxDetails: -1 })).rejects.toMatchObject({ code: 'invalid_argument' });
});
