import fc from 'fast-check';
import { initialTransition, transition } from 'xstate';
import { getShortestPaths } from 'xstate/graph';
import { canTransition, checkTransition, type TransitionResult } from '../../src';
import { ADVERSARIAL } from '../support/adversarial';
import { APPLICABLE, CATALOG } from '../support/lifecycle-md';
import { CHANNEL_NAMES, MACHINES, classify, distances, oracleFor } from '../support/oracle';

/** Reported statuses, garbage strings and the adversarial set, mixed. */
const anyEvent = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...CATALOG) },
  { weight: 2, arbitrary: fc.string() },
  { weight: 1, arbitrary: fc.constantFrom(...ADVERSARIAL.filter((a): a is string => typeof a === 'string')) },
  { weight: 1, arbitrary: fc.constantFrom(...CATALOG).map((s) => s.toLowerCase()) },
);

describe.each(CHANNEL_NAMES)('%s machine', (channel) => {
  const machine = MACHINES[channel];
  const oracle = oracleFor(machine);
  const applicable: readonly string[] = APPLICABLE[channel];

  test('random event sequences stay in the catalog and never leave a final status', () => {
    fc.assert(
      fc.property(fc.array(anyEvent, { maxLength: 40 }), (events) => {
        let [snapshot] = initialTransition(machine, undefined);
        let finalAt: string | undefined;
        for (const type of events) {
          const previous = snapshot;
          const before = snapshot.value as string;
          [snapshot] = transition(machine, snapshot, { type } as never);
          const now = snapshot.value;
          expect(typeof now).toBe('string');
          expect(applicable).toContain(now);
          if (finalAt !== undefined) expect(now).toBe(finalAt);
          if (snapshot.status === 'done') finalAt ??= now as string;
          // canTransition says yes exactly when the machine took the event as a transition.
          const accepted = previous.can({ type } as never) && now === type;
          expect(canTransition(channel, before, type)).toBe(accepted);
        }
      }),
      { numRuns: 500 },
    );
  });

  test('every applicable status is reachable from the initial one', () => {
    const dist = distances(oracle.step, oracle.initial);
    expect([...dist.keys()].sort()).toEqual([...applicable].sort());
  });

  test("xstate/graph's shortest paths reach the same statuses, as far as checkTransition says", () => {
    const paths: { state: { value: unknown }; steps: unknown[] }[] = getShortestPaths(machine as never, {
      events: CATALOG.map((type) => ({ type })),
      input: {},
      // Counters and timestamps make every snapshot distinct; the status is what matters here.
      serializeState: (snapshot: { value: unknown }) => JSON.stringify(snapshot.value),
    } as never);
    const found = new Map(paths.map((path) => [path.state.value as string, path.steps.length - 1]));
    expect([...found.keys()].sort()).toEqual([...applicable].sort());
    for (const [status, length] of found) {
      if (length === 0) continue;
      const result = checkTransition(channel, oracle.initial, status);
      const expected = length === 1 ? { ok: true } : { ok: false, code: 'skipped', implied: expect.any(Array) };
      expect(result).toMatchObject(expected);
      if (!result.ok && result.code === 'skipped') expect(result.implied).toHaveLength(length - 1);
    }
  });

  test('every non-final status has a way out (a counted repeat included), every final one none', () => {
    for (const status of oracle.statuses) {
      const out = [...(oracle.step.get(status) as ReadonlySet<string>), ...CATALOG.filter((to) => oracle.can(status, to))];
      if (oracle.final.has(status)) expect({ status, out }).toEqual({ status, out: [] });
      else expect({ status, ways: out.length > 0 }).toEqual({ status, ways: true });
    }
  });

  test('canTransition agrees with xstate on every (from, to) pair of the catalog', () => {
    let legal = 0;
    for (const from of CATALOG) {
      for (const to of CATALOG) {
        const expected = oracle.can(from, to);
        if (expected) legal++;
        expect({ from, to, can: canTransition(channel, from, to) }).toEqual({ from, to, can: expected });
      }
    }
    expect(legal).toBeGreaterThan(0);
  });

  test("checkTransition's code matches a brute-force classification of every pair", () => {
    const seen = new Set<string>();
    for (const from of CATALOG) {
      for (const to of CATALOG) {
        const expected = classify(channel, from, to);
        const result: TransitionResult = checkTransition(channel, from, to);
        const actual = result.ok ? { code: 'ok' } : 'side' in result ? { code: result.code, side: result.side } : { code: result.code };
        expect({ from, to, ...actual }).toEqual({ from, to, ...expected });
        seen.add(expected.code);
      }
    }
    for (const code of ['ok', 'duplicate', 'skipped', 'stale', 'from_final', 'inapplicable_status']) expect(seen).toContain(code);
  });

  test('a skipped result implies a shortest path of legal steps', () => {
    for (const from of applicable) {
      for (const to of applicable) {
        const result = checkTransition(channel, from, to);
        if (result.ok || result.code !== 'skipped') continue;
        const path = [from, ...result.implied, to];
        for (let i = 1; i < path.length; i++) expect({ step: [path[i - 1], path[i]], legal: oracle.can(path[i - 1], path[i]) }).toEqual({ step: [path[i - 1], path[i]], legal: true });
        expect(path.length - 1).toBe(distances(oracle.reported, from).get(to));
      }
    }
  });
});

test('both channels together produce every order code', () => {
  const codes = new Set<string>();
  for (const channel of CHANNEL_NAMES) for (const from of CATALOG) for (const to of CATALOG) {
    const r = checkTransition(channel, from, to);
    codes.add(r.ok ? 'ok' : r.code);
  }
  expect([...codes].sort()).toEqual(['duplicate', 'from_final', 'illegal_transition', 'inapplicable_status', 'ok', 'skipped', 'stale']);
});
