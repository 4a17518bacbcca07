import { assign, setup } from 'xstate';
import { LifecycleError } from '../src/errors';
import { eventTime, type StatusEvent } from './shared';

/** The SMS validity period when a message sets none: 48 hours. */
export const DEFAULT_SMS_VALIDITY_MS = 48 * 60 * 60 * 1000;

export type SmsStatus = 'REGISTERED' | 'SUBMITTED' | 'DELIVERED' | 'EXPIRED' | 'UNDELIVERABLE' | 'FAILED';

export interface SmsContext {
  /** How long a SUBMITTED message may wait for a report before it expires. */
  readonly validityMs: number;
  /** When the message entered SUBMITTED (epoch ms), or null before that. */
  readonly submittedAt: number | null;
  /**
   * The absolute expiry deadline (epoch ms), kept in context because a
   * persisted snapshot does not keep the `after` timer.
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
 */
export const smsMachine = setup({
  types: {
    context: {} as SmsContext,
    events: {} as StatusEvent<SmsStatus>,
    input: {} as SmsInput | undefined,
  },
  delays: {
    validity: ({ context }) => context.validityMs,
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
          actions: assign(({ context, event }) => {
            const submittedAt = eventTime(event.at) ?? Date.now();
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
