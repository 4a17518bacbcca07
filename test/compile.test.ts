import { createMachine, setup } from 'xstate';
import {
  INAPPLICABLE,
  Relation,
  canTransition,
  checkTransition,
  compileLifecycle,
  isLifecycleError,
  lifecycleOf,
  nextStatuses,
  statusesFor,
  type CompiledLifecycle,
} from '../src';
import { CATALOG, CHANNEL_NAMES, MACHINES, graphOf, reaches } from './support/oracle';

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
      createMachine({ id: 'stay', initial: 'A', states: { A: { on: { B: {}, C: 'C' } }, B: { type: 'final' }, C: { type: 'final' } } }),
      /must lead to B/,
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
  const pushMachine = setup({ types: { events: {} as { type: 'SENT' | 'SEEN' | 'GONE' | 'TAPPED' } } }).createMachine({
    id: 'push',
    initial: 'SENT',
    states: {
      SENT: { description: 'Sent.', on: { SEEN: 'SEEN', GONE: 'GONE' } },
      SEEN: { description: 'Seen.', on: { SEEN: {}, TAPPED: 'TAPPED' } },
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
  const graph = graphOf(MACHINES[channel]);
  const { size: n, statuses } = lifecycle;

  test('statuses, initial, final, edges, reach, previous', () => {
    expect(statuses).toEqual(graph.statuses);
    expect(statuses[lifecycle.initial]).toBe(graph.initial);
    for (let f = 0; f < n; f++) {
      expect(lifecycle.final[f] === 1).toBe(graph.isFinal(statuses[f]));
      for (let t = 0; t < n; t++) {
        const pair = [statuses[f], statuses[t]];
        expect({ pair, edge: lifecycle.edges[f * n + t] === 1 }).toEqual({ pair, edge: graph.can(statuses[f], statuses[t]) });
        expect({ pair, reach: lifecycle.reach[f * n + t] === 1 }).toEqual({ pair, reach: reaches(graph, statuses[f], statuses[t]) });
        expect({ pair, previous: lifecycle.previous[t].includes(f) }).toEqual({ pair, previous: graph.can(statuses[f], statuses[t]) });
      }
    }
  });

  test('every inapplicable catalog name is known as inapplicable', () => {
    for (const name of CATALOG) expect(lifecycle.ids.get(name)).toBe(graph.statuses.includes(name) ? graph.statuses.indexOf(name) : INAPPLICABLE);
  });

  test('relation codes line up with Relation', () => {
    expect(Object.keys(Relation)).toEqual(['legal', 'duplicate', 'skipped', 'stale', 'fromFinal', 'illegal']);
  });
});

test('the SMS validity timer is compiled with its default delay', () => {
  const sms = lifecycleOf('sms');
  expect(sms.timers.map((t) => ({ ...t, from: sms.statuses[t.from], to: sms.statuses[t.to] }))).toEqual([
    { from: 'SUBMITTED', to: 'EXPIRED', delay: 'validity', delayMs: 48 * 60 * 60 * 1000 },
  ]);
  expect(lifecycleOf('email').timers).toEqual([]);
});
