/**
 * The store contract as tests: one suite, run against every engine
 * (PGlite, a real PostgreSQL server, Redis Cluster) by the *.test.ts files
 * beside it. Expectations come from applyStatus / reconcile (the pure core)
 * and the independent xstate oracle (test/support/oracle.ts), never from the
 * engine under test.
 */
import fc from 'fast-check';
import { compileLifecycle } from '../../src/machines';
import { assign, setup } from 'xstate';
import {
  applyStatus,
  isLifecycleError,
  lifecycleOf,
  reconcile,
  type ApplyResult,
  type ChannelRef,
  type CompiledLifecycle,
  type StatusReport,
} from '../../src';
import type { DeliveryStore } from '../../src/store';
import { MAX_ID_BYTES, STORE_TIME_RANGE } from '../../src/internal/store-input';
import { createWebhookHandler } from '../../src/webhooks';
import { checkMessage, deliveredStream, legalPath, noMismatch, pathTo, rng } from '../support/postgres';
import { CHANNEL_NAMES, MACHINES, classify, oracleFor } from '../support/oracle';
import { CATALOG } from '../support/lifecycle-md';

export interface MakeStoreOptions {
  /** The store's clock. */
  readonly now: () => number;
  /** Custom channels besides sms and email. */
  readonly channels?: readonly CompiledLifecycle[];
}

/** An engine under test: `make` gives a fresh, empty store in its own namespace (schema, key prefix). */
export interface StoreEngine {
  make(options: MakeStoreOptions): Promise<DeliveryStore>;
  stop(): Promise<void>;
}

const T0 = 1_700_000_000_000;
const HOUR = 3_600_000;

async function expectError(promise: Promise<unknown>, code: string): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isLifecycleError(error) ? error.code : error).toBe(code);
}

/** A push-notification lifecycle compiled from its own machine. */
const push = compileLifecycle(
  setup({ types: { context: {} as { views: number } } }).createMachine({
    id: 'push',
    initial: 'QUEUED',
    context: { views: 0 },
    states: {
      QUEUED: { on: { SENT: 'SENT', FAILED: 'FAILED' } },
      SENT: { on: { SEEN: 'SEEN', FAILED: 'FAILED' } },
      SEEN: { on: { SEEN: { actions: assign({ views: ({ context }) => context.views + 1 }) } } },
      FAILED: { type: 'final' },
    },
  }),
  { name: 'push' },
);

/**
 * Declares the conformance suite for one engine. `start` runs once in
 * `beforeAll` (start a server, open a client) and returns the engine.
 */
