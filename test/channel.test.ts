import fc from 'fast-check';
import { createActor, initialTransition, SimulatedClock, transition, type AnyStateMachine } from 'xstate';
import { applyStatus, canTransition, checkTransition, isFinal, isLifecycleError, lifecycleOf, parseStatus, reconcile, Relation, statusesFor, type ChannelDefinition, type CompiledLifecycle, type StatusOf } from '../src';
import { defineChannel, machineFor } from '../src/machines';
import { expectType, type Equal } from './support/types';

/** A definition as plain mutable data, the way a user might load it from JSON. */
interface RawDefinition {
  name: unknown;
  statuses: Record<string, unknown>;
  initial: unknown;
  transitions: Record<string, unknown>;
  timers?: unknown;
  [extra: string]: unknown;
}

const d = (description: string, final?: boolean) => (final === undefined ? { description } : { description, final });

/** queued → sent → (seen ⟲ | lost), queued → lost; sent expires into lost after a minute. */
function base(): RawDefinition {
  return {
    name: 'pager',
    statuses: { queued: d('q'), sent: d('s'), seen: d('v'), lost: d('l', true) },
    initial: 'queued',
    transitions: { queued: ['sent', 'lost'], sent: ['seen', 'lost'], seen: ['seen'] },
    timers: [{ from: 'sent', to: 'lost', afterMs: 60_000 }],
  };
}

function refusal(definition: unknown): LifecycleError | undefined {
  try {
    defineChannel(definition as ChannelDefinition);
  } catch (e) {
    if (isLifecycleError(e)) return e;
    throw e;
  }
  return undefined;
}
type LifecycleError = import('../src').LifecycleError;

/** Expects `defineChannel` to refuse with invalid_definition and a message matching `pattern`. */
function expectRefused(definition: unknown, pattern: RegExp): void {
  const error = refusal(definition);
  expect(error?.code).toBe('invalid_definition');
  expect(error?.message).toMatch(pattern);
}

describe('defineChannel: a valid definition', () => {
  test('the base definition is accepted (so each refusal below is caused by its one change)', () => {
    expect(refusal(base())).toBeUndefined();
  });

  test('returns a compiled lifecycle every API accepts, typed by its statuses', () => {
    const pager = defineChannel({
      name: 'pager',
      statuses: { queued: d('q'), sent: d('s'), seen: d('v'), lost: d('l', true) },
      initial: 'queued',
      transitions: { queued: ['sent', 'lost'], sent: ['seen', 'lost'], seen: ['seen'] },
      timers: [{ from: 'sent', to: 'lost', afterMs: 60_000 }],
    });
    expect(lifecycleOf(pager)).toBe(pager);
    expect(statusesFor(pager)).toEqual(['queued', 'sent', 'seen', 'lost']);
    expect(canTransition(pager, 'seen', 'seen')).toBe(true);
    expect(checkTransition(pager, 'queued', 'seen')).toMatchObject({ ok: false, code: 'skipped', implied: ['sent'] });
    expect(applyStatus(pager, 'seen', 'sent')).toMatchObject({ outcome: 'ignored', code: 'stale' });
    expect(reconcile(pager, [{ status: 'seen' }, { status: 'seen' }, { status: 'queued' }]).status).toBe('seen');
    expect(parseStatus(pager, 'SEEN')).toBe('seen');
    expect(isFinal(pager, 'lost')).toBe(true);
    expectType<Equal<StatusOf<typeof pager>, 'queued' | 'sent' | 'seen' | 'lost'>>(true);
    expectType<Equal<typeof pager, CompiledLifecycle<'queued' | 'sent' | 'seen' | 'lost'>>>(true);
  });

  test('the timer is in the tables with its delay, and the machine fires it', () => {
    const pager = defineChannel(base() as unknown as ChannelDefinition<string>);
    expect(pager.timers).toEqual([{ from: 1, to: 3, delay: 'sent', delayMs: 60_000 }]);
    const clock = new SimulatedClock();
    const actor = createActor(machineFor(pager), { clock }).start();
    actor.send({ type: 'sent' });
    clock.increment(59_999);
    expect(actor.getSnapshot().value).toBe('sent');
    clock.increment(1);
    expect(actor.getSnapshot().value).toBe('lost');
    expect(actor.getSnapshot().status).toBe('done');
  });

  test('a repeat stays in its status and is counted in context', () => {
    const pager = defineChannel(base() as unknown as ChannelDefinition<string>);
    const machine = machineFor(pager);
    let [snapshot] = initialTransition(machine);
    for (const type of ['sent', 'seen', 'seen', 'seen']) [snapshot] = transition(machine, snapshot, { type });
    expect(snapshot.value).toBe('seen');
    expect(snapshot.context).toEqual({ repeats: { seen: 2 }, deadline: null });
  });

  test('changing the definition afterwards does not change the channel', () => {
    const definition = base();
    const pager = defineChannel(definition as unknown as ChannelDefinition<string>);
    (definition.transitions.queued as string[]).push('seen');
    (definition.statuses.seen as { description: string }).description = 'changed';
    expect(canTransition(pager, 'queued', 'seen')).toBe(false);
    expect(pager.descriptions[2]).toBe('v');
  });

  test('statuses named like Object.prototype members behave like any other', () => {
    const odd = defineChannel({
      name: 'odd',
      statuses: { constructor: d('c'), toString: d('t'), hasOwnProperty: d('h', true) },
      initial: 'constructor',
      // The empty list is needed for the types only: TypeScript checks an absent
      // optional `hasOwnProperty` key against Object's method of that name.
      transitions: { constructor: ['toString'], toString: ['toString', 'hasOwnProperty'], hasOwnProperty: [] },
    });
    expect(canTransition(odd, 'constructor', 'toString')).toBe(true);
    expect(canTransition(odd, 'constructor', 'valueOf')).toBe(false);
    expect(reconcile(odd, [{ status: 'toString' }, { status: 'toString' }]).status).toBe('toString');
    const machine = machineFor(odd);
    let [snapshot] = initialTransition(machine);
    for (const type of ['toString', 'toString', 'toString']) [snapshot] = transition(machine, snapshot, { type });
    expect(snapshot.context).toEqual({ repeats: { toString: 2 }, deadline: null });
  });

  test('a single final status is a valid (if dull) channel', () => {
    const one = defineChannel({ name: 'one', statuses: { done: d('d', true) }, initial: 'done', transitions: {} });
    expect([one.size, one.final[0], checkTransition(one, 'done', 'done')]).toEqual([1, 1, expect.objectContaining({ code: 'duplicate' })]);
  });
});

