import { SimulatedClock, createActor, fromPromise, initialTransition, transition } from 'xstate';
import { DEFAULT_SMS_VALIDITY_MS, createTracker, isLifecycleError, resumeTimers, timeUntil } from '../src';
import { defineChannel, emailMachine, machineFor, smsMachine } from '../src/machines';
import { chat, chatMachine } from './support/channels';
import { APPLICABLE, CATALOG, SPEC, legalFrom } from './support/lifecycle-md';
import { oracleFor } from './support/oracle';

const HOUR = 60 * 60 * 1000;

describe.each(['sms', 'email'] as const)('the %s machine encodes LIFECYCLE.md', (channel) => {
  const oracle = oracleFor(machineFor(channel));
  const book = SPEC[channel];

  test('one state per applicable status, nothing else', () => {
    expect([...oracle.statuses].sort()).toEqual([...APPLICABLE[channel]].sort());
    expect(oracle.initial).toBe(book.initial);
  });

  test('legal transitions and final statuses as the rulebook lists them', () => {
    for (const status of oracle.statuses) {
      const legal = CATALOG.filter((to) => oracle.can(status, to));
      const listed = legalFrom(book, status);
      expect({ status, legal: [...legal].sort() }).toEqual({ status, legal: [...listed].sort() });
      expect({ status, final: oracle.final.has(status) }).toEqual({ status, final: book.final.includes(status) });
    }
  });
});

test('machineFor returns the exported machines', () => {
  expect(machineFor('sms')).toBe(smsMachine);
  expect(machineFor('email')).toBe(emailMachine);
});

describe('SMS validity period', () => {
  function submitted(input: { validityMs?: number } = {}) {
    const clock = new SimulatedClock();
    const actor = createActor(smsMachine, { clock, input }).start();
    actor.send({ type: 'SUBMITTED' });
    return { clock, actor };
  }

  test('the default is 48 hours', () => {
    expect(DEFAULT_SMS_VALIDITY_MS).toBe(48 * HOUR);
    const [snapshot] = initialTransition(smsMachine, {});
    expect(snapshot.context.validityMs).toBe(48 * HOUR);
  });

  test('SUBMITTED expires after exactly 48 h, not one millisecond before', () => {
    const { clock, actor } = submitted();
    clock.increment(48 * HOUR - 1);
    expect(actor.getSnapshot().value).toBe('SUBMITTED');
    clock.increment(1);
    expect(actor.getSnapshot().value).toBe('EXPIRED');
    expect(actor.getSnapshot().status).toBe('done');
  });

  test('a delivery before the deadline cancels the expiry', () => {
    const { clock, actor } = submitted();
    clock.increment(48 * HOUR - 1);
    actor.send({ type: 'DELIVERED' });
    clock.increment(48 * HOUR);
    expect(actor.getSnapshot().value).toBe('DELIVERED');
  });

  test('nothing expires before submission', () => {
    const clock = new SimulatedClock();
    const actor = createActor(smsMachine, { clock, input: {} }).start();
    clock.increment(1000 * HOUR);
    expect(actor.getSnapshot().value).toBe('REGISTERED');
  });

  test('a custom validity period applies, to the millisecond', () => {
    const { clock, actor } = submitted({ validityMs: 90_000 });
    expect(actor.getSnapshot().context.validityMs).toBe(90_000);
    clock.increment(89_999);
    expect(actor.getSnapshot().value).toBe('SUBMITTED');
    clock.increment(1);
    expect(actor.getSnapshot().value).toBe('EXPIRED');
  });

  test('the absolute deadline is kept in context (it survives persistence, the timer does not)', () => {
    const [registered] = initialTransition(smsMachine, { validityMs: 5_000 });
    const at = Date.UTC(2026, 0, 1);
    const [snapshot] = transition(smsMachine, registered, { type: 'SUBMITTED', at: new Date(at).toISOString() });
    expect(snapshot.context).toEqual({ validityMs: 5_000, submittedAt: at, expiresAt: at + 5_000 });
    expect(smsMachine.getPersistedSnapshot(snapshot)).toMatchObject({ context: { expiresAt: at + 5_000 } });
  });

  test.each([0, -1, NaN, Infinity, -Infinity, '1000', null])('validityMs %p is refused', (validityMs) => {
    const [snapshot] = initialTransition(smsMachine, { validityMs: validityMs as number });
    expect(snapshot.status).toBe('error');
    expect(isLifecycleError(snapshot.error) && snapshot.error.code).toBe('invalid_argument');
  });

  test('a running actor reports the refusal to its error observer', () => {
    const actor = createActor(smsMachine, { input: { validityMs: -5 } });
    const errors: unknown[] = [];
    actor.subscribe({ error: (error) => errors.push(error) });
    actor.start();
    expect(errors).toHaveLength(1);
    expect((errors[0] as Error).message).toMatchInlineSnapshot(`"validityMs must be a positive finite number of milliseconds, got -5"`);
  });
});

