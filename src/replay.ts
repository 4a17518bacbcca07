import { CHANNELS, lifecycleOf, type ChannelRef } from './catalog';
import type { CompiledLifecycle } from './lifecycle';
import { LifecycleError, TRANSITION_CODES } from './errors';
import { cutDetail, MAX_DETAIL_LENGTH } from './internal/detail';
import { show } from './messages';
import type { ApplyCode, ApplyOptions, ApplyResult, Policy } from './apply';
import { readFields, stepReport, type ReportFields, type SeenIds } from './step';
import { foldStatus } from './parse';
import { readEventLine, type EventLineFields } from './internal/event-line';

/** Options of {@link createReplay}. */
export interface ReplayOptions {
  /** How out-of-order events are treated, as in `applyStatus`. Default `'tolerant'`. */
  readonly policy?: Policy;
  /**
   * How many provider event ids are remembered per message to recognise a
   * repeated callback (oldest forgotten first). Default 32. A forgotten id
   * that comes back is still judged by its status, so it can at worst be
   * counted as a duplicate or stale status instead of a duplicate id.
   */
  readonly maxSeenIdsPerMessage?: number;
  /** How many malformed lines and messages with rejected events the summary lists (all are counted). Default 100. */
  readonly maxListed?: number;
  /**
   * Custom channels a line's `channel` may name, in addition to the built-in
   * `sms` and `email` (compiled lifecycles or built-in names; one with a
   * built-in's name replaces it), as in `restoreTracker` and the store.
   * Channel names and statuses match in any letter case, as `parseStatus` reads them.
   */
  readonly channels?: readonly ChannelRef[];
  /**
   * Called once for every well-formed event, after the replay decided it and
   * before the next line: what a fold over the replay (the delivery report)
   * builds on, so it decides exactly as the replay does. It must not throw.
   */
  readonly onEvent?: (event: ReplayEvent) => void;
}

export { MAX_DETAIL_LENGTH };

/** One decided event, as {@link ReplayOptions.onEvent} sees it. Valid only during the call. */
export interface ReplayEvent {
  /** The line number the caller passed. */
  readonly line: number;
  readonly message: string;
  readonly lifecycle: CompiledLifecycle;
  /** The status the line reported (any string). */
  readonly status: string;
  /** The report's time in epoch ms, when it had one. */
  readonly at: number | undefined;
  /** The line's `detail` (the provider's own words), cut to {@link MAX_DETAIL_LENGTH} code points, when it had one. */
  readonly detail: string | undefined;
  /** What `applyStatus` decided, or `null` for a repeated provider event id (an ignored duplicate). */
  readonly result: ApplyResult | null;
  /** True when this is the message's first well-formed line. */
  readonly first: boolean;
  /** The message's slot for the observer's own per-message data (starts `undefined`, kept for the replay's life). */
  readonly slot: { data: unknown };
}

/** A line that is not an event: bad JSON, a missing or mistyped field, an unknown channel. */
export interface MalformedLine {
  /** The line number the caller passed. */
  readonly line: number;
  readonly reason: string;
}

/** A message with at least one rejected event, described by its first rejection. */
export interface RejectedMessage {
  readonly message: string;
  readonly channel: string;
  /** Line number of the first rejected event. */
  readonly line: number;
  /** The status that line reported. */
  readonly status: string;
  /** The message's status when that event arrived. */
  readonly current: string;
  readonly code: ApplyCode;
  readonly reason: string;
}

/** Counts by outcome and code; every key is present, zeros included. */
export interface ReplayCounts {
  /** `legal`: a direct transition; `skipped`: an early event applied with the statuses it implies (tolerant only). */
  readonly applied: { readonly total: number; readonly legal: number; readonly skipped: number };
  /** Repeated (same status, or an event id seen before) and late events: normal, nothing changes (tolerant only). */
  readonly ignored: { readonly total: number; readonly duplicate: number; readonly stale: number };
  /** Events that could not be applied, by reason. */
  readonly rejected: { readonly total: number } & { readonly [C in ApplyCode]: number };
}

/** What a replay found so far. A plain, JSON-serialisable object; a new one for every call. */
export interface ReplaySummary {
  readonly policy: Policy;
  /** Lines passed to `line()`, blank ones included. */
  readonly lines: number;
  /** Well-formed event lines (applied + ignored + rejected). */
  readonly events: number;
  /** Distinct messages seen in well-formed lines. */
  readonly messages: number;
  /** Per channel, how many messages end in each status (every status of the channel listed, zeros included). */
  readonly statuses: Readonly<Record<string, Readonly<Record<string, number>>>>;
  readonly counts: ReplayCounts;
  /** Lines that are not events: all counted, the first `maxListed` listed in order. */
  readonly malformed: { readonly count: number; readonly lines: readonly MalformedLine[] };
  /** Messages with at least one rejected event: all counted, the first `maxListed` listed in order. */
  readonly rejectedMessages: { readonly count: number; readonly messages: readonly RejectedMessage[] };
}

