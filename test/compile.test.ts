import { assign, createMachine, setup } from 'xstate';
import { INAPPLICABLE, Relation, applyStatus, canTransition, checkTransition, isLifecycleError, lifecycleOf, nextStatuses, reconcile, statusesFor, type CompiledLifecycle } from '../src';
import { compileLifecycle } from '../src/machines';
import { CATALOG } from './support/lifecycle-md';
import { CHANNEL_NAMES, MACHINES, classify, oracleFor } from './support/oracle';

function refusal(machine: Parameters<typeof compileLifecycle>[0]): { code: string; message: string } | 'compiled' {
  try {
    compileLifecycle(machine);
    return 'compiled';
  } catch (error) {
    expect(isLifecycleError(error)).toBe(true);
    return { code: (error as { code: string }).code, message: (error as Error).message };
  }
}

describe('compileLifecycle refuses machines that break the lifecycle rules', () => {
  const cases: [string, Parameters<typeof compileLifecycle>[0], RegExp][] = [
    [
      'a status unreachable from the initial one',
      createMachine({ id: 'unreachable', initial: 'A', states: { A: { on: { B: 'B' } }, B: { type: 'final' }, C: { type: 'final' } } }),
      /C cannot be reached/,
    ],
    [
      'a non-final dead end',
      createMachine({ id: 'dead', initial: 'A', states: { A: { on: { B: 'B' } }, B: {} } }),
      /B is not final but has no way out/,
    ],
    [
      'a final status with a way out',
      createMachine({ id: 'leaky', initial: 'A', states: { A: { on: { B: 'B' } }, B: { type: 'final', on: { A: 'A' } } } }),
      /final status B has a way out/,
    ],
    [
      'a final status with a timer out',
      createMachine({ id: 'timedFinal', initial: 'A', states: { A: { on: { B: 'B' } }, B: { type: 'final', after: { 10: 'A' } } } }),
      /final status B has a way out/,
    ],
    [
      'a cycle through other statuses',
      createMachine({ id: 'cycle', initial: 'A', states: { A: { on: { B: 'B' } }, B: { on: { A: 'A', C: 'C' } }, C: { type: 'final' } } }),
      /can return to itself/,
    ],
    [
      'a cycle closed by a timer',
      createMachine({ id: 'timerCycle', initial: 'A', states: { A: { on: { B: 'B' } }, B: { after: { 1000: 'A' }, on: { C: 'C' } }, C: { type: 'final' } } }),
      /can return to itself/,
    ],
    [
      'a guarded transition',
      createMachine({ id: 'guarded', initial: 'A', states: { A: { on: { B: { target: 'B', guard: () => true } } }, B: { type: 'final' } } }),
      /has a guard/,
    ],
    [
      'an event named differently from its target',
      createMachine({ id: 'renamed', initial: 'A', states: { A: { on: { GO: 'B' } }, B: { type: 'final' } } }),
      /event GO in A is not a status/,
    ],
    [
      "an event named after one status leading to another",
      createMachine({ id: 'crossed', initial: 'A', states: { A: { on: { C: 'B', B: 'C' } }, B: { type: 'final' }, C: { type: 'final' } } }),
      /event C in A must lead to C, not B/,
    ],
    [
      'a targetless event that is not a counted repeat',
      createMachine({ id: 'stay', initial: 'A', states: { A: { on: { B: { actions: () => undefined }, C: 'C' } }, B: { type: 'final' }, C: { type: 'final' } } }),
      /event B in A must lead to B, not A/,
    ],
    [
      // xstate never takes a transition with no target and no actions, so it is no way out.
      'a status whose only transition is an empty self-transition',
      createMachine({ id: 'stuck', initial: 'A', states: { A: { on: { B: 'B' } }, B: { on: { B: {} } } } }),
      /B is not final but has no way out/,
    ],
    [
      'an eventless transition',
      createMachine({ id: 'always', initial: 'A', states: { A: { always: 'B', on: { B: 'B' } }, B: { type: 'final' } } }),
      /eventless/,
    ],
    [
      'a nested state',
      createMachine({ id: 'nested', initial: 'A', states: { A: { initial: 'x', states: { x: {} }, on: { B: 'B' } }, B: { type: 'final' } } }),
      /must be a simple state/,
    ],
    ['no states at all', createMachine({ id: 'empty' }), /no states/],
  ];

  test.each(cases)('%s', (_name, machine, message) => {
    const result = refusal(machine);
    expect(result).toMatchObject({ code: 'invalid_definition' });
    expect(result === 'compiled' ? '' : result.message).toMatch(message);
  });

  test('a status the vocabulary marks inapplicable cannot be an event', () => {
    const machine = createMachine({ id: 'vocab', initial: 'A', states: { A: { on: { Z: 'B', B: 'B' } }, B: { type: 'final' } } });
    expect(() => compileLifecycle(machine, { vocabulary: ['Z'] })).toThrow(expect.objectContaining({ code: 'invalid_definition' }));
  });

  test('the refusal names the channel', () => {
    const machine = createMachine({ id: 'dead', initial: 'A', states: { A: { on: { B: 'B' } }, B: {} } });
    expect(() => compileLifecycle(machine, { name: 'push' })).toThrow(expect.objectContaining({ channel: 'push' }));
  });
});