describe('defineChannel: refusals (one rule each)', () => {
  const cases: [string, (def: RawDefinition) => unknown, RegExp][] = [
    ['not an object', () => 'pager', /must be a plain object/],
    ['an array', () => [], /must be a plain object/],
    ['a missing name', (def) => ({ ...def, name: undefined }), /name must be/],
    ['a name with a blank', (def) => ({ ...def, name: 'my pager' }), /name must be/],
    ['the name sms', (def) => ({ ...def, name: 'sms' }), /clashes with the built-in channel sms/],
    ['the name Email', (def) => ({ ...def, name: 'Email' }), /clashes with the built-in channel email/],
    ['an unknown field', (def) => ({ ...def, transition: {} }), /unknown field transition/],
    ['no statuses', (def) => ({ ...def, statuses: {} }), /has no statuses/],
    ['statuses as a list', (def) => ({ ...def, statuses: ['queued'] }), /statuses must be a plain object/],
    ['__proto__ from JSON', (def) => ({ ...def, statuses: { ...def.statuses, ...JSON.parse('{"__proto__":{"description":"p"}}') } }), /may not be named __proto__/],
    ['__proto__ in a literal', (def) => ({ ...def, statuses: { __proto__: { description: 'p' }, ...def.statuses } }), /was __proto__ used as a status name/],
    ['a status name with a dot', (def) => ({ ...def, statuses: { ...def.statuses, 'a.b': d('x', true) } }), /status name "a\.b" must be/],
    ['a wildcard status name', (def) => ({ ...def, statuses: { ...def.statuses, '*': d('x', true) } }), /status name "\*" must be/],
    ['names differing only in case', (def) => ({ ...def, statuses: { ...def.statuses, Seen: d('x', true) } }), /seen and Seen differ only in letter case/],
    ['a status without a description', (def) => ({ ...def, statuses: { ...def.statuses, lost: { final: true } } }), /status lost needs a description/],
    ['a blank description', (def) => ({ ...def, statuses: { ...def.statuses, lost: d('  ', true) } }), /status lost needs a description/],
    ['final as a string', (def) => ({ ...def, statuses: { ...def.statuses, lost: { description: 'l', final: 'yes' } } }), /final of status lost must be true or false/],
    ['an unknown status field', (def) => ({ ...def, statuses: { ...def.statuses, lost: { description: 'l', terminal: true } } }), /status lost has an unknown field terminal/],
    ['an unknown initial status', (def) => ({ ...def, initial: 'draft' }), /initial status draft is not a status/],
    ['transitions as a list', (def) => ({ ...def, transitions: [] }), /transitions must be a plain object/],
    ['transitions from an unknown status', (def) => ({ ...def, transitions: { ...def.transitions, draft: ['sent'] } }), /transitions list a status draft is not a status/],
    ['transitions to an unknown status', (def) => ({ ...def, transitions: { ...def.transitions, sent: ['seen', 'lsot'] } }), /transitions from sent name lsot is not a status/],
    ['a target that is not a string', (def) => ({ ...def, transitions: { ...def.transitions, sent: ['seen', 3] } }), /transitions from sent name 3 is not a status/],
    ['targets not in a list', (def) => ({ ...def, transitions: { ...def.transitions, sent: 'seen' } }), /transitions from sent must be a list/],
    ['a target listed twice', (def) => ({ ...def, transitions: { ...def.transitions, sent: ['seen', 'lost', 'seen'] } }), /list seen twice/],
    ['an unreachable status', (def) => ({ ...def, transitions: { ...def.transitions, sent: ['lost'] } }), /status seen cannot be reached from queued/],
    ['a dead end', (def) => ({ ...def, transitions: { ...def.transitions, seen: [] } }), /status seen is not final but has no way out/],
    ['a final status with a way out', (def) => ({ ...def, transitions: { ...def.transitions, lost: ['seen'] } }), /final status lost has a way out/],
    ['a final status that repeats', (def) => ({ ...def, transitions: { ...def.transitions, lost: ['lost'] } }), /final status lost has a way out/],
    ['a cycle through another status', (def) => ({ ...def, transitions: { ...def.transitions, seen: ['seen', 'sent'] } }), /status sent can return to itself through others/],
    ['a way back to the initial status', (def) => ({ ...def, transitions: { ...def.transitions, sent: ['seen', 'lost', 'queued'] } }), /can return to itself/],
    ['timers not in a list', (def) => ({ ...def, timers: { from: 'sent', to: 'lost', afterMs: 1 } }), /timers must be a list/],
    ['a timer from an unknown status', (def) => ({ ...def, timers: [{ from: 'draft', to: 'lost', afterMs: 1 }] }), /timer 0 starts from draft is not a status/],
    ['a timer of zero ms', (def) => ({ ...def, timers: [{ from: 'sent', to: 'lost', afterMs: 0 }] }), /afterMs must be a whole number/],
    ['a timer of a fraction of a ms', (def) => ({ ...def, timers: [{ from: 'sent', to: 'lost', afterMs: 1.5 }] }), /afterMs must be a whole number/],
    ['a timer beyond setTimeout', (def) => ({ ...def, timers: [{ from: 'sent', to: 'lost', afterMs: 2 ** 31 }] }), /afterMs must be a whole number of ms from 1 to 2147483647/],
    ['a timer given as text', (def) => ({ ...def, timers: [{ from: 'sent', to: 'lost', afterMs: '60000' }] }), /afterMs must be a whole number/],
    ['a timer to its own status', (def) => ({ ...def, timers: [{ from: 'seen', to: 'seen', afterMs: 1 }] }), /timer 0 leads from seen to itself/],
    ['two timers from one status', (def) => ({ ...def, timers: [{ from: 'sent', to: 'lost', afterMs: 1 }, { from: 'sent', to: 'seen', afterMs: 2 }] }), /status sent has more than one timer/],
    ['a timer that is not a listed transition', (def) => ({ ...def, timers: [{ from: 'queued', to: 'seen', afterMs: 1 }] }), /timer 0 \(queued → seen\) must also be listed in transitions/],
    ['a timer from a final status', (def) => ({ ...def, transitions: { ...def.transitions, lost: ['seen'] }, timers: [{ from: 'lost', to: 'seen', afterMs: 1 }] }), /final status lost has a way out/],
  ];

  test.each(cases)('refuses %s', (_label, change, pattern) => {
    expectRefused(change(base()), pattern);
  });

  test('the error names the channel and is a LifecycleError', () => {
    const error = refusal({ ...base(), initial: 'draft' });
    expect(error).toMatchObject({ name: 'LifecycleError', code: 'invalid_definition', channel: 'pager' });
    expect(error?.message).toMatchInlineSnapshot(`"pager: the initial status draft is not a status of the channel"`);
  });

  test('refuses misspelt statuses at compile time too', () => {
    const statuses = { a: d('a'), b: d('b', true) };
    // @ts-expect-error 'c' is not a status of the definition
    expectRefused({ name: 'x', statuses, initial: 'c', transitions: { a: ['b'] } } satisfies ChannelDefinition<'a' | 'b'>, /initial status c/);
    expect(() =>
      defineChannel({
        name: 'x',
        statuses,
        initial: 'a',
        // @ts-expect-error 'c' is not a status of the definition
        transitions: { a: ['b', 'c'] },
      }),
    ).toThrow(/transitions from a name c is not a status/);
    expect(() =>
      defineChannel({
        name: 'x',
        statuses,
        initial: 'a',
        transitions: { a: ['b'] },
        // @ts-expect-error 'c' is not a status of the definition
        timers: [{ from: 'a', to: 'c', afterMs: 5 }],
      }),
    ).toThrow(/timer 0 leads to c is not a status/);
  });
});

