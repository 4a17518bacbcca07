/**
 * Expiry in the PostgreSQL store (issue 11), on PGlite: deadlines, timers
 * fired by apply and by expireDue, register, the upgrade of an existing
 * store, each judged by the tracker with the same reports and clock.
 */
import { PGlite } from '@electric-sql/pglite';
import fc from 'fast-check';
import { createTracker, isLifecycleError, lifecycleOf, type CompiledLifecycle, type StatusReport } from '../../src';
import { createPostgresStore, type PostgresStore } from '../../src/postgres';
import { chat, UNDER_TEST } from '../support/channels';
import { runSweepScenario, sameAnswer, storedView, trackerView } from '../support/expiry';
import { checkMessage, noMismatch } from '../support/postgres';

const T0 = Date.UTC(2026, 2, 1, 9, 0, 0);
const HOUR = 3_600_000;

let db: PGlite;
const clock = { now: T0 };
let store: PostgresStore;
let counter = 0;
const fresh = (label: string) => `${label}-${++counter}`;

beforeAll(async () => {
  db = new PGlite();
  store = createPostgresStore(db, { now: () => clock.now, channels: [chat] });
  await store.migrate();
}, 60_000);

afterAll(async () => {
  await db.close();
});

async function expectError(promise: Promise<unknown>, code: string): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isLifecycleError(error) ? error.code : error).toBe(code);
}

describe('the store agrees with the tracker, step by step, for the same reports and clock (property)', () => {
  type Op =
    | { kind: 'report'; pick: number; id: 'new' | 'repeat' | 'none'; at: 'none' | number }
    | { kind: 'batch'; reports: { pick: number; at: 'none' | number }[] }
    | { kind: 'advance'; ms: number }
    | { kind: 'deadline'; delta: -1 | 0 | 1 }
    | { kind: 'sweep' };
  const VALIDITY = 10_000;
  const at = fc.oneof(fc.constant<'none'>('none'), fc.integer({ min: -3 * VALIDITY, max: VALIDITY }));
  const op: fc.Arbitrary<Op> = fc.oneof(
    { weight: 4, arbitrary: fc.record({ kind: fc.constant('report' as const), pick: fc.nat(), id: fc.constantFrom('new' as const, 'repeat' as const, 'none' as const), at }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('batch' as const), reports: fc.array(fc.record({ pick: fc.nat(), at }), { minLength: 1, maxLength: 4 }) }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('advance' as const), ms: fc.integer({ min: 0, max: 2 * VALIDITY }) }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('deadline' as const), delta: fc.constantFrom(-1 as const, 0 as const, 1 as const) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('sweep' as const) }) },
  );

  test.each(UNDER_TEST.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const l = lifecycleOf(c.channel) as CompiledLifecycle;
    await fc.assert(
      fc.asyncProperty(fc.boolean(), fc.array(op, { maxLength: 14 }), async (registered, ops) => {
        clock.now = T0;
        const id = fresh('agree');
        const options = c.timers(VALIDITY);
        const t = createTracker(c.channel, { now: () => clock.now, ...options });
        if (registered) expect(await store.register(id, c.channel, options)).toEqual({ registered: true });
        // Mostly the channel's own statuses, with the odd name it does not know.
        const pool = [...l.statuses.slice(1), ...l.statuses, ...c.words.slice(0, 3), 'NOPE'];
        const sent: StatusReport[] = [];
        let ids = 0;
        const report = (pick: number, when: 'none' | number, withId: boolean): StatusReport => {
          const r: StatusReport = { status: pool[pick % pool.length], ...(when === 'none' ? {} : { at: clock.now + when }) };
          return withId ? { ...r, id: `${id}/${ids++}` } : r;
        };
        for (const o of ops) {
          if (o.kind === 'report') {
            const r = o.id === 'repeat' && sent.length > 0 ? sent[o.pick % sent.length] : report(o.pick, o.at, o.id !== 'none');
            sent.push(r);
            const mine = await store.apply(id, c.channel, r, options);
            const theirs = t.apply(r);
            if (!sameAnswer(mine, theirs)) expect(mine).toEqual(theirs);
          } else if (o.kind === 'batch') {
            const reports = o.reports.map((p) => report(p.pick, p.at, true));
            sent.push(...reports);
            const mine = noMismatch(await store.applyMany(reports.map((event) => ({ messageId: id, channel: c.channel, event })), options));
            reports.forEach((r, i) => {
              const theirs = t.apply(r);
              if (!sameAnswer(mine[i], theirs)) expect(mine[i]).toEqual(theirs);
            });
          } else if (o.kind === 'advance') {
            clock.now += o.ms;
          } else if (o.kind === 'deadline') {
            if (t.deadline !== undefined) clock.now = Math.max(clock.now, t.deadline + o.delta);
          } else {
            const swept = await store.expireDue({ now: clock.now });
            const fired = t.expireIfDue(clock.now);
            expect(swept.messageIds.includes(id)).toBe(fired);
          }
          expect(await storedView(store, id, c.channel)).toEqual(trackerView(t));
        }
        expect(await checkMessage(store, id, [chat])).toEqual([]);
      }),
      { numRuns: 100 },
    );
  }, 120_000);
});

