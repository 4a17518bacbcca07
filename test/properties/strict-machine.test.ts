import * as fc from 'fast-check';
import { transition } from 'xstate';
import { applyStatus, createTracker } from '../../src';
import { machineFor } from '../../src/machines';
import { RUNS, UNDER_TEST } from '../support/channels';

// The oracle is xstate itself (snapshot.can + transition), not our tables.
describe.each(UNDER_TEST)('strict = machine on $name', ({ channel, oracle, words }) => {
  const machine = machineFor(channel);
  const events = fc.array(fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...words) }, { weight: 1, arbitrary: fc.string() }), { maxLength: 25 });

  test('applyStatus strict accepts exactly the events the xstate machine accepts, and lands where it lands', () => {
    fc.assert(
      fc.property(events, (types) => {
        let snap = oracle.snapshotAfter([]);
        let status = oracle.initial;
        for (const type of types) {
          const accepted = snap.can({ type });
          const result = applyStatus(channel, status, type, { policy: 'strict' });
          expect(result.outcome === 'applied').toBe(accepted);
          if (accepted) [snap] = transition(machine, snap, { type });
          status = result.status;
          expect(status).toBe(snap.value);
        }
      }),
      { numRuns: RUNS },
    );
  });

  test('a strict tracker keeps the machine counters (attempts, opens, clicks) where the machine has them', () => {
    fc.assert(
      fc.property(events, (types) => {
        let snap = oracle.snapshotAfter([]);
        const tracker = createTracker(channel, { policy: 'strict', now: () => 0 });
        for (const type of types) {
          if (snap.can({ type })) [snap] = transition(machine, snap, { type });
          tracker.apply({ status: type });
        }
        expect(tracker.status).toBe(snap.value);
        const context = snap.context as Record<string, unknown>;
        for (const counter of ['attempts', 'opens', 'clicks'] as const) {
          if (counter in context) expect(tracker[counter]).toBe(context[counter]);
        }
      }),
      { numRuns: RUNS },
    );
  });
});
