import * as fc from 'fast-check';
import { createTracker, restoreTracker, type CompiledLifecycle, type Tracker } from '../../src';
import { UNDER_TEST } from '../support/channels';
import type { Oracle } from '../support/oracle';

const START = Date.UTC(2026, 0, 1);
const HOUR = 3_600_000;
const MAX_SEEN = 3;
const IDS = ['a', 'b', 'c', 'd', 'e'];

/**
 * A tiny reference model written from LIFECYCLE.md over the xstate-derived
 * oracle: a status, a first-in-first-out list of seen ids, a tally per
 * status, and when the current status began (for the timer).
 */
interface Model {
  oracle: Oracle;
  status: string;
  seen: string[];
  counts: Record<string, number>;
  since: number;
  clock: number;
  validityMs: number;
}
interface Real {
  tracker: Tracker;
  clock: { now: number };
}

function enter(m: Model, status: string, since: number): void {
  if (status !== m.status) m.since = since;
  m.status = status;
  m.counts[status]++;
}

function fireIfDue(m: Model, now: number): boolean {
  const to = m.oracle.timers.get(m.status);
  if (to === undefined || m.since + m.validityMs > now) return false;
  enter(m, to, m.since + m.validityMs);
  return true;
}

function modelApply(m: Model, e: { status: string; id?: string; at?: number }): 'applied' | 'ignored' | 'rejected' {
  fireIfDue(m, m.clock);
  if (e.id !== undefined) {
    if (m.seen.includes(e.id)) return 'ignored';
    m.seen.push(e.id);
    if (m.seen.length > MAX_SEEN) m.seen.shift();
  }
  const { oracle } = m;
  const s = m.status;
  const x = e.status;
  if (!oracle.statuses.includes(x)) return 'rejected';
  if (oracle.can(s, x)) {
    enter(m, x, e.at ?? m.clock);
    return 'applied';
  }
  if (x === s) return 'ignored';
  if (oracle.reach(s, x)) {
    // Everything on the way is implied, a status only a timer reaches included.
    for (const b of oracle.between(s, x) ?? []) m.counts[b]++;
    enter(m, x, e.at ?? m.clock);
    return 'applied';
  }
  return oracle.reach(x, s) ? 'ignored' : 'rejected';
}

function compare(m: Model, r: Real): void {
  expect(r.tracker.status).toBe(m.status);
  expect(r.tracker.counts).toEqual(m.counts);
  const timed = m.oracle.timers.has(m.status);
  expect(r.tracker.deadline).toBe(timed ? m.since + m.validityMs : undefined);
  for (const id of IDS) expect(r.tracker.hasSeen(id)).toBe(m.seen.includes(id));
}

class ApplyCommand implements fc.Command<Model, Real> {
  constructor(readonly event: { status: string; id?: string; at?: number }) {}
  check = () => true;
  run(m: Model, r: Real): void {
    const expected = modelApply(m, this.event);
    expect(r.tracker.apply(this.event).outcome).toBe(expected);
    compare(m, r);
  }
  toString = () => `apply(${JSON.stringify(this.event)})`;
}

class TickCommand implements fc.Command<Model, Real> {
  constructor(readonly ms: number) {}
  check = () => true;
  run(m: Model, r: Real): void {
    m.clock += this.ms;
    r.clock.now += this.ms;
  }
  toString = () => `tick(${this.ms})`;
}

/** Moves the clock to the current status's deadline + delta (−1, 0 or +1 ms), when that is ahead. */
class ToDeadlineCommand implements fc.Command<Model, Real> {
  constructor(readonly delta: -1 | 0 | 1) {}
  check = (m: Readonly<Model>) => m.oracle.timers.has(m.status) && m.since + m.validityMs + this.delta > m.clock;
  run(m: Model, r: Real): void {
    const to = m.since + m.validityMs + this.delta;
    m.clock = to;
    r.clock.now = to;
  }
  toString = () => `toDeadline(${this.delta >= 0 ? '+' : ''}${this.delta})`;
}

class ExpireCommand implements fc.Command<Model, Real> {
  check = () => true;
  run(m: Model, r: Real): void {
    expect(r.tracker.expireIfDue()).toBe(fireIfDue(m, m.clock));
    compare(m, r);
  }
  toString = () => 'expireIfDue()';
}

class SaveRestoreCommand implements fc.Command<Model, Real> {
  constructor(readonly channels: CompiledLifecycle[]) {}
  check = () => true;
  run(m: Model, r: Real): void {
    r.tracker = restoreTracker(JSON.stringify(r.tracker), { now: () => r.clock.now, channels: this.channels });
    compare(m, r);
  }
  toString = () => 'save+restore';
}

describe.each(UNDER_TEST)('model-based: tracker vs reference model on $name', ({ channel, oracle, words, timers }) => {
  const channels = typeof channel === 'string' ? [] : [channel];
  const event = fc.record(
    {
      // Mostly the channel's own statuses, so timed ones are reached often; the rest of its vocabulary and junk too.
      status: fc.oneof(
        { weight: 6, arbitrary: fc.constantFrom<string>(...oracle.statuses) },
        { weight: 3, arbitrary: fc.constantFrom<string>(...words) },
        { weight: 1, arbitrary: fc.constant('bogus') },
      ),
      id: fc.constantFrom(...IDS),
      at: fc.integer({ min: START - HOUR, max: START + 24 * HOUR }),
    },
    { requiredKeys: ['status'] },
  );
  const commands = fc.commands(
    [
      event.map((e) => new ApplyCommand(e)),
      fc.integer({ min: 1, max: 2 * HOUR }).map((ms) => new TickCommand(ms)),
      fc.constantFrom(-1 as const, 0 as const, 1 as const).map((delta) => new ToDeadlineCommand(delta)),
      fc.constant(new ExpireCommand()),
      fc.constant(new SaveRestoreCommand(channels)),
    ],
    { maxCommands: 40 },
  );

  test('every command leaves the tracker where the model is', () => {
    fc.assert(
      fc.property(commands, (cmds) => {
        const validityMs = HOUR;
        const clock = { now: START };
        const tracker = createTracker(channel, {
          now: () => clock.now,
          maxSeenIds: MAX_SEEN,
          ...timers(validityMs),
        });
        const model: Model = {
          oracle,
          status: oracle.initial,
          seen: [],
          counts: Object.fromEntries(oracle.statuses.map((s) => [s, 0])),
          since: START,
          clock: START,
          validityMs,
        };
        fc.modelRun(() => ({ model, real: { tracker, clock } }), cmds);
      }),
      { numRuns: 300 },
    );
  });
});
