import { PGlite } from '@electric-sql/pglite';
import fc from 'fast-check';
import { assign, setup } from 'xstate';
import {
  applyStatus,
  compileLifecycle,
  isLifecycleError,
  lifecycleOf,
  reconcile,
  type ApplyResult,
  type ChannelRef,
  type CompiledLifecycle,
  type StatusReport,
} from '../../src';
import { createPostgresStore, type PostgresStore } from '../../src/postgres';
import { decodeApplyEvent } from '../../src/postgres/sql';
import { checkMessage, deliveredStream, legalPath, noMismatch, pathTo, rng } from '../support/postgres';
import { CHANNEL_NAMES, MACHINES, classify, oracleFor } from '../support/oracle';
import { CATALOG } from '../support/lifecycle-md';

// One PGlite per file: starting one takes seconds.
let db: PGlite;
let store: PostgresStore;
let counter = 0;
// The reports below carry times from 1_700_000_000_000 on; the store's clock stands an hour later, so
// no SMS validity (48 h) runs out in these tests unless one sets it.
const CLOCK = 1_700_000_000_000 + 3_600_000;
const fresh = (label: string) => `${label}-${++counter}`;

beforeAll(async () => {
  db = new PGlite();
  store = createPostgresStore(db, { now: () => CLOCK });
  await store.migrate();
}, 60_000);

afterAll(async () => {
  await db.close();
});

async function rowCounts(): Promise<[number, number]> {
  const s = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${store.tables.status}`);
  const t = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${store.tables.transition}`);
  return [s.rows[0].n, t.rows[0].n];
}

async function expectError(promise: Promise<unknown>, code: string): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isLifecycleError(error) ? error.code : error).toBe(code);
}

describe('migrate', () => {
  test('is idempotent and creates both tables', async () => {
    await store.migrate();
    const tables = await db.query<{ name: string }>(
      `SELECT table_name AS name FROM information_schema.tables WHERE table_name IN ('delivery_status', 'delivery_transition') ORDER BY 1`,
    );
    expect(tables.rows.map((r) => r.name)).toEqual(['delivery_status', 'delivery_transition']);
  });

  test('honours schema and prefix, and refuses names that are not plain identifiers', async () => {
    const other = createPostgresStore(db, { schema: 'lifecycle_unit', tablePrefix: 'x_' });
    await other.migrate();
    expect(other.tables).toEqual({ status: '"lifecycle_unit"."x_status"', transition: '"lifecycle_unit"."x_transition"', sideEvent: '"lifecycle_unit"."x_side_event"' });
    expect((await other.apply('m', 'sms', 'SUBMITTED')).outcome).toBe('applied');
    expect(await store.get('m')).toBeUndefined();
    expect(() => createPostgresStore(db, { tablePrefix: 'x"; DROP TABLE y; --' })).toThrow(/tablePrefix/);
    expect(() => createPostgresStore(db, { schema: 'Upper' })).toThrow(/schema/);
    expect(() => createPostgresStore({})).toThrow(/pg Pool/);
  });
});

describe('apply gives the decision applyStatus gives, for every pair of statuses', () => {
  // Brute force over the compiled tables: reach `from` by a shortest legal
  // path, then report `to`, under both policies.
  const cases: [string, ChannelRef, string, string, 'tolerant' | 'strict'][] = [];
  for (const channel of ['sms', 'email'] as const) {
    const l = lifecycleOf(channel);
    for (const from of l.statuses) for (const to of l.statuses) for (const policy of ['tolerant', 'strict'] as const) cases.push([`${channel} ${from} → ${to} (${policy})`, channel, from, to, policy]);
  }

  test.each(cases)('%s', async (_name, channel, from, to, policy) => {
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
  });
});

