import { LifecycleError } from '../errors';
import { show } from '../messages';
import { rankDetails, timingOf } from './figures';
import {
  REPORT_FORMAT,
  type ChannelFigures,
  type ContradictionFigures,
  type DeliveryReport,
  type FinalCount,
  type TimingFigures,
} from './model';
import { mergeSketchData } from './sketch';

const share = (count: number, of: number): number => (of === 0 ? 0 : count / of);

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function mergeFinal(a: readonly FinalCount[], b: readonly FinalCount[], started: number): FinalCount[] {
  return a.map((f, i) => ({ status: f.status, count: f.count + b[i].count, share: share(f.count + b[i].count, started) }));
}

function mergeChannel(a: ChannelFigures, b: ChannelFigures): ChannelFigures {
  if (!sameList(a.statuses, b.statuses)) {
    throw new LifecycleError('invalid_argument', `cannot merge channel ${show(a.channel)}: the reports list different statuses`);
  }
  const started = a.started + b.started;
  const timings = new Map<string, TimingFigures>();
  const key = (t: TimingFigures) => `${t.from}\u0000${t.to}`;
  for (const t of a.timings) timings.set(key(t), t);
  for (const t of b.timings) {
    const other = timings.get(key(t));
    timings.set(key(t), other === undefined ? t : timingOf(t.from, t.to, mergeSketchData(other.sketch, t.sketch), other.negative + t.negative));
  }
  const order = (s: string) => a.statuses.indexOf(s);
  const details = new Map<string, number>();
  for (const d of [...a.failures.byDetail, ...b.failures.byDetail]) details.set(d.detail, (details.get(d.detail) ?? 0) + d.count);
  const transitions = new Map(a.transitions.map((t) => [`${t.from}\u0000${t.to}`, { ...t }]));
  for (const t of b.transitions) {
    const k = `${t.from}\u0000${t.to}`;
    const mine = transitions.get(k);
    if (mine === undefined) transitions.set(k, { ...t });
    else transitions.set(k, { from: t.from, to: t.to, count: mine.count + t.count, implied: mine.implied + t.implied });
  }
  return {
    channel: a.channel,
    statuses: a.statuses,
    started,
    funnel: a.funnel.map((f, i) => {
      const reached = f.reached + b.funnel[i].reached;
      return { status: f.status, reached, implied: f.implied + b.funnel[i].implied, share: share(reached, started) };
    }),
    final: mergeFinal(a.final, b.final, started),
    transitions: [...transitions.values()],
    timings: [...timings.values()].sort((x, y) => order(x.from) - order(y.from) || order(x.to) - order(y.to)),
    failures: {
      total: a.failures.total + b.failures.total,
      byStatus: mergeFinal(a.failures.byStatus, b.failures.byStatus, started),
      byDetail: rankDetails(details),
      otherDetails: a.failures.otherDetails + b.failures.otherDetails,
      withoutDetail: a.failures.withoutDetail + b.failures.withoutDetail,
    },
  };
}

function mergeContradictions(a: ContradictionFigures, b: ContradictionFigures, maxListed: number): ContradictionFigures {
  const byCode = { ...a.byCode };
  for (const code of Object.keys(byCode) as (keyof typeof byCode)[]) byCode[code] += b.byCode[code];
  return {
    malformed: a.malformed + b.malformed,
    rejected: a.rejected + b.rejected,
    byCode,
    ignored: { duplicate: a.ignored.duplicate + b.ignored.duplicate, stale: a.ignored.stale + b.ignored.stale },
    listed: [...a.listed, ...b.listed].slice(0, maxListed),
  };
}

/**
 * Adds up reports of disjoint sets of messages (several log files, shards
 * of a store): counts add, duration sketches merge exactly (the merged
 * quantiles are those of one sketch fed every duration), details add (exact
 * while no input summed some into `otherDetails`). The listed
 * contradictions are concatenated in input order, their line numbers
 * relative to their own input, at most `maxListed` (default 100). A message
 * present in two inputs is counted twice. Pure; throws
 * `LifecycleError('invalid_argument')` for no reports, another format, a
 * different policy, or a channel whose statuses differ.
 *
 * @example mergeReports([await buildReport(linesOfA), await buildReport(linesOfB)])
 */
export function mergeReports(reports: readonly DeliveryReport[], maxListed = 100): DeliveryReport {
  if (!Array.isArray(reports) || reports.length === 0) throw new LifecycleError('invalid_argument', 'mergeReports needs at least one report');
  for (const report of reports) {
    if (report?.format !== REPORT_FORMAT) throw new LifecycleError('invalid_argument', `not a ${REPORT_FORMAT} report: ${show(report?.format)}`);
  }
  return reports.reduce((a: DeliveryReport, b: DeliveryReport): DeliveryReport => {
    if (a.policy !== b.policy) throw new LifecycleError('invalid_argument', `cannot merge a ${a.policy} report with a ${b.policy} one`);
    const channels = new Map<string, ChannelFigures>(a.channels.map((c) => [c.channel, c]));
    for (const c of b.channels) {
      const mine = channels.get(c.channel);
      channels.set(c.channel, mine === undefined ? c : mergeChannel(mine, c));
    }
    return {
      format: REPORT_FORMAT,
      source: a.source === b.source ? a.source : 'log',
      policy: a.policy,
      lines: a.lines + b.lines,
      events: a.events + b.events,
      messages: a.messages + b.messages,
      channels: [...channels.values()],
      contradictions: mergeContradictions(a.contradictions, b.contradictions, maxListed),
    };
  });
}
