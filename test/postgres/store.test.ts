import { PGlite } from '@electric-sql/pglite';
import { assign, setup } from 'xstate';
import { isLifecycleError } from '../../src';
import { compileLifecycle, machineFor } from '../../src/machines';
import { createPostgresStore, type PostgresStore } from '../../src/postgres';
import { decodeApplyEvent } from '../../src/postgres/sql';

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

// The promises every engine keeps (decisions per pair, event ids, the oracle
// property, batches, bad input, register, timers, reads, stats) are in the
// shared conformance suite, test/store/conformance.ts, which runs on PGlite
// and on the PostgreSQL server too. What follows is particular to the SQL.
describe('a failed or garbled statement changes nothing', () => {
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

  test('a second lifecycle under a taken name is refused', async () => {
    const impostor = compileLifecycle(machineFor(push), { name: 'push' });
    expect(() => createPostgresStore(db, { channels: [push, impostor] })).toThrow(/already used/);
    const custom = createPostgresStore(db, { channels: [push] });
    await expectError(custom.apply(fresh('push'), impostor, 'SENT'), 'invalid_argument');
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
