import { InvalidArgumentError } from 'commander';
import type { CompiledLifecycle } from '../compile';
import { UsageError } from './io';

/** The units `--delay` accepts, as its help lists them. */
export const DELAY_UNITS: Readonly<Record<string, number>> = { ms: 1, s: 1000, min: 60_000, h: 3_600_000, d: 86_400_000 };

/** The sentence the help and the errors share. */
export const DELAY_HELP = `name=duration with a unit (${Object.keys(DELAY_UNITS).join(', ')}), e.g. validity=24h`;

/**
 * Reads `name=duration` for `--delay`, e.g. `validity=24h` or `validity=90min`
 * (units ms, s, min, h, d; a unit is required), into the accumulated map.
 * Throws commander's `InvalidArgumentError` (exit 2) for anything else, and
 * for a second `--delay` of the same timer.
 *
 * @example parseDelay('validity=24h') // { validity: 86_400_000 }
 */
export function parseDelay(text: string, previous: Record<string, number> = {}): Record<string, number> {
  const match = /^([^=\s]+)=\s*(\d+(?:\.\d+)?)\s*([a-z]+)$/.exec(text.trim());
  const unit = match === null ? undefined : Object.prototype.hasOwnProperty.call(DELAY_UNITS, match[3]) ? DELAY_UNITS[match[3]] : undefined;
  const ms = match === null || unit === undefined ? NaN : Number(match[2]) * unit;
  if (match === null || !Number.isFinite(ms) || ms <= 0) throw new InvalidArgumentError(`expected ${DELAY_HELP}`);
  if (Object.prototype.hasOwnProperty.call(previous, match[1])) throw new InvalidArgumentError(`timer ${match[1]} is given twice`);
  return { ...previous, [match[1]]: Math.round(ms) };
}

/**
 * Checks that every `--delay` names a timer `lifecycle` has; throws
 * {@link UsageError} (exit 2) for a channel without timers or an unknown name.
 *
 * @example checkDelays(lifecycleOf('sms'), { validity: 86_400_000 })
 */
export function checkDelays(lifecycle: CompiledLifecycle, delays: Readonly<Record<string, number>> | undefined): void {
  const given = Object.keys(delays ?? {});
  if (given.length === 0) return;
  const names = [...new Set(lifecycle.timers.map((t) => t.delay).filter((d): d is string => typeof d === 'string'))];
  if (names.length === 0) throw new UsageError(`--delay: channel ${lifecycle.name} has no named timers`);
  for (const name of given) {
    if (!names.includes(name)) throw new UsageError(`--delay: channel ${lifecycle.name} has no timer ${JSON.stringify(name)} (timers: ${names.join(', ')})`);
  }
}
