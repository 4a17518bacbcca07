import { setup } from 'xstate';
import { DEFAULT_MAX_SEEN_IDS, TRACKER_SNAPSHOT_VERSION, createTracker, isLifecycleError, restoreTracker, type TrackerSnapshot } from '../src';
import { compileLifecycle } from '../src/machines';

const T0 = Date.UTC(2026, 5, 1);

function errorOf(f: () => unknown): { code: string; message: string } {
  try {
    f();
  } catch (error) {
    if (isLifecycleError(error)) return { code: error.code, message: error.message };
    throw error;
  }
  throw new Error('did not throw');
}

/** A valid e-mail snapshot: OPEN (DELIVERED implied) after a deferral. */
function emailSnapshot(): TrackerSnapshot & Record<string, unknown> {
  const t = createTracker('email', { now: () => T0 });
  t.apply({ status: 'DEFERRED', id: 'd1', at: T0 });
  t.apply({ status: 'OPEN', id: 'o1', at: T0 + 1000 });
  return JSON.parse(JSON.stringify(t));
}

const edit = (f: (s: Record<string, unknown> & { history: Record<string, unknown>[]; counts: Record<string, number>; seen: string[] }) => void) => {
  const s = emailSnapshot() as never;
  f(s);
  return s;
};

describe('createTracker', () => {
  test('starts in the initial status with empty history, zero counts and a versioned snapshot', () => {
    const t = createTracker('sms', { now: () => T0 });
    expect([t.status, t.final, t.history, t.received, t.deadline, t.since]).toEqual(['REGISTERED', false, [], 0, undefined, T0]);
    expect(Object.values(t.counts)).toEqual([0, 0, 0, 0, 0, 0]);
    const json = t.toJSON();
    expect(json).toMatchObject({ version: 1, channel: 'sms', policy: 'tolerant', status: 'REGISTERED', maxSeenIds: DEFAULT_MAX_SEEN_IDS, delays: [48 * 3_600_000] });
    expect(TRACKER_SNAPSHOT_VERSION).toBe(1);
  });

  test.each([
    ['an unknown channel', () => createTracker('fax' as never), 'unknown_channel'],
    ['a bad policy', () => createTracker('sms', { policy: 'lenient' as never }), 'invalid_argument'],
    ['maxSeenIds 0', () => createTracker('sms', { maxSeenIds: 0 }), 'invalid_argument'],
    ['maxSeenIds 1.5', () => createTracker('sms', { maxSeenIds: 1.5 }), 'invalid_argument'],
    ['a negative validity', () => createTracker('sms', { validityMs: -5 }), 'invalid_argument'],
    ['a validity on e-mail, which has no timer', () => createTracker('email', { validityMs: 1000 }), 'invalid_argument'],
    ['a delay the channel does not have', () => createTracker('sms', { delays: { ttl: 1000 } }), 'invalid_argument'],
    ['a clock that is not a function', () => createTracker('sms', { now: 5 as never }), 'invalid_argument'],
    ['null options', () => createTracker('sms', null as never), 'invalid_argument'],
  ])('refuses %s', (_name, call, code) => {
    expect(errorOf(call).code).toBe(code);
  });

  test('a malformed event is rejected as invalid_event, counted as received, and its id not remembered', () => {
    const t = createTracker('sms', { now: () => T0 });
    expect(t.apply(null as never)).toMatchObject({ outcome: 'rejected', code: 'invalid_event', status: 'REGISTERED' });
    expect(t.apply({ status: 'SUBMITTED', id: 7 } as never)).toMatchObject({ code: 'invalid_event' });
    expect(t.apply({ status: 'SUBMITTED', at: 'yesterday' })).toMatchObject({ code: 'invalid_event' });
    expect([t.received, t.status, t.toJSON().seen]).toEqual([3, 'REGISTERED', []]);
  });

  test('an event whose status is rejected still has its id remembered, like reconcile', () => {
    const t = createTracker('sms', { now: () => T0 });
    expect(t.apply({ status: 'OPEN', id: 'x' })).toMatchObject({ outcome: 'rejected', code: 'inapplicable_status' });
    expect(t.hasSeen('x')).toBe(true);
    expect(t.apply({ status: 'SUBMITTED', id: 'x' })).toMatchObject({ outcome: 'ignored', code: 'duplicate' });
  });

  test('seen ids: first seen, first forgotten; a forgotten id is still judged by its status', () => {
    const t = createTracker('email', { now: () => T0, maxSeenIds: 2 });
    t.apply({ status: 'DELIVERED', id: 'a' });
    t.apply({ status: 'OPEN', id: 'b' });
    t.apply({ status: 'OPEN', id: 'c' });
    expect(['a', 'b', 'c'].map((id) => t.hasSeen(id))).toEqual([false, true, true]);
    expect(t.apply({ status: 'DELIVERED', id: 'a' })).toMatchObject({ outcome: 'ignored', code: 'stale' });
    expect(t.apply({ status: 'OPEN', id: 'c' })).toMatchObject({ outcome: 'ignored', code: 'duplicate' });
    // The documented limit: a repeatable status with a forgotten id counts again.
    t.apply({ status: 'CLICKED', id: 'd' });
    t.apply({ status: 'CLICKED', id: 'e' });
    expect(t.apply({ status: 'OPEN', id: 'b' })).toMatchObject({ outcome: 'ignored', code: 'stale' });
    expect(t.opens).toBe(2);
  });

  test('a forgotten id applied again still saves a snapshot that restores', () => {
    const t = createTracker('email', { now: () => T0, maxSeenIds: 2 });
    for (const [status, id] of [['DELIVERED', 'x'], ['OPEN', 'a'], ['OPEN', 'b'], ['OPEN', 'c'], ['OPEN', 'a']]) t.apply({ status, id });
    expect(t.opens).toBe(4);
    const restored = restoreTracker(JSON.stringify(t));
    expect([restored.opens, restored.hasSeen('a'), restored.hasSeen('b')]).toEqual([4, true, false]);
  });

  test('the history, counts and snapshot a caller gets are copies', () => {
    const t = createTracker('email', { now: () => T0 });
    t.apply({ status: 'DELIVERED' });
    (t.history as unknown[]).length = 0;
    (t.toJSON().history as unknown[]).length = 0;
    expect(t.history).toHaveLength(1);
  });
});