describe('the SMS timer fires at the absolute deadline in context, as the tracker decides', () => {
  const T0 = Date.UTC(2026, 2, 1, 9, 0, 0);
  function clockAt(ms: number): SimulatedClock {
    const clock = new SimulatedClock();
    clock.set(ms);
    return clock;
  }

  test('SUBMITTED reported 47 h ago on a 48 h validity expires one hour later, like the tracker', () => {
    const clock = clockAt(T0);
    const actor = createActor(smsMachine, { clock, input: {} }).start();
    const tracker = createTracker('sms', { now: () => clock.now() });
    const report = { status: 'SUBMITTED', at: T0 - 47 * HOUR } as const;
    actor.send({ type: report.status, at: report.at });
    tracker.apply(report);
    expect(actor.getSnapshot().context.expiresAt).toBe(T0 + HOUR);
    expect(tracker.deadline).toBe(T0 + HOUR);
    clock.increment(HOUR - 1);
    tracker.expireIfDue();
    expect([actor.getSnapshot().value, tracker.status]).toEqual(['SUBMITTED', 'SUBMITTED']);
    clock.increment(1);
    tracker.expireIfDue();
    expect([actor.getSnapshot().value, tracker.status]).toEqual(['EXPIRED', 'EXPIRED']);
    clock.increment(HOUR);
    expect(actor.getSnapshot().value).toBe('EXPIRED');
  });

  test('a SUBMITTED report already past its deadline expires on the clock\'s next turn', () => {
    const clock = clockAt(T0);
    const actor = createActor(smsMachine, { clock, input: {} }).start();
    actor.send({ type: 'SUBMITTED', at: T0 - 49 * HOUR });
    clock.increment(0);
    expect(actor.getSnapshot().value).toBe('EXPIRED');
  });

  test('a SUBMITTED report from the future waits for its own deadline', () => {
    const clock = clockAt(T0);
    const actor = createActor(smsMachine, { clock, input: { validityMs: HOUR } }).start();
    actor.send({ type: 'SUBMITTED', at: T0 + HOUR });
    clock.increment(2 * HOUR - 1);
    expect(actor.getSnapshot().value).toBe('SUBMITTED');
    clock.increment(1);
    expect(actor.getSnapshot().value).toBe('EXPIRED');
  });

  test('a report time 30 days ahead does not expire at once on a real clock (setTimeout\'s 24.8-day limit)', async () => {
    const actor = createActor(smsMachine, { input: {} }).start();
    actor.send({ type: 'SUBMITTED', at: Date.now() + 30 * 24 * HOUR });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(actor.getSnapshot().value).toBe('SUBMITTED');
    actor.stop();
    expect(timeUntil(Date.now() + 40 * 24 * HOUR, undefined)).toBe(2 ** 31 - 1);
    expect(timeUntil(Date.now() - 1, undefined)).toBe(0);
  });

  test('without at, the deadline runs from the actor\'s clock, not the host\'s', () => {
    const clock = clockAt(T0);
    const actor = createActor(smsMachine, { clock, input: { validityMs: HOUR } }).start();
    actor.send({ type: 'SUBMITTED' });
    expect(actor.getSnapshot().context).toMatchObject({ submittedAt: T0, expiresAt: T0 + HOUR });
  });

  describe('a restored actor', () => {
    function persistedSubmitted(validityMs: number) {
      const clock = clockAt(T0);
      const actor = createActor(smsMachine, { clock, input: { validityMs } }).start();
      actor.send({ type: 'SUBMITTED' });
      return actor.getPersistedSnapshot();
    }

    test('xstate alone re-arms no timer (why resumeTimers exists)', () => {
      const clock = clockAt(T0 + 1000);
      const restored = createActor(smsMachine, { clock, input: {}, snapshot: persistedSubmitted(60_000) }).start();
      clock.increment(10 * HOUR);
      expect(restored.getSnapshot().value).toBe('SUBMITTED');
    });

    test('resumeTimers fires it at the persisted deadline, not a validity after the restore', () => {
      const clock = clockAt(T0 + 20_000);
      const restored = createActor(smsMachine, { clock, input: {}, snapshot: persistedSubmitted(60_000) }).start();
      expect(resumeTimers(restored)).toBe(1);
      expect(resumeTimers(restored)).toBe(0); // already armed: never twice
      clock.increment(40_000 - 1);
      expect(restored.getSnapshot().value).toBe('SUBMITTED');
      clock.increment(1);
      expect(restored.getSnapshot().value).toBe('EXPIRED');
    });

    test('a deadline that passed while it was stored fires on the clock\'s next turn', () => {
      const clock = clockAt(T0 + 5 * 60_000);
      const restored = createActor(smsMachine, { clock, input: {}, snapshot: persistedSubmitted(60_000) }).start();
      resumeTimers(restored);
      clock.increment(0);
      expect(restored.getSnapshot().value).toBe('EXPIRED');
    });

    test('a re-armed timer is cancelled by leaving the state, as xstate\'s own is', () => {
      const clock = clockAt(T0);
      const restored = createActor(smsMachine, { clock, input: {}, snapshot: persistedSubmitted(60_000) }).start();
      resumeTimers(restored);
      restored.send({ type: 'DELIVERED' });
      clock.increment(HOUR);
      expect(restored.getSnapshot().value).toBe('DELIVERED');
      expect(Object.keys(restored.system.getSnapshot()._scheduledEvents)).toEqual([]);
    });

    test('a done actor has nothing to re-arm; misuse throws invalid_argument', () => {
      const done = createActor(smsMachine, { input: {} }).start();
      done.send({ type: 'FAILED' });
      expect(resumeTimers(done)).toBe(0);
      const stopped = createActor(smsMachine, { input: {} }).start();
      stopped.send({ type: 'SUBMITTED' });
      stopped.stop();
      expect(resumeTimers(stopped)).toBe(0);
      const code = (f: () => unknown) => {
        try {
          f();
        } catch (error) {
          return isLifecycleError(error) ? error.code : 'other';
        }
        return 'none';
      };
      expect(code(() => resumeTimers(createActor(smsMachine, { input: {} })))).toBe('invalid_argument');
      expect(code(() => resumeTimers(createActor(fromPromise(async () => 1)).start()))).toBe('invalid_argument');
    });
  });
});

