import type { ChannelRef } from '../catalog';
import type { ApplyResult, Policy } from '../apply';
import type { CompiledLifecycle } from '../lifecycle';
import type { HistoryEntry, StatusReport } from '../step';

/**
 * The snapshot format {@link restoreTracker} reads and `toJSON()` writes; a
 * snapshot with another version is refused, never guessed at.
 *
 * @example createTracker('sms').toJSON().version === TRACKER_SNAPSHOT_VERSION // true
 */
export const TRACKER_SNAPSHOT_VERSION = 1;

/**
 * Default bound of remembered provider event ids per message (`maxSeenIds`).
 *
 * @example createTracker('email', { maxSeenIds: DEFAULT_MAX_SEEN_IDS * 4 }) // a chatty mailing list
 */
export const DEFAULT_MAX_SEEN_IDS = 256;

/**
 * A history entry of a tracker: reconcile's {@link HistoryEntry}, plus
 * `timer: true` for a status the channel's own timer made happen (SMS
 * EXPIRED when the validity ran out; `at` is then the deadline). `index` is
 * the position of the report among all events the tracker was given; for a
 * timer entry, the number of events given before it fired.
 */
export interface TrackerEntry<S extends string = string> extends HistoryEntry<S> {
  readonly timer?: true;
}

/** A malformed event given to {@link Tracker.apply}: nothing changes and nothing is remembered. */
export interface InvalidEvent<S extends string = string> {
  readonly outcome: 'rejected';
  readonly status: S;
  readonly from: S;
  readonly code: 'invalid_event';
  readonly implied: readonly S[];
  readonly message: string;
}

/** What {@link Tracker.apply} decides: {@link applyStatus}'s decision, or a malformed event. */
export type TrackResult<S extends string = string> = ApplyResult<S> | InvalidEvent<S>;

export interface TrackerOptions {
  /** Default `'tolerant'`; see {@link Policy}. */
  readonly policy?: Policy;
  /** The clock, in epoch ms; default `Date.now`. Decides when a timer is due and stamps reports without `at`. */
  readonly now?: () => number;
  /** How many provider event ids to remember (oldest forgotten first); a positive integer, default {@link DEFAULT_MAX_SEEN_IDS}. */
  readonly maxSeenIds?: number;
  /** The SMS validity period in ms for this message: shorthand for `delays: { validity }`. */
  readonly validityMs?: number;
  /** Milliseconds for the channel's named timer delays (SMS: `validity`; a `defineChannel` timer: the status it leaves), overriding the machine's defaults. */
  readonly delays?: Readonly<Record<string, number>>;
}

export interface RestoreOptions<C extends ChannelRef = ChannelRef> {
  /** Custom channels a snapshot may name, in addition to the built-in ones (searched first). */
  readonly channels?: readonly CompiledLifecycle[];
  /**
   * The channel the snapshot must be of (a built-in name or a compiled
   * lifecycle): the tracker is then typed by it, `Tracker<StatusOf<C>>`, and
   * a snapshot of another channel throws `invalid_snapshot`. A custom
   * lifecycle given here need not be repeated in `channels`.
   */
  readonly channel?: C;
  /** The clock for the restored tracker; default `Date.now`. */
  readonly now?: () => number;
}

/** The JSON form of a tracker, version {@link TRACKER_SNAPSHOT_VERSION}. */
export interface TrackerSnapshot<S extends string = string> {
  readonly version: typeof TRACKER_SNAPSHOT_VERSION;
  /** The channel's name; a custom one must be passed to {@link restoreTracker} in `channels`. */
  readonly channel: string;
  readonly policy: Policy;
  readonly status: S;
  /** When the current status began, epoch ms (its first report's `at`, else the clock's time). */
  readonly since: number;
  /** Resolved ms of each of the channel's timers, in the order of `CompiledLifecycle.timers`. */
  readonly delays: readonly number[];
  /** Events given to `apply` so far. */
  readonly received: number;
  readonly history: readonly TrackerEntry<S>[];
  /** History entries per status (implied and repeated ones included). */
  readonly counts: Readonly<Record<S, number>>;
  readonly maxSeenIds: number;
  /** Remembered provider event ids, oldest first. */
  readonly seen: readonly string[];
}

/**
 * One message's lifecycle, for a service to load, update and save. All its
 * decisions are {@link applyStatus}'s, taken through the same step as
 * {@link reconcile}; it never holds a status the channel's machine cannot
 * reach along its history. The history keeps every applied entry (a message
 * opened a thousand times has a thousand OPEN entries); the seen ids are
 * bounded by `maxSeenIds`, oldest forgotten first.
 *
 * @example
 * const t = createTracker('email')
 * t.apply({ status: 'OPEN', id: 'sg-1' }) // applied, DELIVERED implied
 * t.apply({ status: 'OPEN', id: 'sg-1' }) // ignored: duplicate id
 * t.opens // 1
 */
export interface Tracker<S extends string = string> {
  /** The compiled channel. */
  readonly lifecycle: CompiledLifecycle<S>;
  readonly policy: Policy;
  /** The current status. */
  readonly status: S;
  /** Whether the current status is final. */
  readonly final: boolean;
  /** Every status that became current, in order (a copy). */
  readonly history: readonly TrackerEntry<S>[];
  /** History entries per status, for every status of the channel (implied and repeated ones included). */
  readonly counts: Readonly<Record<S, number>>;
  /** Deferrals (DEFERRED entries); 0 on a channel without DEFERRED. */
  readonly attempts: number;
  /** OPEN entries; 0 on a channel without OPEN. */
  readonly opens: number;
  /** CLICKED entries; 0 on a channel without CLICKED. */
  readonly clicks: number;
  /** When the current status began, epoch ms. */
  readonly since: number;
  /** When the current status's timer is due (SMS: the validity deadline), or `undefined` when it has none. */
  readonly deadline: number | undefined;
  /** Events given to {@link Tracker.apply} so far. */
  readonly received: number;
  /** Whether a provider event id is remembered. */
  hasSeen(id: string): boolean;
  /**
   * Applies one provider report `{ status, id?, at? }`. If the current
   * status's timer is already due by the tracker's clock, the timer fires
   * first (see {@link Tracker.expireIfDue}). Returns applyStatus's decision;
   * an event whose id was already seen is ignored as `duplicate`; a malformed
   * event is rejected as `invalid_event`. Never throws for a report.
   */
  apply(event: StatusReport): TrackResult<S>;
  /**
   * Fires the current status's timer when its deadline is at or before `now`
   * (default: the tracker's clock): SMS SUBMITTED becomes EXPIRED, recorded
   * with `timer: true` and `at` = the deadline. Returns whether it fired.
   */
  expireIfDue(now?: number): boolean;
  /** The snapshot to store; {@link restoreTracker} reads it back. */
  toJSON(): TrackerSnapshot<S>;
}

/** @internal The tracker's mutable state: what a snapshot holds and restoring rebuilds. */
export interface State<S extends string> {
  lifecycle: CompiledLifecycle<S>;
  policy: Policy;
  now: () => number;
  delays: number[];
  status: S;
  since: number;
  received: number;
  history: TrackerEntry<S>[];
  counts: number[];
  maxSeenIds: number;
  seen: Set<string>;
}
