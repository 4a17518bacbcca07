/**
 * store.stats: the figures of a log applied to the store equal the figures
 * of the log itself (buildReport), sketches bin for bin.
 */
import { PGlite } from '@electric-sql/pglite';
import { createPostgresStore, type PostgresStore } from '../../src/postgres';
import { createReplay } from '../../src/replay';
import { buildReport, type DeliveryReport } from '../../src/report';
import { messyLog } from '../support/report-oracle';

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

interface Line {
  message: string;
  channel: string;
  status: string;
  id?: string;
  at?: number;
  detail?: string;
}

/** The well-formed lines of a log (what the replay does not call malformed), parsed. */
function wellFormed(lines: readonly string[]): Line[] {
  const bad = new Set<number>();
  const replay = createReplay({ maxListed: Number.MAX_SAFE_INTEGER });
  lines.forEach((text, i) => replay.line(text, i + 1));
  for (const m of replay.summary().malformed.lines) bad.add(m.line);
  return lines.flatMap((text, i) => (bad.has(i + 1) || text.trim() === '' ? [] : [JSON.parse(text) as Line]));
}

const INITIAL: Record<string, string> = { sms: 'REGISTERED', email: 'SUBMITTED' };

/**
 * Applies a log to the store as a service would: each message registered
 * when it was sent (with the time of its initial-status report, when the log
 * has one), then every report in arrival order, in batches and one by one.
 */
async function applyLog(prefix: string, events: readonly Line[]): Promise<void> {
  const sent = new Map<string, { channel: string; at?: number }>();
  for (const e of events) {
    const first = sent.get(e.message);
    if (first === undefined) sent.set(e.message, { channel: e.channel });
    const entry = sent.get(e.message)!;
    if (e.status === INITIAL[e.channel] && entry.at === undefined && e.at !== undefined) entry.at = e.at;
  }
  for (const [message, { channel, at }] of sent) await store.register(`${prefix}${message}`, channel as 'sms', at === undefined ? {} : { at });
  const items = events.map((e) => ({
    messageId: `${prefix}${e.message}`,
    channel: e.channel as 'sms',
    event: { status: e.status, ...(e.id === undefined ? {} : { id: e.id }), ...(e.at === undefined ? {} : { at: e.at }), ...(e.detail === undefined ? {} : { detail: e.detail }) },
  }));
  // The first half in batches (the batch statement), the rest one by one (the function).
  const half = Math.floor(items.length / 2);
  for (let i = 0; i < half; i += 100) await store.applyMany(items.slice(i, Math.min(i + 100, half)));
  for (const item of items.slice(half)) await store.apply(item.messageId, item.channel, item.event);
}

const channelsOf = (report: DeliveryReport) => report.channels;

test('a messy log applied to the store: stats equal the log report (funnel, transitions, finals, failures, sketches bin for bin)', async () => {
  const lines = messyLog(21, 600);
  const since = Date.now() - 1000;
  await applyLog('a/', wellFormed(lines));
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
  await applyLog('b/', wellFormed(lines));
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
