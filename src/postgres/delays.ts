import type { CompiledLifecycle } from '../compile';
import { LifecycleError } from '../errors';
import { show } from '../messages';

/** How long a message's timers run: the store's per-message options (see `apply`, `register`). */
export interface DelayOptions {
  /** The SMS validity period in ms for a message the call records: shorthand for `delays: { validity }`. */
  readonly validityMs?: number;
  /** Milliseconds for the channel's named timer delays (e.g. `validity`, a custom channel's own), overriding the machine's defaults. */
  readonly delays?: Readonly<Record<string, number>>;
}

function badArgument(message: string): LifecycleError {
  return new LifecycleError('invalid_argument', message);
}

/**
 * The named delays given in `options` (`validityMs` as `validity`), each
 * checked to be a positive finite number (else `LifecycleError('invalid_argument')`).
 *
 * @example givenDelays({ validityMs: 3_600_000 }) // Map { 'validity' => 3600000 }
 */
export function givenDelays(options: DelayOptions | undefined): Map<string, number> {
  const given = new Map<string, number>();
  if (options === undefined) return given;
  if (options.delays !== undefined) {
    if (typeof options.delays !== 'object' || options.delays === null || Array.isArray(options.delays)) {
      throw badArgument(`delays must be an object of ms values, got ${show(options.delays)}`);
    }
    for (const name of Object.keys(options.delays)) given.set(name, (options.delays as Record<string, number>)[name]);
  }
  if (options.validityMs !== undefined) given.set('validity', options.validityMs);
  for (const [name, ms] of given) {
    if (typeof ms !== 'number' || !Number.isFinite(ms) || ms <= 0) throw badArgument(`delay ${show(name)} must be a positive finite number of ms, got ${show(ms)}`);
  }
  return given;
}

/**
 * One ms value per timer of `lifecycle` (in `CompiledLifecycle.timers`
 * order): the given delay of that name, else the machine's own. Throws
 * `invalid_argument` for a timer whose delay the machine does not fix and
 * `given` does not name, as `createTracker` does.
 *
 * @example resolveDelays(lifecycleOf('sms'), new Map()) // [172800000]: 48 h
 */
export function resolveDelays(lifecycle: CompiledLifecycle, given: ReadonlyMap<string, number>): number[] {
  return lifecycle.timers.map((timer) => {
    const ms = given.get(String(timer.delay)) ?? timer.delayMs;
    if (typeof ms !== 'number' || !Number.isFinite(ms) || ms <= 0) {
      throw badArgument(
        `${lifecycle.name}: the timer ${lifecycle.statuses[timer.from]} → ${lifecycle.statuses[timer.to]} has no fixed delay; pass delays.${String(timer.delay)}`,
      );
    }
    return ms;
  });
}

/**
 * Refuses (`invalid_argument`) a named delay that none of `lifecycles` has a
 * timer for: a typo would otherwise be ignored.
 *
 * @example checkDelayNames([lifecycleOf('email')], new Map([['validity', 1]])) // throws: e-mail has no timer
 */
export function checkDelayNames(lifecycles: readonly CompiledLifecycle[], given: ReadonlyMap<string, number>): void {
  for (const name of given.keys()) {
    if (!lifecycles.some((l) => l.timers.some((timer) => String(timer.delay) === name))) {
      throw badArgument(`${lifecycles.map((l) => l.name).join(', ')}: no timer delay named ${show(name)}`);
    }
  }
}
