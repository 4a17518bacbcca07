/**
 * An independent model of a lifecycle for tests: the machine as xstate itself
 * runs it (`snapshot.can` + the pure `transition()`, timers fired through
 * xstate too), with status names from LIFECYCLE.md; never src/compile.ts's
 * tables, which are what the tests check.
 */
import { initialTransition, transition, type AnyMachineSnapshot, type AnyStateMachine } from 'xstate';
import { emailMachine, smsMachine } from '../../src/machines';
import { CATALOG } from './lifecycle-md';

/** The built-in channels and their machines. */
export const MACHINES = { sms: smsMachine, email: emailMachine } as const;
export const CHANNEL_NAMES = Object.keys(MACHINES) as (keyof typeof MACHINES)[];

type Edges = ReadonlyMap<string, ReadonlySet<string>>;

/** A lifecycle as xstate runs it. */
export interface Oracle {
  /** State keys of the machine, in definition order. */
  readonly statuses: readonly string[];
  readonly initial: string;
  /** Statuses in which xstate considers the machine done. */
  readonly final: ReadonlySet<string>;
  /** xstate accepts the event `to` in `from` and ends in `to` (counted self-loops included). */
  can(from: unknown, to: unknown): boolean;
  /** Reported moves to other statuses (what may be implied). */
  readonly reported: Edges;
  /** Moves to other statuses: a status's reported moves, then its timer's. */
  readonly step: Edges;
  /** `after` timers, fired through xstate: from → where the machine lands. */
  readonly timers: ReadonlyMap<string, string>;
  /** Reachable by one or more steps (reported or timed), self-loops not counted. */
  reach(from: string, to: string): boolean;
  /**
   * Statuses strictly between on a shortest path of reported and timed steps
   * (breadth first, a status's reported steps before its timer), so a status
   * only a timer reaches is between too; undefined when `to` is not reachable.
   */
  between(from: string, to: string): string[] | undefined;
  /** A snapshot of the machine after `path` (each step an accepted event), from the initial snapshot. */
  snapshotAfter(path: readonly string[]): AnyMachineSnapshot;
}

/**
 * Breadth first over `edges` from `from`: every status reached, with the
 * statuses of a shortest path to it (`from` excluded, the status itself last;
 * `from` maps to []). Ties go to the edge listed first.
 */
function shortestPaths(edges: Edges, from: string): Map<string, readonly string[]> {
  const paths = new Map<string, readonly string[]>([[from, []]]);
  const queue = [from];
  for (let i = 0; i < queue.length; i++) {
    for (const to of edges.get(queue[i]) ?? []) {
      if (!paths.has(to)) {
        paths.set(to, [...(paths.get(queue[i]) as readonly string[]), to]);
        queue.push(to);
      }
    }
  }
  return paths;
}

/** Breadth-first distances from `from` over `edges` (`from` itself at 0). */
export function distances(edges: Edges, from: string): Map<string, number> {
  return new Map([...shortestPaths(edges, from)].map(([to, path]) => [to, path.length]));
}

const cache = new Map<AnyStateMachine, Oracle>();

/**
 * The oracle of `machine`. The events tried are the catalog names, then the
 * machine's own state keys (a custom channel's names), each as `{ type }`.
 */
export function oracleFor(machine: AnyStateMachine): Oracle {
  const hit = cache.get(machine);
  if (hit) return hit;
  const statuses = Object.keys(machine.root.states);
  const words = [...new Set<string>([...CATALOG, ...statuses])];
  const [start] = initialTransition(machine, undefined);
  const initial = String(start.value);
  // Search from the initial snapshot so each status is judged with a context the machine really has there.
  const reachedWith = new Map<string, AnyMachineSnapshot>([[initial, start]]);
  const snapshot = (status: string): AnyMachineSnapshot =>
    reachedWith.get(status) ?? machine.resolveState({ value: status, context: start.context });
  const can = (from: unknown, to: unknown): boolean => {
    if (typeof from !== 'string' || typeof to !== 'string' || !statuses.includes(from)) return false;
    const before = snapshot(from);
    if (!before.can({ type: to })) return false;
    const [after] = transition(machine, before, { type: to });
    return after.value === to;
  };
  const reported = new Map<string, Set<string>>();
  const step = new Map<string, Set<string>>();
  const timers = new Map<string, string>();
  const queue = [initial];
  const enqueue = (status: string, snap: AnyMachineSnapshot) => {
    if (queue.includes(status)) return;
    reachedWith.set(status, snap);
    queue.push(status);
  };
  const explore = (from: string) => {
    const before = snapshot(from);
    const moves = new Set<string>();
    for (const to of words) {
      if (to === from || !can(from, to)) continue;
      moves.add(to);
      enqueue(to, transition(machine, before, { type: to })[0]);
    }
    reported.set(from, new Set(moves));
    for (const t of machine.root.states[from].after) {
      const [after] = transition(machine, before, { type: t.eventType });
      const to = String(after.value);
      if (to === from) continue;
      if (timers.has(from)) throw new Error(`the oracle knows one timer per status; ${from} has more`);
      timers.set(from, to);
      moves.add(to);
      enqueue(to, after);
    }
    step.set(from, moves);
  };
  for (let i = 0; ; i++) {
    if (i === queue.length) {
      // A status the search never reached still gets its moves, so can/step cover every state key.
      const rest = statuses.find((s) => !queue.includes(s));
      if (rest === undefined) break;
      queue.push(rest);
    }
    explore(queue[i]);
  }
  const oracle: Oracle = {
    statuses,
    initial,
    final: new Set(statuses.filter((s) => snapshot(s).status === 'done')),
    can,
    reported,
    step,
    timers,
    reach: (from, to) => [...(step.get(from) ?? [])].some((first) => first === to || shortestPaths(step, first).has(to)),
    between(from, to) {
      const path = from === to ? undefined : shortestPaths(step, from).get(to);
      return path?.slice(0, -1);
    },
    snapshotAfter(path) {
      let snap = start;
      for (const s of path) {
        if (!snap.can({ type: s })) throw new Error(`the machine refuses ${s} in ${String(snap.value)}`);
        [snap] = transition(machine, snap, { type: s });
      }
      return snap;
    },
  };
  cache.set(machine, oracle);
  return oracle;
}

export type ExpectedCode =
  | 'ok'
  | 'unknown_channel'
  | 'unknown_status'
  | 'inapplicable_status'
  | 'duplicate'
  | 'skipped'
  | 'stale'
  | 'from_final'
  | 'illegal_transition';

/** LIFECYCLE.md's ordering table, checked in its order, over the xstate oracle. */
export function classify(channel: unknown, from: unknown, to: unknown): { code: ExpectedCode; side?: 'from' | 'to' } {
  if (channel !== 'sms' && channel !== 'email') return { code: 'unknown_channel' };
  const oracle = oracleFor(MACHINES[channel]);
  for (const [side, status] of [['from', from], ['to', to]] as const) {
    if (typeof status !== 'string' || !(CATALOG as readonly string[]).includes(status)) return { code: 'unknown_status', side };
    if (!oracle.statuses.includes(status)) return { code: 'inapplicable_status', side };
  }
  const c = from as string;
  const x = to as string;
  if (oracle.can(c, x)) return { code: 'ok' };
  if (x === c) return { code: 'duplicate' };
  if (oracle.reach(c, x)) return { code: 'skipped' };
  if (oracle.reach(x, c)) return { code: 'stale' };
  if (oracle.final.has(c)) return { code: 'from_final' };
  return { code: 'illegal_transition' };
}