describe('a well-formed custom machine', () => {
  // A push-notification lifecycle, to show the engine is not tied to SMS and e-mail.
  // SEEN repeats and counts (a targetless transition needs an action for xstate to take it).
  const pushMachine = setup({ types: { context: {} as { views: number }, events: {} as { type: 'SENT' | 'SEEN' | 'GONE' | 'TAPPED' } } }).createMachine({
    id: 'push',
    initial: 'SENT',
    context: { views: 0 },
    states: {
      SENT: { description: 'Sent.', on: { SEEN: 'SEEN', GONE: 'GONE' } },
      SEEN: { description: 'Seen.', on: { SEEN: { actions: assign({ views: ({ context }) => context.views + 1 }) }, TAPPED: 'TAPPED' } },
      TAPPED: { type: 'final', description: 'Tapped.' },
      GONE: { type: 'final', description: 'Gone.' },
    },
  });
  const push = compileLifecycle<'SENT' | 'SEEN' | 'GONE' | 'TAPPED'>(pushMachine, { vocabulary: ['BOUNCED'] });

  test('compiles, is frozen and works through the whole API', () => {
    expect(push.name).toBe('push');
    expect(Object.isFrozen(push)).toBe(true);
    expect(statusesFor(push)).toEqual(['SENT', 'SEEN', 'TAPPED', 'GONE']);
    expect(push.ids.get('BOUNCED')).toBe(INAPPLICABLE);
    expect(lifecycleOf(push)).toBe(push);
    expect(canTransition(push, 'SENT', 'SEEN')).toBe(true);
    expect(canTransition(push, 'SEEN', 'SEEN')).toBe(true);
    expect(nextStatuses(push, 'SEEN')).toEqual(['SEEN', 'TAPPED']);
    expect(checkTransition(push, 'SENT', 'TAPPED')).toMatchObject({ code: 'skipped', implied: ['SEEN'] });
    expect(checkTransition(push, 'SENT', 'BOUNCED')).toMatchObject({ code: 'inapplicable_status', side: 'to' });
    expect(checkTransition(push, 'SENT', 'DELIVERED')).toMatchObject({ code: 'unknown_status', side: 'to' });
    expect(checkTransition(push, 'GONE', 'TAPPED')).toMatchObject({ code: 'from_final' });
  });

  test('a copy of the compiled object is not accepted as a channel', () => {
    expect(canTransition({ ...push }, 'SENT', 'SEEN')).toBe(false);
  });
});