describe('the deadline, to the millisecond', () => {
  async function submitted(validityMs: number): Promise<string> {
    const id = fresh('edge');
    clock.now = T0;
    await store.apply(id, 'sms', { status: 'SUBMITTED', id: 's', at: T0 }, { validityMs });
    expect((await store.get(id))?.deadline).toBe(T0 + validityMs);
    return id;
  }

  test.each([
    [-1, 'SUBMITTED'],
    [0, 'EXPIRED'],
    [1, 'EXPIRED'],
  ])('apply at deadline %+d ms finds the message %s', async (delta, status) => {
    const id = await submitted(HOUR);
    clock.now = T0 + HOUR + delta;
    const result = await store.apply(id, 'sms', { status: 'DELIVERED', id: 'd' });
    expect(result.from).toBe(status);
    expect(result.outcome).toBe(status === 'EXPIRED' ? 'rejected' : 'applied');
    expect((await store.get(id))?.status).toBe(status === 'EXPIRED' ? 'EXPIRED' : 'DELIVERED');
  });

  test.each([
    [-1, false],
    [0, true],
    [1, true],
  ])('expireDue at deadline %+d ms moves it: %s', async (delta, moved) => {
    const id = await submitted(HOUR);
    const { messageIds } = await store.expireDue({ now: T0 + HOUR + delta });
    expect(messageIds.includes(id)).toBe(moved);
    const history = await store.history(id);
    if (moved) expect(history.at(-1)).toMatchObject({ from: 'SUBMITTED', status: 'EXPIRED', timer: true, at: T0 + HOUR, implied: false });
    else expect(history.map((h) => h.status)).toEqual(['SUBMITTED']);
    expect((await store.get(id))?.deadline).toBe(moved ? undefined : T0 + HOUR);
  });

  test.each([
    [-1, 'SUBMITTED'],
    [0, 'EXPIRED'],
  ])('applyMany at deadline %+d ms finds the message %s before its first report', async (delta, status) => {
    const id = await submitted(HOUR);
    clock.now = T0 + HOUR + delta;
    const [first, second] = noMismatch(
      await store.applyMany([
        { messageId: id, channel: 'sms', event: { status: 'DELIVERED', id: 'd' } },
        { messageId: id, channel: 'sms', event: { status: 'DELIVERED', id: 'd' } },
      ]),
    );
    expect(first.from).toBe(status);
    expect(second.outcome).toBe('ignored');
  });

  test('a report that changes nothing still records the expiry it finds, and an unknown status too', async () => {
    const a = await submitted(HOUR);
    const b = await submitted(HOUR);
    clock.now = T0 + HOUR;
    expect(await store.apply(a, 'sms', { status: 'SUBMITTED', id: 's' })).toMatchObject({ outcome: 'ignored', status: 'EXPIRED' });
    expect(await store.apply(b, 'sms', 'NOT_A_STATUS')).toMatchObject({ outcome: 'rejected', code: 'unknown_status', status: 'EXPIRED' });
    for (const id of [a, b]) expect((await store.history(id)).map((h) => [h.status, h.timer ?? false])).toEqual([['SUBMITTED', false], ['EXPIRED', true]]);
  });

  test('a report with its own time starts the status then; without one, the clock does', async () => {
    const id = fresh('since');
    clock.now = T0 + 5 * HOUR;
    await store.apply(id, 'sms', { status: 'SUBMITTED', at: T0 }, { validityMs: HOUR });
    expect(await store.get(id)).toMatchObject({ since: T0, deadline: T0 + HOUR });
    const other = fresh('since');
    await store.apply(other, 'sms', 'SUBMITTED', { validityMs: HOUR });
    expect(await store.get(other)).toMatchObject({ since: T0 + 5 * HOUR, deadline: T0 + 6 * HOUR });
    // Already due: the very next report finds it expired; its deadline is gone once it is.
    expect(await store.apply(id, 'sms', 'DELIVERED')).toMatchObject({ outcome: 'rejected', code: 'from_final' });
    expect((await store.get(id))?.deadline).toBeUndefined();
  });

  test('the validity is fixed when the store first records the message; the default is 48 h', async () => {
    clock.now = T0;
    const id = fresh('validity');
    await store.apply(id, 'sms', { status: 'SUBMITTED', at: T0 });
    expect((await store.get(id))?.deadline).toBe(T0 + 48 * HOUR);
    const registered = fresh('validity');
    await store.register(registered, 'sms', { validityMs: HOUR });
    await store.apply(registered, 'sms', { status: 'SUBMITTED', at: T0 }, { validityMs: 5 * HOUR });
    expect((await store.get(registered))?.deadline).toBe(T0 + HOUR);
  });

  test('a custom channel keeps its own named delay', async () => {
    clock.now = T0;
    const id = fresh('chat');
    await store.apply(id, chat, { status: 'sent', at: T0 }, { delays: { ttl: 1000 } });
    expect((await store.get(id))?.deadline).toBe(T0 + 1000);
    expect((await store.expireDue({ now: T0 + 1000 })).messageIds).toContain(id);
    expect((await store.get(id))?.status).toBe('expired');
    expect(await checkMessage(store, id, [chat])).toEqual([]);
  });

  test('bad delays and sweep options are refused before anything is written', async () => {
    const id = fresh('bad');
    await expectError(store.apply(id, 'sms', 'SUBMITTED', { validityMs: 0 }), 'invalid_argument');
    await expectError(store.apply(id, 'sms', 'SUBMITTED', { delays: { nope: 5 } }), 'invalid_argument');
    await expectError(store.apply(id, 'email', 'DELIVERED', { validityMs: 5 }), 'invalid_argument');
    await expectError(store.register(id, 'sms', { validityMs: -1 }), 'invalid_argument');
    await expectError(store.register(id, 'sms', { at: 'yesterday' }), 'invalid_argument');
    await expectError(store.expireDue({ limit: 0 }), 'invalid_argument');
    await expectError(store.expireDue({ now: Number.NaN }), 'invalid_argument');
    expect(await store.get(id)).toBeUndefined();
    expect(() => createPostgresStore(db, { now: 5 as never })).toThrow(/now must be a function/);
    const broken = createPostgresStore(db, { now: () => Number.NaN });
    await expectError(broken.apply(id, 'sms', 'SUBMITTED'), 'invalid_argument');
  });
});

