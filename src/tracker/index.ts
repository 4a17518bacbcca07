import { requireLifecycle, type ChannelRef, type StatusOf } from '../catalog';
import type { CompiledLifecycle } from '../lifecycle';
import { show } from '../messages';
import type { Policy } from '../apply';
import { historyEntries, readReport, seenMessage, stepReport, type SeenIds, type StatusReport } from '../step';
import { countsRecord, record, remember } from './history';
import { badArgument, isPositiveInteger, readClock, readPolicy } from './options';
import { readSnapshotState } from './snapshot';
import { dueTimer, resolveDelays } from './timers';
import {
  DEFAULT_MAX_SEEN_IDS,
  TRACKER_SNAPSHOT_VERSION,
  type RestoreOptions,
  type State,
  type TrackResult,
  type Tracker,
  type TrackerEntry,
  type TrackerOptions,
  type TrackerSnapshot,
} from './types';

// One message's lifecycle: the tracker itself. Its types and snapshot format
// are in types.ts, reading a snapshot back in snapshot.ts, its history in
// history.ts, its timers in timers.ts.
export {
  DEFAULT_MAX_SEEN_IDS,
  TRACKER_SNAPSHOT_VERSION,
  type InvalidEvent,
  type RestoreOptions,
  type TrackResult,
  type Tracker,
  type TrackerEntry,
  type TrackerOptions,
  type TrackerSnapshot,
} from './types';

/**
 * Starts tracking one message on `channel`, in the channel's initial status.
 * Throws `LifecycleError` for an unknown channel (`unknown_channel`) or a bad
 * option (`invalid_argument`), including a timer whose delay the machine does
 * not fix and `delays` does not give.
 *
 * Expiry: the deadline of a timed status (SMS SUBMITTED) runs from its
 * report's `at` (else the clock's time) for the channel's delay (SMS: the
 * validity, 48 h unless `validityMs`). When it has passed by the tracker's
 * clock, EXPIRED happens: on {@link Tracker.expireIfDue}, or before the next
 * report is applied. EXPIRED is final like any report of it: a delivery
 * receipt arriving afterwards is rejected as `from_final` and the status
 * stays EXPIRED (why: https://github.com/delivery-lifecycle/delivery-lifecycle#sms-expiry-and-the-receipt-that-comes-after-it).
 *
 * @example
 * const t = createTracker('sms', { validityMs: 3_600_000 })
 * t.apply({ status: 'SUBMITTED', id: 'e1', at: '2026-01-01T10:00:00Z' })
 * t.deadline // Date.parse('2026-01-01T11:00:00Z')
 * const saved = JSON.stringify(t)
 */
export function createTracker<C extends ChannelRef>(channel: C, options: TrackerOptions = {}): Tracker<StatusOf<C>> {
  const lifecycle = requireLifecycle(channel) as CompiledLifecycle<StatusOf<C>>;
  if (typeof options !== 'object' || options === null) throw badArgument(`options must be an object, got ${show(options)}`);
  const policy = readPolicy(options.policy);
  const now = readClock(options.now);
  const maxSeenIds = options.maxSeenIds ?? DEFAULT_MAX_SEEN_IDS;
  if (!isPositiveInteger(maxSeenIds)) throw badArgument(`maxSeenIds must be a positive integer, got ${show(maxSeenIds)}`);
  const delays = resolveDelays(lifecycle, options);
  const since = now();
  if (!Number.isFinite(since)) throw badArgument(`the clock returned ${show(since)}, not epoch ms`);
  return new MessageTracker<StatusOf<C>>({
    lifecycle,
    policy,
    now,
    delays,
    status: lifecycle.statuses[lifecycle.initial],
    since,
    received: 0,
    history: [],
    counts: lifecycle.statuses.map(() => 0),
    maxSeenIds,
    seen: new Set(),
  });
}

class MessageTracker<S extends string> implements Tracker<S> {
  readonly #s: State<S>;

  constructor(state: State<S>) {
    this.#s = state;
  }

