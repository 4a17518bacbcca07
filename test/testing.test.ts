import * as fc from 'fast-check';
import { arrivalOrderArb, legalPathArb, statusArb, webhookStreamArb } from '../src/testing';
import { RUNS, UNDER_TEST } from './support/channels';

describe.each(UNDER_TEST)('delivery-lifecycle/testing on $name', ({ channel, oracle, words }) => {
  test('statusArb yields exactly the statuses the machine can be in', () => {
    const seen = new Set<string>();
    fc.assert(
      fc.property(statusArb(channel), (s) => {
        seen.add(s);
        expect(oracle.statuses).toContain(s);
      }),
      { numRuns: RUNS },
    );
    expect([...seen].sort()).toEqual([...oracle.statuses].sort());
  });

  test('legalPathArb yields paths the xstate machine accepts step by step, and stops only where allowed', () => {
    fc.assert(
      fc.property(legalPathArb(channel), (path) => {
        let at = oracle.initial;
        for (const s of path) {
          expect(oracle.can(at, s)).toBe(true);
          at = s;
        }
        expect(() => oracle.snapshotAfter(path)).not.toThrow();
      }),
      { numRuns: RUNS },
    );
  });

  test('legalPathArb reaches every final status that can be reported (not those only a timer reaches)', () => {
    const ends = new Set(fc.sample(legalPathArb(channel), { numRuns: 2000, seed: 7 }).map((p) => p.at(-1)));
    const reportable = [...oracle.final].filter((f) => oracle.statuses.some((s) => s !== f && oracle.can(s, f)));
    expect(reportable.length).toBeGreaterThan(0);
    for (const f of reportable) expect(ends).toContain(f);
  });

  test('arrivalOrderArb keeps every report, adds only copies, and gives distinct reports distinct ids', () => {
    fc.assert(
      fc.property(
        legalPathArb(channel).chain((path) => arrivalOrderArb(path).map((events) => ({ path, events }))),
        ({ path, events }) => {
          expect(events.length).toBeGreaterThanOrEqual(path.length);
          const byId = new Map<string, string>();
          for (const e of events) {
            expect(path).toContain(e.status);
            if (e.id !== undefined) {
              expect(byId.get(e.id) ?? e.status).toBe(e.status);
              byId.set(e.id, e.status);
            }
          }
          const counts = (xs: readonly string[]) => words.map((s) => xs.filter((x) => x === s).length);
          counts(events.map((e) => e.status)).forEach((n, i) => expect(n).toBeGreaterThanOrEqual(counts(path)[i]));
        },
      ),
      { numRuns: RUNS },
    );
  });

  test('webhookStreamArb names the last status of its path', () => {
    fc.assert(
      fc.property(webhookStreamArb(channel), ({ path, last }) => {
        expect(last).toBe(path.length ? path[path.length - 1] : oracle.initial);
      }),
      { numRuns: RUNS },
    );
  });
});

test('arrivalOrderArb produces repeated ids and shuffles', () => {
  const samples = fc.sample(arrivalOrderArb(['DELIVERED', 'OPEN', 'CLICKED']), { numRuns: 300, seed: 1 });
  expect(samples.some((events) => new Set(events.map((e) => e.id).filter(Boolean)).size < events.filter((e) => e.id).length)).toBe(true);
  expect(samples.some((events) => events[0].status !== 'DELIVERED')).toBe(true);
});