// ---------------------------------------------------------------------------
// Properties over random definitions.

/**
 * A random valid definition. Statuses get a hidden topological rank 0..n-1
 * (0 is initial); each later status gets at least one earlier parent, so all
 * are reachable; edges only go forward, so there is no cycle; a status with
 * no forward edge is final unless it repeats. The key order of `statuses` is
 * shuffled so that definition order and rank differ.
 */
const validDefinitionArb = fc.integer({ min: 1, max: 7 }).chain((n) =>
  fc
    .record({
      names: fc.uniqueArray(fc.stringMatching(/^[A-Za-z][A-Za-z0-9_-]{0,6}$/), {
        minLength: n,
        maxLength: n,
        selector: (s) => s.toLowerCase(),
      }),
      parents: fc.array(fc.nat(), { minLength: n, maxLength: n }),
      extra: fc.array(fc.tuple(fc.nat({ max: n - 1 }), fc.nat({ max: n - 1 })), { maxLength: 2 * n }),
      loops: fc.array(fc.boolean(), { minLength: n, maxLength: n }),
      timers: fc.array(fc.option(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 2 ** 31 - 1 }))), { minLength: n, maxLength: n }),
      order: fc.shuffledSubarray([...Array(n).keys()], { minLength: n, maxLength: n }),
    })
    .map(({ names, parents, extra, loops, timers, order }) => {
      const forward: number[][] = names.map(() => []);
      const add = (a: number, b: number) => {
        if (a < b && !forward[a].includes(b)) forward[a].push(b);
      };
      for (let i = 1; i < n; i++) add(parents[i] % i, i);
      for (const [a, b] of extra) add(Math.min(a, b), Math.max(a, b));
      const statuses: Record<string, { description: string; final?: boolean }> = {};
      for (const i of order) {
        const final = forward[i].length === 0 && !loops[i];
        statuses[names[i]] = final ? d(`status ${i}`, true) : d(`status ${i}`);
      }
      const transitions: Record<string, string[]> = {};
      forward.forEach((targets, i) => {
        const list = targets.map((t) => names[t]);
        if (loops[i]) list.splice(i % (list.length + 1), 0, names[i]);
        if (list.length > 0) transitions[names[i]] = list;
      });
      const timerList = timers.flatMap((pick, i) =>
        pick === null || forward[i].length === 0 ? [] : [{ from: names[i], to: names[forward[i][pick[0] % forward[i].length]], afterMs: pick[1] }],
      );
      const definition: RawDefinition = { name: `ch${n}`, statuses, initial: names[0], transitions };
      if (timerList.length > 0) definition.timers = timerList;
      return definition;
    }),
);

