import { CHANNELS, lifecycleOf, requireLifecycle, type ChannelRef, type StatusOf } from './catalog';
import { Relation, isCompiledLifecycle, type CompiledLifecycle, type TimerEdge } from './compile';
import { LifecycleError } from './errors';
import { show } from './messages';
import { reconcileStep, type ApplyResult, type HistoryEntry, type Policy, type StatusReport } from './reconcile';

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

interface State<S extends string> {
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
    const step = reconcileStep(s.lifecycle, s.status, event, index, (id) => s.seen.has(id), { policy: s.policy });
    if (step.kind === 'invalid') {
      return { outcome: 'rejected', status: s.status, from: s.status, code: 'invalid_event', implied: [], message: step.message };
    }
    if (step.kind === 'seen') {
      return { outcome: 'ignored', status: s.status, from: s.status, code: 'duplicate', implied: [], message: step.message };
    }
    if (step.id !== undefined) remember(s, step.id);
    if (step.result.outcome === 'applied') {
      if (step.result.status !== s.status) s.since = step.at ?? s.now();
      for (const e of step.entries) record(s, e);
    }
    return step.result;
  }

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

function record<S extends string>(s: State<S>, entry: TrackerEntry<S>): void {
  s.history.push(entry);
  s.counts[s.lifecycle.ids.get(entry.status) as number]++;
  s.status = entry.status;
}

/** First seen, first forgotten: a Set keeps insertion order. */
function remember(s: State<string>, id: string): void {
  s.seen.add(id);
  if (s.seen.size > s.maxSeenIds) s.seen.delete(s.seen.values().next().value as string);
}

/** The timer of the current status that is due first, with its deadline. */
function dueTimer(s: State<string>): { timer: TimerEdge; deadline: number } | undefined {
  const from = s.lifecycle.ids.get(s.status) as number;
  let best: { timer: TimerEdge; deadline: number } | undefined;
  s.lifecycle.timers.forEach((timer, i) => {
    if (timer.from !== from) return;
    const deadline = s.since + s.delays[i];
    if (best === undefined || deadline < best.deadline) best = { timer, deadline };
  });
  return best;
}

function countsRecord<S extends string>(lifecycle: CompiledLifecycle<S>, counts: readonly number[]): Record<S, number> {
  const record = {} as Record<S, number>;
  lifecycle.statuses.forEach((status, id) => {
    record[status] = counts[id];
  });
  return record;
}

function badArgument(message: string): LifecycleError {
  return new LifecycleError('invalid_argument', message);
}

function isPositiveInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0;
}

function isPositiveMs(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0;
}

function readPolicy(policy: unknown): Policy {
  if (policy === undefined || policy === 'tolerant') return 'tolerant';
  if (policy === 'strict') return 'strict';
  throw badArgument(`policy must be 'strict' or 'tolerant', got ${show(policy)}`);
}

function readClock(now: unknown): () => number {
  if (now === undefined) return Date.now;
  if (typeof now !== 'function') throw badArgument(`now must be a function returning epoch ms, got ${show(now)}`);
  return now as () => number;
}