/** A streaming replay: feed it lines, ask for the summary at any time. */
export interface Replay {
  /**
   * Processes one line of an NDJSON event log (without its line break;
   * a trailing `\r` is fine). Synchronous and never throws for any text: a
   * blank line is skipped, a malformed one is counted with `lineNumber`, an
   * event is folded into its message's status with `applyStatus`.
   */
  line(text: string, lineNumber: number): void;
  /** What was found so far; call it as often as you like (it walks the messages, so not per line). */
  summary(): ReplaySummary;
}

const APPLY_CODES = TRANSITION_CODES.filter((code): code is ApplyCode => code !== 'unknown_channel');

/**
 * One message: four fields, however many lines it has (a fixed shape, every
 * field set by the constructor, so every record shares one hidden class).
 */
class MessageState {
  /** The current status's id in the lifecycle, times two, plus one once an event of the message was rejected. */
  code: number;
  /**
   * The event ids remembered, oldest first: none (`null`), one inline (a
   * string), up to {@link ARRAY_IDS} in an array, more in a Set (see {@link RememberedIds}).
   */
  seen: IdList = null;
  /** An observer's per-message data (see {@link ReplayEvent.slot}). */
  data: unknown = undefined;
  constructor(
    readonly lifecycle: CompiledLifecycle,
    status: number,
  ) {
    this.code = status * 2;
  }

  /** The current status's name. */
  get status(): string {
    return this.lifecycle.statuses[this.code >> 1];
  }
}

/** A message's remembered event ids, oldest first, in the smallest form their number allows. */
export type IdList = string | string[] | Set<string> | null;

/**
 * Above this many remembered ids a message's array becomes a Set (linear
 * search stays cheaper below it).
 *
 * @example createReplay({ maxSeenIdsPerMessage: ARRAY_IDS }) // never needs a Set
 */
export const ARRAY_IDS = 16;

/**
 * The replay's {@link SeenIds}: one object for the whole replay, pointed at
 * the message whose line is being stepped. Remembers the last `max` distinct
 * ids of each message, oldest forgotten first, stored as compactly as their
 * number allows: a message with one id holds the string itself.
 *
 * @example
 * const ids = new RememberedIds(2), message = { seen: null };
 * ids.message = message;
 * ids.seenBefore('a'); ids.seenBefore('b'); ids.seenBefore('c'); // false three times; 'a' is forgotten
 * ids.seenBefore('b'); // true
 */
export class RememberedIds implements SeenIds {
  /** The message whose ids {@link seenBefore} reads and updates; set before each step. */
  message: { seen: IdList } | null = null;
  constructor(readonly max: number) {}

  seenBefore(id: string): boolean {
    const message = this.message as { seen: IdList };
    const seen = message.seen;
    if (seen === null) {
      message.seen = id;
      return false;
    }
    if (typeof seen === 'string') {
      if (seen === id) return true;
      message.seen = this.max === 1 ? id : [seen, id];
      return false;
    }
    if (Array.isArray(seen)) {
      if (seen.includes(id)) return true;
      if (seen.length >= this.max) {
        seen.shift();
        seen.push(id);
      } else if (seen.length < ARRAY_IDS) seen.push(id);
      else message.seen = new Set(seen).add(id);
      return false;
    }
    if (seen.has(id)) return true;
    seen.add(id);
    // A Set iterates in insertion order: its first id is the oldest.
    if (seen.size > this.max) seen.delete(seen.values().next().value as string);
    return false;
  }
}

const NOT_JSON = Symbol('not JSON');

/** JSON.parse, or {@link NOT_JSON}: the replay's hot function keeps no try/catch of its own. */
function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return NOT_JSON;
  }
}

function positiveInteger(value: unknown, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
    throw new LifecycleError('invalid_argument', `${name} must be a non-negative integer, got ${show(value)}`);
  }
  return value;
}