describe.each(CHANNEL_NAMES)('the compiled %s tables agree with xstate', (channel) => {
  const lifecycle = lifecycleOf(channel) as CompiledLifecycle;
  const oracle = oracleFor(MACHINES[channel]);
  const { size: n, statuses } = lifecycle;

  test('statuses, initial, final, edges, reach, previous', () => {
    expect(statuses).toEqual(oracle.statuses);
    expect(statuses[lifecycle.initial]).toBe(oracle.initial);
    for (let f = 0; f < n; f++) {
      expect(lifecycle.final[f] === 1).toBe(oracle.final.has(statuses[f]));
      for (let t = 0; t < n; t++) {
        const pair = [statuses[f], statuses[t]];
        expect({ pair, edge: lifecycle.edges[f * n + t] === 1 }).toEqual({ pair, edge: oracle.can(statuses[f], statuses[t]) });
        expect({ pair, reach: lifecycle.reach[f * n + t] === 1 }).toEqual({ pair, reach: oracle.reach(statuses[f], statuses[t]) });
        expect({ pair, previous: lifecycle.previous[t].includes(f) }).toEqual({ pair, previous: oracle.can(statuses[f], statuses[t]) });
      }
    }
  });

  test('every inapplicable catalog name is known as inapplicable', () => {
    for (const name of CATALOG) expect(lifecycle.ids.get(name)).toBe(oracle.statuses.includes(name) ? oracle.statuses.indexOf(name) : INAPPLICABLE);
  });

  test('the relation of every pair is the case LIFECYCLE.md\'s ordering table gives over xstate', () => {
    // Written from the rulebook's case names, not from Relation's keys.
    const expected: Record<string, number> = {
      ok: Relation.legal,
      duplicate: Relation.duplicate,
      skipped: Relation.skipped,
      stale: Relation.stale,
      from_final: Relation.fromFinal,
      illegal_transition: Relation.illegal,
    };
    expect(new Set(Object.values(Relation)).size).toBe(Object.keys(expected).length);
    const seen = new Set<number>();
    for (let f = 0; f < n; f++) {
      for (let t = 0; t < n; t++) {
        const pair = [statuses[f], statuses[t]];
        const { code } = classify(channel, statuses[f], statuses[t]);
        expect({ pair, relation: lifecycle.relation[f * n + t] }).toEqual({ pair, relation: expected[code] });
        seen.add(lifecycle.relation[f * n + t]);
      }
    }
    // Each channel has every case but 'illegal' (e-mail has it too: REJECTED then DELIVERED).
    expect(seen.size).toBeGreaterThanOrEqual(5);
  });
});

test('the SMS validity timer is compiled with its default delay', () => {
  const sms = lifecycleOf('sms');
  expect(sms.timers.map((t) => ({ ...t, from: sms.statuses[t.from], to: sms.statuses[t.to] }))).toEqual([
    { from: 'SUBMITTED', to: 'EXPIRED', delay: 'validity', delayMs: 48 * 60 * 60 * 1000 },
  ]);
  expect(lifecycleOf('email').timers).toEqual([]);
});

describe('a targetless transition without actions is not taken, as in xstate', () => {
  // A → A and A → C are empty targetless transitions: xstate's can() is false for both, so neither is legal.
  const machine = createMachine({
    id: 'noop',
    initial: 'A',
    states: { A: { on: { A: {}, B: 'B', C: {} } }, B: { on: { B: {}, C: 'C' } }, C: { type: 'final' } },
  });
  const oracle = oracleFor(machine);
  let noop: CompiledLifecycle;
  beforeAll(() => {
    noop = compileLifecycle(machine);
  });

  test('xstate refuses the empty transitions', () => {
    expect(oracle.can('A', 'A')).toBe(false);
    expect(oracle.can('A', 'C')).toBe(false);
    expect(oracle.can('B', 'B')).toBe(false);
  });

  test('the compiled edges are exactly the ones xstate takes', () => {
    for (const from of noop.statuses) {
      for (const to of noop.statuses) expect({ from, to, legal: canTransition(noop, from, to) }).toEqual({ from, to, legal: oracle.can(from, to) });
    }
    expect(nextStatuses(noop, 'A')).toEqual(['B']);
    expect(nextStatuses(noop, 'B')).toEqual(['C']);
  });

  test('a report of the status again is a duplicate, and one further on is early', () => {
    expect(checkTransition(noop, 'A', 'A')).toMatchObject({ ok: false, code: 'duplicate' });
    expect(checkTransition(noop, 'B', 'B')).toMatchObject({ ok: false, code: 'duplicate' });
    expect(checkTransition(noop, 'A', 'C')).toMatchObject({ ok: false, code: 'skipped', implied: ['B'] });
    expect(applyStatus(noop, 'B', 'B', { policy: 'strict' })).toMatchObject({ outcome: 'rejected', code: 'duplicate' });
  });
});

