import { DEFAULT_SMS_VALIDITY_MS, createTracker, reconcile, restoreTracker } from '../../src';

const T0 = Date.UTC(2026, 2, 1, 9, 0, 0);
const H48 = 48 * 3_600_000;

function smsAt(clock: { now: number }, validityMs?: number) {
  return createTracker('sms', { now: () => clock.now, ...(validityMs === undefined ? {} : { validityMs }) });
}

describe('SMS validity: the network never reports, then a delivery receipt arrives late', () => {
  test('the default validity is 48 hours from the SUBMITTED report', () => {
    expect(DEFAULT_SMS_VALIDITY_MS).toBe(H48);
    const clock = { now: T0 };
    const t = smsAt(clock);
    t.apply({ status: 'SUBMITTED', id: 'sub', at: new Date(T0).toISOString() });
    expect(t.deadline).toBe(T0 + H48);
    expect(t.expireIfDue(T0 + H48 - 1)).toBe(false);
    expect(t.status).toBe('SUBMITTED');
    expect(t.expireIfDue(T0 + H48)).toBe(true);
    expect(t.status).toBe('EXPIRED');
    expect(t.history.at(-1)).toEqual({ status: 'EXPIRED', from: 'SUBMITTED', implied: false, at: T0 + H48, index: 1, timer: true });
    expect(t.deadline).toBeUndefined();
    expect(t.expireIfDue(T0 + 2 * H48)).toBe(false);
  });

  test('decision: once expired, a late delivery receipt is rejected as from_final and EXPIRED stays; its retries are duplicates', () => {
    const clock = { now: T0 };
    const t = smsAt(clock);
    t.apply({ status: 'SUBMITTED', id: 'sub' });
    clock.now = T0 + H48 + 5 * 60_000;
    expect(t.expireIfDue()).toBe(true);
    const late = t.apply({ status: 'DELIVERED', id: 'dlr-1', at: T0 + H48 - 60_000 });
    expect(late).toMatchObject({ outcome: 'rejected', code: 'from_final', status: 'EXPIRED' });
    expect(t.status).toBe('EXPIRED');
    expect(t.apply({ status: 'DELIVERED', id: 'dlr-1' })).toMatchObject({ outcome: 'ignored', code: 'duplicate' });
    // The history says the expiry was our own timer, not a report.
    expect(t.history.map((e) => [e.status, e.timer ?? false])).toEqual([['SUBMITTED', false], ['EXPIRED', true]]);
  });

  test('the clock decides, not who calls first: a receipt after the deadline finds the message already expired', () => {
    const clock = { now: T0 };
    const t = smsAt(clock, 3_600_000);
    t.apply({ status: 'SUBMITTED', id: 'sub' });
    clock.now = T0 + 3_600_000; // nobody called expireIfDue
    expect(t.apply({ status: 'DELIVERED', id: 'dlr' })).toMatchObject({ outcome: 'rejected', code: 'from_final' });
    expect(t.history.map((e) => e.status)).toEqual(['SUBMITTED', 'EXPIRED']);
    expect(t.history[1]).toMatchObject({ timer: true, at: T0 + 3_600_000, index: 1 });
  });

  test('a receipt before the deadline is applied and nothing expires afterwards', () => {
    const clock = { now: T0 };
    const t = smsAt(clock, 3_600_000);
    t.apply({ status: 'SUBMITTED' });
    clock.now = T0 + 3_600_000 - 1;
    expect(t.apply({ status: 'DELIVERED' }).outcome).toBe('applied');
    expect(t.expireIfDue(T0 + 10 * 3_600_000)).toBe(false);
    expect(t.status).toBe('DELIVERED');
  });

  test('the network may report EXPIRED itself before our deadline; the timer then has nothing to do', () => {
    const clock = { now: T0 };
    const t = smsAt(clock);
    t.apply({ status: 'SUBMITTED' });
    expect(t.apply({ status: 'EXPIRED', id: 'smsc-expired' }).outcome).toBe('applied');
    expect(t.history.at(-1)?.timer).toBeUndefined();
    expect(t.expireIfDue(T0 + 3 * H48)).toBe(false);
  });

  test('the deadline survives a save and restore (an xstate persisted snapshot would lose its after timer)', () => {
    const clock = { now: T0 };
    const t = smsAt(clock, 60_000);
    t.apply({ status: 'SUBMITTED', at: T0 });
    const restored = restoreTracker(JSON.stringify(t), { now: () => clock.now });
    expect(restored.deadline).toBe(T0 + 60_000);
    clock.now = T0 + 60_000;
    expect(restored.expireIfDue()).toBe(true);
    expect(restored.status).toBe('EXPIRED');
  });

  test('a SUBMITTED report without a time starts the validity at the clock', () => {
    const clock = { now: T0 + 1234 };
    const t = smsAt(clock, 1000);
    t.apply({ status: 'SUBMITTED' });
    expect(t.deadline).toBe(T0 + 2234);
  });

  test('reconcile, which has no clock, treats a late receipt after a reported EXPIRED the same way', () => {
    const result = reconcile('sms', [{ status: 'SUBMITTED' }, { status: 'EXPIRED' }, { status: 'DELIVERED' }]);
    expect(result.status).toBe('EXPIRED');
    expect(result.rejected.map((r) => r.code)).toEqual(['from_final']);
  });
});

test('SMS: a late SUBMITTED after DELIVERED is ignored', () => {
  const t = createTracker('sms', { now: () => T0 });
  expect(t.apply({ status: 'DELIVERED' })).toMatchObject({ outcome: 'applied', implied: ['SUBMITTED'] });
  expect(t.apply({ status: 'SUBMITTED' })).toMatchObject({ outcome: 'ignored', code: 'stale' });
  expect(t.status).toBe('DELIVERED');
  expect(t.deadline).toBeUndefined();
});