/**
 * Replays an event log line by line in memory bounded by the number of
 * messages (one small record each, with at most `maxSeenIdsPerMessage` event
 * ids), not by the number of lines. Each line is one JSON object
 * `{ "message": string, "channel": string, "status": string, "id"?: string, "at"?: string | number, "detail"?: string }`
 * (a line with exactly these keys in this order, no blanks or escapes and an
 * integer `at` is read without `JSON.parse`, to the same values);
 * each message starts in its channel's initial status and its events are
 * folded in arrival order with `applyStatus`, exactly as `reconcile` folds
 * them (an event id seen before for the message is an ignored `duplicate`).
 *
 * Malformed lines (not JSON, not an object, `message` not a non-empty
 * string, unknown `channel`, `status` not a string, an `id`, `at` or
 * `detail` of the wrong type, or a `channel` other than the message's
 * earlier lines) are
 * counted and listed with their line number; the rest is still processed.
 * A status name the channel does not know is not malformed: it is a rejected
 * event (`unknown_status` / `inapplicable_status`).
 *
 * Throws `LifecycleError('invalid_argument')` only for bad options.
 *
 * @example
 * const replay = createReplay({ policy: 'tolerant' })
 * let n = 0
 * for await (const text of readline.createInterface({ input })) replay.line(text, ++n)
 * const { counts, statuses, malformed } = replay.summary()
 */
