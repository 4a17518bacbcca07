import { toEpochMs } from '../src/internal/time';

/**
 * The SMS validity period when a message sets none: 48 hours. Here, with no
 * xstate import, so the package root can export it without loading a runtime.
 */
export const DEFAULT_SMS_VALIDITY_MS = 48 * 60 * 60 * 1000;

/**
 * Types shared by the lifecycle machines. A provider reports statuses, so an
 * event's `type` is the status reported; `at` and `id` are the provider's time
 * and event id when it sends them.
 */
export interface StatusEvent<S extends string> {
  readonly type: S;
  /** When the provider says the status happened: a Date, epoch ms or an ISO 8601 string. */
  readonly at?: Date | number | string;
  /** The provider's own event id, used to recognise repeated callbacks. */
  readonly id?: string;
}

/**
 * Epoch milliseconds of an event's `at` (a zoneless ISO time is UTC), or
 * `undefined` when absent or unreadable: what a machine's actions use to
 * start a timer at the reported time.
 *
 * @example eventTime('2026-01-01T10:30') === Date.UTC(2026, 0, 1, 10, 30) // true on any host
 */
export function eventTime(at: Date | number | string | undefined): number | undefined {
  return toEpochMs(at) ?? undefined;
}