describe('provider event ids', () => {
  test('a repeated id is ignored as a duplicate; a new id for a repeating status counts again', async () => {
    const id = fresh('dup');
    expect((await store.apply(id, 'email', { status: 'OPEN', id: 'e1' })).outcome).toBe('applied');
    const again = await store.apply(id, 'email', { status: 'OPEN', id: 'e1' });
    expect(again).toMatchObject({ outcome: 'ignored', code: 'duplicate', status: 'OPEN', from: 'OPEN' });
    expect(await store.apply(id, 'email', { status: 'OPEN', id: 'e2' })).toMatchObject({ outcome: 'applied', from: 'OPEN', status: 'OPEN' });
    const row = await store.get(id);
    expect(row?.counts).toMatchObject({ SUBMITTED: 0, DELIVERED: 1, OPEN: 2, CLICKED: 0 });
    expect(row?.version).toBe(3);
    expect((await store.history(id)).map((h) => h.id)).toEqual([undefined, 'e1', 'e2']);
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
});

describe('the store checked step by step against the independent xstate oracle (property)', () => {
  // Garbage, inapplicable, illegal and post-final reports among legal ones; after every report the
  // answer and the stored row are what LIFECYCLE.md's table says over the oracle (never the compiled tables).
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
            // Strict refuses everything but a legal step; tolerant ignores repeats and late reports.
            const outcome = moves ? 'applied' : policy === 'tolerant' && (code === 'duplicate' || code === 'stale') ? 'ignored' : 'rejected';
            expect({ where, outcome: r.outcome, code: r.code ?? 'ok', from: r.from }).toEqual({ where, outcome, code, from: status });
            // An early report names the statuses it skips (strict says them when refusing it).
            expect({ where, implied: r.implied }).toEqual({ where, implied: code === 'skipped' ? oracle.between(status, event.status as string) : [] });
            if (moves) status = event.status as string;
            expect({ where, status: r.status }).toEqual({ where, status });
          }
          const row = await store.get(id);
          expect(row?.status ?? oracle.initial).toBe(status);
          expect(await checkMessage(store, id)).toEqual([]);
        }),
        { numRuns: 40 },
      );
    },
    60_000,
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
          // Mostly statuses of a legal path, plus any status of the channel and the odd unknown name.
          const path = legalPath(channel, random);
          const events: StatusReport[] = picks.map((p, i) => {
            const pool = [...path.slice(1), ...l.statuses, '__proto__'];
            const report: StatusReport = { status: pool[p.pick % pool.length], at: 1_700_000_000_000 + i };
            return p.noId ? report : { ...report, id: p.repeat && i > 0 ? `e${i - 1}` : `e${i}` };
          });
          const results = await store.applyMany(events.map((event) => ({ messageId: id, channel, event })));
          const expected = reconcile(channel, events);
          const row = await store.get(id);
          expect(row?.status ?? l.statuses[l.initial]).toBe(expected.status);
          expect((await store.history(id)).map((h) => ({ from: h.from, status: h.status, implied: h.implied, id: h.id, at: h.at }))).toEqual(
            expected.history.map((h) => ({ from: h.from, status: h.status, implied: h.implied, id: h.id, at: h.at })),
          );
          expect(results.filter((r) => r.outcome === 'applied').length).toBe(expected.history.filter((h) => !h.implied).length);
          expect(await checkMessage(store, id)).toEqual([]);
        },
      ),
      { numRuns: 60 },
    );
  }, 60_000);

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
  });
});

