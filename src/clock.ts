/**
 * Time as an xstate actor sees it (restoring an actor's timers is
 * `resumeTimers`, in resume-timers.ts). A lifecycle machine keeps each timer's
 * absolute deadline in its context (a persisted snapshot keeps no `after`
 * timer), reads "now" from the actor's clock, and its delay functions return
 * the time left until that deadline, so a timer fires at the deadline
 * whenever the state was entered or the actor restored, exactly as the
 * tracker decides.
 */

/** setTimeout fires at once for a delay above 2^31 - 1 ms (about 24.8 days); never ask for more. */
const MAX_TIMEOUT_MS = 2 ** 31 - 1;

interface ClockWithNow {
  now(): number;
}

function hasNow(clock: unknown): clock is ClockWithNow {
  return typeof clock === 'object' && clock !== null && typeof (clock as { now?: unknown }).now === 'function';
}

/**
 * Epoch ms by an actor's clock: the clock's own `now()` when it has one
 * (xstate's `SimulatedClock` does; set it to epoch ms with `clock.set(...)`),
 * else `Date.now()`. Pass the `system` an xstate action, delay or guard
 * receives; anything else (undefined in a pure `transition()`) reads
 * `Date.now()`.
 *
 * @example
 * assign({ startedAt: ({ system }) => actorNow(system) })
 */
export function actorNow(system: unknown): number {
  const clock = typeof system === 'object' && system !== null ? (system as { _clock?: unknown })._clock : undefined;
  if (hasNow(clock)) {
    const now = clock.now();
    if (typeof now === 'number' && Number.isFinite(now)) return now;
  }
  return Date.now();
}

/**
 * Milliseconds from now (by {@link actorNow}) until `deadline` (epoch ms), or
 * 0 when it has passed: the value a delay function returns so that an `after`
 * timer fires at an absolute deadline. xstate never takes a delayed transition
 * inside the step that schedules it, so a deadline already past fires on the
 * clock's next turn (a real clock: at once; a `SimulatedClock`: at its next
 * `increment`, even by 0). A deadline further away than `setTimeout` can wait
 * (2^31 − 1 ms, about 24.8 days: a report time far in the future) gives that
 * longest wait instead of a delay Node would fire at once.
 *
 * @example
 * setup({ delays: { validity: ({ context, system }) => timeUntil(context.expiresAt, system) } })
 */
export function timeUntil(deadline: number, system: unknown): number {
  return Math.min(MAX_TIMEOUT_MS, Math.max(0, deadline - actorNow(system)));
}