/** One ms value per timer: `delays[name]`, `validityMs` for `validity`, else the machine's own. */
function resolveDelays(lifecycle: CompiledLifecycle, options: TrackerOptions): number[] {
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

// ---------------------------------------------------------------------------
// restoreTracker: everything in a snapshot is checked before a tracker exists.

const SNAPSHOT_KEYS = ['version', 'channel', 'policy', 'status', 'since', 'delays', 'received', 'history', 'counts', 'maxSeenIds', 'seen'];
const ENTRY_KEYS = new Set(['status', 'from', 'implied', 'at', 'id', 'index', 'timer']);

class SnapshotProblem extends Error {}

function fail(message: string): never {
  throw new SnapshotProblem(message);
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
  const expected = options?.channel === undefined ? undefined : lifecycleOf(options.channel as unknown);
  if (options?.channel !== undefined && expected === undefined) throw badArgument(`channel must be a channel name or a compiled lifecycle, got ${show(options.channel)}`);
  const channels = expected === undefined ? readChannels(options) : [expected, ...readChannels(options)];
  const now = readClock(options.now);
  let data: unknown = json;
  if (typeof json === 'string') {
    try {
      data = JSON.parse(json);
    } catch (cause) {
      throw new LifecycleError('invalid_snapshot', `snapshot is not valid JSON: ${(cause as Error).message}`, { cause });
    }
  }
  try {
    const state = readSnapshot(data, channels, now);
    if (expected !== undefined && state.lifecycle !== expected) {
      throw new SnapshotProblem(`the snapshot is of channel ${show(state.lifecycle.name)}, not ${show(expected.name)}`);
    }
    return new MessageTracker(state);
  } catch (error) {
    if (error instanceof SnapshotProblem) throw new LifecycleError('invalid_snapshot', `invalid tracker snapshot: ${error.message}`);
    throw error;
  }
}

function readChannels(options: RestoreOptions): readonly CompiledLifecycle[] {
  if (typeof options !== 'object' || options === null) throw badArgument(`options must be an object, got ${show(options)}`);
  const channels = options.channels ?? [];
  if (!Array.isArray(channels)) throw badArgument('channels must be an array of compiled lifecycles');
  for (const c of channels) if (!isCompiledLifecycle(c)) throw badArgument(`channels holds ${show(c)}, not a compiled lifecycle`);
  return channels;
}

function own(record: Record<string, unknown>, key: string): unknown {
  return Object.prototype.hasOwnProperty.call(record, key) ? record[key] : undefined;
}

function plainObject(value: unknown, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(`${what} must be an object, got ${show(value)}`);
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) fail(`${what} must be a plain object`);
  return value as Record<string, unknown>;
}