describe('bad input is refused before anything is written', () => {
  test('unknown channel, malformed events, bad ids and options throw typed errors', async () => {
    const before = await rowCounts();
    const id = fresh('bad');
    await expectError(store.apply(id, 'fax' as never, 'SUBMITTED'), 'unknown_channel');
    await expectError(store.apply(id, 'sms', { status: 'SUBMITTED', id: 42 } as never), 'invalid_event');
    await expectError(store.apply(id, 'sms', { status: 'SUBMITTED', at: 'yesterday' }), 'invalid_event');
    await expectError(store.apply(id, 'sms', null as never), 'invalid_event');
    await expectError(store.apply('', 'sms', 'SUBMITTED'), 'invalid_argument');
    await expectError(store.apply('é'.repeat(600), 'sms', 'SUBMITTED'), 'invalid_argument'); // 1,200 bytes
    await expectError(store.apply('a\0b', 'sms', 'SUBMITTED'), 'invalid_argument');
    await expectError(store.apply(id, 'sms', { status: 'SUBMITTED', id: 'x'.repeat(1001) }), 'invalid_event');
    await expectError(store.apply(id, 'sms', 'SUBMITTED', { policy: 'lenient' as never }), 'invalid_argument');
    // A bad item anywhere in a batch stops the whole batch.
    await expectError(
      store.applyMany([
        { messageId: id, channel: 'sms', event: 'SUBMITTED' },
        { messageId: id, channel: 'sms', event: { status: 'DELIVERED', at: Number.NaN } },
      ]),
      'invalid_event',
    );
    expect(await rowCounts()).toEqual(before);
  });

  test('unknown and inapplicable statuses are rejected results, like applyStatus, and write nothing', async () => {
    const id = fresh('bad');
    await store.apply(id, 'sms', 'SUBMITTED');
    const before = await rowCounts();
    for (const status of ['__proto__', 'OPEN', 'delivered', 'constructor']) {
      const result = await store.apply(id, 'sms', { status, id: `x-${status}` });
      expect(result).toEqual(applyStatus('sms', 'SUBMITTED', status));
      expect(result.outcome).toBe('rejected');
    }
    expect(await rowCounts()).toEqual(before);
  });

  test('a message stored under another channel: apply throws, applyMany rejects that item only', async () => {
    const id = fresh('mismatch');
    const other = fresh('other');
    await store.apply(id, 'email', 'DELIVERED');
    const before = await rowCounts();
    await expectError(store.apply(id, 'sms', 'SUBMITTED'), 'invalid_argument');
    expect(await rowCounts()).toEqual(before);
    const [first, second, third] = await store.applyMany([
      { messageId: other, channel: 'sms', event: 'SUBMITTED' },
      { messageId: id, channel: 'sms', event: { status: 'SUBMITTED', id: 'wrong' } },
      { messageId: id, channel: 'email', event: 'OPEN' },
    ]);
    expect(first).toMatchObject({ outcome: 'applied', status: 'SUBMITTED' });
    expect(second).toEqual({ outcome: 'rejected', code: 'channel_mismatch', channel: 'sms', storedChannel: 'email', implied: [], message: expect.stringContaining('email') });
    expect(third).toMatchObject({ outcome: 'applied', from: 'DELIVERED', status: 'OPEN' });
    expect((await store.get(other))?.status).toBe('SUBMITTED');
    expect((await store.history(id)).map((h) => h.id)).not.toContain('wrong');
    // Inside one batch, the first item that writes fixes the channel, as sequential applies would.
    const fresh1 = fresh('mixed');
    const fresh2 = fresh('mixed');
    const mixed = await store.applyMany([
      { messageId: fresh1, channel: 'sms', event: 'SUBMITTED' },
      { messageId: fresh1, channel: 'email', event: 'DELIVERED' },
      { messageId: fresh2, channel: 'sms', event: 'NOT-A-STATUS' },
      { messageId: fresh2, channel: 'email', event: 'DELIVERED' },
    ]);
    expect(mixed.map((r) => [r.outcome, r.code ?? 'ok'])).toEqual([
      ['applied', 'ok'],
      ['rejected', 'channel_mismatch'],
      ['rejected', 'unknown_status'],
      ['applied', 'ok'],
    ]);
    expect((await store.get(fresh1))?.channel).toBe('sms');
    expect((await store.get(fresh2))?.channel).toBe('email');
  });

  test('a statement that fails midway leaves the row and the history as they were', async () => {
    const id = fresh('fail');
    await store.apply(id, 'email', 'DELIVERED');
    const row = await store.get(id);
    const history = await store.history(id);
    // Make the history insert fail for one provider id, after the status row would have moved.
    await db.exec(`
      CREATE FUNCTION boom() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN IF NEW.event_id = 'boom' THEN RAISE EXCEPTION 'boom'; END IF; RETURN NEW; END $$;
      CREATE TRIGGER boom BEFORE INSERT ON delivery_transition FOR EACH ROW EXECUTE FUNCTION boom();`);
    try {
      await expect(store.apply(id, 'email', { status: 'CLICKED', id: 'boom' })).rejects.toThrow(/boom/);
      await expect(
        store.applyMany([
          { messageId: fresh('fail'), channel: 'sms', event: 'DELIVERED' },
          { messageId: id, channel: 'email', event: { status: 'OPEN', id: 'boom' } },
        ]),
      ).rejects.toThrow(/boom/);
    } finally {
      await db.exec('DROP TRIGGER boom ON delivery_transition; DROP FUNCTION boom();');
    }
    expect(await store.get(id)).toEqual(row);
    expect(await store.history(id)).toEqual(history);
    expect(await store.get(`fail-${counter}`)).toBeUndefined();
  });

  test('an answer from the apply function that is not in its format throws instead of being guessed at', async () => {
    // The function answers in one text value: a flag letter, then a status (or, for `c`, the stored channel).
    expect(decodeApplyEvent({ r: 'aDELIVERED' })).toEqual({ from_status: 'DELIVERED', dup: false, applied: true, stored_channel: null });
    expect(decodeApplyEvent({ r: 'dOPEN' })).toEqual({ from_status: 'OPEN', dup: true, applied: false, stored_channel: null });
    expect(decodeApplyEvent({ r: 'nSENT' })).toEqual({ from_status: 'SENT', dup: false, applied: false, stored_channel: null });
    expect(decodeApplyEvent({ r: 'csms' })).toEqual({ from_status: null, dup: false, applied: false, stored_channel: 'sms' });
    for (const bad of [null, '', 'a', 'xDELIVERED', 42]) expect(() => decodeApplyEvent({ r: bad })).toThrow(/unexpected result/);
    // Through the store: a function that answers garbage makes apply fail loudly.
    const garbled = createPostgresStore(db, { schema: 'garbled' });
    await garbled.migrate();
    const { rows } = await db.query<{ sig: string }>(
      `SELECT p.oid::regprocedure::text AS sig FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
       WHERE n.nspname = 'garbled' AND p.proname = 'delivery_apply_timed'`,
    );
    expect(rows).toHaveLength(1);
    await db.exec(`DROP FUNCTION ${rows[0].sig};
      CREATE FUNCTION garbled.delivery_apply_timed(text, text, text, text[], text[], int[], text[], text, text, float8, text[], text[], float8[], float8, text)
      RETURNS text LANGUAGE sql AS $$ SELECT 'zzz'::text $$`);
    await expect(garbled.apply('garbled-1', 'sms', 'SUBMITTED')).rejects.toThrow(/unexpected result/);
    expect(await garbled.get('garbled-1')).toBeUndefined();
  });
});

