import * as fc from 'fast-check';
import { STATUSES, applyStatus, createTracker, type StatusOf } from '../../src';
import { BUILT_IN, RUNS } from '../helpers/channels';

const anyReport = fc.oneof(fc.constantFrom(...STATUSES), fc.string(), fc.constant('__proto__'));

describe.each(BUILT_IN)('monotonicity on $channel', ({ channel, oracle }) => {
  type S = StatusOf<typeof channel>;
  test('under the tolerant policy the status only moves forward: never to a status from which the previous one is reachable', () => {
    fc.assert(
      fc.property(fc.array(anyReport, { maxLength: 30 }), (reports) => {
        let status = oracle.initial as S;
        for (const report of reports) {
          const result = applyStatus(channel, status, report);
          if (result.status !== status) {
            expect(result.outcome).toBe('applied');
            expect(oracle.reach(result.status, status)).toBe(false);
            expect(oracle.reach(status, result.status)).toBe(true);
          }
          status = result.status as S;
        }
      }),
      { numRuns: RUNS },
    );
  });

  test('a tracker never leaves a final status, whatever arrives', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ status: anyReport }), { maxLength: 30 }), (reports) => {
        const tracker = createTracker(channel, { now: () => 0 });
        let finalAt: string | undefined;
        for (const report of reports) {
          tracker.apply(report);
          if (finalAt !== undefined) expect(tracker.status).toBe(finalAt);
          if (oracle.final.has(tracker.status)) finalAt = tracker.status;
        }
      }),
      { numRuns: RUNS },
    );
  });
});
