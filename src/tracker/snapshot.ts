import { CHANNELS, lifecycleOf } from '../catalog';
import { LifecycleError } from '../errors';
import { Relation, isCompiledLifecycle, type CompiledLifecycle } from '../lifecycle';
import { show } from '../messages';
import type { Policy } from '../apply';
import { badArgument, isPositiveInteger, isPositiveMs, readClock } from './options';
import { TRACKER_SNAPSHOT_VERSION, type RestoreOptions, type State, type TrackerEntry } from './types';

// ---------------------------------------------------------------------------
// restoreTracker: everything in a snapshot is checked before a tracker exists.

const SNAPSHOT_KEYS = ['version', 'channel', 'policy', 'status', 'since', 'delays', 'received', 'history', 'counts', 'maxSeenIds', 'seen'];
const ENTRY_KEYS = new Set(['status', 'from', 'implied', 'at', 'id', 'index', 'timer']);

class SnapshotProblem extends Error {}

function fail(message: string): never {
  throw new SnapshotProblem(message);
}

/**
 * @internal The state a snapshot describes, once everything in it is checked
 * (see `restoreTracker`): JSON text or a parsed object. Throws
 * `LifecycleError('invalid_snapshot')` for any problem, `invalid_argument`
 * for bad options.
 */
export function readSnapshotState(json: unknown, options: RestoreOptions): State<string> {
  const channels = readChannels(options);
  const expected = options.channel === undefined ? undefined : lifecycleOf(options.channel as unknown);
  if (options.channel !== undefined && expected === undefined) throw badArgument(`channel must be a channel name or a compiled lifecycle, got ${show(options.channel)}`);
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
    const state = readSnapshot(data, expected === undefined ? channels : [expected, ...channels], now);
    if (expected !== undefined && state.lifecycle !== expected) {
      throw new SnapshotProblem(`the snapshot is of channel ${show(state.lifecycle.name)}, not ${show(expected.name)}`);
    }
    return state;
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
