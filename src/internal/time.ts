/**
 * The library's one reader of ISO 8601 times, used by the core (reports'
 * `at`, the machines) and the provider mappers alike.
 *
 * One rule: a time without a zone is UTC. `'2026-01-01T10:30'` is
 * 10:30 UTC on every host, whatever its `TZ`; a date alone is midnight UTC.
 * Written out rather than left to `Date.parse`, which reads a zoneless
 * date-time as the host's local time, and whose handling of 7-digit fractions,
 * `+0000` and impossible dates differs between engines.
 */
const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?\s?(Z|[+-]\d{2}:?\d{2})?)?$/i;

/** An ISO 8601 time read by {@link readIsoTime}. */
export interface IsoTime {
  /** Epoch milliseconds (fractions below a millisecond are dropped). */
  readonly ms: number;
  /** True when the text was a date alone, with no time of day. */
  readonly dateOnly: boolean;
}

function daysIn(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/**
 * Reads an ISO 8601 date or date-time: `T` or a space between date and time,
 * seconds and up to nine fraction digits optional, then `Z`, `±hh:mm`,
 * `±hhmm` or no zone at all, which means UTC. Returns `null` for anything else,
 * including impossible dates (February 30th, hour 25) and zone offsets.
 *
 * @example readIsoTime('2026-01-01T10:30')?.ms === Date.UTC(2026, 0, 1, 10, 30) // true, on any host
 */
export function readIsoTime(text: string): IsoTime | null {
  const m = ISO.exec(text.trim());
  if (m === null) return null;
  const [y, mo, d] = [+m[1], +m[2], +m[3]];
  const h = m[4] === undefined ? 0 : +m[4];
  const mi = m[5] === undefined ? 0 : +m[5];
  const s = m[6] === undefined ? 0 : +m[6];
  if (mo < 1 || mo > 12 || d < 1 || d > daysIn(y, mo) || h > 23 || mi > 59 || s > 59) return null;
  let offset = 0;
  const zone = m[8];
  if (zone !== undefined && zone.toUpperCase() !== 'Z') {
    const digits = zone.slice(1).replace(':', '');
    const oh = Number(digits.slice(0, 2));
    const om = Number(digits.slice(2));
    if (oh > 23 || om > 59) return null;
    offset = (zone[0] === '-' ? -1 : 1) * (oh * 60 + om);
  }
  const fraction = m[7] === undefined ? 0 : Number(m[7].padEnd(3, '0').slice(0, 3));
  // Date.UTC maps years 0–99 to 1900–1999; setUTCFullYear does not.
  const date = new Date(Date.UTC(2000, mo - 1, d, h, mi, s, fraction));
  date.setUTCFullYear(y);
  return { ms: date.getTime() - offset * 60_000, dateOnly: m[4] === undefined };
}

/**
 * Epoch milliseconds of an event time given as a Date, epoch ms or an ISO 8601
 * string (read by {@link readIsoTime}: no zone means UTC); `undefined` when
 * absent, `null` when present but unreadable.
 */
export function toEpochMs(at: unknown): number | undefined | null {
  if (at === undefined) return undefined;
  let ms: number;
  if (at instanceof Date) ms = at.getTime();
  else if (typeof at === 'number') ms = at;
  else if (typeof at === 'string') ms = readIsoTime(at)?.ms ?? NaN;
  else return null;
  return Number.isFinite(ms) ? ms : null;
}
