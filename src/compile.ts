import { initialTransition, type AnyStateMachine } from 'xstate';
import { LifecycleError } from './errors';
import { INAPPLICABLE, Relation, sealLifecycle, type CompiledLifecycle, type TimerEdge } from './lifecycle';

export { INAPPLICABLE, Relation, isCompiledLifecycle, type CompiledLifecycle, type TimerEdge } from './lifecycle';

export interface CompileOptions {
  /** The channel's name; defaults to the machine's id. */
  readonly name?: string;
  /**
   * Names the channel recognises but does not use (reported as
   * `inapplicable_status` rather than `unknown_status`). Defaults to none.
   */
  readonly vocabulary?: readonly string[];
}

const AFTER_EVENT = /^xstate\.after\./;

/** Enough of a machine's shape to read it: a root state node with child states and a config. */
function isMachine(value: unknown): value is AnyStateMachine {
  if (typeof value !== 'object' || value === null) return false;
  const root = (value as { root?: unknown }).root;
  return (
    typeof root === 'object' &&
    root !== null &&
    typeof (root as { states?: unknown }).states === 'object' &&
    (root as { states?: unknown }).states !== null &&
    typeof (root as { config?: unknown }).config === 'object'
  );
}

function invalid(name: string, message: string): LifecycleError {
  return new LifecycleError('invalid_definition', `${name}: ${message}`, { channel: name });
}

/**
 * Compiles a lifecycle machine into tables: the one engine behind every
 * channel. The machine must be flat (one atomic or final state per status),
 * each event named after the status it reports and leading to that status
 * (or staying, for a counted repeat: a targetless transition with an action),
 * with no guards or eventless transitions. A targetless transition without
 * actions is ignored, as xstate never takes it. Without its self-loops the
 * graph must be acyclic, every status reachable from the initial one, and
 * every non-final status must have a way out. Anything else throws
 * `LifecycleError('invalid_definition')`.
 */
export function compileLifecycle<S extends string = string>(
  machine: AnyStateMachine,
  options: CompileOptions = {},
): CompiledLifecycle<S> {
  if (!isMachine(machine)) {
    const name = typeof options?.name === 'string' ? options.name : 'compileLifecycle';
    throw invalid(name, 'expected an xstate machine (createMachine or setup().createMachine), got something else');
  }
  const name = options.name ?? machine.id;
  const root = machine.root;
  const nodes = Object.values(root.states);
  if (nodes.length === 0) throw invalid(name, 'the machine has no states');
  const statuses = nodes.map((node) => node.key as S);
  const n = statuses.length;
  // Only to read the machine; sealLifecycle builds the lifecycle's own index the same way.
  const ids = new Map<string, number>();
  for (const word of options.vocabulary ?? []) ids.set(word, INAPPLICABLE);
  statuses.forEach((status, id) => ids.set(status, id));
  const vocabulary = [...new Set([...(options.vocabulary ?? []), ...statuses])];

  const initialKey = root.config.initial;
  if (typeof initialKey !== 'string' || !ids.has(initialKey)) throw invalid(name, 'the machine has no initial status');
  const initial = ids.get(initialKey) as number;

  const final = new Uint8Array(n);
  const edges = new Uint8Array(n * n);
  const next: number[][] = statuses.map(() => []);
  const timers: TimerEdge[] = [];
  const delays = (machine.implementations?.delays ?? {}) as Record<string, unknown>;

  nodes.forEach((node, from) => {
    if (node.type !== 'atomic' && node.type !== 'final') {
      throw invalid(name, `status ${node.key} must be a simple state, not ${node.type}`);
    }
    if (node.always?.length) throw invalid(name, `status ${node.key} has an eventless transition`);
    if (node.type === 'final') final[from] = 1;
    for (const [event, transitions] of node.transitions) {
      for (const t of transitions) {
        if (t.guard) throw invalid(name, `the transition ${node.key} → ${event} has a guard; lifecycles are static`);
        const targets = t.target ?? [];
        if (targets.length > 1) throw invalid(name, `the transition ${node.key} → ${event} has several targets`);
        const target = targets[0];
        if (target !== undefined && target.parent !== root) throw invalid(name, `the transition ${node.key} → ${event} leaves the machine's top level`);
        if (AFTER_EVENT.test(event)) {
          if (target === undefined) throw invalid(name, `the timer in ${node.key} has no target`);
          const delay = (t as { delay?: unknown }).delay;
          timers.push(timerEdge(machine, from, ids.get(target.key) as number, delay, delays));
          continue;
        }
        const to = ids.get(event);
        if (to === undefined || to === INAPPLICABLE) {
          throw invalid(name, `event ${event} in ${node.key} is not a status of the channel`);
        }
        // xstate does not take a transition with neither target nor actions (`can()` is false), so neither do we.
        if (target === undefined && t.actions.length === 0) continue;
        const targetId = target === undefined ? from : (ids.get(target.key) as number);
        if (targetId !== to) {
          throw invalid(name, `event ${event} in ${node.key} must lead to ${event}, not ${target?.key ?? node.key}`);
        }
        if (!edges[from * n + to]) {
          edges[from * n + to] = 1;
          next[from].push(to);
        }
      }
    }
    if (final[from] && (next[from].length > 0 || timers.some((timer) => timer.from === from))) {
      throw invalid(name, `final status ${node.key} has a way out`);
    }
  });

  // Reachability over reported and timed edges; self-loops do not count for order.
  const step: number[][] = next.map((targets, from) => targets.filter((to) => to !== from));
  for (const timer of timers) if (timer.to !== timer.from && !step[timer.from].includes(timer.to)) step[timer.from].push(timer.to);
  const reach = new Uint8Array(n * n);
  for (let from = 0; from < n; from++) {
    const stack = [...step[from]];
    while (stack.length > 0) {
      const at = stack.pop() as number;
      if (reach[from * n + at]) continue;
      reach[from * n + at] = 1;
      stack.push(...step[at]);
    }
  }
  for (let s = 0; s < n; s++) {
    if (reach[s * n + s]) throw invalid(name, `status ${statuses[s]} can return to itself through others; only self-loops may repeat`);
    if (s !== initial && !reach[initial * n + s]) throw invalid(name, `status ${statuses[s]} cannot be reached from ${statuses[initial]}`);
    if (!final[s] && next[s].length === 0 && step[s].length === 0) throw invalid(name, `status ${statuses[s]} is not final but has no way out`);
  }

  const relation = new Uint8Array(n * n);
  const implied: (readonly number[])[] = new Array<readonly number[]>(n * n).fill(EMPTY);
  for (let from = 0; from < n; from++) {
    for (let to = 0; to < n; to++) {
      const k = from * n + to;
      if (edges[k]) relation[k] = Relation.legal;
      else if (from === to) relation[k] = Relation.duplicate;
      else if (reach[k]) {
        relation[k] = Relation.skipped;
        implied[k] = shortestPathBetween(step, from, to);
      } else if (reach[to * n + from]) relation[k] = Relation.stale;
      else if (final[from]) relation[k] = Relation.fromFinal;
      else relation[k] = Relation.illegal;
    }
  }

  const previous: number[][] = statuses.map(() => []);
  for (let from = 0; from < n; from++) for (const to of next[from]) previous[to].push(from);

  return sealLifecycle<S>({
    name,
    machine,
    statuses: Object.freeze(statuses),
    initial,
    vocabulary: Object.freeze(vocabulary),
    descriptions: Object.freeze(nodes.map((node) => node.description ?? '')),
    tags: Object.freeze(nodes.map((node) => Object.freeze([...node.tags]))),
    final,
    edges,
    reach,
    relation,
    implied: Object.freeze(implied),
    next: Object.freeze(next.map((a) => Object.freeze(a))),
    previous: Object.freeze(previous.map((a) => Object.freeze(a))),
    timers: Object.freeze(timers),
  });
}