describe('restoreTracker refuses what is not a legal snapshot', () => {
  test.each<[string, unknown, RegExp]>([
    ['text that is not JSON', '{"version":', /not valid JSON/],
    ['a number', 42, /must be an object/],
    ['null as JSON', 'null', /must be an object/],
    ['an array', [], /must be an object/],
    ['an object with an inherited shape', Object.create(emailSnapshot()), /plain object|unknown version/],
    ['an unknown version', edit((s) => (s.version = 2)), /unknown version 2/],
    ['no version', edit((s) => delete s.version), /unknown version/],
    ['an unknown channel', edit((s) => (s.channel = 'fax')), /unknown channel fax/],
    ['an unexpected key', edit((s) => (s.extra = 1)), /unexpected key extra/],
    ['a top-level __proto__ key', JSON.stringify(emailSnapshot()).replace('{', '{"__proto__":{"x":1},'), /unexpected key __proto__/],
    ['a __proto__ key in counts', JSON.stringify(emailSnapshot()).replace('"SUBMITTED":0', '"__proto__":0'), /counts names __proto__/],
    ['an unknown status', edit((s) => (s.status = 'NOPE')), /status NOPE is not a status of email/],
    ['an inapplicable status', edit((s) => (s.status = 'EXPIRED')), /does not apply to email/],
    ['a status the history does not lead to', edit((s) => (s.status = 'CLICKED')), /not where the history leads/],
    ['a bad policy', edit((s) => (s.policy = 'lenient')), /policy/],
    ['a history step the channel does not allow', edit((s) => s.history.splice(1, 1)), /history\[1\]\.from/],
    [
      'a skipped step without its implied status',
      edit((s) => {
        s.history.splice(1, 1);
        s.history[1].from = 'DEFERRED';
        s.counts.DELIVERED = 0;
      }),
      /DEFERRED → OPEN is not a legal transition/,
    ],
    [
      'an implied entry the report does not imply',
      edit((s) => {
        s.history[0].implied = true;
        delete s.history[0].id;
        delete s.history[0].at;
        s.history[0].index = 1;
        s.history[1].implied = false;
        s.history[1].index = 1;
        s.seen = ['o1'];
      }),
      /does not imply|not a legal/,
    ],
    ['implied entries at the end', edit((s) => { s.history.pop(); s.status = 'DELIVERED'; s.counts.OPEN = 0; }), /ends with implied/],
    ['an implied entry under the strict policy', edit((s) => (s.policy = 'strict')), /strict policy never implies/],
    ['counts that disagree with the history', edit((s) => (s.counts.OPEN = 5)), /counts\.OPEN is 5 but the history has 1/],
    ['a missing count', edit((s) => delete s.counts.DROPPED), /one entry per status/],
    ['an index at or after received', edit((s) => (s.received = 1)), /not below the 1 events received|seen holds 2 ids/],
    ['a seen id twice', edit((s) => (s.seen = ['d1', 'd1'])), /twice/],
    ['more seen ids than the bound', edit((s) => (s.maxSeenIds = 1)), /more than maxSeenIds/],
    ['a history id missing from seen', edit((s) => (s.seen = ['o1'])), /d1 of history\[0\] is missing from seen/],
    ['seen ids out of order', edit((s) => (s.seen = ['o1', 'd1'])), /d1.*out of order/],
    ['an id applied twice while nothing was forgotten', edit((s) => { s.history[2].id = 'd1'; s.seen = ['d1']; s.received = 2; }), /missing from seen/],
    ['a non-string seen id', edit((s) => (s.seen = [5 as never])), /not an event id/],
    ['a since that is not when the status began', edit((s) => (s.since = T0)), /since/],
    ['delays of the wrong length', edit((s) => (s.delays = [1000])), /delays/],
    ['a timer entry on a channel without timers', edit((s) => (s.history[2].timer = true)), /timer entry|timed transition/],
    ['an entry with an unknown key', edit((s) => (s.history[0].note = 'x')), /unexpected key note/],
    ['a non-numeric time', edit((s) => (s.history[0].at = '2026-01-01')), /at must be epoch ms/],
  ])('%s', (_name, snapshot, message) => {
    const error = errorOf(() => restoreTracker(snapshot));
    expect(error.code).toBe('invalid_snapshot');
    expect(error.message).toMatch(message);
  });

  test('the valid snapshot these are made from restores, as text and as an object', () => {
    expect(restoreTracker(emailSnapshot()).status).toBe('OPEN');
    expect(restoreTracker(JSON.stringify(emailSnapshot())).opens).toBe(1);
  });

  test('SMS: a timer entry is accepted only where the machine has a timer', () => {
    const clock = { now: T0 };
    const t = createTracker('sms', { now: () => clock.now, validityMs: 1000 });
    t.apply({ status: 'SUBMITTED', at: T0 });
    t.expireIfDue(T0 + 1000);
    const good = t.toJSON();
    expect(restoreTracker(good).status).toBe('EXPIRED');
    const bad = JSON.parse(JSON.stringify(good));
    bad.history = [{ status: 'EXPIRED', from: 'REGISTERED', implied: false, at: T0, index: 0, timer: true }];
    bad.counts.SUBMITTED = 0;
    expect(errorOf(() => restoreTracker(bad))).toMatchObject({ code: 'invalid_snapshot', message: expect.stringMatching(/REGISTERED → EXPIRED is not a timed transition/) });
  });

  test('bad options are misuse: invalid_argument', () => {
    expect(errorOf(() => restoreTracker(emailSnapshot(), { channels: [{ name: 'email' } as never] })).code).toBe('invalid_argument');
    expect(errorOf(() => restoreTracker(emailSnapshot(), { now: 'soon' as never })).code).toBe('invalid_argument');
  });
});

