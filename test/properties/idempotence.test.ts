import * as fc from 'fast-check';
import { createTracker, reconcile, type HistoryEntry } from '../../src';
import { webhookStreamArb } from '../../src/testing';
import { RUNS, UNDER_TEST } from '../support/channels';

const withoutIndex = (history: readonly HistoryEntry[]) => history.map(({ index: _index, ...rest }) => rest);

describe.each(UNDER_TEST)('idempotence on $name', ({ channel }) => {
  // A stream plus one of its events (with an id) repeated later: a provider retry.
  const retried = webhookStreamArb(channel)
    .filter(({ events }) => events.some((e) => e.id !== undefined))
    .chain(({ events }) =>
      fc.record({
        events: fc.constant(events),
        pick: fc.nat({ max: events.length - 1 }),
        offset: fc.nat({ max: events.length }),
      }),
    )
    .map(({ events, pick, offset }) => {
      const withIds = events.map((e, i) => (e.id === undefined ? { ...e, id: `x${i}` } : e));
      const at = Math.min(withIds.length, pick + 1 + offset);
      return { once: withIds, twice: [...withIds.slice(0, at), withIds[pick], ...withIds.slice(at)] };
    });

  test('reconcile: an event applied twice with the same id is the same as once', () => {
    fc.assert(
      fc.property(retried, ({ once, twice }) => {
        const a = reconcile(channel, once);
        const b = reconcile(channel, twice);
        expect(b.status).toBe(a.status);
        expect(withoutIndex(b.history)).toEqual(withoutIndex(a.history));
        expect(b.ignored.length).toBe(a.ignored.length + 1);
      }),
      { numRuns: RUNS },
    );
  });

  test('tracker: an event applied twice with the same id is the same as once, counters included', () => {
    fc.assert(
      fc.property(retried, ({ once, twice }) => {
        const a = createTracker(channel, { now: () => 0 });
        const b = createTracker(channel, { now: () => 0 });
        once.forEach((e) => a.apply(e));
        twice.forEach((e) => b.apply(e));
        expect(b.status).toBe(a.status);
        expect(b.counts).toEqual(a.counts);
        expect(withoutIndex(b.history)).toEqual(withoutIndex(a.history));
      }),
      { numRuns: RUNS },
    );
  });
});