function readSnapshot(data: unknown, channels: readonly CompiledLifecycle[], now: () => number): State<string> {
  const snap = plainObject(data, 'the snapshot');
  for (const key of Object.keys(snap)) if (!SNAPSHOT_KEYS.includes(key)) fail(`unexpected key ${show(key)}`);
  const version = own(snap, 'version');
  if (version !== TRACKER_SNAPSHOT_VERSION) fail(`unknown version ${show(version)}; this library reads version ${TRACKER_SNAPSHOT_VERSION}`);

  const name = own(snap, 'channel');
  if (typeof name !== 'string') fail(`channel must be a string, got ${show(name)}`);
  const lifecycle = channels.find((c) => c.name === name) ?? ((CHANNELS as readonly string[]).includes(name) ? lifecycleOf(name) : undefined);
  if (lifecycle === undefined) fail(`unknown channel ${show(name)} (pass custom channels in options.channels)`);
  const n = lifecycle.size;

  const policy = own(snap, 'policy');
  if (policy !== 'tolerant' && policy !== 'strict') fail(`policy must be 'tolerant' or 'strict', got ${show(policy)}`);

  const status = own(snap, 'status');
  const statusId = lifecycle.ids.get(status as string);
  if (typeof status !== 'string' || statusId === undefined) fail(`status ${show(status)} is not a status of ${lifecycle.name}`);
  if (statusId < 0) fail(`status ${show(status)} does not apply to ${lifecycle.name}`);

  const since = own(snap, 'since');
  if (typeof since !== 'number' || !Number.isFinite(since)) fail(`since must be epoch ms, got ${show(since)}`);

  const delays = own(snap, 'delays');
  if (!Array.isArray(delays) || delays.length !== lifecycle.timers.length) fail(`delays must be an array of ${lifecycle.timers.length} ms values`);
  delays.forEach((ms, i) => {
    if (!isPositiveMs(ms)) fail(`delays[${i}] must be a positive number of ms, got ${show(ms)}`);
  });

  const received = own(snap, 'received');
  if (typeof received !== 'number' || !Number.isSafeInteger(received) || received < 0) fail(`received must be a non-negative integer, got ${show(received)}`);

  const maxSeenIds = own(snap, 'maxSeenIds');
  if (!isPositiveInteger(maxSeenIds)) fail(`maxSeenIds must be a positive integer, got ${show(maxSeenIds)}`);

  const seenList = own(snap, 'seen');
  if (!Array.isArray(seenList)) fail('seen must be an array of event ids');
  const seen = new Set<string>();
  for (const id of seenList) {
    if (typeof id !== 'string' || id.length === 0) fail(`seen holds ${show(id)}, not an event id`);
    if (seen.has(id)) fail(`seen holds ${show(id)} twice`);
    seen.add(id);
  }
  if (seen.size > maxSeenIds) fail(`seen holds ${seen.size} ids, more than maxSeenIds ${maxSeenIds}`);
  if (seen.size > received) fail(`seen holds ${seen.size} ids but only ${received} events were received`);

  const history = readHistory(lifecycle, own(snap, 'history'), policy, received);
  const last = history.length === 0 ? lifecycle.statuses[lifecycle.initial] : history[history.length - 1].status;
  if (last !== status) fail(`status ${status} is not where the history leads (${last})`);

  // The current status began at its first entry of the trailing run (self-loops do not restart it).
  let start = history.length;
  while (start > 0 && history[start - 1].status === status) start--;
  const began = history[start];
  if (began?.at !== undefined && began.at !== since) fail(`since ${since} is not the time ${began.at} the current status began`);

  const counts = lifecycle.statuses.map(() => 0);
  for (const e of history) counts[lifecycle.ids.get(e.status) as number]++;
  const countsGiven = plainObject(own(snap, 'counts'), 'counts');
  const countKeys = Object.keys(countsGiven);
  if (countKeys.length !== n) fail(`counts must have one entry per status of ${lifecycle.name}`);
  for (const key of countKeys) {
    const id = lifecycle.ids.get(key);
    if (id === undefined || id < 0) fail(`counts names ${show(key)}, not a status of ${lifecycle.name}`);
    if (countsGiven[key] !== counts[id]) fail(`counts.${key} is ${show(countsGiven[key])} but the history has ${counts[id]}`);
  }

  // Ids are remembered in order and forgotten oldest first, so `seen` is the
  // newest part of that order. The history's ids are a subsequence of it: its
  // newest ids must appear in `seen` in the same order, and older ones may
  // only be missing (or repeat, an id forgotten then applied again) if
  // something was forgotten, i.e. `seen` is full.
  const order = [...seen];
  let pointer = order.length;
  for (let i = history.length - 1; i >= 0; i--) {
    const id = history[i].id;
    if (id === undefined) continue;
    const at = pointer === 0 ? -1 : order.lastIndexOf(id, pointer - 1);
    if (at < 0) {
      if (seen.size < maxSeenIds) fail(`event id ${show(id)} of history[${i}] is missing from seen, or out of order`);
      break;
    }
    pointer = at;
  }

  return {
    lifecycle,
    policy,
    now,
    delays: delays.slice(),
    status,
    since,
    received,
    history,
    counts,
    maxSeenIds,
    seen,
  };
}

