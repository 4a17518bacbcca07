import * as fc from 'fast-check';
import { SimulatedClock, createActor, type AnyActor, type AnyStateMachine } from 'xstate';
import { createTracker, restoreTracker, resumeTimers, type CompiledLifecycle, type Tracker } from '../../src';
import { defineChannel, machineFor } from '../../src/machines';
import { RUNS, UNDER_TEST } from '../support/channels';
import { oracleFor } from '../support/oracle';

// The machines run as actors, timers and all, on a simulated clock, next to a
// strict tracker (the machine takes only legal transitions, as the strict
// policy does) on the same clock. Events come with and without `at`, in the
// past and the future (some as zoneless ISO text, UTC by the library's rule),
// interleaved with clock steps that often land a millisecond before, on or
// after the tracker's deadline, and with save/restore of both.

const START = Date.UTC(2026, 0, 1);
const HOUR = 3_600_000;
const VALIDITY = HOUR;

type Step =
  | { readonly kind: 'event'; readonly status: string; readonly at?: { readonly offset: number; readonly text: boolean } }
  | { readonly kind: 'tick'; readonly ms: number }
  | { readonly kind: 'toDeadline'; readonly delta: -1 | 0 | 1 }
  | { readonly kind: 'restore' };

function iso(ms: number): string {
  // Zoneless on purpose: the library reads it as UTC on every host.
  return new Date(ms).toISOString().replace('Z', '');
}

// A defineChannel channel whose initial status has a timer too, besides a later one.
const pager = defineChannel({
  name: 'pager',
  statuses: {
    queued: { description: 'Waiting for the pager network.' },
    sent: { description: 'Handed to the pager network.' },
    seen: { description: 'Shown on the pager; shown again counts.' },
    lost: { description: 'Never acknowledged in time.', final: true },
  },
  initial: 'queued',
  transitions: { queued: ['sent', 'lost'], sent: ['seen', 'lost'], seen: ['seen'] },
  timers: [
    { from: 'queued', to: 'lost', afterMs: 10 * HOUR },
    { from: 'sent', to: 'lost', afterMs: HOUR },
  ],
});
const CHANNELS = [...UNDER_TEST, { name: 'pager (defineChannel)', channel: pager, oracle: oracleFor(machineFor(pager)), words: pager.vocabulary }];

describe.each(CHANNELS)('actors on a SimulatedClock agree with the tracker on $name', ({ name, channel, oracle, words }) => {
  const machine: AnyStateMachine = machineFor(channel);
  const input = name === 'sms' ? { validityMs: VALIDITY } : undefined;
  const trackerOptions = name === 'sms' ? { validityMs: VALIDITY } : {};
  const channels = typeof channel === 'string' ? [] : [channel as CompiledLifecycle];
  // Offsets of `at` from the clock's now: far past (already expired), recent past, now, future.
  const offset = fc.oneof(
    fc.integer({ min: -3 * 24 * HOUR, max: 3 * 24 * HOUR }),
    fc.integer({ min: -2 * HOUR, max: 2 * HOUR }),
    fc.constantFrom(0, -VALIDITY, -VALIDITY + 1, -24 * HOUR, -24 * HOUR + 1),
  );
  const step: fc.Arbitrary<Step> = fc.oneof(
    { weight: 6, arbitrary: fc.record({ kind: fc.constant('event' as const), status: fc.oneof({ weight: 9, arbitrary: fc.constantFrom(...words) }, { weight: 1, arbitrary: fc.constant('bogus') }), at: fc.option(fc.record({ offset, text: fc.boolean() }), { nil: undefined }) }, { requiredKeys: ['kind', 'status'] }) },
    { weight: 3, arbitrary: fc.record({ kind: fc.constant('tick' as const), ms: fc.oneof(fc.integer({ min: 0, max: 2 * HOUR }), fc.integer({ min: 0, max: 2 * 24 * HOUR })) }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('toDeadline' as const), delta: fc.constantFrom(-1 as const, 0 as const, 1 as const) }) },
    { weight: 1, arbitrary: fc.constant({ kind: 'restore' as const }) },
  );

  test('status always in the catalog, finals stick, and the actor is where the tracker is after every step', () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 30 }), (steps) => {
        const clock = new SimulatedClock();
        clock.set(START);
        let actor: AnyActor = createActor(machine, { clock, input }).start();
        let tracker: Tracker = createTracker(channel, { policy: 'strict', now: () => clock.now(), ...trackerOptions });
        let finalSeen: string | undefined;
        const check = (label: string) => {
          tracker.expireIfDue();
          const snapshot = actor.getSnapshot() as { value: unknown; status: string };
          const status = String(snapshot.value);
          expect({ label, status, inCatalog: oracle.statuses.includes(status) }).toEqual({ label, status, inCatalog: true });
          expect({ label, actor: status }).toEqual({ label, actor: tracker.status });
          if (finalSeen !== undefined) expect({ label, status }).toEqual({ label, status: finalSeen });
          if (oracle.final.has(status)) {
            expect(snapshot.status).toBe('done');
            finalSeen = status;
          }
        };
        check('start');
        steps.forEach((s, i) => {
          if (s.kind === 'event') {
            const at = s.at === undefined ? undefined : clock.now() + s.at.offset;
            const when = at === undefined || s.at === undefined ? undefined : s.at.text ? iso(at) : at;
            const event = when === undefined ? { type: s.status } : { type: s.status, at: when };
            actor.send(event);
            tracker.apply(when === undefined ? { status: s.status } : { status: s.status, at: when });
            // A delayed transition never fires inside the send that schedules it: give
            // the clock its next turn, at the same instant, so a past deadline fires.
            clock.increment(0);
          } else if (s.kind === 'tick') {
            clock.increment(s.ms);
          } else if (s.kind === 'toDeadline') {
            const deadline = tracker.deadline;
            if (deadline !== undefined && deadline + s.delta > clock.now()) clock.set(deadline + s.delta);
          } else {
            const saved = actor.getPersistedSnapshot();
            actor.stop();
            actor = createActor(machine, { clock, input, snapshot: JSON.parse(JSON.stringify(saved)) as never }).start();
            resumeTimers(actor);
            clock.increment(0);
            tracker = restoreTracker(JSON.stringify(tracker), { now: () => clock.now(), channels });
          }
          check(`step ${i}: ${JSON.stringify(s)}`);
        });
        actor.stop();
      }),
      { numRuns: RUNS },
    );
  });
});
