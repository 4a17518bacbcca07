import type { Tracker } from '../../src';
import type { Oracle } from './oracle';

/**
 * Asserts, from the xstate-derived oracle alone, that a tracker is legal: its
 * history is a path the machine can take from its initial status (timer steps
 * only where the machine has a timer, a report standing alone only as a legal
 * step or as the one timer step of its status, implied runs exactly a shortest
 * path of reported and timed steps to the early report), it ends at the
 * current status, and the counts tally it.
 */
export function expectLegalTracker(tracker: Tracker, oracle: Oracle): void {
  expect(oracle.statuses).toContain(tracker.status);
  let at = oracle.initial;
  let runFrom: string | undefined;
  const implied: string[] = [];
  const counts: Record<string, number> = Object.fromEntries(oracle.statuses.map((s) => [s, 0]));
  for (const e of tracker.history) {
    expect(e.from).toBe(at);
    if (e.timer) expect(oracle.timers.get(at)).toBe(e.status);
    // Any other step is a legal one or the timer's (the machine gets there by time): inside an implied
    // run, or a report standing alone whose shortest path is that one timer step, so nothing is implied.
    else expect(oracle.can(at, e.status) || oracle.timers.get(at) === e.status).toBe(true);
    if (e.implied) {
      runFrom ??= at;
      implied.push(e.status);
    } else if (runFrom !== undefined) {
      expect(oracle.can(runFrom, e.status)).toBe(false);
      expect(oracle.between(runFrom, e.status)).toEqual(implied);
      runFrom = undefined;
      implied.length = 0;
    }
    counts[e.status]++;
    at = e.status;
  }
  expect(runFrom).toBeUndefined();
  expect(tracker.status).toBe(at);
  expect(tracker.counts).toEqual(counts);
}
