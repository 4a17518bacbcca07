import { decideStatus, policyOf, type ApplyOptions, type ApplyResult } from './apply';
import { toEpochMs } from './internal/time';
import type { CompiledLifecycle } from './lifecycle';
import { show } from './messages';

/** One status report as a provider sends it. */
export interface StatusReport {
  /** The reported status: an exact status name of the channel. */
  readonly status: string;
  /** The provider's event id; a second event with the same id is a duplicate, whatever its status. */
  readonly id?: string;
  /** When it happened: a Date, epoch milliseconds or an ISO 8601 string. */
  readonly at?: Date | number | string;
}

/** A status that became current, in order. */
export interface HistoryEntry<S extends string = string> {
  readonly status: S;
  /** The status it followed. */
  readonly from: S;
  /** True for a status filled in because a later one arrived early; it has no report of its own. */
  readonly implied: boolean;
  /** The report's time in epoch ms, when it had one (never for implied entries). */
  readonly at?: number;
  /** The report's provider event id, when it had one (never for implied entries). */
  readonly id?: string;
  /** Position of the report in the input (the early report's, for implied entries). */
  readonly index: number;
}


/**
 * The provider event ids a fold has seen, however its owner bounds them (a
 * Set for `reconcile`, the tracker's oldest-forgotten-first set, a replay
 * message's small ring).
 */
export interface SeenIds {
  /**
   * True when `id` was seen before; otherwise remembers it (or not, when the
   * owner keeps none) and returns false.
   */
  seenBefore(id: string): boolean;
}

/** A report's fields once read by {@link readReport}: what {@link stepReport} takes. */
export interface ReadReport {
  readonly status: unknown;
  readonly id: string | undefined;
  readonly at: number | undefined;
}

/**
 * What one well-formed report does to a message in `status`: the one step
 * behind the tracker, `reconcile`, the replay and the store's batch fold.
 * `undefined` when the report's provider event id was seen before (an
 * ignored duplicate, whatever its status; see {@link seenMessage}); else
 * the report's id is remembered, whatever the outcome, so a repeated event is
 * a duplicate even when its first copy was rejected, and the decision is
 * {@link applyStatus}'s. Pure but for `seen`; throws only as `applyStatus`
 * does for a bad `status` or `options`.
 *
 * @example
 * const seen = new Set<string>();
 * const ids = { seenBefore: (id: string) => seen.has(id) || (seen.add(id), false) };
 * stepReport(lifecycleOf('sms'), 'SUBMITTED', { status: 'DELIVERED', id: 'e1', at: undefined }, ids)?.outcome; // 'applied'
 * stepReport(lifecycleOf('sms'), 'DELIVERED', { status: 'DELIVERED', id: 'e1', at: undefined }, ids); // undefined
 */
export function stepReport<S extends string>(
  lifecycle: CompiledLifecycle<S>,
  status: S,
  report: ReadReport,
  seen: SeenIds | null,
  options?: ApplyOptions,
): ApplyResult<S> | undefined {
  if (report.id !== undefined && seen !== null && seen.seenBefore(report.id)) return undefined;
  return decideStatus(lifecycle, status, report.status, policyOf(options)) as ApplyResult<S>;
}

/** Why a report whose event id was seen before is ignored, in words. */
export function seenMessage(id: string): string {
  return `event id ${show(id)} was already seen`;
}

/**
 * The history entries an applied result adds, implied statuses first, the
 * report's own last (with its `at` and `id` when it had them); none for any
 * other outcome.
 *
 * @example historyEntries(applyStatus('email', 'SUBMITTED', 'OPEN'), 'SUBMITTED', 0, report).map((e) => e.status) // ['DELIVERED', 'OPEN']
 */
export function historyEntries<S extends string>(result: ApplyResult<S>, status: S, index: number, report: ReadReport): HistoryEntry<S>[] {
  if (result.outcome !== 'applied') return [];
  const entries: HistoryEntry<S>[] = [];
  let previous = status;
  for (const between of result.implied) {
    entries.push({ status: between, from: previous, implied: true, index });
    previous = between;
  }
  const own: { status: S; from: S; implied: boolean; index: number; at?: number; id?: string } = { status: result.status, from: previous, implied: false, index };
  if (report.at !== undefined) own.at = report.at;
  if (report.id !== undefined) own.id = report.id;
  entries.push(own);
  return entries;
}

/** The report's fields, or why it is malformed. */
export function readReport(event: unknown): ReadReport | string {
  if (typeof event !== 'object' || event === null || Array.isArray(event)) return `not an object: ${show(event)}`;
  const report: ReportFields = { status: undefined, id: undefined, at: undefined };
  return readFields(event as Record<string, unknown>, report) ?? report;
}

/** A {@link ReadReport} its reader may fill in again (the replay reuses one for all its lines). */
export interface ReportFields extends ReadReport {
  status: unknown;
  id: string | undefined;
  at: number | undefined;
}

/**
 * @internal {@link readReport}'s rule for an object `event`, writing its
 * fields into `into`: `null` when well-formed, else why not (then `into` is
 * left part-written, to be discarded).
 *
 * @example readFields({ status: 'DELIVERED', at: 5 }, scratch) // null, and scratch.at === 5
 */
export function readFields(event: Record<string, unknown>, into: ReportFields): string | null {
  // Read in the order a destructuring reads them (status, id, at), getters included.
  const status = event.status;
  const id = event.id;
  const at = event.at;
  if (id !== undefined && (typeof id !== 'string' || id.length === 0)) return `id must be a non-empty string, got ${show(id)}`;
  const ms = toEpochMs(at);
  if (ms === null) return `at must be a Date, epoch ms or ISO 8601 string, got ${show(at)}`;
  into.status = status;
  into.id = id;
  into.at = ms;
  return null;
}
