import type { DDSketch } from '@datadog/sketches-js';
import { CHANNELS, lifecycleOf } from '../catalog';
import type { CompiledLifecycle } from '../compile';
import { LifecycleError } from '../errors';
import { show } from '../messages';
import { createReplay, type ReplayEvent, type ReplaySummary } from '../replay';
import { failureMask, figuresOf, type ChannelCounts } from './figures';
import { REPORT_FORMAT, type Contradiction, type DeliveryReport, type ReportOptions } from './model';
import { newSketch } from './sketch';

/** A streaming report: feed it lines, ask for the figures at any time. */
export interface ReportBuilder {
  /** As `Replay.line`: one NDJSON line without its line break; never throws for any text. */
  line(text: string, lineNumber: number): void;
  /** The figures so far (walks the channels' tables, not the messages: cheap, but not per line). */
  report(): DeliveryReport;
  /** The replay's own summary of the same lines (what `replay` prints). */
  summary(): ReplaySummary;
}

/**
 * A message's statuses: `NaN` not reached, `Infinity` reached without a
 * time (implied, or a report without `at`), else the `at` (epoch ms) of the
 * report that made it current. One small array per message, however many
 * lines it has.
 */
type Times = Float64Array;

/** The running counts of one channel. */
class ChannelAccumulator implements ChannelCounts {
  readonly n: number;
  started = 0;
  readonly reached: Float64Array;
  readonly impliedOnly: Float64Array;
  readonly steps: Float64Array;
  readonly impliedSteps: Float64Array;
  readonly sketches: (DDSketch | undefined)[];
  readonly negative: Float64Array;
  readonly failure: Uint8Array;
  readonly details = new Map<string, number>();
  otherDetails = 0;
  withoutDetail = 0;
  constructor(readonly lifecycle: CompiledLifecycle) {
    const n = (this.n = lifecycle.size);
    this.reached = new Float64Array(n);
    this.impliedOnly = new Float64Array(n);
    this.steps = new Float64Array(n * n);
    this.impliedSteps = new Float64Array(n * n);
    this.sketches = new Array<DDSketch | undefined>(n * n).fill(undefined);
    this.negative = new Float64Array(n * n);
    this.failure = failureMask(lifecycle);
  }
}

function nonNegativeInteger(value: unknown, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new LifecycleError('invalid_argument', `${name} must be a non-negative integer, got ${show(value)}`);
  }
  return value;
}

/**
 * A streaming delivery report over an NDJSON event log: the replay's own
 * step (`createReplay` with an observer, so every event is decided exactly
 * as `replay` decides it) folded into per-channel counts and DDSketches of
 * the time between statuses. Memory is one small array per message plus
 * bounded tables per channel; no duration is kept (1,000,000 lines fit in
 * what the replay itself needs).
 *
 * What is counted, per channel:
 * - the funnel: each status a message reached, by its own report or
 *   implied by a later one (the initial status by every message);
 * - every step of the lifecycle taken (implied steps of an early report
 *   marked), self-transitions once per counted repeat;
 * - the time between two statuses of a message whenever the second is
 *   reachable from the first and both have a time: a status is timed by
 *   the `at` of the report that made it current (implied statuses have
 *   none), the initial status by the first report naming it that is not
 *   rejected. Durations are rounded to whole ms; a negative one (clock skew)
 *   is counted apart;
 * - failures: messages entering a status tagged `failure` in the machine,
 *   by status and by the `detail` of that report.
 *
 * Throws `LifecycleError('invalid_argument')` only for bad options.
 *
 * @example
 * const builder = createReportBuilder()
 * let n = 0
 * for await (const text of readline.createInterface({ input })) builder.line(text, ++n)
 * const report = builder.report()
 */
