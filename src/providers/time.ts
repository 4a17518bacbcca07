import { readIsoTime } from '../internal/time';
import { Malformed } from './result';

// Years outside 1970–9999 are refused: toISOString would write them in a form
// that reconcile's time reader does not take, and no callback is that old.
const MIN_MS = 0;
const MAX_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

/** Epoch milliseconds as an ISO 8601 UTC string, or throws {@link Malformed}. */
export function isoFromEpochMs(ms: unknown, field: string): string {
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < MIN_MS || ms > MAX_MS) {
    throw new Malformed(`${field} must be a time in epoch milliseconds, got ${String(ms).slice(0, 32)}`);
  }
  return new Date(Math.floor(ms)).toISOString();
}

/** Unix seconds (fractions allowed) as an ISO 8601 UTC string, or throws {@link Malformed}. */
export function isoFromUnixSeconds(seconds: unknown, field: string): string {
  if (typeof seconds !== 'number' || !Number.isFinite(seconds)) {
    throw new Malformed(`${field} must be a Unix time in seconds, got ${String(seconds).slice(0, 32)}`);
  }
  return isoFromEpochMs(Math.round(seconds * 1000), field);
}

/**
 * An ISO 8601 date-time (`T` or a space between date and time, up to nine
 * fraction digits, `Z`, `±hh:mm` or `±hhmm`; no zone is read as UTC, the
 * library's one rule) as an ISO 8601 UTC string, or throws {@link Malformed}.
 * Read by the same parser as reports' `at` in the core, so a provider's time
 * and a report's time never disagree; a date without a time of day is refused.
 */
export function isoFromText(value: unknown, field: string): string {
  const time = typeof value === 'string' ? readIsoTime(value) : null;
  if (time === null || time.dateOnly) throw new Malformed(`${field} must be an ISO 8601 date-time, got ${JSON.stringify(value)?.slice(0, 40)}`);
  return isoFromEpochMs(time.ms, field);
}

/**
 * A compact `YYMMDDhhmm` or `YYMMDDhhmmss` time (Vonage `scts`)
 * read as UTC in 20YY, since the field carries no zone; throws
 * {@link Malformed} for anything else, including impossible dates.
 */
export function isoFromCompact(value: unknown, field: string): string {
  if (typeof value !== 'string' || !/^\d{10}(?:\d{2})?$/.test(value)) {
    throw new Malformed(`${field} must be YYMMDDhhmm or YYMMDDhhmmss, got ${JSON.stringify(value)?.slice(0, 40)}`);
  }
  const n = (i: number) => value.slice(i, i + 2);
  const time = readIsoTime(`20${n(0)}-${n(2)}-${n(4)}T${n(6)}:${n(8)}:${value.length === 12 ? n(10) : '00'}Z`);
  if (time === null) throw new Malformed(`${field} is not a real date and time`);
  return isoFromEpochMs(time.ms, field);
}

/** The layouts an SMPP receipt date is read in, by length; for 12 digits the first that gives a real date wins. */
const SMPP_LAYOUTS: Readonly<Record<number, readonly (readonly [year: 2 | 4, seconds: boolean])[]>> = {
  10: [[2, false]],
  12: [
    [2, true],
    [4, false],
  ],
  14: [[4, true]],
};

/**
 * An SMPP receipt's `done date` as an ISO 8601 UTC string, read as UTC (the
 * receipt carries no zone): `YYMMDDhhmm` (SMPP 3.4), `YYMMDDhhmmss`,
 * `YYYYMMDDhhmm` or `YYYYMMDDhhmmss` (real SMSCs send all four). Twelve
 * digits read as `YYMMDDhhmmss` when that is a real date, else as
 * `YYYYMMDDhhmm` (the two agree on no date after 2012). `undefined` when the
 * text fits no layout or is an impossible date in every layout it fits:
 * the caller keeps the status and drops only the time. Never throws.
 */
export function isoFromSmppDate(value: string): string | undefined {
  const layouts = /^\d+$/.test(value) ? SMPP_LAYOUTS[value.length] : undefined;
  for (const [yearDigits, seconds] of layouts ?? []) {
    const year = yearDigits === 2 ? 2000 + Number(value.slice(0, 2)) : Number(value.slice(0, 4));
    const n = (i: number) => Number(value.slice(yearDigits + i, yearDigits + i + 2));
    const iso = realDate(year, n(0), n(2), n(4), n(6), seconds ? n(8) : 0);
    if (iso !== undefined) return iso;
  }
  return undefined;
}

/** The UTC date and time as ISO 8601, or `undefined` when it does not exist (31 April, hour 24) or is outside 1970–9999. */
function realDate(year: number, month: number, day: number, hour: number, minute: number, second: number): string | undefined {
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return undefined;
  const ms = Date.UTC(year, month - 1, day, hour, minute, second);
  const date = new Date(ms);
  // Date.UTC rolls 31 April over to 1 May: a date that does not read back is not real.
  if (date.getUTCDate() !== day || date.getUTCMonth() !== month - 1 || ms < MIN_MS || ms > MAX_MS) return undefined;
  return date.toISOString();
}
