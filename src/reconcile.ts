import { requireLifecycle, requireStatusId, type ChannelRef, type StatusOf } from './catalog';
import { policyOf, type ApplyCode, type ApplyOptions } from './apply';
import { LifecycleError } from './errors';
import { show } from './messages';
import type { CompiledLifecycle } from './lifecycle';
import { historyEntries, readReport, seenMessage, stepReport, type HistoryEntry, type SeenIds, type StatusReport } from './step';

// applyStatus and the report step have their own files; re-exported here for
// the modules that import them from './reconcile'.
export {
  applyStatus,
  type Applied,
  type ApplyCode,
  type ApplyOptions,
  type ApplyResult,
  type Ignored,
  type Policy,
  type Rejected,
} from './apply';
export { readReport, type HistoryEntry, type StatusReport } from './step';

/** A report that did not change the status, with why. */
export interface UnappliedReport {
  /** Position in the input. */
  readonly index: number;
  /** The report, as given. */
  readonly event: unknown;
  readonly code: ApplyCode | 'invalid_event';
  readonly message: string;
}

export interface ReconcileOptions<S extends string = string> extends ApplyOptions {
  /** The status to start from; default the channel's initial status. */
  readonly from?: S;
}

export interface ReconcileResult<S extends string = string> {
  /** The status after every report. */
  readonly status: S;
  /** Every applied status in order, implied ones marked. */
  readonly history: readonly HistoryEntry<S>[];
  /** Duplicates (by status or by event id) and late reports. */
  readonly ignored: readonly UnappliedReport[];
  /** Reports that could not be applied, including malformed ones (`invalid_event`). */
  readonly rejected: readonly UnappliedReport[];
}

/**
 * Folds status reports, in arrival order, into a status and its history with
 * {@link applyStatus}. Pure. Under the default tolerant policy any arrival
 * order of a legal path's reports, with repeats, ends at the path's last
 * status. A report that is not an object, or has a non-string `id` or an
 * unreadable `at`, is rejected as `invalid_event`; nothing is thrown for
 * reports. A bad channel, `from` or `options` throws `LifecycleError`.
 *
 * @example
 * reconcile('email', [{ status: 'OPEN' }, { status: 'DELIVERED' }]).status // 'OPEN'
 */
export function reconcile<C extends ChannelRef>(
  channel: C,
  events: Iterable<StatusReport>,
  options: ReconcileOptions<StatusOf<C>> = {},
): ReconcileResult<StatusOf<C>> {
  const lifecycle = requireLifecycle(channel);
  type S = StatusOf<C>;
  policyOf(options);
  if (typeof (events as { [Symbol.iterator]?: unknown } | null | undefined)?.[Symbol.iterator] !== 'function') {
    throw new LifecycleError('invalid_argument', `events must be iterable, got ${show(events)}`);
  }
  let status = (options.from === undefined
    ? lifecycle.statuses[lifecycle.initial]
    : lifecycle.statuses[requireStatusId(lifecycle, options.from, 'from')]) as S;
  const history: HistoryEntry<S>[] = [];
  const ignored: UnappliedReport[] = [];
  const rejected: UnappliedReport[] = [];
  const ids = new Set<string>();
  const seen: SeenIds = { seenBefore: (id) => ids.has(id) || (ids.add(id), false) };
  const typed = lifecycle as CompiledLifecycle<S>;
  let index = -1;
  for (const event of events) {
    index++;
    const report = readReport(event);
    if (typeof report === 'string') {
      rejected.push({ index, event, code: 'invalid_event', message: `event ${index}: ${report}` });
      continue;
    }
    const result = stepReport(typed, status, report, seen, options);
    if (result === undefined) ignored.push({ index, event, code: 'duplicate', message: seenMessage(report.id as string) });
    else if (result.outcome === 'ignored') ignored.push({ index, event, code: result.code, message: result.message });
    else if (result.outcome === 'rejected') rejected.push({ index, event, code: result.code, message: result.message });
    else {
      history.push(...historyEntries(result, status, index, report));
      status = result.status;
    }
  }
  return { status, history, ignored, rejected };
}