describe('custom channels keep their timers at an absolute deadline too', () => {
  const T0 = Date.UTC(2026, 2, 1);
  const pager = defineChannel({
    name: 'pager',
    statuses: {
      queued: { description: 'Waiting for the pager network.' },
      sent: { description: 'Handed to the pager network.' },
      read: { description: 'The pager showed it.', final: true },
      lost: { description: 'Never acknowledged in time.', final: true },
    },
    initial: 'queued',
    transitions: { queued: ['sent', 'lost'], sent: ['read', 'lost'] },
    timers: [
      { from: 'queued', to: 'lost', afterMs: 10 * HOUR },
      { from: 'sent', to: 'lost', afterMs: HOUR },
    ],
  });

  test.each([
    ['defineChannel', machineFor(pager), 'sent', 'lost', HOUR],
    ['a hand-written machine (test/support/channels.ts)', chatMachine, 'sent', 'expired', 24 * HOUR],
  ])('%s: a report with an old at expires at at + delay', (_, machine, timed, to, ms) => {
    const clock = new SimulatedClock();
    clock.set(T0);
    const actor = createActor(machine, { clock }).start();
    actor.send({ type: timed, at: T0 - ms + 10 });
    clock.increment(9);
    expect(actor.getSnapshot().value).toBe(timed);
    clock.increment(1);
    expect(actor.getSnapshot().value).toBe(to);
  });

  test('an initial status with a timer counts from the actor\'s start, and survives a restore', () => {
    const clock = new SimulatedClock();
    clock.set(T0);
    const actor = createActor(machineFor(pager), { clock }).start();
    expect(actor.getSnapshot().context.deadline).toBe(T0 + 10 * HOUR);
    const later = new SimulatedClock();
    later.set(T0 + 9 * HOUR);
    const restored = createActor(machineFor(pager), { clock: later, snapshot: actor.getPersistedSnapshot() }).start();
    resumeTimers(restored);
    later.increment(HOUR - 1);
    expect(restored.getSnapshot().value).toBe('queued');
    later.increment(1);
    expect(restored.getSnapshot().value).toBe('lost');
  });

  test('the deadline leaves the context with the status; the tables keep each timer\'s full delay', () => {
    const [start] = initialTransition(machineFor(pager));
    const [sent] = transition(machineFor(pager), start, { type: 'sent', at: T0 });
    expect(sent.context.deadline).toBe(T0 + HOUR);
    const [read] = transition(machineFor(pager), sent, { type: 'read' });
    expect(read.context.deadline).toBeNull();
    expect(pager.timers.map((t) => [t.delay, t.delayMs])).toEqual([['queued', 10 * HOUR], ['sent', HOUR]]);
    expect(chat.timers.map((t) => t.delayMs)).toEqual([24 * HOUR]);
  });
});

