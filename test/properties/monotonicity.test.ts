import * as fc from 'fast-check';
import { applyStatus, createTracker } from '../../src';
import { RUNS, UNDER_TEST } from '../support/channels';

describe.each(UNDER_TEST)('monotonicity on $name', ({ channel, oracle, words }) => {
  const anyReport = fc.oneof(fc.constantFrom(...words), fc.string(), fc.constant('__proto__'));
  test('under the tolerant policy the status only moves forward: never to a status from which the previous one is reachable', () => {
    fc.assert(
      fc.property(fc.array(anyReport, { maxLength: 30 }), (reports) => {
        let status = oracle.initial;
        for (const report of reports) {
          const result = applyStatus(channel, status, report);
          if (result.status !== status) {
            expect(result.outcome).toBe('applied');
            expect(oracle.reach(result.status, status)).toBe(false);
            expect(oracle.reach(status, result.status)).toBe(true);
          }
          status = result.status;
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