describe('expireDue', () => {
  test('with a limit takes the earliest deadlines first, and moves each message once', async () => {
    // Its own schema, so other tests' due messages do not count.
    const own = createPostgresStore(db, { schema: 'sweep_limit', now: () => T0 });
    await own.migrate();
    const ids = ['c', 'a', 'b', 'd'];
    for (const [i, id] of ids.entries()) await own.apply(id, 'sms', { status: 'SUBMITTED', at: T0 - HOUR - i }, { validityMs: HOUR });
    expect(await own.expireDue({ limit: 2 })).toEqual({ count: 2, messageIds: ['d', 'b'] });
    expect(await own.expireDue({ limit: 10 })).toEqual({ count: 2, messageIds: ['a', 'c'] });
    expect(await own.expireDue()).toEqual({ count: 0, messageIds: [] });
    for (const id of ids) expect(await checkMessage(own, id)).toEqual([]);
  });

  test('an EXPIRED message is not moved again, nor a DELIVERED one', async () => {
    const own = createPostgresStore(db, { schema: 'sweep_final', now: () => T0 });
    await own.migrate();
    await own.apply('x', 'sms', { status: 'SUBMITTED', at: T0 - 1 }, { validityMs: 1 });
    await own.apply('y', 'sms', { status: 'DELIVERED', at: T0 - 1 }, { validityMs: 1 });
    await own.apply('z', 'sms', { status: 'EXPIRED', at: T0 - 1 }, { validityMs: 1 });
    expect(await own.expireDue()).toEqual({ count: 1, messageIds: ['x'] });
    expect(await own.expireDue({ now: T0 + 48 * HOUR })).toEqual({ count: 0, messageIds: [] });
    expect((await own.history('z')).map((h) => h.timer ?? false)).toEqual([false, false]);
  });
});

