import { LifecycleError } from '../errors';
import { show } from '../messages';
import type { CompiledLifecycle } from '../lifecycle';
import { readReport, type ReadReport } from '../step';
import type { LifecycleErrorCode } from '../errors';
import { cutDetail } from './detail';

/**
 * What every store checks before it writes anything: message ids and side
 * events, the same for every engine (the conformance suite holds them to it).
 */

/**
 * The longest message or provider event id a store takes, in UTF-8 bytes: on
 * PostgreSQL both ids go into one btree entry (at most about 2.7 kB).
 */
export const MAX_ID_BYTES = 1000;

/**
 * Throws `LifecycleError('invalid_argument')` unless `messageId` is a
 * non-empty string without NUL (PostgreSQL text cannot hold one) of at most
 * {@link MAX_ID_BYTES} bytes.
 *
 * @example checkMessageId('msg-1') // passes; checkMessageId('') throws
 */
export function checkMessageId(messageId: unknown): asserts messageId is string {
  if (typeof messageId !== 'string' || messageId.length === 0 || tooLong(messageId) || messageId.includes('\0')) {
    throw new LifecycleError('invalid_argument', `messageId must be a non-empty string without NUL, at most ${MAX_ID_BYTES} bytes, got ${show(messageId)}`);
  }
}

/** More than {@link MAX_ID_BYTES} UTF-8 bytes (a UTF-16 unit is at most 3 bytes, so short strings are not measured). */
function tooLong(text: string): boolean {
  return text.length * 3 > MAX_ID_BYTES && Buffer.byteLength(text) > MAX_ID_BYTES;
}

/**
 * The times every store can hold, in epoch ms: Date's range (±100,000,000
 * days), cut below at 1 January 4713 BC, where PostgreSQL's timestamps begin.
 * A report, registration or side event outside it is refused before anything
 * is written.
 */
export const STORE_TIME_RANGE = { min: Date.UTC(-4712, 0, 1), max: 8.64e15 } as const;

function inStoreRange(at: number): boolean {
  return at >= STORE_TIME_RANGE.min && at <= STORE_TIME_RANGE.max;
}

/** A side event as a store keeps it: text cut to the detail limit, `at` in epoch ms. */
export interface CheckedSideEvent {
  readonly id: string;
  readonly provider: string | undefined;
  readonly kind: string | undefined;
  readonly detail: string | undefined;
  readonly at: number | undefined;
}

/**
 * Reads a side event (`{ id, provider?, kind?, detail?, at? }`) or throws
 * `LifecycleError('invalid_event')` saying what is wrong: a missing or
 * oversized id, a text field that is not a string or holds NUL, an `at` that
 * is not a Date, epoch ms or ISO 8601 time.
 *
 * @example readSideEvent({ id: 'e1', kind: 'spam_complaint', at: '2026-01-01T00:00:00Z' }).at // 1767225600000
 */
export function readSideEvent(event: unknown): CheckedSideEvent {
  if (typeof event !== 'object' || event === null) throw new LifecycleError('invalid_event', `a side event must be an object, got ${show(event)}`);
  const { id, provider, kind, detail, at } = event as Record<string, unknown>;
  if (typeof id !== 'string' || id.length === 0 || id.includes('\0') || tooLong(id)) {
    throw new LifecycleError('invalid_event', `a side event needs an id: a non-empty string without NUL, at most ${MAX_ID_BYTES} bytes, got ${show(id)}`);
  }
  const text = (value: unknown, what: string): string | undefined => {
    if (value === undefined) return undefined;
    if (typeof value !== 'string' || value.includes('\0')) throw new LifecycleError('invalid_event', `${what} must be a string without NUL, got ${show(value)}`);
    return cutDetail(value);
  };
  return { id, provider: text(provider, 'provider'), kind: text(kind, 'kind'), detail: text(detail, 'detail'), at: at === undefined ? undefined : readTime(at, 'invalid_event') };
}

/**
 * A time given to a store (`register`'s `at`, a side event's `at`) in epoch
 * ms, read as a report's `at` is; throws `LifecycleError(code)` for anything
 * that is not a Date, epoch ms or ISO 8601 time within {@link STORE_TIME_RANGE}.
 *
 * @example readTime('2026-01-01T00:00:00Z', 'invalid_argument') // 1767225600000
 */
export function readTime(at: unknown, code: LifecycleErrorCode): number {
  const report = readReport({ status: 'at', at });
  if (typeof report === 'string' || report.at === undefined || !inStoreRange(report.at)) {
    throw new LifecycleError(code, `at must be a Date, epoch ms or ISO 8601 string, got ${show(at)}`);
  }
  return report.at;
}

/** One batch item as every store takes it: the message, its lifecycle, the report read, and the provider's detail cut to its limit. */
export interface CheckedItem {
  readonly messageId: string;
  readonly lifecycle: CompiledLifecycle;
  readonly report: ReadReport;
  readonly detail: string | undefined;
}

/**
 * Reads item `index` of an `apply`/`applyMany` batch before anything is
 * written: throws `invalid_argument` for a non-object item or a bad message
 * id, whatever `register` throws for the channel, and `invalid_event` for a
 * malformed report, an event id with NUL or over {@link MAX_ID_BYTES} bytes,
 * a time out of {@link STORE_TIME_RANGE} or a detail that is not a string without NUL.
 *
 * @example readBatchItem({ messageId: 'm1', channel: 'sms', event: 'DELIVERED' }, 0, lifecycleOf).report.status // 'DELIVERED'
 */
export function readBatchItem(item: unknown, index: number, register: (channel: unknown) => CompiledLifecycle): CheckedItem {
  if (typeof item !== 'object' || item === null) throw new LifecycleError('invalid_argument', `item ${index} must be { messageId, channel, event }, got ${show(item)}`);
  const { messageId, channel, event } = item as Record<string, unknown>;
  checkMessageId(messageId);
  const lifecycle = register(channel);
  const report = readReport(typeof event === 'string' ? { status: event } : event);
  if (typeof report === 'string') throw new LifecycleError('invalid_event', `item ${index}: ${report}`, { channel: lifecycle.name });
  if (report.id !== undefined && (report.id.includes('\0') || tooLong(report.id))) {
    throw new LifecycleError('invalid_event', `item ${index}: id must not contain NUL or exceed ${MAX_ID_BYTES} bytes`, { channel: lifecycle.name });
  }
  if (report.at !== undefined && !inStoreRange(report.at)) {
    throw new LifecycleError('invalid_event', `item ${index}: at is out of range: ${show(report.at)}`, { channel: lifecycle.name });
  }
  const detail = typeof event === 'string' ? undefined : (event as { detail?: unknown }).detail;
  if (detail !== undefined && (typeof detail !== 'string' || detail.includes('\0'))) {
    throw new LifecycleError('invalid_event', `item ${index}: detail must be a string without NUL, got ${show(detail)}`, { channel: lifecycle.name });
  }
  return { messageId, lifecycle, report, detail: detail === undefined ? undefined : cutDetail(detail) };
}