describe('custom channels', () => {
  // A push-notification lifecycle compiled from its own machine: the store builds its SQL from it.
  const push = compileLifecycle(
    setup({ types: { context: {} as { views: number } } }).createMachine({
      id: 'push',
      initial: 'QUEUED',
      context: { views: 0 },
      states: {
        QUEUED: { on: { SENT: 'SENT', FAILED: 'FAILED' } },
        SENT: { on: { SEEN: 'SEEN', FAILED: 'FAILED' } },
        // A counted repeat needs an action: xstate never takes a transition with neither target nor action.
        SEEN: { on: { SEEN: { actions: assign({ views: ({ context }) => context.views + 1 }) } } },
        FAILED: { type: 'final' },
      },
    }),
    { name: 'push' },
  );

  test('are applied through tables compiled from their machine', async () => {
    const custom = createPostgresStore(db, { channels: [push] });
    const id = fresh('push');
    expect(await custom.apply(id, push, 'SEEN')).toEqual(applyStatus(push, 'QUEUED', 'SEEN'));
    expect(await custom.apply(id, push, 'FAILED')).toEqual(applyStatus(push, 'SEEN', 'FAILED'));
    expect((await custom.get(id))?.counts).toEqual({ QUEUED: 0, SENT: 1, SEEN: 1, FAILED: 0 });
    expect(await checkMessage(custom, id, [push])).toEqual([]);
  });

  test('a second lifecycle under a taken name is refused', async () => {
    const impostor = compileLifecycle(push.machine, { name: 'push' });
    expect(() => createPostgresStore(db, { channels: [push, impostor] })).toThrow(/already used/);
    const custom = createPostgresStore(db, { channels: [push] });
    await expectError(custom.apply(fresh('push'), impostor, 'SENT'), 'invalid_argument');
  });
});

describe('reads', () => {
  test('get and history of an unknown message', async () => {
    expect(await store.get('never-seen')).toBeUndefined();
    expect(await store.history('never-seen')).toEqual([]);
    await expectError(store.get(42 as never), 'invalid_argument');
  });
});