  get lifecycle(): CompiledLifecycle<S> {
    return this.#s.lifecycle;
  }
  get policy(): Policy {
    return this.#s.policy;
  }
  get status(): S {
    return this.#s.status;
  }
  get final(): boolean {
    const { lifecycle, status } = this.#s;
    return lifecycle.final[lifecycle.ids.get(status) as number] === 1;
  }
  get history(): readonly TrackerEntry<S>[] {
    return this.#s.history.slice();
  }
  get counts(): Readonly<Record<S, number>> {
    return countsRecord(this.#s.lifecycle, this.#s.counts);
  }
  get attempts(): number {
    return this.#count('DEFERRED');
  }
  get opens(): number {
    return this.#count('OPEN');
  }
  get clicks(): number {
    return this.#count('CLICKED');
  }
  get since(): number {
    return this.#s.since;
  }
  get received(): number {
    return this.#s.received;
  }
  get deadline(): number | undefined {
    return dueTimer(this.#s)?.deadline;
  }

  #count(status: string): number {
    const id = this.#s.lifecycle.ids.get(status);
    return id === undefined || id < 0 ? 0 : this.#s.counts[id];
  }

  hasSeen(id: string): boolean {
    return this.#s.seen.has(id);
  }

  apply(event: StatusReport): TrackResult<S> {
    const s = this.#s;
    this.expireIfDue();
    const index = s.received++;
    const report = readReport(event);
    if (typeof report === 'string') {
      return { outcome: 'rejected', status: s.status, from: s.status, code: 'invalid_event', implied: [], message: `event ${index}: ${report}` };
    }
    const result = stepReport(s.lifecycle, s.status, report, this.#seen, { policy: s.policy });
    if (result === undefined) {
      return { outcome: 'ignored', status: s.status, from: s.status, code: 'duplicate', implied: [], message: seenMessage(report.id as string) };
    }
    if (result.outcome === 'applied') {
      if (result.status !== s.status) s.since = report.at ?? s.now();
      for (const e of historyEntries(result, s.status, index, report)) record(s, e);
    }
    return result;
  }

  /** The tracker's bounded memory of event ids, as the step reads it. */
  readonly #seen: SeenIds = {
    seenBefore: (id) => {
      if (this.#s.seen.has(id)) return true;
      remember(this.#s, id);
      return false;
    },
  };

  expireIfDue(now?: number): boolean {
    const s = this.#s;
    const at = now ?? s.now();
    if (typeof at !== 'number' || Number.isNaN(at)) throw badArgument(`now must be epoch ms, got ${show(at)}`);
    const due = dueTimer(s);
    if (due === undefined || due.deadline > at) return false;
    const to = s.lifecycle.statuses[due.timer.to];
    record(s, { status: to, from: s.status, implied: false, at: due.deadline, index: s.received, timer: true });
    s.since = due.deadline;
    return true;
  }

  toJSON(): TrackerSnapshot<S> {
    const s = this.#s;
    return {
      version: TRACKER_SNAPSHOT_VERSION,
      channel: s.lifecycle.name,
      policy: s.policy,
      status: s.status,
      since: s.since,
      delays: s.delays.slice(),
      received: s.received,
      history: s.history.map((e) => ({ ...e })),
      counts: countsRecord(s.lifecycle, s.counts),
      maxSeenIds: s.maxSeenIds,
      seen: [...s.seen],
    };
  }
}

/**
 * Rebuilds a tracker from `toJSON()`'s output, as a JSON string or an
 * already-parsed object. Checks everything: JSON syntax, shape (no unknown or
 * inherited keys, `__proto__` included), version, channel, statuses, that
 * the history is a legal path from the initial status (every step a legal or
 * timed transition, implied entries exactly the shortest path of an early
 * report), that counts, seen ids, `received` and `since` agree with it. Any
 * problem throws `LifecycleError('invalid_snapshot')` saying what is wrong;
 * it never returns an illegal tracker. A bad `options` throws
 * `invalid_argument`.
 *
 * With `options.channel`, the tracker is typed by that channel and a
 * snapshot of another channel is refused.
 *
 * @example
 * const t = restoreTracker(await db.load(messageId), { channel: 'sms' }) // Tracker<SmsStatus>
 * t.apply(report)
 * await db.save(messageId, JSON.stringify(t))
 */
export function restoreTracker<C extends ChannelRef>(json: unknown, options: RestoreOptions<C> & { readonly channel: C }): Tracker<StatusOf<C>>;
export function restoreTracker(json: unknown, options?: RestoreOptions): Tracker;
export function restoreTracker(json: unknown, options: RestoreOptions = {}): Tracker {
  return new MessageTracker(readSnapshotState(json, options));
}