describe('a status only a timer reaches is implied on the way to it', () => {
  // B → C and A → X happen only by time; nothing reports C or X directly.
  const machine = createMachine({
    id: 'timed',
    initial: 'A',
    states: {
      A: { after: { 60_000: 'X' }, on: { B: 'B', F: 'F' } },
      B: { after: { 1000: 'C' }, on: { F: 'F' } },
      C: { on: { D: 'D' } },
      X: { on: { D: 'D' } },
      D: { type: 'final' },
      F: { type: 'final' },
    },
  });
  let timed: CompiledLifecycle;
  beforeAll(() => {
    timed = compileLifecycle(machine);
  });

  test('the statuses between are filled in, timer steps included', () => {
    expect(checkTransition(timed, 'B', 'D')).toMatchObject({ code: 'skipped', implied: ['C'] });
    expect(checkTransition(timed, 'A', 'C')).toMatchObject({ code: 'skipped', implied: ['B'] });
    // A → D: through X (one timer step) is shorter than through B and C.
    expect(checkTransition(timed, 'A', 'D')).toMatchObject({ code: 'skipped', implied: ['X'] });
  });

  test("between two shortest paths, a reported step is preferred to a timer's", () => {
    const tie = compileLifecycle(
      createMachine({
        id: 'tie',
        initial: 'P',
        states: { P: { after: { 1000: 'Q' }, on: { R: 'R' } }, Q: { on: { S: 'S' } }, R: { on: { S: 'S' } }, S: { type: 'final' } },
      }),
    );
    expect(checkTransition(tie, 'P', 'S')).toMatchObject({ code: 'skipped', implied: ['R'] });
  });

  test("a report of the timer's own target implies nothing: the timer is one step", () => {
    expect(checkTransition(timed, 'B', 'C')).toMatchObject({ code: 'skipped', implied: [] });
    expect(checkTransition(timed, 'A', 'X')).toMatchObject({ code: 'skipped', implied: [] });
  });

  test('applyStatus and reconcile record the timer-only status as implied', () => {
    expect(applyStatus(timed, 'B', 'D')).toMatchObject({ outcome: 'applied', status: 'D', code: 'skipped', implied: ['C'] });
    const result = reconcile(timed, [{ status: 'D' }], { from: 'B' });
    expect(result.history.map((h) => [h.from, h.status, h.implied])).toEqual([
      ['B', 'C', true],
      ['C', 'D', false],
    ]);
  });
});

describe('compileLifecycle refuses what is not a machine with a typed error', () => {
  test.each([
    ['undefined', undefined],
    ['null', null],
    ['a number', 42],
    ['a string', 'sms'],
    ['an empty object', {}],
    ['an object whose root has no states', { root: { config: {} } }],
    ['a __proto__-polluted look-alike', JSON.parse('{"__proto__": {"root": {"states": {}}}}')],
  ])('%s', (_, value) => {
    expect(refusal(value as Parameters<typeof compileLifecycle>[0])).toEqual({ code: 'invalid_definition', message: expect.stringMatching(/expected an xstate machine/) });
  });
});
