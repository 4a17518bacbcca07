const ISO_8601 = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/i;

/**
 * Epoch milliseconds of an event time given as a Date, epoch ms or an ISO 8601
 * string; `undefined` when absent, `null` when present but unreadable.
 */
export function toEpochMs(at: unknown): number | undefined | null {
  if (at === undefined) return undefined;
  let ms: number;
  if (at instanceof Date) ms = at.getTime();
  else if (typeof at === 'number') ms = at;
  else if (typeof at === 'string' && ISO_8601.test(at.trim())) ms = Date.parse(at.trim());
  else return null;
  return Number.isFinite(ms) ? ms : null;
}
