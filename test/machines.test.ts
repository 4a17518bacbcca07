import { SimulatedClock, createActor, initialTransition, transition } from 'xstate';
import { DEFAULT_SMS_VALIDITY_MS, emailMachine, isLifecycleError, machineFor, smsMachine } from '../src';
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
