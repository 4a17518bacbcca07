import { lifecycleOf, requireLifecycle, requireStatusId, type ChannelRef, type StatusOf } from './catalog';
import { INAPPLICABLE, type CompiledLifecycle } from './lifecycle';
import { LifecycleError } from './errors';
import { buildLookup, type NameLookup } from './internal/lookup';
import { perLifecycle } from './internal/memo';
import { toEpochMs } from './internal/time';
import { show, statusMessage } from './messages';
import {
  checksOf,
  type OrderRejection,
  type SkippedRejection,
  type TransitionAccepted,
  type TransitionCode,
} from './validate';

/**
 * How out-of-order reports are treated. `strict` applies legal transitions
 * only. `tolerant` (the default, what a webhook receiver wants) also applies
 * early reports with the statuses they imply, and ignores late and repeated
 * ones, so the status never moves backwards.
 */
export type Policy = 'strict' | 'tolerant';

export interface ApplyOptions {
  /** Default `'tolerant'`. */
  readonly policy?: Policy;
}

/** A rejection code an incoming status can get (the channel is never the event's fault). */
export type ApplyCode = Exclude<TransitionCode, 'unknown_channel'>;

/** The incoming status was applied; `status` is the new current status. */
export interface Applied<S extends string = string> {
  readonly outcome: 'applied';
  /** The status after applying. */
  readonly status: S;
  /** The status before. */
  readonly from: S;
  /** `'skipped'` when the report arrived early and `implied` were filled in. */
  readonly code?: 'skipped';
  /** Statuses the report implies, in order, strictly between `from` and `status` (empty for a legal step). */
  readonly implied: readonly S[];
  readonly message?: string;
}

/** A repeated or late report: nothing changes, and nothing is wrong. */
export interface Ignored<S extends string = string> {
  readonly outcome: 'ignored';
  /** Unchanged current status. */
  readonly status: S;
  readonly from: S;
  readonly code: 'duplicate' | 'stale';
  readonly implied: readonly S[];
  readonly message: string;
}

/** A report that cannot be applied; the current status is kept. */
export interface Rejected<S extends string = string> {
  readonly outcome: 'rejected';
  /** Unchanged current status. */
  readonly status: S;
  readonly from: S;
  readonly code: ApplyCode;
  readonly implied: readonly S[];
  readonly message: string;
}

/** What {@link applyStatus} decides. */
export type ApplyResult<S extends string = string> = Applied<S> | Ignored<S> | Rejected<S>;

const NONE: readonly never[] = Object.freeze([]);

/**
 * Decides what an incoming status report does to a message whose current
 * status is `current`. Pure; results are frozen (do not mutate them): for
 * valid pairs and inapplicable names they are precomputed, and a short
 * unknown string's rejection is remembered, so bad input allocates nothing
 * once seen (any other bad value costs its one result object). Under the tolerant policy an early report is
 * applied with the statuses it implies (OPEN from SUBMITTED implies
 * DELIVERED), duplicates and late reports are ignored, and unknown,
 * inapplicable, contradictory and after-final reports are rejected. The
 * strict policy rejects everything that is not a legal transition.
 *
 * A bad `incoming` is an expected outcome (`rejected`); a bad `channel`,
 * `current` or `options` is misuse and throws `LifecycleError`.
 *
 * @example
 * applyStatus('email', 'SUBMITTED', 'OPEN')
 * // { outcome: 'applied', status: 'OPEN', from: 'SUBMITTED', code: 'skipped', implied: ['DELIVERED'], … }
 */
export function applyStatus<C extends ChannelRef>(
  channel: C,
  current: StatusOf<C>,
  incoming: unknown,
  options?: ApplyOptions,
): ApplyResult<StatusOf<C>> {
  const lifecycle = lifecycleOf(channel as unknown) ?? requireLifecycle(channel);
  const policy = policyOf(options);
  const c = lifecycle.lookup.get(current);
  if (c === undefined || c < 0) return invalidCurrent(lifecycle, current);
  const x = lifecycle.lookup.get(incoming as string);
  const decisions = decisionsOf(lifecycle);
  if (x !== undefined && x >= 0) return decisions[policy][c * lifecycle.size + x] as ApplyResult<StatusOf<C>>;
  // A name of the catalog the channel does not use: as precomputed as any pair.
  if (x === INAPPLICABLE) return decisions.inapplicable[(decisions.vocabulary.get(incoming) as number) * lifecycle.size + c] as ApplyResult<StatusOf<C>>;
  return unknownStatus(lifecycle, decisions, c, current, incoming) as Rejected<StatusOf<C>>;
}

