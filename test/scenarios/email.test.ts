import { createTracker, reconcile } from '../../src';

// Expectations written from LIFECYCLE.md and the providers' documented behaviour.
const T0 = Date.UTC(2026, 2, 1, 9, 0, 0);

describe('e-mail scenarios from documented provider behaviour', () => {
  test('an open that arrives before delivered: OPEN, with DELIVERED implied; the late delivered is ignored as stale', () => {
    const result = reconcile('email', [
      { status: 'OPEN', id: 'open-1', at: T0 + 60_000 },
      { status: 'DELIVERED', id: 'dlv-1', at: T0 },
    ]);
    expect(result.status).toBe('OPEN');
    expect(result.history).toEqual([
      { status: 'DELIVERED', from: 'SUBMITTED', implied: true, index: 0 },
      { status: 'OPEN', from: 'DELIVERED', implied: false, index: 0, id: 'open-1', at: T0 + 60_000 },
    ]);
    expect(result.ignored.map((i) => [i.index, i.code])).toEqual([[1, 'stale']]);

    const tracker = createTracker('email', { now: () => T0 });
    expect(tracker.apply({ status: 'OPEN', id: 'open-1' })).toMatchObject({ outcome: 'applied', code: 'skipped', implied: ['DELIVERED'] });
    expect(tracker.apply({ status: 'DELIVERED', id: 'dlv-1' })).toMatchObject({ outcome: 'ignored', code: 'stale', status: 'OPEN' });
    expect([tracker.status, tracker.opens]).toEqual(['OPEN', 1]);
  });

  test('a late submitted after delivered changes nothing', () => {
    const tracker = createTracker('email', { now: () => T0 });
    tracker.apply({ status: 'DELIVERED', id: 'd' });
    expect(tracker.apply({ status: 'SUBMITTED', id: 's' })).toMatchObject({ outcome: 'ignored', code: 'stale' });
    expect(tracker.status).toBe('DELIVERED');
  });

  test('SES: an asynchronous bounce after delivery makes it UNDELIVERABLE; a late Delivery after the bounce is ignored', () => {
    expect(reconcile('email', [{ status: 'SUBMITTED' }, { status: 'DELIVERED' }, { status: 'UNDELIVERABLE' }]).status).toBe('UNDELIVERABLE');
    const tracker = createTracker('email', { now: () => T0 });
    expect(tracker.apply({ status: 'DELIVERED', id: 'ses-delivery' }).outcome).toBe('applied');
    expect(tracker.apply({ status: 'UNDELIVERABLE', id: 'ses-bounce' })).toMatchObject({ outcome: 'applied', from: 'DELIVERED', implied: [] });
    // The same bounce first, then the Delivery notification arriving late.
    const late = reconcile('email', [{ status: 'UNDELIVERABLE', id: 'ses-bounce' }, { status: 'DELIVERED', id: 'ses-delivery' }]);
    expect(late.status).toBe('UNDELIVERABLE');
    expect(late.ignored.map((i) => i.code)).toEqual(['stale']);
  });

  test('a deferral retried three times, then delivered: attempts = 3', () => {
    const tracker = createTracker('email', { now: () => T0 });
    for (const id of ['def-1', 'def-2', 'def-3']) expect(tracker.apply({ status: 'DEFERRED', id }).outcome).toBe('applied');
    tracker.apply({ status: 'DELIVERED', id: 'dlv' });
    expect(tracker.status).toBe('DELIVERED');
    expect(tracker.attempts).toBe(3);
    expect(tracker.history.map((e) => e.status)).toEqual(['DEFERRED', 'DEFERRED', 'DEFERRED', 'DELIVERED']);
    // A deferral reported after the delivery is late and not counted.
    expect(tracker.apply({ status: 'DEFERRED', id: 'def-4' })).toMatchObject({ outcome: 'ignored', code: 'stale' });
    expect(tracker.attempts).toBe(3);
  });

  test('SendGrid: every event delivered twice with the same sg_event_id counts once', () => {
    const sendgrid = [
      { status: 'SUBMITTED', id: 'sg-processed' },
      { status: 'DEFERRED', id: 'sg-deferred' },
      { status: 'DELIVERED', id: 'sg-delivered' },
      { status: 'OPEN', id: 'sg-open' },
      { status: 'CLICKED', id: 'sg-click' },
    ];
    const doubled = sendgrid.flatMap((e) => [e, { ...e }]);
    const tracker = createTracker('email', { now: () => T0 });
    const outcomes = doubled.map((e) => tracker.apply(e));
    expect(tracker.status).toBe('CLICKED');
    expect([tracker.attempts, tracker.opens, tracker.clicks]).toEqual([1, 1, 1]);
    // Every second copy is a duplicate by id, whatever its status.
    expect(outcomes.filter((_, i) => i % 2 === 1).map((o) => [o.outcome, o.code])).toEqual(sendgrid.map(() => ['ignored', 'duplicate']));
    // The first SUBMITTED repeats the initial status: a duplicate by status.
    expect(outcomes[0]).toMatchObject({ outcome: 'ignored', code: 'duplicate' });
    expect(reconcile('email', doubled).history.map((e) => e.status)).toEqual(tracker.history.map((e) => e.status));
  });
});
