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

function daysIn(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

function fromParts(field: string, y: number, mo: number, d: number, h: number, mi: number, s: number, ms: number, offsetMin: number): string {
  const valid = mo >= 1 && mo <= 12 && d >= 1 && d <= daysIn(y, mo) && h <= 23 && mi <= 59 && s <= 59;
  if (!valid) throw new Malformed(`${field} is not a real date and time`);
  return isoFromEpochMs(Date.UTC(y, mo - 1, d, h, mi, s, ms) - offsetMin * 60_000, field);
}

const ISO = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?\s?(Z|[+-]\d{2}:?\d{2})?$/i;

/**
 * An ISO 8601 date-time (`T` or a space between date and time, up to nine
 * fraction digits, `Z`, `±hh:mm` or `±hhmm`; no zone is read as UTC) as an
 * ISO 8601 UTC string, or throws {@link Malformed}. Written out rather than
 * left to `Date.parse`, whose handling of 7-digit fractions and `+0000`
 * differs between engines.
 */
export function isoFromText(value: unknown, field: string): string {
  const m = typeof value === 'string' ? ISO.exec(value.trim()) : null;
  if (m === null) throw new Malformed(`${field} must be an ISO 8601 date-time, got ${JSON.stringify(value)?.slice(0, 40)}`);
  let offset = 0;
  const zone = m[8];
  if (zone !== undefined && zone.toUpperCase() !== 'Z') {
    const digits = zone.slice(1).replace(':', '');
    const oh = Number(digits.slice(0, 2));
    const om = Number(digits.slice(2));
    if (oh > 23 || om > 59) throw new Malformed(`${field} has an impossible zone offset`);
    offset = (zone[0] === '-' ? -1 : 1) * (oh * 60 + om);
  }
  const ms = m[7] === undefined ? 0 : Number(m[7].padEnd(3, '0').slice(0, 3));
  return fromParts(field, +m[1], +m[2], +m[3], +m[4], +m[5], m[6] === undefined ? 0 : +m[6], ms, offset);
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
  const n = (i: number) => Number(value.slice(i, i + 2));
  return fromParts(field, 2000 + n(0), n(2), n(4), n(6), n(8), value.length === 12 ? n(10) : 0, 0, 0);
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
