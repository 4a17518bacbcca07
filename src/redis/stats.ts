import type { CompiledLifecycle } from '../compile';
import { LifecycleError } from '../errors';
import { toEpochMs } from '../internal/time';
import { show } from '../messages';
import { createReportBuilder } from '../report/fold';
import { mergeReports } from '../report/merge';
import type { DeliveryReport } from '../report/model';
import type { StatsOptions, StoredMessage, StoredTransition } from '../store';

/** A stored message as the stats read it: its state, history, first-record and registration times. */
export interface StatsRecord {
  readonly message: StoredMessage;
  readonly history: readonly StoredTransition[];
  /** When the store first recorded it (the store's clock), epoch ms. */
  readonly first: number;
  /** `register`'s `at`, when given. */
  readonly registeredAt?: number;
}

function bound(value: unknown, name: string): number | undefined {
  if (value === undefined) return undefined;
  const ms = toEpochMs(value);
  if (ms === null || ms === undefined || Number.isNaN(ms)) throw new LifecycleError('invalid_argument', `${name} must be a Date, epoch ms or ISO 8601 string, got ${show(value)}`);
  return ms;
}

/**
 * The delivery report of the stored messages, one shard (bucket) at a time:
 * each bucket's messages are folded by the report's own builder (their
 * reports in history order, implied entries left for it to imply again, a
 * timer entry as the report of its status at the deadline) and the
 * buckets' reports merged with `mergeReports` (counts add, DDSketches
 * merge). The store keeps no rejected report, so contradictions are zero.
 * Throws `LifecycleError` for bad options or an unknown channel.
 *
 * @example statsFromRecords([lifecycleOf('sms')], [[record]], {})
 */
export function statsFromRecords(lifecycles: readonly CompiledLifecycle[], buckets: readonly (readonly StatsRecord[])[], options: StatsOptions): DeliveryReport {
  if (typeof options !== 'object' || options === null) throw new LifecycleError('invalid_argument', `options must be an object, got ${show(options)}`);
  const { channel } = options;
  if (channel !== undefined && !lifecycles.some((l) => l.name === channel)) throw new LifecycleError('unknown_channel', `the store knows no channel ${show(channel)}`);
  const maxDetails = options.maxDetails ?? 1000;
  if (!Number.isSafeInteger(maxDetails) || maxDetails < 0) throw new LifecycleError('invalid_argument', `maxDetails must be a non-negative integer, got ${show(maxDetails)}`);
  const since = bound(options.since, 'since');
  const until = bound(options.until, 'until');
  const channels = lifecycles.filter((l) => channel === undefined || l.name === channel);
  let events = 0;
  const reports = buckets.map((records) => {
    const builder = createReportBuilder({ channels, maxDetails, maxListed: 0 });
    let line = 0;
    for (const r of records) {
      const l = channels.find((c) => c.name === r.message.channel);
      if (l === undefined || (since !== undefined && r.first < since) || (until !== undefined && r.first >= until)) continue;
      const base = { message: r.message.messageId, channel: l.name };
      builder.line(JSON.stringify({ ...base, status: l.statuses[l.initial], ...(r.registeredAt === undefined ? {} : { at: r.registeredAt }) }), ++line);
      for (const h of r.history) {
        if (h.implied) continue;
        events++;
        builder.line(JSON.stringify({ ...base, status: h.status, ...(h.id === undefined ? {} : { id: h.id }), ...(h.at === undefined ? {} : { at: h.at }), ...(h.detail === undefined ? {} : { detail: h.detail }) }), ++line);
      }
    }
    return builder.report();
  });
  const merged = reports.length === 0 ? createReportBuilder({ channels, maxDetails }).report() : mergeReports(reports, 0);
  const byCode = Object.fromEntries(Object.keys(merged.contradictions.byCode).map((code) => [code, 0])) as unknown as DeliveryReport['contradictions']['byCode'];
  return {
    ...merged,
    // The report builder always adds the built-in channels; a store's figures name only the channels asked for.
    channels: merged.channels.filter((figures) => channels.some((l) => l.name === figures.channel)),
    source: 'store',
    lines: 0,
    events,
    contradictions: { malformed: 0, rejected: 0, byCode, ignored: { duplicate: 0, stale: 0 }, listed: [] },
  };
}