const TOLERANT = 0;
const STRICT = 1;

function policyOf(options: ApplyOptions | undefined): typeof TOLERANT | typeof STRICT {
  if (options === undefined) return TOLERANT;
  if (typeof options !== 'object' || options === null) {
    throw new LifecycleError('invalid_argument', `options must be an object, got ${show(options)}`);
  }
  const policy = options.policy;
  if (policy === undefined || policy === 'tolerant') return TOLERANT;
  if (policy === 'strict') return STRICT;
  throw new LifecycleError('invalid_argument', `policy must be 'strict' or 'tolerant', got ${show(policy)}`);
}

function invalidCurrent(lifecycle: CompiledLifecycle, current: unknown): never {
  requireStatusId(lifecycle, current, 'from');
  throw new Error('unreachable');
}

const MAX_REMEMBERED = 256;

/**
 * The rejection of an unknown reported status. Webhook floods repeat the same
 * few bad words, so the rejections of the last few hundred short strings are
 * remembered per lifecycle, frozen, by current status (forgotten all at once
 * when full: bounded memory whatever arrives); any other value costs one
 * object, the result with its message.
 */
function unknownStatus(lifecycle: CompiledLifecycle, decisions: Decisions, c: number, current: string, incoming: unknown): Rejected {
  if (typeof incoming !== 'string' || incoming.length > 64) return unknownRejection(lifecycle, current, incoming);
  const remembered = decisions.unknown;
  let row = remembered.get(incoming);
  if (row === undefined) {
    if (remembered.size >= MAX_REMEMBERED) remembered.clear();
    row = new Array<Rejected | undefined>(lifecycle.size).fill(undefined);
    remembered.set(incoming, row);
  }
  return row[c] ?? (row[c] = Object.freeze(unknownRejection(lifecycle, current, incoming)));
}

function unknownRejection(lifecycle: CompiledLifecycle, current: string, incoming: unknown): Rejected {
  const message = statusMessage('unknown_status', lifecycle.name, 'to', incoming);
  return { outcome: 'rejected', status: current, from: current, code: 'unknown_status', implied: NONE, message };
}

interface Decisions {
  /** By policy (0 tolerant, 1 strict), every valid pair's decision, `current * n + incoming`. */
  readonly 0: readonly ApplyResult[];
  readonly 1: readonly ApplyResult[];
  /** Name → its index in the channel's vocabulary. */
  readonly vocabulary: NameLookup;
  /** The rejection of each vocabulary name the channel does not use, `vocabularyIndex * n + current`; the same under both policies. */
  readonly inapplicable: readonly Rejected[];
  /** Rejections of recently seen unknown strings, by current status (see {@link unknownStatus}). */
  readonly unknown: Map<string, (Rejected | undefined)[]>;
}

/**
 * Both policies' decision for every valid pair, derived once per lifecycle
 * from the pair's check, and (index 2) the rejection of each inapplicable
 * name by current status, the same under both policies.
 */
const decisionsOf = perLifecycle((lifecycle): Decisions => {
  const tolerant: ApplyResult[] = [];
  const strict: ApplyResult[] = [];
  for (const check of checksOf(lifecycle) as readonly (TransitionAccepted | OrderRejection | SkippedRejection)[]) {
    const { from, to } = check;
    if (check.ok) {
      const applied: Applied = Object.freeze({ outcome: 'applied', status: to, from, implied: NONE });
      tolerant.push(applied);
      strict.push(applied);
      continue;
    }
    const { code, message } = check;
    const between = check.code === 'skipped' ? check.implied : NONE;
    strict.push(Object.freeze({ outcome: 'rejected', status: from, from, code, implied: between, message }));
    if (code === 'skipped') {
      tolerant.push(Object.freeze({ outcome: 'applied', status: to, from, code, implied: between, message }));
    } else if (code === 'duplicate' || code === 'stale') {
      tolerant.push(Object.freeze({ outcome: 'ignored', status: from, from, code, implied: NONE, message }));
    } else {
      tolerant.push(Object.freeze({ outcome: 'rejected', status: from, from, code, implied: NONE, message }));
    }
  }
  const n = lifecycle.size;
  const inapplicable: Rejected[] = [];
  lifecycle.vocabulary.forEach((name, v) => {
    if (lifecycle.ids.get(name) !== INAPPLICABLE) return; // a sparse array: only inapplicable names are read
    const message = statusMessage('inapplicable_status', lifecycle.name, 'to', name);
    for (let c = 0; c < n; c++) {
      const status = lifecycle.statuses[c];
      inapplicable[v * n + c] = Object.freeze({ outcome: 'rejected', status, from: status, code: 'inapplicable_status', implied: NONE, message });
    }
  });
  return {
    0: Object.freeze(tolerant),
    1: Object.freeze(strict),
    vocabulary: buildLookup(new Map(lifecycle.vocabulary.map((name, v) => [name, v]))),
    inapplicable: Object.freeze(inapplicable),
    unknown: new Map(),
  };
});

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
  const seen = new Set<string>();
  const hasSeen = (id: string): boolean => seen.has(id);
  let index = -1;
  for (const event of events) {
    index++;
    const step = reconcileStep(lifecycle as CompiledLifecycle<S>, status, event, index, hasSeen, options);
    if (step.kind === 'invalid') {
      rejected.push({ index, event, code: 'invalid_event', message: step.message });
      continue;
    }
    if (step.kind === 'seen') {
      ignored.push({ index, event, code: 'duplicate', message: step.message });
      continue;
    }
    if (step.id !== undefined) seen.add(step.id);
    const result = step.result;
    if (result.outcome === 'ignored') ignored.push({ index, event, code: result.code, message: result.message });
    else if (result.outcome === 'rejected') rejected.push({ index, event, code: result.code, message: result.message });
    else {
      history.push(...step.entries);
      status = result.status;
    }
  }
  return { status, history, ignored, rejected };
}

