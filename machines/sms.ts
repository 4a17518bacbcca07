import { assign, setup } from 'xstate';
import { actorNow, timeUntil } from '../src/clock';
import { LifecycleError } from '../src/errors';
import { eventTime, type StatusEvent } from './shared';

/** The SMS validity period when a message sets none: 48 hours. */
export const DEFAULT_SMS_VALIDITY_MS = 48 * 60 * 60 * 1000;

export type SmsStatus = 'REGISTERED' | 'SUBMITTED' | 'DELIVERED' | 'EXPIRED' | 'UNDELIVERABLE' | 'FAILED';

export interface SmsContext {
  /** How long a SUBMITTED message may wait for a report before it expires. */
  readonly validityMs: number;
  /**
   * When the message entered SUBMITTED (epoch ms): the report's `at`, else
   * the actor's clock ({@link actorNow}); null before that.
   */
  readonly submittedAt: number | null;
  /**
   * The absolute expiry deadline (epoch ms), `submittedAt + validityMs`. The
   * validity timer fires at this instant (see the machine's JSDoc), and it is
   * kept in context because a persisted snapshot does not keep the `after`
   * timer.
   */
  readonly expiresAt: number | null;
}

export interface SmsInput {
  /** Validity period in milliseconds; a positive finite number. Default 48 h. */
  readonly validityMs?: number;
}

/**
 * The SMS delivery lifecycle. REGISTERED → SUBMITTED → DELIVERED, with
 * UNDELIVERABLE, EXPIRED and FAILED as the other final outcomes. EXPIRED is
 * also reached by a timer when the validity period elapses in SUBMITTED.
 *
 * The timer fires at the absolute deadline `context.expiresAt` (the
 * SUBMITTED report's `at`, else the actor's clock, plus `validityMs`), not a
 * validity after the actor happened to enter SUBMITTED: a SUBMITTED report
 * 47 h old on a 48 h validity expires an hour later, and one already past
 * its deadline expires on the clock's next turn, as the tracker,
 * `reconcile` and the store decide. "Now" is the actor's clock when it has a
 * `now()` (xstate's `SimulatedClock`), else `Date.now()`. An actor restored
 * from a persisted snapshot has no timer until `resumeTimers` re-arms
 * it at the same deadline.
 *
 * @example
 * const clock = new SimulatedClock();
 * clock.set(Date.UTC(2026, 0, 3));
 * const actor = createActor(smsMachine, { clock, input: {} }).start();
 * actor.send({ type: 'SUBMITTED', at: Date.UTC(2026, 0, 3) - 47 * 3_600_000 });
 * clock.increment(3_600_000);
 * actor.getSnapshot().value; // 'EXPIRED'
 */
export const smsMachine = setup({
  types: {
    context: {} as SmsContext,
    events: {} as StatusEvent<SmsStatus>,
    input: {} as SmsInput | undefined,
  },
  delays: {
    // Time left until the absolute deadline; the full validity before one is set
    // (what compileLifecycle reads as the channel's default delay).
    validity: ({ context, system }) => (context.expiresAt === null ? context.validityMs : timeUntil(context.expiresAt, system)),
  },
}).createMachine({
  id: 'sms',
  initial: 'REGISTERED',
  context: ({ input }) => {
    // Only an absent value means the default: a null from a JSON config is a mistake, not 48 h.
    const validityMs: unknown = input?.validityMs === undefined ? DEFAULT_SMS_VALIDITY_MS : input.validityMs;
    if (typeof validityMs !== 'number' || !Number.isFinite(validityMs) || validityMs <= 0) {
      throw new LifecycleError('invalid_argument', `validityMs must be a positive finite number of milliseconds, got ${String(validityMs)}`);
    }
    return { validityMs, submittedAt: null, expiresAt: null };
  },
  states: {
    REGISTERED: {
      description: 'Accepted and queued by the platform; not yet handed to the network.',
      on: {
        SUBMITTED: {
          target: 'SUBMITTED',
          actions: assign(({ context, event, system }) => {
            const submittedAt = eventTime(event.at) ?? actorNow(system);
            return { submittedAt, expiresAt: submittedAt + context.validityMs };
          }),
        },
        FAILED: { target: 'FAILED' },
      },
    },
    SUBMITTED: {
      description: 'Handed to the mobile network; no final report yet.',
      after: { validity: { target: 'EXPIRED' } },
      on: {
        DELIVERED: { target: 'DELIVERED' },
        UNDELIVERABLE: { target: 'UNDELIVERABLE' },
        EXPIRED: { target: 'EXPIRED' },
        FAILED: { target: 'FAILED' },
      },
    },
    DELIVERED: { type: 'final', description: 'The handset received the message.' },
    EXPIRED: { type: 'final', tags: ['failure'], description: 'The validity period ran out before the handset could be reached.' },
    UNDELIVERABLE: { type: 'final', tags: ['failure'], description: 'The network refused it for good, e.g. the number does not exist.' },
    FAILED: { type: 'final', tags: ['failure'], description: 'Our own processing failed; it was not sent, or may not have been.' },
  },
});
