import type { AnyActor, AnyStateMachine } from 'xstate';
import { LifecycleError } from './errors';
import { show } from './messages';

/**
 * Re-arms the `after` timers of the states a started actor is in, when they
 * are not scheduled: what an actor restored from a persisted snapshot needs,
 * since xstate persists no timer and runs no entry action on restore. Each
 * delay is evaluated as xstate would (a number, or the machine's named delay
 * called with the restored context and the actor's system), so a machine
 * whose delays return the time left until a deadline in context (see
 * `timeUntil`) fires at that deadline, or on the clock's next turn when
 * it has passed. Returns how many timers it armed (0 for an actor whose timers
 * are already scheduled, or that is done). Throws
 * `LifecycleError('invalid_argument')` for an actor that is not a started
 * state-machine actor.
 *
 * @example
 * const actor = createActor(smsMachine, { snapshot: JSON.parse(saved) }).start();
 * resumeTimers(actor); // EXPIRED at context.expiresAt, not 48 h after the restore
 */
export function resumeTimers(actor: AnyActor): number {
  const machine = (actor as { logic?: unknown }).logic as AnyStateMachine | undefined;
  const snapshot = actor.getSnapshot() as { status?: unknown; _nodes?: unknown; context?: unknown };
  if (machine === undefined || typeof machine.root !== 'object' || !Array.isArray(snapshot._nodes)) {
    throw new LifecycleError('invalid_argument', `resumeTimers needs a state-machine actor, got ${show(actor)}`);
  }
  // Before start(), xstate's system.start() would schedule these a second time.
  // (0 is xstate's ProcessingStatus.NotStarted; a stopped actor's snapshot is not active.)
  if ((actor as { _processingStatus?: unknown })._processingStatus === 0) {
    throw new LifecycleError('invalid_argument', 'resumeTimers needs a started actor: call actor.start() first');
  }
  if (snapshot.status !== 'active') return 0;
  const running = actor.system.getSnapshot()._scheduledEvents;
  const delays = (machine.implementations?.delays ?? {}) as Record<string, unknown>;
  let armed = 0;
  for (const node of snapshot._nodes as AnyStateMachine['root'][]) {
    for (const timer of node.after) {
      const type = timer.eventType;
      if (`${actor.sessionId}.${type}` in running) continue;
      const named = typeof timer.delay === 'string' ? delays[timer.delay] : timer.delay;
      const ms: unknown = typeof named === 'function'
        ? (named as (args: object) => unknown)({ context: snapshot.context, event: { type: 'xstate.resume' }, self: actor, system: actor.system })
        : named;
      if (typeof ms !== 'number' || Number.isNaN(ms)) {
        throw new LifecycleError('invalid_argument', `the delay ${show(timer.delay)} of ${node.key} is not a number of ms`);
      }
      actor.system.scheduler.schedule(actor, actor, { type }, Math.max(0, ms), type);
      armed++;
    }
  }
  return armed;
}