export function createReplay(options: ReplayOptions = {}): Replay {
  const policy: Policy = options.policy ?? 'tolerant';
  if (policy !== 'tolerant' && policy !== 'strict') {
    throw new LifecycleError('invalid_argument', `policy must be 'strict' or 'tolerant', got ${show(policy)}`);
  }
  const maxSeen = positiveInteger(options.maxSeenIdsPerMessage, 'maxSeenIdsPerMessage', 32);
  const maxListed = positiveInteger(options.maxListed, 'maxListed', 100);
  const custom: unknown = options.channels ?? [];
  if (!Array.isArray(custom)) throw new LifecycleError('invalid_argument', `channels must be an array, got ${show(custom)}`);
  // Keyed by the lower-cased name: channel names match in any letter case.
  const channels = new Map<string, CompiledLifecycle>();
  for (const channel of [...CHANNELS, ...(custom as unknown[])]) {
    const lifecycle = lifecycleOf(channel);
    if (lifecycle === undefined) throw new LifecycleError('invalid_argument', `channels must be channel names or compiled lifecycles, got ${show(channel)}`);
    channels.set(lifecycle.name.toLowerCase(), lifecycle);
  }
  // The first few channels' exact names are compared before hashing the line's name (a log names two or three channels).
  const exact = [...channels.values()].slice(0, 4);
  function channelNamed(name: string): CompiledLifecycle | undefined {
    for (let i = 0; i < exact.length; i++) if (exact[i].name === name) return exact[i];
    return channels.get(name) ?? channels.get(name.trim().toLowerCase());
  }
  const applyOptions: ApplyOptions = { policy };
  const messages = new Map<string, MessageState>();
  // One report, one line-fields object and one id memory for every line: nothing allocated per line but what reading it makes.
  const report: ReportFields = { status: undefined, id: undefined, at: undefined };
  const ids = maxSeen > 0 ? new RememberedIds(maxSeen) : null;
  const fields: EventLineFields = { message: undefined, channel: undefined, status: undefined, id: undefined, at: undefined, detail: undefined };
  let lines = 0;
  let events = 0;
  let legal = 0;
  let skipped = 0;
  let duplicate = 0;
  let stale = 0;
  const rejectedBy = Object.fromEntries(APPLY_CODES.map((code) => [code, 0])) as Record<ApplyCode, number>;
  let rejected = 0;
  let malformedCount = 0;
  const malformed: MalformedLine[] = [];
  let rejectedMessageCount = 0;
  const rejectedMessages: RejectedMessage[] = [];

  const onEvent = options.onEvent;
  if (onEvent !== undefined && typeof onEvent !== 'function') {
    throw new LifecycleError('invalid_argument', `onEvent must be a function, got ${show(onEvent)}`);
  }

  function notify(
    lineNumber: number,
    message: string,
    state: MessageState,
    status: string,
    at: number | undefined,
    detail: string | undefined,
    result: ApplyResult | null,
    first: boolean,
  ): void {
    onEvent!({
      line: lineNumber,
      message,
      lifecycle: state.lifecycle,
      status,
      at,
      detail: detail === undefined ? undefined : cutDetail(detail),
      result,
      first,
      slot: state,
    });
  }

  function bad(line: number, reason: string): void {
    malformedCount++;
    if (malformed.length < maxListed) malformed.push({ line, reason });
  }

  function line(text: string, lineNumber: number): void {
    lines++;
    if (typeof text !== 'string') return bad(lineNumber, `not a line of text: ${show(text)}`);
    // Blank lines are skipped; test the first character before paying for trim().
    if (text.length === 0 || (text.charCodeAt(0) <= 32 && text.trim() === '')) return;
    let event: Record<string, unknown> | EventLineFields;
    if (readEventLine(text, fields)) event = fields;
    else {
      const value = parseJson(text);
      if (value === NOT_JSON) return bad(lineNumber, 'not valid JSON');
      if (typeof value !== 'object' || value === null || Array.isArray(value)) return bad(lineNumber, 'not a JSON object');
      event = value as Record<string, unknown>;
    }
    const id = event.message;
    if (typeof id !== 'string' || id === '') {
      return bad(lineNumber, id === undefined ? 'missing "message"' : `"message" must be a non-empty string, got ${show(id)}`);
    }
    const channelName = event.channel;
    if (channelName === undefined) return bad(lineNumber, 'missing "channel"');
    const lifecycle = typeof channelName === 'string' ? channelNamed(channelName) : undefined;
    if (lifecycle === undefined) return bad(lineNumber, `unknown channel ${show(channelName)}`);
    const reported = event.status;
    if (typeof reported !== 'string') {
      return bad(lineNumber, reported === undefined ? 'missing "status"' : `"status" must be a string, got ${show(reported)}`);
    }
    // Exact names take the fast path; any other spelling is read as parseStatus reads it.
    const status = lifecycle.lookup.get(reported) === undefined ? (foldStatus(lifecycle, reported) ?? reported) : reported;
    const why = readFields(event as Record<string, unknown>, report);
    if (why !== null) return bad(lineNumber, why);
    report.status = status;
    const detail = event.detail;
    if (detail !== undefined && typeof detail !== 'string') return bad(lineNumber, `"detail" must be a string, got ${show(detail)}`);
    let state = messages.get(id);
    const first = state === undefined;
    if (state === undefined) {
      state = new MessageState(lifecycle, lifecycle.initial);
      messages.set(id, state);
    } else if (state.lifecycle !== lifecycle) {
      return bad(lineNumber, `message ${show(id)} is ${state.lifecycle.name}, not ${lifecycle.name}`);
    }
    events++;
    if (ids !== null) ids.message = state;
    const current = lifecycle.statuses[state.code >> 1];
    const result = stepReport(lifecycle, current, report, ids, applyOptions);
    if (result === undefined) {
      duplicate++;
      if (onEvent !== undefined) notify(lineNumber, id, state, status, report.at, detail, null, first);
      return;
    }
    if (onEvent !== undefined) notify(lineNumber, id, state, status, report.at, detail, result, first);
    if (result.outcome === 'applied') {
      if (result.code === 'skipped') skipped++;
      else legal++;
      state.code = ((lifecycle.lookup.get(result.status) as number) << 1) | (state.code & 1);
    } else if (result.outcome === 'ignored') {
      if (result.code === 'duplicate') duplicate++;
      else stale++;
    } else {
      rejected++;
      rejectedBy[result.code]++;
      if ((state.code & 1) === 0) {
        state.code |= 1;
        rejectedMessageCount++;
        if (rejectedMessages.length < maxListed) {
          rejectedMessages.push({
            message: id,
            channel: lifecycle.name,
            line: lineNumber,
            status,
            current,
            code: result.code,
            reason: result.message,
          });
        }
      }
    }
  }

  function summary(): ReplaySummary {
    const statuses: Record<string, Record<string, number>> = {};
    for (const lifecycle of channels.values()) {
      const totals: Record<string, number> = {};
      for (const status of lifecycle.statuses) totals[status] = 0;
      statuses[lifecycle.name] = totals;
    }
    for (const state of messages.values()) statuses[state.lifecycle.name][state.status]++;
    return {
      policy,
      lines,
      events,
      messages: messages.size,
      statuses,
      counts: {
        applied: { total: legal + skipped, legal, skipped },
        ignored: { total: duplicate + stale, duplicate, stale },
        rejected: { total: rejected, ...rejectedBy },
      },
      malformed: { count: malformedCount, lines: malformed.slice() },
      rejectedMessages: { count: rejectedMessageCount, messages: rejectedMessages.slice() },
    };
  }

  return { line, summary };
}

/**
 * Replays a whole log held in memory (an array or any iterable of lines,
 * numbered from 1) and returns its summary. Same rules as {@link createReplay};
 * throws only for bad options.
 *
 * @example
 * replayLines(text.split('\n')).counts.rejected.total
 */
export function replayLines(lines: Iterable<string>, options?: ReplayOptions): ReplaySummary {
  const replay = createReplay(options);
  let n = 0;
  for (const text of lines) replay.line(text, ++n);
  return replay.summary();
}