export function describeStoreConformance(name: string, start: () => Promise<StoreEngine>): void {
  describe(`store contract: ${name}`, () => {
    let engine: StoreEngine;
    let store: DeliveryStore;
    const clock = { now: T0 + HOUR };
    let counter = 0;
    const fresh = (label: string) => `${label}-${++counter}`;

    beforeAll(async () => {
      engine = await start();
      store = await engine.make({ now: () => clock.now, channels: [push] });
    }, 120_000);

    afterAll(async () => {
      await engine?.stop();
    }, 60_000);

    beforeEach(() => {
      clock.now = T0 + HOUR;
    });

    describe('apply gives the decision applyStatus gives, for every pair of statuses', () => {
      const cases: [string, ChannelRef, string, string, 'tolerant' | 'strict'][] = [];
      for (const channel of ['sms', 'email'] as const) {
        const l = lifecycleOf(channel);
        for (const from of l.statuses) for (const to of l.statuses) for (const policy of ['tolerant', 'strict'] as const) cases.push([`${channel} ${from} → ${to} (${policy})`, channel, from, to, policy]);
      }
      test('every pair, both policies', async () => {
        for (const [, channel, from, to, policy] of cases) {
          const l = lifecycleOf(channel) as CompiledLifecycle;
          const id = fresh('pair');
          const path = pathTo(l, l.ids.get(from) as number);
          await store.applyMany(path.slice(1).map((status) => ({ messageId: id, channel, event: status })));
          const before = await store.history(id);
          const result = await store.apply(id, channel, { status: to }, { policy });
          expect(result).toEqual(applyStatus(channel, from as never, to, { policy }));
          const row = await store.get(id);
          const after = await store.history(id);
          if (result.outcome === 'applied') {
            expect(row?.status).toBe(to);
            expect(after.slice(before.length).map((h) => [h.from, h.status, h.implied])).toEqual(
              [from, ...result.implied, to].slice(0, -1).map((f, i, all) => [f, [...all.slice(1), to][i], i < result.implied.length]),
            );
          } else {
            expect(row?.status ?? l.statuses[l.initial]).toBe(from);
            expect(after).toEqual(before);
          }
          expect(await checkMessage(store, id)).toEqual([]);
        }
      }, 120_000);
    });

    describe('provider event ids, counts and detail', () => {
      test('a repeated id is ignored as a duplicate; a new id for a repeating status counts again', async () => {
        const id = fresh('dup');
        expect((await store.apply(id, 'email', { status: 'OPEN', id: 'e1' })).outcome).toBe('applied');
        expect(await store.apply(id, 'email', { status: 'OPEN', id: 'e1' })).toMatchObject({ outcome: 'ignored', code: 'duplicate', status: 'OPEN', from: 'OPEN' });
        expect(await store.apply(id, 'email', { status: 'OPEN', id: 'e2' })).toMatchObject({ outcome: 'applied', from: 'OPEN', status: 'OPEN' });
        const row = await store.get(id);
        expect(row?.counts).toEqual({ SUBMITTED: 0, DELIVERED: 1, OPEN: 2, CLICKED: 1 - 1, DEFERRED: 0, UNDELIVERABLE: 0, REJECTED: 0, DROPPED: 0 });
        expect(row?.version).toBe(3);
        expect((await store.history(id)).map((h) => [h.status, h.implied, h.id])).toEqual([
          ['DELIVERED', true, undefined],
          ['OPEN', false, 'e1'],
          ['OPEN', false, 'e2'],
        ]);
      });

      test('an id repeated inside one batch is applied once', async () => {
        const id = fresh('dup');
        const results = await store.applyMany([
          { messageId: id, channel: 'email', event: { status: 'DEFERRED', id: 'd1' } },
          { messageId: id, channel: 'email', event: { status: 'DEFERRED', id: 'd1' } },
          { messageId: id, channel: 'email', event: { status: 'DEFERRED', id: 'd2' } },
        ]);
        expect(results.map((r) => r.outcome)).toEqual(['applied', 'ignored', 'applied']);
        expect((await store.get(id))?.counts.DEFERRED).toBe(2);
      });

      test('ids and detail with quotes, backslashes, control characters and astral characters come back as sent', async () => {
        const id = fresh('escape');
        const ids = ['a"b', 'a\\"b', 'a\\b', 'line\nbreak\t\u0001', '😀/1', '#x', ' spaced id '];
        for (const [i, eventId] of ids.entries()) {
          const detail = `${eventId} ${i} "quoted" \\ \u001f`;
          expect((await store.apply(id, 'email', { status: 'OPEN', id: eventId, detail } as never)).outcome).toBe('applied');
        }
        // each id is its own: none is taken for another, and each repeat is a duplicate
        for (const eventId of ids) expect((await store.apply(id, 'email', { status: 'OPEN', id: eventId })).outcome).toBe('ignored');
        const opens = (await store.history(id)).filter((h) => !h.implied);
        expect(opens.map((h) => h.id)).toEqual(ids);
        expect(opens.map((h) => h.detail)).toEqual(ids.map((eventId, i) => `${eventId} ${i} "quoted" \\ \u001f`));
      });

      test('the report time and the provider detail are kept on the row, the detail cut to 200 code points', async () => {
        const id = fresh('detail');
        const long = '😀'.repeat(250);
        await store.apply(id, 'email', { status: 'CLICKED', id: 'b1', at: T0 + 5, detail: long } as never);
        const [implied, bounce] = await store.history(id);
        expect(implied).toMatchObject({ from: 'SUBMITTED', status: 'DELIVERED', implied: true });
        expect(implied.detail).toBeUndefined();
        expect(bounce).toMatchObject({ from: 'DELIVERED', status: 'CLICKED', implied: false, id: 'b1', at: T0 + 5 });
        expect([...(bounce.detail ?? '')]).toHaveLength(200);
        expect(bounce.recordedAt).toBeInstanceOf(Date);
        expect((await store.get(id))?.since).toBe(T0 + 5);
      });
    });

    describe('since: when the current status began', () => {
      test("a report's time when it moves the status; a repeat of the status keeps it; without a time, the store's clock", async () => {
        const id = fresh('since');
        await store.apply(id, 'email', { status: 'DELIVERED', id: 's1', at: T0 + 1 });
        await store.apply(id, 'email', { status: 'OPEN', id: 's2', at: T0 + 9 });
        expect((await store.get(id))?.since).toBe(T0 + 9);
        await store.apply(id, 'email', { status: 'OPEN', id: 's3', at: T0 + 20 });
        expect((await store.get(id))?.since).toBe(T0 + 9);
        await store.apply(id, 'email', { status: 'CLICKED', id: 's4' });
        expect((await store.get(id))?.since).toBe(clock.now);
      });
    });

    describe('the store checked step by step against the independent xstate oracle (property)', () => {
      const garbage = ['', 'delivered', ' DELIVERED', '__proto__', 'constructor', 'toString', 'SENT', 'DELIVERED\u0000', 42, null];
      test.each(CHANNEL_NAMES.flatMap((channel) => (['tolerant', 'strict'] as const).map((policy) => [channel, policy] as const)))(
        '%s, %s',
        async (channel, policy) => {
          const oracle = oracleFor(MACHINES[channel]);
          const words: unknown[] = [...CATALOG, ...garbage];
          await fc.assert(
            fc.asyncProperty(fc.array(fc.nat(), { maxLength: 12 }), fc.boolean(), async (picks, batched) => {
              const id = fresh('oracle');
              let status = oracle.initial;
              const events = picks.map((p, i) => ({ status: words[p % words.length], id: `o${i}` }) as StatusReport);
              const results = batched
                ? noMismatch(await store.applyMany(events.map((event) => ({ messageId: id, channel, event })), { policy }))
                : await events.reduce<Promise<ApplyResult[]>>(async (all, event) => [...(await all), await store.apply(id, channel, event, { policy })], Promise.resolve([]));
              for (const [i, event] of events.entries()) {
                const { code } = classify(channel, status, event.status);
                const r = results[i];
                const where = `${channel} ${policy}: ${status} + ${JSON.stringify(event.status)}`;
                const moves = code === 'ok' || (code === 'skipped' && policy === 'tolerant');
                const outcome = moves ? 'applied' : policy === 'tolerant' && (code === 'duplicate' || code === 'stale') ? 'ignored' : 'rejected';
                expect({ where, outcome: r.outcome, code: r.code ?? 'ok', from: r.from }).toEqual({ where, outcome, code, from: status });
                expect({ where, implied: r.implied }).toEqual({ where, implied: code === 'skipped' ? oracle.between(status, event.status as string) : [] });
                if (moves) status = event.status as string;
                expect({ where, status: r.status }).toEqual({ where, status });
              }
              expect((await store.get(id))?.status ?? oracle.initial).toBe(status);
              expect(await checkMessage(store, id)).toEqual([]);
            }),
            { numRuns: 25 },
          );
        },
        120_000,
      );
    });

    describe('applyMany folds like reconcile', () => {
      test('any batch of reports ends where reconcile ends, with the same history (property)', async () => {
        await fc.assert(
          fc.asyncProperty(
            fc.constantFrom<ChannelRef>('sms', 'email'),
            fc.integer(),
            fc.array(fc.record({ pick: fc.nat(), repeat: fc.boolean(), noId: fc.boolean() }), { maxLength: 8 }),
            async (channel, seed, picks) => {
              const l = lifecycleOf(channel) as CompiledLifecycle;
              const random = rng(seed);
              const id = fresh('fold');
              const path = legalPath(channel, random);
              const events: StatusReport[] = picks.map((p, i) => {
                const pool = [...path.slice(1), ...l.statuses, '__proto__'];
                const report: StatusReport = { status: pool[p.pick % pool.length], at: T0 + i };
                return p.noId ? report : { ...report, id: p.repeat && i > 0 ? `e${i - 1}` : `e${i}` };
              });
              const results = await store.applyMany(events.map((event) => ({ messageId: id, channel, event })));
              const expected = reconcile(channel, events);
              expect((await store.get(id))?.status ?? l.statuses[l.initial]).toBe(expected.status);
              expect((await store.history(id)).map((h) => ({ from: h.from, status: h.status, implied: h.implied, id: h.id, at: h.at }))).toEqual(
                expected.history.map((h) => ({ from: h.from, status: h.status, implied: h.implied, id: h.id, at: h.at })),
              );
              expect(results.filter((r) => r.outcome === 'applied').length).toBe(expected.history.filter((h) => !h.implied).length);
              expect(await checkMessage(store, id)).toEqual([]);
            },
          ),
          { numRuns: 40 },
        );
      }, 120_000);

      test('one batch equals the same reports applied one by one', async () => {
        const random = rng(7);
        for (const channel of ['sms', 'email'] as const) {
          for (let n = 0; n < 10; n++) {
            const a = fresh('one');
            const b = fresh('many');
            const events = deliveredStream(a, legalPath(channel, random), random);
            const single: ApplyResult[] = [];
            for (const event of events) single.push(await store.apply(a, channel, event));
            const many = await store.applyMany(events.map((event) => ({ messageId: b, channel, event })));
            expect(many).toEqual(single.map((r) => (r.code === 'duplicate' && r.outcome === 'ignored' ? { ...r, message: expect.any(String) } : r)));
            expect((await store.get(b))?.status).toBe((await store.get(a))?.status);
          }
        }
      }, 60_000);

      test('concurrent appliers of shuffled streams with repeats end at the last status of each path, each event once', async () => {
        const random = rng(11);
        const messages = Array.from({ length: 40 }, (_, i) => {
          const channel = i % 2 === 0 ? ('sms' as const) : ('email' as const);
          const id = fresh('race');
          return { id, channel, path: legalPath(channel, random), events: [] as StatusReport[] };
        });
        for (const m of messages) m.events = deliveredStream(m.id, m.path, random);
        // Eight writers, each taking every report of every message in its own order: every report arrives many times at once.
        await Promise.all(
          Array.from({ length: 8 }, async (_, w) => {
            const mine = rng(100 + w);
            const all = messages.flatMap((m) => m.events.map((event) => ({ messageId: m.id, channel: m.channel, event })));
            for (let i = all.length - 1; i > 0; i--) {
              const j = Math.floor(mine() * (i + 1));
              [all[i], all[j]] = [all[j], all[i]];
            }
            for (let i = 0; i < all.length; i += 5) {
              if (w % 2 === 0) await store.applyMany(all.slice(i, i + 5));
              else for (const item of all.slice(i, i + 5)) await store.apply(item.messageId, item.channel, item.event);
            }
          }),
        );
        for (const m of messages) {
          const last = m.path[m.path.length - 1];
          expect({ id: m.id, status: (await store.get(m.id))?.status ?? m.path[0] }).toEqual({ id: m.id, status: last });
          expect(await checkMessage(store, m.id)).toEqual([]);
        }
      }, 120_000);
    });

    describe('bad input is refused before anything is written', () => {
      test('unknown channel, malformed events, bad ids and options throw typed errors', async () => {
        const id = fresh('bad');
        await expectError(store.apply(id, 'fax' as never, 'SUBMITTED'), 'unknown_channel');
        await expectError(store.apply(id, 'sms', { status: 'SUBMITTED', id: 42 } as never), 'invalid_event');
        await expectError(store.apply(id, 'sms', { status: 'SUBMITTED', at: 'yesterday' }), 'invalid_event');
        await expectError(store.apply(id, 'sms', null as never), 'invalid_event');
        await expectError(store.apply('', 'sms', 'SUBMITTED'), 'invalid_argument');
        await expectError(store.apply('a\0b', 'sms', 'SUBMITTED'), 'invalid_argument');
        await expectError(store.apply(id, 'sms', 'SUBMITTED', { policy: 'lenient' as never }), 'invalid_argument');
        await expectError(
          store.applyMany([
            { messageId: id, channel: 'sms', event: 'SUBMITTED' },
            { messageId: id, channel: 'sms', event: { status: 'DELIVERED', at: Number.NaN } },
          ]),
          'invalid_event',
        );
        await expectError(store.get(42 as never), 'invalid_argument');
        expect(await store.get(id)).toBeUndefined();
        expect(await store.history(id)).toEqual([]);
      });

      test('ids are measured in UTF-8 bytes up to MAX_ID_BYTES, and times within Date’s range', async () => {
        // 1000 bytes as 1000, 500 and 250 UTF-16 units (ASCII, 2-byte, 4-byte characters), and one byte past each
        for (const [unit, bytes] of [['a', 1], ['é', 2], ['😀', 4]] as const) {
          const fits = unit.repeat(MAX_ID_BYTES / bytes);
          const over = `${fits}a`;
          expect((await store.apply(`${fresh('len')}-${bytes}`, 'email', { status: 'OPEN', id: fits })).outcome).toBe('applied');
          await expectError(store.apply(`${fresh('len')}-${bytes}`, 'email', { status: 'OPEN', id: over }), 'invalid_event');
          expect((await store.apply(fits, 'email', 'OPEN')).outcome).toBe('applied');
          await expectError(store.apply(over, 'email', 'OPEN'), 'invalid_argument');
          expect(await store.recordSideEvent(fits, { id: fits })).toEqual({ recorded: true });
          await expectError(store.recordSideEvent(fits, { id: over }), 'invalid_event');
        }
        // every engine holds both ends of the range (PostgreSQL's timestamps begin in 4713 BC), and refuses past them
        const { min, max } = STORE_TIME_RANGE;
        for (const at of [min, max]) {
          const id = fresh('time');
          expect((await store.apply(id, 'email', { status: 'DELIVERED', at })).outcome).toBe('applied');
          expect((await store.history(id)).at(-1)?.at).toBe(at);
          expect(await store.recordSideEvent(id, { id: 'side', at })).toEqual({ recorded: true });
          expect(await store.register(fresh('time'), 'sms', { at })).toEqual({ registered: true });
        }
        for (const at of [max + 1, min - 1, Number.NEGATIVE_INFINITY]) {
          await expectError(store.apply(fresh('time'), 'email', { status: 'OPEN', at }), 'invalid_event');
          await expectError(store.recordSideEvent(fresh('time'), { id: 'side', at }), 'invalid_event');
          await expectError(store.register(fresh('time'), 'sms', { at }), 'invalid_argument');
        }
      });

      test('unknown and inapplicable statuses are rejected results, like applyStatus, and write nothing', async () => {
        const id = fresh('bad');
        await store.apply(id, 'sms', 'SUBMITTED');
        const before = [await store.get(id), await store.history(id)];
        for (const status of ['__proto__', 'OPEN', 'delivered', 'constructor']) {
          const result = await store.apply(id, 'sms', { status, id: `x-${status}` });
          expect(result).toEqual(applyStatus('sms', 'SUBMITTED', status));
          expect(result.outcome).toBe('rejected');
        }
        expect([await store.get(id), await store.history(id)]).toEqual(before);
      });

      test('a message stored under another channel: apply throws, applyMany rejects that item alone', async () => {
        const id = fresh('mismatch');
        const other = fresh('other');
        await store.apply(id, 'email', 'DELIVERED');
        await expectError(store.apply(id, 'sms', 'SUBMITTED'), 'invalid_argument');
        const results = await store.applyMany([
          { messageId: id, channel: 'sms', event: 'SUBMITTED' },
          { messageId: other, channel: 'sms', event: 'SUBMITTED' },
          { messageId: other, channel: 'email', event: 'DELIVERED' },
          { messageId: id, channel: 'email', event: 'OPEN' },
        ]);
        expect(results.map((r) => [r.outcome, r.code ?? 'ok', 'storedChannel' in r ? r.storedChannel : undefined])).toEqual([
          ['rejected', 'channel_mismatch', 'email'],
          ['applied', 'ok', undefined],
          ['rejected', 'channel_mismatch', 'sms'],
          ['applied', 'ok', undefined],
        ]);
        await expectError(store.register(id, 'sms'), 'invalid_argument');
        expect((await store.get(other))?.status).toBe('SUBMITTED');
        expect((await store.get(id))?.status).toBe('OPEN');
      });
    });

    describe('custom channels', () => {
      test('are applied through tables compiled from their machine', async () => {
        const id = fresh('push');
        expect(await store.apply(id, push, 'SEEN')).toEqual(applyStatus(push, 'QUEUED', 'SEEN'));
        expect(await store.apply(id, push, 'FAILED')).toEqual(applyStatus(push, 'SEEN', 'FAILED'));
        expect((await store.get(id))?.counts).toEqual({ QUEUED: 0, SENT: 1, SEEN: 1, FAILED: 0 });
        expect(await checkMessage(store, id, [push])).toEqual([]);
      });
    });

    describe('register', () => {
      test('records a message at the initial status with no history; twice is a no-op', async () => {
        const id = fresh('reg');
        expect(await store.register(id, 'sms', { at: T0 - 5, validityMs: HOUR })).toEqual({ registered: true });
        expect(await store.get(id)).toMatchObject({ status: 'REGISTERED', version: 0, since: T0 - 5, counts: { REGISTERED: 0, SUBMITTED: 0 } });
        expect((await store.get(id))?.deadline).toBeUndefined();
        expect(await store.history(id)).toEqual([]);
        const before = await store.get(id);
        expect(await store.register(id, 'sms', { at: T0 + 99, validityMs: 7 })).toEqual({ registered: false });
        expect(await store.get(id)).toEqual(before);
      });

      test('the validity fixed at register runs from the submission; an email one is a duplicate of its initial status', async () => {
        const id = fresh('reg');
        await store.register(id, 'sms', { validityMs: HOUR });
        await store.apply(id, 'sms', { status: 'SUBMITTED' });
        expect((await store.get(id))?.deadline).toBe(clock.now + HOUR);
        const mail = fresh('reg');
        await store.register(mail, 'email');
        expect(await store.get(mail)).toMatchObject({ status: 'SUBMITTED', version: 0 });
        expect(await store.apply(mail, 'email', 'SUBMITTED')).toMatchObject({ outcome: 'ignored', code: 'duplicate' });
      });
    });

    describe('timers and expireDue', () => {
      test('a report after the deadline finds the message EXPIRED, with a timer row at the deadline', async () => {
        const id = fresh('late');
        await store.apply(id, 'sms', { status: 'SUBMITTED', at: T0 }, { validityMs: HOUR });
        expect((await store.get(id))?.deadline).toBe(T0 + HOUR);
        clock.now = T0 + HOUR; // due exactly at the deadline
        expect(await store.apply(id, 'sms', { status: 'DELIVERED', id: 'late' })).toEqual(applyStatus('sms', 'EXPIRED', 'DELIVERED'));
        expect((await store.history(id)).map((h) => [h.from, h.status, h.timer ?? false, h.at])).toEqual([
          ['REGISTERED', 'SUBMITTED', false, T0],
          ['SUBMITTED', 'EXPIRED', true, T0 + HOUR],
        ]);
        expect(await checkMessage(store, id)).toEqual([]);
      });

      test('with a limit takes the earliest deadlines first, moves each message once, never a final one', async () => {
        const own = await engine.make({ now: () => T0 });
        const ids = ['c', 'a', 'b', 'd'];
        for (const [i, id] of ids.entries()) await own.apply(id, 'sms', { status: 'SUBMITTED', at: T0 - HOUR - i }, { validityMs: HOUR });
        await own.apply('y', 'sms', { status: 'DELIVERED', at: T0 - HOUR }, { validityMs: 1 });
        expect(await own.expireDue({ limit: 2 })).toEqual({ count: 2, messageIds: ['d', 'b'] });
        expect(await own.expireDue({ limit: 10 })).toEqual({ count: 2, messageIds: ['a', 'c'] });
        expect(await own.expireDue()).toEqual({ count: 0, messageIds: [] });
        expect(await own.expireDue({ now: T0 + 48 * HOUR })).toEqual({ count: 0, messageIds: [] });
        for (const id of [...ids, 'y']) expect(await checkMessage(own, id)).toEqual([]);
        await expectError(own.expireDue({ limit: 0 }), 'invalid_argument');
      });

      test('sweepers and appliers at once: every message moved once, each ends as the tracker would', async () => {
        const own = await engine.make({ now: () => T0 });
        const random = rng(5);
        const ids = Array.from({ length: 200 }, (_, i) => `s${i}`);
        // Deadlines around the clock: some due, some not.
        for (const id of ids) await own.apply(id, 'sms', { status: 'SUBMITTED', at: T0 - HOUR + Math.floor((random() - 0.5) * 2000) }, { validityMs: HOUR });
        const delivered = new Set(ids.filter(() => random() < 0.5));
        const [a, b] = await Promise.all([
          own.expireDue(),
          own.expireDue(),
          Promise.all([...delivered].map((id) => own.apply(id, 'sms', { status: 'DELIVERED', id: `d-${id}` }))),
        ]);
        const swept = [...a.messageIds, ...b.messageIds];
        expect(new Set(swept).size).toBe(swept.length);
        for (const id of ids) {
          const row = await own.get(id);
          const history = await own.history(id);
          const due = (row?.since ?? 0) <= T0 && history.some((h) => h.timer);
          const dueBefore = history[0].at! + HOUR <= T0;
          expect({ id, status: row?.status }).toEqual({ id, status: dueBefore ? 'EXPIRED' : delivered.has(id) ? 'DELIVERED' : 'SUBMITTED' });
          expect(due).toBe(dueBefore);
          expect(await checkMessage(own, id)).toEqual([]);
        }
      }, 60_000);
    });

    describe('reads', () => {
      test('get and history of an unknown message', async () => {
        expect(await store.get('never-seen')).toBeUndefined();
        expect(await store.history('never-seen')).toEqual([]);
      });
    });

    describe('side events', () => {
      test('kept once per provider event id, in the order recorded, fields kept and cut, whether or not the message is stored', async () => {
        const id = fresh('side');
        expect(await store.sideEvents(id)).toEqual([]);
        expect(await store.recordSideEvent(id, { id: 'z-1', provider: 'postmark', kind: 'side_event', detail: 'SpamComplaint', at: T0 + 7 })).toEqual({ recorded: true });
        expect(await store.recordSideEvent(id, { id: 'z-1', provider: 'other', detail: 'changed' })).toEqual({ recorded: false });
        expect(await store.recordSideEvent(id, { id: 'a-2', detail: '😀'.repeat(250), at: new Date(T0 + 8) })).toEqual({ recorded: true });
        const kept = await store.sideEvents(id);
        expect(kept.map(({ recordedAt: _, ...rest }) => rest)).toEqual([
          { id: 'z-1', provider: 'postmark', kind: 'side_event', detail: 'SpamComplaint', at: T0 + 7 },
          { id: 'a-2', detail: '😀'.repeat(200), at: T0 + 8 },
        ]);
        for (const e of kept) expect(e.recordedAt).toBeInstanceOf(Date);
        // Nothing else changes: the message is still not stored, and another message's list is its own.
        expect(await store.get(id)).toBeUndefined();
        expect(await store.history(id)).toEqual([]);
        expect(await store.sideEvents(fresh('side'))).toEqual([]);
      });

      test('beside reports: the message state and history are untouched, and the same id from concurrent callers is kept once', async () => {
        const id = fresh('side');
        await store.apply(id, 'email', { status: 'DELIVERED', id: 'd' });
        const before = [await store.get(id), await store.history(id)];
        const answers = await Promise.all(Array.from({ length: 8 }, () => store.recordSideEvent(id, { id: 'complaint', kind: 'spam' })));
        expect(answers.filter((a) => a.recorded)).toHaveLength(1);
        expect([await store.get(id), await store.history(id)]).toEqual(before);
        // A provider event id is the side event's own: the same id as a report's does not make the report a duplicate.
        expect((await store.apply(id, 'email', { status: 'OPEN', id: 'complaint' })).outcome).toBe('applied');
        expect((await store.sideEvents(id)).map((e) => [e.id, e.kind])).toEqual([['complaint', 'spam']]);
      });

      test('bad input throws a typed error and keeps nothing', async () => {
        const id = fresh('side');
        await expectError(store.recordSideEvent(id, {} as never), 'invalid_event');
        await expectError(store.recordSideEvent(id, { id: '' }), 'invalid_event');
        await expectError(store.recordSideEvent(id, { id: 'a\0b' }), 'invalid_event');
        await expectError(store.recordSideEvent(id, { id: 42 } as never), 'invalid_event');
        await expectError(store.recordSideEvent(id, { id: 'x', detail: 7 } as never), 'invalid_event');
        await expectError(store.recordSideEvent(id, { id: 'x', kind: 'a\0' }), 'invalid_event');
        await expectError(store.recordSideEvent(id, { id: 'x', at: 'yesterday' }), 'invalid_event');
        await expectError(store.recordSideEvent(id, null as never), 'invalid_event');
        await expectError(store.recordSideEvent('', { id: 'x' }), 'invalid_argument');
        await expectError(store.sideEvents(42 as never), 'invalid_argument');
        expect(await store.sideEvents(id)).toEqual([]);
      });

      test('the webhook handler records the side events it meets on this store, once per event id across retries', async () => {
        const handler = createWebhookHandler({ provider: 'sendgrid', verify: false, store });
        const target = fresh('side');
        const body = JSON.stringify([
          { event: 'spamreport', sg_message_id: target, sg_event_id: `${target}-e1`, timestamp: 1700000001 },
          { event: 'delivered', sg_message_id: target, sg_event_id: `${target}-e2`, timestamp: 1700000002 },
        ]);
        for (let attempt = 0; attempt < 2; attempt++) {
          const answer = await handler(new Request('https://hooks.example.com/sendgrid', { method: 'POST', headers: { 'content-type': 'application/json' }, body }));
          expect(answer.status).toBe(200);
        }
        const kept = await store.sideEvents(target);
        // One side event, under the id the handler gave it (derived from the request, so a retry brings the same one).
        expect(kept.map((e) => [typeof e.id, e.provider, e.kind])).toEqual([['string', 'sendgrid', 'side_event']]);
        expect((await store.get(target))?.status).toBe('DELIVERED');
      });
    });

    describe('stats', () => {
      test('counts the stored messages: funnel, final statuses, transitions and failure details', async () => {
        const own = await engine.make({ now: () => T0 + HOUR });
        await own.register('m1', 'email', { at: T0 });
        await own.apply('m1', 'email', { status: 'CLICKED', id: 'c', at: T0 + 1000 });
        await own.apply('m2', 'email', { status: 'UNDELIVERABLE', id: 'u', at: T0 + 2000, detail: 'no such user' } as never);
        await own.apply('m3', 'sms', { status: 'DELIVERED', id: 'd', at: T0 + 3000 });
        const report = await own.stats();
        const email = report.channels.find((c) => c.channel === 'email');
        const sms = report.channels.find((c) => c.channel === 'sms');
        const nonZero = (counts: readonly { status: string; count: number }[] | undefined) => Object.fromEntries((counts ?? []).filter((f) => f.count > 0).map((f) => [f.status, f.count]));
        expect([email?.started, sms?.started]).toEqual([2, 1]);
        expect(nonZero(email?.final)).toEqual({ CLICKED: 1, UNDELIVERABLE: 1 });
        expect(nonZero(sms?.final)).toEqual({ DELIVERED: 1 });
        expect(email?.failures.byDetail).toEqual([{ detail: 'no such user', count: 1 }]);
        expect(report.source).toBe('store');
        expect((await own.stats({ channel: 'sms' })).channels.map((c) => c.channel)).toEqual(['sms']);
      });
    });
  });
}
