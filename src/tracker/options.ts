import type { Policy } from '../apply';
import { LifecycleError } from '../errors';
import { show } from '../messages';

// Reading the tracker's options (shared by createTracker and restoreTracker).


/** @internal The error for a bad option. */
export function badArgument(message: string): LifecycleError {
  return new LifecycleError('invalid_argument', message);
}

/** @internal A safe integer above 0. */
export function isPositiveInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0;
}

/** @internal A finite number of ms above 0. */
export function isPositiveMs(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0;
}

/** @internal The policy option: 'tolerant' (default) or 'strict'; throws `invalid_argument` otherwise. */
export function readPolicy(policy: unknown): Policy {
  if (policy === undefined || policy === 'tolerant') return 'tolerant';
  if (policy === 'strict') return 'strict';
  throw badArgument(`policy must be 'strict' or 'tolerant', got ${show(policy)}`);
}

/** @internal The clock option: `Date.now` by default; throws `invalid_argument` for a non-function. */
export function readClock(now: unknown): () => number {
  if (now === undefined) return Date.now;
  if (typeof now !== 'function') throw badArgument(`now must be a function returning epoch ms, got ${show(now)}`);
  return now as () => number;
}
