import type { DDSketch } from '@datadog/sketches-js';
import type { CompiledLifecycle } from '../compile';
import type { ChannelFigures, DetailCount, FailureFigures, TimingFigures, TransitionCount } from './model';
import { newSketch, quantileOf, sketchToData, type SketchData } from './sketch';

/** The tag that marks a failure status in a lifecycle machine (`tags: ['failure']` on the state). */
export const FAILURE_TAG = 'failure';

/**
 * 1 for each status whose machine state carries the {@link FAILURE_TAG}
 * tag: which final statuses are failures is a fact of the machine, not of
 * the report. A machine without tags has no failure statuses.
 *
 * @example failureMask(lifecycleOf('sms'))[lifecycleOf('sms').ids.get('EXPIRED')!] // 1
 */
export function failureMask(lifecycle: CompiledLifecycle): Uint8Array {
  const mask = new Uint8Array(lifecycle.size);
  const states = (lifecycle.machine.root as { states?: Record<string, { tags?: readonly string[] } | undefined> }).states ?? {};
  lifecycle.statuses.forEach((status, i) => {
    const tags = Object.hasOwn(states, status) ? states[status]?.tags : undefined;
    if (Array.isArray(tags) && tags.includes(FAILURE_TAG)) mask[i] = 1;
  });
  return mask;
}

/** The raw counts of one channel, from the log fold or from the store's SQL. Tables are `n * n`, indexed `from * n + to`. */
export interface ChannelCounts {
  readonly lifecycle: CompiledLifecycle;
  readonly started: number;
  readonly reached: ArrayLike<number>;
  readonly impliedOnly: ArrayLike<number>;
  readonly steps: ArrayLike<number>;
  readonly impliedSteps: ArrayLike<number>;
  readonly sketches: ReadonlyArray<DDSketch | SketchData | undefined>;
  readonly negative: ArrayLike<number>;
  readonly failure: Uint8Array;
  readonly details: ReadonlyMap<string, number>;
  readonly otherDetails: number;
  readonly withoutDetail: number;
}

const share = (count: number, of: number): number => (of === 0 ? 0 : count / of);

/**
 * Every pair the lifecycle can step along, in the diagram's order: each
 * status's legal next statuses (self-transitions included), then its timed
 * ones; any other pair with counts (none for a well-formed table) last.
 *
 * @example stepPairs(lifecycleOf('sms'))[0] // REGISTERED * size + SUBMITTED
 */
export function stepPairs(lifecycle: CompiledLifecycle, steps?: ArrayLike<number>): number[] {
  const n = lifecycle.size;
  const pairs: number[] = [];
  const seen = new Set<number>();
  const add = (pair: number) => {
    if (!seen.has(pair)) {
      seen.add(pair);
      pairs.push(pair);
    }
  };
  for (let from = 0; from < n; from++) {
    for (const to of lifecycle.next[from]) add(from * n + to);
    for (const timer of lifecycle.timers) if (timer.from === from) add(from * n + timer.to);
  }
  if (steps !== undefined) for (let pair = 0; pair < n * n; pair++) if (steps[pair] > 0) add(pair);
  return pairs;
}

/**
 * Details most frequent first, ties by text (so the order never depends on arrival).
 *
 * @example rankDetails(new Map([['b', 1], ['a', 1], ['c', 5]])) // c, a, b
 */
export function rankDetails(details: Iterable<readonly [string, number]>): DetailCount[] {
  return [...details]
    .map(([detail, count]) => ({ detail, count }))
    .sort((a, b) => b.count - a.count || (a.detail < b.detail ? -1 : a.detail > b.detail ? 1 : 0));
}

function isSketch(value: DDSketch | SketchData): value is DDSketch {
  return typeof (value as DDSketch).accept === 'function';
}

/**
 * The timing figures of one sketch: count, exact min, max and mean, quantiles within 1 %.
 *
 * @example timingOf('SUBMITTED', 'DELIVERED', data, 0).median
 */
export function timingOf(from: string, to: string, sketch: SketchData, negative: number): TimingFigures {
  return {
    from,
    to,
    count: sketch.count,
    negative,
    median: quantileOf(sketch, 0.5),
    p90: quantileOf(sketch, 0.9),
    p99: quantileOf(sketch, 0.99),
    min: sketch.min,
    max: sketch.max,
    mean: sketch.count === 0 ? null : sketch.sum / sketch.count,
    sketch,
  };
}

/**
 * One channel's figures from its raw counts and its final-status totals.
 * Pure.
 *
 * @example figuresOf(counts, summary.statuses.sms).funnel[0].share // 1
 */
export function figuresOf(counts: ChannelCounts, finals: Readonly<Record<string, number>>): ChannelFigures {
  const { lifecycle, started } = counts;
  const { statuses, size: n } = lifecycle;
  const transitions: TransitionCount[] = stepPairs(lifecycle, counts.steps).map((pair) => ({
    from: statuses[Math.floor(pair / n)],
    to: statuses[pair % n],
    count: counts.steps[pair],
    implied: counts.impliedSteps[pair],
  }));
  const timings: TimingFigures[] = [];
  for (let from = 0; from < n; from++) {
    for (let to = 0; to < n; to++) {
      const pair = from * n + to;
      const raw = counts.sketches[pair];
      const negative = counts.negative[pair];
      if (raw === undefined && negative === 0) continue;
      const sketch: SketchData = raw === undefined ? sketchToData(newSketch()) : isSketch(raw) ? sketchToData(raw) : raw;
      timings.push(timingOf(statuses[from], statuses[to], sketch, negative));
    }
  }
  const failureStatuses = statuses.filter((_, i) => counts.failure[i] === 1);
  const byStatus = failureStatuses.map((status) => ({ status, count: finals[status] ?? 0, share: share(finals[status] ?? 0, started) }));
  const failures: FailureFigures = {
    total: byStatus.reduce((sum, f) => sum + f.count, 0),
    byStatus,
    byDetail: rankDetails(counts.details),
    otherDetails: counts.otherDetails,
    withoutDetail: counts.withoutDetail,
  };
  return {
    channel: lifecycle.name,
    statuses: [...statuses],
    started,
    funnel: statuses.map((status, i) => ({
      status,
      reached: counts.reached[i],
      implied: counts.impliedOnly[i],
      share: share(counts.reached[i], started),
    })),
    final: statuses.map((status) => ({ status, count: finals[status] ?? 0, share: share(finals[status] ?? 0, started) })),
    transitions,
    timings,
    failures,
  };
}