describe('custom channels', () => {
  // A WhatsApp-like lifecycle whose "expired" only a timer reaches.
  const machine = setup({ delays: { ttl: 5000 } }).createMachine({
    id: 'chat',
    initial: 'accepted',
    states: {
      accepted: { on: { sent: { target: 'sent' }, failed: { target: 'failed' } } },
      sent: { after: { ttl: { target: 'expired' } }, on: { delivered: { target: 'delivered' }, failed: { target: 'failed' } } },
      delivered: { on: { read: { target: 'read' } } },
      read: { type: 'final' },
      expired: { type: 'final' },
      failed: { type: 'final' },
    },
  });
  const chat = compileLifecycle(machine, { name: 'chat' });

  test('the tracker runs the custom timer and saves the channel by name', () => {
    const clock = { now: T0 };
    const t = createTracker(chat, { now: () => clock.now, delays: { ttl: 2000 } });
    t.apply({ status: 'sent', id: 'w1' });
    expect(t.deadline).toBe(T0 + 2000);
    clock.now = T0 + 2000;
    expect(t.expireIfDue()).toBe(true);
    expect(t.status).toBe('expired');
    const json = JSON.stringify(t);
    expect(JSON.parse(json).channel).toBe('chat');
    expect(errorOf(() => restoreTracker(json))).toMatchObject({ code: 'invalid_snapshot', message: expect.stringMatching(/unknown channel chat/) });
    const restored = restoreTracker(json, { channels: [chat] });
    expect([restored.lifecycle, restored.status]).toEqual([chat, 'expired']);
  });

  test('the machine default delay applies without options; a report of a timer-only status restores too', () => {
    const t = createTracker(chat, { now: () => T0 });
    t.apply({ status: 'sent', at: T0 });
    expect(t.deadline).toBe(T0 + 5000);
    const early = createTracker(chat, { now: () => T0 });
    expect(early.apply({ status: 'expired' }).outcome).toBe('applied');
    expect(restoreTracker(JSON.stringify(early), { channels: [chat] }).status).toBe('expired');
  });

  test('a report of a timer-only status before the timer implies the status the timer runs from', () => {
    const early = createTracker(chat, { now: () => T0 });
    expect(early.apply({ status: 'expired', id: 'w9', at: T0 })).toMatchObject({ outcome: 'applied', code: 'skipped', implied: ['sent'] });
    expect(early.history.map((e) => [e.from, e.status, e.implied])).toEqual([
      ['accepted', 'sent', true],
      ['sent', 'expired', false],
    ]);
    expect(early.counts).toMatchObject({ sent: 1, expired: 1 });
    const restored = restoreTracker(JSON.stringify(early), { channels: [chat] });
    expect(restored.history).toEqual(early.history);
    // The same report without its implied status is a jump the machine cannot make.
    const jump = JSON.parse(JSON.stringify(early));
    jump.history = [{ status: 'expired', from: 'accepted', implied: false, at: T0, id: 'w9', index: 0 }];
    jump.counts.sent = 0;
    expect(errorOf(() => restoreTracker(jump, { channels: [chat] }))).toMatchObject({
      code: 'invalid_snapshot',
      message: expect.stringMatching(/accepted → expired is not a legal transition/),
    });
  });

  test('a timer without a fixed delay needs one in options', () => {
    const open = setup({ delays: { ttl: ({ context }: { context: { ttl?: number } }) => context.ttl as number } }).createMachine({
      id: 'open',
      initial: 'a',
      context: {},
      states: { a: { after: { ttl: { target: 'b' } }, on: { b: { target: 'b' } } }, b: { type: 'final' } },
    });
    const lifecycle = compileLifecycle(open, { name: 'open' });
    expect(errorOf(() => createTracker(lifecycle)).code).toBe('invalid_argument');
    expect(createTracker(lifecycle, { delays: { ttl: 10 }, now: () => T0 }).deadline).toBe(T0 + 10);
  });
});

describe('types', () => {
  test('a tracker is typed by its channel; a restored one by plain strings', () => {
    const sms = createTracker('sms', { now: () => T0 });
    const status: 'REGISTERED' | 'SUBMITTED' | 'DELIVERED' | 'EXPIRED' | 'UNDELIVERABLE' | 'FAILED' = sms.status;
    // @ts-expect-error OPEN is not an SMS status
    const wrong: typeof sms.status = 'OPEN';
    const restored: string = restoreTracker(JSON.stringify(sms)).status;
    expect([status, wrong, restored]).toEqual(['REGISTERED', 'OPEN', 'REGISTERED']);
  });
});