function readHistory(lifecycle: CompiledLifecycle, value: unknown, policy: Policy, received: number): TrackerEntry[] {
  if (!Array.isArray(value)) fail('history must be an array');
  const { size: n, statuses } = lifecycle;
  const history: TrackerEntry[] = [];
  let previous = statuses[lifecycle.initial];
  let lastIndex = -1;
  let lastReport = -1; // index of the last report entry (implied runs carry their report's index)
  let runStart = -1; // first entry of the current run of implied entries
  value.forEach((raw, i) => {
    const where = `history[${i}]`;
    const e = plainObject(raw, where);
    for (const key of Object.keys(e)) if (!ENTRY_KEYS.has(key)) fail(`${where} has an unexpected key ${show(key)}`);
    const status = own(e, 'status');
    const from = own(e, 'from');
    const implied = own(e, 'implied');
    const at = own(e, 'at');
    const id = own(e, 'id');
    const index = own(e, 'index');
    const timer = own(e, 'timer');
    const t = lifecycle.ids.get(status as string);
    if (typeof status !== 'string' || t === undefined || t < 0) fail(`${where}.status ${show(status)} is not a status of ${lifecycle.name}`);
    if (from !== previous) fail(`${where}.from is ${show(from)}, but the status before it was ${previous}`);
    if (typeof implied !== 'boolean') fail(`${where}.implied must be a boolean`);
    if (timer !== undefined && timer !== true) fail(`${where}.timer must be true when present`);
    if (at !== undefined && (typeof at !== 'number' || !Number.isFinite(at))) fail(`${where}.at must be epoch ms, got ${show(at)}`);
    if (id !== undefined && (typeof id !== 'string' || id.length === 0)) fail(`${where}.id must be a non-empty string`);
    if (typeof index !== 'number' || !Number.isSafeInteger(index) || index < 0) fail(`${where}.index must be a non-negative integer`);
    if (index < lastIndex) fail(`${where}.index goes backwards`);
    const f = lifecycle.ids.get(previous) as number;
    if (timer === true) {
      if (implied || id !== undefined || at === undefined) fail(`${where} is a timer entry: it has a time, no id and is not implied`);
      if (index > received) fail(`${where}.index ${index} is after the ${received} events received`);
      if (runStart >= 0) fail(`${where}: implied entries must be followed by the report that implied them`);
      if (!lifecycle.timers.some((timer) => timer.from === f && timer.to === t)) fail(`${where}: ${previous} → ${status} is not a timed transition of ${lifecycle.name}`);
    } else {
      if (index >= received) fail(`${where}.index ${index} is not below the ${received} events received`);
      // What applyStatus can apply: a legal step, or (tolerant) an early report
      // with the statuses it implies before it. Implied paths run over timers
      // too, so inside such a run (implied entries and the report closing
      // them) a step may be a timed one; the run itself is checked below
      // against the compiled shortest path. An early report whose shortest
      // path is a single timer step implies nothing and stands on its own.
      const legal = lifecycle.edges[f * n + t] === 1;
      const timed = lifecycle.timers.some((timer) => timer.from === f && timer.to === t);
      const inRun = implied || runStart >= 0;
      const bareSkip = !inRun && policy === 'tolerant' && lifecycle.relation[f * n + t] === Relation.skipped && lifecycle.implied[f * n + t].length === 0;
      if (!legal && !(inRun && timed) && !bareSkip) fail(`${where}: ${previous} → ${status} is not a legal transition of ${lifecycle.name}`);
      if (implied) {
        if (policy === 'strict') fail(`${where} is implied, but the strict policy never implies statuses`);
        if (id !== undefined || at !== undefined) fail(`${where} is implied, so it has no id or time`);
        if (runStart >= 0 && history[runStart].index !== index) fail(`${where} is implied by a different report than the entry before it`);
        if (runStart < 0 && index <= lastReport) fail(`${where} shares its index with an earlier report`);
        if (runStart < 0) runStart = i;
      } else {
        if (runStart < 0 && index <= lastReport) fail(`${where} shares its index with an earlier report`);
        lastReport = index;
        if (runStart >= 0) {
          // The implied run must be exactly what applyStatus implies for the early report.
          const origin = history[runStart].from;
          if (history[runStart].index !== index) fail(`${where} does not belong to the implied entries before it`);
          const o = lifecycle.ids.get(origin) as number;
          const expected = lifecycle.implied[o * n + t].map((id) => statuses[id]);
          const got = history.slice(runStart).map((h) => h.status);
          if (lifecycle.relation[o * n + t] !== Relation.skipped || expected.join() !== got.join()) {
            fail(`${where}: ${origin} → ${status} does not imply ${got.join(', ')}`);
          }
          runStart = -1;
        }
      }
    }
    const entry: { -readonly [K in keyof TrackerEntry]: TrackerEntry[K] } = { status, from: previous, implied, index };
    if (at !== undefined) entry.at = at as number;
    if (id !== undefined) entry.id = id as string;
    if (timer === true) entry.timer = true;
    history.push(entry);
    previous = status;
    lastIndex = index;
  });
  if (runStart >= 0) fail('the history ends with implied entries and not the report that implied them');
  return history;
}

