import { PGlite } from '@electric-sql/pglite';
import fc from 'fast-check';
import { isLifecycleError, lifecycleOf, type ApplyResult, type ChannelRef, type StatusReport } from '../../src';
import { createPostgresStore, type BatchResult, type PostgresStore, type StoredTransition } from '../../src/postgres';

// One PGlite per file: starting one takes seconds. Two stores on it: one fed report by report with
// `apply` (the oracle), one fed the same reports in batches with `applyMany`.
let db: PGlite;
let single: PostgresStore;
let batched: PostgresStore;
const T0 = 1_700_000_000_000;
const clock = { now: T0 };
let run = 0;

beforeAll(async () => {
  db = new PGlite();
  single = createPostgresStore(db, { tablePrefix: 'one_', now: () => clock.now });
  batched = createPostgresStore(db, { tablePrefix: 'many_', now: () => clock.now });
  await single.migrate();
  await batched.migrate();
}, 60_000);

afterAll(async () => {
  await db.close();
});

const CHANNELS: readonly ChannelRef[] = ['sms', 'email'];
const OPTIONS = { validityMs: 60_000 };
// A delay must name a timer of the call's channels: only SMS has one.
const optionsFor = (channels: readonly ChannelRef[]) => (channels.includes('sms') ? OPTIONS : {});

interface Pick {
  readonly message: number;
  readonly wrongChannel: boolean;
  readonly status: number;
  readonly id: number;
  readonly at: number | undefined;
}

const pickArb: fc.Arbitrary<Pick> = fc.record({
  message: fc.nat({ max: 3 }),
  wrongChannel: fc.nat({ max: 9 }).map((n) => n < 2),
  status: fc.nat(),
  id: fc.integer({ min: -1, max: 4 }),
  at: fc.option(fc.integer({ min: 0, max: 300_000 }), { nil: undefined }),
});

const batchArb = fc.record({
  picks: fc.array(pickArb, { minLength: 1, maxLength: 12 }),
  advance: fc.constantFrom(0, 1_000, 30_000, 61_000),
  strict: fc.boolean(),
});

/**
 * What sequential `apply` calls answer for a batch, under the batch's one
 * documented difference: a provider id decided earlier in the same batch is a
 * duplicate even when that first copy was not applied (as in `reconcile`).
 * Such an item is replayed as an id-less report of a status no channel has:
 * it fires a due timer, as the batch does before finding the duplicate, and
 * changes nothing else. A message stored under another channel makes `apply`
 * throw; the batch answers `channel_mismatch` for that item.
 */
async function sequential(items: { messageId: string; channel: ChannelRef; event: StatusReport }[], policy: 'strict' | 'tolerant'): Promise<unknown[]> {
  const decided = new Set<string>();
  const out: unknown[] = [];
  for (const { messageId, channel, event } of items) {
    const key = `${messageId}\u0000${event.id}`;
    if (event.id !== undefined && decided.has(key)) {
      const probe = await single.apply(messageId, channel, { status: 'NO-SUCH-STATUS' }, { policy, ...optionsFor([channel]) }).catch((e: unknown) => e);
      if (isLifecycleError(probe)) {
        expect(probe.code).toBe('invalid_argument');
        out.push({ outcome: 'rejected', code: 'channel_mismatch', channel, storedChannel: (await single.get(messageId))?.channel, implied: [], message: expect.any(String) });
        continue;
      }
      const from = (probe as ApplyResult).from;
      out.push({ outcome: 'ignored', status: from, from, code: 'duplicate', implied: [], message: expect.any(String) });
      continue;
    }
    const result = await single.apply(messageId, channel, event, { policy, ...optionsFor([channel]) }).catch((e: unknown) => e);
    if (isLifecycleError(result)) {
      expect(result.code).toBe('invalid_argument');
      out.push({ outcome: 'rejected', code: 'channel_mismatch', channel, storedChannel: (await single.get(messageId))?.channel, implied: [], message: expect.any(String) });
      continue;
    }
    if (event.id !== undefined) decided.add(key);
    const r = result as ApplyResult;
    out.push(r.outcome === 'ignored' && r.code === 'duplicate' ? { ...r, message: expect.any(String) } : r);
  }
  return out;
}

const strip = (h: readonly StoredTransition[]) => h.map(({ recordedAt: _, ...rest }) => rest);

describe('applyMany answers as sequential apply calls do', () => {
  test('random batches over several messages, duplicates within and across batches, timers, mismatched channels (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(batchArb, { minLength: 1, maxLength: 5 }), async (batches) => {
        run++;
        clock.now = T0;
        const ids = [0, 1, 2, 3].map((m) => `r${run}-m${m}`);
        const home = (m: number): ChannelRef => CHANNELS[m % 2];
        for (const { picks, advance, strict } of batches) {
          clock.now += advance;
          const items = picks.map((p) => {
            const channel = p.wrongChannel ? CHANNELS[(p.message + 1) % 2] : home(p.message);
            const statuses = [...lifecycleOf(channel).statuses, 'NOT-A-STATUS'];
            const event: StatusReport = { status: statuses[p.status % statuses.length] };
            const withId = p.id < 0 ? event : { ...event, id: `e${p.id}` };
            return { messageId: ids[p.message], channel, event: p.at === undefined ? withId : { ...withId, at: T0 + p.at } };
          });
          const policy = strict ? 'strict' : 'tolerant';
          const expected = await sequential(items, policy);
          const actual: BatchResult[] = await batched.applyMany(items, { policy, ...optionsFor(items.map((i) => i.channel)) });
          expect(actual).toEqual(expected);
        }
        for (const id of ids) {
          const a = await single.get(id);
          const b = await batched.get(id);
          expect(b === undefined ? undefined : { ...b, updatedAt: 0 }).toEqual(a === undefined ? undefined : { ...a, updatedAt: 0 });
          expect(strip(await batched.history(id))).toEqual(strip(await single.history(id)));
        }
      }),
      { numRuns: 80 },
    );
  }, 240_000);

  test('a batch of many messages with provider duplicates, against one by one', async () => {
    clock.now = T0;
    const items = Array.from({ length: 300 }, (_, i) => {
      const m = i % 37;
      const channel: ChannelRef = m % 2 === 0 ? 'sms' : 'email';
      const statuses = lifecycleOf(channel).statuses;
      const s = (i * 7) % statuses.length;
      return { messageId: `big-${m}`, channel, event: { status: statuses[s], id: `x${s}` } as StatusReport };
    });
    const expected = await sequential(items, 'tolerant');
    expect(await batched.applyMany(items, OPTIONS)).toEqual(expected);
    for (let m = 0; m < 37; m++) expect(strip(await batched.history(`big-${m}`))).toEqual(strip(await single.history(`big-${m}`)));
  }, 60_000);
});