describe('e-mail counters', () => {
  test('attempts, opens and clicks count the repeated reports', () => {
    const events = ['DEFERRED', 'DEFERRED', 'DEFERRED', 'DELIVERED', 'OPEN', 'OPEN', 'CLICKED', 'CLICKED', 'CLICKED', 'CLICKED'] as const;
    let [snapshot] = initialTransition(emailMachine, undefined);
    expect(snapshot.context).toEqual({ attempts: 0, opens: 0, clicks: 0 });
    for (const type of events) [snapshot] = transition(emailMachine, snapshot, { type });
    expect(snapshot.value).toBe('CLICKED');
    expect(snapshot.context).toEqual({ attempts: 3, opens: 2, clicks: 4 });
  });

  test('a click straight after delivery counts a click, not an open', () => {
    let [snapshot] = initialTransition(emailMachine, undefined);
    for (const type of ['DELIVERED', 'CLICKED'] as const) [snapshot] = transition(emailMachine, snapshot, { type });
    expect(snapshot.context).toEqual({ attempts: 0, opens: 0, clicks: 1 });
  });

  test('ignored reports count nothing', () => {
    let [snapshot] = initialTransition(emailMachine, undefined);
    for (const type of ['DELIVERED', 'DEFERRED', 'DELIVERED', 'REJECTED'] as const) [snapshot] = transition(emailMachine, snapshot, { type });
    expect(snapshot.value).toBe('DELIVERED');
    expect(snapshot.context).toEqual({ attempts: 0, opens: 0, clicks: 0 });
  });
});