/** The tables, read straight from the definition by brute force (Floyd–Warshall), per LIFECYCLE.md. */
function bruteForce(def: RawDefinition) {
  const statuses = Object.keys(def.statuses);
  const n = statuses.length;
  const id = (s: string) => statuses.indexOf(s);
  const listed = (f: number) => ((def.transitions[statuses[f]] as string[] | undefined) ?? []).map(id);
  const edge = (f: number, t: number) => listed(f).includes(t);
  const final = statuses.map((s) => (def.statuses[s] as { final?: boolean }).final === true);
  const INF = Number.POSITIVE_INFINITY;
  const dist = statuses.map((_, f) => statuses.map((__, t) => (f !== t && edge(f, t) ? 1 : INF)));
  for (let k = 0; k < n; k++) {
    for (let f = 0; f < n; f++) for (let t = 0; t < n; t++) dist[f][t] = Math.min(dist[f][t], dist[f][k] + dist[k][t]);
  }
  const reach = (f: number, t: number) => dist[f][t] < INF;
  const relation = (f: number, t: number) => {
    if (edge(f, t)) return Relation.legal;
    if (f === t) return Relation.duplicate;
    if (reach(f, t)) return Relation.skipped;
    if (reach(t, f)) return Relation.stale;
    if (final[f]) return Relation.fromFinal;
    return Relation.illegal;
  };
  return { statuses, n, id, listed, edge, final, dist, reach, relation };
}