describe('register', () => {
  test('records a message at the initial status with no history; twice is a no-op', async () => {
    clock.now = T0;
    const id = fresh('reg');
    expect(await store.register(id, 'sms', { at: T0 - 5, validityMs: HOUR })).toEqual({ registered: true });
    expect(await store.get(id)).toMatchObject({ status: 'REGISTERED', version: 0, since: T0 - 5, counts: { REGISTERED: 0, SUBMITTED: 0 } });
    expect((await store.get(id))?.deadline).toBeUndefined();
    expect(await store.history(id)).toEqual([]);
    const before = await store.get(id);
    expect(await store.register(id, 'sms', { at: T0 + 99, validityMs: 7 })).toEqual({ registered: false });
    expect(await store.get(id)).toEqual(before);
  });

  test('after callbacks it changes nothing they decided', async () => {
    clock.now = T0;
    const id = fresh('reg');
    await store.apply(id, 'sms', { status: 'SUBMITTED', id: 's', at: T0 }, { validityMs: HOUR });
    const row = await store.get(id);
    const history = await store.history(id);
    expect(await store.register(id, 'sms', { validityMs: 5 })).toEqual({ registered: false });
    expect(await store.get(id)).toEqual(row);
    expect(await store.history(id)).toEqual(history);
    await expectError(store.register(id, 'email'), 'invalid_argument');
  });

  test('a registered message that never gets a callback still expires once submitted; an email one just exists', async () => {
    clock.now = T0;
    const id = fresh('reg');
    await store.register(id, 'sms', { validityMs: HOUR });
    await store.apply(id, 'sms', { status: 'SUBMITTED' });
    expect((await store.get(id))?.deadline).toBe(T0 + HOUR);
    const mail = fresh('reg');
    await store.register(mail, 'email');
    expect(await store.get(mail)).toMatchObject({ status: 'SUBMITTED', version: 0 });
    // Before, a report of the initial status left no row; it is a duplicate of the registered status now.
    expect(await store.apply(mail, 'email', 'SUBMITTED')).toMatchObject({ outcome: 'ignored', code: 'duplicate' });
  });

  test('a custom channel whose initial status has a timer gets its deadline at register', async () => {
    const { compileLifecycle } = await import('../../src');
    const { setup } = await import('xstate');
    const ping = compileLifecycle(
      setup({ delays: { wait: 500 } }).createMachine({
        id: 'ping',
        initial: 'WAITING',
        states: { WAITING: { after: { wait: { target: 'GAVE_UP' } }, on: { PONG: 'PONG' } }, PONG: { type: 'final' }, GAVE_UP: { type: 'final' } },
      }),
      { name: 'ping' },
    );
    const own = createPostgresStore(db, { schema: 'ping', channels: [ping], now: () => T0 });
    await own.migrate();
    await own.register('p1', ping, { at: T0 - 1000 });
    expect((await own.get('p1'))?.deadline).toBe(T0 - 500);
    expect(await own.expireDue()).toEqual({ count: 1, messageIds: ['p1'] });
    expect(await own.history('p1')).toMatchObject([{ from: 'WAITING', status: 'GAVE_UP', timer: true, at: T0 - 500 }]);
  });
});