/**
 * What one report does to a message in `status`: the single pure step shared
 * by {@link reconcile} and the tracker, so that both decide alike. `hasSeen`
 * answers whether a provider event id was already seen; the caller remembers
 * `id` (when defined) after a `decided` step, whatever the outcome, so a
 * repeated event is a duplicate even when its first copy was rejected.
 * Malformed reports (`invalid`) are not remembered.
 */
export type ReportStep<S extends string = string> =
  | { readonly kind: 'invalid'; readonly message: string }
  | { readonly kind: 'seen'; readonly id: string; readonly message: string }
  | {
      readonly kind: 'decided';
      readonly id: string | undefined;
      readonly result: ApplyResult<S>;
      /** The history entries an applied report adds (implied ones first); empty otherwise. */
      readonly entries: readonly HistoryEntry<S>[];
      /** The report's time in epoch ms, when it had one. */
      readonly at: number | undefined;
    };

/** See {@link ReportStep}. Pure; throws only for a bad `options.policy`. */
export function reconcileStep<S extends string>(
  lifecycle: CompiledLifecycle<S>,
  status: S,
  event: unknown,
  index: number,
  hasSeen: (id: string) => boolean,
  options: ApplyOptions | undefined,
): ReportStep<S> {
  const report = readReport(event);
  if (typeof report === 'string') return { kind: 'invalid', message: `event ${index}: ${report}` };
  if (report.id !== undefined && hasSeen(report.id)) {
    return { kind: 'seen', id: report.id, message: `event id ${show(report.id)} was already seen` };
  }
  const result = applyStatus(lifecycle, status, report.status, options);
  const entries: HistoryEntry<S>[] = [];
  if (result.outcome === 'applied') {
    let previous = status;
    for (const between of result.implied) {
      entries.push({ status: between, from: previous, implied: true, index });
      previous = between;
    }
    entries.push(entry(result.status, previous, index, report));
  }
  return { kind: 'decided', id: report.id, result, entries, at: report.at };
}

function entry<S extends string>(status: S, from: S, index: number, report: ValidReport): HistoryEntry<S> {
  const e: { status: S; from: S; implied: boolean; index: number; at?: number; id?: string } = { status, from, implied: false, index };
  if (report.at !== undefined) e.at = report.at;
  if (report.id !== undefined) e.id = report.id;
  return e;
}

interface ValidReport {
  readonly status: unknown;
  readonly id: string | undefined;
  readonly at: number | undefined;
}

/** The report's fields, or why it is malformed. */
export function readReport(event: unknown): ValidReport | string {
  if (typeof event !== 'object' || event === null || Array.isArray(event)) return `not an object: ${show(event)}`;
  const { status, id, at } = event as Record<string, unknown>;
  if (id !== undefined && (typeof id !== 'string' || id.length === 0)) return `id must be a non-empty string, got ${show(id)}`;
  const ms = toEpochMs(at);
  if (ms === null) return `at must be a Date, epoch ms or ISO 8601 string, got ${show(at)}`;
  return { status, id, at: ms };
}
