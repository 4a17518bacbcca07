import { InvalidArgumentError } from 'commander';

const UNITS: Readonly<Record<string, number>> = { ms: 1, s: 1000, min: 60_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * Reads `name=duration` for `--delay`, e.g. `validity=24h` or `validity=90min`
 * (units ms, s, min or m, h, d; a bare number is ms), into the accumulated map.
 * Throws commander's `InvalidArgumentError` (exit 2) for anything else.
 *
 * @example parseDelay('validity=24h') // { validity: 86_400_000 }
 */
export function parseDelay(text: string, previous: Record<string, number> = {}): Record<string, number> {
  const match = /^([^=\s]+)=\s*(\d+(?:\.\d+)?)\s*(ms|s|min|m|h|d)?$/.exec(text.trim());
  const ms = match ? Number(match[2]) * UNITS[match[3] ?? 'ms'] : NaN;
  if (!match || !Number.isFinite(ms) || ms <= 0) {
    throw new InvalidArgumentError('expected name=duration, e.g. validity=24h (units: ms, s, min, h, d)');
  }
  return { ...previous, [match[1]]: Math.round(ms) };
}