const EMPTY: readonly number[] = Object.freeze([]);

/**
 * Statuses strictly between `from` and `to` on a shortest path (breadth
 * first, ties broken by definition order, reported transitions before
 * timers), so a status reached only by a timer is implied too.
 */
function shortestPathBetween(next: readonly (readonly number[])[], from: number, to: number): readonly number[] {
  const parent = new Map<number, number>([[from, -1]]);
  const queue = [from];
  for (let i = 0; i < queue.length; i++) {
    const at = queue[i];
    if (at === to) break;
    for (const t of next[at]) {
      if (!parent.has(t)) {
        parent.set(t, at);
        queue.push(t);
      }
    }
  }
  const path: number[] = [];
  for (let at = parent.get(to) as number; at !== from; at = parent.get(at) as number) path.unshift(at);
  return Object.freeze(path);
}

function timerEdge(
  machine: AnyStateMachine,
  from: number,
  to: number,
  delay: unknown,
  delays: Record<string, unknown>,
): TimerEdge {
  let ms: number | undefined | null = null;
  return Object.freeze({
    from,
    to,
    delay: typeof delay === 'number' || typeof delay === 'string' ? delay : String(delay),
    get delayMs(): number | undefined {
      if (ms === null) ms = delayMs(machine, delay, delays);
      return ms;
    },
  });
}

function delayMs(machine: AnyStateMachine, delay: unknown, delays: Record<string, unknown>): number | undefined {
  if (typeof delay === 'number') return delay;
  const fn = typeof delay === 'string' ? delays[delay] : delay;
  if (typeof fn === 'number') return fn;
  if (typeof fn !== 'function') return undefined;
  try {
    // The context as the machine declares it when it is an object: its initial
    // status's entry actions (e.g. setting a deadline) are not yet applied, so a
    // delay that counts down to a deadline in context gives its full length.
    const declared: unknown = machine.config.context;
    const context = typeof declared === 'object' && declared !== null ? declared : (initialTransition(machine)[0] as { context: unknown }).context;
    const ms: unknown = (fn as (args: { context: unknown; event: unknown }) => unknown)({ context, event: { type: '' } });
    return typeof ms === 'number' && Number.isFinite(ms) ? ms : undefined;
  } catch {
    return undefined;
  }
}
