import * as fc from 'fast-check';
import { isLifecycleError } from '../src';
import { TIME_QUALITIES, arrivalOrderArb, legalPathArb, statusArb, webhookStreamArb, type WebhookEvent } from '../src/testing';
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

  test('arrivalOrderArb keeps every report and adds only copies; one id is one report', () => {
    fc.assert(
      fc.property(
        legalPathArb(channel).chain((path) => arrivalOrderArb(path).map((events) => ({ path, events }))),
        ({ path, events }) => {
          expect(events.length).toBeGreaterThanOrEqual(path.length);
          const byId = new Map<string, WebhookEvent>();
          for (const e of events) {
            expect(path).toContain(e.status);
            if (e.id !== undefined) {
              // Every event carrying an id is a copy of one report: same status, same time.
              expect(e).toEqual(byId.get(e.id) ?? e);
              byId.set(e.id, e);
            }
          }
          // Never more distinct ids for a status than reports of it on the path.
          for (const s of new Set(path)) {
            const ids = new Set(events.filter((e) => e.status === s && e.id !== undefined).map((e) => e.id));
            expect(ids.size).toBeLessThanOrEqual(path.filter((p) => p === s).length);
          }
          const counts = (xs: readonly string[]) => words.map((s) => xs.filter((x) => x === s).length);
          counts(events.map((e) => e.status)).forEach((n, i) => expect(n).toBeGreaterThanOrEqual(counts(path)[i]));
        },
      ),
      { numRuns: RUNS },
    );
  });

  test('with every original carrying an id, distinct reports get distinct ids (two DEFERRED are two ids)', () => {
    fc.assert(
      fc.property(
        legalPathArb(channel).chain((path) => arrivalOrderArb(path, { idless: false }).map((events) => ({ path, events }))),
        ({ path, events }) => {
          // Only copies come without an id.
          expect(events.filter((e) => e.id === undefined).length).toBeLessThanOrEqual(events.length - path.length);
          for (const s of new Set(path)) {
            const own = new Set(events.filter((e) => e.status === s && e.id !== undefined).map((e) => e.id));
            expect({ status: s, ids: own.size }).toEqual({ status: s, ids: path.filter((p) => p === s).length });
          }
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

describe('arrivalOrderArb times are what providers send, not a guide to the order', () => {
  const path = ['DELIVERED', 'OPEN', 'OPEN', 'CLICKED', 'CLICKED'] as const;
  const samples = fc.sample(arrivalOrderArb(path, { maxRepeats: 0, idless: false }), { numRuns: 400, seed: 3 });
  // With maxRepeats 0 and ids on every report, an id names the path position: evt-<i>.
  const position = (e: WebhookEvent) => Number(e.id?.slice(4));
  const timed = (events: readonly WebhookEvent[]) => events.filter((e) => e.at !== undefined).sort((a, b) => position(a) - position(b));

  test('some streams have times that contradict the true order', () => {
    expect(samples.some((events) => timed(events).some((e, i, xs) => i > 0 && (e.at as number) < (xs[i - 1].at as number)))).toBe(true);
  });

  test('some have coarse times: several reports at one instant', () => {
    expect(samples.some((events) => new Set(timed(events).map((e) => e.at)).size < timed(events).length)).toBe(true);
  });

  test('some have no times at all, some have a few missing', () => {
    expect(samples.some((events) => events.every((e) => e.at === undefined))).toBe(true);
    expect(samples.some((events) => events.some((e) => e.at === undefined) && events.some((e) => e.at !== undefined))).toBe(true);
  });

  test('times: restricts the kinds drawn; a bad list is refused', () => {
    for (const events of fc.sample(arrivalOrderArb(path, { times: ['ordered'] }), { numRuns: 50, seed: 4 })) {
      const ordered = timed([...new Map(events.filter((e) => e.id !== undefined).map((e) => [e.id, e])).values()]);
      expect(ordered.every((e, i, xs) => i === 0 || (e.at as number) > (xs[i - 1].at as number))).toBe(true);
    }
    for (const times of [[], ['sometimes'], 'ordered']) {
      let code: unknown;
      try {
        arrivalOrderArb(path, { times: times as never });
      } catch (error) {
        code = isLifecycleError(error) ? error.code : error;
      }
      expect(code).toBe('invalid_argument');
    }
    expect(TIME_QUALITIES).toEqual(['ordered', 'disordered', 'coarse', 'missing', 'mixed']);
  });
});
