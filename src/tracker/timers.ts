import type { CompiledLifecycle, TimerEdge } from '../lifecycle';
import { show } from '../messages';
import { badArgument, isPositiveMs } from './options';
import type { State, TrackerOptions } from './types';

// Timers: a timed status's deadline, and each timer's delay in ms.

/** The timer of the current status that is due first, with its deadline. */
export function dueTimer(s: State<string>): { timer: TimerEdge; deadline: number } | undefined {
  const from = s.lifecycle.ids.get(s.status) as number;
  let best: { timer: TimerEdge; deadline: number } | undefined;
  s.lifecycle.timers.forEach((timer, i) => {
    if (timer.from !== from) return;
    const deadline = s.since + s.delays[i];
    if (best === undefined || deadline < best.deadline) best = { timer, deadline };
  });
  return best;
}

/** One ms value per timer: `delays[name]`, `validityMs` for `validity`, else the machine's own. */
export function resolveDelays(lifecycle: CompiledLifecycle, options: TrackerOptions): number[] {
  const given = new Map<string, number>();
  if (options.delays !== undefined) {
    if (typeof options.delays !== 'object' || options.delays === null) throw badArgument(`delays must be an object, got ${show(options.delays)}`);
    for (const [name, ms] of Object.entries(options.delays)) given.set(name, ms);
  }
  if (options.validityMs !== undefined) given.set('validity', options.validityMs);
  const names = new Set(lifecycle.timers.map((timer) => String(timer.delay)));
  for (const [name, ms] of given) {
    if (!names.has(name)) throw badArgument(`${lifecycle.name} has no timer delay named ${show(name)}`);
    if (!isPositiveMs(ms)) throw badArgument(`delay ${show(name)} must be a positive finite number of ms, got ${show(ms)}`);
  }
  return lifecycle.timers.map((timer) => {
    const ms = given.get(String(timer.delay)) ?? timer.delayMs;
    if (!isPositiveMs(ms)) {
      throw badArgument(`${lifecycle.name}: the timer ${lifecycle.statuses[timer.from]} → ${lifecycle.statuses[timer.to]} has no fixed delay; pass delays.${String(timer.delay)}`);
    }
    return ms;
  });
}