describe('a client that offers only query(text, params)', () => {
  test('migrates (one DO block), applies, reads and keeps side events', async () => {
    const calls: string[] = [];
    const queryOnly = {
      query: async (text: string, params: readonly unknown[]) => {
        calls.push(text);
        return db.query<Record<string, unknown>>(text, [...params]);
      },
    };
    const lean = createPostgresStore(queryOnly, { schema: 'query_only', now: () => CLOCK });
    await lean.migrate();
    await lean.migrate();
    expect(calls.filter((c) => c.startsWith('DO $dl_migrate$'))).toHaveLength(2);
    const tables = await db.query<{ name: string }>(
      `SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'query_only' ORDER BY 1`,
    );
    expect(tables.rows.map((r) => r.name)).toEqual(['delivery_side_event', 'delivery_status', 'delivery_transition']);
    expect((await lean.apply('q-1', 'sms', 'SUBMITTED')).outcome).toBe('applied');
    const many = await lean.applyMany([
      { messageId: 'q-1', channel: 'sms', event: { status: 'DELIVERED', id: 'd' } },
      { messageId: 'q-2', channel: 'email', event: 'OPEN' },
    ]);
    expect(many.map((r) => r.outcome)).toEqual(['applied', 'applied']);
    expect((await lean.get('q-1'))?.status).toBe('DELIVERED');
    expect((await lean.history('q-2')).map((h) => h.status)).toEqual(['DELIVERED', 'OPEN']);
    expect(await lean.recordSideEvent('q-2', { id: 's1', detail: 'SpamComplaint' })).toEqual({ recorded: true });
    expect((await lean.sideEvents('q-2')).map((e) => e.detail)).toEqual(['SpamComplaint']);
    expect(await store.get('q-1')).toBeUndefined();
  });
});

describe('side events', () => {
  test('are kept once per provider event id, per message, with their fields', async () => {
    const id = fresh('side');
    const other = fresh('side');
    expect(await store.sideEvents(id)).toEqual([]);
    const complaint = { id: 'pm-1', provider: 'postmark', kind: 'side_event', detail: 'Bounce/SpamComplaint', at: '2023-11-14T22:13:20.000Z' };
    expect(await store.recordSideEvent(id, complaint)).toEqual({ recorded: true });
    expect(await store.recordSideEvent(id, { ...complaint, detail: 'changed' })).toEqual({ recorded: false });
    expect(await store.recordSideEvent(id, { id: 'pm-2', detail: 'x'.repeat(300) })).toEqual({ recorded: true });
    // The same provider id on another message is that message's own.
    expect(await store.recordSideEvent(other, { id: 'pm-1' })).toEqual({ recorded: true });
    const kept = await store.sideEvents(id);
    expect(kept.map(({ recordedAt, ...rest }) => (expect(recordedAt).toBeInstanceOf(Date), rest))).toEqual([
      { id: 'pm-1', provider: 'postmark', kind: 'side_event', detail: 'Bounce/SpamComplaint', at: Date.parse('2023-11-14T22:13:20.000Z') },
      { id: 'pm-2', detail: 'x'.repeat(200) },
    ]);
    expect((await store.sideEvents(other)).map((e) => e.id)).toEqual(['pm-1']);
    // A side event does not touch the message's status or history.
    expect(await store.get(id)).toBeUndefined();
  });

  test('bad input is a typed error and writes nothing', async () => {
    const id = fresh('side');
    await expectError(store.recordSideEvent(id, { id: '' }), 'invalid_event');
    await expectError(store.recordSideEvent(id, {} as never), 'invalid_event');
    await expectError(store.recordSideEvent(id, null as never), 'invalid_event');
    await expectError(store.recordSideEvent(id, { id: 'a', detail: 42 } as never), 'invalid_event');
    await expectError(store.recordSideEvent(id, { id: 'a', at: 'yesterday' }), 'invalid_event');
    await expectError(store.recordSideEvent(id, { id: 'a\0b' }), 'invalid_event');
    await expectError(store.recordSideEvent('', { id: 'a' }), 'invalid_argument');
    expect(await store.sideEvents(id)).toEqual([]);
  });
});