describe('migrate', () => {
  test('upgrades a store created before expiry: columns, index, deadlines of pending messages', async () => {
    // The schema as the previous version created it, with a SUBMITTED and a DELIVERED message.
    await db.exec(`CREATE SCHEMA old_store;
      CREATE TABLE old_store.delivery_status (message_id text PRIMARY KEY CHECK (message_id <> ''), channel text NOT NULL, status text NOT NULL,
        counts integer[] NOT NULL, version integer NOT NULL DEFAULT 0 CHECK (version >= 0),
        created_at timestamptz NOT NULL DEFAULT now(), updated_at timestamptz NOT NULL DEFAULT now());
      CREATE TABLE old_store.delivery_transition (message_id text NOT NULL, seq integer NOT NULL CHECK (seq > 0), from_status text NOT NULL,
        to_status text NOT NULL, implied boolean NOT NULL, event_id text, at timestamptz, recorded_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (message_id, seq));
      CREATE UNIQUE INDEX delivery_transition_event ON old_store.delivery_transition (message_id, event_id);
      INSERT INTO old_store.delivery_status (message_id, channel, status, counts, version) VALUES
        ('pending', 'sms', 'SUBMITTED', '{0,1,0,0,0,0}', 1), ('done', 'sms', 'DELIVERED', '{0,1,1,0,0,0}', 2);
      INSERT INTO old_store.delivery_transition (message_id, seq, from_status, to_status, implied, event_id, at) VALUES
        ('pending', 1, 'REGISTERED', 'SUBMITTED', false, 'e1', to_timestamp(${T0 / 1000})),
        ('done', 1, 'REGISTERED', 'SUBMITTED', true, NULL, NULL), ('done', 2, 'SUBMITTED', 'DELIVERED', false, 'e2', to_timestamp(${(T0 + 1) / 1000}));`);
    const upgraded = createPostgresStore(db, { schema: 'old_store', now: () => T0 + HOUR });
    await Promise.all([upgraded.migrate(), upgraded.migrate()]);
    await upgraded.migrate();
    expect(await upgraded.get('pending')).toMatchObject({ status: 'SUBMITTED', since: T0, deadline: T0 + 48 * HOUR });
    expect(await upgraded.get('done')).toMatchObject({ status: 'DELIVERED', since: T0 + 1 });
    expect((await upgraded.get('done'))?.deadline).toBeUndefined();
    const indexes = await db.query<{ name: string }>(`SELECT indexname AS name FROM pg_indexes WHERE schemaname = 'old_store' ORDER BY 1`);
    expect(indexes.rows.map((r) => r.name)).toContain('delivery_status_deadline');
    // The old rows work with the new code: a late receipt after the deadline finds the message expired.
    const later = createPostgresStore(db, { schema: 'old_store', now: () => T0 + 48 * HOUR });
    expect(await later.apply('pending', 'sms', 'DELIVERED')).toMatchObject({ outcome: 'rejected', code: 'from_final' });
    expect(await later.history('pending')).toMatchObject([{ status: 'SUBMITTED' }, { status: 'EXPIRED', timer: true, at: T0 + 48 * HOUR }]);
    for (const id of ['pending', 'done']) expect(await checkMessage(later, id)).toEqual([]);
  });
});

describe('appliers and sweepers interleaved on one PGlite connection', () => {
  test('2,000 messages with deadlines around now end as the tracker says; none swept twice or left due', async () => {
    const own = createPostgresStore(db, { schema: 'sweep_race', now: () => T0 });
    await own.migrate();
    const outcome = await runSweepScenario({ store: () => own, messages: 2000, appliers: 4, sweepers: 2, seed: 11, prefix: 'race', now: T0 });
    expect(outcome.problems).toEqual([]);
    expect(outcome.edges).toBeGreaterThan(200);
    expect(outcome.swept).toBeGreaterThan(100);
    expect(outcome.expired).toBeGreaterThan(outcome.swept);
    expect(outcome.delivered).toBeGreaterThan(100);
  }, 120_000);
});

