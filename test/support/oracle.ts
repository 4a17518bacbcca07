/**
 * An independent model of the lifecycles for tests: names written from
 * LIFECYCLE.md, edges read from the xstate machines by running them with
 * xstate's own pure `transition()`, never from src/compile.ts's tables.
 */
import { initialTransition, transition, type AnyMachineSnapshot, type AnyStateMachine } from 'xstate';
import { emailMachine, smsMachine } from '../../src';

/** The 11 catalog statuses, as LIFECYCLE.md lists them. */
export const CATALOG = [
  'REGISTERED',
  'SUBMITTED',
  'DELIVERED',
  'OPEN',
  'CLICKED',
  'EXPIRED',
  'UNDELIVERABLE',
  'DEFERRED',
  'REJECTED',
  'DROPPED',
  'FAILED',
] as const;

/** Which catalog statuses each channel uses, from LIFECYCLE.md's catalog table. */
export const APPLICABLE = {
  sms: ['REGISTERED', 'SUBMITTED', 'DELIVERED', 'EXPIRED', 'UNDELIVERABLE', 'FAILED'],
  email: ['SUBMITTED', 'DELIVERED', 'OPEN', 'CLICKED', 'UNDELIVERABLE', 'DEFERRED', 'REJECTED', 'DROPPED'],
} as const;

/** The channels and their machines. */
export const MACHINES = { sms: smsMachine, email: emailMachine } as const;
export type ChannelName = keyof typeof MACHINES;
export const CHANNEL_NAMES = Object.keys(MACHINES) as ChannelName[];

/** Strings that have broken lookup tables before. */
export const ADVERSARIAL: readonly unknown[] = [
  '__proto__',
  'constructor',
  'toString',
  'hasOwnProperty',
  'valueOf',
  'prototype',
  'delivered',
  'Delivered',
  ' DELIVERED',
  'DELIVERED ',
  'DELIVERED\n',
  'SUBMITTED\u0000',
  '',
  ' ',
  'null',
  'undefined',
  '*',
  'xstate.init',
  null,
  undefined,
  0,
  1,
  -1,
  NaN,
  true,
  false,
  {},
  [],
  ['DELIVERED'],
  { toString: () => 'DELIVERED' },
  { valueOf: () => 'DELIVERED' },
  new String('DELIVERED'),
  Symbol('DELIVERED'),
  10n,
  () => 'DELIVERED',
  Object.create(null),
];

/** A lifecycle graph as xstate runs it. */
export interface Graph {
  readonly machine: AnyStateMachine;
  /** State keys of the machine, in definition order. */
  readonly statuses: readonly string[];
  readonly initial: string;
  /** A snapshot resting in `status`. */
  snapshot(status: string): AnyMachineSnapshot;
  /** xstate accepts the event `to` in `from` and ends in `to` (self-loops included). */
  can(from: unknown, to: unknown): boolean;
  /** Whether xstate considers the machine done in `status`. */
  isFinal(status: string): boolean;
  /** Moves to other statuses: reported events plus timers, no self-loops. */
  readonly step: ReadonlyMap<string, ReadonlySet<string>>;
  /** Reported moves only (what may be implied), no self-loops. */
  readonly reported: ReadonlyMap<string, ReadonlySet<string>>;
}

const graphs = new Map<AnyStateMachine, Graph>();

/** The graph of `machine`, built by asking xstate about every (state, event) pair. */
export function graphOf(machine: AnyStateMachine): Graph {
  const cached = graphs.get(machine);
  if (cached) return cached;
  const [start] = initialTransition(machine, undefined);
  const statuses = Object.keys(machine.root.states);
  const snapshot = (status: string) => machine.resolveState({ value: status, context: start.context });
  const can = (from: unknown, to: unknown): boolean => {
    if (typeof from !== 'string' || typeof to !== 'string' || !statuses.includes(from)) return false;
    const before = snapshot(from);
    if (!before.can({ type: to })) return false;
    const [after] = transition(machine, before, { type: to });
    return after.value === to;
  };
  const step = new Map<string, Set<string>>();
  const reported = new Map<string, Set<string>>();
  for (const from of statuses) {
    const moves = new Set<string>();
    for (const to of CATALOG) if (to !== from && can(from, to)) moves.add(to);
    reported.set(from, new Set(moves));
    // Timers: fire each delayed event of the state through xstate and see where it lands.
    for (const t of machine.root.states[from].after) {
      const [after] = transition(machine, snapshot(from), { type: t.eventType });
      if (after.value !== from) moves.add(after.value as string);
    }
    step.set(from, moves);
  }
  const graph: Graph = {
    machine,
    statuses,
    initial: start.value as string,
    snapshot,
    can,
    isFinal: (status) => snapshot(status).status === 'done',
    step,
    reported,
  };
  graphs.set(machine, graph);
  return graph;
}

/** Breadth-first distances from `from` over `edges` (`from` itself at 0). */
export function distances(edges: ReadonlyMap<string, ReadonlySet<string>>, from: string): Map<string, number> {
  const dist = new Map<string, number>([[from, 0]]);
  const queue = [from];
  for (let i = 0; i < queue.length; i++) {
    for (const to of edges.get(queue[i]) ?? []) {
      if (!dist.has(to)) {
        dist.set(to, (dist.get(queue[i]) as number) + 1);
        queue.push(to);
      }
    }
  }
  return dist;
}

/** Reachable in one or more steps. */
export function reaches(graph: Graph, from: string, to: string): boolean {
  for (const first of graph.step.get(from) ?? []) if (first === to || distances(graph.step, first).has(to)) return true;
  return false;
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

/** LIFECYCLE.md's ordering table, checked in its order, over the xstate graph. */
export function classify(channel: unknown, from: unknown, to: unknown): { code: ExpectedCode; side?: 'from' | 'to' } {
  if (channel !== 'sms' && channel !== 'email') return { code: 'unknown_channel' };
  const graph = graphOf(MACHINES[channel]);
  for (const [side, status] of [['from', from], ['to', to]] as const) {
    if (typeof status !== 'string' || !(CATALOG as readonly string[]).includes(status)) return { code: 'unknown_status', side };
    if (!graph.statuses.includes(status)) return { code: 'inapplicable_status', side };
  }
  const c = from as string;
  const x = to as string;
  if (graph.can(c, x)) return { code: 'ok' };
  if (x === c) return { code: 'duplicate' };
  if (reaches(graph, c, x)) return { code: 'skipped' };
  if (reaches(graph, x, c)) return { code: 'stale' };
  if (graph.isFinal(c)) return { code: 'from_final' };
  return { code: 'illegal_transition' };
}
