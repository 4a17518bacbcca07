import { LifecycleError } from '../errors';
import { show } from '../messages';
import { readReport } from '../step';
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
  if (typeof messageId !== 'string' || messageId.length === 0 || Buffer.byteLength(messageId) > MAX_ID_BYTES || messageId.includes('\0')) {
    throw new LifecycleError('invalid_argument', `messageId must be a non-empty string without NUL, at most ${MAX_ID_BYTES} bytes, got ${show(messageId)}`);
  }
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
  if (typeof id !== 'string' || id.length === 0 || id.includes('\0') || Buffer.byteLength(id) > MAX_ID_BYTES) {
    throw new LifecycleError('invalid_event', `a side event needs an id: a non-empty string without NUL, at most ${MAX_ID_BYTES} bytes, got ${show(id)}`);
  }
  const text = (value: unknown, what: string): string | undefined => {
    if (value === undefined) return undefined;
    if (typeof value !== 'string' || value.includes('\0')) throw new LifecycleError('invalid_event', `${what} must be a string without NUL, got ${show(value)}`);
    return cutDetail(value);
  };
  let atMs: number | undefined;
  if (at !== undefined) {
    const report = readReport({ status: 'side_event', at });
    if (typeof report === 'string' || report.at === undefined || Number.isNaN(new Date(report.at).getTime())) {
      throw new LifecycleError('invalid_event', `at must be a Date, epoch ms or ISO 8601 string, got ${show(at)}`);
    }
    atMs = report.at;
  }
  return { id, provider: text(provider, 'provider'), kind: text(kind, 'kind'), detail: text(detail, 'detail'), at: atMs };
}
