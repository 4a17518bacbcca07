/** Number and time formatting shared by the HTML page and the CLI (one place, so the page and its tests agree). */

const grouped = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

/**
 * A count with thousands separators.
 *
 * @example formatCount(9412) // '9,412'
 */
export function formatCount(n: number): string {
  return grouped.format(n);
}

/**
 * A share (0…1) as a percentage with one decimal.
 *
 * @example formatShare(0.9412) // '94.1 %'
 */
export function formatShare(share: number): string {
  return `${(Math.round(share * 1000) / 10).toFixed(1)} %`;
}

const UNITS: ReadonlyArray<readonly [number, string]> = [
  [86_400_000, 'd'],
  [3_600_000, 'h'],
  [60_000, 'min'],
  [1000, 's'],
];

/**
 * A duration in ms in the largest unit that keeps it at least 1, three
 * significant digits at most.
 *
 * @example formatDuration(1500) // '1.5 s'
 * @example formatDuration(172_800_000) // '2 d'
 */
export function formatDuration(ms: number | null): string {
  if (ms === null) return '–';
  for (const [size, unit] of UNITS) if (Math.abs(ms) >= size) return `${significant(ms / size)} ${unit}`;
  return `${significant(ms)} ms`;
}

function significant(x: number): string {
  const digits = Math.abs(x) >= 100 ? 0 : Math.abs(x) >= 10 ? 1 : 2;
  return String(Number(x.toFixed(digits)));
}