export function createReportBuilder(options: ReportOptions = {}): ReportBuilder {
  const maxListed = nonNegativeInteger(options.maxListed, 'maxListed', 100);
  const maxDetails = nonNegativeInteger(options.maxDetails, 'maxDetails', 1000);
  const custom: unknown = options.channels ?? [];
  if (!Array.isArray(custom)) throw new LifecycleError('invalid_argument', `channels must be an array, got ${show(custom)}`);
  // Custom channels add to the built-in ones, as in createReplay; one with a built-in's name (any letter case) replaces it.
  const byName = new Map<string, CompiledLifecycle>();
  for (const channel of [...CHANNELS, ...(custom as unknown[])]) {
    const lifecycle = lifecycleOf(channel);
    if (lifecycle === undefined) throw new LifecycleError('invalid_argument', `channels must be channel names or compiled lifecycles, got ${show(channel)}`);
    byName.set(lifecycle.name.toLowerCase(), lifecycle);
  }
  const accumulators = new Map<CompiledLifecycle, ChannelAccumulator>();
  for (const lifecycle of byName.values()) {
    if (!accumulators.has(lifecycle)) accumulators.set(lifecycle, new ChannelAccumulator(lifecycle));
  }
  const rejected: Contradiction[] = [];

  function setTime(acc: ChannelAccumulator, times: Times, status: number, at: number): void {
    const n = acc.n;
    const reach = acc.lifecycle.reach;
    times[status] = at;
    for (let other = 0; other < n; other++) {
      const t = times[other];
      if (other === status || !Number.isFinite(t)) continue;
      let pair: number;
      let ms: number;
      if (reach[other * n + status] === 1) {
        pair = other * n + status;
        ms = Math.round(at - t);
      } else if (reach[status * n + other] === 1) {
        pair = status * n + other;
        ms = Math.round(t - at);
      } else continue;
      if (ms < 0) {
        acc.negative[pair]++;
        continue;
      }
      const sketch = (acc.sketches[pair] ??= newSketch());
      sketch.accept(ms);
    }
  }

  function reach(acc: ChannelAccumulator, times: Times, status: number, implied: boolean): void {
    if (!Number.isNaN(times[status])) return;
    times[status] = Infinity;
    acc.reached[status]++;
    if (implied) acc.impliedOnly[status]++;
  }

  function onEvent(event: ReplayEvent): void {
    const lifecycle = event.lifecycle;
    const acc = accumulators.get(lifecycle)!;
    const n = acc.n;
    let times = event.slot.data as Times | undefined;
    if (times === undefined) {
      times = new Float64Array(n).fill(NaN);
      event.slot.data = times;
      acc.started++;
      reach(acc, times, lifecycle.initial, false);
    }
    const result = event.result;
    if (result === null) return;
    if (result.outcome === 'rejected') {
      if (rejected.length < maxListed) {
        rejected.push({
          line: event.line,
          kind: 'rejected',
          reason: result.message,
          message: event.message,
          channel: lifecycle.name,
          status: event.status,
          current: result.from,
          code: result.code,
        });
      }
      return;
    }
    const at = event.at;
    if (result.outcome === 'ignored') {
      const initial = lifecycle.initial;
      if (at !== undefined && times[initial] === Infinity && lifecycle.statuses[initial] === event.status) setTime(acc, times, initial, at);
      return;
    }
    const ids = lifecycle.ids;
    let previous = ids.get(result.from)!;
    for (const name of result.implied) {
      const status = ids.get(name)!;
      acc.steps[previous * n + status]++;
      acc.impliedSteps[previous * n + status]++;
      reach(acc, times, status, true);
      previous = status;
    }
    const status = ids.get(result.status)!;
    acc.steps[previous * n + status]++;
    reach(acc, times, status, false);
    if (at !== undefined && times[status] === Infinity && previous !== status) setTime(acc, times, status, at);
    if (acc.failure[status] === 1 && previous !== status) {
      const detail = event.detail;
      if (detail === undefined) acc.withoutDetail++;
      else {
        const count = acc.details.get(detail);
        if (count !== undefined) acc.details.set(detail, count + 1);
        else if (acc.details.size < maxDetails) acc.details.set(detail, 1);
        else acc.otherDetails++;
      }
    }
  }

  const replay = createReplay({
    policy: options.policy,
    channels: [...accumulators.keys()],
    maxListed,
    onEvent,
  });

  function report(): DeliveryReport {
    const summary: ReplaySummary = replay.summary();
    const listed: Contradiction[] = summary.malformed.lines.map((m) => ({ line: m.line, kind: 'malformed', reason: m.reason }));
    listed.push(...rejected);
    listed.sort((a, b) => a.line - b.line);
    const { counts } = summary;
    const { total: rejectedTotal, ...byCode } = counts.rejected;
    return {
      format: REPORT_FORMAT,
      source: 'log',
      policy: summary.policy,
      lines: summary.lines,
      events: summary.events,
      messages: summary.messages,
      channels: [...accumulators.values()].map((acc) => figuresOf(acc, summary.statuses[acc.lifecycle.name])),
      contradictions: {
        malformed: summary.malformed.count,
        rejected: rejectedTotal,
        byCode,
        ignored: { duplicate: counts.ignored.duplicate, stale: counts.ignored.stale },
        listed: listed.slice(0, maxListed),
      },
    };
  }

  return { line: replay.line, report, summary: replay.summary };
}

/**
 * Builds the delivery report of a whole event log: `lines` is any iterable
 * or async iterable of NDJSON lines (an array, `readline.createInterface`,
 * a generator), numbered from 1. Same rules and bounds as
 * {@link createReportBuilder}; rejects only for bad options or when the
 * source itself fails.
 *
 * @example
 * const report = await buildReport(readline.createInterface({ input: fs.createReadStream('events.ndjson') }))
 * report.channels[0].funnel // [{ status: 'REGISTERED', reached: 1000, … }, …]
 */
export async function buildReport(lines: Iterable<string> | AsyncIterable<string>, options?: ReportOptions): Promise<DeliveryReport> {
  const builder = createReportBuilder(options);
  let n = 0;
  for await (const text of lines) builder.line(text, ++n);
  return builder.report();
}