function contextOf(machine: AnyStateMachine): unknown {
  return (initialTransition(machine)[0] as { context: unknown }).context;
}

describe('defineChannel: properties', () => {
  test('random valid definitions compile into the tables a brute-force reading gives', () => {
    fc.assert(
      fc.property(validDefinitionArb, (def) => {
        const ch = defineChannel(def as unknown as ChannelDefinition<string>);
        const b = bruteForce(def);
        expect(ch.statuses).toEqual(b.statuses);
        expect(ch.initial).toBe(b.id(def.initial as string));
        expect(ch.vocabulary).toEqual(b.statuses);
        expect([...ch.ids]).toEqual(b.statuses.map((s, i) => [s, i]));
        expect(ch.descriptions).toEqual(b.statuses.map((s) => (def.statuses[s] as { description: string }).description));
        expect([...ch.final]).toEqual(b.final.map(Number));
        for (let f = 0; f < b.n; f++) {
          expect(ch.next[f]).toEqual(b.listed(f));
          expect([...ch.previous[f]].sort()).toEqual(b.statuses.map((_, p) => p).filter((p) => b.edge(p, f)));
          for (let t = 0; t < b.n; t++) {
            const k = f * b.n + t;
            expect([f, t, ch.edges[k], ch.reach[k], ch.relation[k]]).toEqual([f, t, Number(b.edge(f, t)), Number(b.reach(f, t)), b.relation(f, t)]);
            const implied = ch.implied[k];
            if (ch.relation[k] !== Relation.skipped) expect(implied).toEqual([]);
            else {
              // A shortest path: as long as the brute-force distance, and every step legal.
              expect(implied.length).toBe(b.dist[f][t] - 1);
              const path = [f, ...implied, t];
              for (let i = 1; i < path.length; i++) expect(b.edge(path[i - 1], path[i])).toBe(true);
            }
          }
        }
        const timers = (def.timers as { from: string; to: string; afterMs: number }[] | undefined) ?? [];
        expect([...ch.timers].sort((x, y) => x.from - y.from)).toEqual(
          timers.map((t) => ({ from: b.id(t.from), to: b.id(t.to), delay: t.from, delayMs: t.afterMs })).sort((x, y) => x.from - y.from),
        );
      }),
    );
  });

  test('canTransition agrees with the built xstate machine for every pair', () => {
    fc.assert(
      fc.property(validDefinitionArb, (def) => {
        const ch = defineChannel(def as unknown as ChannelDefinition<string>);
        const machine = machineFor(ch);
        const context = contextOf(machine);
        for (const from of ch.statuses) {
          const snapshot = machine.resolveState({ value: from, context });
          for (const to of ch.statuses) {
            const legal = canTransition(ch, from, to);
            const [after] = transition(machine, snapshot, { type: to });
            expect([from, to, snapshot.can({ type: to }), after.value]).toEqual([from, to, legal, legal ? to : from]);
          }
        }
      }),
    );
  });

  test('no report of a name outside the definition is ever accepted', () => {
    fc.assert(
      fc.property(validDefinitionArb, fc.oneof(fc.string(), fc.constantFrom('__proto__', 'constructor', 'DELIVERED', 'toString')), (def, other) => {
        fc.pre(!Object.keys(def.statuses).includes(other));
        const ch = defineChannel(def as unknown as ChannelDefinition<string>);
        const current = ch.statuses[ch.initial];
        expect(checkTransition(ch, current, other)).toMatchObject({ ok: false, code: 'unknown_status' });
        expect(applyStatus(ch, current, other)).toMatchObject({ outcome: 'rejected', status: current, code: 'unknown_status' });
      }),
    );
  });

  /** Changes that each break one rule; all assume a definition from validDefinitionArb. */
  const breakers: Record<string, (def: RawDefinition, pick: number) => RawDefinition | undefined> = {
    unreachable: (def, pick) => {
      const names = Object.keys(def.statuses).filter((s) => s !== def.initial);
      if (names.length === 0) return undefined;
      const victim = names[pick % names.length];
      const transitions = Object.fromEntries(
        Object.entries(def.transitions).map(([from, list]) => [from, from === victim ? list : (list as string[]).filter((t) => t !== victim)]),
      );
      const timers = ((def.timers as { to: string }[] | undefined) ?? []).filter((t) => t.to !== victim);
      return { ...def, transitions, timers };
    },
    deadEnd: (def, pick) => {
      const names = Object.keys(def.statuses);
      const victim = names[pick % names.length];
      const transitions = { ...def.transitions, [victim]: [] };
      const timers = ((def.timers as { from: string }[] | undefined) ?? []).filter((t) => t.from !== victim);
      return { ...def, statuses: { ...def.statuses, [victim]: d('now a dead end') }, transitions, timers };
    },
    finalWithWayOut: (def, pick) => {
      const names = Object.keys(def.transitions);
      if (names.length === 0) return undefined;
      const victim = names[pick % names.length];
      return { ...def, statuses: { ...def.statuses, [victim]: d('final yet left', true) } };
    },
    cycle: (def, pick) => {
      const pairs = Object.entries(def.transitions).flatMap(([from, list]) => (list as string[]).filter((t) => t !== from).map((t) => [from, t]));
      if (pairs.length === 0) return undefined;
      const [from, to] = pairs[pick % pairs.length];
      const back = [...((def.transitions[to] as string[] | undefined) ?? []), from];
      return { ...def, statuses: { ...def.statuses, [to]: d('now loops back') }, transitions: { ...def.transitions, [to]: back } };
    },
    unknownTarget: (def, pick) => {
      const from = Object.keys(def.statuses)[pick % Object.keys(def.statuses).length];
      return { ...def, transitions: { ...def.transitions, [from]: ['notAStatusOfIt'] } };
    },
    unknownSource: (def) => ({ ...def, transitions: { ...def.transitions, notAStatusOfIt: [def.initial as string] } }),
    unknownInitial: (def) => ({ ...def, initial: 'notAStatusOfIt' }),
    caseClash: (def, pick) => {
      const s = Object.keys(def.statuses)[pick % Object.keys(def.statuses).length];
      const twin = s[0] === s[0].toUpperCase() ? s[0].toLowerCase() + s.slice(1) : s[0].toUpperCase() + s.slice(1);
      return { ...def, statuses: { ...def.statuses, [twin]: d('twin', true) } };
    },
    builtInName: (def, pick) => ({ ...def, name: ['sms', 'email', 'SMS', 'eMail'][pick % 4] }),
    protoStatus: (def) => ({ ...def, statuses: { ...JSON.parse('{"__proto__":{"description":"p","final":true}}'), ...def.statuses } }),
    badFinal: (def, pick) => {
      const s = Object.keys(def.statuses)[pick % Object.keys(def.statuses).length];
      return { ...def, statuses: { ...def.statuses, [s]: { description: 'x', final: [1, 'true', null][pick % 3] } } };
    },
    badTimer: (def, pick) => ({ ...def, timers: [{ from: def.initial, to: def.initial, afterMs: [0, -5, 0.5, Number.NaN, 2 ** 40, '9'][pick % 6] }] }),
    unlistedTimer: (def) => {
      const names = Object.keys(def.statuses);
      const to = names.find((s) => s !== def.initial && !((def.transitions[def.initial as string] as string[] | undefined) ?? []).includes(s));
      return to === undefined ? undefined : { ...def, timers: [{ from: def.initial, to, afterMs: 10 }] };
    },
    empty: (def) => ({ ...def, statuses: {} }),
  };

  test('random invalid definitions are refused with invalid_definition and never produce a channel', () => {
    fc.assert(
      fc.property(validDefinitionArb, fc.constantFrom(...Object.keys(breakers)), fc.nat(), (def, rule, pick) => {
        const broken = breakers[rule](def, pick);
        fc.pre(broken !== undefined);
        let channel: unknown;
        let error: unknown;
        try {
          channel = defineChannel(broken as unknown as ChannelDefinition<string>);
        } catch (e) {
          error = e;
        }
        expect(channel).toBeUndefined();
        expect(isLifecycleError(error) && [error.code, error.message.length > 0]).toEqual(['invalid_definition', true]);
      }),
    );
  });
});
