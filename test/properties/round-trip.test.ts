import * as fc from 'fast-check';
import { createTracker, isLifecycleError, restoreTracker, type TrackerOptions } from '../../src';
import { webhookStreamArb } from '../../src/testing';
import { RUNS, UNDER_TEST } from '../support/channels';
import { expectLegalTracker } from '../support/legal';

const START = Date.UTC(2026, 0, 1);
const HOUR = 3_600_000;

/** Short timers, so that expiry happens within a run, and a small id memory, so that eviction does. */
const optionsFor = (timers: (ms: number) => TrackerOptions, clock: { now: number }): TrackerOptions => ({
  now: () => clock.now,
  maxSeenIds: 4,
  ...timers(HOUR),
});

describe.each(UNDER_TEST)('round trip on $name', ({ name, channel, oracle, words, timers }) => {
  const restoreOptions = (clock: { now: number }) => ({ now: () => clock.now, channels: typeof channel === 'string' ? [] : [channel] });
  const scenario = webhookStreamArb(channel).chain(({ events }) =>
    fc.record({
      events: fc.constant(events.map((e, i) => (i % 3 === 2 ? { status: e.status, id: e.id } : e))),
      split: fc.nat({ max: events.length }),
      ticks: fc.array(fc.nat({ max: 2 * HOUR }), { minLength: events.length, maxLength: events.length }),
    }),
  );

  test('restoreTracker(JSON.parse(JSON.stringify(t))) behaves like t for any further events', () => {
    fc.assert(
      fc.property(scenario, ({ events, split, ticks }) => {
        const clock = { now: START };
        const t = createTracker(channel, optionsFor(timers, clock));
        events.slice(0, split).forEach((e, i) => {
          clock.now += ticks[i];
          t.apply(e);
        });
        const r = restoreTracker(JSON.parse(JSON.stringify(t)), restoreOptions(clock));
        expect(r.toJSON()).toEqual(t.toJSON());
        events.slice(split).forEach((e, j) => {
          clock.now += ticks[split + j];
          expect(r.apply(e)).toEqual(t.apply(e));
          expect(r.toJSON()).toEqual(t.toJSON());
        });
        expect(r.expireIfDue(clock.now + 10 * HOUR)).toBe(t.expireIfDue(clock.now + 10 * HOUR));
        expect(r.toJSON()).toEqual(t.toJSON());
      }),
      { numRuns: RUNS },
    );
  });

  // Mutations of a valid snapshot: replace, delete or add a value anywhere,
  // or reorder/duplicate/drop history entries.
  type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
  const paths = (value: Json, prefix: (string | number)[] = []): (string | number)[][] => {
    if (value === null || typeof value !== 'object') return [];
    const keys: (string | number)[] = Array.isArray(value) ? value.map((_, i) => i) : Object.keys(value);
    return keys.flatMap((k) => [[...prefix, k], ...paths((value as Record<string, Json>)[k], [...prefix, k])]);
  };
  const replacement = fc.oneof(
    fc.constantFrom<Json>(...words, 'sms', 'email', name, true, false, null, 0, -1, 1, 2, 1e300, '', 'evt-0'),
    fc.integer().map((n): Json => n),
    fc.jsonValue() as fc.Arbitrary<Json>,
  );
  const mutation = fc.record({
    at: fc.nat(),
    op: fc.constantFrom('replace', 'delete', 'add', 'bump', 'swap', 'duplicate'),
    value: replacement,
    key: fc.constantFrom('__proto__', 'extra', 'status', 'timer', 'constructor'),
  });

  function mutate(snapshot: Json, m: { at: number; op: string; value: Json; key: string }): Json {
    const copy = JSON.parse(JSON.stringify(snapshot)) as Json;
    const all = paths(copy);
    const path = all[m.at % all.length];
    const parent = path.slice(0, -1).reduce<Json>((v, k) => (v as Record<string, Json>)[k], copy) as Record<string, Json> & Json[];
    const last = path[path.length - 1];
    switch (m.op) {
      case 'replace':
        parent[last as never] = m.value as never;
        break;
      case 'delete':
        if (Array.isArray(parent)) parent.splice(last as number, 1);
        else delete parent[last];
        break;
      case 'add': {
        const target = (parent[last as never] ?? parent) as Json;
        if (target !== null && typeof target === 'object' && !Array.isArray(target)) {
          Object.defineProperty(target, m.key, { value: m.value, enumerable: true, configurable: true, writable: true });
        } else if (Array.isArray(target)) target.push(m.value);
        break;
      }
      case 'bump':
        if (typeof parent[last as never] === 'number') parent[last as never] = ((parent[last as never] as number) + (m.at % 2 ? 1 : -1)) as never;
        break;
      case 'swap':
      case 'duplicate':
        if (Array.isArray(parent) && parent.length > 0) {
          const i = last as number;
          const j = (i + 1) % parent.length;
          if (m.op === 'swap') [parent[i], parent[j]] = [parent[j], parent[i]];
          else parent.splice(i, 0, JSON.parse(JSON.stringify(parent[i])) as Json);
        }
        break;
    }
    return copy;
  }

  test('a corrupted snapshot is rejected with invalid_snapshot or restores to a legal tracker', () => {
    let rejected = 0;
    let restored = 0;
    fc.assert(
      fc.property(webhookStreamArb(channel), mutation, fc.boolean(), ({ events }, m, asString) => {
        const clock = { now: START };
        const t = createTracker(channel, optionsFor(timers, clock));
        events.forEach((e) => {
          clock.now += HOUR / 2;
          t.apply(e);
        });
        const corrupted = mutate(t.toJSON() as unknown as Json, m);
        let r;
        try {
          r = restoreTracker(asString ? JSON.stringify(corrupted) : corrupted, restoreOptions(clock));
        } catch (error) {
          expect(isLifecycleError(error) && error.code).toBe('invalid_snapshot');
          rejected++;
          return;
        }
        restored++;
        expectLegalTracker(r, oracle);
        // It keeps working and saves a snapshot that restores again.
        for (const status of words) r.apply({ status });
        r.expireIfDue(clock.now + 100 * HOUR);
        expectLegalTracker(restoreTracker(JSON.stringify(r), restoreOptions(clock)), oracle);
      }),
      { numRuns: RUNS * 2 },
    );
    // Both branches must have been exercised, or the property says nothing.
    expect(rejected).toBeGreaterThan(RUNS / 4);
    expect(restored).toBeGreaterThan(0);
  });
});