describe('checkMessage judges stored histories by the xstate oracle', () => {
  test('it finds a corrupted history: a timer move the machine has not, an implied path that is not the shortest, a row after a final status', async () => {
    const own = createPostgresStore(db, { schema: 'judge', now: () => T0 });
    await own.migrate();
    const t = own.tables.transition;
    await own.apply('timer', 'sms', { status: 'SUBMITTED', at: T0 - 10 }, { validityMs: 1 });
    await own.expireDue();
    expect(await checkMessage(own, 'timer')).toEqual([]);
    await db.exec(`UPDATE ${t} SET from_status = 'REGISTERED', to_status = 'FAILED' WHERE message_id = 'timer' AND seq = 2;
      UPDATE ${own.tables.status} SET status = 'FAILED' WHERE message_id = 'timer'`);
    expect((await checkMessage(own, 'timer')).join()).toMatch(/not the move the machine's timer makes/);

    await own.apply('implied', 'sms', 'DELIVERED');
    expect(await checkMessage(own, 'implied')).toEqual([]);
    await db.exec(`UPDATE ${t} SET to_status = 'FAILED' WHERE message_id = 'implied' AND seq = 1;
      UPDATE ${t} SET from_status = 'FAILED' WHERE message_id = 'implied' AND seq = 2`);
    expect((await checkMessage(own, 'implied')).join()).toMatch(/shortest path/);

    await own.apply('final', 'sms', 'FAILED');
    await db.exec(`INSERT INTO ${t} (message_id, seq, from_status, to_status, implied) VALUES ('final', 2, 'FAILED', 'FAILED', false);
      UPDATE ${own.tables.status} SET version = 2, counts[6] = 2 WHERE message_id = 'final'`);
    expect((await checkMessage(own, 'final')).join()).toMatch(/follows the final status/);
  });
});

describe('startExpirySweeper', () => {
  /** A store whose expireDue answers when the test says so, counting calls in flight. */
  function controlled() {
    const calls: { resolve: (count: number) => void; reject: (error: Error) => void }[] = [];
    let inFlight = 0;
    let maxInFlight = 0;
    const fake = {
      expireDue: (options?: { limit?: number }) =>
        new Promise<{ count: number; messageIds: string[] }>((resolve, reject) => {
          inFlight++;
          maxInFlight = Math.max(maxInFlight, inFlight);
          expect(options).toEqual({ limit: 3 });
          calls.push({
            resolve: (count) => {
              inFlight--;
              resolve({ count, messageIds: Array.from({ length: count }, (_, i) => `m${i}`) });
            },
            reject: (error) => {
              inFlight--;
              reject(error);
            },
          });
        }),
    } as unknown as PostgresStore;
    return { fake, calls, maxInFlight: () => maxInFlight };
  }
  const tick = (ms = 5) => new Promise((resolve) => setTimeout(resolve, ms));
  async function until(condition: () => boolean): Promise<void> {
    for (let i = 0; i < 400 && !condition(); i++) await tick();
    expect(condition()).toBe(true);
  }

  test('drains in calls of limit, never overlaps, keeps going after an error, and stop waits for the sweep in flight', async () => {
    const { startExpirySweeper } = await import('../../src/postgres');
    const { fake, calls, maxInFlight } = controlled();
    const errors: unknown[] = [];
    const swept: number[] = [];
    const sweeper = startExpirySweeper(fake, { everyMs: 1, limit: 3, onError: (e) => errors.push(e), onSweep: (r) => swept.push(r.count) });
    await until(() => calls.length === 1);
    calls[0].resolve(3); // a full batch: the same sweep calls again at once
    await until(() => calls.length === 2);
    calls[1].reject(new Error('connection lost'));
    await until(() => calls.length === 3); // the next sweep still comes
    expect(errors.map((e) => (e as Error).message)).toEqual(['connection lost']);
    let stopped = false;
    const stopping = sweeper.stop().then(() => (stopped = true));
    await tick(20);
    expect(stopped).toBe(false); // a sweep is in flight
    calls[2].resolve(1);
    await stopping;
    await tick(20);
    expect(calls.length).toBe(3); // nothing after stop
    expect(maxInFlight()).toBe(1);
    expect(swept).toEqual([3, 1]);
    await sweeper.stop();
  });

  test('moves due messages of a real store, and refuses bad options', async () => {
    const { startExpirySweeper } = await import('../../src/postgres');
    const own = createPostgresStore(db, { schema: 'sweeper', now: () => T0 });
    await own.migrate();
    for (let i = 0; i < 5; i++) await own.apply(`s${i}`, 'sms', { status: 'SUBMITTED', at: T0 - HOUR }, { validityMs: HOUR - i });
    await own.apply('later', 'sms', { status: 'SUBMITTED', at: T0 }, { validityMs: HOUR });
    const moved: string[] = [];
    const sweeper = startExpirySweeper(own, { everyMs: 1, limit: 2, onSweep: (r) => moved.push(...r.messageIds) });
    await until(() => moved.length === 5);
    await sweeper.stop();
    expect(moved).toEqual(['s4', 's3', 's2', 's1', 's0']);
    expect((await own.get('later'))?.status).toBe('SUBMITTED');
    // The timer does not keep the process alive.
    const spy = jest.spyOn(global, 'setTimeout');
    const idle = startExpirySweeper(own, { everyMs: 60_000 });
    expect((spy.mock.results.at(-1)?.value as NodeJS.Timeout).hasRef()).toBe(false);
    spy.mockRestore();
    await idle.stop();
    expect(() => startExpirySweeper(own, { everyMs: 0 })).toThrow(/everyMs/);
    expect(() => startExpirySweeper(own, { everyMs: 10, limit: 1.5 })).toThrow(/limit/);
    expect(() => startExpirySweeper({} as never, { everyMs: 10 })).toThrow(/PostgreSQL store/);
  });
});
