import * as fc from 'fast-check';
import { createTracker, reconcile } from '../../src';
import { webhookStreamArb } from '../../src/testing';
import { RUNS, UNDER_TEST } from '../support/channels';

// LIFECYCLE.md: for any legal path, any arrival order of its reports, with
// repeats, must end at the path's last status under the tolerant rule.
describe.each(UNDER_TEST)('convergence on $name', ({ channel, oracle }) => {
  test('the tolerant fold ends at the last status of the path, whatever the arrival order', () => {
    fc.assert(
      fc.property(webhookStreamArb(channel), ({ path, events }) => {
        const expected = path.length === 0 ? oracle.initial : path[path.length - 1];
        const result = reconcile(channel, events);
        expect(result.status).toBe(expected);
        expect(result.rejected).toEqual([]);
        // The history it records is itself a path the machine accepts.
        let at = oracle.initial;
        for (const e of result.history) {
          expect(e.from).toBe(at);
          expect(oracle.can(at, e.status)).toBe(true);
          at = e.status;
        }
      }),
      { numRuns: RUNS },
    );
  });

  test('a tracker fed the same events ends at the same status and history', () => {
    fc.assert(
      fc.property(webhookStreamArb(channel), ({ path, events }) => {
        const tracker = createTracker(channel, { now: () => 0 });
        for (const e of events) tracker.apply(e);
        expect(tracker.status).toBe(path.length === 0 ? oracle.initial : path[path.length - 1]);
        expect(tracker.history).toEqual(reconcile(channel, events).history);
      }),
      { numRuns: RUNS },
    );
  });
});
