import { initialTransition, transition, type AnyMachineSnapshot, type AnyStateMachine } from 'xstate';
import { STATUSES } from '../../src';

/**
 * The lifecycle graph as xstate itself runs it, found by breadth-first search
 * over real snapshots (`snapshot.can` + `transition`) with every name of the
 * channel's vocabulary as an event. Independent of the compiled tables under test.
 */
export interface Oracle {
  readonly initial: string;
  /** Statuses reached by events, in discovery order. */
  readonly statuses: readonly string[];
  /** Reported transitions, self-loops included. */
  readonly edges: ReadonlyMap<string, ReadonlySet<string>>;
  /** `after` timers read from the machine's config: from → to. */
  readonly timers: ReadonlyMap<string, string>;
  readonly final: ReadonlySet<string>;
  edge(from: string, to: string): boolean;
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

const cache = new Map<AnyStateMachine, Oracle>();

export function oracleFor(machine: AnyStateMachine, words: readonly string[] = STATUSES): Oracle {
  const hit = cache.get(machine);
  if (hit) return hit;
  const [start] = initialTransition(machine, undefined);
  const initial = String(start.value);
  const edges = new Map<string, Set<string>>();
  const final = new Set<string>();
  const queue: AnyMachineSnapshot[] = [start];
  const visited = new Set([initial]);
  const timers = new Map<string, string>();
  const states = (machine.config.states ?? {}) as Record<string, { after?: Record<string, { target?: string } | string> }>;
  for (const [from, config] of Object.entries(states)) {
    for (const t of Object.values(config.after ?? {})) {
      const target = typeof t === 'string' ? t : t.target;
      if (target) timers.set(from, target.replace(/^\./, ''));
    }
  }
  for (let i = 0; i < queue.length; i++) {
    const snap = queue[i];
    const from = String(snap.value);
    edges.set(from, new Set());
    if (snap.status === 'done') final.add(from);
    for (const word of words) {
      if (!snap.can({ type: word })) continue;
      const [next] = transition(machine, snap, { type: word });
      const to = String(next.value);
      edges.get(from)!.add(to);
      if (!visited.has(to)) {
        visited.add(to);
        queue.push(next);
      }
    }
    // A status only a timer reaches: continue the search from it.
    const timed = timers.get(from);
    if (timed !== undefined && !visited.has(timed)) {
      visited.add(timed);
      queue.push(machine.resolveState({ value: timed, context: snap.context }));
    }
  }
  const step = (s: string): string[] => [...(edges.get(s) ?? [])].filter((t) => t !== s).concat(timers.has(s) ? [timers.get(s)!] : []);
  const reach = (from: string, to: string): boolean => {
    const seen = new Set<string>();
    const stack = step(from);
    while (stack.length) {
      const s = stack.pop()!;
      if (s === to) return true;
      if (seen.has(s)) continue;
      seen.add(s);
      stack.push(...step(s));
    }
    return false;
  };
  const between = (from: string, to: string): string[] | undefined => {
    const parent = new Map<string, string | null>([[from, null]]);
    const q = [from];
    for (let i = 0; i < q.length; i++) {
      for (const t of step(q[i])) if (!parent.has(t)) { parent.set(t, q[i]); q.push(t); }
    }
    if (!parent.has(to) || from === to) return undefined;
    const path: string[] = [];
    for (let at = parent.get(to)!; at !== from; at = parent.get(at)!) path.unshift(at);
    return path;
  };
  const oracle: Oracle = {
    initial,
    statuses: queue.map((s) => String(s.value)),
    edges,
    timers,
    final,
    edge: (from, to) => edges.get(from)?.has(to) ?? false,
    reach,
    between,
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
