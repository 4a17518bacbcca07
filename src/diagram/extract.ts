import type { AnyStateMachine } from 'xstate';
import { lifecycleOf, type ChannelRef } from '../catalog';
import { compileLifecycle, type CompiledLifecycle } from '../compile';
import { LifecycleError } from '../errors';
import { show } from '../messages';
import { formatDelay, type DiagramEdge, type DiagramModel, type DiagramNode } from './model';

/** What a diagram can be drawn from: a built-in channel name, a compiled lifecycle, or an xstate machine. */
export type DiagramSource = ChannelRef | AnyStateMachine;

/** Options shared by every renderer. */
export interface DiagramOptions {
  /**
   * Delay lengths in ms by the machine's delay name (or by the number it
   * uses literally), overriding what the machine computes for its default
   * input. E.g. `{ validity: 24 * 3_600_000 }` labels the SMS timer
   * "after 24 h" for a message sent with a 24-hour validity.
   */
  readonly delays?: Readonly<Record<string, number>>;
}

const compiledMachines = new WeakMap<AnyStateMachine, CompiledLifecycle>();

function isMachine(value: unknown): value is AnyStateMachine {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { transition?: unknown }).transition === 'function' &&
    typeof (value as { root?: unknown }).root === 'object'
  );
}

/**
 * The compiled tables behind `source`. A raw machine is compiled with
 * `compileLifecycle` once and remembered. Throws `LifecycleError`:
 * `unknown_channel` for anything else, `invalid_definition` for a machine
 * that is not a lifecycle.
 *
 * @example lifecycleForDiagram(myMachine).statuses // the machine's state keys, in order
 */
export function lifecycleForDiagram(source: DiagramSource): CompiledLifecycle {
  const lifecycle = lifecycleOf(source as unknown);
  if (lifecycle !== undefined) return lifecycle;
  if (isMachine(source)) {
    let compiled = compiledMachines.get(source);
    if (compiled === undefined) {
      compiled = compileLifecycle(source);
      compiledMachines.set(source, compiled);
    }
    return compiled;
  }
  throw new LifecycleError('unknown_channel', `cannot draw ${show(source)}: not a channel, compiled lifecycle or xstate machine`);
}

/**
 * Reads a lifecycle into the neutral {@link DiagramModel}: the only place
 * diagrams look at a machine, and only through its compiled tables. Timer
 * labels come from the delay in ms (`after 48 h`), never from xstate's
 * internal event name; a delay whose length cannot be computed is labelled
 * with its name (`after validity`). Pure for a given source and options.
 * Throws `LifecycleError` as {@link lifecycleForDiagram} does, and
 * `invalid_argument` for a delay override that is not a positive finite number.
 *
 * @example
 * extractDiagram('sms').edges.find((e) => e.kind === 'timer')
 * // { from: 'SUBMITTED', to: 'EXPIRED', kind: 'timer', label: 'after 48 h' }
 */
export function extractDiagram(source: DiagramSource, options: DiagramOptions = {}): DiagramModel {
  const lifecycle = lifecycleForDiagram(source);
  const { statuses, size: n } = lifecycle;
  const overrides = options.delays ?? {};
  for (const [name, ms] of Object.entries(overrides)) {
    if (typeof ms !== 'number' || !Number.isFinite(ms) || ms <= 0) {
      throw new LifecycleError('invalid_argument', `delay ${show(name)} must be a positive finite number of ms, got ${show(ms)}`);
    }
  }
  const nodes: DiagramNode[] = statuses.map((id, i) => ({
    id,
    description: lifecycle.descriptions[i],
    initial: i === lifecycle.initial,
    final: lifecycle.final[i] === 1,
    selfLoop: lifecycle.edges[i * n + i] === 1,
  }));
  const edges: DiagramEdge[] = [];
  for (let from = 0; from < n; from++) {
    for (const to of lifecycle.next[from]) {
      edges.push(
        from === to
          ? { from: statuses[from], to: statuses[to], kind: 'self', label: 'repeat' }
          : { from: statuses[from], to: statuses[to], kind: 'report', label: '' },
      );
    }
    for (const timer of lifecycle.timers) {
      if (timer.from !== from) continue;
      const override = Object.hasOwn(overrides, String(timer.delay)) ? overrides[String(timer.delay)] : undefined;
      const ms = override ?? timer.delayMs;
      const label = `after ${ms === undefined ? String(timer.delay) : formatDelay(ms)}`;
      edges.push({ from: statuses[from], to: statuses[timer.to], kind: 'timer', label });
    }
  }
  return { name: lifecycle.name, nodes, edges };
}
